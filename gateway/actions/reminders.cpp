// Health reminders a flow starts for the person in it.
//
// reminders.daily: the person in the flow gets a text every day at a local time (a medication
// reminder, R-H). args: time ("08:30", usually an answer), template (a text key, sent in the
// person's language), programme (what a stop of it ends). Outcomes: ok, error (a time or text
// that cannot be used). With one_a_day "yes", it replaces such a reminder the person set up
// before.
//
// messages.later: a few messages the person asked for (support after a pregnancy loss, R-H7):
// the flow starts at args.node by SMS on each of args.days (days from today on the person's
// clock) at args.time, with {occurrence} its number. Nothing goes to a person who has stopped
// the flow's programme by then. Outcomes: ok, error.

#include "gateway/actions/action.hpp"
#include "gateway/actions/flow_start.hpp"
#include "gateway/actions/reminders.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::actions {

namespace {

// The series for the person in the flow from the arguments every reminder takes (time,
// template, programme); nullopt when one of them cannot be used.
std::optional<store::series> series_from(const request& r) {
  const auto minute = schedule::minute_of_day(r.arg("time"));
  store::series s;
  s.contact_id = r.contact_id;
  s.channel_id = r.channel_id;
  s.programme = r.arg("programme");
  s.template_key = r.arg("template");
  s.time_zone = r.time_zone;
  if (!minute || s.programme.empty() || s.template_key.empty()) return std::nullopt;
  s.at_minute = *minute;
  return s;
}

}  // namespace

std::optional<core::unix_ms> next_repeat(const store::series& s, core::unix_ms after) {
  const schedule::local_time at{s.at_minute / 60, s.at_minute % 60};
  if (s.every_days != 0) return schedule::next_every(after, s.from_day, s.every_days, at, s.time_zone);
  return s.weekday != 0 ? schedule::next_weekly(after, s.weekday, at, s.time_zone)
                        : schedule::next_daily(after, at, s.time_zone);
}

std::optional<refill_times> refill_times_after(const store::series& s, core::unix_ms asked) {
  const auto day = schedule::local_day(asked, s.time_zone);
  if (!day || s.every_days < 1) return std::nullopt;
  // The cycle's day before, even when the asking was set later (enrolled a minute before
  // midnight): the refill day is the one after it.
  const long long into = *day >= s.from_day ? (*day - s.from_day) % s.every_days : 0;
  const long long refill = *day - into + 1;
  const auto starts = schedule::at_local(refill, {0, 0}, s.time_zone);
  const auto again = schedule::at_local(refill, {9, 0}, s.time_zone);
  const auto check = schedule::at_local(refill, {20, 0}, s.time_zone);
  if (!starts || !again || !check) return std::nullopt;
  return refill_times{*starts, *again, *check};
}

bool says_template(const store::series& s, int step) {
  if (s.worker_id == 0 || s.flow_id.empty() || s.template_key.empty() || !s.anchor_day || step < 0 ||
      static_cast<std::size_t>(step) >= s.offsets.size()) {
    return false;
  }
  const auto* m = schedule::antenatal_schedule(true).on(s.offsets[static_cast<std::size_t>(step)]);
  return m && !m->asks;
}

first_occurrence first_due(const store::series& s, core::unix_ms now) {
  const schedule::local_time at{s.at_minute / 60, s.at_minute % 60};
  if (!s.anchor_day) {
    const auto next = next_repeat(s, now);
    return next ? first_occurrence{first_occurrence::ahead, *next, 0} : first_occurrence{};
  }
  const auto due = schedule::series(*s.anchor_day, s.offsets, at, s.time_zone);
  if (due.size() != s.offsets.size()) return {};
  // Days already past are never sent late.
  std::size_t step = 0;
  while (step < due.size() && due[step] <= now) ++step;
  if (step == due.size()) return {first_occurrence::over};
  return {first_occurrence::ahead, due[step], static_cast<int>(step)};
}

void ask_again_later(store::tx& t, const request& r, const store::series& s, const std::string& node) {
  if (node.empty()) return;
  constexpr core::unix_ms every = 182LL * 86'400'000;
  const int minute = (s.at_minute + 1) % (24 * 60);
  const auto at = schedule::next_daily(t.now() + every, {minute / 60, minute % 60}, s.time_zone);
  t.add_job(flow_start::kind, at.value_or(t.now() + every),
            flow_start{s.contact_id, r.channel_id, r.flow_id, node, {{"series", std::to_string(s.id)}}}.json());
}

std::int64_t start_series(store::tx& t, const store::series& s, const first_occurrence& first) {
  const std::int64_t id = t.add_series(s);
  t.add_job(series_due::kind, first.at, series_due{id, first.at, first.step}.json());
  return id;
}

namespace {

flow::action_result started(store::tx& t, const store::series& s) {
  const auto first = first_due(s, t.now());
  if (first.state == first_occurrence::over) return {"over", {}};
  if (first.state != first_occurrence::ahead) return {"error", {}};
  return {"ok", {{"series", std::to_string(start_series(t, s, first))}}};
}

}  // namespace

flow::action_result reminders_daily(store::tx& t, const request& r) {
  auto s = series_from(r);
  if (!s) return {"error", {}};
  // `one_a_day`: chosen again (a dial repeated after a lost screen, another time), it replaces
  // the one the person set up before rather than adding a second (a flow that sets two doses a
  // day, one text, does without).
  if (r.arg("one_a_day") == "yes") {
    for (const auto& before : t.active_series(r.contact_id, s->programme)) {
      if (before.worker_id == 0 && before.template_key == s->template_key && !before.anchor_day &&
          before.weekday == 0 && before.every_days == 0) {
        t.end_series(before.id);
        t.cancel_series_queued(before.id, "replaced by the reminder set up again");
      }
    }
  }
  auto out = started(t, *s);
  if (out.outcome == "ok") {
    s->id = std::stoll(out.vars.at("series"));
    ask_again_later(t, r, *s, r.arg("ask_again"));
  }
  return out;
}

// reminders.antenatal: the WHO antenatal contacts (weeks 12, 20, 26, 30, 34, 36, 38, 40 after
// the last menstrual period), each at a local time; only the ones still ahead. args: lmp
// ("2026-06-01", a date question's answer), time, template, programme. Outcomes: ok, over (every
// contact day is past), error.
flow::action_result reminders_antenatal(store::tx& t, const request& r) {
  auto s = series_from(r);
  const auto lmp = text::read_date(r.arg("lmp"));
  if (!s || !lmp) return {"error", {}};
  s->anchor_day = text::day_number(*lmp);
  s->offsets = schedule::antenatal_schedule(false).days();
  return started(t, *s);
}

flow::action_result messages_later(store::tx& t, const request& r) {
  const std::string node = r.arg("node");
  const auto days = read_days(r.arg("days"));
  const auto minute = schedule::minute_of_day(r.arg("time"));
  const auto today = schedule::local_day(t.now(), r.time_zone);
  if (node.empty() || !days || !minute || !today) return {"error", {}};
  const auto due = schedule::series(*today, *days, {*minute / 60, *minute % 60}, r.time_zone);
  if (due.size() != days->size()) return {"error", {}};
  for (std::size_t i = 0; i < due.size(); ++i) {
    t.add_job(flow_start::kind, due[i],
              flow_start{r.contact_id, r.channel_id, r.flow_id, node, {{"occurrence", std::to_string(i + 1)}}}.json());
  }
  return {"ok", {}};
}

}  // namespace paygham::actions
