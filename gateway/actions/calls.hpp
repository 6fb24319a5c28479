// Who calls a person, and how soon (R-H3): the call list of a health worker, shared by the
// actions that raise calls (appointments, health reminders) and the runner's jobs. A call is
// urgent, high, normal or low (store::call_priority); a high one is made within one working
// day, and the clinic's supervisor hears of it (the escalation.high job).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/clock.hpp"

namespace paygham::store {
struct booking;
struct escalation;
struct user;
enum class call_priority;
class tx;
}  // namespace paygham::store

namespace paygham::actions {

// A call of a clinic became high priority: the runner tells its supervisors (the operators
// where it has none) how many such calls nobody told them of yet, in one SMS at most an hour
// (high_call_spacing_ms), within sending hours.
// A working day after they were told (the clinic's next open day, within sending hours), the
// calls still open are told of once more (overdue_kind), with the same payload.
struct high_call {
  static constexpr std::string_view kind = "escalation.high";
  static constexpr std::string_view overdue_kind = "escalation.overdue";
  std::string facility;
  core::unix_ms told_at = 0;  // overdue_kind: when the calls to tell of again were told of
  std::string json() const {
    nlohmann::json j{{"facility", facility}};
    if (told_at != 0) j["told_at"] = told_at;
    return j.dump();
  }
  static std::optional<high_call> parse(const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || !j.contains("facility") || !j["facility"].is_string() ||
        (j.contains("told_at") && !j["told_at"].is_number_integer())) {
      return std::nullopt;
    }
    return high_call{j["facility"].get<std::string>(), j.value("told_at", core::unix_ms{0})};
  }
};
inline constexpr std::int64_t high_call_spacing_ms = 3'600'000;

// Calls handed to `worker` from health workers who left (disable_user, take_over_patients): the
// runner tells them by SMS how many, within sending hours.
struct handed_calls {
  static constexpr std::string_view kind = "calls.handed_over";
  std::int64_t worker = 0, calls = 0;
  std::string json() const { return nlohmann::json{{"worker", worker}, {"calls", calls}}.dump(); }
  static std::optional<handed_calls> parse(const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || !j.contains("worker") || !j["worker"].is_number_integer() || !j.contains("calls") ||
        !j["calls"].is_number_integer()) {
      return std::nullopt;
    }
    return handed_calls{j["worker"].get<std::int64_t>(), j["calls"].get<std::int64_t>()};
  }
};

// From week 36 of a pregnancy, a missed contact is high priority (R-H3).
inline constexpr long long late_pregnancy_days = 36 * 7;

// How soon a call about the contact must be made, at least as soon as `base` (the reason's
// own): high while a pregnancy a health worker enrolled them in is flagged high risk, or is 36
// weeks on or more on `day` (days since 1970-01-01).
store::call_priority call_priority_for(store::tx& t, std::int64_t contact, store::call_priority base, long long day);
// The same for a call about a visit: a visit booked for someone else (R-B4) says nothing of
// the phone owner's pregnancy. `day`: the visit's, or today when that is earlier.
store::call_priority visit_call_priority(store::tx& t, const store::booking& b, store::call_priority base);

// Raises the call (store::tx::escalate) and, when it is new or newly high, schedules the
// supervisor's notice. Returns what escalate() returns.
std::int64_t raise_call(store::tx& t, const store::escalation& e);

// A health worker who can make calls: not disabled, with a phone and a PIN for the menu.
bool takes_calls(const store::user& u);
// Who takes `clinic`'s calls to make: a health worker there, not disabled, who can open the
// menu's call list (a phone and a PIN), its supervisor first, else the first made. nullopt: none.
std::optional<store::user> clinic_caller(store::tx& t, std::string_view clinic);
// Who makes the calls of a series the worker `worker_id` started: that worker, or when they
// have left (disabled, or can no longer open the menu) whoever takes their clinic's calls.
std::optional<store::user> caller_for(store::tx& t, std::int64_t worker_id);

// The person's health worker: who enrolled them in a series still running (caller_for), else
// whoever takes the calls of the clinic of their next visit; nullopt when neither.
std::optional<store::user> health_worker_of(store::tx& t, std::int64_t contact);

// R-H3: the duty roster. A health worker with duty hours (`paygham user create --duty`,
// `paygham user duty`) is on duty within them on their phone's clock (`zone`), on the days their
// clinic is open (`open_on(day)`, days since 1970-01-01; empty: every day; a shift across
// midnight belongs to the day it starts). One without duty hours is reachable at any hour, as
// before a roster; so is everyone when `zone` is unknown.
bool on_duty(const store::user& u, core::unix_ms now, std::string_view zone,
             const std::function<bool(long long)>& open_on);

// Puts the contact on the call list of whoever takes `clinic`'s calls (clinic_caller), for `reason`,
// unless they are on it already (one call about it all: a more pressing `priority` raises the
// open one). False when the clinic has none.
bool put_on_call_list(store::tx& t, std::int64_t contact, const std::string& clinic, const std::string& reason,
                      int misses, store::call_priority priority);

// A person who works with Paygham leaves, or lost their phone: an admin disables the account
// (the API, the console, `paygham user disable`). A health worker's patients are not left
// without one: their running reminders and open calls go to whoever takes the clinic's calls
// (clinic_caller), who is told of the calls by SMS (handed_calls), so a patient who asks for a
// call reaches someone (R-H3). With nobody left at the clinic they stay until a health worker
// made there takes them over (take_over_patients); meanwhile a patient asking for a call is
// told to call the clinic.
struct handed_over {
  std::int64_t to = 0;  // the user who has them now; 0: nobody
  std::string to_name;
  std::int64_t series = 0, calls = 0;
  // For the audit log and the API's answer: {"to": id, "series": n, "calls": n}; {} for nobody.
  nlohmann::json json() const {
    if (to == 0) return nlohmann::json::object();
    return {{"to", to}, {"series", series}, {"calls", calls}};
  }
};
handed_over disable_user(store::tx& t, const store::user& u);
// A health worker made at a clinic whose workers all left takes over what they left: the
// running reminders and open calls of every disabled worker there. `to` is 0 when there was none.
handed_over take_over_patients(store::tx& t, const store::user& u);

// A pregnancy of the contact was flagged high risk: every open call about them at `facility`
// becomes high.
void raise_open_calls(store::tx& t, std::int64_t contact, const std::string& facility);

// A visit was marked missed (at 18:00 unmarked, or by a health worker): the second missed visit
// in a row, or one from week 36 of a pregnancy or of a high-risk one, puts the person on the
// clinic's call list at high priority at once (R-H3). The booking must be missed already.
void visit_missed(store::tx& t, std::int64_t booking);

}  // namespace paygham::actions
