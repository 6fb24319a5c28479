// The one writer connection. All writes run on its own thread, so no io thread ever waits on
// the disk, and are committed in groups: every work item queued while the previous group was
// being written goes into the next transaction, each in its own savepoint, and each caller is
// told only after that transaction is on disk (fsynced when synchronous = full).
//
// A work item that throws is rolled back alone (its savepoint); the others in the group commit.
// Items run in the order they were submitted, which keeps each phone number's events in order.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "gateway/store/database.hpp"
#include "gateway/store/tx.hpp"

namespace paygham::store {

class statement_cache;

class writer {
 public:
  // Runs on the writer thread inside the group's transaction.
  using work_fn = std::function<void(tx&)>;
  // Runs on the writer thread after the group committed (nullptr) or failed (the error).
  // Must be quick: post to another thread for anything slow.
  using done_fn = std::function<void(std::exception_ptr)>;

  struct stats {
    std::uint64_t groups = 0;
    std::uint64_t items = 0;
  };

  // Opens and migrates the database (throws with a message naming the file), then starts
  // the thread.
  explicit writer(const options& o, std::size_t max_group = 512);
  ~writer();
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  // Thread-safe. After stop() the item is refused: done is called at once with an error.
  void submit(work_fn work, done_fn done);

  // Runs every item already queued, commits, closes the database and joins the thread.
  // Idempotent.
  void stop();

  stats counters() const;
  const options& opts() const { return opts_; }

 private:
  struct item {
    work_fn work;
    done_fn done;
  };
  void loop();
  void run_group(std::deque<item>& group);

  options opts_;
  std::size_t max_group_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<statement_cache> cache_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<item> queue_;
  bool stopping_ = false;
  stats stats_;
  std::thread thread_;
};

}  // namespace paygham::store
