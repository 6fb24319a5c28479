#include "gateway/actions/calls.hpp"

#include <algorithm>

#include "gateway/core/log.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/store/tx.hpp"

namespace paygham::actions {
namespace {

// The supervisors hear of the clinic's new high calls (high_call).
void tell_supervisors(store::tx& t, std::int64_t worker_id) {
  const auto worker = t.find_user(worker_id);
  if (worker) t.add_job(high_call::kind, t.now(), high_call{worker->facility}.json());
}

// An open call made high priority: the supervisors hear of it.
void raise_to_high(store::tx& t, const store::escalation& open) {
  if (t.raise_escalation(open.id, store::call_priority::high)) tell_supervisors(t, open.worker_id);
}

}  // namespace

store::call_priority call_priority_for(store::tx& t, std::int64_t contact, store::call_priority base, long long day) {
  if (base <= store::call_priority::high) return base;
  for (const auto& s : t.running_series(contact)) {
    // Pregnancy care a health worker enrolled (a dated lesson series is not a pregnancy).
    if (s.worker_id == 0 || !s.anchor_day) continue;
    if (s.high_risk || day - *s.anchor_day >= late_pregnancy_days) return store::call_priority::high;
  }
  return base;
}

store::call_priority visit_call_priority(store::tx& t, const store::booking& b, store::call_priority base) {
  if (b.for_whom != "self") return base;
  const long long today = t.now() / 86'400'000;
  return call_priority_for(t, b.contact_id, base, std::min(b.day, today));
}

std::int64_t raise_call(store::tx& t, const store::escalation& e) {
  // The job tells only of calls nobody was told of (a reason replaced on one told is not).
  const std::int64_t id = t.escalate(e);
  if (id != 0 && e.priority == store::call_priority::high) tell_supervisors(t, e.worker_id);
  return id;
}

bool takes_calls(const store::user& u) {
  return u.role == "health_worker" && !u.disabled && !u.phone.empty() && !u.pin_hash.empty();
}

std::optional<store::user> clinic_caller(store::tx& t, std::string_view clinic) {
  std::optional<store::user> to;
  for (auto& u : t.list_users()) {
    if (u.facility != clinic || !takes_calls(u)) continue;
    if (!to || (u.supervisor && !to->supervisor)) to = std::move(u);
  }
  return to;
}

std::optional<store::user> caller_for(store::tx& t, std::int64_t worker_id) {
  auto w = worker_id != 0 ? t.find_user(worker_id) : std::nullopt;
  if (!w || takes_calls(*w)) return w;
  return w->role == "health_worker" ? clinic_caller(t, w->facility) : std::nullopt;
}

handed_over disable_user(store::tx& t, const store::user& u) {
  t.set_user_disabled(u.id, true);
  handed_over out;
  if (u.role != "health_worker") return out;
  const auto to = clinic_caller(t, u.facility);
  if (!to) {
    core::log::warn("user.patients_left", {{"user", u.id}, {"facility", u.facility}});
    return out;
  }
  const auto moved = t.move_patients(u.id, to->id);
  out = {to->id, to->name, moved.series, moved.calls};
  if (out.calls > 0) t.add_job(handed_calls::kind, t.now(), handed_calls{to->id, out.calls}.json());
  core::log::info("user.patients_handed_over", {{"user", u.id}, {"to", to->id}, {"series", out.series}, {"calls", out.calls}});
  return out;
}

handed_over take_over_patients(store::tx& t, const store::user& u) {
  handed_over out;
  if (!takes_calls(u)) return out;
  for (const auto& left : t.list_users()) {
    if (left.role != "health_worker" || !left.disabled || left.facility != u.facility) continue;
    const auto moved = t.move_patients(left.id, u.id);
    out.series += moved.series;
    out.calls += moved.calls;
  }
  if (out.series + out.calls > 0) {
    out.to = u.id;
    out.to_name = u.name;
    if (out.calls > 0) t.add_job(handed_calls::kind, t.now(), handed_calls{u.id, out.calls}.json());
    core::log::info("user.patients_taken_over", {{"user", u.id}, {"series", out.series}, {"calls", out.calls}});
  }
  return out;
}

std::optional<store::user> health_worker_of(store::tx& t, std::int64_t contact) {
  for (const auto& s : t.running_series(contact)) {
    if (auto u = caller_for(t, s.worker_id)) return u;
  }
  for (const auto& b : t.upcoming_bookings(contact)) {
    if (auto u = clinic_caller(t, b.clinic)) return u;
  }
  return std::nullopt;
}

bool on_duty(const store::user& u, core::unix_ms now, std::string_view zone,
             const std::function<bool(long long)>& open_on) {
  const auto duty = schedule::day_window(u.duty);
  if (!duty) return true;
  const auto [from, to] = *duty;
  // Off duty is the window from the shift's end to its start.
  if (schedule::next_sending_time(now, zone, {to, from}) != now) return false;
  // The shift's day: for one across midnight, what falls before its end began the day before.
  const core::unix_ms began = from < to ? now : now - core::unix_ms{to} * 60'000;
  const auto day = schedule::local_day(began, zone);
  return !open_on || !day || open_on(*day);
}

bool put_on_call_list(store::tx& t, std::int64_t contact, const std::string& clinic, const std::string& reason,
                      int misses, store::call_priority priority) {
  const auto worker = clinic_caller(t, clinic);
  if (!worker) return false;
  for (const auto& open : t.open_escalations_at(clinic)) {
    if (open.contact_id != contact) continue;
    // To call already: one call covers it, made sooner when this is more pressing.
    if (priority == store::call_priority::high) raise_to_high(t, open);
    return true;
  }
  store::escalation e;
  e.worker_id = worker->id;
  e.contact_id = contact;
  e.reason = reason;
  e.misses = misses;
  e.priority = priority;
  raise_call(t, e);
  return true;
}

void raise_open_calls(store::tx& t, std::int64_t contact, const std::string& facility) {
  for (const auto& open : t.open_escalations_at(facility)) {
    if (open.contact_id == contact) raise_to_high(t, open);
  }
}

void visit_missed(store::tx& t, std::int64_t booking) {
  const auto b = t.find_booking(booking);
  if (!b || b->status != store::booking_status::missed) return;
  const auto last = t.marked_visits(b->contact_id, b->service, b->for_whom, 2);
  const bool twice = last.size() == 2 && last[0].status == store::booking_status::missed &&
                     last[1].status == store::booking_status::missed;
  const bool pregnancy = visit_call_priority(t, *b, store::call_priority::normal) == store::call_priority::high;
  if (!twice && !pregnancy) return;  // the "we missed you" SMS, then the call list after 72 hours
  const std::string reason = twice ? "missed_visits" : "missed_visit";
  if (put_on_call_list(t, b->contact_id, b->clinic, reason, twice ? 2 : 1, store::call_priority::high)) {
    core::log::info("visit.missed_call", {{"booking", b->id}, {"reason", reason}});
  }
}

}  // namespace paygham::actions
