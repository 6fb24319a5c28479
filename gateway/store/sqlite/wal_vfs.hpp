#pragma once

namespace paygham::store::sqlite {

// The name of a SQLite VFS over `over` (the platform's own when null; the store's encrypting
// VFS, crypt_vfs.hpp, when the store is encrypted) whose WAL files hand each commit's frames
// to the kernel in one write, where SQLite writes every frame's header and page apart (two
// system calls a page, about 30 a commit of a USSD group). Registered on first use, never the
// default: only the writer's connection opens its database through it. What a commit promises
// is unchanged: the write that ends a commit is made, and its error returned, before SQLite
// publishes the commit to other connections.
const char* wal_vfs_name(const char* over = nullptr);

}  // namespace paygham::store::sqlite
