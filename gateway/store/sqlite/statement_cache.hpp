// Prepared statements kept for the life of a connection, keyed by their SQL text's address
// (callers pass string literals or static strings). Each get() returns a reset statement.
#pragma once

#include <memory>
#include <unordered_map>

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace paygham::store::sqlite {

class statement_cache {
 public:
  statement_cache();
  ~statement_cache();
  statement_cache(const statement_cache&) = delete;
  statement_cache& operator=(const statement_cache&) = delete;

  SQLite::Statement& get(SQLite::Database& db, const char* sql);
  void clear() noexcept;

 private:
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> map_;
};

}  // namespace paygham::store::sqlite
