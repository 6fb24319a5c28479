// The SQLite engine's writer: the one writer connection, committing in groups (see
// store/writer.hpp).
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
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "gateway/store/sqlite/database.hpp"
#include "gateway/store/work_queue.hpp"
#include "gateway/store/writer.hpp"

namespace paygham::store::sqlite {

class statement_cache;

class writer final : public store::writer {
 public:
  // Opens and migrates the database (throws with a message naming the file), then starts
  // the threads.
  explicit writer(const options& o, std::size_t max_group = 512);
  ~writer() override;
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  // One connection: every item in submission order, whatever its key.
  void submit(work_fn work, done_fn done, durability d = durability::disk,
              std::string_view order = {}, rerun again = rerun::unsafe) override;
  bool busy() const override;
  // Also checkpoints before closing.
  void stop() override;
  stats counters() const override;

 private:
  // A committed (or failed) group on its way to the syncers.
  struct outcome {
    std::uint64_t seq = 0;
    std::vector<done_fn> dones;  // emptied where told at commit
    std::vector<std::exception_ptr> errors;
    std::vector<bool> early;     // may be told at commit (see durability)
    bool needs_disk = false;     // some item waits for an fsync
  };
  void loop();
  outcome run_group(std::deque<work_item>& group);
  void exec_cached(const char* sql);
  template <class Work, class Alone>
  void side_by_side(std::size_t from, std::size_t to, Work& work, Alone& alone);
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
  work_queue queue_;

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

}  // namespace paygham::store::sqlite
