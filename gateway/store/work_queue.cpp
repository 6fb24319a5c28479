#include "gateway/store/work_queue.hpp"

#include <stdexcept>

#include "gateway/core/log.hpp"

namespace paygham::store {

void work_queue::push(work_item it) {
  {
    std::unique_lock lock(mu_);
    if (!closed_) {
      queue_.push_back(std::move(it));
      lock.unlock();
      cv_.notify_one();  // after unlocking: the writer it wakes takes the lock at once
      return;
    }
  }
  tell(it.done, std::make_exception_ptr(std::runtime_error("the store is shutting down")));
}

bool work_queue::take(std::deque<work_item>& group, std::size_t max) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return closed_ || !queue_.empty(); });
  if (queue_.empty()) return false;  // closed and drained
  // Take everything queued, up to the group limit: this is the group commit.
  while (!queue_.empty() && group.size() < max) {
    group.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return true;
}

void work_queue::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

bool work_queue::busy() const {
  std::lock_guard lock(mu_);
  return queue_.size() >= max_queue_;
}

std::size_t work_queue::size() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

writer::stats work_queue::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void tell(writer::done_fn& done, std::exception_ptr error) noexcept {
  if (!done) return;
  try {
    done(error);
  } catch (const std::exception& e) {
    core::log::error("store.done_callback_threw", {{"error", e.what()}});
  } catch (...) {
    core::log::error("store.done_callback_threw", {{"error", "unknown"}});
  }
  done = nullptr;
}

}  // namespace paygham::store
