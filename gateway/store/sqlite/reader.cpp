#include "gateway/store/sqlite/reader.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "gateway/store/sqlite/database.hpp"

namespace paygham::store::sqlite {

reader::reader(const options& o) : db_(open_read_only(o)) {}
reader::~reader() = default;

std::int64_t reader::outbox_depth() {
  return db_
      ->execAndGet(
          "SELECT COUNT(*) FROM outbound_messages WHERE status IN ('queued', 'retrying', 'sending')")
      .getInt64();
}

std::int64_t reader::unconfirmed() {
  return db_->execAndGet("SELECT COUNT(*) FROM outbound_messages WHERE status = 'unconfirmed'").getInt64();
}

std::vector<reader::outbound_row> reader::outbound_after(std::int64_t after) {
  SQLite::Statement s(*db_,
                      "SELECT id, body, status, COALESCE(error, ''), COALESCE(next_at, 0) FROM outbound_messages"
                      " WHERE id > ? ORDER BY id");
  s.bind(1, after);
  std::vector<outbound_row> out;
  while (s.executeStep()) {
    out.push_back({s.getColumn(0).getInt64(), s.getColumn(1).getString(), s.getColumn(2).getString(),
                   s.getColumn(3).getString(), s.getColumn(4).getInt64()});
  }
  return out;
}

bool reader::healthy() noexcept {
  try {
    return db_->execAndGet("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").getInt() ==
           latest_version();
  } catch (...) {
    return false;
  }
}

}  // namespace paygham::store::sqlite
