// The clock: due jobs by kind (a registry of typed payloads), dropped sessions let go.
#include "gateway/runner/internal.hpp"

#include <algorithm>

#include "gateway/actions/appointments.hpp"
#include "gateway/actions/calls.hpp"
#include "gateway/actions/flow_start.hpp"
#include "gateway/actions/privacy.hpp"
#include "gateway/actions/reminders.hpp"
#include "gateway/actions/subscriptions.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/suggest.hpp"
#include "gateway/phone/phone.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/store/rules.hpp"
#include "gateway/store/tx.hpp"

namespace paygham::runner {

using namespace detail;

namespace {

// Work done by one tick, at most, so one tick never holds the writer long.
constexpr std::size_t tick_batch = 128;

// One question at a time on a phone (see waits_turn): how long each question has at least once
// it reaches the phone (questions that waited together go one by one; a conversation under way
// is not cut into).
constexpr core::unix_ms question_least_ms = 1'800'000;
// A subscription's renewal question, asked two weeks before its end, waits longer behind
// another: two days. Asked an hour after another renewal (two areas), it would take that one
// over, and the area asked about first would end unkept though answered "1".
constexpr core::unix_ms a_day_ms = 86'400'000;
constexpr core::unix_ms renewal_turn_ms = 2 * a_day_ms;
// News of a visit (a confirmation, the clinic cancelling it) reaches the person this long before
// it at least.
constexpr core::unix_ms visit_notice_ms = 2 * 3'600'000;
// Before the night, the least the open question has before the next goes (else the next waits
// for the morning).
constexpr core::unix_ms question_evening_ms = 600'000;

// The operators' inbox asks someone to act on visit `b` (where the person cannot be reached by
// flow, or nobody at the clinic can call them): "<ask>CODE, WHEN, CLINIC<then>".
void ask_operators(store::tx& tx, const content& c, const store::booking& b, const std::string& ask,
                   const std::string& then) {
  const auto v = actions::booking_vars(b, &c.clinics, "en");
  tx.add_inbox(store::inbox_item{b.contact_id, 0, b.channel_id, "",
                                 ask + v.at("code") + ", " + v.at("when") + ", " + v.at("clinic_name") + then});
}

}  // namespace

bool runner::waits_turn(store::tx& tx, const content& c, const flow::definition& f, const std::string& node,
                        const store::contact& who, bool urgent, const store::job& j, core::unix_ms turn_ms,
                        core::unix_ms deadline) const {
  if (urgent || !flow::may_ask_by_sms(f, node)) return false;
  // The person's row lock (on PostgreSQL; SQLite has one writer): two nodes each taking one of
  // the person's woken questions, or one deciding to wait while another stores the answer, see
  // each other's work. Gone meanwhile (erased): nothing to wait for, nobody to send to.
  if (!tx.lock_contact(who.id)) return false;
  const auto open = tx.find_waiting_sms_run(who.id);
  if (!open) return false;
  // The hour counts from when the open question reaches the phone (its sending hours hold what
  // nobody is waiting for: one queued in the evening goes in the morning), or from when this
  // one could first have gone, if that was earlier; and the open question has half an hour at
  // least.
  const flow::definition* open_flow = c.flows.by_id(open->flow_id);
  const core::unix_ms open_reaches =
      sending_time(open->updated_at, who, open_flow ? std::string_view(open_flow->programme) : std::string_view());
  const core::unix_ms since = j.turn_since != 0 ? j.turn_since : tx.now();
  const core::unix_ms first = sending_time(since, who, f.programme);
  core::unix_ms until = std::max(std::min(open_reaches, first) + turn_ms, open_reaches + question_least_ms);
  const auto in_hours = [&](core::unix_ms at) { return sending_time(at, who, f.programme) == at; };
  const core::unix_ms now = tx.now();
  if (!in_hours(now)) {
    // In the night nothing reaches the phone before the morning: it waits for then, the open
    // question answerable all night (sent now, it would take that one over unseen).
    until = std::max(until, sending_time(now, who, f.programme));
  } else if (until > now && !in_hours(until) && until - now > a_day_ms) {
    // A wait of days (a renewal's) that would end in the night ends when the hours open again:
    // its nights and quiet days in between are not the end of its wait.
    until = sending_time(until, who, f.programme);
  } else if (until > now && !in_hours(until)) {
    // A wait that would end in the night ends as the person's hours do, so the questions go
    // apart; when that leaves the open question only minutes, it waits for the morning.
    core::unix_ms inside = now, outside = until;  // the hours end in between
    while (outside - inside > 1000) {
      const core::unix_ms mid = inside + (outside - inside) / 2;
      (in_hours(mid) ? inside : outside) = mid;
    }
    // A minute before the night: the tick that runs it is still in the person's hours.
    const core::unix_ms end = inside - 60'000;
    until = end - open_reaches >= question_evening_ms ? end : sending_time(until, who, f.programme);
  }
  if (until <= tx.now()) return false;  // its time is up: it goes now, and takes over
  if (deadline > 0 && until > deadline) return false;  // it would come too late: it takes over
  tx.add_turn_job(j.kind, until, j.payload, who.id, since);
  core::log::info("question.waits_turn", {{"contact", who.id}, {"flow", f.id}, {"open_run", open->id}});
  return true;
}

// The step a job's run is at, if the run, its flow version and its contact are all still there.
std::optional<runner::step> runner::job_step(store::tx& tx, const content& c, std::int64_t run_id) const {
  auto r = tx.find_run(run_id);
  if (!r) return std::nullopt;
  const flow::definition* f = c.pinned(r->flow_id, r->flow_hash);
  auto who = tx.find_contact(r->contact_id);
  if (!f || !who) return std::nullopt;
  return step{f, std::move(*r), std::move(*who), {}, {}};
}

std::string runner::apply_timeout(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const {
  const auto p = timeout_job::parse(j.payload);
  if (!p) return "payload is not {run, asked}";
  auto s = job_step(tx, c, p->run);
  if (!s) return {};  // the run is gone: nothing to do
  flow::state st = state_from_json(s->r.state);
  // Only the wait it was set for: an answered or re-asked question ignores it.
  if (s->r.status != store::run_status::waiting || st.asked != p->asked) return {};
  time_out_by_sms(tx, c, *s, std::move(st), !p->reply);
  ++done.timeouts;
  commit(tx, *s);
  return {};
}

std::string runner::apply_let_go(store::tx& tx, const content&, const store::job& j,
                                 tick_outcome&) const {
  const auto p = timeout_job::parse(j.payload);
  if (!p) return "payload is not {run, asked}";
  auto r = tx.find_run(p->run);
  if (!r || r->status != store::run_status::waiting) return {};
  flow::state st = state_from_json(r->state);
  if (st.asked != p->asked) return {};  // answered, or asked again since: its own wait
  const std::string node = st.node;
  end_run(*r, store::run_status::expired, std::move(st));
  tx.save_run(*r);
  tx.wake_turn_jobs(r->contact_id);  // a question that waited its turn goes now
  core::log::info("run.let_go", {{"run", r->id}, {"flow", r->flow_id}, {"node", node}});
  return {};
}

void runner::time_out_by_sms(store::tx& tx, const content& c, step& s, flow::state st, bool unprompted) const {
  s.ctx = context_for(c, flow::medium::sms, s.who, tx.now());
  keep_neutral(s.ctx, st);
  s.out = flow::time_out(*s.f, std::move(st), s.ctx);
  s.unprompted = unprompted;
  tx.require_disk();
  settle(tx, c, s);
}

std::string runner::apply_drop(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const {
  const auto p = drop_job::parse(j.payload);
  if (!p) return "payload is not {run, at}";
  auto s = job_step(tx, c, p->run);
  // Only if no hop came since: the session dropped with a question open.
  if (s && s->r.updated_at == p->at && continue_by_sms(tx, c, *s)) ++done.continued;
  return {};
}

bool runner::time_out_left(store::tx& tx, const content& c, const store::run& r,
                           bool on_line) const {
  flow::state st;
  try {
    st = state_from_json(r.state);
  } catch (const std::exception&) {
    return false;  // a state nobody can read is let go as ever
  }
  return time_out_left(tx, c, r, std::move(st), on_line);
}

bool runner::time_out_left(store::tx& tx, const content& c, const store::run& r, flow::state st,
                           bool on_line) const {
  const flow::definition* f = c.pinned(r.flow_id, r.flow_hash);
  // A flow that never resumes (a menu behind a PIN) never goes on without the person, nor one
  // whose words are never kept in a phone's messages.
  if (!f || !f->resume || !f->keep_sms) return false;
  // Dropped again at "continue?" after a redial: the question it was asked about.
  if (!back_from_resume(st)) return false;
  // Behind a PIN, nothing of the run ever goes by SMS.
  if (gateway_node(st.node) || st.vars.contains(std::string(pin_var))) return false;
  const flow::node* n = f->find(st.node);
  if (!n || n->kind != flow::node_kind::ask || n->on_timeout.empty()) return false;
  auto who = tx.find_contact(r.contact_id);
  if (!who) return false;
  step s{f, r, std::move(*who), {}, {}};
  s.r.medium = store::medium::sms;
  s.r.session_id.clear();
  // Swept after a drop, nobody waits for it: within sending hours. Left on the line ("start
  // again"): an answer to the person, at once.
  time_out_by_sms(tx, c, s, std::move(st), !on_line);
  // A question it goes on to takes over the phone, as one the scheduler starts does.
  if (!s.out.finished) tx.expire_waiting_sms_runs(s.who.id);
  commit(tx, s);
  core::log::info("run.left_unanswered", {{"run", r.id}, {"flow", f->id}, {"node", n->id}});
  return true;
}

namespace {
constexpr core::unix_ms invite_grace_ms = 5 * 60'000;
}  // namespace

bool runner::invite_to_finish(store::tx& tx, const content& c, const store::run& r) const {
  const flow::definition* f = c.pinned(r.flow_id, r.flow_hash);
  if (!f || f->invite.empty() || r.medium != store::medium::ussd) return false;
  // Swept late (a node down, a burst of jobs): by now the person may have booked another way.
  if (tx.now() - r.updated_at > settings_.resume_window_ms + invite_grace_ms) return false;
  flow::state st;
  try {
    st = state_from_json(r.state);
  } catch (const std::exception&) {
    return false;  // a state nobody can read invites nobody; the run is let go as ever
  }
  // Left half way through a new booking: not a look at one's visits, nor moving one that stands
  // (its `replaces`); a drop at "continue?" counts where it was.
  back_from_resume(st);
  if (std::find(f->invite_left_at.begin(), f->invite_left_at.end(), st.node) == f->invite_left_at.end()) return false;
  if (const auto moving = st.vars.find("replaces"); moving != st.vars.end() && !moving->second.empty()) return false;
  // Never about counselling (R-U15): chosen in this session, or the person's care.
  if (st.vars.count(std::string(neutral_var)) ||
      std::any_of(st.vars.begin(), st.vars.end(), [&](const auto& v) { return c.clinics.neutral_only(v.second); })) {
    return false;
  }
  const auto who = tx.find_contact(r.contact_id);
  if (!who || who->opted_out || (!f->programme.empty() && tx.stopped(who->id, f->programme))) return false;
  if (counselling_client(tx, c, who->id)) return false;
  // Another who reads the phone would learn that someone on it began to book.
  if (tx.find_contact_record(who->id).shared_phone == "yes") return false;
  // Booked since, by SMS or another dial: nothing to invite to.
  const auto booked = tx.upcoming_bookings(who->id);
  if (std::any_of(booked.begin(), booked.end(), [&](const auto& b) { return b.run_id > r.id; })) return false;
  // Within sending hours, or not at all: by the morning it is old news.
  if (sending_time(tx.now(), *who, f->programme) > tx.now()) return false;
  if (!tx.take_invite(who->id, tx.now(), tx.now() - 24 * 3'600'000)) return false;
  // Ahead of bulk (broadcasts), so it goes now; not a routine message of the programme (R-S9).
  store::new_message m{r.channel_id, who->id, r.id, who->phone, say(c, f->invite, *who), core::priority::reminder};
  m.programme = f->programme;
  tx.queue_message(m);
  core::log::info("run.invited", {{"run", r.id}, {"flow", f->id}});
  return true;
}

std::string runner::apply_series_due(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const {
  const auto p = actions::series_due::parse(j.payload);
  if (!p) return "payload is not {series, at}";
  const auto s = tx.find_series(p->series);
  if (!s || !s->active) return {};  // ended: nothing more goes
  const auto who = tx.find_contact(s->contact_id);
  if (!who) {
    tx.end_series(s->id);
    return {};
  }
  if (tx.stopped(who->id, s->programme)) {
    // R-S5: a stop of the programme (or of everything) skips what falls due while it holds, and
    // a 12 takes it back: the series goes on from its next occurrence (a stop by mistake must
    // not end a patient's medicine reminders for good). Nothing is sent, so nothing is missed.
    core::log::info("series.skipped", {{"series", s->id}, {"occurrence", p->step + 1}, {"reason", "stopped"}});
    return schedule_next(tx, *s, p->at, s->every_days != 0 ? 0 : p->step);
  }
  if (s->every_days != 0) return apply_refill(tx, c, j, *s, *who, *p, done);
  if (p->at < s->paused_until) return schedule_next(tx, *s, p->at, p->step);  // paused: skipped, not missed
  // R-S8: an occurrence that falls in the person's quiet hours, or on a quiet day of its
  // programme, waits for them here, so the wait for its answer starts when it is sent. One of a
  // repeating series that would wait half the way to the next or more is skipped (not missed):
  // never two close together.
  if (const core::unix_ms opens = sending_time(tx.now(), *who, s->programme, s->time_zone); opens > tx.now()) {
    const auto next = s->anchor_day ? std::optional<core::unix_ms>() : actions::next_repeat(*s, p->at);
    if (next && opens - p->at >= (*next - p->at) / 2) {
      core::log::info("series.skipped", {{"series", s->id}, {"occurrence", p->step + 1}, {"reason", "sending_hours"}});
      return schedule_next(tx, *s, p->at, p->step);
    }
    tx.add_job(actions::series_due::kind, opens, actions::series_due{s->id, p->at, p->step}.json());
    return {};
  }
  const bool routine = store::routine_series(s->worker_id, s->flow_id);
  if (routine) {
    // R-S9: the person had their routine message of the programme today (an education
    // broadcast), or three this week: this lesson waits a day, the same lesson.
    const auto sent = tx.routine_sent(who->id, s->programme);
    if (store::at_routine_cap(sent.today, sent.this_week)) {
      const auto later = schedule::next_daily(p->at, {s->at_minute / 60, s->at_minute % 60}, s->time_zone);
      if (!later) return "time zone '" + s->time_zone + "' is unknown";
      tx.add_job(actions::series_due::kind, *later, actions::series_due{s->id, *later, p->step}.json());
      core::log::info("series.capped", {{"series", s->id}, {"occurrence", p->step + 1}});
      return {};
    }
  }
  if (actions::says_template(*s, p->step)) {
    // Between the visits: its text alone. Gone from the templates, it is skipped (logged):
    // the visits after it still come.
    if (auto why = queue_series_text(tx, c, *s, *who); !why.empty()) {
      core::log::warn("series.text_skipped", {{"series", s->id}, {"occurrence", p->step + 1}, {"error", why}});
    }
  } else if (!s->flow_id.empty()) {
    // A question the person acknowledges (a health worker enrolled them), or a lesson: the
    // flow at its node.
    const flow::definition* f = c.flows.by_id(s->flow_id);
    if (!f) return "flow '" + s->flow_id + "' is gone";
    if (waits_turn(tx, c, *f, s->node, *who, false, j)) return {};
    if (auto why = start_by_sms(tx, c, *who, *f, s->node,
                                {{"series", std::to_string(s->id)}, {"occurrence", std::to_string(p->step + 1)}},
                                s->channel_id, timing::in_hours, s->id, routine);
        !why.empty()) {
      return why;
    }
  } else if (auto why = queue_series_text(tx, c, *s, *who); !why.empty()) {
    return why;
  }
  ++done.reminders;
  return schedule_next(tx, *s, p->at, p->step);
}

std::string runner::apply_refill(store::tx& tx, const content& c, const store::job& j, const store::series& s,
                                 const store::contact& who, const actions::series_due& p, tick_outcome& done) const {
  const auto times = actions::refill_times_after(s, p.at);
  if (!times) return "time zone '" + s.time_zone + "' is unknown";
  const auto then = [&](core::unix_ms at, int phase, int questions) {
    tx.add_job(actions::series_due::kind, at, actions::series_due{s.id, p.at, phase, questions}.json());
    return std::string{};
  };
  const auto next_cycle = [&] { return schedule_next(tx, s, p.at, 0); };
  // The flow at its refill node, with {phase}. A flow edited without it loses this step (logged),
  // never the cycles after it.
  const auto start = [&](const char* phase) {
    const flow::definition* f = c.flows.by_id(s.flow_id);
    const std::string why = f ? start_by_sms(tx, c, who, *f, s.node, {{"series", std::to_string(s.id)}, {"phase", phase}},
                                             s.channel_id, timing::in_hours, s.id)
                              : "flow '" + s.flow_id + "' is gone";
    if (!why.empty()) core::log::warn("series.step_skipped", {{"series", s.id}, {"phase", phase}, {"error", why}});
    return why.empty();
  };
  // Answered since it was asked, or paused (a stay in hospital) past the refill day: nothing
  // more of this refill. Paused only over the day before: asked on the day.
  if (p.step != actions::refill_ask && s.answered_at >= p.at) return next_cycle();
  if (std::max(p.at, tx.now()) < s.paused_until) {
    if (p.step == actions::refill_ask && s.paused_until <= times->again) return then(times->again, actions::refill_again, 0);
    return next_cycle();
  }
  if (p.step == actions::refill_check) {
    // The refill day's evening. The health worker hears only of someone asked who answered
    // nothing since, this or any reminder of theirs (a "1" can go to another question that
    // took over the phone). Nothing goes to the patient, so their sending hours do not hold it.
    const auto running = tx.active_series(s.contact_id, s.programme);
    const bool answered_other = std::any_of(running.begin(), running.end(), [&](const store::series& o) {
      return o.answered_at >= p.at;
    });
    if (p.questions == 0 || answered_other) {
      core::log::info("series.not_escalated",
                      {{"series", s.id}, {"questions", p.questions}, {"answered_other", answered_other}});
    } else {
      start("check");
    }
    return next_cycle();
  }
  // R-S8: within the person's sending hours. "Tomorrow" going on the refill day (held, or a job
  // run late) would be wrong: it is asked on the day instead; "today" after the day's evening,
  // not at all.
  const core::unix_ms sends = std::max(tx.now(), sending_time(tx.now(), who, s.programme, s.time_zone));
  const bool asking = p.step == actions::refill_ask;
  const core::unix_ms after = asking ? times->again : times->check;
  const int following = asking ? actions::refill_again : actions::refill_check;
  if (sends >= (asking ? times->day_starts : times->check)) {
    core::log::info("series.skipped", {{"series", s.id}, {"phase", p.step}, {"reason", "sending_hours"}});
    return then(after, following, p.questions);
  }
  if (sends > tx.now()) return then(sends, p.step, p.questions);
  if (const flow::definition* f = c.flows.by_id(s.flow_id); f && waits_turn(tx, c, *f, s.node, who, false, j)) return {};
  const bool sent = start(asking ? "ask" : "again");
  if (sent) ++done.reminders;
  return then(after, following, p.questions + (sent ? 1 : 0));
}

std::string runner::queue_series_text(store::tx& tx, const content& c, const store::series& s,
                                      const store::contact& who) const {
  const std::string body = say(c, s.template_key, who);
  if (body.empty()) return "no text '" + s.template_key + "' in any language";
  store::new_message m{s.channel_id, who.id, 0, who.phone, body, core::priority::reminder};
  m.programme = s.programme;
  m.series_id = s.id;  // in sending hours: apply_series_due waited for them
  tx.queue_message(m);
  return {};
}

std::string runner::schedule_next(store::tx& tx, const store::series& s, core::unix_ms due_at, int day_index) const {
  const schedule::local_time at{s.at_minute / 60, s.at_minute % 60};
  if (s.anchor_day) {
    // The next of its days, or the end of the series after the last.
    const auto following = static_cast<std::size_t>(day_index) + 1;
    if (following >= s.offsets.size()) {
      tx.end_series(s.id);
      return {};
    }
    const auto next = schedule::at_local(*s.anchor_day + s.offsets[following], at, s.time_zone);
    if (!next) return "time zone '" + s.time_zone + "' is unknown";
    tx.add_job(actions::series_due::kind, *next,
               actions::series_due{s.id, *next, static_cast<int>(following)}.json());
    return {};
  }
  // The next day (or week) at the same time on the person's clock (daylight saving included).
  const auto next = actions::next_repeat(s, due_at);
  if (!next) return "time zone '" + s.time_zone + "' is unknown";
  tx.add_job(actions::series_due::kind, *next, actions::series_due{s.id, *next}.json());
  return {};
}

std::string runner::start_by_sms(store::tx& tx, const content& c, store::contact who, const flow::definition& f,
                                 const std::string& node, const std::map<std::string, std::string>& vars,
                                 const std::string& channel_id, timing when, std::int64_t series_id,
                                 bool routine) const {
  if (!f.find(node)) return "flow '" + f.id + "' has no node '" + node + "'";
  step s;
  s.who = std::move(who);
  s.begin_sms(f, channel_id);
  s.ctx = context_for(c, flow::medium::sms, s.who, tx.now());
  s.unprompted = when == timing::in_hours;
  s.urgent = when == timing::urgent;
  s.routine = routine;
  s.series_id = series_id;
  s.out = flow::start_at(f, node, vars, s.ctx);
  tx.require_disk();
  settle(tx, c, s);
  // A new question takes over the phone: an older question's reply would be ambiguous. A
  // message that asks nothing (the morning of a visit) leaves the open question open. (It
  // takes over from the list of languages too: commit.)
  if (!s.out.finished) tx.expire_waiting_sms_runs(s.who.id);
  commit(tx, s);
  return {};
}

std::string runner::apply_flow_start(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const {
  const auto p = actions::flow_start::parse(j.payload);
  if (!p) return "payload is not {contact, channel, flow, node}";
  if (p->while_series != 0) {
    // A welcome to reminders that have ended since (R-H4: a worker ended them at once).
    if (const auto s = tx.find_series(p->while_series); !s || !s->active) {
      core::log::info("flow.start_skipped",
                      {{"series", p->while_series}, {"node", p->node}, {"why", "series ended"}});
      return {};
    }
  }
  // R-S8: a conversation nobody is waiting for starts within the person's sending hours, so
  // the wait for its answer starts when it is sent, and one started just after a held
  // reminder (the six-monthly question) still comes after it.
  if (const flow::definition* f = c.flows.by_id(p->flow); f && !p->urgent) {
    if (const auto who = tx.find_contact(p->contact)) {
      // A question about a running series (the six-monthly "still your phone?") waits out a
      // stop, a day at a time: the series goes on after a 12, and so must its question.
      if (const auto series = p->vars.find("series"); series != p->vars.end() && tx.stopped(who->id, f->programme)) {
        const auto id = text::read_id(series->second);
        if (const auto s = id ? tx.find_series(*id) : std::nullopt; s && s->active) {
          tx.add_job(j.kind, tx.now() + a_day_ms, j.payload);
          return {};
        }
      }
      if (const core::unix_ms opens = sending_time(tx.now(), *who, f->programme); opens > tx.now()) {
        tx.add_job(j.kind, opens, j.payload);
        return {};
      }
    }
  }
  return start_for(tx, c, j, p->contact, p->flow, p->node, p->channel,
                   [&](const store::contact&) { return p->vars; }, done, p->urgent ? timing::urgent : timing::in_hours);
}

std::string runner::start_for(store::tx& tx, const content& c, const store::job& j, std::int64_t contact_id,
                              const std::string& flow_id,
                              const std::string& node, const std::string& channel_id,
                              const std::function<std::map<std::string, std::string>(const store::contact&)>& vars,
                              tick_outcome& done, timing when, bool neutral_only, bool may_wait) const {
  const flow::definition* f = c.flows.by_id(flow_id);
  if (!f) return "flow '" + flow_id + "' is gone";
  auto who = tx.find_contact(contact_id);
  if (!who || tx.stopped(who->id, f->programme)) return {};
  if (may_wait && waits_turn(tx, c, *f, node, *who, when == timing::urgent, j)) return {};
  auto values = vars(*who);
  if (neutral_only) {
    who->explicit_texts = false;
    values[std::string(neutral_var)] = "1";  // for the run's later steps too (keep_neutral)
  }
  if (auto why = start_by_sms(tx, c, std::move(*who), *f, node, values, channel_id, when); !why.empty()) return why;
  ++done.reminders;
  return {};
}

// Two weeks before a subscription ends (R-M1): unless renewed since, the person is asked
// whether to keep it, and its end is set.
std::string runner::apply_subscription_ask(store::tx& tx, const content& c, const store::job& j,
                                           tick_outcome& done) const {
  const auto p = actions::subscription_end::parse(j.payload);
  if (!p) return "payload is not {contact, topic, area, channel, flow, node, ends}";
  if (tx.subscription_end(p->contact, p->topic, p->area) != p->ends) return {};  // renewed, moved or gone
  // Its end is set once, when the question goes: it waits its turn here, not in start_for.
  const flow::definition* f = c.flows.by_id(p->flow);
  // Two days at most, and a day before the end at the latest (a new SIM's question moved late).
  const core::unix_ms turn = std::clamp<core::unix_ms>(p->ends - tx.now() - a_day_ms, question_turn_ms, renewal_turn_ms);
  if (const auto who = tx.find_contact(p->contact); f && who && waits_turn(tx, c, *f, p->node, *who, false, j, turn)) {
    return {};
  }
  tx.add_job(actions::subscription_end::end_kind, p->ends, j.payload);
  return start_for(tx, c, j, p->contact, p->flow, p->node, p->channel,
                   [&](const store::contact&) {
                     return std::map<std::string, std::string>{{"area", p->area}, {"ends", std::to_string(p->ends)}};
                   },
                   done, timing::in_hours, false, false);
}

std::string runner::apply_subscription_end(store::tx& tx, const content&, const store::job& j, tick_outcome&) const {
  const auto p = actions::subscription_end::parse(j.payload);
  if (!p) return "payload is not {contact, topic, area, channel, flow, node, ends}";
  if (tx.end_subscription(p->contact, p->topic, p->area, p->ends)) {
    core::log::info("subscription.ended", {{"contact", p->contact}, {"topic", p->topic}, {"area", p->area}});
  }
  return {};
}

std::string runner::apply_booking_reminder(store::tx& tx, const content& c, const store::job& j,
                                          tick_outcome& done) const {
  const auto p = actions::booking_reminder::parse(j.payload);
  if (!p) return "payload is not {booking, flow, node}";
  const auto b = tx.find_booking(p->booking);
  // A visit cancelled, marked or already begun gets no reminder (expiry).
  if (!b || b->status != store::booking_status::booked || b->starts_at <= tx.now()) return {};
  // The confirmation answers the booking just made ("you will get an SMS now"): at once, late
  // in the evening too, unless it fell due a while ago (a node was down, it waited its turn):
  // then within sending hours, as what nobody waits for.
  constexpr core::unix_ms still_waited_for_ms = 15 * 60'000;
  const core::unix_ms fell_due = j.turn_since > 0 ? j.turn_since : j.due_at;
  const timing when = p->reply && tx.now() - fell_due <= still_waited_for_ms ? timing::now : timing::in_hours;
  if (p->replaced != 0) {
    // The question about the visit this one replaced (changed for it) does not hold it.
    if (!tx.lock_contact(b->contact_id)) return {};
    let_go_visit_question(tx, b->contact_id, p->flow, p->replaced);
  }
  // Behind another question (two visits booked one after the other) it waits its turn, but
  // never past two hours before the visit: booked late in the evening for the next morning, it
  // would wait for the morning (its code late, or never, the visit begun). It takes over then.
  if (const auto who = tx.find_contact(b->contact_id)) {
    const flow::definition* f = c.flows.by_id(p->flow);
    if (f && waits_turn(tx, c, *f, p->node, *who, false, j, question_turn_ms, b->starts_at - visit_notice_ms)) return {};
  }
  return start_for(tx, c, j, b->contact_id, p->flow, p->node, b->channel_id, booking_values(c, *b, tx.now(), p->flow), done, when,
                   neutral_visit(c, *b), false);
}

// Its texts never name the care (keep_neutral): a counselling visit (R-H8), or one booked for
// someone else, whose phone this is not (R-B4).
bool runner::neutral_visit(const content& c, const store::booking& b) {
  return c.clinics.neutral_only(b.service) || b.for_whom != "self";
}

std::vector<store::booking> runner::standing_visits(store::tx& tx, const content& c, const store::contact& who,
                                                   std::string_view programme) {
  const auto books = [&](const std::shared_ptr<const flow::definition>& f) {
    return (programme.empty() || f->programme == programme) && std::any_of(f->nodes.begin(), f->nodes.end(), [](const auto& n) {
             return n.second.kind == flow::node_kind::action && n.second.action == actions::book_action;
           });
  };
  if (std::none_of(c.flows.all().begin(), c.flows.all().end(), books)) return {};
  return tx.upcoming_bookings(who.id);  // booked ones only
}

std::function<std::map<std::string, std::string>(const store::contact&)> runner::booking_values(
    const content& c, const store::booking& b, core::unix_ms now, std::string flow_id) const {
  return [this, &c, b, now, flow_id = std::move(flow_id)](const store::contact& who) {
    const std::string lang = languages_for(who.language, who.fields).front();
    auto v = actions::booking_vars(b, &c.clinics, lang, months_of(who.fields, lang, time_zone(who.phone)));
    // {visit_is}: "tomorrow" when a message the person may get now reaches them the day
    // before the visit (their programme's hours may hold it), else "later" (or "today"); by
    // their calendar, as they read it.
    const flow::definition* f = c.flows.by_id(flow_id);
    const core::unix_ms reaches = sending_time(now, who, f ? std::string_view(f->programme) : std::string_view());
    const auto day = schedule::local_day(reaches, time_zone(who.phone));
    v["visit_is"] = !day ? "later" : *day + 1 == b.day ? "tomorrow" : *day == b.day ? "today" : "later";
    // {visit_status}: booked, missed, or cancelled (by the clinic, when it starts the flow).
    v["visit_status"] = std::string(store::to_string(b.status));
    return v;
  };
}

std::string runner::apply_booking_missed(store::tx& tx, const content& c, const store::job& j,
                                        tick_outcome& done) const {
  const auto p = actions::booking_reminder::parse(j.payload);
  if (!p) return "payload is not {booking, flow, node}";
  const auto b = tx.find_booking(p->booking);
  if (!b) return {};
  if (b->status == store::booking_status::booked) {
    // 18:00 and nobody marked it: missed (R-B6); the person hears of it the next morning.
    tx.set_booking_status(b->id, store::booking_status::missed);
    actions::visit_missed(tx, b->id);
    const schedule::clinic* clinic = c.clinics.find(b->clinic);
    const auto morning = schedule::at_local(b->day + 1, {10, 0}, clinic ? clinic->time_zone : settings_.timezone);
    if (!morning) return "time zone of clinic '" + b->clinic + "' is unknown";
    tx.add_job(actions::booking_reminder::missed_kind, *morning, j.payload);
    return {};
  }
  // Marked attended (or cancelled) since: nothing to say.
  if (b->status != store::booking_status::missed) return {};
  return start_for(tx, c, j, b->contact_id, p->flow, p->node, b->channel_id, booking_values(c, *b, tx.now(), p->flow), done,
                   timing::in_hours, neutral_visit(c, *b));
}

void runner::let_go_visit_question(store::tx& tx, std::int64_t contact_id, const std::string& flow_id,
                                   std::int64_t booking) const {
  auto open = tx.find_waiting_sms_run(contact_id);
  if (!open || open->flow_id != flow_id) return;
  const flow::state st = state_from_json(open->state);
  const auto it = st.vars.find("booking");
  if (it == st.vars.end() || it->second != std::to_string(booking)) return;
  end_run(*open, store::run_status::expired);
  tx.save_run(*open);
  tx.wake_turn_jobs(contact_id);
}

// R-B5: the clinic cancelled the visit. A question about it still open on the phone (its
// reminder's "1 I will come") is let go (let_go_visit_question).
std::string runner::apply_booking_cancelled(store::tx& tx, const content& c, const store::job& j,
                                           tick_outcome& done) const {
  const auto p = actions::booking_reminder::parse(j.payload);
  if (!p) return "payload is not {booking, flow, node}";
  const auto b = tx.find_booking(p->booking);
  if (!b || b->status != store::booking_status::cancelled || !tx.lock_contact(b->contact_id)) return {};
  let_go_visit_question(tx, b->contact_id, p->flow, b->id);
  // The news must reach the person two hours before the visit at least. Too late in their
  // sending hours, it goes in the morning's hours even on a quiet day (a Friday), or, if that
  // too is too late, at once at any hour: better than a walk to a closed clinic. A visit within
  // a day does not wait its turn behind another question (it takes over).
  const flow::definition* f = c.flows.by_id(p->flow);
  if (!f) {
    // Nothing can tell the person: the operators' inbox asks someone to, and the job is kept
    // (parked) with the reason.
    ask_operators(tx, c, *b, "Please tell them: the clinic cancelled visit ",
                  "; no SMS went (the flow " + p->flow + " is gone)");
    return "flow '" + p->flow + "' is gone";
  }
  const auto who = tx.find_contact(b->contact_id);
  if (!who) return {};  // erased with the person
  const core::unix_ms hours = sending_time(tx.now(), *who, f->programme, {}, false);
  timing when = timing::in_hours;
  if (sending_time(tx.now(), *who, f->programme) + visit_notice_ms > b->starts_at) {
    if (hours > tx.now() && hours + visit_notice_ms <= b->starts_at) {
      tx.add_job(j.kind, hours, j.payload);
      return {};
    }
    when = timing::urgent;
  }
  return start_for(tx, c, j, b->contact_id, p->flow, p->node, b->channel_id, booking_values(c, *b, tx.now(), p->flow), done,
                   when, neutral_visit(c, *b), hours + a_day_ms <= b->starts_at);
}

// R-H3: no visit of the service booked again since the person could not come, missed it or had
// it cancelled by the clinic: a call from the clinic's health worker, or, at a clinic without
// one, the operators' inbox.
std::string runner::apply_booking_watch(store::tx& tx, const content& c, const store::job& j, tick_outcome&) const {
  const auto p = actions::booking_watch::parse(j.payload);
  if (!p) return "payload is not {booking, reason, flow}";
  const auto b = tx.find_booking(p->booking);
  if (!b) return {};  // erased with the person
  // Who stopped the programme (or everything) since is not called about it.
  const flow::definition* f = c.flows.by_id(p->flow);
  if (tx.stopped(b->contact_id, f ? f->programme : std::string())) return {};
  // Booked again: a visit of the service still ahead, or one booked since, even one begun or
  // marked since (a second miss has its own message and escalation, R-B7).
  for (const auto& up : tx.upcoming_bookings(b->contact_id)) {
    if (up.service == b->service && up.for_whom == b->for_whom) return {};
  }
  if (tx.booked_again(b->contact_id, b->service, b->for_whom, b->id)) return {};
  const int misses = p->reason == "missed_visit" ? 1 : 0;
  const auto priority = actions::visit_call_priority(tx, *b, store::call_priority::normal);
  if (actions::put_on_call_list(tx, b->contact_id, b->clinic, p->reason, misses, priority)) return {};
  const std::string why = p->reason == "missed_visit"       ? "missed visit "
                          : p->reason == "clinic_cancelled" ? "the clinic cancelled visit "
                                                            : "could not come to visit ";
  ask_operators(tx, c, *b, "Please call: " + why, "; no new day chosen");
  return {};
}

// R-D6: the person asked to be forgotten (privacy.erase); the audit log says they did.
std::string runner::apply_erase(store::tx& tx, const content&, const store::job& j, tick_outcome&) const {
  const auto p = actions::erase_request::parse(j.payload);
  if (!p) return "payload is not {contact}";
  if (tx.erase_contact(p->contact)) {
    tx.audit("person", "contacts.erase", "contact:" + std::to_string(p->contact), "{}");
    core::log::info("contact.erased", {{"contact", p->contact}, {"by", "person"}});
  }
  return {};
}

namespace {

void send_broadcast(store::tx& tx, std::int64_t id) {
  tx.add_job(broadcast_job::kind, tx.now(), broadcast_job{id}.json());
}

}  // namespace

std::int64_t start_broadcast(store::tx& tx, const store::broadcast& b) {
  const std::int64_t id = tx.add_broadcast(b);
  if (!b.awaiting_approval()) {
    send_broadcast(tx, id);
  } else {
    tx.add_job(broadcast_job::approval_kind, tx.now(), broadcast_job{id}.json());
  }
  return id;
}

bool quiet_days_hold(const store::broadcast& b) { return b.prio == core::priority::bulk; }

std::optional<broadcast_refusal> plan_broadcast(store::broadcast& b, const broadcast_request& r, const settings& s) {
  const bool alert = r.priority == "alert";
  if (alert) {
    // P1: first in the outbox and at any hour (R-S8 exempts urgent safety alerts), once a
    // second person approves it.
    b.prio = core::priority::alert;
    b.not_before = r.at;
  } else if (r.priority == "area" || r.priority == "education") {
    // P2 area alerts and P3 education wait for the morning when it is night where the
    // deployment is; one person's approval is enough.
    b.prio = r.priority == "area" ? core::priority::reminder : core::priority::bulk;
    auto hours = sending_hours_of(s, b.topic);
    if (!quiet_days_hold(b)) hours.quiet_days = 0;
    b.not_before = schedule::next_sending_time(r.at, s.timezone, hours);
    b.approved_by = r.by;
  } else {
    return broadcast_refusal{"priority", "priority is alert, area or education"};
  }
  b.requested_by = r.by;
  const core::unix_ms start = std::max(r.at, b.not_before);
  b.expires_at = r.expires_at > 0 ? r.expires_at
                 : r.valid_for > 0 ? start + r.valid_for
                 : alert           ? start + alert_validity_ms
                                   : 0;
  if (b.expires_at != 0 && b.expires_at <= start) {
    return broadcast_refusal{"expires_at", "it must expire after it may go"};
  }
  if (alert && b.expires_at > start + alert_validity_most_ms) {
    return broadcast_refusal{"expires_at", "an urgent alert expires within 72 hours of when it may go"};
  }
  return std::nullopt;
}

std::optional<broadcast_refusal> check_district(const store::broadcast& b, const text::district_table& known) {
  if (b.district.empty()) return std::nullopt;
  if (b.area.empty()) return broadcast_refusal{"district", "a district is in an area: give the area too"};
  const auto districts = known.districts(b.area);
  if (districts.empty()) {
    return broadcast_refusal{"district", "the districts file (config districts:) lists no district of " + b.area};
  }
  if (known.knows(b.area, b.district)) return std::nullopt;
  std::string names;
  for (const auto& d : districts) names += (names.empty() ? "" : ", ") + d;
  return broadcast_refusal{"district", "'" + b.district + "' is not a district of " + b.area +
                                           " in the districts file; it knows " + names};
}

subscription_names::subscription_names(const flow::flow_set& flows) {
  for (const auto& f : flows.all()) {
    for (const auto& [id, n] : f->nodes) {
      if (n.kind != flow::node_kind::action || n.action != "subscriptions.add") continue;
      const auto given = n.args.find("topic");
      if (given == n.args.end()) continue;
      if (given->second.find('{') != std::string::npos) {
        any_topic_ = true;
        continue;
      }
      auto& [areas, routes] = topics_[given->second];
      for (auto [arg, into] : {std::pair{"area", &areas}, std::pair{"route", &routes}}) {
        const auto a = n.args.find(arg);
        if (a == n.args.end() || a->second.empty()) continue;
        const std::string& v = a->second;
        if (v.front() != '{' || v.back() != '}') {
          into->values.insert(v);
          continue;
        }
        const std::string var = v.substr(1, v.size() - 2);
        bool from_menu = false;
        for (const auto& [qid, q] : f->nodes) {
          if (q.kind != flow::node_kind::ask || q.save != var) continue;
          if (q.ask != flow::ask_kind::menu || !q.options_from.empty()) into->open = true;
          // An option without a value saves its number.
          for (std::size_t i = 0; i < q.options.size(); ++i) {
            into->values.insert(q.options[i].value.empty() ? std::to_string(i + 1)
                                                           : q.options[i].value);
          }
          from_menu = true;
        }
        if (!from_menu) into->open = true;
      }
    }
  }
}

std::optional<broadcast_refusal> subscription_names::check(std::string_view topic,
                                                           std::string_view area,
                                                           std::string_view route) const {
  if (any_topic_) return std::nullopt;
  const auto listed = [](const auto& values) {
    std::string out;
    for (const auto& v : values) out += (out.empty() ? "" : ", ") + std::string(v);
    return out;
  };
  const auto t = topics_.find(topic);
  if (t == topics_.end()) {
    std::vector<std::string> known;
    for (const auto& [name, _] : topics_) known.push_back(name);
    return broadcast_refusal{"topic", "no flow subscribes people to '" + std::string(topic) + "'" +
                                          core::did_you_mean(topic, known) + "; the flows give " +
                                          (known.empty() ? "none" : listed(known))};
  }
  for (auto [field, given, known] : {std::tuple{"area", area, &t->second.first},
                                     std::tuple{"route", route, &t->second.second}}) {
    if (given.empty() || known->open || known->values.count(std::string(given)) != 0) continue;
    const std::vector<std::string> values(known->values.begin(), known->values.end());
    return broadcast_refusal{field, "'" + std::string(given) + "' is not " +
                                        (std::string_view(field) == "area" ? "an " : "a ") + field +
                                        " of " + std::string(topic) +
                                        core::did_you_mean(given, values) + "; its flows give " +
                                        listed(values)};
  }
  return std::nullopt;
}

std::optional<broadcast_refusal> check_broadcast_text(std::string_view key, const text::catalog& texts,
                                                      const settings& s) {
  const auto own = gateway_values(s);
  for (const auto& lang : texts.languages()) {
    for (const std::string& variant : {std::string(key), std::string(key) + std::string(text::explicit_suffix)}) {
      const text::entry* e = texts.find(lang, variant);
      if (!e) continue;
      for (const auto& name : text::placeholders(e->text)) {
        if (own.count(name) != 0) continue;
        return broadcast_refusal{"text", "text '" + std::string(key) + "' says {" + name + "} (" + e->where +
                                             "), which a broadcast has nothing to fill with: it says the same to "
                                             "everyone. Choose a text written for broadcasts"};
      }
    }
  }
  return std::nullopt;
}

std::vector<store::written_district> read_otherwise(store::tx& tx, const text::district_table& known) {
  std::vector<store::written_district> out;
  for (auto& w : tx.written_districts()) {
    if (std::string now = known.district_of(w.area, w.written); now != w.district) {
      w.district = std::move(now);
      out.push_back(std::move(w));
    }
  }
  return out;
}

std::size_t take_districts(store::tx& tx, const text::district_table& known) {
  std::size_t changed = 0;
  for (const auto& w : read_otherwise(tx, known)) changed += tx.take_district(w.area, w.written, w.district);
  return changed;
}

std::string_view broadcast_priority_name(core::priority p) {
  return p == core::priority::alert ? "alert" : p == core::priority::reminder ? "area" : "education";
}

bool approve_broadcast(store::tx& tx, std::int64_t id, std::string_view by) {
  if (!tx.approve_broadcast(id, by)) return false;
  send_broadcast(tx, id);
  return true;
}

std::optional<std::size_t> cancel_broadcast(store::tx& tx, const store::broadcast& b, std::string_view by,
                                            std::string_view via) {
  const auto cancelled = tx.cancel_broadcast(b.id);
  if (cancelled) {
    tx.audit(std::string(by), "broadcasts.cancel", "broadcast:" + std::to_string(b.id),
             nlohmann::json{{"audience", b.audience}, {"requested_by", b.requested_by},
                            {"messages_cancelled", *cancelled}, {"via", via}}
                 .dump());
  }
  return cancelled;
}

std::string runner::apply_broadcast_batch(store::tx& tx, const content& c, const store::job& j,
                                          tick_outcome& done) const {
  const auto p = broadcast_job::parse(j.payload);
  if (!p) return "payload is not {broadcast}";
  const auto b = tx.find_broadcast(p->broadcast);
  if (!b) return "broadcast " + std::to_string(p->broadcast) + " is gone";
  if (b->done || b->awaiting_approval()) return {};
  if (b->expires_at > 0 && tx.now() >= b->expires_at) {
    // Its batches fell behind its expiry: nobody more is queued (what was queued and is still
    // waiting then, the outbox's sweep expires: claim_due never takes it).
    const std::size_t expired = tx.expire_broadcast(b->id);
    core::log::info("broadcast.expired", {{"broadcast", b->id}, {"messages", static_cast<std::int64_t>(expired)}});
    return {};
  }
  // The text in every language that has it, each person's own; the default language's for
  // the rest. Rendered once per batch (and per country, below), not once per person. `phone`:
  // a number of the country it is said in ("" for any), whose {emergency} and clock it takes.
  struct texts {
    std::map<std::string, std::string> bodies;
    std::string fallback;
    bool operator==(const texts&) const = default;
  };
  const auto render = [&](const std::string& phone) {
    texts out;
    store::contact speaker;
    speaker.phone = phone;
    for (const auto& lang : c.texts.languages()) {
      speaker.language = lang;
      if (c.texts.find(lang, b->template_key)) out.bodies[lang] = say(c, b->template_key, speaker);
    }
    speaker.language.clear();
    out.fallback = say(c, b->template_key, speaker);
    return out;
  };
  const texts everyone = render("");
  if (everyone.fallback.empty()) {
    // Asked for by the command line from the files on disk, before the server reloaded them:
    // it waits for the reload, said in the log a minute apart, for a day; then it is parked
    // (the log and `paygham broadcast status` say so) until someone cancels it.
    if (tx.now() > b->not_before + a_day_ms) {
      return "no text '" + b->template_key + "' in any language for a day";
    }
    core::log::warn("broadcast.no_text", {{"broadcast", b->id}, {"text", b->template_key}});
    tx.add_job(j.kind, tx.now() + 60'000, j.payload);
    return {};
  }
  const auto batch = tx.queue_broadcast_batch(b->id, everyone.bodies, everyone.fallback, broadcast_batch_size);
  done.broadcast += batch.messages;
  // R-H6: a text that names {emergency} names each country's own to its numbers.
  for (const auto& entry : regional_values_) {
    const std::string prefix = phone::calling_code(entry.first);  // config refuses a region without one
    if (batch.messages == 0 || prefix.empty()) continue;
    if (const texts own = render(prefix); own != everyone) {
      tx.rebody_broadcast(b->id, batch.from_contact, batch.to_contact, prefix, own.bodies, own.fallback);
    }
  }
  // Sending hours (R-S8) are those where each person is: the broadcast may go from the
  // deployment's morning, but a number of a country whose clock differs waits for its own
  // (+98: Tehran is an hour behind Kabul), and an education broadcast for its own holidays;
  // people with quiet hours of their own get it within those. Never before it is due to go; held past its
  // expiry, it expires unsent (counted in the log). Urgent alerts go at any hour.
  std::int64_t past_expiry = 0;
  const core::unix_ms due = std::max(tx.now(), b->not_before);
  const auto held = [&](const store::contact& who) {
    const core::unix_ms at = sending_time(due, who, b->topic, {}, quiet_days_hold(*b));
    return std::pair{at, b->expires_at > 0 && at >= b->expires_at};
  };
  if (b->prio != core::priority::alert && batch.messages > 0) {
    for (const auto& number : tx.batch_numbers(b->id, batch.from_contact, batch.to_contact)) {
      store::contact who;
      who.phone = number;
      const auto [at, too_late] = held(who);
      if (at <= due) continue;
      const std::size_t n = tx.hold_broadcast(b->id, batch.from_contact, batch.to_contact,
                                              std::string_view(number).substr(0, store::tx::number_start), at);
      past_expiry += too_late ? static_cast<std::int64_t>(n) : 0;
    }
  }
  for (const auto& own : batch.own) {
    store::contact who;
    who.phone = own.phone;
    who.quiet_hours = own.quiet_hours;
    const auto [at, too_late] = held(who);
    tx.hold_message(own.message_id, at);
    past_expiry += too_late ? 1 : 0;
  }
  if (past_expiry > 0) {
    core::log::info("broadcast.held_past_expiry", {{"broadcast", b->id}, {"messages", past_expiry}});
  }
  if (!batch.done) {
    tx.add_job(broadcast_job::kind, tx.now(), broadcast_job{b->id}.json());
    done.more = true;
  } else {
    core::log::info("broadcast.queued",
                    {{"broadcast", b->id}, {"messages", b->queued + static_cast<std::int64_t>(batch.messages)}});
  }
  return {};
}

// An urgent alert nobody may send alone (R-M3) must not wait for someone to open the console:
// every other admin and operator with a phone gets an SMS at once, at any hour, in their
// language, naming the broadcast and how many it would reach (no text of the alert itself).
std::string runner::apply_broadcast_approval(store::tx& tx, const content& c, const store::job& j,
                                             tick_outcome& done) const {
  const auto p = broadcast_job::parse(j.payload);
  if (!p) return "payload is not {broadcast}";
  const auto b = tx.find_broadcast(p->broadcast);
  if (!b || !b->awaiting_approval() || (b->expires_at > 0 && tx.now() >= b->expires_at)) return {};
  if (settings_.staff_channel.empty()) return {};
  for (const auto& u : tx.list_users()) {
    // Those who can approve it: a console login, not the one who asked.
    if (!store::sends_broadcasts(u.role) || u.disabled || u.phone.empty() || u.password_hash.empty() ||
        "user:" + std::to_string(u.id) == b->requested_by) {
      continue;
    }
    const auto who = tx.upsert_contact(u.phone);
    const std::string body = say(c, flow::keys::alert_awaits, who,
                                 {{"broadcast", std::to_string(b->id)}, {"audience", std::to_string(b->audience)}});
    if (body.empty()) return "no text '" + std::string(flow::keys::alert_awaits) + "' in any language";
    store::new_message m{settings_.staff_channel, who.id, 0, who.phone, body, core::priority::alert};
    tx.queue_message(m);
    ++done.reminders;
  }
  return {};
}

tick_outcome runner::tick(store::tx& tx, bool jobs_only) const {
  using handler = std::string (runner::*)(store::tx&, const content&, const store::job&, tick_outcome&) const;
  static const std::map<std::string_view, handler> handlers = {
      {timeout_job::kind, &runner::apply_timeout},
      {timeout_job::let_go_kind, &runner::apply_let_go},
      {drop_job::kind, &runner::apply_drop},
      {actions::series_due::kind, &runner::apply_series_due},
      {actions::booking_reminder::kind, &runner::apply_booking_reminder},
      {actions::booking_reminder::missed_kind, &runner::apply_booking_missed},
      {actions::booking_reminder::cancelled_kind, &runner::apply_booking_cancelled},
      {actions::booking_watch::kind, &runner::apply_booking_watch},
      {actions::erase_request::kind, &runner::apply_erase},
      {actions::flow_start::kind, &runner::apply_flow_start},
      {broadcast_job::kind, &runner::apply_broadcast_batch},
      {broadcast_job::approval_kind, &runner::apply_broadcast_approval},
      {urgent_job::kind, &runner::apply_urgent_unanswered},
      {actions::high_call::kind, &runner::apply_high_call},
      {actions::high_call::overdue_kind, &runner::apply_overdue_call},
      {actions::handed_calls::kind, &runner::apply_handed_calls},
      {actions::notice_job::kind, &runner::apply_notice},
      {actions::subscription_end::ask_kind, &runner::apply_subscription_ask},
      {actions::subscription_end::end_kind, &runner::apply_subscription_end},
  };
  const auto c = current();
  tick_outcome done;
  const auto due = tx.take_due_jobs(tick_batch);
  // A full batch: more may be due (a million reminders at 08:00); the caller ticks again at once.
  if (due.size() == tick_batch) done.more = true;
  for (const auto& j : due) {
    const auto h = handlers.find(j.kind);
    const std::string problem = h == handlers.end() ? "no handler for this kind" : (this->*(h->second))(tx, *c, j, done);
    if (problem.empty()) continue;
    // Kept for a person (or a newer build) to look at, never taken again, never lost.
    tx.park_job(j.id, problem);
    core::log::warn("job.parked", {{"job", j.id}, {"kind", j.kind}, {"problem", problem}});
  }
  if (jobs_only) return done;
  // Dropped sessions nobody came back to within the window: their answers are let go, unless
  // the question they dropped at says where silence leads.
  for (auto& r : tx.stale_ussd_runs(tx.now() - settings_.resume_window_ms, tick_batch)) {
    // Another node may be taking the person's redial this moment: theirs, once locked, if the
    // run moved since it was read.
    if (!tx.lock_contact(r.contact_id)) continue;
    if (const auto now = tx.find_run(r.id); !now || now->updated_at != r.updated_at || now->status != r.status) continue;
    if (time_out_left(tx, *c, r, false)) {
      ++done.timeouts;
      continue;
    }
    if (invite_to_finish(tx, *c, r)) ++done.invited;
    end_run(r, store::run_status::expired);
    tx.save_run(r);
    ++done.expired;
  }
  return done;
}

}  // namespace paygham::runner
