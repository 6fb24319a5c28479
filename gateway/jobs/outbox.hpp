// The outbox sender: claims due messages from the store, hands them to their channel and
// records each state change. It is driven by callbacks from the store's writer thread, so it
// never blocks the io thread and needs no thread of its own.
//
// wake() after anything is queued; the outbox then drains every due message in batches and
// goes idle until the next wake(). Channels that deliver locally (console) are delivered
// here: written to the log and marked sent, then delivered.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace paygham::store {
class writer;
}
namespace paygham::channels {
class channel;
}

namespace paygham::jobs {

class outbox {
 public:
  // `channels` must outlive the outbox.
  outbox(store::writer& w, std::vector<const channels::channel*> channels, std::size_t batch = 64);

  // Puts messages left 'sending' by a crashed process back in line, then starts draining.
  void start();
  // Thread-safe; cheap when a drain is already running.
  void wake();
  // No new batches after this; a batch already submitted still completes.
  void stop();

 private:
  void claim_next();
  void finish_round(bool more);

  store::writer& writer_;
  std::vector<const channels::channel*> channels_;
  std::size_t batch_;
  std::mutex mu_;
  bool running_ = false;  // a claim/deliver round is in flight
  bool again_ = false;    // woken during a round: run another
  bool stopped_ = false;
};

}  // namespace paygham::jobs
