#include "gateway/jobs/outbox.hpp"

#include <algorithm>
#include <deque>

#include "gateway/actions/privacy.hpp"
#include "gateway/core/clock.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/http/client.hpp"
#include "gateway/store/writer.hpp"

namespace paygham::jobs {
namespace {

using clock_type = std::chrono::steady_clock;

// Claimed messages a channel may hold waiting for a rate token, beyond those in flight.
constexpr std::size_t ready_extra = 8;
// 429s in a row (no send taken between) after which the whole channel waits, not only the message.
constexpr int throttled_in_a_row = 3;
// Every few ticks a node says it is alive, learns how many nodes share the channels' rates,
// and takes back messages whose node died (their lease expired).
constexpr unsigned lease_check_ticks = 3;
// A node not heard from for this long no longer counts.
constexpr std::int64_t node_window_ms = 10'000;
// A polled channel is asked about this many messages at a time, for this long after each was
// sent (unconfirmed ones too: a phone off for the night may still take its message).
constexpr std::size_t poll_batch = 100;
constexpr std::int64_t poll_window_ms = 3 * 24 * 3600 * 1000;

}  // namespace

struct outbox::lane {
  const channels::channel* ch = nullptr;
  channels::delivery_settings d;
  std::size_t in_flight = 0;               // sent to the client, outcome not yet recorded
  std::deque<store::claimed_message> ready;  // claimed, waiting for a rate token
  bool claiming = false;
  bool again = false;                       // woken while claiming: claim again after
  double rate = 1;                          // this node's share of the channel's rate
  double tokens = 1;
  clock_type::time_point refilled = clock_type::now();
  bool token_timer = false;
  int connection_failures = 0;
  clock_type::time_point open_until{};      // circuit open until then
  bool misconfigured = false;               // paused for refused credentials, not sent since
  int throttled = 0;                        // 429s since a send last went through
  bool breaker_timer = false;
  clock_type::time_point next_poll{};
  bool polling = false;
  store::awaiting polled_to;                // the last one a poll asked about; the next goes on after it

  void refill() {
    const auto now = clock_type::now();
    tokens = std::min(std::max(1.0, rate), tokens + rate * std::chrono::duration<double>(now - refilled).count());
    refilled = now;
  }
  bool breaker_open() const { return clock_type::now() < open_until; }
  // Half-open: the breaker's time is up after repeated failures; one probe at a time.
  // After the breaker or a pause opens, one message at a time until a send goes through.
  bool probing() const { return connection_failures >= d.breaker_threshold || misconfigured; }
};

outbox::outbox(store::writer& w, std::vector<const channels::channel*> channels, http::client* client,
               core::metrics* metrics, std::function<void(const channels::callback&)> on_inbound)
    : writer_(w), client_(client), metrics_(metrics), on_inbound_(std::move(on_inbound)) {
  for (const auto* ch : channels) {
    if (ch->local_delivery()) {
      local_.push_back(ch);
      continue;
    }
    auto l = std::make_unique<lane>();
    l->ch = ch;
    l->d = ch->delivery();
    l->rate = l->d.rate;
    lanes_.push_back(std::move(l));
  }
}

outbox::~outbox() { stop(); }

void outbox::start() { keep_leases(true); }

void outbox::keep_leases(bool starting) {
  struct found {
    int nodes = 1;
    std::size_t requeued = 0;
    std::map<std::string, core::unix_ms> pauses;
  };
  auto f = std::make_shared<found>();
  writer_.submit(
      [f, starting](store::tx& tx) {
        f->nodes = tx.heartbeat(node_window_ms);
        f->requeued = tx.requeue_in_flight(starting);
        f->pauses = tx.channel_pauses();
      },
      [this, f](std::exception_ptr err) {
        if (err) {
          core::log::error("outbox.lease_check_failed", {{"error", core::log::what(err)}});
          return;
        }
        if (f->requeued) core::log::warn("outbox.requeued", {{"messages", f->requeued}});
        share_rate(std::max(1, f->nodes));
        adopt_pauses(f->pauses);
        wake();
      });
}

void outbox::share_rate(int nodes) {
  std::lock_guard lock(mu_);
  if (nodes != nodes_) core::log::info("outbox.nodes", {{"nodes", nodes}});
  nodes_ = nodes;
  // Every live node sends its share, so the channel as a whole keeps its configured rate.
  for (auto& l : lanes_) l->rate = l->d.rate / nodes;
}

void outbox::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
}

void outbox::wake() {
  deliver_locally();
  if (!client_) return;
  for (auto& l : lanes_) pump(*l);
}

void outbox::tick() {
  wake();  // retries that fell due
  if (!client_) return;
  if (++ticks_ % lease_check_ticks == 0) keep_leases(false);
  for (auto& lp : lanes_) {
    lane& l = *lp;
    const auto deadline = l.d.receipt_deadline_ms;
    const auto validity = l.d.validity_ms;
    const std::string channel = l.ch->id();
    writer_.submit(
        [channel, deadline, validity](store::tx& tx) {
          if (const std::size_t n = tx.mark_unconfirmed(channel, tx.now() - deadline)) {
            core::log::warn("outbox.unconfirmed", {{"channel", channel}, {"messages", n}});
          }
          if (const std::size_t n = tx.expire_unsent(channel, tx.now() - validity)) {
            core::log::warn("outbox.expired", {{"channel", channel}, {"messages", n}});
          }
        },
        nullptr, store::durability::commit);
    poll(l);
  }
}

void outbox::pump(lane& l) {
  std::size_t want = 0;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    if (l.claiming) {
      l.again = true;
      return;
    }
    if (l.breaker_open()) {
      if (!l.breaker_timer) {
        l.breaker_timer = true;
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(l.open_until - clock_type::now());
        client_->after(wait + std::chrono::milliseconds(1), [this, &l] {
          {
            std::lock_guard inner(mu_);
            l.breaker_timer = false;
          }
          pump(l);
        });
      }
      return;
    }
    const std::size_t limit = l.probing() ? 1 : l.d.concurrency + ready_extra;
    const std::size_t held = l.in_flight + l.ready.size();
    if (held >= limit) return;
    want = limit - held;
    l.claiming = true;
    l.again = false;
  }
  claim(l, want);
}

void outbox::claim(lane& l, std::size_t n) {
  auto got = std::make_shared<std::vector<store::claimed_message>>();
  const std::string channel = l.ch->id();
  writer_.submit(
      [got, channel, n](store::tx& tx) { *got = tx.claim_due(channel, n); },
      [this, &l, got, n](std::exception_ptr err) {
        bool again = false;
        {
          std::lock_guard lock(mu_);
          l.claiming = false;
          if (err) {
            core::log::error("outbox.claim_failed", {{"channel", l.ch->id()}, {"error", core::log::what(err)}});
            return;
          }
          for (auto& m : *got) l.ready.push_back(std::move(m));
          // Keep the highest priority first among those waiting for a token.
          std::stable_sort(l.ready.begin(), l.ready.end(),
                           [](const auto& a, const auto& b) { return a.prio < b.prio; });
          again = l.again || got->size() == n;
        }
        send_ready(l);
        if (again) pump(l);
      },
      // A claim only moves messages to 'sending' under a lease; after a crash they go back when
      // the lease expires, or at once when this node starts again (requeue_in_flight).
      store::durability::commit);
}

void outbox::send_ready(lane& l) {
  std::vector<store::claimed_message> go;
  {
    std::lock_guard lock(mu_);
    l.refill();
    const std::size_t slots = l.probing() ? 1 : l.d.concurrency;
    while (!l.ready.empty() && l.in_flight < slots && l.tokens >= 1) {
      l.tokens -= 1;
      ++l.in_flight;
      go.push_back(std::move(l.ready.front()));
      l.ready.pop_front();
    }
    if (!l.ready.empty() && l.in_flight < slots && !l.token_timer && !stopped_) {
      // Out of tokens: come back when the next one is there.
      l.token_timer = true;
      const auto wait = std::chrono::milliseconds(static_cast<std::int64_t>((1 - l.tokens) / l.rate * 1000) + 1);
      client_->after(wait, [this, &l] {
        {
          std::lock_guard inner(mu_);
          l.token_timer = false;
        }
        send_ready(l);
      });
    }
  }
  for (auto& m : go) dispatch(l, std::move(m));
}

void outbox::dispatch(lane& l, store::claimed_message m) {
  const channels::outbound out{m.id, m.to_phone, m.body, "pg" + std::to_string(m.id),
                               l.ch->callback_url(channels::callback_kind::status)};
  auto call = l.ch->build_send(out);
  if (!call) {
    // Not this message's doing: the channel can send none (no credentials). It pauses, loudly,
    // and what it has waits for an operator to give them.
    channels::send_result r;
    r.result = channels::send_result::outcome::retry;
    r.why = channels::send_result::cause::misconfigured;
    r.error = call.error();
    {
      std::lock_guard lock(mu_);
      --l.in_flight;
    }
    return finish(l, m, "", std::move(r));
  }
  client_->request(std::move(call).value(), [this, &l, m](http::client_result res) {
    channels::send_result r;
    if (res.status == 0) {
      r.result = channels::send_result::outcome::retry;
      r.error = res.error;
    } else {
      r = l.ch->read_send_reply(res.status, res.retry_after, res.body);
    }
    {
      std::lock_guard lock(mu_);
      // The connection is free for the next message now; recording this one goes on in the
      // store meanwhile (claims queue behind those records, which bounds how far ahead we get).
      --l.in_flight;
      if (res.no_connection) {
        // Opened once (the sends still in flight when it opens change nothing), and again by
        // each probe that finds the aggregator still away: a log line every breaker_open.
        if (++l.connection_failures >= l.d.breaker_threshold && !l.breaker_open()) {
          l.open_until = clock_type::now() + std::chrono::milliseconds(l.d.breaker_open_ms);
          core::log::warn("outbox.breaker_open", {{"channel", l.ch->id()},
                                                  {"failures", l.connection_failures},
                                                  {"error", res.error}});
          share_pause(l, l.d.breaker_open_ms, "unreachable");
        }
      } else {
        if (l.connection_failures >= l.d.breaker_threshold) {
          core::log::info("outbox.breaker_closed", {{"channel", l.ch->id()}});
        }
        l.connection_failures = 0;
      }
    }
    finish(l, m, res.status ? "HTTP " + std::to_string(res.status) : "", std::move(r));
    send_ready(l);
    pump(l);
  });
}

void outbox::pause(lane& l, const channels::send_result& r) {
  std::lock_guard lock(mu_);
  if (!l.misconfigured) {
    // Once, loud, until a send goes through again: an operator must fix the channel.
    l.misconfigured = true;
    core::log::error("outbox.channel_misconfigured",
                     {{"channel", l.ch->id()},
                      {"code", r.raw_code},
                      {"error", r.error},
                      {"paused_s", static_cast<std::int64_t>(l.d.misconfigured_pause_ms / 1000)}});
    if (metrics_) {
      metrics_->count("paygham_channel_paused_total",
                      "Channels paused because the aggregator refused our credentials or sender.",
                      {{"channel", l.ch->id()}});
    }
  }
  l.open_until = clock_type::now() + std::chrono::milliseconds(l.d.misconfigured_pause_ms);
  share_pause(l, l.d.misconfigured_pause_ms, "misconfigured");
}

std::int64_t outbox::throttle(lane& l, std::int64_t asked_ms) {
  if (metrics_) {
    metrics_->count("paygham_channel_throttled_total", "Sends the aggregator answered 'too many requests' (429).",
                    {{"channel", l.ch->id()}});
  }
  std::int64_t wait = 0;
  {
    std::lock_guard lock(mu_);
    // What the aggregator asked for, or else a wait that doubles while it keeps refusing.
    const int shift = std::min(l.throttled, 20);
    wait = asked_ms > 0 ? asked_ms : std::min<std::int64_t>(l.d.backoff_cap_ms, l.d.backoff_base_ms << shift);
    // A 429 now and then is this message's wait; a few in a row, with nothing taken between,
    // are the account's: then the whole channel waits.
    if (++l.throttled < throttled_in_a_row) return wait;
    const auto until = clock_type::now() + std::chrono::milliseconds(wait);
    if (until <= l.open_until) return wait;
    if (!l.breaker_open()) {
      core::log::warn("outbox.throttled", {{"channel", l.ch->id()}, {"wait_ms", wait}, {"throttled", l.throttled}});
    }
    l.open_until = until;
  }
  // The aggregator throttles the account, not this node: the others wait as well.
  share_pause(l, wait, "throttled");
  return wait;
}

void outbox::share_pause(const lane& l, std::int64_t for_ms, const char* reason) {
  // The other nodes learn of it at their next lease check (a few seconds), and pause too.
  writer_.submit(
      [channel = l.ch->id(), for_ms, reason](store::tx& tx) { tx.pause_channel(channel, tx.now() + for_ms, reason); },
      nullptr, store::durability::commit);
}

void outbox::adopt_pauses(const std::map<std::string, core::unix_ms>& pauses) {
  std::lock_guard lock(mu_);
  const auto now = clock_type::now();
  const core::unix_ms wall = core::now_ms();
  for (auto& lp : lanes_) {
    lane& l = *lp;
    const auto it = pauses.find(l.ch->id());
    if (it == pauses.end()) continue;
    const auto until = now + std::chrono::milliseconds(it->second - wall);
    // Another node's pause, not this one's own (already as long, give or take the clocks).
    if (until <= l.open_until + std::chrono::milliseconds(500)) continue;
    l.open_until = until;
    core::log::warn("outbox.paused_by_another_node",
                    {{"channel", l.ch->id()}, {"paused_ms", static_cast<std::int64_t>(it->second - wall)}});
  }
}

std::int64_t outbox::backoff_ms(const lane& l, int attempt, std::int64_t at_least) {
  // Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))].
  const int shift = std::min(attempt - 1, 20);
  const std::int64_t ceiling = std::min<std::int64_t>(l.d.backoff_cap_ms, l.d.backoff_base_ms << shift);
  std::lock_guard lock(mu_);
  std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(ceiling, 1));
  return std::max(at_least, pick(rng_));
}

void outbox::finish(lane& l, const store::claimed_message& m, std::string http_code, channels::send_result r) {
  using outcome = channels::send_result::outcome;
  using cause = channels::send_result::cause;
  bool counted = true;  // the attempt was the message's own
  if (r.why == cause::misconfigured) {
    // No message is to blame: this one waits (attempts do not run out; validity still holds)
    // and the channel pauses, then one probe tries again.
    r.result = outcome::retry;
    r.retry_after_ms = std::max(r.retry_after_ms, l.d.misconfigured_pause_ms);
    counted = false;
    pause(l, r);
  } else if (r.why == cause::throttled) {
    // Asked to slow down: no message is to blame either. The channel claims nothing more until
    // the wait is over (what was already claimed still goes, so a storm costs a few requests,
    // not one per queued message), and the message keeps its attempts.
    r.retry_after_ms = throttle(l, r.retry_after_ms);
    counted = false;
  } else if (r.result == outcome::retry && m.attempts >= l.d.max_attempts) {
    r.result = outcome::failed;
    r.error = "gave up after " + std::to_string(m.attempts) + " attempts: " + r.error;
  }
  if (r.result == outcome::accepted) {
    std::lock_guard lock(mu_);
    if (l.throttled > 0) core::log::info("outbox.throttle_over", {{"channel", l.ch->id()}, {"throttled", l.throttled}});
    l.throttled = 0;
  }
  const std::int64_t delay = r.result == outcome::retry ? backoff_ms(l, m.attempts, r.retry_after_ms) : 0;
  if (r.raw_code.empty()) r.raw_code = http_code;
  const std::string reference = "pg" + std::to_string(m.id);
  writer_.submit(
      [m, r, delay, reference, counted](store::tx& tx) {
        switch (r.result) {
          case outcome::accepted:
            // No id from the aggregator (Kannel): our reference is the id its reports carry.
            tx.record_sent(m.id, r.external_id.empty() ? reference : r.external_id, r.raw_code, r.parts, r.cost);
            break;
          case outcome::retry:
            tx.record_retry(m.id, tx.now() + delay, r.raw_code, r.error, counted);
            break;
          case outcome::failed: {
            // The aggregator's "unsubscribed" is a stop of everything, as the person's own, when
            // the number is theirs now; another number's (an old SIM, a second one, R-L6) stops
            // nothing of theirs. The message says which.
            const std::int64_t stopped =
                r.why == cause::unsubscribed ? tx.opt_out_recipient(m.id) : 0;
            std::string error = r.error;
            if (r.why == cause::unsubscribed) {
              error += stopped != 0 ? " (the person is opted out of everything)"
                                    : " (not the person's main number: they stay subscribed)";
            }
            tx.set_message_status(m.id, core::message_status::failed, "send", r.raw_code, {},
                                  error);
            // R-D7: the notices the stop cancelled go again if they take it back.
            if (const auto who = stopped != 0 ? tx.find_contact(stopped) : std::nullopt) {
              actions::forget_notices(tx, *who, "", "");
            }
            break;
          }
        }
      },
      [this, &l, m, r, delay](std::exception_ptr err) {
        if (err) core::log::error("outbox.record_failed", {{"channel", l.ch->id()}, {"error", core::log::what(err)}});
        if (r.result == outcome::accepted) {
          std::lock_guard lock(mu_);
          if (l.misconfigured) core::log::info("outbox.channel_resumed", {{"channel", l.ch->id()}});
          l.misconfigured = false;
        }
        const char* what = r.result == outcome::accepted ? "sent" : r.result == outcome::retry ? "retrying" : "failed";
        // One line per attempt, so an operator can follow a message by its id (the text at
        // debug only: it may hold health details).
        (r.result == outcome::failed ? core::log::warn : core::log::info)(
            "outbox.send", {{"channel", l.ch->id()},
                            {"message", m.id},
                            {"to", core::log::phone{m.to_phone}},
                            {"state", what},
                            {"code", r.raw_code},
                            {"external_id", r.external_id},
                            {"attempt", m.attempts},
                            {"error", r.error},
                            {"body", core::log::body{m.body}}});
        if (metrics_) {
          metrics_->count("paygham_outbox_sends_total", "Send attempts by channel and outcome.",
                          {{"channel", l.ch->id()}, {"outcome", r.result == outcome::retry ? "retry" : what}});
        }
        if (r.result == outcome::retry && client_) {
          client_->after(std::chrono::milliseconds(delay + 1), [this, &l] { pump(l); });
        }
        send_ready(l);
        pump(l);
      },
      // 'sent' with the aggregator's id must survive: a report may name only that id.
      store::durability::disk);
}

void outbox::poll(lane& l) {
  if (!l.ch->polled()) return;
  {
    std::lock_guard lock(mu_);
    if (stopped_ || l.polling || clock_type::now() < l.next_poll) return;
    l.polling = true;
    l.next_poll = clock_type::now() + std::chrono::milliseconds(l.d.poll_interval_ms);
  }
  const auto done_polling = [this, &l] {
    std::lock_guard lock(mu_);
    l.polling = false;
  };
  const auto read_reports = [this, &l](std::string body) {
    auto got = l.ch->read_status_poll(body);
    if (!got) return core::log::warn("outbox.poll_failed", {{"channel", l.ch->id()}, {"error", got.error()}});
    auto reports = std::make_shared<std::vector<core::delivery_report>>(std::move(got->reports));
    auto applied = std::make_shared<std::vector<store::applied_report>>();
    writer_.submit(
        [reports, applied](store::tx& tx) {
          for (const auto& r : *reports) applied->push_back(tx.apply_report(r));
        },
        [reports, applied](std::exception_ptr err) {
          if (err) return core::log::error("outbox.poll_failed", {{"error", core::log::what(err)}});
          for (std::size_t i = 0; i < applied->size(); ++i) log_report((*reports)[i], (*applied)[i]);
        });
  };
  auto asked = std::make_shared<std::vector<store::awaiting>>();
  const std::string channel = l.ch->id();
  store::awaiting after;
  {
    std::lock_guard lock(mu_);
    after = l.polled_to;
  }
  writer_.submit(
      [asked, channel, after](store::tx& tx) {
        *asked = tx.awaiting_in_turn(channel, tx.now() - poll_window_ms, after, poll_batch);
      },
      [this, &l, asked, read_reports, done_polling](std::exception_ptr err) {
        std::vector<std::string> ids;
        for (const auto& a : *asked) ids.push_back(a.external_id);
        auto status_call = err ? std::nullopt : l.ch->build_status_poll(ids);
        if (status_call) {
          const store::awaiting reached = asked->empty() ? store::awaiting{} : asked->back();
          client_->request(std::move(*status_call), [this, &l, read_reports, reached](http::client_result res) {
            if (res.status != 200) return;  // the same are asked about again next time
            {
              std::lock_guard lock(mu_);
              l.polled_to = reached;
            }
            read_reports(std::move(res.body));
          });
        } else if (!err) {
          std::lock_guard lock(mu_);
          l.polled_to = {};  // none waits: the next poll starts from the oldest
        }
        if (auto inbox = l.ch->build_inbox_poll(); inbox && on_inbound_) {
          client_->request(std::move(*inbox), [this, &l](http::client_result res) {
            if (res.status != 200) return;
            auto got = l.ch->read_inbox_poll(res.body);
            if (got && !got->sms.empty()) on_inbound_(got.value());
          });
        }
        done_polling();
      },
      store::durability::commit);
}

void outbox::deliver_locally() {
  if (local_.empty()) return;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    if (local_running_) {
      local_again_ = true;
      return;
    }
    local_running_ = true;
    local_again_ = false;
  }
  // One transaction claims and delivers a batch for every local channel: the claim, the
  // 'sent' and the 'delivered' events commit together, so a crash leaves no half-done send.
  constexpr std::size_t batch = 64;
  auto delivered = std::make_shared<std::size_t>(0);
  writer_.submit(
      [this, delivered](store::tx& tx) {
        for (const channels::channel* ch : local_) {
          for (const auto& m : tx.claim_due(ch->id(), batch)) {
            core::log::info("console.message", {{"channel", ch->id()},
                                                {"message_id", static_cast<std::int64_t>(m.id)},
                                                {"to", core::log::phone{m.to_phone}},
                                                {"body", core::log::body{m.body}}});
            tx.record_sent(m.id, "console-" + std::to_string(m.id), "", 0, "");
            tx.set_message_status(m.id, core::message_status::delivered, "console", "");
            ++*delivered;
          }
        }
      },
      [this, delivered](std::exception_ptr err) {
        if (err) core::log::error("outbox.round_failed", {{"error", core::log::what(err)}});
        bool more = false;
        {
          std::lock_guard lock(mu_);
          local_running_ = false;
          more = !stopped_ && (local_again_ || (!err && *delivered >= batch));
        }
        if (more) deliver_locally();
      });
}

void log_report(const core::delivery_report& r, const store::applied_report& a) {
  core::log::info("report.received", {{"channel", r.channel_id},
                                      {"message", a.message_id},
                                      {"to", core::log::phone{a.to_phone}},
                                      {"state", core::to_string(r.status)},
                                      {"code", r.raw_code},
                                      {"external_id", r.external_id},
                                      {"outcome", store::to_string(a.outcome)}});
}

}  // namespace paygham::jobs
