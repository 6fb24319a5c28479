#include "gateway/store/sqlite/crypt_vfs.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <vector>

#include "gateway/store/sqlite/vfs_layer.hpp"

// How the files lie (sqlite.org/fileformat.html): a database is pages of one size, from offset
// 0; a WAL is a 32-byte header, then frames of a 24-byte header and a page. A page of either
// is encrypted alone with AES-256-XTS, its tweak its number (the page's in the database, the
// frame's in the WAL), under a key for the database and another for WALs, each derived from
// the store key: a page read back alone (SQLite reads a WAL frame's page without its header,
// the database header's first 100 bytes alone) decrypts alone, and the checksums SQLite writes
// in each frame's header are of the page it gave, which it gets back on reading. Those two
// checksums (bytes 16-23 of a frame's header) would confirm a guess of a whole page: they lie
// masked with AES-256 of the frame's number and salts, under a key of their own. A read or
// write of part of a page reads the whole page; a short read (past the end) gives zeros, as
// the platform's does. Only pages of encrypted_page_bytes are allowed: a WAL header or a
// database header naming another size fails the write, before anything is written.
namespace paygham::store::sqlite {
namespace {

constexpr int page = encrypted_page_bytes;
constexpr int wal_header_bytes = 32;
constexpr int frame_header_bytes = 24;
constexpr int frame_bytes = frame_header_bytes + page;
constexpr char sqlite_magic[] = "SQLite format 3";  // and its NUL: the first 16 bytes of a database

using xts_key = std::array<unsigned char, 64>;

// The keys of one store key: XTS takes two AES-256 keys (64 bytes), CTR one.
struct keys {
  xts_key db{};
  xts_key wal{};
  std::array<unsigned char, 32> frame_sums{};
  std::array<unsigned char, 32> journal{};
};

void derive(std::string_view key, std::string_view label, unsigned char* out) {
  unsigned int n = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(label.data()), label.size(), out,
           &n) == nullptr ||
      n != 32) {
    throw std::runtime_error("cannot derive the store's keys (HMAC-SHA256 failed)");
  }
}

keys derive_keys(std::string_view key) {
  keys k;
  derive(key, "paygham store: database pages, 1", k.db.data());
  derive(key, "paygham store: database pages, 2", k.db.data() + 32);
  derive(key, "paygham store: WAL pages, 1", k.wal.data());
  derive(key, "paygham store: WAL pages, 2", k.wal.data() + 32);
  derive(key, "paygham store: WAL frame checksums", k.frame_sums.data());
  derive(key, "paygham store: journals", k.journal.data());
  return k;
}

struct cipher_ctx {
  EVP_CIPHER_CTX* p = EVP_CIPHER_CTX_new();
  cipher_ctx() {
    if (p == nullptr) throw std::bad_alloc();
  }
  cipher_ctx(const cipher_ctx&) = delete;
  cipher_ctx& operator=(const cipher_ctx&) = delete;
  ~cipher_ctx() { EVP_CIPHER_CTX_free(p); }
};

// A page's tweak, or a journal's counter block: the number little-endian in 16 bytes (as
// dm-crypt's plain64), or big-endian in the last 8 for CTR.
std::array<unsigned char, 16> tweak(std::uint64_t n) {
  std::array<unsigned char, 16> t{};
  for (int i = 0; i < 8; ++i)
    t[static_cast<std::size_t>(i)] = static_cast<unsigned char>(n >> (8 * i));
  return t;
}
std::array<unsigned char, 16> counter(std::uint64_t block) {
  std::array<unsigned char, 16> c{};
  for (int i = 0; i < 8; ++i)
    c[static_cast<std::size_t>(15 - i)] = static_cast<unsigned char>(block >> (8 * i));
  return c;
}

enum class kind { db, wal, journal, temp };

// A file SQLite opened through us (layer::file: the platform's file follows). Each is used by
// one connection, so by one thread at a time.
struct file : layer::file {
  kind k = kind::temp;
  std::unique_ptr<cipher_ctx> enc, dec;   // db, wal: XTS one way and the other; else CTR
  std::unique_ptr<cipher_ctx> sums;       // wal: AES-256-ECB, the frames' checksum masks
  std::vector<unsigned char> scratch;     // a write's bytes as they go to the file
  std::array<unsigned char, page> one{};  // a page read whole for part of it
  store_file found = store_file::absent;  // a database: what its first page was, once read
};

// The file control that asks a database file what its first page was (found_in).
constexpr int fcntl_found = 0x50470001;

// What the first page of a database is, as it lies in the file and decrypted.
store_file first_page(const unsigned char* raw, const unsigned char* decrypted) {
  if (std::memcmp(raw, sqlite_magic, 16) == 0) return store_file::plain;
  return std::memcmp(decrypted, sqlite_magic, 16) == 0 ? store_file::encrypted : store_file::other;
}

constexpr std::size_t real_offset = (sizeof(file) + 7) / 8 * 8;

file* as_file(sqlite3_file* p) { return reinterpret_cast<file*>(p); }
using namespace layer;

// One page through XTS, `in` and `out` of `page` bytes.
bool xts(cipher_ctx& c, std::uint64_t n, const unsigned char* in, unsigned char* out) {
  const auto t = tweak(n);
  int len = 0;
  return EVP_CipherInit_ex(c.p, nullptr, nullptr, nullptr, t.data(), -1) == 1 &&
         EVP_CipherUpdate(c.p, out, &len, in, page) == 1 && len == page;
}

// The CTR key stream from `off`, XORed over `n` bytes of `data`.
bool ctr(cipher_ctx& c, sqlite3_int64 off, unsigned char* data, int n) {
  const auto block = static_cast<std::uint64_t>(off) / 16;
  const auto iv = counter(block);
  if (EVP_EncryptInit_ex(c.p, nullptr, nullptr, nullptr, iv.data()) != 1) return false;
  int len = 0;
  if (const int skip = static_cast<int>(off % 16); skip > 0) {
    unsigned char waste[16] = {};
    if (EVP_EncryptUpdate(c.p, waste, &len, waste, skip) != 1) return false;
  }
  return n == 0 || (EVP_EncryptUpdate(c.p, data, &len, data, n) == 1 && len == n);
}

// A piece of a read or write: clear bytes (a header), or a part of page `unit`, which begins
// at `unit_at` in the file.
struct span {
  int at = 0;  // in the caller's buffer
  int len = 0;
  bool clear = false;
  bool frame_header = false;  // clear, but for its checksums (mask_checksums)
  std::uint64_t unit = 0;
  sqlite3_int64 unit_at = 0;
  int in_unit = 0;
};

template <typename F>
void each_span(kind k, sqlite3_int64 off, int n, F&& f) {
  int done = 0;
  while (done < n) {
    const sqlite3_int64 at = off + done;
    span s;
    s.at = done;
    const int left = n - done;
    if (k == kind::db) {
      s.unit = static_cast<std::uint64_t>(at / page);
      s.unit_at = static_cast<sqlite3_int64>(s.unit) * page;
      s.in_unit = static_cast<int>(at - s.unit_at);
      s.len = std::min(left, page - s.in_unit);
    } else if (at < wal_header_bytes) {
      s.clear = true;
      s.len = std::min(left, static_cast<int>(wal_header_bytes - at));
    } else {
      const sqlite3_int64 frame = (at - wal_header_bytes) / frame_bytes;
      const int in_frame = static_cast<int>((at - wal_header_bytes) % frame_bytes);
      if (in_frame < frame_header_bytes) {
        s.clear = true;
        s.frame_header = true;
        s.unit = static_cast<std::uint64_t>(frame);
        s.in_unit = in_frame;
        s.len = std::min(left, frame_header_bytes - in_frame);
      } else {
        s.unit = static_cast<std::uint64_t>(frame);
        s.unit_at = wal_header_bytes + frame * frame_bytes + frame_header_bytes;
        s.in_unit = in_frame - frame_header_bytes;
        s.len = std::min(left, page - s.in_unit);
      }
    }
    f(s);
    done += s.len;
  }
}

// The checksums of a WAL frame's header (its bytes 16-23) masked, or unmasked: XORed with the
// first 8 bytes of AES-256 of the frame's number and its salts (bytes 8-15, which stay as
// SQLite wrote them), so the same page under new salts gets a new mask. `buf` holds the
// header's bytes from `in_frame`, `len` of them; salts it does not hold are read from the file
// (a long write cut in pieces writes them first).
int mask_checksums(file* f, const span& s, unsigned char* buf, sqlite3_int64 off) {
  const int in_frame = s.in_unit, end = s.in_unit + s.len;
  const int lo = std::max(in_frame, 16), hi = std::min(end, frame_header_bytes);
  if (lo >= hi) return SQLITE_OK;
  const sqlite3_int64 header_at = off + s.at - in_frame;
  std::array<unsigned char, 16> block{};
  for (int i = 0; i < 8; ++i)
    block[static_cast<std::size_t>(i)] = static_cast<unsigned char>(s.unit >> (56 - 8 * i));
  if (in_frame > 8 || end < 16) {
    // Past the file's end the platform gives zeros: those bytes are the span's own, below.
    const int rc = io(&f->base).xRead(f->real, block.data() + 8, 8, header_at + 8);
    if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
  }
  for (int i = std::max(in_frame, 8); i < std::min(end, 16); ++i)
    block[static_cast<std::size_t>(i)] = buf[i - in_frame];
  std::array<unsigned char, 16> mask{};
  int len = 0;
  if (EVP_EncryptUpdate(f->sums->p, mask.data(), &len, block.data(), 16) != 1 || len != 16)
    return SQLITE_IOERR;
  for (int i = lo; i < hi; ++i) buf[i - in_frame] ^= mask[static_cast<std::size_t>(i - 16)];
  return SQLITE_OK;
}

// Reads page `s.unit` whole and decrypted into f->one; zeros where the file has none.
int read_page(file* f, const span& s) {
  const int rc = io(&f->base).xRead(f->real, f->one.data(), page, s.unit_at);
  if (rc == SQLITE_IOERR_SHORT_READ) {
    // Past the end, a page SQLite has not written reads as zeros, as from the platform.
    const bool none =
        std::all_of(f->one.begin(), f->one.end(), [](unsigned char b) { return b == 0; });
    if (none) return SQLITE_OK;
  } else if (rc != SQLITE_OK) {
    return rc;
  }
  std::array<unsigned char, 16> raw{};
  std::memcpy(raw.data(), f->one.data(), raw.size());
  if (!xts(*f->dec, s.unit, f->one.data(), f->one.data())) return SQLITE_IOERR_READ;
  if (f->k == kind::db && s.unit == 0) f->found = first_page(raw.data(), f->one.data());
  return SQLITE_OK;
}

int crypt_read(sqlite3_file* p, void* out, int n, sqlite3_int64 off) {
  file* f = as_file(p);
  auto* bytes = static_cast<unsigned char*>(out);
  int rc = io(p).xRead(f->real, out, n, off);
  if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
  sqlite3_int64 size = off + n;  // what the file has of the bytes asked for ends here
  if (rc == SQLITE_IOERR_SHORT_READ && io(p).xFileSize(f->real, &size) != SQLITE_OK)
    return SQLITE_IOERR_READ;
  if (f->k == kind::journal || f->k == kind::temp) {
    const int have = static_cast<int>(std::clamp<sqlite3_int64>(size - off, 0, n));
    return ctr(*f->enc, off, bytes, have) ? rc : SQLITE_IOERR_READ;
  }
  int failed = SQLITE_OK;
  each_span(f->k, off, n, [&](const span& s) {
    if (failed != SQLITE_OK) return;
    if (s.clear) {
      if (s.frame_header && f->sums && off + s.at < size)
        failed = mask_checksums(f, s, bytes + s.at, off);
      return;
    }
    if (s.unit_at >= size) return;  // past the end: zeros
    if (s.in_unit == 0 && s.len == page && s.unit_at + page <= size) {
      if (!xts(*f->dec, s.unit, bytes + s.at, f->one.data())) {
        failed = SQLITE_IOERR_READ;
        return;
      }
      if (f->k == kind::db && s.unit == 0) f->found = first_page(bytes + s.at, f->one.data());
      std::memcpy(bytes + s.at, f->one.data(), page);
      return;
    }
    if (const int r = read_page(f, s); r != SQLITE_OK) {
      failed = r;
      return;
    }
    std::memcpy(bytes + s.at, f->one.data() + s.in_unit, static_cast<std::size_t>(s.len));
  });
  if (failed != SQLITE_OK) return failed;
  if (rc == SQLITE_IOERR_SHORT_READ && size < off + n) {
    const auto from = static_cast<std::size_t>(std::max<sqlite3_int64>(size - off, 0));
    std::memset(bytes + from, 0, static_cast<std::size_t>(n) - from);
  }
  return rc;
}

std::uint32_t big_endian(const unsigned char* p, int bytes) {
  std::uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

// A header that names a page size other than ours (a database's at bytes 16-17, a WAL's at
// 8-11) is refused: the layout above would no longer be the file's.
bool names_other_page_size(kind k, const unsigned char* data, int n, sqlite3_int64 off) {
  if (k == kind::wal && off == 0 && n >= 12)
    return big_endian(data + 8, 4) != static_cast<std::uint32_t>(page);
  if (k == kind::db && off == 0 && n >= 18 && std::memcmp(data, sqlite_magic, 16) == 0) {
    return big_endian(data + 16, 2) != static_cast<std::uint32_t>(page);
  }
  return false;
}

int crypt_write(sqlite3_file* p, const void* data, int n, sqlite3_int64 off) {
  file* f = as_file(p);
  const auto* in = static_cast<const unsigned char*>(data);
  if (names_other_page_size(f->k, in, n, off)) return SQLITE_IOERR_WRITE;
  try {
    f->scratch.assign(in, in + n);
  } catch (const std::bad_alloc&) {
    return SQLITE_IOERR_NOMEM;
  }
  unsigned char* out = f->scratch.data();
  if (f->k == kind::journal || f->k == kind::temp) {
    if (!ctr(*f->enc, off, out, n)) return SQLITE_IOERR_WRITE;
    return io(p).xWrite(f->real, out, n, off);
  }
  // Whole pages and headers go in one write, as they came (all SQLite writes of a database or
  // a WAL); a page of which only part is given (the ends of a long WAL write the VFS above
  // cuts in pieces) is read, changed and written whole, apart.
  int rc = SQLITE_OK;
  int run_from = 0, run_to = 0;  // the bytes of `out` ready to go in one write
  const auto write_run = [&] {
    if (rc == SQLITE_OK && run_to > run_from)
      rc = io(p).xWrite(f->real, out + run_from, run_to - run_from, off + run_from);
    run_from = run_to;
  };
  each_span(f->k, off, n, [&](const span& s) {
    if (rc != SQLITE_OK) return;
    if (s.clear || (s.in_unit == 0 && s.len == page)) {
      if (s.frame_header && f->sums) {
        rc = mask_checksums(f, s, out + s.at, off);
      } else if (!s.clear && !xts(*f->enc, s.unit, in + s.at, out + s.at)) {
        rc = SQLITE_IOERR_WRITE;
      }
      run_to = s.at + s.len;
      return;
    }
    write_run();
    if (rc != SQLITE_OK || (rc = read_page(f, s)) != SQLITE_OK) return;
    std::memcpy(f->one.data() + s.in_unit, in + s.at, static_cast<std::size_t>(s.len));
    if (!xts(*f->enc, s.unit, f->one.data(), f->one.data())) {
      rc = SQLITE_IOERR_WRITE;
      return;
    }
    rc = io(p).xWrite(f->real, f->one.data(), page, s.unit_at);
    run_from = run_to = s.at + s.len;
  });
  write_run();
  return rc;
}

int crypt_close(sqlite3_file* p) {
  file* f = as_file(p);
  const int rc = io(p).xClose(f->real);
  f->~file();
  return rc;
}

// Never a mapping of the file: SQLite reads each page through crypt_read instead.
int crypt_fetch(sqlite3_file*, sqlite3_int64, int, void** out) {
  *out = nullptr;
  return SQLITE_OK;
}
int crypt_unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

int crypt_file_control(sqlite3_file* p, int op, void* arg) {
  if (op == fcntl_found) {
    *static_cast<store_file*>(arg) = as_file(p)->found;
    return SQLITE_OK;
  }
  return pass_file_control(p, op, arg);
}

const sqlite3_io_methods crypt_methods = {
    3,
    crypt_close,
    crypt_read,
    crypt_write,
    pass_truncate,
    pass_sync,
    pass_file_size,
    pass_lock,
    pass_unlock,
    pass_check_reserved,
    crypt_file_control,
    pass_sector_size,
    pass_device,
    pass_shm_map,
    pass_shm_lock,
    pass_shm_barrier,
    pass_shm_unmap,
    crypt_fetch,
    crypt_unfetch,
};

// One registered VFS: its keys, and the platform's VFS beneath.
struct entry {
  std::string name;
  keys k;
  sqlite3_vfs vfs{};
  sqlite3_vfs* below = nullptr;
};

kind kind_of(int flags) {
  if ((flags & SQLITE_OPEN_MAIN_DB) != 0) return kind::db;
  if ((flags & SQLITE_OPEN_WAL) != 0) return kind::wal;
  if ((flags & (SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_SUPER_JOURNAL)) != 0) return kind::journal;
  return kind::temp;  // temporary databases, statement and temporary journals
}

bool start(cipher_ctx& c, const EVP_CIPHER* cipher, const unsigned char* key, int encrypt) {
  return EVP_CipherInit_ex(c.p, cipher, nullptr, key, nullptr, encrypt) == 1;
}

int open_file(sqlite3_vfs* vfs, const char* name, sqlite3_file* out, int flags, int* out_flags) {
  const auto* e = static_cast<const entry*>(vfs->pAppData);
  file* f = nullptr;
  try {
    f = new (out) file{};
    f->k = kind_of(flags);
    f->enc = std::make_unique<cipher_ctx>();
    bool ok = true;
    if (f->k == kind::db || f->k == kind::wal) {
      const auto& key = f->k == kind::db ? e->k.db : e->k.wal;
      f->dec = std::make_unique<cipher_ctx>();
      ok = start(*f->enc, EVP_aes_256_xts(), key.data(), 1) &&
           start(*f->dec, EVP_aes_256_xts(), key.data(), 0);
      if (ok && f->k == kind::wal) {
        f->sums = std::make_unique<cipher_ctx>();
        ok = start(*f->sums, EVP_aes_256_ecb(), e->k.frame_sums.data(), 1) &&
             EVP_CIPHER_CTX_set_padding(f->sums->p, 0) == 1;
      }
    } else if (f->k == kind::journal) {
      ok = start(*f->enc, EVP_aes_256_ctr(), e->k.journal.data(), 1);
    } else {
      // Nobody reads a temporary file after its connection: a key of its own, forgotten.
      std::array<unsigned char, 32> once{};
      ok = RAND_bytes(once.data(), static_cast<int>(once.size())) == 1 &&
           start(*f->enc, EVP_aes_256_ctr(), once.data(), 1);
      OPENSSL_cleanse(once.data(), once.size());
    }
    if (!ok) throw std::runtime_error("cipher");
  } catch (...) {
    if (f) f->~file();
    out->pMethods = nullptr;
    return SQLITE_CANTOPEN;
  }
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(out) + real_offset);
  const int rc = e->below->xOpen(e->below, name, f->real, flags, out_flags);
  if (f->real->pMethods == nullptr) {
    f->~file();
    out->pMethods = nullptr;
    return rc;
  }
  f->base.pMethods = &crypt_methods;
  return rc;
}

std::mutex registry_mu;
std::map<std::string, std::unique_ptr<entry>, std::less<>> registry;  // by name

std::string name_for(std::string_view key) {
  unsigned char id[32];
  derive(key, "paygham store: name", id);
  static constexpr char hex[] = "0123456789abcdef";
  std::string name = "paygham-crypt-";
  for (int i = 0; i < 6; ++i) {
    name += hex[id[i] >> 4];
    name += hex[id[i] & 15];
  }
  return name;
}

}  // namespace

const char* crypt_vfs_name(std::string_view key) {
  if (key.size() != store::key_bytes) throw std::invalid_argument("a store key is 32 bytes");
  const std::string name = name_for(key);
  std::lock_guard lock(registry_mu);
  if (const auto it = registry.find(name); it != registry.end()) return it->second->name.c_str();
  auto e = std::make_unique<entry>();
  e->name = name;
  e->k = derive_keys(key);
  e->below = sqlite3_vfs_find(nullptr);
  if (e->below == nullptr) throw std::runtime_error("SQLite has no default VFS");
  e->vfs = *e->below;  // the same paths, locks, clock and randomness
  e->vfs.pNext = nullptr;
  e->vfs.zName = e->name.c_str();
  e->vfs.pAppData = e.get();
  e->vfs.szOsFile = static_cast<int>(real_offset) + e->below->szOsFile;
  e->vfs.xOpen = open_file;
  if (sqlite3_vfs_register(&e->vfs, 0) != SQLITE_OK)
    throw std::runtime_error("cannot register SQLite's " + name + " VFS");
  return registry.emplace(name, std::move(e)).first->second->name.c_str();
}

store_file found_in(sqlite3* db) {
  store_file seen = store_file::absent;
  if (sqlite3_file_control(db, "main", fcntl_found, &seen) != SQLITE_OK) return store_file::absent;
  return seen;
}

}  // namespace paygham::store::sqlite
