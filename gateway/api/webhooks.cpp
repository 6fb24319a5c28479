#include <atomic>
#include <map>
#include <memory>

#include "gateway/api/api.hpp"
#include "gateway/channels/channel.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/http/router.hpp"
#include "gateway/jobs/outbox.hpp"
#include "gateway/runner/runner.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/store/writer.hpp"
#include "gateway/text/screen.hpp"

namespace paygham::api {
namespace {

const channels::channel* find_channel(const services& s, std::string_view id) {
  for (const auto& ch : s.channels) {
    if (ch->id() == id) return ch.get();
  }
  return nullptr;
}

constexpr std::string_view rejected = "paygham_callbacks_rejected_total";
constexpr std::string_view rejected_help = "Aggregator callbacks refused, by channel and reason.";
constexpr std::string_view inbound = "paygham_inbound_sms_total";
constexpr std::string_view inbound_help = "Inbound SMS stored, by channel (duplicates apart).";

constexpr std::string_view hops = "paygham_ussd_hops_total";
constexpr std::string_view hops_help = "USSD hops answered, by channel and screen (con: the session goes on; end: it ended).";

void reject(services& s, const std::string& channel, const char* reason) {
  s.metrics.count(rejected, rejected_help, {{"channel", channel}, {"reason", reason}});
}

// A screen over the route's limit is cut or refused by the network: say so loudly, with the
// numbers an operator needs to shorten the text (R-U1). The screen is still sent.
void check_screen_length(services& s, const channels::channel& ch, const std::string& screen) {
  const auto c = text::check_screen(screen, text::route_of(s.ussd_routes, ch.id()).screen);
  if (c.result == text::screen_check::fits) return;
  const bool over = c.result == text::screen_check::too_long;
  const bool boxes = c.result == text::screen_check::needs_ucs2;  // R-U4: never silently
  s.metrics.count("paygham_ussd_screens_long_total",
                  "USSD screens over their route's limit (too_long), of warning length, or in UCS-2 on a route "
                  "without it (needs_ucs2).",
                  {{"channel", ch.id()}, {"verdict", boxes ? "needs_ucs2" : over ? "too_long" : "warning"}});
  (over || boxes ? core::log::error : core::log::warn)(
      boxes ? "ussd.screen_needs_ucs2" : over ? "ussd.screen_too_long" : "ussd.screen_long",
      {{"channel", ch.id()},
       {"encoding", text::to_string(c.enc)},
       {"units", c.units},
       {"limit", c.limit}});
}

void handle_ussd(services& s, const channels::channel& ch, core::ussd_request u,
                 http::reply_fn reply_once) {
  auto out = std::make_shared<core::ussd_reply>();
  // Whichever comes first answers: the step, or the hop deadline (R-U5). A late step still
  // commits; the person finds the run on redial (resume) or by SMS (continue_by_sms).
  auto hop = std::make_shared<hop_deadlines::hop>();
  hop->reply = std::move(reply_once);
  hop->ch = &ch;
  s.deadlines.watch(hop, std::chrono::milliseconds(text::route_of(s.ussd_routes, ch.id()).hop_deadline_ms));
  const auto reply = [hop](core::http_response resp) {
    if (!hop->answered.exchange(true)) hop->reply(std::move(resp));
  };
  const std::string who = u.from;  // one person's hops in order, others' side by side
  s.writer.submit(
      [&s, u = std::move(u), out](store::tx& tx) { *out = s.runner.apply_ussd(tx, u); },
      [&s, &ch, out, reply](std::exception_ptr err) {
        if (err) {
          // Aggregators end the session on a 4xx/5xx with a network error; a short END
          // screen tells the person what happened (R-U5).
          core::log::error("ussd.failed", {{"channel", ch.id()}, {"error", core::log::what(err)}});
          reply(ch.render_ussd(core::ussd_reply{true, s.runner.error_text(ch.id())}));
          return;
        }
        check_screen_length(s, ch, out->text);
        s.metrics.count(hops, hops_help, {{"channel", ch.id()}, {"screen", out->end ? "end" : "con"}});
        reply(ch.render_ussd(*out));
      },
      // A hop's session state may be answered at commit: a power cut ends the phone's USSD
      // session too. Anything the hop queues or books makes the store wait for the disk.
      // The step sets its answer anew each time it runs.
      store::durability::commit, who, store::rerun::safe);
}

// Inbound SMS, delivery reports and session ends: stored in one transaction, answered once
// durable. A 5xx makes the aggregator retry, and the retry is deduplicated.
void handle_events(services& s, const channels::channel& ch, channels::callback_kind kind,
                   channels::callback events, http::reply_fn reply) {
  struct summary {
    std::vector<runner::sms_outcome> sms;
    std::vector<store::applied_report> reports;  // one per report, in order
    bool continued = false;
  };
  auto out = std::make_shared<summary>();
  auto in = std::make_shared<channels::callback>(std::move(events));
  // Ordered by the person who wrote, or by the message a report is about.
  const std::string order = !in->sms.empty()     ? in->sms.front().from
                            : !in->reports.empty() ? "report:" + in->reports.front().external_id
                                                   : std::string();
  s.writer.submit(
      [&s, in, out](store::tx& tx) {
        *out = {};  // anew each time it runs (store::rerun)
        for (const auto& m : in->sms) out->sms.push_back(s.runner.apply_sms(tx, m));
        for (const auto& r : in->reports) out->reports.push_back(tx.apply_report(r));
        if (in->ended) out->continued = s.runner.end_session(tx, *in->ended);
      },
      [&s, &ch, kind, in, out, reply = std::move(reply)](std::exception_ptr err) {
        if (err) {
          core::log::error("callback.failed", {{"channel", ch.id()}, {"kind", channels::to_string(kind)},
                                               {"error", core::log::what(err)}});
          reply(core::text_response(503, "could not store the callback; retry later"));
          return;
        }
        bool wake = out->continued;
        for (std::size_t i = 0; i < out->sms.size(); ++i) {
          const auto& o = out->sms[i];
          core::log::info(o.duplicate ? "sms.duplicate" : "sms.received",
                          {{"channel", ch.id()},
                           {"from", core::log::phone{in->sms[i].from}},
                           {"flow", o.flow_id},
                           {"queued", o.queued}});
          s.metrics.count(inbound, inbound_help, {{"channel", ch.id()}, {"duplicate", o.duplicate ? "true" : "false"}});
          wake = wake || o.queued > 0;
        }
        std::map<std::string_view, std::uint64_t> by_outcome;
        for (std::size_t i = 0; i < out->reports.size(); ++i) {
          jobs::log_report(in->reports[i], out->reports[i]);
          ++by_outcome[store::to_string(out->reports[i].outcome)];
        }
        for (const auto& [outcome, n] : by_outcome) {
          s.metrics.count("paygham_delivery_reports_total",
                          "Delivery reports received, by channel and what became of them.",
                          {{"channel", ch.id()}, {"outcome", outcome}}, n);
        }
        if (wake) s.outbox.wake();
        reply(ch.ack(kind));
      },
      store::durability::disk, order, store::rerun::safe);
}

}  // namespace

void add_webhook_routes(http::router& r, services& s) {
  // Every series a channel can have, at zero from the start: a dashboard's rate() then sees
  // the first refusal or message, not only the second.
  for (const auto& ch : s.channels) {
    for (const char* reason : {"auth", "malformed", "busy"}) {
      s.metrics.count(rejected, rejected_help, {{"channel", ch->id()}, {"reason", reason}}, 0);
    }
    for (const char* duplicate : {"false", "true"}) {
      s.metrics.count(inbound, inbound_help, {{"channel", ch->id()}, {"duplicate", duplicate}}, 0);
    }
    if (ch->accepts(channels::callback_kind::ussd)) {
      for (const char* screen : {"con", "end"}) s.metrics.count(hops, hops_help, {{"channel", ch->id()}, {"screen", screen}}, 0);
    }
  }
  const auto handler =
        [&s](core::http_request& req, const http::params& p, http::reply_fn reply) {
          const std::string id(http::param(p, "channel"));
          const channels::channel* ch = find_channel(s, id);
          if (!ch) return reply(core::text_response(404, "no channel '" + id + "'"));
          const auto kind = channels::parse_callback_kind(http::param(p, "kind"));
          if (!kind || !ch->accepts(*kind)) {
            return reply(core::text_response(
                404, "channel '" + id + "' takes no '" + std::string(http::param(p, "kind")) +
                         "' callbacks"));
          }
          if (auto auth = ch->authenticate(req); !auth) {
            reject(s, id, "auth");
            core::log::warn("callback.forbidden",
                            {{"channel", id}, {"remote", req.remote_ip}, {"reason", auth.error()}});
            return reply(core::text_response(403, "forbidden: " + auth.error()));
          }
          if (s.writer.busy()) {
            // The store is behind: the aggregator retries later rather than us queueing
            // without bound (nothing is stored, so the retry is no duplicate).
            reject(s, id, "busy");
            auto busy = core::text_response(503, "busy: retry shortly");
            busy.headers.push_back({"Retry-After", "1"});
            return reply(std::move(busy));
          }
          auto parsed = ch->parse(*kind, req);
          if (!parsed) {
            reject(s, id, "malformed");
            core::log::warn("callback.malformed",
                            {{"channel", id}, {"kind", channels::to_string(*kind)},
                             {"reason", parsed.error()}});
            return reply(core::text_response(400, parsed.error()));
          }
          if (parsed->ussd) return handle_ussd(s, *ch, std::move(*parsed->ussd), std::move(reply));
          handle_events(s, *ch, *kind, std::move(parsed).value(), std::move(reply));
        };
  // GET too: Vonage can be set to call with a query, and Kannel's dlr-url always does.
  r.add("POST", "/channels/{channel}/{kind}", handler);
  r.add("GET", "/channels/{channel}/{kind}", handler);
}

void hop_deadlines::watch(std::shared_ptr<hop> h, std::chrono::milliseconds after) {
  h->deadline = std::chrono::steady_clock::now() + after;
  std::lock_guard lock(mu_);
  waiting_[after].push_back(std::move(h));
}

std::vector<std::shared_ptr<hop_deadlines::hop>> hop_deadlines::expired(std::chrono::steady_clock::time_point now) {
  std::vector<std::shared_ptr<hop>> late;
  std::lock_guard lock(mu_);
  for (auto& [after, queue] : waiting_) {
    while (!queue.empty() && (queue.front()->answered || queue.front()->deadline <= now)) {
      if (!queue.front()->answered) late.push_back(std::move(queue.front()));
      queue.pop_front();
    }
  }
  return late;
}

void sweep_deadlines(services& s) {
  for (auto& h : s.deadlines.expired(std::chrono::steady_clock::now())) {
    if (h->answered.exchange(true)) continue;
    s.metrics.count("paygham_ussd_deadline_missed_total",
                    "USSD hops answered with a short END because the step took too long.",
                    {{"channel", h->ch->id()}});
    core::log::warn("ussd.deadline", {{"channel", h->ch->id()}});
    h->reply(h->ch->render_ussd(core::ussd_reply{true, s.runner.try_again_text(h->ch->id())}));
  }
}

}  // namespace paygham::api
