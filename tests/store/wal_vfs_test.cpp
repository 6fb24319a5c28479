// The writer's VFS that writes each commit's WAL frames at once (gateway/store/sqlite/wal_vfs):
// whatever a commit has returned for is in the files as a kill -9 leaves them, also when the
// cache spilled mid-transaction and SQLite wrote pages and checksums again.
#include "gateway/store/sqlite/wal_vfs.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "tests/support/support.hpp"

using namespace paygham;

namespace {

SQLite::Database open_through_vfs(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 0,
                      store::sqlite::wal_vfs_name());
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA wal_autocheckpoint = 0");
  // A cache of a few pages: a transaction of any size spills pages to the WAL before its
  // commit, and changes some of them again after.
  db.exec("PRAGMA cache_size = 8");
  db.exec("PRAGMA mmap_size = 0");
  return db;
}

// Rows `from`..`to` (inclusive) keyed out of order, so the index's pages are dirtied all over.
void insert_rows(SQLite::Database& db, int from, int to, const std::string& filler) {
  SQLite::Statement q(db, "INSERT INTO t (id, k, v) VALUES (?, ?, ?)");
  for (int i = from; i <= to; ++i) {
    q.bind(1, i);
    q.bind(2, std::to_string((i * 7919) % 100003));
    q.bind(3, filler);
    q.exec();
    q.reset();
  }
}

// The database and its WAL as they are on disk now, opened elsewhere: SQLite recovers the WAL
// from the file alone, checking every frame's checksum, as after a kill -9 of the writer.
std::string recovered_copy(const test::temp_dir& d, const std::string& path,
                           const std::string& name) {
  const std::string copy = d.file(name);
  std::filesystem::copy_file(path, copy);
  std::filesystem::copy_file(path + "-wal", copy + "-wal");
  return copy;
}

}  // namespace

TEST_CASE(
    "store: each commit written through the writer's VFS is whole on disk when it returns, spilled "
    "pages and all",
    "[store][sqlite]") {
  test::temp_dir d;
  const std::string path = d.file("wal.db");
  auto db = open_through_vfs(path);
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v BLOB NOT NULL)");
  db.exec("CREATE INDEX t_k ON t (k)");
  const std::string first(300, 'a');
  const std::string again(300, 'b');

  // One commit of several MiB: the cache spills its pages, the rows are then changed again
  // (pages written a second time inside the transaction, their checksums rewritten).
  db.exec("BEGIN");
  insert_rows(db, 1, 8000, first);
  db.exec("UPDATE t SET v = '" + again + "' WHERE id % 2 = 0");
  db.exec("COMMIT");
  // Small commits, as the server's groups are: each commit's frames written at once.
  db.exec("PRAGMA cache_size = 2000");
  for (int i = 0; i < 20; ++i) {
    db.exec("BEGIN");
    insert_rows(db, 20000 + i * 3, 20000 + i * 3 + 2, again);
    db.exec("COMMIT");
  }
  // Another connection reads the commits from the files now (the default VFS).
  {
    SQLite::Database reader(path, SQLite::OPEN_READONLY);
    CHECK(reader.execAndGet("SELECT COUNT(*) FROM t").getInt() == 8060);
  }
  {
    // And so does a copy, the writer still open and holding nothing back.
    SQLite::Database copy(recovered_copy(d, path, "copy.db"), SQLite::OPEN_READWRITE);
    CHECK(copy.execAndGet("PRAGMA integrity_check").getString() == "ok");
    CHECK(copy.execAndGet("SELECT COUNT(*) FROM t").getInt() == 8060);
    CHECK(copy.execAndGet("SELECT COUNT(*) FROM t WHERE id <= 8000 AND v = '" + again + "'")
              .getInt() == 4000);
    CHECK(copy.execAndGet("SELECT MAX(id) FROM t").getInt() == 20059);
  }

  // A transaction that spilled and was rolled back: its frames are written over by the next.
  db.exec("PRAGMA cache_size = 8");
  db.exec("BEGIN");
  insert_rows(db, 8001, 12000, first);
  db.exec("ROLLBACK");
  db.exec("BEGIN");
  insert_rows(db, 30000, 30002, again);
  db.exec("COMMIT");
  SQLite::Database copy(recovered_copy(d, path, "copy2.db"), SQLite::OPEN_READWRITE);
  CHECK(copy.execAndGet("PRAGMA integrity_check").getString() == "ok");
  CHECK(copy.execAndGet("SELECT COUNT(*) FROM t").getInt() == 8063);
  CHECK(copy.execAndGet("SELECT COUNT(*) FROM t WHERE id > 8000 AND id < 20000").getInt() == 0);
}

TEST_CASE(
    "store: after a checkpoint the writer's VFS starts the WAL again and each commit is still "
    "whole on disk",
    "[store][sqlite]") {
  test::temp_dir d;
  const std::string path = d.file("wal.db");
  auto db = open_through_vfs(path);
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v BLOB NOT NULL)");
  db.exec("CREATE INDEX t_k ON t (k)");
  const std::string filler(200, 'c');
  int next = 1;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i, next += 50) {
      db.exec("BEGIN");
      insert_rows(db, next, next + 49, filler);
      db.exec("COMMIT");
    }
    // Every frame copied back: the next commit writes the WAL from its header again.
    CHECK(db.execAndGet("PRAGMA wal_checkpoint(RESTART)").getInt() == 0);
  }
  db.exec("BEGIN");
  insert_rows(db, next, next + 49, filler);
  db.exec("COMMIT");
  SQLite::Database copy(recovered_copy(d, path, "copy.db"), SQLite::OPEN_READWRITE);
  CHECK(copy.execAndGet("PRAGMA integrity_check").getString() == "ok");
  CHECK(copy.execAndGet("SELECT COUNT(*) FROM t").getInt() == next + 49);
}
