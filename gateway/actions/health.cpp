// Health workers at work (R-H3, R-H4, R-H7, R-B6): the health-worker USSD menu behind a PIN,
// enrolling a patient in reminders they acknowledge, the call list when they stop answering,
// ending a series (a pregnancy loss: one compassionate message, nothing more), and marking a
// visit attended by its code.
//
//   workers.identify                      → ok {worker_name}: the caller is a health worker;
//                                           unknown; locked (too many wrong PINs)
//   workers.login     pin                 → ok {worker}; wrong {pin_tries}; locked
//   reminders.enrol   worker, phone, kind (daily | antenatal | weekly | refill), time, [lmp],
//                     [weekday (weekly)], [refill_date, every_days (refill)], [language],
//                     programme, remind, welcome, [ask_again], [danger_signs (a text
//                     key: antenatal, said on the danger-sign days, R-H5)], [high_risk (yes:
//                     antenatal, R-H3)], [shared_phone (yes | no |
//                     unknown), texts (explicit | neutral): what the patient said of their
//                     phone; other values, an unasked question's, keep what is known]
//                                         → ok {series, first_at (when its first goes)};
//                                           stopped (they stopped every message);
//                                           over (every antenatal day is past); already;
//                                           flagged (already in pregnancy care, now high risk)
//   reminders.ack     series              → ok: the patient answered; their escalation closes
//   reminders.missed  series, after, tell_worker, [priority (low | normal)], [reason
//                     (no_reply | not_taken: this miss is a medicine answered "Not done")]
//                                         → ok; escalated (the worker is told by SMS). The
//                                           call is high priority, whatever `priority` says,
//                                           while a pregnancy of the patient is flagged high
//                                           risk or 36 weeks on (R-H3, actions/calls.hpp)
//   reminders.check   series, answer (ask | yes | no | none), ask_again, tell_worker
//                                         → ask: the series still runs, ask whether it is
//                                           still wanted on this phone (the next question is
//                                           set then); skip (an older series asks); ended;
//                                           ok (R-S13)
//   reminders.end     worker, phone, reason (loss | done | transfer | opted_out | death |
//                     other), programme, [series], [loss_message], [visits (the programme of
//                     the person's visits: after a death, what of it is queued is cancelled)];
//                     the calls about what ended close (all of the person's after a death)
//                                         → ok; none (no series this clinic started is running).
//                                           The loss message's run has {series}: one that ended
//   reminders.call_me series, tell_worker, [priority (normal | high)]
//                                         → ok: the person asked for a call (after a loss) and
//                                           is on the call list of the worker who enrolled
//                                           them, who is told (or was, for a call still to
//                                           make); none: nobody can be told
//   workers.calls     worker              → ok {calls}: a data menu; none
//   workers.call      worker, call        → ok; not_taken: the call chosen is about a
//                                           medicine not taken (store::not_taken_reason)
//   workers.called    worker, call        → ok {calls_left}
//   appointments.attend worker, code      → ok {when}: today's visit with the code at the
//                                           worker's clinic is marked attended; unknown
// Every action also has `error`. Actions that take `worker` act only for the health worker who
// logged in on this phone in this session (workers.login sets it): the PIN guards a shared or
// lost phone, the network guards the number.
#include <algorithm>
#include <chrono>
#include <set>

#include "gateway/actions/action.hpp"
#include "gateway/actions/appointments.hpp"
#include "gateway/actions/calls.hpp"
#include "gateway/actions/flow_start.hpp"
#include "gateway/actions/privacy.hpp"
#include "gateway/actions/reminders.hpp"
#include "gateway/auth/pin.hpp"
#include "gateway/core/log.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/schedule/clinics.hpp"
#include "gateway/store/rules.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::actions {
namespace {

const flow::action_result error{"error", {}};

// What a health worker did from their phone (the menu or the SMS command) goes to the audit
// log as the API's changes do, with what the patient said of their phone: who recorded that
// texts may name the care, and when, must be known (R-S11). The API calls these actions outside
// any run and writes its own entry, with the token that asked.
void audit_from_phone(store::tx& t, const request& r, std::int64_t worker_id, std::string_view action,
                      const std::string& target, nlohmann::json detail) {
  if (r.run_id == 0) return;
  detail["via"] = r.by_sms ? "sms" : "ussd";
  t.audit("user:" + std::to_string(worker_id), action, target, detail.dump());
}

bool can_work(const store::user& u, core::unix_ms now) {
  return u.role == "health_worker" && !u.disabled && !u.pin_hash.empty() && u.locked_until <= now;
}

// The health worker who logged in on this phone in this run, or nullopt. By SMS nothing but the
// number says who writes (workers.by_number): only enrolling (`by_sms_too`) takes that; the call
// list, visits and ending reminders need the menu's PIN, whatever a flow routes to them.
std::optional<store::user> logged_in(store::tx& t, const request& r, bool by_sms_too = false) {
  if (r.by_sms && !by_sms_too) return std::nullopt;
  const auto id = text::read_id(r.arg("worker"));
  if (!id) return std::nullopt;
  auto u = t.find_user(*id);
  if (!u || u->phone != r.phone || !can_work(*u, t.now())) return std::nullopt;
  return u;
}

void start_flow(store::tx& t, std::int64_t contact, const request& r, const std::string& node,
                std::map<std::string, std::string> vars = {}, core::unix_ms at = 0) {
  t.add_job(flow_start::kind, at != 0 ? at : t.now(),
            flow_start{contact, r.channel_id, r.flow_id, node, std::move(vars)}.json());
}

// The worker was told within the hour of another call of that reason, as pressing, still open:
// their list has this one too, so one SMS is enough (five patients asking for a call in an
// hour make one "a patient asks you to call", not five). Told when they were told of it as it
// is now: a call that took a new reason was told of again, however old it is.
bool told_lately(store::tx& t, std::int64_t worker_id, std::int64_t call_id, const store::escalation& e) {
  constexpr core::unix_ms hour = 3'600'000;
  for (const auto& open : t.open_escalations(worker_id)) {
    if (open.id != call_id && open.reason == e.reason && open.priority <= e.priority &&
        open.told_at > t.now() - hour) {
      return true;
    }
  }
  return false;
}

// Puts the series' person on the call list of the worker who enrolled them, who is told by SMS
// (the flow at `tell_worker`, unless told_lately); false when there is nobody to tell or they
// are already on it.
bool tell_worker(store::tx& t, const request& r, const store::series& s, const std::string& reason, int misses,
                 store::call_priority base = store::call_priority::normal) {
  // The worker who started it, or when they left, whoever takes their clinic's calls.
  const auto worker = caller_for(t, s.worker_id);
  if (!worker) return false;
  store::escalation e;
  e.worker_id = worker->id;
  e.contact_id = s.contact_id;
  e.series_id = s.id;
  e.reason = reason;
  e.misses = misses;
  e.priority = call_priority_for(t, s.contact_id, base, schedule::local_day(t.now(), s.time_zone).value_or(t.now() / 86'400'000));
  const std::int64_t id = raise_call(t, e);
  if (id == 0) return false;  // already on the worker's list
  if (const std::string node = r.arg("tell_worker"); !node.empty() && !told_lately(t, worker->id, id, e)) {
    start_flow(t, t.upsert_contact(worker->phone).id, r, node);
    t.escalation_told(id);
  }
  core::log::info("series.escalated", {{"series", s.id}, {"user", worker->id}, {"reason", reason}, {"misses", misses},
                                      {"priority", store::to_string(e.priority)}});
  return true;
}

}  // namespace

flow::action_result workers_identify(store::tx& t, const request& r) {
  const auto u = t.find_user_by_phone(r.phone);
  // A disabled worker, or one without a PIN, is told only that the number is not registered.
  if (!u || u->role != "health_worker" || u->disabled || u->pin_hash.empty()) return {"unknown", {}};
  if (u->locked_until > t.now()) return {"locked", {}};
  return {"ok", {{"worker_name", u->name}}};
}

flow::action_result workers_login(store::tx& t, const request& r) {
  // The PIN leaves the run's variables whatever happens.
  std::map<std::string, std::string> vars{{"pin", ""}};
  const auto u = t.find_user_by_phone(r.phone);
  if (!u || u->role != "health_worker" || u->disabled || u->pin_hash.empty()) return {"error", vars};
  if (u->locked_until > t.now()) return {"locked", vars};
  const auto tried = auth::try_pin(u->pin_hash, u->failed_pins, u->locked_until, r.arg("pin"), t.now());
  if (tried.changed) t.set_pin_failures(u->id, tried.failed, tried.locked_until);
  switch (tried.outcome) {
    case auth::pin_try::result::ok:
      vars["worker"] = std::to_string(u->id);
      core::log::info("worker.login", {{"user", u->id}});
      return {"ok", vars};
    case auth::pin_try::result::locked:
    case auth::pin_try::result::blocked:  // never: a worker's PIN only locks for a while
      core::log::warn("worker.locked", {{"user", u->id}, {"minutes", auth::pin_lock_ms / 60000}});
      return {"locked", vars};
    case auth::pin_try::result::wrong:
      break;
  }
  core::log::info("worker.pin_wrong", {{"user", u->id}, {"in_a_row", tried.failed}});
  vars["pin_tries"] = std::to_string(tried.tries_left);
  return {"wrong", vars};
}

flow::action_result reminders_enrol(store::tx& t, const request& r) {
  const auto worker = logged_in(t, r, true);
  if (!worker) return error;
  const std::string phone = r.arg("phone");
  const auto minute = schedule::minute_of_day(r.arg("time"));
  const std::string kind = r.arg("kind");
  const std::string programme = r.arg("programme");
  const std::string remind = r.arg("remind");
  if (phone.empty() || phone.front() != '+' || !minute || programme.empty() || remind.empty() || !r.time_zone_of ||
      (kind != "daily" && kind != "antenatal" && kind != "weekly" && kind != "refill")) {
    return error;
  }
  auto patient = t.upsert_contact(phone);
  // Reminders go to the patient's main number (R-L6: the worker may have given another they
  // write from): on its clock, and texts that name the care only when asked with it.
  const std::string main_number = t.find_contact(patient.id)->phone;
  // What the patient said of their phone (R-S11). Anything but asking for texts that name the
  // care holds at once, even when nothing is enrolled now: "others read it" must never wait.
  const std::string shared = r.arg("shared_phone");
  const bool answered = shared == "yes" || shared == "no" || shared == "unknown";
  const bool named = store::may_name_care(shared, r.arg("texts") == "explicit");
  const std::string by = "user:" + std::to_string(worker->id);  // as the audit log names them
  if (answered && !named) t.set_phone_privacy(patient.id, shared, false, by);
  // Someone who stopped every message, or this programme's, is not enrolled behind their
  // back: they send 12 themselves.
  if (t.stopped(patient.id, programme)) return {"stopped", {}};

  store::series s;
  s.contact_id = patient.id;
  s.channel_id = r.channel_id;
  s.programme = programme;
  s.at_minute = *minute;
  s.time_zone = r.time_zone_of(main_number);
  s.worker_id = worker->id;
  s.flow_id = r.flow_id;
  s.node = remind;
  if (kind == "antenatal") {
    const auto lmp = text::read_date(r.arg("lmp"));
    if (!lmp) return error;
    s.anchor_day = text::day_number(*lmp);
    // R-H5: with the text of the danger-sign days, said between the visits.
    s.template_key = r.arg("danger_signs");
    s.offsets = schedule::antenatal_schedule(!s.template_key.empty()).days();
  } else if (kind == "weekly") {
    // R-H3: a weekly check-in ("how are you this week?"), on an ISO weekday (1 Monday).
    const auto day = text::read_id(r.arg("weekday"));
    if (!day || *day < 1 || *day > 7) return error;
    s.weekday = static_cast<int>(*day);
  } else if (kind == "refill") {
    // A medicine refill every so many days (a month's supply, or two or three months'): asked
    // the day before each refill day, the first given.
    const auto refill = text::read_date(r.arg("refill_date"));
    const auto every = text::read_id(r.arg("every_days"));
    if (!refill || !every || *every < min_refill_days || *every > max_refill_days) return error;
    s.every_days = static_cast<int>(*every);
    s.from_day = text::day_number(*refill) - 1;
  }
  // The same reminders twice would each ask, and only the newest question can be answered: the
  // others would count as unanswered. One pregnancy series, one check-in and one refill at a
  // time; a medicine at each time.
  // R-H3: a pregnancy the worker says is high risk; asked again for one already in care, it
  // flags her running care ("flagged").
  s.high_risk = s.anchor_day && r.arg("high_risk") == "yes";
  for (const auto& running : t.active_series(patient.id, programme)) {
    if (store::series_kind(running) == store::series_kind(s) &&
        (s.anchor_day || s.weekday != 0 || s.every_days != 0 || running.at_minute == s.at_minute)) {
      // Only this clinic's own care: another clinic's patient is theirs to flag (as ending is).
      const auto owner = s.high_risk && !running.high_risk ? t.find_user(running.worker_id) : std::nullopt;
      if (!owner || owner->facility != worker->facility) return {"already", {}};
      t.set_series_high_risk(running.id, true);
      raise_open_calls(t, patient.id, worker->facility);
      audit_from_phone(t, r, worker->id, "enrolments.risk", "series:" + std::to_string(running.id),
                       nlohmann::json{{"high_risk", true}});
      return {"flagged", {}};
    }
  }
  auto first = first_due(s, t.now());
  if (first.state == first_occurrence::over) return {"over", {}};
  if (first.state != first_occurrence::ahead) return error;
  // A refill tomorrow, enrolled after the day-before time: asked in a minute, after the
  // welcome (within sending hours), not first a cycle later.
  if (s.every_days != 0 && schedule::local_day(t.now(), s.time_zone) == s.from_day &&
      first.at > t.now() + 86'400'000) {
    first.at = t.now() + 60'000;
  }
  // Only now: a number turned away (already enrolled, every week past) keeps its language.
  if (const std::string language = r.arg("language"); !language.empty()) t.set_contact_language(patient.id, language);
  if (named && main_number == phone)
    t.set_phone_privacy(patient.id, shared, true, by);  // asked for, with this enrolment
  s.id = start_series(t, s, first);
  if (s.high_risk) raise_open_calls(t, patient.id, worker->facility);  // a missed visit at the clinic already
  nlohmann::json detail{{"kind", store::series_kind(s)}};  // as the API names them
  if (s.high_risk) detail["high_risk"] = true;
  if (answered) {
    detail["shared_phone"] = shared;
    detail["explicit_texts"] = named;
  }
  audit_from_phone(t, r, worker->id, "enrolments.create", "series:" + std::to_string(s.id), std::move(detail));
  if (const std::string welcome = r.arg("welcome"); !welcome.empty()) {
    flow_start job{patient.id, r.channel_id, r.flow_id, welcome};
    job.while_series = s.id;
    t.add_job(flow_start::kind, t.now(), job.json());
  }
  ask_again_later(t, r, s, r.arg("ask_again"));
  core::log::info("series.enrolled", {{"series", s.id}, {"user", worker->id}, {"kind", kind}});
  return {"ok", {{"series", std::to_string(s.id)}, {"first_at", std::to_string(first.at)}}};
}

flow::action_result reminders_ack(store::tx& t, const request& r) {
  const auto id = text::read_id(r.arg("series"));
  if (!id) return error;
  const auto s = t.find_series(*id);
  if (!s || s->contact_id != r.contact_id) return error;
  t.series_answered(s->id);
  t.resolve_series_escalations(s->id);
  return {"ok", {}};
}

flow::action_result reminders_missed(store::tx& t, const request& r) {
  const auto id = text::read_id(r.arg("series"));
  const auto after = text::read_id(r.arg("after"));
  if (!id || !after || *after < 1) return error;
  const auto s = t.find_series(*id);
  if (!s || s->contact_id != r.contact_id) return error;
  if (s->paused_until > t.now()) return {"ok", {}};  // paused since it was asked: not a miss
  const int misses = s->misses + 1;
  t.set_series_misses(s->id, misses);
  if (misses < *after || !s->active) return {"ok", {}};
  // A weekly check-in left unanswered is a call at low priority (R-H3).
  const std::string priority = r.arg("priority");
  if (!priority.empty() && priority != "low" && priority != "normal") return error;
  const auto base = priority == "low" ? store::call_priority::low : store::call_priority::normal;
  // The miss that puts them on the list names the call: «نخوردم» twice is a call about the
  // medicine, which the worker is told in so many words.
  const std::string reason = r.arg("reason").empty() ? "no_reply" : r.arg("reason");
  if (reason != "no_reply" && reason != store::not_taken_reason) return error;
  return tell_worker(t, r, *s, reason, misses, base) ? flow::action_result{"escalated", {}}
                                                     : flow::action_result{"ok", {}};
}

flow::action_result reminders_check(store::tx& t, const request& r) {
  const auto id = text::read_id(r.arg("series"));
  if (!id) return error;
  const auto s = t.find_series(*id);
  if (!s || s->contact_id != r.contact_id) return error;
  if (!s->active) return {"ended", {}};
  const std::string answer = r.arg("answer");
  if (answer == "ask") {
    // The next question is set now, whatever becomes of this one (a reminder may take over the
    // phone before it is answered). A person with several series is asked once, by the oldest.
    ask_again_later(t, r, *s, r.arg("ask_again"));
    for (const auto& other : t.active_series(s->contact_id, s->programme)) {
      if (other.id < s->id) return {"skip", {}};
    }
    return {"ask", {}};
  }
  if (answer == "no") {
    // Whoever has the phone now said no: nothing of the programme goes to it any more (queued
    // messages included), and each worker who enrolled it checks with the patient (a slip of
    // the finger, or a new number to enrol). Whatever was known of the phone is not known of
    // its new holder: texts that name the care stop too (R-S11).
    t.set_phone_privacy(s->contact_id, "unknown", false, "person");
    for (const auto& running : t.active_series(s->contact_id, s->programme)) {
      t.end_series(running.id);
      t.cancel_series_queued(running.id, "not wanted on this phone");
      tell_worker(t, r, running, "not_wanted", 0);
    }
  } else if (answer == "none") {
    // No answer says nothing either way: the reminders go on, and the worker checks.
    tell_worker(t, r, *s, "unconfirmed", 0);
  } else if (answer != "yes") {
    return error;
  }
  return {"ok", {}};
}

bool is_end_reason(std::string_view reason) {
  static const std::set<std::string, std::less<>> reasons = {"loss",      "done",  "transfer",
                                                             "opted_out", "death", "other"};
  return reasons.contains(reason);
}

flow::action_result reminders_end(store::tx& t, const request& r) {
  const auto worker = logged_in(t, r);
  const std::string phone = r.arg("phone");
  const std::string reason = r.arg("reason");
  const std::string programme = r.arg("programme");
  if (!worker || phone.empty() || !is_end_reason(reason) || programme.empty()) return error;
  const auto patient = t.upsert_contact(phone);
  // One series when named (the console ends one enrolment: the others go on), else all. A
  // pregnancy loss ends every one: nothing more of the programme after it (R-H7); so do a move
  // to another clinic, the person's own wish to stop and their death (R-H4).
  const bool all = reason != "done" && reason != "other";
  const std::string only = all ? std::string() : r.arg("series");
  const auto only_id = only.empty() ? std::nullopt : text::read_id(only);
  if (!only.empty() && !only_id) return error;
  // Only what this clinic's workers started: another clinic's patients are not this worker's.
  std::vector<std::int64_t> ended;
  std::int64_t pregnancy = 0;  // a pregnancy series ended now
  for (const auto& s : t.active_series(patient.id, programme)) {
    if (only_id && s.id != *only_id) continue;
    const auto by = s.worker_id != 0 ? t.find_user(s.worker_id) : std::nullopt;
    if (!by || by->facility != worker->facility) continue;
    t.end_series(s.id);
    // Its question still open ("please come to the clinic this week") is let go: a reply is
    // not an answer to it, and after a loss the message written for it goes at once.
    t.expire_series_questions(patient.id, s.id);
    if (s.anchor_day) pregnancy = s.id;
    ended.push_back(s.id);
    audit_from_phone(t, r, worker->id, "enrolments.end", "series:" + std::to_string(s.id), {{"reason", reason}});
    if (only_id) t.cancel_series_queued(s.id, "series ended: " + reason);
  }
  if (ended.empty()) return {"none", {}};
  // The calls to make about what ended end with it, or a worker would ring about reminders that
  // are over (after a loss, about antenatal visits): those of the series ended, but a call the
  // person asked for, which stays until it is made; after a death, every call about the person,
  // or the family would be rung.
  for (const auto& e : t.open_escalations_at(worker->facility)) {
    const bool of_ended = std::find(ended.begin(), ended.end(), e.series_id) != ended.end();
    if (e.contact_id == patient.id &&
        (reason == "death" || (of_ended && e.reason != store::call_asked_reason))) {
      t.resolve_escalation(e.id, e.worker_id);
    }
  }
  // Its privacy notice may be among what is cancelled (asked while it waits to go): a new
  // enrolment gives it again, and what else it told that goes on is told again now; not to a
  // bereaved family's phone, nor after a loss, when one message written for it is all (R-H7).
  if (const auto who = !only_id ? t.find_contact(patient.id) : std::nullopt) {
    forget_notices(t, *who, programme,
                   reason == "death" || reason == "loss" ? std::string() : r.channel_id);
  }
  if (reason == "opted_out") {
    // They asked their health worker to stop, as 11 would: nothing of the programme reaches
    // them, and no worker enrols them again until they send 12 themselves.
    t.set_programme_opt_out(patient.id, programme, true);
  } else if (reason == "death") {
    // Nothing more to their phone that would hurt the family reading it: their own visits
    // ahead are cancelled, so none is reminded, and what of the visits is queued to go now does
    // not go; a relative's visit booked on the same phone stands, and with it what is queued.
    bool relatives = false;
    for (const auto& b : t.upcoming_bookings(patient.id)) {
      if (b.for_whom != "self") {
        relatives = true;
      } else if (b.status == store::booking_status::booked) {
        t.set_booking_status(b.id, store::booking_status::cancelled);
      }
    }
    // args.visits: the programme whose messages those are (flows/appointments.yaml's).
    if (const std::string visits = r.arg("visits"); !relatives && !visits.empty()) {
      t.cancel_queued(patient.id, visits, "series ended: death");
    }
  }
  t.wake_turn_jobs(patient.id);  // what waited behind a question let go goes now
  if (!only_id) t.cancel_queued(patient.id, programme, "series ended: " + reason);
  // R-H7: after a pregnancy loss, one message written for it and nothing else of the programme.
  if (const std::string node = r.arg("loss_message"); reason == "loss" && pregnancy != 0 && !node.empty()) {
    start_flow(t, patient.id, r, node, {{"series", std::to_string(pregnancy)}});
  }
  core::log::info("series.ended",
                  {{"user", worker->id}, {"series", ended.size()}, {"reason", reason}});
  return {"ok", {}};
}

// R-D6: a health worker forgets a number at the patient's wish: everything held about it is
// erased as an admin's erasure is (a stop they made stays as a hash, R-S7), their reminders and
// visits with it. Only a patient of the worker's clinic alone: one a worker of it enrolled in a
// series of args.programme still running, or with a visit ahead there; anyone else is
// `unknown`, as a number never seen is, and one another clinic also cares for is `elsewhere`
// (an admin erases it: the other clinic's care would end unseen).
flow::action_result workers_forget(store::tx& t, const request& r) {
  const auto worker = logged_in(t, r);
  const std::string programme = r.arg("programme");
  if (!worker || programme.empty()) return error;
  const auto patient = t.find_contact_by_phone(r.arg("phone"));
  if (!patient) return {"unknown", {}};
  bool ours = false, theirs = false;
  const auto cared_at = [&](const std::string& clinic) { (clinic == worker->facility ? ours : theirs) = true; };
  for (const auto& s : t.active_series(patient->id, programme)) {
    if (const auto by = s.worker_id != 0 ? t.find_user(s.worker_id) : std::nullopt) cared_at(by->facility);
  }
  for (const auto& b : t.upcoming_bookings(patient->id)) cared_at(b.clinic);
  if (!ours) return {"unknown", {}};
  if (theirs) return {"elsewhere", {}};
  if (!t.erase_contact(patient->id)) return {"unknown", {}};
  audit_from_phone(t, r, worker->id, "contacts.erase", "contact:" + std::to_string(patient->id), {});
  core::log::info("contact.erased", {{"contact", patient->id}, {"by", "user:" + std::to_string(worker->id)}});
  return {"ok", {}};
}

flow::action_result reminders_call_me(store::tx& t, const request& r) {
  const auto id = text::read_id(r.arg("series"));
  if (!id) return error;
  const auto s = t.find_series(*id);
  if (!s || s->contact_id != r.contact_id) return error;
  // "I need help" at a weekly check-in is a call within a working day (R-H3: high, so the
  // supervisors hear of it and it is chased when still not made a working day on).
  const std::string priority = r.arg("priority");
  if (!priority.empty() && priority != "normal" && priority != "high") return error;
  const auto base = priority == "high" ? store::call_priority::high : store::call_priority::normal;
  if (tell_worker(t, r, *s, "call_asked", 0, base)) return {"ok", {}};
  // Asked before and not called yet: the call stands on the list of someone who makes calls
  // (the worker, or the colleague it was handed to), who knows.
  if (const auto worker = caller_for(t, s->worker_id)) {
    for (const auto& e : t.open_escalations(worker->id)) {
      if (e.series_id == s->id && e.reason == store::call_asked_reason) return {"ok", {}};
    }
  }
  return {"none", {}};
}

flow::action_result workers_calls(store::tx& t, const request& r) {
  const auto worker = logged_in(t, r);
  if (!worker) return error;
  // The number in full: the worker calls it, the most pressing first. "(!!)": they wrote words
  // of someone in danger (R-H3). "(!)": a call within one working day (R-H3: high priority),
  // the patient asked for a call (R-H7), missed a visit, or could not come to one, or had it
  // cancelled by the clinic, and chose no other day (R-H3). "(2)": reminders unanswered in a row. "(?)": the
  // number itself needs checking (R-S13). At most 8, the most pressing (a menu of data holds 9
  // at most), the rest coming as these are closed: a patient who asked for a call is never
  // behind the routine ones.
  constexpr std::size_t most_listed = 8;
  auto open = t.open_escalations(worker->id);
  const auto rank = [](const store::escalation& e) {
    if (e.priority == store::call_priority::urgent) return 0;
    const bool soon = e.priority == store::call_priority::high || e.reason == "call_asked" ||
                      e.reason == "cannot_come" || e.reason == "clinic_cancelled" || e.reason == "missed_visit";
    return soon ? 1 : 2;
  };
  std::stable_sort(open.begin(), open.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  auto items = nlohmann::json::array();
  for (const auto& e : open) {
    const int how_soon = rank(e);
    const std::string why = how_soon == 0 ? "!!" : how_soon == 1 ? "!" : e.misses > 0 ? std::to_string(e.misses) : "?";
    // In right-to-left text, marks keep the number and its count in order on the phone's screen.
    const std::string mark = text::persian_script(r.language) ? "\u200E" : "";
    items.push_back({{"label", mark + e.phone + " (" + why + ")" + mark}, {"value", std::to_string(e.id)}});
    if (items.size() == most_listed) break;
  }
  if (items.empty()) return {"none", {}};
  // R-D4: the numbers shown in full are a read of people's data, audited as the API's is.
  audit_from_phone(t, r, worker->id, "escalations.read", "escalations", {{"count", items.size()}});
  // How many in all: more than the list shows come as these are closed.
  return {"ok", {{"calls", items.dump()}, {"calls_left", std::to_string(open.size())}}};
}

flow::action_result workers_call(store::tx& t, const request& r) {
  const auto worker = logged_in(t, r);
  const auto id = text::read_id(r.arg("call"));
  if (!worker || !id) return error;
  const auto e = t.find_open_escalation(*id);
  if (!e || e->worker_id != worker->id) return error;
  return {e->reason == store::not_taken_reason ? "not_taken" : "ok", {}};
}

flow::action_result workers_called(store::tx& t, const request& r) {
  const auto worker = logged_in(t, r);
  const auto id = text::read_id(r.arg("call"));
  if (!worker || !id || !t.resolve_escalation(*id, worker->id)) return error;
  return {"ok", {{"calls_left", std::to_string(t.open_escalations(worker->id).size())}}};
}

flow::action_result appointments_attend(store::tx& t, const request& r) {
  const auto worker = logged_in(t, r);
  if (!worker || !r.clinics) return error;
  const schedule::clinic* c = r.clinics->find(worker->facility);
  const auto code = text::read_integer(r.arg("code"), 1000, 9999);
  if (!c || !code) return error;
  const auto today = schedule::local_day(t.now(), c->time_zone);
  if (!today) return error;
  const auto b = t.find_booking_by_code(c->id, *today, std::to_string(*code));
  // A visit counted missed at 18:00 may still be marked the same day (reception was late).
  if (!b || (b->status != store::booking_status::booked && b->status != store::booking_status::missed)) {
    return {"unknown", {}};
  }
  t.set_booking_status(b->id, store::booking_status::attended);
  return {"ok", {{"when", booking_vars(*b, r.clinics, r.language, r.months).at("when")}}};
}

}  // namespace paygham::actions
