#include "gateway/store/sqlite/statement_cache.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

namespace paygham::store::sqlite {

statement_cache::statement_cache() = default;
statement_cache::~statement_cache() = default;

SQLite::Statement& statement_cache::get(SQLite::Database& db, const char* sql) {
  auto& slot = map_[sql];
  if (!slot) {
    slot = std::make_unique<SQLite::Statement>(db, sql);
  } else {
    // A statement left mid-step by an exception is reset here before reuse. tryReset: reset()
    // would throw the error its last step ended with (a trigger's refusal, a full disk) again,
    // and every later use of the statement with it, long after the cause is gone.
    slot->tryReset();
    slot->clearBindings();
  }
  return *slot;
}

void statement_cache::clear() noexcept { map_.clear(); }

}  // namespace paygham::store::sqlite
