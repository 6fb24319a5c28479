// The outbox sender: claims due messages from the store, hands them to their channel and
// records each state change (docs/design.md).
//
// Per channel: at most `concurrency` sends in flight and `rate` a second (a token bucket; with
// several nodes on one database each sends rate / nodes, so the channel's rate holds);
// messages are claimed in priority order (alert, reminder, reply, bulk), so an alert never
// waits behind a broadcast for more than the sends already in flight. A transient failure
// (429, 5xx, a timeout, no connection) is retried after a full-jitter exponential backoff
// (at least the aggregator's Retry-After), up to `max_attempts`; then the message fails. A
// message not sent within its validity expires. After `breaker_threshold` connection errors
// in a row the channel's circuit opens for `breaker_open_ms`, then one probe decides. Sent
// messages without a final report by the receipt deadline become 'unconfirmed' (tick()).
// Aggregators that push no reports are polled (tick()). An open circuit or a pause holds for
// the channel on every node sharing the store (the others take it up at their lease check).
//
// Nothing here blocks: claims and records run on the store's writer thread, sends on the
// HTTP client's thread; the state between them is guarded by one mutex. Channels that
// deliver locally (console) are delivered in the claiming transaction.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "gateway/channels/channel.hpp"
#include "gateway/core/clock.hpp"

namespace paygham::store {
class writer;
struct claimed_message;
struct applied_report;
}  // namespace paygham::store
namespace paygham::http {
class client;
}
namespace paygham::core {
class metrics;
}

namespace paygham::jobs {

class outbox {
 public:
  // `channels`, `client` and `metrics` must outlive the outbox; `client` may be null when
  // every channel delivers locally. `on_inbound` receives what polling found (Kavenegar's
  // inbox) and must store it (the server passes it to the runner).
  outbox(store::writer& w, std::vector<const channels::channel*> channels, http::client* client,
         core::metrics* metrics = nullptr,
         std::function<void(const channels::callback&)> on_inbound = nullptr);
  ~outbox();

  // Puts messages left 'sending' by this node's previous process back in line, then starts
  // draining.
  void start();
  // Thread-safe; cheap when every channel is already busy.
  void wake();
  // Once a second: unconfirmed messages, polling, retries that fell due; every few seconds
  // the node's heartbeat, the share of each channel's rate, expired leases taken back.
  void tick();
  // No new claims or sends after this; what is in flight still records its outcome.
  void stop();

 private:
  struct lane;

  void pump(lane& l);
  void claim(lane& l, std::size_t n);
  void send_ready(lane& l);  // under mu_
  void dispatch(lane& l, store::claimed_message m);
  void finish(lane& l, const store::claimed_message& m, std::string raw, channels::send_result r);
  void deliver_locally();
  // The heartbeat, the rate share and expired leases; `starting`: this node's own too.
  void keep_leases(bool starting);
  void share_rate(int nodes);
  // A breaker opened or a pause for refused credentials holds for the channel on every node:
  // recorded in the store, and taken up by the others from it.
  void share_pause(const lane& l, std::int64_t for_ms, const char* reason);
  void adopt_pauses(const std::map<std::string, core::unix_ms>& pauses);
  void poll(lane& l);
  std::int64_t backoff_ms(const lane& l, int attempt, std::int64_t at_least);
  // The aggregator asked us to slow down (429): the message waits what it asked for, or a
  // backoff that doubles while it keeps asking; from a few 429s in a row, the lane claims
  // nothing for that wait either (on every node). Returns the wait.
  std::int64_t throttle(lane& l, std::int64_t asked_ms);
  // The aggregator refused our credentials or sender: the lane pauses (logged once until a
  // send goes through again).
  void pause(lane& l, const channels::send_result& r);

  store::writer& writer_;
  http::client* client_;
  core::metrics* metrics_;
  std::function<void(const channels::callback&)> on_inbound_;
  std::vector<std::unique_ptr<lane>> lanes_;
  std::vector<const channels::channel*> local_;
  std::mutex mu_;
  bool stopped_ = false;
  int nodes_ = 1;
  std::atomic<unsigned> ticks_{0};
  bool local_running_ = false, local_again_ = false;
  std::mt19937_64 rng_{std::random_device{}()};
};

// Logs one delivery report once stored: channel, our message id, masked recipient, the state
// reported, the aggregator's code and what became of it (applied, duplicate, …).
void log_report(const core::delivery_report& r, const store::applied_report& a);

}  // namespace paygham::jobs
