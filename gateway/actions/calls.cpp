#include "gateway/actions/calls.hpp"

#include "gateway/core/log.hpp"
#include "gateway/store/tx.hpp"

namespace paygham::actions {
namespace {

// An open call made high priority, for `reason`: the supervisor hears of it.
void raise_to_high(store::tx& t, const store::escalation& open, const std::string& reason) {
  if (t.raise_escalation(open.id, store::call_priority::high, reason)) {
    t.add_job(high_call::kind, t.now(), high_call{open.id}.json());
  }
}

}  // namespace

store::call_priority call_priority_for(store::tx& t, std::int64_t contact, store::call_priority base, long long day) {
  if (base <= store::call_priority::high) return base;
  for (const auto& s : t.running_series(contact)) {
    if (s.high_risk || (s.anchor_day && day - *s.anchor_day >= late_pregnancy_days)) return store::call_priority::high;
  }
  return base;
}

std::int64_t raise_call(store::tx& t, const store::escalation& e) {
  // The series' call open and high already (only its reason changes): the supervisor knows.
  bool known = false;
  if (e.priority == store::call_priority::high && e.series_id != 0) {
    for (const auto& open : t.open_escalations(e.worker_id)) {
      known = known || (open.series_id == e.series_id && open.priority <= store::call_priority::high);
    }
  }
  const std::int64_t id = t.escalate(e);
  if (id != 0 && e.priority == store::call_priority::high && !known) {
    t.add_job(high_call::kind, t.now(), high_call{id}.json());
  }
  return id;
}

std::optional<store::user> first_health_worker(store::tx& t, std::string_view clinic) {
  for (auto& u : t.list_users()) {
    if (u.role == "health_worker" && !u.disabled && u.facility == clinic) return std::move(u);
  }
  return std::nullopt;
}

std::optional<store::user> health_worker_of(store::tx& t, std::int64_t contact) {
  for (const auto& s : t.running_series(contact)) {
    if (s.worker_id == 0) continue;
    if (auto u = t.find_user(s.worker_id); u && !u->disabled) return u;
  }
  for (const auto& b : t.upcoming_bookings(contact)) {
    if (auto u = first_health_worker(t, b.clinic)) return u;
  }
  return std::nullopt;
}

bool put_on_call_list(store::tx& t, std::int64_t contact, const std::string& clinic, const std::string& reason,
                      int misses, store::call_priority priority) {
  const auto worker = first_health_worker(t, clinic);
  if (!worker) return false;
  for (const auto& open : t.open_escalations_at(clinic)) {
    if (open.contact_id != contact) continue;
    // To call already: one call covers it, made sooner when this is more pressing.
    if (priority == store::call_priority::high) raise_to_high(t, open, reason);
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

void raise_open_calls(store::tx& t, std::int64_t contact) {
  for (const auto& open : t.open_escalations_at("")) {
    if (open.contact_id == contact) raise_to_high(t, open, open.reason);
  }
}

void visit_missed(store::tx& t, std::int64_t booking) {
  const auto b = t.find_booking(booking);
  if (!b || b->status != store::booking_status::missed) return;
  const auto last = t.marked_visits(b->contact_id, b->service, b->for_whom, 2);
  const bool twice = last.size() == 2 && last[0].status == store::booking_status::missed &&
                     last[1].status == store::booking_status::missed;
  // A pregnancy flagged or late is the phone owner's: a relative's visit says nothing of it.
  const bool pregnancy = b->for_whom == "self" && call_priority_for(t, b->contact_id, store::call_priority::normal,
                                                                     b->day) == store::call_priority::high;
  if (!twice && !pregnancy) return;  // the "we missed you" SMS, then the call list after 72 hours
  const std::string reason = twice ? "missed_visits" : "missed_visit";
  if (put_on_call_list(t, b->contact_id, b->clinic, reason, twice ? 2 : 1, store::call_priority::high)) {
    core::log::info("visit.missed_call", {{"booking", b->id}, {"reason", reason}});
  }
}

}  // namespace paygham::actions
