// The store encrypted by Paygham (store.key, gateway/store/sqlite/crypt_vfs): nothing of a
// person in its files, everything back with the key, a wrong or missing key refused with what
// to do, and `paygham encrypt` for a store made before the key.
#include "gateway/store/sqlite/crypt_vfs.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "gateway/store/sqlite/database.hpp"
#include "gateway/store/sqlite/wal_vfs.hpp"
#include "gateway/store/writer.hpp"
#include "tests/support/store_support.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

const std::string key(32, '\x5a');
const std::string other_key(32, '\x33');
const std::string phone = "+93700555123";
const std::string digits = "93700555123";  // as it would lie in a file, whatever encoding around it

store::options sqlite_opts(const test::temp_dir& d, const std::string& k,
                           const std::string& name = "store.db") {
  store::options o;
  o.path = d.file(name);
  o.sync = store::synchronous::normal;
  o.key = k;
  return o;
}

// Whether the file holds `text` anywhere, read past SQLite.
bool file_holds(const std::string& path, const std::string& text) {
  if (!std::filesystem::exists(path)) return false;
  return test::read_file(path).find(text) != std::string::npos;
}

bool store_files_hold(const std::string& path, const std::string& text) {
  return file_holds(path, text) || file_holds(path + "-wal", text) ||
         file_holds(path + "-journal", text);
}

std::string phone_of(const store::options& o, std::int64_t id) {
  auto db = store::sqlite::open_read_only(o);
  SQLite::Statement q(*db, "SELECT phone FROM contacts WHERE id = ?");
  q.bind(1, id);
  return q.executeStep() ? q.getColumn(0).getString() : "";
}

std::string open_error(const store::options& o) {
  try {
    store::sqlite::open_read_only(o);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// A table of `rows` rows each with the phone number in it, through the encrypting VFS.
void fill(SQLite::Database& db, int rows) {
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  db.exec("BEGIN");
  SQLite::Statement q(db, "INSERT INTO t (id, v) VALUES (?, ?)");
  for (int i = 1; i <= rows; ++i) {
    q.bind(1, i);
    q.bind(2, phone + std::string(200, static_cast<char>('a' + i % 26)));
    q.exec();
    q.reset();
  }
  db.exec("COMMIT");
}

}  // namespace

TEST_CASE("store: with store.key no number is readable in the store's files, and all of it reads back with the key, also from a copy taken with the writer open",
          "[store][sqlite]") {
  test::temp_dir d;
  for (const bool encrypted : {false, true}) {
    const auto o = sqlite_opts(d, encrypted ? key : "", encrypted ? "locked.db" : "plain.db");
    const auto w = store::open_writer(o);
    const auto c = test::in_tx(*w, [](store::tx& t) { return t.upsert_contact(phone); });
    // In the WAL, as a kill -9 would leave it: copied with the writer open.
    const std::string copy = o.path + ".copy";
    std::filesystem::copy_file(o.path, copy);
    std::filesystem::copy_file(o.path + "-wal", copy + "-wal");
    auto copied = o;
    copied.path = copy;
    CHECK(phone_of(copied, c.id) == phone);
    // The control: without a key the number lies in the files as it is.
    CHECK(store_files_hold(o.path, digits) == !encrypted);
    // Stopped, the WAL checkpointed into the database file: there too.
    w->stop();
    CHECK(store_files_hold(o.path, digits) == !encrypted);
    CHECK(phone_of(o, c.id) == phone);
  }
}

TEST_CASE("store: an encrypted store is refused without its key or with another, and a plain one with a key, each saying what to do",
          "[store][sqlite]") {
  test::temp_dir d;
  { store::sqlite::open_database(sqlite_opts(d, key, "locked.db")); }
  { store::sqlite::open_database(sqlite_opts(d, "", "plain.db")); }
  CHECK_THAT(open_error(sqlite_opts(d, "", "locked.db")),
             Catch::Contains("set store.key to its key"));
  CHECK_THAT(open_error(sqlite_opts(d, other_key, "locked.db")),
             Catch::Contains("encrypted with another key"));
  CHECK_THAT(open_error(sqlite_opts(d, key, "plain.db")), Catch::Contains("paygham encrypt"));
  CHECK(open_error(sqlite_opts(d, key, "locked.db")).empty());
  // Refused before anything was written: the plain store is as it was.
  CHECK(open_error(sqlite_opts(d, "", "plain.db")).empty());
}

TEST_CASE("store: paygham encrypt encrypts a plain store where it lies, refuses one in use and leaves an encrypted one as it is",
          "[store][sqlite]") {
  test::temp_dir d;
  const auto plain = sqlite_opts(d, "");
  auto locked = plain;
  locked.key = key;
  std::int64_t id = 0;
  {
    const auto w = store::open_writer(plain);
    id = test::in_tx(*w, [](store::tx& t) { return t.upsert_contact(phone); }).id;
    // The gateway still has it open: nothing changes.
    CHECK_THROWS_WITH(store::encrypt(locked), Catch::Contains("in use"));
    CHECK(phone_of(plain, id) == phone);
  }
  REQUIRE(store_files_hold(plain.path, digits));
  CHECK(store::encrypt(locked));
  CHECK_FALSE(store_files_hold(plain.path, digits));
  CHECK_FALSE(std::filesystem::exists(plain.path + ".encrypting"));
  CHECK(phone_of(locked, id) == phone);
  CHECK_THAT(open_error(plain), Catch::Contains("set store.key"));
  // Its schema came along: the gateway opens it and goes on.
  {
    const auto w = store::open_writer(locked);
    CHECK(test::in_tx(*w, [](store::tx& t) { return t.upsert_contact(phone); }).id == id);
  }
  CHECK_FALSE(store::encrypt(locked));  // already
  CHECK_THROWS_WITH(store::encrypt(sqlite_opts(d, key, "none.db")), Catch::Contains("no store"));
}

TEST_CASE("store: the encrypting VFS rolls a hot journal back, sorts through temporary files and refuses pages of another size",
          "[store][sqlite]") {
  test::temp_dir d;
  const std::string path = d.file("j.db");
  const char* vfs = store::sqlite::crypt_vfs_name(key);
  {
    SQLite::Database db(path.c_str(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 0, vfs);
    db.exec("PRAGMA journal_mode = DELETE");
    db.exec("PRAGMA cache_size = 8");  // the transaction below spills pages into the database
    fill(db, 2000);
    db.exec("BEGIN");
    db.exec("UPDATE t SET v = 'changed' || id");
    // As a crash leaves them mid-transaction: the database part written, the journal with the
    // pages as they were (the person's number among them), encrypted.
    REQUIRE(std::filesystem::exists(path + "-journal"));
    CHECK_FALSE(file_holds(path + "-journal", digits));
    std::filesystem::copy_file(path, d.file("crash.db"));
    std::filesystem::copy_file(path + "-journal", d.file("crash.db-journal"));
    db.exec("ROLLBACK");
    // A sort larger than the cache goes through temporary files, each under a key of its own.
    db.exec("PRAGMA temp_store = FILE");
    CHECK(db.execAndGet("SELECT COUNT(*) FROM (SELECT v FROM t ORDER BY v DESC, id)").getInt() ==
          2000);
    CHECK(db.execAndGet("SELECT id FROM t ORDER BY v DESC, id LIMIT 1").getInt() == 25);
  }
  CHECK_FALSE(store_files_hold(path, digits));
  SQLite::Database crashed(d.file("crash.db").c_str(), SQLite::OPEN_READWRITE, 0, vfs);
  CHECK(crashed.execAndGet("PRAGMA integrity_check").getString() == "ok");
  CHECK(crashed.execAndGet("SELECT COUNT(*) FROM t WHERE v LIKE 'changed%'").getInt() == 0);
  CHECK(crashed.execAndGet("SELECT COUNT(*) FROM t WHERE v LIKE '" + phone + "%'").getInt() ==
        2000);

  // Pages of another size would not lie where the VFS looks for them: refused at the first write.
  SQLite::Database wide(d.file("wide.db").c_str(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 0,
                        vfs);
  wide.exec("PRAGMA page_size = 8192");
  CHECK_THROWS(wide.exec("CREATE TABLE t (id INTEGER PRIMARY KEY)"));
  // And a plain store of such pages is not encrypted, with what to do.
  {
    SQLite::Database p(d.file("wide-plain.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    p.exec("PRAGMA page_size = 8192");
    p.exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  }
  CHECK_THROWS_WITH(store::encrypt(sqlite_opts(d, key, "wide-plain.db")), Catch::Contains("8192"));
}

TEST_CASE("store: a commit of several MiB through the writer's VFS over the encrypting one is whole on disk when it returns",
          "[store][sqlite]") {
  // The VFS above holds a commit's frames and writes them in pieces of 124 KiB, which end in
  // the middle of pages: each piece's last page is read, changed and written whole.
  test::temp_dir d;
  const std::string path = d.file("big.db");
  SQLite::Database db(path.c_str(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 0,
                      store::sqlite::wal_vfs_name(store::sqlite::crypt_vfs_name(key)));
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA wal_autocheckpoint = 0");
  fill(db, 12000);  // about 3 MiB in one commit
  db.exec("UPDATE t SET v = 'again' || v WHERE id % 3 = 0");
  CHECK_FALSE(store_files_hold(path, digits));
  // As a kill -9 leaves them, the writer open: read back through the key alone.
  std::filesystem::copy_file(path, d.file("copy.db"));
  std::filesystem::copy_file(path + "-wal", d.file("copy.db-wal"));
  SQLite::Database copy(d.file("copy.db").c_str(), SQLite::OPEN_READWRITE, 0,
                        store::sqlite::crypt_vfs_name(key));
  CHECK(copy.execAndGet("PRAGMA integrity_check").getString() == "ok");
  CHECK(copy.execAndGet("SELECT COUNT(*) FROM t").getInt() == 12000);
  CHECK(copy.execAndGet("SELECT COUNT(*) FROM t WHERE v LIKE 'again%'").getInt() == 4000);
}

TEST_CASE("store: a store refused for its key keeps the commits its WAL holds, and paygham encrypt takes them along",
          "[store][sqlite]") {
  // As a kill -9 leaves a store: commits in the WAL, none checkpointed. A gateway restarted with
  // the key unset or wrong is refused; the WAL must still be there for the right key.
  test::temp_dir d;
  const auto crashed = [&](const std::string& k, const std::string& name) {
    const auto o = sqlite_opts(d, k, name + ".live");
    const auto w = store::open_writer(o);
    const auto id = test::in_tx(*w, [](store::tx& t) { return t.upsert_contact(phone); }).id;
    std::filesystem::copy_file(o.path, d.file(name));
    std::filesystem::copy_file(o.path + "-wal", d.file(name + "-wal"));
    return id;
  };
  // Refused as the gateway opens its store: read-write, able to checkpoint and delete a WAL.
  const auto writer_error = [](const store::options& o) {
    try {
      store::open_writer(o);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const auto locked_id = crashed(key, "locked.db");
  CHECK_THAT(writer_error(sqlite_opts(d, "", "locked.db")), Catch::Contains("set store.key"));
  CHECK_THAT(writer_error(sqlite_opts(d, other_key, "locked.db")), Catch::Contains("another key"));
  CHECK(phone_of(sqlite_opts(d, key, "locked.db"), locked_id) == phone);

  const auto plain_id = crashed("", "plain.db");
  CHECK_THAT(writer_error(sqlite_opts(d, key, "plain.db")), Catch::Contains("paygham encrypt"));
  REQUIRE(std::filesystem::exists(d.file("plain.db-wal")));
  CHECK(store::encrypt(sqlite_opts(d, key, "plain.db")));
  CHECK(phone_of(sqlite_opts(d, key, "plain.db"), plain_id) == phone);
}

TEST_CASE("store: a WAL frame's checksums lie masked, whatever pieces its header is written and read in", "[store][sqlite]") {
  // The two checksums of a frame's header are of the page in the clear: as SQLite wrote them
  // they would confirm a guess of a whole page. On disk they are masked; through the key they
  // read back as written, also when a write or a read ends between a header's salts and them.
  test::temp_dir d;
  const std::string path = d.file("masks.db");
  {
    SQLite::Database(path.c_str(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  }  // its WAL's database
  sqlite3_vfs* vfs = sqlite3_vfs_find(store::sqlite::crypt_vfs_name(key));
  REQUIRE(vfs != nullptr);
  std::vector<unsigned char> space(static_cast<std::size_t>(vfs->szOsFile));
  auto* f = reinterpret_cast<sqlite3_file*>(space.data());
  const std::string wal = path + "-wal";
  int out_flags = 0;
  REQUIRE(vfs->xOpen(vfs, wal.c_str(), f,
                     SQLITE_OPEN_WAL | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                     &out_flags) == SQLITE_OK);
  // A WAL header naming 4096-byte pages, then two frames: each header's salts, checksums and a
  // page of its own.
  constexpr int frame = 24 + 4096;
  std::vector<unsigned char> bytes(32 + 2 * frame, 0);
  bytes[0] = 0x37, bytes[1] = 0x7f, bytes[2] = 0x06, bytes[3] = 0x82, bytes[10] = 0x10;
  for (int i = 0; i < 2; ++i) {
    unsigned char* h = bytes.data() + 32 + i * frame;
    for (int b = 8; b < 16; ++b) h[b] = static_cast<unsigned char>(0xa0 + b);       // the salts
    for (int b = 16; b < 24; ++b) h[b] = static_cast<unsigned char>(0x10 * i + b);  // the checksums
    std::fill(h + 24, h + frame, static_cast<unsigned char>('p' + i));
  }
  // Written in pieces that end within the first header, after its salts, and within the second's
  // checksums.
  const std::vector<int> cuts = {0, 32 + 12, 32 + 20, 32 + frame + 18,
                                 static_cast<int>(bytes.size())};
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    REQUIRE(f->pMethods->xWrite(f, bytes.data() + cuts[i], cuts[i + 1] - cuts[i], cuts[i]) ==
            SQLITE_OK);
  }
  const std::string raw = test::read_file(wal);
  REQUIRE(raw.size() == bytes.size());
  for (int i = 0; i < 2; ++i) {
    const std::size_t h = static_cast<std::size_t>(32 + i * frame);
    CHECK(raw.compare(h + 8, 8, reinterpret_cast<const char*>(bytes.data() + h + 8), 8) ==
          0);  // salts as written
    CHECK(raw.compare(h + 16, 8, reinterpret_cast<const char*>(bytes.data() + h + 16), 8) !=
          0);  // checksums masked
  }
  // Read back whole, and in pieces that cut the headers as the writes did.
  std::vector<unsigned char> back(bytes.size());
  REQUIRE(f->pMethods->xRead(f, back.data(), static_cast<int>(back.size()), 0) == SQLITE_OK);
  CHECK(back == bytes);
  std::fill(back.begin(), back.end(), 0);
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    REQUIRE(f->pMethods->xRead(f, back.data() + cuts[i], cuts[i + 1] - cuts[i], cuts[i]) ==
            SQLITE_OK);
  }
  CHECK(back == bytes);
  f->pMethods->xClose(f);
}
