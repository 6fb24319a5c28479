// The writer's VFS that writes each commit's WAL frames at once (gateway/store/sqlite/wal_vfs):
// whatever a commit has returned for is in the files as a kill -9 leaves them, also when the
// cache spilled mid-transaction and SQLite wrote pages and checksums again.
#include "gateway/store/sqlite/wal_vfs.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

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

// A table of rows with an index, in a new database opened through the VFS.
SQLite::Database open_table(const std::string& path) {
  auto db = open_through_vfs(path);
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v BLOB NOT NULL)");
  db.exec("CREATE INDEX t_k ON t (k)");
  return db;
}

// A test's database of one table, opened through the VFS.
struct table_fixture {
  test::temp_dir d;
  std::string path = d.file("wal.db");
  SQLite::Database db = open_table(path);
};

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

// The same, as a transaction of its own.
void commit_rows(SQLite::Database& db, int from, int to, const std::string& filler) {
  db.exec("BEGIN");
  insert_rows(db, from, to, filler);
  db.exec("COMMIT");
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

// Bytes of a file as the kernel has them, read past the VFS.
std::vector<unsigned char> in_file(const std::string& path, std::streamoff at, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(at);
  std::vector<unsigned char> out(n, 0);
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(n));
  return out;
}

}  // namespace

TEST_CASE("store: each commit written through the writer's VFS is whole on disk when it returns, spilled pages and all",
          "[store][sqlite]") {
  table_fixture fx;
  auto& [d, path, db] = fx;
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
  for (int i = 0; i < 20; ++i) commit_rows(db, 20000 + i * 3, 20000 + i * 3 + 2, again);
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
  commit_rows(db, 30000, 30002, again);
  SQLite::Database copy(recovered_copy(d, path, "copy2.db"), SQLite::OPEN_READWRITE);
  CHECK(copy.execAndGet("PRAGMA integrity_check").getString() == "ok");
  CHECK(copy.execAndGet("SELECT COUNT(*) FROM t").getInt() == 8063);
  CHECK(copy.execAndGet("SELECT COUNT(*) FROM t WHERE id > 8000 AND id < 20000").getInt() == 0);
}

TEST_CASE("store: after a checkpoint the writer's VFS starts the WAL again and each commit is still whole on disk",
          "[store][sqlite]") {
  table_fixture fx;
  auto& [d, path, db] = fx;
  const std::string filler(200, 'c');
  int next = 1;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i, next += 50) commit_rows(db, next, next + 49, filler);
    // Every frame copied back: the next commit writes the WAL from its header again.
    CHECK(db.execAndGet("PRAGMA wal_checkpoint(RESTART)").getInt() == 0);
  }
  commit_rows(db, next, next + 49, filler);
  SQLite::Database copy(recovered_copy(d, path, "copy.db"), SQLite::OPEN_READWRITE);
  CHECK(copy.execAndGet("PRAGMA integrity_check").getString() == "ok");
  CHECK(copy.execAndGet("SELECT COUNT(*) FROM t").getInt() == next + 49);
}

TEST_CASE("store: the writer's VFS holds a WAL's frames until a commit's last page, or until the write lock goes",
          "[store][sqlite]") {
  // The VFS as SQLite calls it, one step at a time: what reaches the file after each.
  test::temp_dir d;
  const std::string path = d.file("v.db");
  sqlite3_vfs* vfs = sqlite3_vfs_find(store::sqlite::wal_vfs_name());
  REQUIRE(vfs != nullptr);
  const sqlite3_filename name = sqlite3_create_filename(path.c_str(), (path + "-journal").c_str(),
                                                        (path + "-wal").c_str(), 0, nullptr);
  std::vector<std::uint64_t> db_bytes(static_cast<std::size_t>(vfs->szOsFile) / 8 + 1);
  std::vector<std::uint64_t> wal_bytes(db_bytes.size());
  auto* db = reinterpret_cast<sqlite3_file*>(db_bytes.data());
  auto* wal = reinterpret_cast<sqlite3_file*>(wal_bytes.data());
  const int create = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  REQUIRE(vfs->xOpen(vfs, name, db, create | SQLITE_OPEN_MAIN_DB, nullptr) == SQLITE_OK);
  REQUIRE(vfs->xOpen(vfs, sqlite3_filename_wal(name), wal, create | SQLITE_OPEN_WAL, nullptr) ==
          SQLITE_OK);
  const auto on_disk = [&] { return std::filesystem::file_size(path + "-wal"); };
  constexpr int page = 4096;
  constexpr int frame = 24 + page;
  // A frame: its header (bytes 4-7: the database's pages after a commit, else 0), its page.
  const auto write_frame = [&](int index, unsigned char commit_pages, unsigned char fill) {
    std::vector<unsigned char> header(24, 0), body(page, fill);
    header[7] = commit_pages;
    const sqlite3_int64 at = 32 + static_cast<sqlite3_int64>(index) * frame;
    REQUIRE(wal->pMethods->xWrite(wal, header.data(), 24, at) == SQLITE_OK);
    REQUIRE(wal->pMethods->xWrite(wal, body.data(), page, at + 24) == SQLITE_OK);
  };
  std::vector<unsigned char> wal_header(32, 7);
  REQUIRE(wal->pMethods->xWrite(wal, wal_header.data(), 32, 0) == SQLITE_OK);
  write_frame(0, 0, 'a');
  CHECK(on_disk() == 0);  // held
  write_frame(1, 2, 'b');
  CHECK(on_disk() == 32 + 2 * frame);  // the commit's last page: all of it at once
  write_frame(2, 0, 'c');
  CHECK(on_disk() == 32 + 2 * frame);  // a spill of the next transaction: held
  // Rolled back, the connection lets go of the write lock: written before anyone else writes.
  db->pMethods->xShmLock(db, 0, 1, SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE);
  CHECK(on_disk() == 32 + 3 * frame);
  // A page written again goes straight through.
  write_frame(3, 0, 'd');
  std::vector<unsigned char> again(page, 'e');
  REQUIRE(wal->pMethods->xWrite(wal, again.data(), page, 32 + 24) == SQLITE_OK);
  CHECK(on_disk() == 32 + 4 * frame);  // what was held went first
  CHECK(in_file(path + "-wal", 32 + 24, page) == again);
  // So does a frame's header written again (its checksum), with nothing held before it.
  std::vector<unsigned char> header_again(24, 'h');
  REQUIRE(wal->pMethods->xWrite(wal, header_again.data(), 24, 32) == SQLITE_OK);
  CHECK(in_file(path + "-wal", 32, 24) == header_again);
  CHECK(wal->pMethods->xClose(wal) == SQLITE_OK);
  CHECK(db->pMethods->xClose(db) == SQLITE_OK);
  sqlite3_free_filename(name);
}
