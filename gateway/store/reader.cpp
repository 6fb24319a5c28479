#include "gateway/store/reader.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace paygham::store {

reader::reader(const options& o) : db_(open_reader(o)) {}
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

std::vector<std::pair<std::int64_t, std::string>> reader::outbound_after(std::int64_t after) {
  SQLite::Statement s(*db_, "SELECT id, body FROM outbound_messages WHERE id > ? ORDER BY id");
  s.bind(1, after);
  std::vector<std::pair<std::int64_t, std::string>> out;
  while (s.executeStep()) out.emplace_back(s.getColumn(0).getInt64(), s.getColumn(1).getString());
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

}  // namespace paygham::store
