#include "gateway/store/database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <stdexcept>

namespace paygham::store {
namespace {

void apply_pragmas(SQLite::Database& db, const options& o, bool writer) {
  db.exec("PRAGMA foreign_keys = ON");
  if (writer) {
    // WAL lets readers run beside the one writer; a :memory: database stays in "memory" mode.
    db.exec("PRAGMA journal_mode = WAL");
  }
  db.exec(o.sync == synchronous::full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA temp_store = MEMORY");
}

}  // namespace

std::unique_ptr<SQLite::Database> open_writer(const options& o) {
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
    auto db = std::make_unique<SQLite::Database>(
        o.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX, 5000);
    apply_pragmas(*db, o, true);
    migrate(*db);
    return db;
  } catch (const SQLite::Exception& e) {
    throw std::runtime_error("cannot open the store '" + o.path + "': " + e.what());
  }
}

std::unique_ptr<SQLite::Database> open_reader(const options& o) {
  try {
    auto db = std::make_unique<SQLite::Database>(o.path, SQLite::OPEN_READONLY, 5000);
    apply_pragmas(*db, o, false);
    return db;
  } catch (const SQLite::Exception& e) {
    throw std::runtime_error("cannot open the store '" + o.path + "' for reading: " + e.what());
  }
}

}  // namespace paygham::store
