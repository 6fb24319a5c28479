#include "gateway/store/sqlite/database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "gateway/store/sqlite/crypt_vfs.hpp"
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
  // An encrypted store is never mapped (crypt_vfs.hpp): its pages are read and decrypted.
  db.exec("PRAGMA mmap_size = 268435456");
}

// The VFS the store's files go through: the encrypting one when it has a key, else the default.
const char* vfs_for(const options& o) { return o.key.empty() ? nullptr : crypt_vfs_name(o.key); }

// What the connection's database file is, from the header SQLite read when it opened it and
// before any statement: a statement would open the WAL, and a connection that read another
// key's WAL (or a plain one through the key) finds no valid frame in it and, closing, deletes it
// with every commit not yet checkpointed. Without a key, the file's first bytes through the
// connection's own file (another descriptor, closed, would let go of the process's locks).
store_file found_at_open(SQLite::Database& db, const options& o) {
  if (!o.key.empty()) return found_in(db.getHandle());
  sqlite3_file* f = nullptr;
  if (sqlite3_file_control(db.getHandle(), "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
      f == nullptr || f->pMethods == nullptr) {
    return store_file::absent;  // in memory
  }
  sqlite3_int64 size = 0;
  if (f->pMethods->xFileSize(f, &size) != SQLITE_OK)
    throw std::runtime_error("its size cannot be read");
  if (size == 0) return store_file::absent;
  unsigned char head[16] = {};
  const int rc = f->pMethods->xRead(f, head, sizeof head, 0);
  if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)
    throw std::runtime_error("its first page cannot be read");
  return std::memcmp(head, "SQLite format 3", 16) == 0 ? store_file::plain : store_file::other;
}

// A store the key (or its absence) cannot open is refused, saying which it is and what to do,
// before SQLite reads its WAL or journal or writes anything; until then a close would not
// checkpoint either.
void check_key(SQLite::Database& db, const options& o) {
  sqlite3_db_config(db.getHandle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  const store_file found = found_at_open(db, o);
  if (found == store_file::absent ||
      found == (o.key.empty() ? store_file::plain : store_file::encrypted)) {
    sqlite3_db_config(db.getHandle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, nullptr);
    return;
  }
  if (o.key.empty()) {
    throw std::runtime_error(
        "it is not a SQLite database: if it is an encrypted store, set store.key to its key");
  }
  if (found == store_file::plain) {
    throw std::runtime_error(
        "it is not encrypted, but store.key is set: encrypt it with `paygham encrypt --config "
        "FILE` while the "
        "gateway is stopped, or remove store.key");
  }
  throw std::runtime_error(
      "it does not open with store.key: it was encrypted with another key, or it is not a Paygham "
      "store");
}

// An encrypted store's pages are all crypt_vfs's size: set before the file is made, checked after.
void check_page_size(SQLite::Database& db, const options& o) {
  if (o.key.empty()) return;
  const int size = db.execAndGet("PRAGMA page_size").getInt();
  if (size != encrypted_page_bytes) {
    throw std::runtime_error("its pages are " + std::to_string(size) +
                             " bytes; an encrypted store's are " +
                             std::to_string(encrypted_page_bytes));
  }
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
    // Through the VFS that writes each commit's WAL frames at once (wal_vfs.hpp), over the
    // encrypting one when the store has a key.
    auto db = std::make_unique<SQLite::Database>(
        o.path.c_str(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | no_mutex, 5000,
        wal_vfs_name(vfs_for(o)));
    check_key(*db, o);
    if (!o.key.empty()) db->exec("PRAGMA page_size = " + std::to_string(encrypted_page_bytes));
    check_page_size(*db, o);
    apply_pragmas(*db, true, o.wal_limit_bytes, o.busy_timeout_ms);
    migrate(*db);
    return db;
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("cannot open the store '" + o.path + "': " + e.what());
  }
}

namespace {

std::unique_ptr<SQLite::Database> open_existing(const options& o, int flags, const char* purpose) {
  configure_sqlite_once();
  try {
    auto db =
        std::make_unique<SQLite::Database>(o.path.c_str(), flags | no_mutex, 5000, vfs_for(o));
    check_key(*db, o);
    check_page_size(*db, o);
    apply_pragmas(*db, false, o.wal_limit_bytes, o.busy_timeout_ms);
    return db;
  } catch (const std::runtime_error& e) {
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

namespace {

// fsync of a file or a folder, which a rename needs to last.
void sync_path(const std::string& path, bool folder) {
  const int fd = ::open(path.c_str(), (folder ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot sync '" + path + "': " + std::strerror(err));
  }
  ::close(fd);
}

// A path as a SQLite URI ("file:…"): the characters a URI gives a meaning to, escaped.
std::string file_uri(const std::string& path) {
  std::string uri = "file:";
  for (const char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      static constexpr char hex[] = "0123456789ABCDEF";
      uri += '%';
      uri += hex[static_cast<unsigned char>(c) >> 4];
      uri += hex[static_cast<unsigned char>(c) & 15];
    } else {
      uri += c;
    }
  }
  return uri;
}

// What `copy`, a file made by VACUUM INTO from the store `o` names, says of itself: "ok",
// with the key (or without one) the store has, or why not.
// Returns how many of its messages are not yet sent.
std::int64_t check_copy(const options& o, const std::string& copy, const char* what) {
  options c = o;
  c.path = copy;
  const auto db = open_existing(c, SQLite::OPEN_READONLY, what);
  const std::string verdict = db->execAndGet("PRAGMA quick_check").getString();
  if (verdict != "ok") throw std::runtime_error("'" + copy + "' did not check out: " + verdict);
  const int version =
      db->execAndGet("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").getInt();
  if (version > latest_version()) {
    throw std::runtime_error("'" + copy + "' has schema version " + std::to_string(version) +
                             ", newer than this build knows (" + std::to_string(latest_version()) +
                             "): use the paygham it was made with");
  }
  return db
      ->execAndGet(
          "SELECT COUNT(*) FROM outbound_messages WHERE status IN ('queued', 'sending', "
          "'retrying')")
      .getInt64();
}

void sync_folder_of(const std::string& path) {
  const auto folder = std::filesystem::path(path).parent_path();
  sync_path(folder.empty() ? "." : folder.string(), true);
}

// The store held as SQLite's exclusive lock holds it (its lock bytes: pending, reserved and the
// shared range), taken at once or not at all: no connection, of a gateway or of anything else,
// has it open while this lives, and one that opens it meanwhile waits, then finds the file it
// opened renamed. A descriptor of its own: the process has no SQLite connection to the file,
// whose locks closing this would let go.
class store_hold {
 public:
  explicit store_hold(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CLOEXEC)) {
    if (fd_ < 0)
      throw std::runtime_error("cannot open the store '" + path + "': " + std::strerror(errno));
    struct flock l {};
    l.l_type = F_WRLCK;
    l.l_whence = SEEK_SET;
    l.l_start = 0x40000000;
    l.l_len = 512;
    if (::fcntl(fd_, F_SETLK, &l) != 0) {
      ::close(fd_);
      throw std::runtime_error(
          "the store '" + path +
          "' is in use: stop the gateway and anything else that has it open, then try again");
    }
  }
  store_hold(const store_hold&) = delete;
  store_hold& operator=(const store_hold&) = delete;
  ~store_hold() { ::close(fd_); }

 private:
  int fd_;
};

// A new file at `path`, made here and empty, readable by this user alone (a backup of a store
// without a key holds people's data in the clear).
void make_private_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write '" + path + "': " + std::strerror(errno));
  ::close(fd);
}

// `to` made another name of `from` (a hard link) when nothing has that name: false, and nothing
// changed, when something does. Never written over, unlike a rename.
bool link_new(const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) == 0) return true;
  if (errno == EEXIST) return false;
  throw std::runtime_error("cannot name '" + to + "': " + std::strerror(errno));
}

}  // namespace

std::uintmax_t backup_to(const options& o, const std::string& to) {
  configure_sqlite_once();
  if (o.path == ":memory:") throw std::runtime_error("a store in memory has nothing to back up");
  std::error_code ec;
  if (!std::filesystem::exists(o.path, ec))
    throw std::runtime_error("there is no store at '" + o.path + "'");
  const std::string exists =
      "'" + to + "' exists: name a new file (a backup never writes over one)";
  if (std::filesystem::exists(to, ec)) throw std::runtime_error(exists);
  // A name of this run's own beside `to`: another run at the same moment has its own.
  const std::string partial = to + ".partial-" + std::to_string(::getpid());
  std::filesystem::remove(partial, ec);  // what an interrupted run of this number left
  make_private_file(partial);
  try {
    {
      // One read transaction: the copy is the store as of one commit, and the gateway's
      // writer carries on meanwhile (its WAL grows until the copy is done). VACUUM INTO
      // fills the empty file made above.
      const auto db = open_existing(o, SQLite::OPEN_READONLY | SQLite::OPEN_URI, "to back it up");
      SQLite::Statement into(*db, "VACUUM INTO ?");
      into.bind(1, file_uri(partial) +
                       (o.key.empty() ? "" : std::string("?vfs=") + crypt_vfs_name(o.key)));
      into.exec();
    }
    check_copy(o, partial, "just copied");
    sync_path(partial, false);
    if (!link_new(partial, to)) throw std::runtime_error(exists);
    std::filesystem::remove(partial, ec);
    sync_folder_of(to);
  } catch (const std::exception&) {
    std::filesystem::remove(partial, ec);
    throw;
  }
  return std::filesystem::file_size(to);
}

restored restore_from(const options& o, const std::string& from) {
  configure_sqlite_once();
  if (o.path == ":memory:") throw std::runtime_error("a store in memory cannot be restored into");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(from, ec))
    throw std::runtime_error("there is no backup at '" + from + "'");
  const bool had_store = std::filesystem::exists(o.path, ec);
  if (had_store && std::filesystem::equivalent(from, o.path, ec)) {
    throw std::runtime_error("'" + from +
                             "' is the store itself: name a backup (paygham backup makes them)");
  }
  // A backup is one file. One with a WAL or a journal beside it is a store that was in use or
  // stopped short (a store set aside by a restore, say), whose file alone misses commits.
  for (const char* suffix : {"-wal", "-journal"}) {
    if (std::filesystem::file_size(from + suffix, ec) > 0 && !ec) {
      throw std::runtime_error(
          "'" + from + "' has " + from + suffix +
          " beside it: it is a store, not a backup. Make one of it first (paygham "
          "backup with a config whose store.path is '" +
          from + "'), and restore that");
    }
  }
  check_copy(o, from, "to restore from");
  std::optional<store_hold> hold;
  if (had_store) hold.emplace(o.path);
  // The copy that takes the store's place is checked again, on the disk where it will serve.
  const std::string incoming = o.path + ".restoring";
  restored done;
  try {
    std::filesystem::copy_file(from, incoming, std::filesystem::copy_options::overwrite_existing);
    sync_path(incoming, false);
    done.waiting = check_copy(o, incoming, "as copied beside it");
  } catch (const std::exception&) {
    std::filesystem::remove(incoming, ec);
    throw;
  }
  if (had_store) {
    // The store replaced is kept whole under a new name (its WAL or journal too), before
    // anything takes its place; its own name never goes missing.
    char stamp[32];
    const std::time_t t = std::time(nullptr);
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
    try {
      for (int n = 1; done.aside.empty(); ++n) {
        const std::string name =
            o.path + ".before-restore-" + stamp + (n > 1 ? "-" + std::to_string(n) : "");
        if (link_new(o.path, name)) done.aside = name;
      }
    } catch (const std::exception&) {
      std::filesystem::remove(incoming, ec);
      throw;
    }
    for (const char* suffix : {"-wal", "-journal"}) {
      if (std::filesystem::exists(o.path + suffix, ec))
        std::filesystem::rename(o.path + suffix, done.aside + suffix);
    }
  }
  // No WAL of the store replaced may meet the backup: it would be read into it.
  for (const char* suffix : {"-wal", "-shm", "-journal"})
    std::filesystem::remove(o.path + suffix, ec);
  std::filesystem::rename(incoming, o.path);
  sync_folder_of(o.path);
  return done;
}

bool encrypt_in_place(const options& o) {
  configure_sqlite_once();
  if (o.key.empty())
    throw std::runtime_error("store.key is not set: give the key to encrypt the store with");
  if (o.path == ":memory:") throw std::runtime_error("a store in memory has nothing to encrypt");
  std::error_code ec;
  if (!std::filesystem::exists(o.path, ec) || std::filesystem::file_size(o.path, ec) == 0) {
    throw std::runtime_error(
        "there is no store at '" + o.path +
        "': a new store is made encrypted when the gateway starts with store.key");
  }
  {
    // Judged from the header read at open, with no statement: its WAL is left as it is.
    SQLite::Database probe(o.path.c_str(), SQLite::OPEN_READONLY, 0, crypt_vfs_name(o.key));
    sqlite3_db_config(probe.getHandle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    const store_file found = found_in(probe.getHandle());
    if (found == store_file::encrypted) return false;
    if (found != store_file::plain) {
      throw std::runtime_error("the store '" + o.path +
                               "' is neither a plain SQLite database nor encrypted with store.key");
    }
  }
  const std::string copy = o.path + ".encrypting";
  std::filesystem::remove(copy);  // what an interrupted run left
  {
    SQLite::Database plain(o.path.c_str(), SQLite::OPEN_READWRITE | SQLite::OPEN_URI, 0);
    // Held from the first write to the close: nobody writes the store while it is copied, and
    // a gateway that has it open makes this fail instead.
    plain.exec("PRAGMA locking_mode = EXCLUSIVE");
    try {
      plain.exec("BEGIN EXCLUSIVE");
      plain.exec("COMMIT");
    } catch (const SQLite::Exception& e) {
      throw std::runtime_error(
          "the store '" + o.path + "' is in use (" + e.what() +
          "): stop the gateway and anything else that has it open, then try again");
    }
    const int size = plain.execAndGet("PRAGMA page_size").getInt();
    if (size != encrypted_page_bytes) {
      throw std::runtime_error(
          "the store's pages are " + std::to_string(size) + " bytes; an encrypted store's are " +
          std::to_string(encrypted_page_bytes) + ": run `VACUUM` with `PRAGMA page_size = " +
          std::to_string(encrypted_page_bytes) + "` on it first");
    }
    SQLite::Statement into(plain, "VACUUM INTO ?");
    into.bind(1, file_uri(copy) + "?vfs=" + crypt_vfs_name(o.key));
    into.exec();
    {
      // What was written reads back through the key before it replaces anything.
      SQLite::Database check(copy.c_str(), SQLite::OPEN_READWRITE, 0, crypt_vfs_name(o.key));
      const std::string verdict = check.execAndGet("PRAGMA quick_check").getString();
      if (verdict != "ok") {
        throw std::runtime_error("the encrypted copy '" + copy + "' did not check out (" + verdict +
                                 "); the store is unchanged");
      }
    }
    sync_path(copy, false);
  }
  // The plain store's WAL was checkpointed into it at its close (and removed); what is left of
  // its files goes too, before the encrypted store takes its name.
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(o.path + suffix);
  std::filesystem::rename(copy, o.path);
  sync_folder_of(o.path);
  return true;
}

}  // namespace paygham::store::sqlite
