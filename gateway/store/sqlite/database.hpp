// Opening the SQLite database: pragmas and numbered migrations. The writer and each reader
// call these; only the writer migrates.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "gateway/store/options.hpp"

namespace SQLite {
class Database;
}

namespace paygham::store::sqlite {

// Opens read-write, creates the file and its folder, sets WAL and pragmas, applies any
// migrations not yet applied. Throws std::runtime_error with a message that names the file.
std::unique_ptr<SQLite::Database> open_database(const options& o);

// Opens read-write without migrating, for the writer's checkpoints.
std::unique_ptr<SQLite::Database> open_checkpointer(const options& o);

// Opens read-only on an existing, migrated database.
std::unique_ptr<SQLite::Database> open_read_only(const options& o);

// Encrypts the plain store at o.path with o.key where it lies (store::encrypt): false when it
// already is encrypted with that key.
bool encrypt_in_place(const options& o);

// A copy of the store at o.path, taken while the gateway serves, written to `to` (a new file)
// with the same key, checked and synced; returns its size in bytes.
std::uintmax_t backup_to(const options& o, const std::string& to);

// Puts the backup at `from` in place of the store at o.path while nothing has it open
// (store::restore).
restored restore_from(const options& o, const std::string& from);

// Applies every migration newer than the database's version up to `target` (all of them by
// default), each in its own transaction. Returns the schema version after.
int migrate(SQLite::Database& db, int target = -1);

// The newest migration this build knows.
int latest_version();

}  // namespace paygham::store::sqlite
