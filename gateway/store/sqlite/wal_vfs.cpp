#include "gateway/store/sqlite/wal_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <vector>

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
// measures, truncates or closes the file, before a write out of sequence, and past 1 MiB.
// Every other file is the platform VFS's own.
namespace paygham::store::sqlite {
namespace {

constexpr int wal_header_bytes = 32;
constexpr int frame_header_bytes = 24;
constexpr std::size_t max_pending_bytes = std::size_t{1} << 20;
// The platform VFS takes at most 128 KiB - 1 in one write (os_unix.c masks the length with
// 0x1ffff); more is written in pieces of 124 KiB.
constexpr std::size_t max_write_bytes = 124 * 1024;

sqlite3_vfs* platform = nullptr;  // the VFS beneath, set once at registration

struct wal_file {
  sqlite3_file base{};           // first, as SQLite's own file structs: base.pMethods is ours
  sqlite3_file* real = nullptr;  // the platform's file, in the bytes SQLite gave after ours
  std::vector<unsigned char> pending;
  sqlite3_int64 start = 0;            // where pending goes in the file
  sqlite3_int64 furthest = 0;         // the end of the furthest write since the WAL's header
  sqlite3_int64 commit_body_at = -1;  // after a commit frame's header: where its page goes
};

// The platform's file follows ours, aligned as SQLite aligns its allocations.
constexpr std::size_t real_offset = (sizeof(wal_file) + 7) / 8 * 8;

wal_file* as_wal(sqlite3_file* f) { return reinterpret_cast<wal_file*>(f); }
const sqlite3_io_methods& real_io(wal_file* f) { return *f->real->pMethods; }

std::uint32_t big_endian_u32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

int flush(wal_file* f) {
  int rc = SQLITE_OK;
  for (std::size_t at = 0; at < f->pending.size() && rc == SQLITE_OK; at += max_write_bytes) {
    const std::size_t n = std::min(max_write_bytes, f->pending.size() - at);
    rc = real_io(f).xWrite(f->real, f->pending.data() + at, static_cast<int>(n),
                           f->start + static_cast<sqlite3_int64>(at));
  }
  // Dropped on an error too: SQLite then rolls the transaction back, and frames it never
  // published are overwritten by the next one.
  f->pending.clear();
  return rc;
}

int wal_close(sqlite3_file* p) {
  wal_file* f = as_wal(p);
  int rc = flush(f);
  const int closed = real_io(f).xClose(f->real);
  if (rc == SQLITE_OK) rc = closed;
  f->~wal_file();
  return rc;
}

int wal_read(sqlite3_file* p, void* out, int n, sqlite3_int64 off) {
  wal_file* f = as_wal(p);
  if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  return real_io(f).xRead(f->real, out, n, off);
}

int wal_write(sqlite3_file* p, const void* data, int n, sqlite3_int64 off) {
  wal_file* f = as_wal(p);
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
  if (!appends && !begins) {
    // Written again, or out of sequence: what is held first, then this, straight through.
    if (const int rc = flush(f); rc != SQLITE_OK) return rc;
    return real_io(f).xWrite(f->real, data, n, off);
  }
  if (begins) f->start = off;
  f->pending.insert(f->pending.end(), bytes, bytes + n);
  if (n == frame_header_bytes && big_endian_u32(bytes + 4) != 0) f->commit_body_at = off + size;
  if (ends_commit || f->pending.size() >= max_pending_bytes) return flush(f);
  return SQLITE_OK;
}

int wal_truncate(sqlite3_file* p, sqlite3_int64 size) {
  wal_file* f = as_wal(p);
  if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  return real_io(f).xTruncate(f->real, size);
}

int wal_sync(sqlite3_file* p, int flags) {
  wal_file* f = as_wal(p);
  if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  return real_io(f).xSync(f->real, flags);
}

int wal_file_size(sqlite3_file* p, sqlite3_int64* size) {
  wal_file* f = as_wal(p);
  if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  return real_io(f).xFileSize(f->real, size);
}

int wal_lock(sqlite3_file* p, int level) {
  return real_io(as_wal(p)).xLock(as_wal(p)->real, level);
}
int wal_unlock(sqlite3_file* p, int level) {
  return real_io(as_wal(p)).xUnlock(as_wal(p)->real, level);
}
int wal_check_reserved(sqlite3_file* p, int* out) {
  return real_io(as_wal(p)).xCheckReservedLock(as_wal(p)->real, out);
}

int wal_file_control(sqlite3_file* p, int op, void* arg) {
  wal_file* f = as_wal(p);
  if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  return real_io(f).xFileControl(f->real, op, arg);
}

int wal_sector_size(sqlite3_file* p) { return real_io(as_wal(p)).xSectorSize(as_wal(p)->real); }
int wal_device(sqlite3_file* p) {
  return real_io(as_wal(p)).xDeviceCharacteristics(as_wal(p)->real);
}

// A WAL file is never mapped nor used for shared memory; these pass on for completeness.
int wal_shm_map(sqlite3_file* p, int page, int size, int extend, void volatile** out) {
  return real_io(as_wal(p)).xShmMap(as_wal(p)->real, page, size, extend, out);
}
int wal_shm_lock(sqlite3_file* p, int offset, int n, int flags) {
  return real_io(as_wal(p)).xShmLock(as_wal(p)->real, offset, n, flags);
}
void wal_shm_barrier(sqlite3_file* p) { real_io(as_wal(p)).xShmBarrier(as_wal(p)->real); }
int wal_shm_unmap(sqlite3_file* p, int delete_flag) {
  return real_io(as_wal(p)).xShmUnmap(as_wal(p)->real, delete_flag);
}
int wal_fetch(sqlite3_file* p, sqlite3_int64 off, int n, void** out) {
  wal_file* f = as_wal(p);
  if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  return real_io(f).xFetch(f->real, off, n, out);
}
int wal_unfetch(sqlite3_file* p, sqlite3_int64 off, void* mapped) {
  return real_io(as_wal(p)).xUnfetch(as_wal(p)->real, off, mapped);
}

const sqlite3_io_methods wal_methods = {
    3,
    wal_close,
    wal_read,
    wal_write,
    wal_truncate,
    wal_sync,
    wal_file_size,
    wal_lock,
    wal_unlock,
    wal_check_reserved,
    wal_file_control,
    wal_sector_size,
    wal_device,
    wal_shm_map,
    wal_shm_lock,
    wal_shm_barrier,
    wal_shm_unmap,
    wal_fetch,
    wal_unfetch,
};

int open_file(sqlite3_vfs*, const char* name, sqlite3_file* out, int flags, int* out_flags) {
  // Every file but a WAL is the platform's own, in the bytes SQLite gave.
  if ((flags & SQLITE_OPEN_WAL) == 0) return platform->xOpen(platform, name, out, flags, out_flags);
  auto* f = new (out) wal_file{};
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(out) + real_offset);
  const int rc = platform->xOpen(platform, name, f->real, flags, out_flags);
  if (f->real->pMethods == nullptr) {
    // Nothing to close: SQLite calls no method of a file whose pMethods is null.
    f->~wal_file();
    out->pMethods = nullptr;
    return rc;
  }
  f->base.pMethods = &wal_methods;
  return rc;
}

sqlite3_vfs wal_vfs{};

}  // namespace

const char* wal_vfs_name() {
  static std::once_flag once;
  std::call_once(once, [] {
    platform = sqlite3_vfs_find(nullptr);
    if (platform == nullptr) throw std::runtime_error("SQLite has no default VFS");
    wal_vfs = *platform;  // the same paths, locks, clock and randomness
    wal_vfs.pNext = nullptr;
    wal_vfs.zName = "paygham-wal";
    wal_vfs.szOsFile = static_cast<int>(real_offset) + platform->szOsFile;
    wal_vfs.xOpen = open_file;
    if (sqlite3_vfs_register(&wal_vfs, 0) != SQLITE_OK) {
      throw std::runtime_error("cannot register SQLite's paygham-wal VFS");
    }
  });
  return wal_vfs.zName;
}

}  // namespace paygham::store::sqlite
