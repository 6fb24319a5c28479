#include "gateway/store/writer.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <stdexcept>

#include "gateway/core/log.hpp"
#include "gateway/store/statement_cache.hpp"

namespace paygham::store {

writer::writer(const options& o, std::size_t max_group)
    : opts_(o),
      max_group_(max_group),
      db_(open_writer(o)),
      cache_(std::make_unique<statement_cache>()),
      thread_([this] { loop(); }) {}

writer::~writer() { stop(); }

void writer::submit(work_fn work, done_fn done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(item{std::move(work), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(std::make_exception_ptr(std::runtime_error("the store is shutting down")));
}

void writer::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  cache_->clear();
  db_.reset();
}

writer::stats writer::counters() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void writer::loop() {
  std::deque<item> group;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      // Take everything queued, up to the group limit: this is the group commit.
      while (!queue_.empty() && group.size() < max_group_) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    run_group(group);
    group.clear();
  }
}

void writer::run_group(std::deque<item>& group) {
  std::vector<std::exception_ptr> errors(group.size());
  std::exception_ptr commit_error;
  try {
    db_->exec("BEGIN IMMEDIATE");
    tx t(*db_, *cache_, core::now_ms());
    for (std::size_t i = 0; i < group.size(); ++i) {
      db_->exec("SAVEPOINT item");
      try {
        group[i].work(t);
        db_->exec("RELEASE item");
      } catch (...) {
        errors[i] = std::current_exception();
        db_->exec("ROLLBACK TO item");
        db_->exec("RELEASE item");
      }
    }
    db_->exec("COMMIT");
  } catch (const std::exception& e) {
    commit_error = std::current_exception();
    core::log::error("store.commit_failed", {{"error", e.what()}, {"items", group.size()}});
    db_->tryExec("ROLLBACK");
  }
  {
    // Counted before anyone is told, so a caller woken by done() sees its own group.
    std::lock_guard lock(mu_);
    ++stats_.groups;
    stats_.items += group.size();
  }
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (!group[i].done) continue;
    try {
      group[i].done(commit_error ? commit_error : errors[i]);
    } catch (const std::exception& e) {
      core::log::error("store.done_callback_threw", {{"error", e.what()}});
    }
  }
}

}  // namespace paygham::store
