// What the store's two SQLite VFS layers share (wal_vfs.cpp, crypt_vfs.cpp): each file SQLite
// opens through a layer begins with SQLite's own struct and the file of the VFS beneath, which
// follows the layer's struct in the bytes SQLite gave; the calls a layer does not change are
// passed to that file as they are.
#pragma once

#include <sqlite3.h>

namespace paygham::store::sqlite::layer {

struct file {
  sqlite3_file base{};  // first, as SQLite's own file structs: base.pMethods is the layer's
  sqlite3_file* real = nullptr;  // the file of the VFS beneath
};

inline sqlite3_file* real(sqlite3_file* p) { return reinterpret_cast<file*>(p)->real; }
inline const sqlite3_io_methods& io(sqlite3_file* p) { return *real(p)->pMethods; }

inline int pass_read(sqlite3_file* p, void* out, int n, sqlite3_int64 off) {
  return io(p).xRead(real(p), out, n, off);
}
inline int pass_write(sqlite3_file* p, const void* data, int n, sqlite3_int64 off) {
  return io(p).xWrite(real(p), data, n, off);
}
inline int pass_truncate(sqlite3_file* p, sqlite3_int64 size) {
  return io(p).xTruncate(real(p), size);
}
inline int pass_sync(sqlite3_file* p, int flags) { return io(p).xSync(real(p), flags); }
inline int pass_file_size(sqlite3_file* p, sqlite3_int64* size) {
  return io(p).xFileSize(real(p), size);
}
inline int pass_lock(sqlite3_file* p, int level) { return io(p).xLock(real(p), level); }
inline int pass_unlock(sqlite3_file* p, int level) { return io(p).xUnlock(real(p), level); }
inline int pass_check_reserved(sqlite3_file* p, int* out) {
  return io(p).xCheckReservedLock(real(p), out);
}
inline int pass_file_control(sqlite3_file* p, int op, void* arg) {
  return io(p).xFileControl(real(p), op, arg);
}
inline int pass_sector_size(sqlite3_file* p) { return io(p).xSectorSize(real(p)); }
inline int pass_device(sqlite3_file* p) { return io(p).xDeviceCharacteristics(real(p)); }
inline int pass_shm_map(sqlite3_file* p, int page, int size, int extend, void volatile** out) {
  return io(p).xShmMap(real(p), page, size, extend, out);
}
inline int pass_shm_lock(sqlite3_file* p, int offset, int n, int flags) {
  return io(p).xShmLock(real(p), offset, n, flags);
}
inline void pass_shm_barrier(sqlite3_file* p) { io(p).xShmBarrier(real(p)); }
inline int pass_shm_unmap(sqlite3_file* p, int delete_flag) {
  return io(p).xShmUnmap(real(p), delete_flag);
}
inline int pass_fetch(sqlite3_file* p, sqlite3_int64 off, int n, void** out) {
  return io(p).xFetch(real(p), off, n, out);
}
inline int pass_unfetch(sqlite3_file* p, sqlite3_int64 off, void* mapped) {
  return io(p).xUnfetch(real(p), off, mapped);
}

}  // namespace paygham::store::sqlite::layer
