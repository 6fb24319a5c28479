// Encryption of the SQLite store inside Paygham (R-D4): a VFS over the platform's that
// encrypts what SQLite writes and decrypts what it reads, so the database, its WAL and any
// journal hold no readable word, number or health detail, whatever disk they lie on.
#pragma once

#include <string>
#include <string_view>

#include "gateway/store/options.hpp"

struct sqlite3;

namespace paygham::store::sqlite {

// Every page of an encrypted store is this size (its unit of encryption).
constexpr int encrypted_page_bytes = 4096;

// The name of the VFS that encrypts with `key` (key_bytes bytes, options::key), registered on first
// use for each key, never the default. Pages of the database and of its WAL are encrypted
// with AES-256-XTS, each with its number as the tweak (the scheme of LUKS and dm-crypt: the
// file keeps its length and layout); the WAL's own header and each frame's 24-byte header
// (page numbers, sizes and salts, no content) stay as SQLite wrote them, but for the frame's
// checksums of its page, which lie masked with a key of their own. Journals
// are encrypted with AES-256-CTR under a key of their own; temporary files under a key made
// for each file and forgotten when it is closed. Nothing is read through a memory mapping.
// Throws std::invalid_argument for a key of another length.
const char* crypt_vfs_name(std::string_view key);

// What the main database file of a connection opened through crypt_vfs_name turned out to be
// when its first page was read, which SQLite does as it opens the file, before any statement
// (absent: empty, or not opened through it). So a store the key cannot open is told apart
// before its WAL is read; and from the connection's own file: a file opened and closed apart
// would let go of the POSIX locks the process's connections hold on it.
enum class store_file {
  absent,     // nothing read yet, or an empty file
  plain,      // a SQLite database written without encryption
  encrypted,  // a store encrypted with this key
  other,      // neither: another key's store, or not a database at all
};
store_file found_in(sqlite3* db);

}  // namespace paygham::store::sqlite
