// The clock: due jobs by kind (a registry of typed payloads), dropped sessions let go.
#include "gateway/runner/internal.hpp"

#include "gateway/core/log.hpp"
#include "gateway/store/tx.hpp"

namespace paygham::runner {

using namespace detail;

namespace {

// Work done by one tick, at most, so one tick never holds the writer long.
constexpr std::size_t tick_batch = 128;

}  // namespace

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
  s->ctx = context_for(c, flow::medium::sms, s->who, tx.now());
  s->out = flow::time_out(*s->f, std::move(st), s->ctx);
  s->unprompted = true;
  ++done.timeouts;
  tx.require_disk();
  settle(tx, *s);
  commit(tx, *s);
  return {};
}

std::string runner::apply_drop(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const {
  const auto p = drop_job::parse(j.payload);
  if (!p) return "payload is not {run, at}";
  auto s = job_step(tx, c, p->run);
  // Only if no hop came since: the session dropped with a question open.
  if (s && s->r.updated_at == p->at && continue_by_sms(tx, c, *s)) ++done.continued;
  return {};
}

tick_outcome runner::tick(store::tx& tx) const {
  using handler = std::string (runner::*)(store::tx&, const content&, const store::job&, tick_outcome&) const;
  static const std::map<std::string_view, handler> handlers = {
      {timeout_job::kind, &runner::apply_timeout},
      {drop_job::kind, &runner::apply_drop},
  };
  const auto c = current();
  tick_outcome done;
  for (const auto& j : tx.take_due_jobs(tick_batch)) {
    const auto h = handlers.find(j.kind);
    const std::string problem = h == handlers.end() ? "no handler for this kind" : (this->*(h->second))(tx, *c, j, done);
    if (problem.empty()) continue;
    // Kept for a person (or a newer build) to look at, never taken again, never lost.
    tx.park_job(j.id, problem);
    core::log::warn("job.parked", {{"job", j.id}, {"kind", j.kind}, {"problem", problem}});
  }
  // Dropped sessions nobody came back to within the window: their answers are let go.
  for (auto& r : tx.stale_ussd_runs(tx.now() - settings_.resume_window_ms, tick_batch)) {
    r.status = store::run_status::expired;
    tx.save_run(r);
    ++done.expired;
  }
  return done;
}

}  // namespace paygham::runner
