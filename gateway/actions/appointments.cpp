// Clinic appointments (R-B1–R-B5): the actions a booking flow is built from. The clinics,
// their services and windows come from the clinics file (schedule/clinics.hpp); places are
// counted in the store, which serialises bookings per clinic and day across nodes.
//
//   appointments.people                           → ok {people}: a data menu of whom the visit
//                         may be for: Me, those the phone booked for before, someone new of
//                         each relation (R-B4; the values are clients: self, child-2, …);
//                         clears replaces (a new booking changes no visit)
//   appointments.clinics  service                 → ok {clinics}: a data menu; none
//   appointments.days     clinic, service, [for], [by_worker] → ok {days}: days with a free
//                         window; none
//   appointments.times    clinic, service, day, [for], [by_worker] → ok {times}: that day's
//                         free windows; none. Everywhere, a window's kept places are free
//                         only by_worker "yes"
//   appointments.hold     clinic, service, day, time, [for], [replaces], [by_worker] → ok
//                         {when, clinic_name}; full; already {booking, code, when,
//                         clinic_name} (the client has this very visit: R-U13); limit (2 visits
//                         ahead for this service already); call_first (the last 2 visits of this
//                         service were missed: a health worker of the clinic calls to book, R-B7;
//                         by_worker "yes", a worker booking for them, is that call)
//   appointments.book     the run's hold, else clinic, service, day and time (or slot), [for],
//                         [by_worker];
//                         [confirm_by_sms, remind_day_before, remind_morning, if_missed]:
//                         nodes the confirmation, the reminders and (at a clinic that
//                         records visits) the day after a missed visit start at, by SMS
//                         → ok {booking, code, when, clinic_name}; full; already; limit;
//                         call_first
//   appointments.soon     booking → ok {soon, clinic, service, for, [replaces]}: the first
//                         free window of the next 2 days at the visit's clinic (not its day,
//                         nor one the person has), each a slot for appointments.book; none;
//                         call_first (as appointments.hold)
//   appointments.to_call  booking, reason, [after] → ok: on the call list of the clinic's
//                         health worker (call_asked); none: the clinic has none; with after
//                         (cannot_come, missed_visit, clinic_cancelled), then, unless that
//                         service is booked again
//   appointments.mine     → ok {visits}: the person's visits still ahead; none
//   appointments.cancel   booking                 → ok {code, when, clinic_name}
//   appointments.visit    booking                 → ok {clinic, service, for, replaces, code,
//                         when, clinic_name}: the person's visit, to change it (book with
//                         replaces: the old one is cancelled when the new one is booked)
//   appointments.visited  service, series, occurrence → yes: the person's own visit of that
//                         service was marked attended in the window of the group of that
//                         occurrence's message (R-H1, schedule::antenatal_schedule: a visit
//                         silences its contact's reminder); no
// Every action also has `error` (an argument it cannot use).
#include "gateway/actions/appointments.hpp"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <set>
#include <variant>
#include <vector>

#include "gateway/actions/action.hpp"
#include "gateway/actions/calls.hpp"
#include "gateway/core/duration.hpp"
#include "gateway/core/log.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/schedule/clinics.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::actions {
namespace {

const flow::action_result error{"error", {}};

// R-B4: the relations a visit may be for besides the person, in the order the booking menu
// shows them, with how many of each one phone may book for (a second parent or partner is
// "someone else") and the texts: the first of them, a new one after that (the menu's, in the
// person's words: "My child"), and whose visit an SMS names (ours to them: "your child").
struct relation {
  std::string_view name;
  int most;
  std::string_view text, another, whose;
};
constexpr relation relations[] = {
    {"child", 8, "appointments.for_child", "appointments.another_child",
     "appointments.whose_child"},
    {"partner", 1, "appointments.for_partner", "", "appointments.whose_partner"},
    {"parent", 1, "appointments.for_parent", "", "appointments.whose_parent"},
    {"other", 8, "appointments.for_other", "appointments.another_person",
     "appointments.whose_other"},
};

const relation* relation_named(std::string_view name) {
  for (const auto& r : relations) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

// The clients of the phone's bookings (R-B4), read; anything else in the store is skipped.
std::vector<client> clients_of(store::tx& t, std::int64_t contact_id) {
  std::vector<client> out;
  for (const auto& key : t.visit_clients(contact_id)) {
    if (auto c = read_client(key); c && c->relation != "self") out.push_back(std::move(*c));
  }
  return out;
}

// A client as a data menu's item shows it: "My child"; "My child 1" and "My child 2" once the
// phone has booked for a second child; with `label` before it when given.
nlohmann::json client_item(const client& c, const std::vector<client>& known, const std::string& label = "") {
  nlohmann::json item{{"text", client_text(c)}};
  if (!label.empty()) item["label"] = label;
  const bool numbered = c.number > 1 || std::any_of(known.begin(), known.end(), [&](const client& k) {
                          return k.relation == c.relation && k.number > 1;
                        });
  if (numbered) item["n"] = c.number;
  return item;
}

// The client the run's `for` names: "" is the person themself.
std::optional<std::string> client_arg(const request& r) {
  const std::string given = r.arg("for");
  if (given.empty()) return "self";
  const auto c = read_client(given);
  if (!c) return std::nullopt;
  return client_key(*c);
}

// The person's own visit `given` (a booking number), still booked and still ahead.
std::optional<store::booking> own_upcoming(store::tx& t, const request& r, const std::string& given) {
  const auto id = text::read_id(given);
  if (!id) return std::nullopt;
  auto b = t.find_booking(*id);
  if (!b || b->contact_id != r.contact_id || b->status != store::booking_status::booked || b->starts_at <= t.now()) {
    return std::nullopt;
  }
  return b;
}

// "Sun 15 Azar (6 Dec)" / «یکشنبه ۱۵ آذر»: the day on the clinic's calendar, in the person's words
// and month names.
std::string day_label(const schedule::clinic& c, long long day, const std::string& lang, text::month_names months) {
  const auto noon = schedule::at_local(day, {12, 0}, c.time_zone);
  if (!noon) return schedule::day_text(day);
  return text::formatter(lang, c.time_zone, months).apply(std::to_string(*noon), "day").value_or(schedule::day_text(day));
}

// "10:00-12:00"; in Persian script, whole hours as «۱۰-۱۲» (how the clinics say it, and the
// USSD screen is 80 letters).
std::string window_label(const schedule::clinic& c, long long day, int from, int to, const std::string& lang) {
  const text::formatter f(lang, c.time_zone);
  if (text::persian_script(lang) && from % 60 == 0 && to % 60 == 0) {
    const auto hour = [&](int minute) {
      return f.apply(std::to_string(minute / 60), "number").value_or(std::to_string(minute / 60));
    };
    return hour(from) + "-" + hour(to);
  }
  const auto at = [&](int minute) {
    const auto t = schedule::at_local(day, {minute / 60, minute % 60}, c.time_zone);
    return t ? f.apply(std::to_string(*t), "time").value_or(schedule::clock_text(minute)) : schedule::clock_text(minute);
  };
  return at(from) + "-" + at(to);
}

// "Sun 15 Azar (6 Dec), 10:00-12:00" / «یکشنبه ۱۵ آذر، ۱۰-۱۲»: a day and a window, as a person reads them.
std::string when_label(const schedule::clinic& c, long long day, int from, int to, const std::string& lang,
                       text::month_names months) {
  return day_label(c, day, lang, months) + (text::persian_script(lang) ? "، " : ", ") + window_label(c, day, from, to, lang);
}

std::string data_menu(const nlohmann::json& items) { return items.dump(); }

}  // namespace

std::optional<std::pair<schedule::clinic, std::optional<store::clinic_hours>>> clinic_and_hours(
    store::tx& t, const schedule::clinic_list* clinics, std::string_view id) {
  const schedule::clinic* c = clinics ? clinics->find(id) : nullptr;
  if (!c) return std::nullopt;
  auto changed = t.find_clinic_hours(id);
  if (!changed) return std::pair{*c, std::nullopt};
  const auto read = schedule::read_week(nlohmann::json::parse(changed->week, nullptr, false));
  if (const auto* w = std::get_if<schedule::week>(&read)) return std::pair{c->with(*w), std::move(changed)};
  // Written by a newer build, or by hand: the file's week, said once a read.
  core::log::warn("clinic.hours_unreadable", {{"clinic", std::string(id)}});
  return std::pair{*c, std::nullopt};
}

std::optional<schedule::clinic> clinic_now(store::tx& t, const schedule::clinic_list* clinics, std::string_view id) {
  auto both = clinic_and_hours(t, clinics, id);
  if (!both) return std::nullopt;
  return std::move(both->first);
}

namespace {

// The clinic, service and day the arguments name, checked against the clinics file and the
// hours reception set; the day may be any day the clinic takes bookings for.
struct place {
  schedule::clinic clinic;
  std::string service;
  long long first_day = 0, last_day = 0;  // the days people may book now
  std::set<long long> closed;             // of them, those reception closed (R-B5)
  bool open_on(long long day) const { return clinic.open_on(day) && closed.count(day) == 0; }
};

std::optional<place> place_of(store::tx& t, const request& r) {
  auto clinic = clinic_now(t, r.clinics, r.arg("clinic"));
  if (!clinic || !clinic->offers(r.arg("service"))) return std::nullopt;
  place p{std::move(*clinic), r.arg("service"), 0, 0, {}};
  const auto today = schedule::local_day(t.now(), p.clinic.time_zone);
  if (!today) return std::nullopt;
  // From tomorrow: a visit today could not get its reminder, and today's windows may be over.
  p.first_day = *today + 1;
  p.last_day = *today + p.clinic.book_ahead_days;
  for (const long long day : t.closed_clinic_days(p.clinic.id, p.first_day, p.last_day)) p.closed.insert(day);
  return p;
}

// How many places of window `w` this booking may fill: all of them for a health worker's
// booking, all but the ones kept for those otherwise (R-B1).
int places_for(const request& r, const schedule::window& w) {
  return r.arg("by_worker") == "yes" ? w.capacity : w.capacity - w.kept;
}

// The day and window asked for: args day and time, or slot ("2026-12-05 10:00", a choice
// appointments.soon offered).
std::pair<std::string, std::string> day_and_time(const request& r) {
  const std::string slot = r.arg("slot");
  if (slot.empty()) return {r.arg("day"), r.arg("time")};
  const auto space = slot.find(' ');
  if (space == std::string::npos) return {};
  return {slot.substr(0, space), slot.substr(space + 1)};
}

std::optional<long long> day_arg(const std::string& given, const place& p) {
  const auto d = text::read_date(text::normalize(given));
  if (!d) return std::nullopt;
  const long long day = text::day_number(*d);
  if (day < p.first_day || day > p.last_day || !p.open_on(day)) return std::nullopt;
  return day;
}

// Whether reception closed the clinic on `day` (R-B5).
bool closed_on(store::tx& t, std::string_view clinic, long long day) {
  return !t.closed_clinic_days(clinic, day, day).empty();
}

// Whether the clinic closed the day the arguments name.
bool closed_since(store::tx& t, const request& r) {
  const auto d = text::read_date(text::normalize(day_and_time(r).first));
  return d && closed_on(t, r.arg("clinic"), text::day_number(*d));
}

// The booking the arguments describe (clinic, service, day, time, for), not yet stored.
std::optional<std::pair<store::booking, int>> booking_of(store::tx& t, const request& r) {
  const auto p = place_of(t, r);
  if (!p) return std::nullopt;
  const auto [day_given, time_given] = day_and_time(r);
  const auto day = day_arg(day_given, *p);
  const auto from = schedule::minute_of_day(time_given);
  const schedule::window* w = from ? p->clinic.window_at(*from) : nullptr;
  if (!day || !w) return std::nullopt;
  const auto starts = schedule::at_local(*day, {w->from / 60, w->from % 60}, p->clinic.time_zone);
  if (!starts) return std::nullopt;
  store::booking b;
  b.contact_id = r.contact_id;
  b.run_id = r.run_id;
  b.channel_id = r.channel_id;
  b.clinic = p->clinic.id;
  b.service = p->service;
  b.day = *day;
  b.window_from = w->from;
  b.window_to = w->to;
  b.starts_at = *starts;
  const auto who = client_arg(r);
  if (!who) return std::nullopt;
  b.for_whom = *who;
  return std::pair{b, places_for(r, *w)};
}

// The day a reminder the day before a visit goes at `at` (R-H2): the day before, or where that
// is a quiet day of the person's programme (a Friday, a holiday: R-S8), the last day before it
// that is not, up to a week early and never in the past (a day whose hours merely hold it a
// while, as iftar's in Ramadan do, is not quiet: it goes later that day). None such: the day before, its
// reminder waiting for the hours to open, unless that is when the visit begins: then none (the
// confirmation, sent now, names the day). Its text names the visit's day when it is not the
// day before.
std::optional<long long> day_before(store::tx& t, const request& r, const store::booking& b, const schedule::clinic& c,
                                    schedule::local_time at_time) {
  constexpr int most_days_early = 7;
  if (!r.sending_time) return b.day - 1;
  for (long long day = b.day - 1; day >= b.day - most_days_early; --day) {
    const auto at = schedule::at_local(day, at_time, c.time_zone);
    if (!at || *at <= t.now()) break;
    if (schedule::local_day(r.sending_time(*at), c.time_zone) == day) return day;
  }
  const auto at = schedule::at_local(b.day - 1, at_time, c.time_zone);
  if (!at || r.sending_time(*at) >= b.starts_at) return std::nullopt;
  return b.day - 1;
}

// The confirmation at once, and the reminders of a visit (domain timing): the day before at
// 10:00 (day_before), asking for a reply, and
// the morning of at 08:00 (the evening before at 18:00 for a window that opens before 10:00).
// Each starts the flow at the node the booking node names; none that would already be past.
// Whether any reminder before the visit was planned (booked at 19:00 for 08:00 tomorrow, none:
// the confirmation names the day).
bool schedule_reminders(store::tx& t, const request& r, const store::booking& b, const schedule::clinic& c) {
  bool reminded = false;
  const auto remind = [&](const char* node_arg, std::optional<long long> day, schedule::local_time at) {
    const std::string node = r.arg(node_arg);
    if (node.empty() || !day) return;
    const auto when = schedule::at_local(*day, at, c.time_zone);
    if (!when || *when <= t.now()) return;
    t.add_job(booking_reminder::kind, *when, booking_reminder{b.id, r.flow_id, node}.json());
    reminded = true;
  };
  // The confirmation itself, by SMS at once: the person's record, and where they can cancel.
  // Booked by the person, an answer to them, late in the evening too; by staff (the API), it
  // keeps to the person's sending hours.
  if (const std::string node = r.arg("confirm_by_sms"); !node.empty()) {
    const bool reply = r.arg("by_worker") != "yes";
    const std::int64_t replaced = text::read_id(r.arg("replaces")).value_or(0);
    t.add_job(booking_reminder::kind, t.now(), booking_reminder{b.id, r.flow_id, node, reply, replaced}.json());
  }
  if (const std::string node = r.arg("if_missed"); !node.empty() && c.records_visits) {
    // Or when its window ends, for an evening window (Ramadan hours).
    const int marked_by = std::max(18 * 60, b.window_to);
    if (const auto evening = schedule::at_local(b.day, {marked_by / 60, marked_by % 60}, c.time_zone)) {
      t.add_job(booking_reminder::missed_kind, *evening, booking_reminder{b.id, r.flow_id, node}.json());
    }
  }
  remind("remind_day_before", day_before(t, r, b, c, {10, 0}), {10, 0});
  if (b.window_from >= 10 * 60) {
    remind("remind_morning", b.day, {8, 0});
  } else {
    remind("remind_morning", day_before(t, r, b, c, {18, 0}), {18, 0});  // it names the day
  }
  return reminded;
}

}  // namespace

std::optional<client> read_client(std::string_view key) {
  if (key == "self") return client{};
  const auto dash = key.find('-');
  const relation* r = relation_named(key.substr(0, dash));
  if (!r) return std::nullopt;
  if (dash == std::string_view::npos) return client{std::string(r->name), 1};
  const std::string_view digits = key.substr(dash + 1);
  if (digits.size() != 1 || digits[0] < '2' || digits[0] > '9' || digits[0] - '0' > r->most) return std::nullopt;
  return client{std::string(r->name), digits[0] - '0'};
}

std::string client_key(const client& c) {
  return c.number > 1 ? c.relation + "-" + std::to_string(c.number) : c.relation;
}

std::string client_text(const client& c) {
  const relation* r = relation_named(c.relation);
  return r ? std::string(r->text) : "appointments.for_self";
}

std::map<std::string, std::string> booking_vars(const store::booking& b, const schedule::clinic_list* clinics,
                                                const std::string& lang, text::month_names months) {
  std::map<std::string, std::string> v{{"booking", std::to_string(b.id)}, {"code", b.code}};
  const schedule::clinic* c = clinics ? clinics->find(b.clinic) : nullptr;
  if (!c) {
    // A clinic taken out of the file since: the visit still stands; say what is known.
    v["clinic_name"] = b.clinic;
    v["time"] = schedule::clock_text(b.window_from) + "-" + schedule::clock_text(b.window_to);
    v["when"] = schedule::day_text(b.day) + ", " + v["time"];
  } else {
    v["clinic_name"] = c->name_in(lang);
    v["time"] = window_label(*c, b.day, b.window_from, b.window_to, lang);
    v["when"] = when_label(*c, b.day, b.window_from, b.window_to, lang, months);
  }
  // R-B4: whose visit it is, when not the person's own ("08:00-10:00 (your child 2)"): a phone
  // that booked for two gets two reminders, and the person must tell them apart. A data item,
  // shown by {when_whose|label} and {time_whose|label}.
  const relation* r = nullptr;
  int number = 1;
  if (const auto who = read_client(b.for_whom); who && who->relation != "self") {
    r = relation_named(who->relation);
    number = who->number;
  }
  const auto whose = [&](const std::string& shown) {
    nlohmann::json item{{"label", shown}};
    if (r) item["text"] = r->whose;
    if (r && number > 1) item["n"] = number;
    return item.dump();
  };
  v["when_whose"] = whose(v["when"]);
  v["time_whose"] = whose(v["time"]);
  // Whom the visit is for, said to the reader ("you", "your child 2"): "we missed your child".
  nlohmann::json whom{{"text", r ? r->whose : "appointments.whom_self"}};
  if (r && number > 1) whom["n"] = number;
  v["whom"] = whom.dump();
  return v;
}

// R-B4: the first five options are the same people on every dial, so a number typed from
// memory (or a dialled shortcut, R-U8) always means the same person: Me, My child, My wife or
// husband, My mother or father, Someone else (each whether booked for before or not; "My
// child 1" once there is a second). After them come the phone's later children and others
// ("My child 2"), then Another child and Someone new; nine options at most, so the earliest
// booked of those later ones give way first.
flow::action_result appointments_people(store::tx& t, const request& r) {
  const auto known = clients_of(t, r.contact_id);
  const auto is_known = [&](std::string_view relation, int number) {
    return std::any_of(known.begin(), known.end(), [&](const client& c) { return c.relation == relation && c.number == number; });
  };
  auto items = nlohmann::json::array({{{"text", client_text(client{})}, {"value", "self"}}});
  std::vector<nlohmann::json> fresh;
  for (const auto& rel : relations) {
    const client first{std::string(rel.name), 1};
    auto item = client_item(first, known);
    item["value"] = client_key(first);
    items.push_back(std::move(item));
    int next = 2;
    while (next <= rel.most && is_known(rel.name, next)) ++next;
    if (next <= rel.most && is_known(rel.name, 1)) {
      fresh.push_back({{"text", rel.another}, {"value", client_key({std::string(rel.name), next})}});
    }
  }
  std::vector<client> later;  // in the order first booked
  std::copy_if(known.begin(), known.end(), std::back_inserter(later), [](const client& c) { return c.number > 1; });
  constexpr std::size_t most_options = 9;  // a menu's one-digit options
  const std::size_t room = most_options - items.size() - fresh.size();
  if (later.size() > room) later.erase(later.begin(), later.end() - static_cast<std::ptrdiff_t>(room));
  for (const auto& c : later) {
    auto item = client_item(c, known);
    item["value"] = client_key(c);
    items.push_back(std::move(item));
  }
  for (auto& f : fresh) items.push_back(std::move(f));
  // A new booking begins here: no visit of the person's is being changed, also when they came
  // back from changing one (0 or 00 from its days), whose booking would otherwise cancel it.
  return {"ok", {{"people", data_menu(items)}, {"replaces", ""}}};
}

flow::action_result appointments_clinics(store::tx&, const request& r) {
  if (!r.clinics) return error;
  const std::string service = r.arg("service");
  auto items = nlohmann::json::array();
  for (const auto& c : r.clinics->all()) {
    if (c.offers(service)) items.push_back({{"label", c.name_in(r.language)}, {"value", c.id}});
  }
  if (items.empty()) return {"none", {}};
  return {"ok", {{"clinics", data_menu(items)}}};
}

// The visits still ahead of a clinic's service the phone has for `client` (R-U13 compares them:
// the person themself, or one relative; two relatives may share a window).
std::vector<store::booking> own_visits(store::tx& t, const request& r, std::string_view clinic,
                                       std::string_view service, std::string_view client) {
  auto out = t.upcoming_bookings(r.contact_id);
  std::erase_if(out, [&](const store::booking& b) {
    return b.for_whom != client || b.clinic != clinic || b.service != service;
  });
  return out;
}

// The windows (day, start) of those: listed even when full, so that choosing one again says
// "you have it" (R-U13), not nothing.
std::set<std::pair<long long, int>> own_windows(store::tx& t, const request& r, const place& p) {
  std::set<std::pair<long long, int>> out;
  const auto client = client_arg(r);
  // Behind a PIN (R-S12) a full window is not offered for being theirs: that would show
  // whoever holds the phone when they go.
  if (!client || !t.find_visit_pin(r.contact_id).hash.empty()) return out;
  for (const auto& b : own_visits(t, r, p.clinic.id, p.service, *client)) out.insert({b.day, b.window_from});
  return out;
}

flow::action_result appointments_days(store::tx& t, const request& r) {
  const auto p = place_of(t, r);
  if (!p) return error;
  const auto own = own_windows(t, r, *p);
  // The nearest days with a free window: one USSD page, and one SMS of two parts at most.
  constexpr std::size_t shown = 5;
  const auto use = t.slot_use(p->clinic.id, p->service, p->first_day, p->last_day, r.run_id);
  auto items = nlohmann::json::array();
  for (long long day = p->first_day; day <= p->last_day && items.size() < shown; ++day) {
    if (!p->open_on(day)) continue;
    for (const auto& w : p->clinic.windows) {
      const auto taken = use.find({day, w.from});
      if ((taken == use.end() ? 0 : taken->second) < places_for(r, w) || own.count({day, w.from})) {
        items.push_back({{"label", day_label(p->clinic, day, r.language, r.months)}, {"value", schedule::day_text(day)}});
        break;
      }
    }
  }
  if (items.empty()) return {"none", {}};
  return {"ok", {{"days", data_menu(items)}}};
}

flow::action_result appointments_times(store::tx& t, const request& r) {
  const auto p = place_of(t, r);
  if (!p) return error;
  const auto day = day_arg(r.arg("day"), *p);
  // A day offered by SMS and chosen after it came (or the clinic closed it meanwhile): nothing
  // free on it, and the flow offers the days free now.
  if (!day) return text::read_date(text::normalize(r.arg("day"))) ? flow::action_result{"none", {}} : error;
  const auto use = t.slot_use(p->clinic.id, p->service, *day, *day, r.run_id);
  const auto own = own_windows(t, r, *p);
  auto items = nlohmann::json::array();
  for (const auto& w : p->clinic.windows) {
    const auto taken = use.find({*day, w.from});
    if ((taken == use.end() ? 0 : taken->second) >= places_for(r, w) && !own.count({*day, w.from})) continue;
    items.push_back({{"label", window_label(p->clinic, *day, w.from, w.to, r.language)}, {"value", schedule::clock_text(w.from)}});
  }
  if (items.empty()) return {"none", {}};
  return {"ok", {{"times", data_menu(items)}}};
}

// R-B7: at most this many visits ahead per person (or relative) and service; a visit being
// changed (`replaces`) does not count.
constexpr int visits_ahead = 2;

bool too_many_ahead(store::tx& t, const request& r, const store::booking& b) {
  const std::string replacing = r.arg("replaces");
  int n = 0;
  for (const auto& up : t.upcoming_bookings(r.contact_id)) {
    if (up.service == b.service && up.for_whom == b.for_whom && std::to_string(up.id) != replacing) ++n;
  }
  return n >= visits_ahead;
}

// R-B7: after two missed visits in a row of a service, the person books it with a health
// worker on the phone, not alone: the clinic's first health worker gets the call to make (once).
// A clinic without health workers has nobody to call: the person books as before.
constexpr int missed_before_call = 2;

bool must_call_first(store::tx& t, const request& r, const store::booking& b) {
  if (r.arg("by_worker") == "yes") return false;
  const auto last = t.marked_visits(r.contact_id, b.service, b.for_whom, missed_before_call);
  if (static_cast<int>(last.size()) < missed_before_call) return false;
  for (const auto& v : last) {
    if (v.status != store::booking_status::missed) return false;
  }
  return put_on_call_list(t, r.contact_id, b.clinic, "missed_visits", missed_before_call, store::call_priority::high);
}

// R-U13: a client who has this very visit already (own_visits: the same day and window) is
// told so and given its code, never booked twice: the redial after an END the network lost.
std::optional<store::booking> same_visit(store::tx& t, const request& r, const store::booking& b) {
  for (auto& up : own_visits(t, r, b.clinic, b.service, b.for_whom)) {
    if (up.day == b.day && up.window_from == b.window_from) return std::move(up);
  }
  return std::nullopt;
}

// R-B5, R-H3: other times for the person's visit `booking` (booked, cancelled or missed), by
// SMS: the first free window of each of the next two days with one at its clinic, not on the
// visit's own day (the person cannot come then); call_first after two missed in a row. Sets
// what appointments.book needs: clinic, service, for, and replaces while the visit still
// stands (changed, not yet cancelled).
flow::action_result appointments_soon(store::tx& t, const request& r) {
  const auto id = text::read_id(r.arg("booking"));
  const auto b = id ? t.find_booking(*id) : std::nullopt;
  if (!b || b->contact_id != r.contact_id || !r.clinics) return error;
  const auto c = clinic_now(t, r.clinics, b->clinic);
  const auto today = c ? schedule::local_day(t.now(), c->time_zone) : std::nullopt;
  if (!c || !today || !c->offers(b->service)) return {"none", {}};  // gone from the clinics file since
  // Two missed in a row: a health worker calls to book (R-B7), so no days to choose from.
  if (must_call_first(t, r, *b)) return {"call_first", {}};
  // Nor a window the person has already for that service (choosing it would change nothing).
  std::set<std::pair<long long, int>> own;
  for (const auto& up : t.upcoming_bookings(r.contact_id)) {
    if (up.clinic == b->clinic && up.service == b->service && up.for_whom == b->for_whom) own.insert({up.day, up.window_from});
  }
  constexpr std::size_t shown = 2;  // one SMS of two parts at most, with "Call me"
  const long long first = *today + 1, last = *today + c->book_ahead_days;
  const auto use = t.slot_use(c->id, b->service, first, last, r.run_id);
  const auto closed = t.closed_clinic_days(c->id, first, last);
  auto items = nlohmann::json::array();
  for (long long day = first; day <= last && items.size() < shown; ++day) {
    if (day == b->day || !c->open_on(day) || std::binary_search(closed.begin(), closed.end(), day)) continue;
    for (const auto& w : c->windows) {
      const auto taken = use.find({day, w.from});
      if ((taken == use.end() ? 0 : taken->second) >= places_for(r, w) || own.count({day, w.from})) continue;
      items.push_back({{"label", when_label(*c, day, w.from, w.to, r.language, r.months)},
                       {"value", schedule::day_text(day) + " " + schedule::clock_text(w.from)}});
      break;
    }
  }
  if (items.empty()) return {"none", {}};
  std::map<std::string, std::string> v{
      {"soon", data_menu(items)}, {"clinic", b->clinic}, {"service", b->service}, {"for", b->for_whom}};
  if (b->status == store::booking_status::booked && b->starts_at > t.now()) v["replaces"] = std::to_string(b->id);
  return {"ok", v};
}

flow::action_result appointments_hold(store::tx& t, const request& r) {
  auto wanted = booking_of(t, r);
  if (!wanted) return error;
  auto& [b, capacity] = *wanted;
  if (const auto same = same_visit(t, r, b)) return {"already", booking_vars(*same, r.clinics, r.language, r.months)};
  if (too_many_ahead(t, r, b)) return {"limit", {}};
  if (must_call_first(t, r, b)) return {"call_first", {}};
  b.status = store::booking_status::held;
  b.hold_until = t.now() + r.hold_ms;
  const auto held = t.take_slot(b, capacity);
  if (!held) return {"full", {}};
  auto v = booking_vars(*held, r.clinics, r.language, r.months);
  v.erase("code");  // not a booking yet
  v.erase("booking");
  return {"ok", v};
}

flow::action_result appointments_book(store::tx& t, const request& r) {
  std::optional<store::booking> booked;
  if (auto hold = t.find_hold(r.run_id)) {
    // The clinic closed that day while the person chose (R-B5), here or on another node just
    // now (the hold let go), or reception changed its week so that the window is no more (R-B1):
    // taken, as it were.
    const auto now = clinic_now(t, r.clinics, hold->clinic);
    const schedule::window* w = now && now->open_on(hold->day) ? now->window_at(hold->window_from) : nullptr;
    if (!w || w->to != hold->window_to || closed_on(t, hold->clinic, hold->day) || !t.book_hold(hold->id)) {
      return {"full", {}};
    }
    hold->status = store::booking_status::booked;
    booked = hold;
  } else {
    // No hold (over SMS, or it lapsed while the person was away): the place is taken now, if
    // it is still free.
    auto wanted = booking_of(t, r);
    // A time offered by SMS that can no longer be booked (the day came meanwhile), or a day the
    // clinic closed while the person chose (their hold let go): as good as taken, and the flow
    // offers the times free now.
    if (!wanted) return r.arg("slot").empty() && !closed_since(t, r) ? error : flow::action_result{"full", {}};
    auto& [b, capacity] = *wanted;
    if (const auto same = same_visit(t, r, b)) return {"already", booking_vars(*same, r.clinics, r.language, r.months)};
    if (too_many_ahead(t, r, b)) return {"limit", {}};
    if (must_call_first(t, r, b)) return {"call_first", {}};
    b.status = store::booking_status::booked;
    booked = t.take_slot(b, capacity);
    if (!booked) return {"full", {}};
  }
  const schedule::clinic* c = r.clinics ? r.clinics->find(booked->clinic) : nullptr;
  const bool reminded = c && schedule_reminders(t, r, *booked, *c);
  // A changed visit: the old one is cancelled with the new one booked, its place freed and its
  // reminders left unsent (R-B5).
  if (const std::string old = r.arg("replaces"); !old.empty()) {
    if (const auto b = own_upcoming(t, r, old); b && b->id != booked->id) {
      t.set_booking_status(b->id, store::booking_status::cancelled);
    }
  }
  auto v = booking_vars(*booked, r.clinics, r.language, r.months);
  // "stopped": the person stopped these messages (or all), so neither the confirmation nor a
  // reminder will reach them: the screen says to write the code down instead of promising SMS.
  const bool sms_stopped = t.stopped(r.contact_id, r.programme);
  v["reminder"] = sms_stopped ? "stopped" : reminded ? "yes" : "no";
  return {"ok", std::move(v)};
}

flow::action_result appointments_visit(store::tx& t, const request& r) {
  const auto b = own_upcoming(t, r, r.arg("booking"));
  if (!b) return error;
  auto v = booking_vars(*b, r.clinics, r.language, r.months);
  v["clinic"] = b->clinic;
  v["service"] = b->service;
  v["for"] = b->for_whom;
  v["replaces"] = std::to_string(b->id);
  return {"ok", v};
}

// R-H3: the clinic's health worker calls the person about their visit: at once (call_asked:
// "Call me"), or, with `after`, then unless they have booked that service again by then
// (cannot_come, missed_visit, clinic_cancelled: a booking_watch).
flow::action_result appointments_to_call(store::tx& t, const request& r) {
  const auto id = text::read_id(r.arg("booking"));
  const auto b = id ? t.find_booking(*id) : std::nullopt;
  const std::string reason = r.arg("reason");
  if (!b || b->contact_id != r.contact_id) return error;
  if (const std::string after = r.arg("after"); !after.empty()) {
    const auto wait = core::parse_duration(after);
    if (!wait || (reason != "cannot_come" && reason != "missed_visit" && reason != "clinic_cancelled")) return error;
    t.add_job(booking_watch::kind, t.now() + wait.value().count(), booking_watch{b->id, reason, r.flow_id}.json());
    return {"ok", {}};
  }
  if (reason != "call_asked") return error;
  const auto priority = visit_call_priority(t, *b, store::call_priority::normal);
  return put_on_call_list(t, r.contact_id, b->clinic, reason, 0, priority) ? flow::action_result{"ok", {}}
                                                                            : flow::action_result{"none", {}};
}

flow::action_result appointments_mine(store::tx& t, const request& r) {
  auto items = nlohmann::json::array();
  const auto known = clients_of(t, r.contact_id);
  for (const auto& b : t.upcoming_bookings(r.contact_id)) {
    const auto v = booking_vars(b, r.clinics, r.language, r.months);
    // Whose it is, when it is someone else's (R-B4): "Sun 6 December, 10:00-12:00 (My child)".
    const auto who = read_client(b.for_whom);
    auto item = who && who->relation != "self" ? client_item(*who, known, v.at("when")) : nlohmann::json{{"label", v.at("when")}};
    item["value"] = v.at("booking");
    items.push_back(std::move(item));
  }
  if (items.empty()) return {"none", {}};
  return {"ok", {{"visits", data_menu(items)}}};
}

flow::action_result appointments_visited(store::tx& t, const request& r) {
  const std::string service = r.arg("service");
  const auto id = text::read_id(r.arg("series"));
  const auto occurrence = text::read_id(r.arg("occurrence"));
  if (service.empty() || !id || !occurrence) return error;
  const auto s = t.find_series(*id);
  if (!s || s->contact_id != r.contact_id || !s->anchor_day || *occurrence < 1 ||
      static_cast<std::size_t>(*occurrence) > s->offsets.size()) {
    return error;
  }
  // R-H1: the group of the occurrence's message (its antenatal contact), and since when a visit
  // silences it (schedule::antenatal_schedule). A message in no group always goes.
  const int day = s->offsets[static_cast<std::size_t>(*occurrence - 1)];
  const auto* group = schedule::antenatal_schedule(true).group_of(day);
  if (!group) return {"no", {}};
  const schedule::local_time at{s->at_minute / 60, s->at_minute % 60};
  const auto since = schedule::at_local(*s->anchor_day + group->from_day, at, s->time_zone);
  if (!since) return error;
  // Marked visits come newest first; a few reach back past `since`.
  constexpr int looked_at = 5;
  for (const auto& b : t.marked_visits(r.contact_id, service, "self", looked_at)) {
    if (b.status == store::booking_status::attended && b.starts_at > *since &&
        b.starts_at <= t.now()) {
      return {"yes", {}};
    }
  }
  return {"no", {}};
}

flow::action_result appointments_cancel(store::tx& t, const request& r) {
  const auto b = own_upcoming(t, r, r.arg("booking"));
  if (!b) return error;
  t.set_booking_status(b->id, store::booking_status::cancelled);
  auto v = booking_vars(*b, r.clinics, r.language, r.months);
  v.erase("booking");
  return {"ok", v};
}

bool window_over(const store::booking& b, core::unix_ms now) {
  return b.starts_at + static_cast<core::unix_ms>(b.window_to - b.window_from) * 60'000 <= now;
}

bool cancel_by_clinic(store::tx& t, const store::booking& b, std::string_view flow, std::string_view node) {
  if (b.status != store::booking_status::booked || window_over(b, t.now())) return false;
  t.set_booking_status(b.id, store::booking_status::cancelled);
  if (!node.empty()) {
    t.add_job(booking_reminder::cancelled_kind, t.now(), booking_reminder{b.id, std::string(flow), std::string(node)}.json());
  }
  return true;
}

std::vector<store::booking> visits_to_cancel(store::tx& t, std::string_view clinic, long long day) {
  std::vector<store::booking> out;
  for (const auto& b : t.bookings_on(clinic, day)) {
    if (b.status == store::booking_status::booked && !window_over(b, t.now())) out.push_back(b);
  }
  return out;
}

std::optional<std::vector<store::booking>> close_clinic_day(store::tx& t, std::string_view clinic, long long day,
                                                            std::string_view by, std::string_view flow,
                                                            std::string_view node) {
  if (!t.close_clinic_day(clinic, day, by)) return std::nullopt;
  auto cancelled = visits_to_cancel(t, clinic, day);
  for (const auto& b : cancelled) cancel_by_clinic(t, b, flow, node);
  core::log::info("clinic.closed", {{"clinic", clinic}, {"day", schedule::day_text(day)}, {"cancelled", cancelled.size()}});
  return cancelled;
}

// R-H3: what the day-before reminder heard back, for reception's list: "none" as it asks (the
// visit unconfirmed until an answer; nobody asks again), "coming" when the person will come.
flow::action_result appointments_answered(store::tx& t, const request& r) {
  const std::string answer = r.arg("answer");
  const auto b = own_upcoming(t, r, r.arg("booking"));
  if (!b || (answer != "coming" && answer != "none")) return error;
  t.set_reminder_answer(b->id, answer);
  return {"ok", {}};
}

}  // namespace paygham::actions
