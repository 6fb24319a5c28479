// Subscriptions to a programme's broadcasts by area (mine safety, R-M1, R-M2).
//
// subscriptions.add: the person in the flow gets the programme's alerts for an area, sent by
// `paygham broadcast`. args: topic (the programme), area (lower-case letters, digits and '_',
// usually a menu's value); district (optional: where in the area, as the person wrote it, kept
// for the operators, and the district those words name by the districts file, for alerts to one
// district), route (optional: the crossing or route they come by, a menu's value);
// a renewal without them keeps those given before; renew (optional, a node of the flow's `entries`): the subscription
// ends after six months, and two weeks before the flow starts there by SMS to ask whether to keep
// it (subscriptions.add again keeps it six months more). Outcomes: ok, error.
//
// subscriptions.transfer_code: a 6-digit code, drawn at random, that moves the person's
// subscriptions of args.topic to the number that sends it within 30 days (a returnee's new
// Afghan SIM). Sets transfer_code. Outcomes: ok, error.
//
// subscriptions.transfer: args.code (the words after the flow's keyword: "MINE 482913", any
// digits) moves args.topic's subscriptions to the person in the flow, once, each with its end
// (args.renew: where the question before it is asked, on the new number). Sets area: every area
// moved, comma-separated ({area|label}: "Kabul, Herat"), or every one here when another of the
// person's codes moved them all. Outcomes: ok; own_number (sent from the number that asked for it: nothing
// moves, the code still works from the new SIM); wrong (no such code, used or expired, or the
// number's own once its alerts moved); not_code (words without 6 digits: a report or a
// question, not a code); blocked (5 wrong codes from this number in a
// day: guessing); error. A new number with no language of its own takes the
// old one's (sets contact.language).
//
// subscriptions.lessons: the programme's education series (P3, R-M3) for the person in the flow:
// the flow starts at args.node by SMS on each of args.days ("1,4,8,11,15,18": days from today, on
// the person's clock) at args.time ("10:00"), with {occurrence} the lesson's number (1 for the
// first). Once per person (the contact field <topic>_lessons records the day they started): again,
// nothing new; a transfer moves the rest to the new number. args.region (optional, ISO 3166,
// "AF"): only for a number of that country; otherwise `later` (a returnee still on an Iranian SIM
// starts the lessons from the Afghan one, when the transfer code moves them). Outcomes: ok, later,
// error.
//
// subscriptions.check: whether the person is still subscribed to args.topic (any area): `yes`, or
// `no`, which also ends args.series (optional, usually {series}) when it is the person's: the
// lessons of a subscription that ended or moved to a new SIM stop. Outcomes: yes, no, error.
#include <openssl/rand.h>

#include <algorithm>

#include "gateway/actions/action.hpp"
#include "gateway/actions/reminders.hpp"
#include "gateway/actions/subscriptions.hpp"
#include "gateway/core/utf8.hpp"
#include "gateway/phone/phone.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/text/districts.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::actions {
namespace {

constexpr core::unix_ms code_lifetime_ms = 30LL * 24 * 3'600'000;
constexpr int wrong_codes_a_day = 5;

// 100000–999999, uniform, from the system's random source (a code must not be guessable).
std::string random_code() {
  for (;;) {
    std::uint32_t v = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) throw std::runtime_error("no randomness");
    constexpr std::uint32_t span = 900'000, limit = 0xFFFFFFFFu - 0xFFFFFFFFu % span;
    if (v < limit) return std::to_string(100'000 + v % span);
  }
}

// The question before the subscription's end, two weeks before it (at once when nearer).
void ask_before_end(store::tx& t, const request& r, const std::string& topic, const std::string& area,
                    core::unix_ms ends) {
  const subscription_end e{r.contact_id, topic, area, r.channel_id, r.flow_id, r.arg("renew"), ends};
  t.add_job(subscription_end::ask_kind, std::max(t.now(), ends - ask_before_ms), e.json());
}

// Areas as one variable, comma-separated ({area|label} shows each: "Kabul, Herat").
std::string joined(const std::vector<std::string>& areas) {
  std::string out;
  for (const auto& a : areas) out += (out.empty() ? "" : ",") + a;
  return out;
}

// The contact field that records a person's lessons started (once per person, R-M3).
std::string lessons_field(const std::string& topic) { return topic + "_lessons"; }

bool had_lessons(store::tx& t, std::int64_t contact, const std::string& topic) {
  const auto who = t.find_contact(contact);
  return who && who->fields.count(lessons_field(topic)) != 0;
}

// A new SIM takes the rest of the old number's lessons, from where they were (a returnee moving
// from one Afghan SIM to another does not start again).
void move_lessons(store::tx& t, const request& r, std::int64_t from, const std::string& topic) {
  for (auto s : t.active_series(from, topic)) {
    if (s.flow_id.empty() || !s.anchor_day) continue;
    t.end_series(s.id);
    s.id = 0;
    s.contact_id = r.contact_id;
    s.channel_id = r.channel_id;
    s.time_zone = r.time_zone;
    if (const auto first = first_due(s, t.now()); first.state == first_occurrence::ahead) start_series(t, s, first);
  }
}

}  // namespace

std::optional<std::vector<int>> read_days(const std::string& list) {
  std::vector<int> days;
  std::size_t from = 0;
  while (from <= list.size()) {
    const std::size_t comma = std::min(list.find(',', from), list.size());
    const auto day = text::read_integer(text::normalize(list.substr(from, comma - from)), 1, 366);
    if (!day || (!days.empty() && *day <= days.back())) return std::nullopt;
    days.push_back(static_cast<int>(*day));
    from = comma + 1;
  }
  if (days.empty() || days.size() > 52) return std::nullopt;
  return days;
}

flow::action_result subscriptions_add(store::tx& t, const request& r) {
  const std::string topic = r.arg("topic"), area = r.arg("area"), route = r.arg("route");
  if (!text::is_value_name(topic) || !text::is_value_name(area) || (!route.empty() && !text::is_value_name(route))) {
    return {"error", {}};
  }
  const std::string district = text::place_as_written(r.arg("district"));
  // Which district the words name, for alerts to one district; "" when the file knows none.
  const std::string key = r.districts ? r.districts->district_of(area, district) : std::string();
  if (r.arg("renew").empty()) {
    t.subscribe(r.contact_id, topic, area, r.channel_id, 0, district, route, key);
    return {"ok", {}};
  }
  const core::unix_ms ends = t.now() + subscription_ms;
  t.subscribe(r.contact_id, topic, area, r.channel_id, ends, district, route, key);
  ask_before_end(t, r, topic, area, ends);
  return {"ok", {}};
}

flow::action_result subscriptions_transfer_code(store::tx& t, const request& r) {
  const std::string topic = r.arg("topic");
  if (!text::is_value_name(topic)) return {"error", {}};
  for (int i = 0; i < 20; ++i) {
    const std::string code = random_code();
    if (t.add_transfer_code(r.contact_id, topic, code, t.now() + code_lifetime_ms)) return {"ok", {{"transfer_code", code}}};
  }
  return {"error", {}};
}

flow::action_result subscriptions_transfer(store::tx& t, const request& r) {
  const std::string topic = r.arg("topic");
  if (!text::is_value_name(topic)) return {"error", {}};
  // «۴۸۲ ۹۱۳», "482-913": the digits, in any script.
  const std::string given = text::normalize(r.arg("code"));
  std::string code;
  const auto first = given.find_first_of("0123456789");
  const auto last = given.find_last_of("0123456789");
  bool one_group = first != std::string::npos;
  for (std::size_t i = first; one_group && i <= last; ++i) {
    if (given[i] >= '0' && given[i] <= '9') {
      code += given[i];
    } else {
      one_group = given[i] == ' ' || given[i] == '-';
    }
  }
  // «ماین در سرک نزدیک مکتب دیدم», "MINE near km 12, 150 m from school 7": words, not one
  // group of six digits. A report or a question, not a wrong code (nor counted as one); nor is
  // "MINE 4", "MINE 22": a number of a menu, never a code mistyped.
  if ((text::has_letters(given) && !(one_group && code.size() == 6)) ||
      (one_group && code.size() < 3)) {
    return {"not_code", {}};
  }
  if (t.transfer_failures(r.contact_id, t.now() - 24 * 3'600'000) >= wrong_codes_a_day) return {"blocked", {}};
  const auto moved = code.size() == 6 ? t.use_transfer_code(code, topic, r.contact_id, r.channel_id) : std::nullopt;
  if (!moved) {
    t.add_transfer_failure(r.contact_id);
    return {"wrong", {}};
  }
  // Sent from the number that asked for it: nothing moves, and the code still waits for the new
  // number. One whose alerts moved already (by another of their codes) has nothing it could move.
  if (moved->from_contact == r.contact_id) return {t.subscribed(r.contact_id, topic) ? "own_number" : "wrong", {}};
  const auto& areas = moved->areas;
  if (areas.empty()) {
    // Another of the person's codes (one came with each area) moved them all already: what
    // is here is what it would have moved.
    std::vector<std::string> here;
    for (const auto& s : t.subscriptions_of(r.contact_id)) {
      if (s.topic == topic) here.push_back(s.area);
    }
    if (here.empty()) return {"wrong", {}};
    return {"ok", {{"area", joined(here)}}};
  }
  flow::action_result out{"ok", {{"area", joined(areas)}}};
  // The person, not the SIM, chose a language: a new number that has not shown one keeps it
  // ("MINE 482913" says nothing; the old number's Dari does), and so does one whose language
  // was only read from the script («ماین ۴۸۲۹۱۳» is Dari and Pashto alike: a Pashto speaker
  // stays Pashto).
  const auto now_on = t.find_contact(r.contact_id);
  const auto was = t.find_contact(moved->from_contact);
  const bool script_only = now_on && was && now_on->language != was->language &&
                           text::persian_script(now_on->language) && text::persian_script(was->language);
  if (now_on && was && !was->language.empty() && (now_on->language.empty() || script_only)) {
    out.vars[std::string(flow::contact_prefix) + "language"] = was->language;
  }
  if (was && was->fields.count(lessons_field(topic))) {
    move_lessons(t, r, was->id, topic);
    out.vars[std::string(flow::contact_prefix) + lessons_field(topic)] = was->fields.at(lessons_field(topic));
  }
  // The question before each end now goes to the new number (the old one's finds nothing).
  if (!r.arg("renew").empty()) {
    for (const auto& area : areas) {
      if (const auto ends = t.subscription_end(r.contact_id, topic, area); ends && *ends > 0) {
        ask_before_end(t, r, topic, area, *ends);
      }
    }
  }
  return out;
}

flow::action_result subscriptions_lessons(store::tx& t, const request& r) {
  const std::string topic = r.arg("topic"), node = r.arg("node"), region = r.arg("region");
  const auto days = read_days(r.arg("days"));
  const auto minute = schedule::minute_of_day(r.arg("time"));
  if (!text::is_value_name(topic) || node.empty() || !days || !minute) return {"error", {}};
  if (!region.empty() && phone::region_of(r.phone) != region) return {"later", {}};
  if (had_lessons(t, r.contact_id, topic)) return {"ok", {}};  // once per person, finished or not
  for (const auto& running : t.active_series(r.contact_id, topic)) {
    if (running.flow_id == r.flow_id && running.node == node) return {"ok", {}};  // moved here just now
  }
  const auto today = schedule::local_day(t.now(), r.time_zone);
  if (!today) return {"error", {}};
  store::series s;
  s.contact_id = r.contact_id;
  s.channel_id = r.channel_id;
  s.programme = topic;
  s.time_zone = r.time_zone;
  s.at_minute = *minute;
  s.anchor_day = *today;
  s.offsets = *days;
  s.flow_id = r.flow_id;
  s.node = node;
  const auto first = first_due(s, t.now());
  if (first.state != first_occurrence::ahead) return {"error", {}};
  start_series(t, s, first);
  return {"ok", {{std::string(flow::contact_prefix) + lessons_field(topic), schedule::day_text(*today)}}};
}

flow::action_result subscriptions_check(store::tx& t, const request& r) {
  const std::string topic = r.arg("topic");
  if (!text::is_value_name(topic)) return {"error", {}};
  if (t.subscribed(r.contact_id, topic)) return {"yes", {}};
  if (const auto id = text::read_id(r.arg("series"))) {
    if (const auto s = t.find_series(*id); s && s->contact_id == r.contact_id) t.end_series(s->id);
  }
  return {"no", {}};
}

}  // namespace paygham::actions
