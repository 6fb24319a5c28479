// The one writer connection. All writes run on its own thread, so no io thread ever waits on
// the disk, and are committed in groups: every work item queued while the previous group was
// being written goes into the next transaction, each in its own savepoint. A work item that
// throws is rolled back alone; the others in its group commit. Items run in the order they
// were submitted, which keeps each phone number's events in order.
//
// Durability is pipelined. SQLite commits a group to the WAL without waiting for the disk;
// syncer threads then fdatasync the WAL (with synchronous = full) and only then tell the
// group's callers, while the writer already works on the next group. An fdatasync started
// after a group committed makes that group durable when it returns, so one call covers every
// group committed before it began, and a second syncer may start the next call while the
// first is still waiting on the disk. A caller is told "committed" only once its change is on
// disk; a crash before that loses the group whole (WAL frames are checksummed in a chain, so a
// later group can never survive without an earlier one). The syncers also checkpoint the WAL
// from their own connection, off the writer's path.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "gateway/store/database.hpp"
#include "gateway/store/tx.hpp"

namespace paygham::store {

class statement_cache;

// When a caller may be told its work is done (with synchronous = full; with normal, both are
// "commit").
enum class durability {
  disk,    // after the WAL holding it is fsynced: an acknowledged SMS survives power loss
  commit,  // after the commit, unless the work called tx::require_disk(): for USSD hop state,
           // which a power cut loses with the phone's session anyway (the person redials)
};

class writer {
 public:
  // Runs on the writer thread inside the group's transaction.
  using work_fn = std::function<void(tx&)>;
  // Runs on the syncer thread once the group is durable (nullptr) or failed (the error).
  // Must be quick: post to another thread for anything slow. May be null.
  using done_fn = std::function<void(std::exception_ptr)>;

  struct stats {
    std::uint64_t groups = 0;       // transactions committed (or failed)
    std::uint64_t items = 0;        // work items applied
    std::uint64_t syncs = 0;        // fdatasync calls
    std::uint64_t checkpoints = 0;  // WAL checkpoints run
  };

  // Opens and migrates the database (throws with a message naming the file), then starts
  // the threads.
  explicit writer(const options& o, std::size_t max_group = 512);
  ~writer();
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  // Thread-safe. After stop() the item is refused: done is called at once with an error.
  void submit(work_fn work, done_fn done, durability d = durability::disk);

  // True while options.max_queue items or more wait: the store is behind (a slow disk,
  // another process holding it). Callers that can be retried (aggregator callbacks) are
  // answered 503 instead of queueing without bound.
  bool busy() const;

  // Runs every item already queued, makes it durable, tells its callers, checkpoints,
  // closes the database and joins the threads. Idempotent.
  void stop();

  stats counters() const;

 private:
  struct item {
    work_fn work;
    done_fn done;
    durability when = durability::disk;
  };
  // A committed (or failed) group on its way to the syncers.
  struct outcome {
    std::uint64_t seq = 0;
    std::vector<done_fn> dones;  // emptied where told at commit
    std::vector<std::exception_ptr> errors;
    std::vector<bool> early;     // may be told at commit (see durability)
    bool needs_disk = false;     // some item waits for an fsync
  };
  void loop();
  outcome run_group(std::deque<item>& group);
  void exec_cached(const char* sql);
  void sync_loop();
  void make_durable();
  void preallocate_wal();
  void maybe_checkpoint(bool final);
  void truncate_wal();  // on the writer thread, between groups
  void release_statements();

  options opts_;
  std::size_t max_group_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<statement_cache> cache_;

  mutable std::mutex mu_;  // guards queue_, stopping_, stats_
  std::condition_variable cv_;
  std::deque<item> queue_;
  bool stopping_ = false;
  stats stats_;

  std::mutex sync_mu_;  // guards everything down to checkpointing_
  std::condition_variable sync_cv_;
  std::deque<outcome> to_sync_;    // committed, in order, not yet told
  std::uint64_t committed_ = 0;    // seq of the newest committed group
  std::uint64_t covered_ = 0;      // newest seq an fdatasync has started for
  bool writer_done_ = false;
  bool checkpointing_ = false;
  std::unique_ptr<SQLite::Database> checkpoint_db_;  // the syncers' own connection
  int wal_fd_ = -1;                                  // opened once, before the syncers start
  std::atomic<int> wal_frames_{0};                   // frames in the WAL after the last commit
  int groups_since_wal_check_ = 0;                   // writer thread only

  std::thread thread_;
  std::vector<std::thread> syncers_;
};

}  // namespace paygham::store
