#include "gateway/store/sqlite/database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <filesystem>
#include <mutex>
#include <stdexcept>

#include "gateway/store/sqlite/wal_vfs.hpp"

namespace paygham::store::sqlite {
namespace {

// Each connection is used by one thread at a time (the writer's by its thread, the others
// under a lock of ours), so SQLite's own mutexes only cost time: connections are opened
// NOMUTEX and the global memory statistics (a mutex around every allocation) are off.
constexpr int no_mutex = SQLITE_OPEN_NOMUTEX;

void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

void apply_pragmas(SQLite::Database& db, bool writer, std::int64_t wal_limit, std::int64_t busy_ms) {
  db.exec("PRAGMA foreign_keys = ON");
  if (writer) {
    // WAL lets readers run beside the one writer; a :memory: database stays in "memory" mode.
    db.exec("PRAGMA journal_mode = WAL");
    // Checkpoints reuse the WAL from the start; this truncates it back after a burst.
    db.exec("PRAGMA journal_size_limit = " + std::to_string(wal_limit));
    // The writer's syncer checkpoints from its own connection, off the commit path.
    db.exec("PRAGMA wal_autocheckpoint = 0");
    // The writer stores states and outcomes only from typed enums (store/rules.hpp), so the
    // tables' CHECKs guard other hands (an operator's sqlite3). Checking a list of three or
    // more names builds a temporary b-tree at every insert: 8% of the writer's time a hop.
    db.exec("PRAGMA ignore_check_constraints = ON");
  }
  // SQLite never waits for the disk at commit: store::writer fsyncs the WAL itself after
  // each group when synchronous is full (see writer.hpp), and checkpoints sync as usual.
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA temp_store = MEMORY");
  // Another process holding the database (a backup, an operator's sqlite3) makes us wait
  // rather than fail at once.
  db.exec("PRAGMA busy_timeout = " + std::to_string(busy_ms));
  // Pages are read through a mapping of the file, so the page cache holds little more than a
  // transaction's dirty pages: SQLite's default size (2 MB). A large one costs at every
  // commit, which walks its hash table (64 MB of cache was 9% of the writer's time a hop).
  db.exec("PRAGMA mmap_size = 268435456");
}

}  // namespace

std::unique_ptr<SQLite::Database> open_database(const options& o) {
  configure_sqlite_once();
  if (o.path != ":memory:") {
    const auto parent = std::filesystem::path(o.path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      throw std::runtime_error("cannot create the folder for the store '" + o.path +
                               "': " + ec.message());
    }
  }
  try {
    // Through the VFS that writes each commit's WAL frames at once (wal_vfs.hpp).
    auto db = std::make_unique<SQLite::Database>(
        o.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | no_mutex, 5000, wal_vfs_name());
    apply_pragmas(*db, true, o.wal_limit_bytes, o.busy_timeout_ms);
    migrate(*db);
    return db;
  } catch (const SQLite::Exception& e) {
    throw std::runtime_error("cannot open the store '" + o.path + "': " + e.what());
  }
}

namespace {

std::unique_ptr<SQLite::Database> open_existing(const options& o, int flags, const char* purpose) {
  configure_sqlite_once();
  try {
    auto db = std::make_unique<SQLite::Database>(o.path, flags | no_mutex, 5000);
    apply_pragmas(*db, false, o.wal_limit_bytes, o.busy_timeout_ms);
    return db;
  } catch (const SQLite::Exception& e) {
    throw std::runtime_error("cannot open the store '" + o.path + "' " + purpose + ": " + e.what());
  }
}

}  // namespace

std::unique_ptr<SQLite::Database> open_checkpointer(const options& o) {
  return open_existing(o, SQLite::OPEN_READWRITE, "to checkpoint");
}

std::unique_ptr<SQLite::Database> open_read_only(const options& o) {
  return open_existing(o, SQLite::OPEN_READONLY, "for reading");
}

}  // namespace paygham::store::sqlite
