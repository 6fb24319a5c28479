// Opening the SQLite database: pragmas and numbered migrations. The writer and each reader
// call open(); only the writer migrates.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "gateway/core/clock.hpp"

namespace SQLite {
class Database;
}

namespace paygham::store {

enum class synchronous { normal, full };

struct options {
  std::string path;  // a file path, or ":memory:" in tests
  // full: every group commit is fsynced before its requests are answered (survives power
  // loss); normal: the WAL is fsynced at checkpoints only (survives a crash of the process,
  // not of the machine).
  synchronous sync = synchronous::full;
  // The time each transaction sees as tx::now(); tests and `paygham simulate` step it.
  std::function<core::unix_ms()> clock = core::now_ms;
  // The size the WAL is kept at (journal_size_limit, and its preallocation with synchronous =
  // full). A burst that grows it past this is truncated back by the next checkpoint.
  std::int64_t wal_limit_bytes = 64 << 20;
  // Work items waiting for the writer beyond which callbacks are answered 503 (writer::busy).
  std::size_t max_queue = 20000;
};

// Opens read-write, creates the file and its folder, sets WAL and pragmas, applies any
// migrations not yet applied. Throws SQLite::Exception or std::runtime_error with a message
// that names the file.
std::unique_ptr<SQLite::Database> open_writer(const options& o);

// Opens read-write without migrating, for the writer's checkpoints.
std::unique_ptr<SQLite::Database> open_checkpointer(const options& o);

// Opens read-only on an existing, migrated database.
std::unique_ptr<SQLite::Database> open_reader(const options& o);

// Applies every migration newer than the database's version, each in its own transaction.
// Returns the schema version after.
int migrate(SQLite::Database& db);

// The newest migration this build knows.
int latest_version();

}  // namespace paygham::store
