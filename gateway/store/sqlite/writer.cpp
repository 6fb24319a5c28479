#include "gateway/store/sqlite/writer.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "gateway/core/log.hpp"
#include "gateway/store/sqlite/statement_cache.hpp"
#include "gateway/store/sqlite/tx.hpp"

namespace paygham::store::sqlite {
namespace {

// Checkpoint once the WAL holds this many frames (4 KiB pages, so 16 MiB), or a quarter of
// its limit when that is smaller; once every frame is copied back, the writer reuses the WAL
// from its start.
constexpr std::int64_t checkpoint_wal_frames = 4096;
std::int64_t checkpoint_frames(const options& o) { return std::min(checkpoint_wal_frames, o.wal_limit_bytes / 4096 / 4); }
// Two syncers let one fdatasync start while another still waits on the disk.
constexpr int syncer_count = 2;

bool in_memory(const options& o) { return o.path == ":memory:"; }

}  // namespace

writer::writer(const options& o, std::size_t max_group)
    : opts_(o),
      max_group_(max_group),
      db_(open_database(o)),
      cache_(std::make_unique<statement_cache>()),
      queue_(o.max_queue),
      checkpoint_db_(in_memory(o) ? nullptr : open_checkpointer(o)) {
  if (!in_memory(o)) {
    // Opening the database in WAL mode created the -wal file; it lives as long as we do.
    wal_fd_ = ::open((o.path + "-wal").c_str(), O_RDWR | O_CLOEXEC);
    if (wal_fd_ < 0) {
      throw std::runtime_error("cannot open the store's WAL '" + o.path +
                               "-wal': " + std::strerror(errno));
    }
    // Only an fsync per group gains from it; with synchronous = normal the WAL stays lean.
    if (o.sync == synchronous::full) preallocate_wal();
    // SQLite reports the WAL's length in frames after each commit; the syncers checkpoint on it.
    sqlite3_wal_hook(
        db_->getHandle(),
        [](void* self, sqlite3*, const char*, int frames) {
          static_cast<writer*>(self)->wal_frames_.store(frames, std::memory_order_relaxed);
          return 0;  // SQLITE_OK
        },
        this);
  }
  thread_ = std::thread([this] { loop(); });
  for (int i = 0; i < syncer_count; ++i) syncers_.emplace_back([this] { sync_loop(); });
}

// An fdatasync that only overwrites allocated blocks skips the file-size metadata write and
// is about 40% faster here than one that appends. So the WAL is written with zeros up to the
// size it is kept at (journal_size_limit) once; checkpoints then keep it cycling inside.
// Zeros after the last valid frame are what a reused WAL always has: recovery stops at the
// first frame whose checksum does not match.
void writer::preallocate_wal() {
  struct stat st {};
  const auto wal_preallocate_bytes = static_cast<off_t>(opts_.wal_limit_bytes);
  if (::fstat(wal_fd_, &st) != 0 || st.st_size >= wal_preallocate_bytes) return;
  const std::vector<char> zeros(1 << 20, 0);
  for (off_t at = st.st_size; at < wal_preallocate_bytes;) {
    const auto n = ::pwrite(wal_fd_, zeros.data(),
                            static_cast<std::size_t>(std::min<off_t>(
                                static_cast<off_t>(zeros.size()), wal_preallocate_bytes - at)),
                            at);
    if (n <= 0) return;  // a full disk shows up on the first real write instead
    at += n;
  }
  ::fdatasync(wal_fd_);
}

writer::~writer() { stop(); }

void writer::submit(work_fn work, done_fn done, durability d, std::string_view, rerun again) {
  queue_.push(work_item{std::move(work), std::move(done), d, again});
}

void writer::stop() {
  queue_.close();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(sync_mu_);
    writer_done_ = true;
    sync_cv_.notify_all();
  }
  for (auto& t : syncers_) {
    if (t.joinable()) t.join();
  }
  maybe_checkpoint(true);
  cache_->clear();
  db_.reset();
  checkpoint_db_.reset();
  if (wal_fd_ >= 0) {
    ::close(wal_fd_);
    wal_fd_ = -1;
  }
}

bool writer::busy() const { return queue_.busy(); }

writer::stats writer::counters() const { return queue_.stats(); }

void writer::loop() {
  std::deque<work_item> group;
  while (queue_.take(group, max_group_)) {
    outcome done = run_group(group);
    group.clear();
    // A burst, or a reader that held old frames, can leave the WAL far past its limit, and
    // SQLite shrinks it only on a reset that may not come for hours. Every 64 groups the
    // writer looks, and truncates it between two groups (a TRUNCATE checkpoint takes the
    // write lock, so only the writer may run it without failing a group).
    if (wal_fd_ >= 0 && ++groups_since_wal_check_ >= 64) {
      groups_since_wal_check_ = 0;
      struct stat st {};
      if (::fstat(wal_fd_, &st) == 0 && st.st_size > opts_.wal_limit_bytes) truncate_wal();
    }
    // Counted before anyone is told, so a caller woken by done() sees its own group.
    queue_.count([&](stats& s) {
      ++s.groups;
      s.items += done.dones.size();
    });
    // Items that need only the commit are told now; the rest wait for the syncers.
    for (std::size_t i = 0; i < done.dones.size(); ++i) {
      if (done.early[i]) tell(done.dones[i], done.errors[i]);
    }
    done.needs_disk = std::find(done.early.begin(), done.early.end(), false) != done.early.end();
    // A group told in full needs the syncers only when a checkpoint is due: a wake-up per
    // group would cost a context switch on a machine whose cores are busy with requests.
    if (!done.needs_disk && wal_frames_.load(std::memory_order_relaxed) < checkpoint_frames(opts_)) continue;
    std::lock_guard lock(sync_mu_);
    done.seq = ++committed_;
    to_sync_.push_back(std::move(done));
    sync_cv_.notify_one();
  }
}

// A cached statement left mid-result (a RETURNING row read once) keeps the writer's read
// snapshot alive after COMMIT: no checkpoint could then copy the WAL back past it, and under
// load the WAL would grow without bound. Every group ends with none left so.
void writer::release_statements() {
  sqlite3* h = db_->getHandle();
  for (sqlite3_stmt* s = sqlite3_next_stmt(h, nullptr); s; s = sqlite3_next_stmt(h, s)) {
    if (sqlite3_stmt_busy(s)) sqlite3_reset(s);
  }
}

// Runs items [from, to) under one savepoint, their log lines held until they are kept. When one
// throws, all are rolled back: those before it run again side by side, it alone (to be rolled
// back alone), and those after it side by side, so one failing item costs its group little.
template <class Work, class Alone>
void writer::side_by_side(std::size_t from, std::size_t to, Work& work, Alone& alone) {
  if (to - from == 1) return alone(from);
  std::size_t failed = from;
  {
    core::log::held_lines held;
    exec_cached("SAVEPOINT items");
    try {
      for (; failed < to; ++failed) work(failed);
    } catch (...) {
      exec_cached("ROLLBACK TO items");
    }
    exec_cached("RELEASE items");
    if (failed == to) return held.write_out();
  }
  queue_.count([&](stats& s) { s.retries += failed - from; });
  if (failed > from) side_by_side(from, failed, work, alone);
  alone(failed);
  if (failed + 1 < to) side_by_side(failed + 1, to, work, alone);
}

// Transaction control runs per item: prepared once, not parsed every time.
void writer::exec_cached(const char* sql) { cache_->get(*db_, sql).exec(); }

writer::outcome writer::run_group(std::deque<work_item>& group) {
  outcome out;
  out.errors.resize(group.size());
  std::exception_ptr commit_error;
  try {
    exec_cached("BEGIN IMMEDIATE");
    sqlite::tx t(*db_, *cache_, opts_, opts_.clock ? opts_.clock() : core::now_ms());
    out.early.assign(group.size(), false);
    const auto work = [&](std::size_t i) {
      t.start_item();
      group[i].work(t);
      out.early[i] = opts_.sync == synchronous::normal ||
                     (group[i].when == durability::commit && !t.disk_required());
    };
    const auto alone = [&](std::size_t i) {
      exec_cached("SAVEPOINT item");
      try {
        work(i);
        exec_cached("RELEASE item");
      } catch (...) {
        out.errors[i] = std::current_exception();
        exec_cached("ROLLBACK TO item");
        exec_cached("RELEASE item");
      }
    };
    for (std::size_t i = 0; i < group.size();) {
      // Items that may run again go side by side under one savepoint (see store::rerun).
      std::size_t end = i + 1;
      while (group[i].again == rerun::safe && end < group.size() && group[end].again == rerun::safe)
        ++end;
      side_by_side(i, end, work, alone);
      i = end;
    }
    release_statements();
    exec_cached("COMMIT");
  } catch (const std::exception& e) {
    commit_error = std::current_exception();
    core::log::error("store.commit_failed", {{"error", e.what()}, {"items", group.size()}});
    db_->tryExec("ROLLBACK");
  }
  out.dones.reserve(group.size());
  out.early.resize(group.size(), false);
  for (std::size_t i = 0; i < group.size(); ++i) {
    out.dones.push_back(std::move(group[i].done));
    if (commit_error) {
      out.errors[i] = commit_error;
      out.early[i] = true;  // nothing to wait for: tell them now
    }
  }
  return out;
}

void writer::sync_loop() {
  std::deque<outcome> batch;
  for (;;) {
    std::uint64_t target = 0;
    bool sync = false;
    {
      std::unique_lock lock(sync_mu_);
      // Work: groups committed that no fdatasync has started for yet.
      sync_cv_.wait(lock, [&] { return writer_done_ || committed_ > covered_; });
      if (committed_ == covered_) return;  // the writer is done and all is covered
      target = covered_ = committed_;
      for (const auto& o : to_sync_) sync = sync || (o.seq <= target && o.needs_disk);
    }
    if (sync && opts_.sync == synchronous::full) make_durable();
    {
      // Everything up to `target` is durable now, whichever syncer took it out of line.
      std::lock_guard lock(sync_mu_);
      while (!to_sync_.empty() && to_sync_.front().seq <= target) {
        batch.push_back(std::move(to_sync_.front()));
        to_sync_.pop_front();
      }
    }
    for (auto& o : batch) {
      for (std::size_t i = 0; i < o.dones.size(); ++i) tell(o.dones[i], o.errors[i]);
    }
    batch.clear();
    maybe_checkpoint(false);
  }
}

void writer::make_durable() {
  if (wal_fd_ < 0) return;
  if (::fdatasync(wal_fd_) != 0) {
    // Nothing acknowledged could be promised durable any more: stop rather than lie.
    core::log::error("store.fsync_failed", {{"error", std::strerror(errno)}});
    std::abort();
  }
  queue_.count([](stats& s) { ++s.syncs; });
}

void writer::truncate_wal() {
  struct stat st {};
  if (::fstat(wal_fd_, &st) != 0) return;
  {
    // Not beside a syncer's checkpoint: the two would keep each other busy.
    std::unique_lock lock(sync_mu_);
    sync_cv_.wait(lock, [&] { return !checkpointing_; });
    checkpointing_ = true;
  }
  // Readers still on old frames may hold it up: a short wait, then the next checkpoint asks
  // again. This runs only after a burst, between two groups.
  sqlite3_busy_timeout(db_->getHandle(), 250);
  // The pragma answers (busy, log frames, checkpointed frames); busy = 1 when it could not.
  bool done = false;
  try {
    SQLite::Statement q(*db_, "PRAGMA wal_checkpoint(TRUNCATE)");
    done = q.executeStep() && q.getColumn(0).getInt() == 0;
  } catch (const SQLite::Exception& e) {
    core::log::warn("store.wal_truncate_failed", {{"error", e.what()}});
  }
  sqlite3_busy_timeout(db_->getHandle(), static_cast<int>(opts_.busy_timeout_ms));
  {
    std::lock_guard lock(sync_mu_);
    checkpointing_ = false;
  }
  sync_cv_.notify_all();
  if (done) core::log::info("store.wal_truncated", {{"bytes", static_cast<std::int64_t>(st.st_size)}});
}

void writer::maybe_checkpoint(bool final) {
  if (!checkpoint_db_) return;
  if (!final && wal_frames_.load(std::memory_order_relaxed) < checkpoint_frames(opts_)) return;
  {
    // One checkpoint at a time, on the syncers' shared connection.
    std::lock_guard lock(sync_mu_);
    if (checkpointing_) return;
    checkpointing_ = true;
  }
  struct release {
    writer* w;
    ~release() {
      {
        std::lock_guard lock(w->sync_mu_);
        w->checkpointing_ = false;
      }
      w->sync_cv_.notify_all();  // the writer may wait to truncate the WAL
    }
  } guard{this};
  // PASSIVE never blocks the writer; at shutdown, with nobody else left, it copies every
  // frame, and the WAL file keeps its allocation for the next start.
  const int rc = checkpoint_db_->tryExec("PRAGMA wal_checkpoint(PASSIVE)");
  if (rc != SQLite::OK && rc != 5 /* SQLITE_BUSY: a reader holds old frames */) {
    core::log::warn("store.checkpoint_failed", {{"code", rc}});
    return;
  }
  queue_.count([](stats& s) { ++s.checkpoints; });
}

}  // namespace paygham::store::sqlite
