// Picks the engine the options name. The only file that knows both.
#include <SQLiteCpp/SQLiteCpp.h>

#include "gateway/store/postgresql/connection.hpp"
#include "gateway/store/postgresql/reader.hpp"
#include "gateway/store/postgresql/schema.hpp"
#include "gateway/store/postgresql/writer.hpp"
#include "gateway/store/reader.hpp"
#include "gateway/store/sqlite/database.hpp"
#include "gateway/store/sqlite/reader.hpp"
#include "gateway/store/sqlite/writer.hpp"
#include "gateway/store/writer.hpp"

namespace paygham::store {

std::string options::describe() const {
  return engine == backend::postgresql ? postgresql::redact(url) : "sqlite:" + path;
}

std::unique_ptr<writer> open_writer(const options& o, std::size_t max_group) {
  if (o.engine == backend::postgresql) return std::make_unique<postgresql::writer>(o, max_group);
  return std::make_unique<sqlite::writer>(o, max_group);
}

std::unique_ptr<reader> open_reader(const options& o) {
  if (o.engine == backend::postgresql) return std::make_unique<postgresql::reader>(o);
  return std::make_unique<sqlite::reader>(o);
}

int migrate(const options& o) {
  if (o.engine == backend::postgresql) {
    postgresql::connection c(o.url);
    return postgresql::migrate(c);
  }
  sqlite::open_database(o);  // migrates as it opens
  return sqlite::latest_version();
}

bool encrypt(const options& o) {
  if (o.engine == backend::postgresql) {
    throw std::runtime_error(
        "PostgreSQL's data is encrypted by its server's volume, not by the gateway: "
        "remove store.key and say store.encryption: external");
  }
  return sqlite::encrypt_in_place(o);
}

std::uintmax_t backup(const options& o, const std::string& to) {
  if (o.engine == backend::postgresql) {
    throw std::runtime_error(
        "PostgreSQL is backed up by its own tools: pg_dump --format=custom (or the "
        "server's base backups and WAL archive)");
  }
  return sqlite::backup_to(o, to);
}

restored restore(const options& o, const std::string& from) {
  if (o.engine == backend::postgresql) {
    throw std::runtime_error("PostgreSQL is restored by its own tools: pg_restore of a pg_dump");
  }
  return sqlite::restore_from(o, from);
}

}  // namespace paygham::store
