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

bool reader::healthy() noexcept {
  try {
    return db_->execAndGet("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").getInt() ==
           latest_version();
  } catch (...) {
    return false;
  }
}

}  // namespace paygham::store
