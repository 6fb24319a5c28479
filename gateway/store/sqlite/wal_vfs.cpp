#include "gateway/store/sqlite/wal_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/store/sqlite/vfs_layer.hpp"

// SQLite writes a WAL frame as two writes: its 24-byte header, then its page, each frame after
// the last (sqlite.org/fileformat.html, "WAL File Format"). The header's bytes 4-7 hold,
// big-endian, the database's size in pages after the commit for the frame that ends a commit,
// and zero for every other frame. A WAL file here gathers frames appended past the furthest
// byte written since the WAL's header (32 bytes at offset 0) into one buffer, and writes it
// once the page of a commit's last frame is given, with that write's error returned to SQLite.
// SQLite publishes a commit to other connections only after its frames are written, and every
// frame it publishes was appended no later than that page, so each is in the file by then.
// What SQLite writes again inside a transaction (a page changed after the cache spilled it,
// the checksums then rewritten) lies before that furthest byte and goes to the file at once,
// after what is held. What is held is also written before anything that reads, syncs,
// measures, truncates or closes the file, before a write out of sequence, past 1 MiB, and
// when the connection lets go of the database's write lock (frames of a transaction rolled
// back: written then as SQLite would have, before another connection may write there). What
// cannot be written stays held and is tried again first, its error returned each time, so a
// full disk fails the transaction rather than leaving a gap. The database file is the
// VFS beneath's, seen through us only for that lock; every other file is that VFS's own.
namespace paygham::store::sqlite {
namespace {

constexpr int wal_header_bytes = 32;
constexpr int frame_header_bytes = 24;
constexpr std::size_t max_pending_bytes = std::size_t{1} << 20;
// The platform VFS takes at most 128 KiB - 1 in one write (os_unix.c masks the length with
// 0x1ffff); more is written in pieces of 124 KiB.
constexpr std::size_t max_write_bytes = 124 * 1024;
// The WAL's write lock is the first of its shared-memory locks (wal.c, WAL_WRITE_LOCK).
constexpr int wal_write_lock = 0;

// A database or WAL file SQLite opened through us (layer::file: the file of the VFS beneath
// follows). Each is used by one connection, so by one thread at a time.
struct file : layer::file {
  const char* name = nullptr;  // a database: SQLite's name for it, the key in `databases`
  file* wal = nullptr;         // a database: the WAL its connection opened
  file* db = nullptr;          // a WAL: its connection's database file
  // A WAL's frames held back: `pending` goes at `start` in the file.
  std::vector<unsigned char> pending;
  sqlite3_int64 start = 0;
  sqlite3_int64 furthest = 0;         // the end of the furthest write since the WAL's header
  sqlite3_int64 commit_body_at = -1;  // after a commit frame's header: where its page goes
};

// The file beneath follows ours, aligned as SQLite aligns its allocations.
constexpr std::size_t real_offset = (sizeof(file) + 7) / 8 * 8;

// Open databases by the name SQLite gave (one pointer per connection, which
// sqlite3_filename_database gives back from the name of its WAL).
std::mutex databases_mu;
std::unordered_map<const char*, file*> databases;

file* as_file(sqlite3_file* p) { return reinterpret_cast<file*>(p); }
using namespace layer;

std::uint32_t big_endian_u32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// Writes what the WAL holds; what could not be written stays held, to be tried again first.
int flush(file* f) {
  std::size_t written = 0;
  int rc = SQLITE_OK;
  while (written < f->pending.size()) {
    const std::size_t n = std::min(max_write_bytes, f->pending.size() - written);
    rc = f->real->pMethods->xWrite(f->real, f->pending.data() + written, static_cast<int>(n),
                                   f->start + static_cast<sqlite3_int64>(written));
    if (rc != SQLITE_OK) break;
    written += n;
  }
  f->pending.erase(f->pending.begin(), f->pending.begin() + static_cast<std::ptrdiff_t>(written));
  f->start += static_cast<sqlite3_int64>(written);
  return rc;
}

// The WAL: what it holds is written first.
template <auto Pass, typename... Args>
int flushed_then(sqlite3_file* p, Args... args) {
  if (const int rc = flush(as_file(p)); rc != SQLITE_OK) return rc;
  return Pass(p, args...);
}

int wal_close(sqlite3_file* p) {
  file* f = as_file(p);
  const int flushed = flush(f);
  const int rc = io(p).xClose(f->real);
  if (f->db) f->db->wal = nullptr;
  f->~file();
  return flushed != SQLITE_OK ? flushed : rc;
}

int wal_write(sqlite3_file* p, const void* data, int n, sqlite3_int64 off) {
  file* f = as_file(p);
  const auto* bytes = static_cast<const unsigned char*>(data);
  const auto size = static_cast<sqlite3_int64>(n);
  const bool wal_header = off == 0 && n == wal_header_bytes;
  if (wal_header) f->furthest = 0;  // the WAL starts again from its beginning
  const bool appends =
      !f->pending.empty() && off == f->start + static_cast<sqlite3_int64>(f->pending.size());
  const bool begins =
      f->pending.empty() && off >= f->furthest && (wal_header || n == frame_header_bytes);
  f->furthest = std::max(f->furthest, off + size);
  const bool ends_commit = off == f->commit_body_at;
  f->commit_body_at = -1;
  if (appends || begins) {
    try {
      f->pending.insert(f->pending.end(), bytes, bytes + n);
      if (begins) f->start = off;
      if (n == frame_header_bytes && big_endian_u32(bytes + 4) != 0) f->commit_body_at = off + size;
      if (ends_commit || f->pending.size() >= max_pending_bytes) return flush(f);
      return SQLITE_OK;
    } catch (const std::bad_alloc&) {
      // No memory to hold it: straight through, below.
    }
  }
  // Written again, or out of sequence: what is held first, then this, straight through.
  if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  return pass_write(p, data, n, off);
}

// The database: its connection letting go of the write lock settles what its WAL holds.
int db_shm_lock(sqlite3_file* p, int offset, int n, int flags) {
  file* f = as_file(p);
  const bool releases_write =
      (flags & SQLITE_SHM_UNLOCK) != 0 && offset <= wal_write_lock && wal_write_lock < offset + n;
  if (releases_write && f->wal && flush(f->wal) != SQLITE_OK) {
    // Only frames of a transaction rolled back can be held now (a commit's were written with
    // it, their error returned): dropped, never written later over another connection's.
    f->wal->pending.clear();
  }
  return pass_shm_lock(p, offset, n, flags);
}

int db_close(sqlite3_file* p) {
  file* f = as_file(p);
  if (f->name) {
    std::lock_guard lock(databases_mu);
    databases.erase(f->name);
  }
  if (f->wal) f->wal->db = nullptr;
  const int rc = io(p).xClose(f->real);
  f->~file();
  return rc;
}

const sqlite3_io_methods wal_methods = {
    3,
    wal_close,
    flushed_then<pass_read, void*, int, sqlite3_int64>,
    wal_write,
    flushed_then<pass_truncate, sqlite3_int64>,
    flushed_then<pass_sync, int>,
    flushed_then<pass_file_size, sqlite3_int64*>,
    pass_lock,
    pass_unlock,
    pass_check_reserved,
    flushed_then<pass_file_control, int, void*>,
    pass_sector_size,
    pass_device,
    pass_shm_map,
    pass_shm_lock,
    pass_shm_barrier,
    pass_shm_unmap,
    flushed_then<pass_fetch, sqlite3_int64, int, void**>,
    pass_unfetch,
};

const sqlite3_io_methods db_methods = {
    3,
    db_close,
    pass_read,
    pass_write,
    pass_truncate,
    pass_sync,
    pass_file_size,
    pass_lock,
    pass_unlock,
    pass_check_reserved,
    pass_file_control,
    pass_sector_size,
    pass_device,
    pass_shm_map,
    db_shm_lock,
    pass_shm_barrier,
    pass_shm_unmap,
    pass_fetch,
    pass_unfetch,
};

int open_file(sqlite3_vfs* vfs, const char* name, sqlite3_file* out, int flags, int* out_flags) {
  auto* below = static_cast<sqlite3_vfs*>(vfs->pAppData);
  const bool wal = (flags & SQLITE_OPEN_WAL) != 0;
  const bool db = (flags & SQLITE_OPEN_MAIN_DB) != 0 && name != nullptr;
  // Every other file is the VFS beneath's own, in the bytes SQLite gave.
  if (!wal && !db) return below->xOpen(below, name, out, flags, out_flags);
  auto* f = new (out) file{};
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(out) + real_offset);
  const int rc = below->xOpen(below, name, f->real, flags, out_flags);
  if (f->real->pMethods == nullptr) {
    // Nothing to close: SQLite calls no method of a file whose pMethods is null.
    f->~file();
    out->pMethods = nullptr;
    return rc;
  }
  f->base.pMethods = wal ? &wal_methods : &db_methods;
  std::lock_guard lock(databases_mu);
  if (db) {
    f->name = name;
    databases[name] = f;
  } else if (const auto it = databases.find(sqlite3_filename_database(name));
             it != databases.end()) {
    f->db = it->second;
    it->second->wal = f;
  }
  return rc;
}

// One registered VFS a VFS beneath: its name, and SQLite's struct.
struct entry {
  std::string name;
  sqlite3_vfs vfs{};
};
std::mutex registry_mu;
std::map<std::string, std::unique_ptr<entry>, std::less<>> registry;  // by the name beneath

}  // namespace

const char* wal_vfs_name(const char* over) {
  sqlite3_vfs* below = sqlite3_vfs_find(over);
  if (below == nullptr) {
    throw std::runtime_error(over ? std::string("SQLite has no VFS ") + over
                                  : "SQLite has no default VFS");
  }
  std::lock_guard lock(registry_mu);
  if (const auto it = registry.find(below->zName); it != registry.end())
    return it->second->name.c_str();
  auto e = std::make_unique<entry>();
  e->name = over ? std::string("paygham-wal+") + over : "paygham-wal";
  e->vfs = *below;  // the same paths, locks, clock and randomness
  e->vfs.pNext = nullptr;
  e->vfs.zName = e->name.c_str();
  e->vfs.pAppData = below;
  e->vfs.szOsFile = static_cast<int>(real_offset) + below->szOsFile;
  e->vfs.xOpen = open_file;
  if (sqlite3_vfs_register(&e->vfs, 0) != SQLITE_OK) {
    throw std::runtime_error("cannot register SQLite's " + e->name + " VFS");
  }
  return registry.emplace(below->zName, std::move(e)).first->second->name.c_str();
}

}  // namespace paygham::store::sqlite
