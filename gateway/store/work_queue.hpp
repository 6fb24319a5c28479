// The queue in front of either engine's writer thread: submit() from any thread, the writer
// takes everything waiting as its next group. Also the writer's counters.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>

#include "gateway/store/writer.hpp"

namespace paygham::store {

struct work_item {
  writer::work_fn work;
  writer::done_fn done;
  durability when = durability::disk;
  rerun again = rerun::unsafe;
};

class work_queue {
 public:
  explicit work_queue(std::size_t max_queue) : max_queue_(max_queue) {}

  // Queues the item, or refuses it after close(): its done is told so at once.
  void push(work_item it);
  // Waits for work and moves up to `max` items into `group`. False once closed and drained.
  bool take(std::deque<work_item>& group, std::size_t max);
  void close();
  bool busy() const;
  std::size_t size() const;

  template <class Fn>
  void count(Fn fn) {
    std::lock_guard lock(mu_);
    fn(stats_);
  }
  writer::stats stats() const;

 private:
  std::size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<work_item> queue_;
  bool closed_ = false;
  writer::stats stats_;
};

// Tells a caller, logging (never throwing) when its callback throws.
void tell(writer::done_fn& done, std::exception_ptr error) noexcept;

}  // namespace paygham::store
