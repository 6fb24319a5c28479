// A health worker enrols a patient by SMS from their registered phone, in one line:
//
//   ENROL 0700 123 456 MED 20:00 DARI        daily medicine at 20:00, the patient reads Dari
//   ENROL +989121234567 ANC 1405/8/20         pregnancy care from that first day of the last period
//   ENROL 0700 123 456 CHECKIN               the weekly check-in (R-H3)
//   ENROL 0700 123 456 REFILL 1405/9/20 60   the day before each refill, every 60 days (30
//                                            when not given) from that next refill day; a
//                                            medicine word with a day (MED 1405/9/20) too
//
//   workers.by_number                  → ok {worker}: the sender is a health worker (SMS only);
//                                         unknown; locked (too many wrong PINs on the menu)
//   workers.patient_number  phone      → ok: a number the menu may enrol; number: as below
//   workers.enrol_command  text, medicine, pregnancy, [checkin], [refill], languages
//                                      → ok {patient, kind, remind_at | lmp | refill_date and
//                                         refill_every, patient_language};
//                                         help (nothing or not this form); phone (unreadable);
//                                         number (not a patient's mobile of a country served);
//                                         time {earliest, latest} (none, or outside the
//                                         hours a reminder may reach the patient); date;
//                                         refill (its day or days unreadable);
//                                         limit (the worker enrolled 50 in the last 24 hours)
//
// Over SMS nothing but the number says who writes: a PIN typed in an SMS would stay in the
// phone's sent messages, so the shipped flow lets the number enrol a patient and nothing else
// (the call list, visits and ending reminders stay behind the USSD menu's PIN), and at most 50
// patients a day: a lost phone cannot flood strangers with welcomes. The words are the flow's
// arguments, so operators add their own without a new build.
#include <algorithm>
#include <sstream>

#include "gateway/actions/action.hpp"
#include "gateway/actions/reminders.hpp"
#include "gateway/core/log.hpp"
#include "gateway/phone/phone.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::actions {
namespace {

constexpr std::int64_t enrolments_a_day = 50;

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in{std::string(s)};
  while (std::getline(in, part, sep)) {
    const auto b = part.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    out.push_back(part.substr(b, part.find_last_not_of(' ') - b + 1));
  }
  return out;
}

// "MED, MEDICINE, دوا" → the words as normalize() gives them, to compare with what was typed.
bool one_of(const std::string& typed, const std::string& words) {
  for (const auto& w : split(words, ',')) {
    if (text::normalize(w) == typed) return true;
  }
  return false;
}

// "prs: DARI, دری; ps: PASHTO, پښتو" → the code whose words (or the code itself) match.
std::string language_named(const std::string& typed, const std::string& languages) {
  for (const auto& entry : split(languages, ';')) {
    const auto colon = entry.find(':');
    if (colon == std::string::npos) continue;
    const std::string code = entry.substr(0, colon);
    if (text::normalize(code) == typed || one_of(typed, entry.substr(colon + 1))) return code;
  }
  return {};
}

// Whether the number is of a country in the deployment's regions ("IR,AF").
bool serves(const std::string& regions, const std::string& e164) {
  const std::string country = phone::region_of(e164);
  if (country.empty()) return false;
  for (const auto& r : split(regions, ',')) {
    if (r == country) return true;
  }
  return false;
}

// A patient's mobile in a country the deployment serves, never the worker's own: a lost phone
// cannot send welcomes to premium or foreign numbers, nor reminders to a line that takes no SMS
// (whose silence would then be escalated as the patient's).
bool patient_mobile(const request& r, const std::string& e164) {
  return phone::is_mobile(e164) && e164 != r.phone && serves(r.region, e164);
}

bool phone_part(const std::string& token) {
  return !token.empty() && token.find_first_not_of("0123456789+-()") == std::string::npos;
}

// Words after an hour that say which half of the day it is: «۸ شب» (8 at night) is 20:00,
// "8 pm", "8pm", "8 shab" too; a night word with an hour of the small hours («۲ شب») is 02:00, no
// reminder time.
enum class half { none, morning, afternoon, night };
bool said_as(const std::string& w, std::initializer_list<const char*> words) {
  return std::any_of(words.begin(), words.end(),
                     [&](const char* x) { return w == text::normalize(x); });
}
half half_named(const std::string& w) {
  if (said_as(w, {"am", "a.m.", "morning", "صبح", "سهار", "sobh", "sob", "subh", "sahar"}))
    return half::morning;
  if (said_as(w, {"pm", "p.m.", "evening", "afternoon", "عصر", "بعدازظهر", "ظهر", "شام", "ماښام",
                  "maghrib", "asr", "sham", "zohr", "mashaam", "makham"})) {
    return half::afternoon;
  }
  if (said_as(w, {"شب", "شپه", "night", "shab", "shpa"})) return half::night;
  return half::none;
}
// Words around an hour that say nothing of the half of the day: «ساعت ۸», «۸ بجه», "at 8",
// "8 o'clock", "20:00 hrs".
bool hour_word(const std::string& w) {
  return said_as(w, {"ساعت", "بجه", "بجې", "بجی", "at", "o'clock", "oclock", "h", "hr", "hrs",
                     "saat", "sa'at", "baje", "bajeh", "baja"});
}

// A time of day from tokens[i] on (with the words around it, "8 pm", "8pm", «ساعت ۸ شب», «۸
// بجه شب»), moving i past them: "20:30", "20.30", "2030", "20", "8:00", "08:00", "0800" →
// minutes of the day on the 24-hour clock. A bare hour of 12 or less with no word for the half
// of the day ("8") could be morning or evening: none, with `which_half` set, so the worker is
// asked which, never guessed.
std::optional<int> clock_time(const std::vector<std::string>& tokens, std::size_t& i,
                              bool& which_half) {
  std::size_t j = i;
  while (j < tokens.size() && hour_word(tokens[j])) ++j;
  if (j >= tokens.size()) return std::nullopt;
  std::string t = tokens[j++];
  // A word written onto the number: "8pm", «۸شب», "20:00h".
  std::string attached;
  if (const auto end = t.find_first_not_of("0123456789:."); end != std::string::npos && end > 0) {
    attached = t.substr(end);
    t.resize(end);
    if (hour_word(attached)) attached.clear();
  }
  std::replace(t.begin(), t.end(), '.', ':');
  bool bare = t.find(':') == std::string::npos;
  if (bare && t.size() == 4) {
    t.insert(2, ":");  // "0800", "2000": the 24-hour clock written without its colon
    bare = false;
  }
  if (bare) t += ":00";
  if (t.size() == 4) t.insert(0, "0");
  auto minute = schedule::minute_of_day(t);
  if (!minute) return std::nullopt;
  if (attached.empty()) {
    while (j < tokens.size() && hour_word(tokens[j])) ++j;
  }
  const half said = !attached.empty()   ? half_named(attached)
                    : j < tokens.size() ? half_named(tokens[j])
                                        : half::none;
  if (!attached.empty() && said == half::none) return std::nullopt;  // "8xy"
  if (said != half::none) {
    const int hour = *minute / 60;
    if (hour < 1 || hour > 12) return std::nullopt;  // "20 pm", "0 am": which?
    switch (said) {
      case half::morning:
        if (hour == 12) return std::nullopt;  // "12 am": midnight
        break;
      case half::afternoon:
        if (hour < 12) *minute += 12 * 60;
        break;
      case half::night:
        if (hour < 6 || hour == 12) return std::nullopt;  // «۱۲ شب», «۲ شب»: the small hours
        *minute += 12 * 60;
        break;
      case half::none: break;
    }
    if (attached.empty()) ++j;
  } else if (bare && *minute <= 12 * 60) {
    which_half = true;
    return std::nullopt;
  }
  i = j;
  return minute;
}

// Whether minute `m` of the day is in quiet hours `q` (from, to; to < from: across midnight).
bool quiet_at(std::pair<int, int> q, int m) {
  if (q.first == q.second) return false;
  return q.first < q.second ? m >= q.first && m < q.second : m >= q.first || m < q.second;
}

}  // namespace

flow::action_result workers_by_number(store::tx& t, const request& r) {
  // Over USSD the menu asks for the PIN (workers.login): a number alone never opens it.
  if (!r.by_sms) return {"error", {}};
  const auto u = t.find_user_by_phone(r.phone);
  if (!u || u->role != "health_worker" || u->disabled || u->pin_hash.empty())
    return {"unknown", {}};
  if (u->locked_until > t.now()) return {"locked", {}};
  return {"ok", {{"worker", std::to_string(u->id)}}};
}

flow::action_result workers_patient_number(store::tx&, const request& r) {
  const auto phone = phone::parse_e164(r.arg("phone"), r.region);
  if (!phone) return {"error", {}};
  return {patient_mobile(r, phone.value()) ? "ok" : "number", {}};
}

flow::action_result workers_enrol_command(store::tx& t, const request& r) {
  const std::vector<std::string> tokens = split(text::normalize(r.arg("text")), ' ');
  if (tokens.empty()) return {"help", {}};
  const auto worker = text::read_id(r.arg("worker"));
  if (!worker) return {"error", {}};
  if (t.series_started_by(*worker, t.now() - 86'400'000LL) >= enrolments_a_day) {
    core::log::warn("worker.enrol_limit", {{"user", *worker}});
    return {"limit", {}};
  }
  // The number first, typed with spaces or dashes as people do; then what for.
  std::size_t i = 0;
  std::string typed_phone;
  for (; i < tokens.size() && phone_part(tokens[i]); ++i) typed_phone += tokens[i];
  if (typed_phone.empty()) return {"help", {}};
  if (typed_phone.size() > 20) return {"phone", {}};
  auto phone = phone::parse_e164(typed_phone, r.region);
  if (!phone) return {"phone", {}};
  if (!patient_mobile(r, phone.value())) return {"number", {}};
  if (i == tokens.size()) return {"help", {}};
  std::map<std::string, std::string> vars{{"patient", phone.value()}};
  const std::string& kind = tokens[i++];
  // Days are counted on the patient's calendar.
  const auto today = r.time_zone_of ? schedule::local_day(t.now(), r.time_zone_of(phone.value())) : std::nullopt;
  // A medicine word with a day after it («دوا ۱۴۰۵/۹/۲۰ ۶۰») is a refill, as workers say it: a
  // day has a / or a -, a time never does.
  const bool dated = i < tokens.size() && tokens[i].find_first_of("/-") != std::string::npos;
  if (one_of(kind, r.arg("refill")) || (dated && one_of(kind, r.arg("medicine")))) {
    // As the menu's question: from today to 180 days ahead, on the patient's calendar; then,
    // optionally, the days a refill lasts (a month's supply when not given).
    const auto day = i < tokens.size() ? text::read_date(tokens[i]) : std::nullopt;
    if (!day) return {"refill", {}};
    ++i;
    if (!today) return {"error", {}};
    const long long ahead = text::day_number(*day) - *today;
    if (ahead < 0 || ahead > max_refill_days) return {"refill", {}};
    std::int64_t every = 30;
    if (i < tokens.size() && tokens[i].find_first_not_of("0123456789") == std::string::npos) {
      const auto days = text::read_id(tokens[i++]);
      if (!days || *days < min_refill_days || *days > max_refill_days) return {"refill", {}};
      every = *days;
    }
    vars["kind"] = "refill";
    vars["refill_date"] = schedule::day_text(text::day_number(*day));
    vars["refill_every"] = std::to_string(every);
  } else if (one_of(kind, r.arg("medicine"))) {
    // Within the hours a reminder may reach the patient (R-S8): one at 22:00 would come at
    // 08:00 the next morning, a night dose's reminder in the morning. With no quiet hours,
    // 06:00 to 22:59: a reminder in the night is hardly what was meant.
    const std::pair<int, int> quiet =
        r.programme_quiet.first == r.programme_quiet.second ? std::pair{23 * 60, 6 * 60} : r.programme_quiet;
    bool which_half = false;
    const auto minute = clock_time(tokens, i, which_half);
    if (which_half) return {"half", {}};
    if (!minute || quiet_at(quiet, *minute)) {
      return {"time", {{"earliest", schedule::clock_text(quiet.second)},
                       {"latest", schedule::clock_text((quiet.first + 24 * 60 - 1) % (24 * 60))}}};
    }
    vars["kind"] = "medicine";
    vars["remind_at"] = schedule::clock_text(*minute);
  } else if (one_of(kind, r.arg("pregnancy"))) {
    const auto lmp = i < tokens.size() ? text::read_date(tokens[i]) : std::nullopt;
    if (!lmp) return {"date", {}};
    ++i;
    // As the menu's question: at most 280 days back, never ahead, on the patient's calendar.
    if (!today) return {"error", {}};
    const long long offset = text::day_number(*lmp) - *today;
    if (offset < -280 || offset > 0) return {"date", {}};
    vars["kind"] = "pregnancy";
    vars["lmp"] = schedule::day_text(text::day_number(*lmp));
  } else if (one_of(kind, r.arg("checkin"))) {
    vars["kind"] = "checkin";  // Mondays at 10:00, as the menu enrols it
  } else {
    return {"help", {}};
  }
  // The patient's language when given; else their own, or for a new number the worker's.
  std::string language;
  if (i < tokens.size()) {
    language = language_named(tokens[i++], r.arg("languages"));
    if (language.empty()) return {"help", {}};
  } else if (const auto known = t.find_contact_by_phone(phone.value()); !known || known->language.empty()) {
    language = r.language;
  }
  if (i != tokens.size()) return {"help", {}};
  vars["patient_language"] = language;
  return {"ok", vars};
}

}  // namespace paygham::actions
