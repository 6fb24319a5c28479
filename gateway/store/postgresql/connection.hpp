// A thin libpq connection: statements prepared once per connection (keyed by their SQL
// text's address: callers pass string literals), parameters and results as text, errors as
// exceptions that carry the SQLSTATE.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct pg_conn;
struct pg_result;

namespace paygham::store::postgresql {

class error : public std::runtime_error {
 public:
  error(const std::string& what, std::string sqlstate) : std::runtime_error(what), sqlstate_(std::move(sqlstate)) {}
  // "40P01" (deadlock), "40001" (serialization), "08006" (connection lost), … ; empty when
  // the server sent none.
  const std::string& sqlstate() const { return sqlstate_; }
  // Another transaction was in the way: running the same work again will do.
  bool retryable() const { return sqlstate_ == "40P01" || sqlstate_ == "40001"; }

 private:
  std::string sqlstate_;
};

// A parameter as text, or NULL.
struct param {
  std::optional<std::string> text;
  param(std::nullptr_t) {}  // NOLINT: NULL
  param(std::string_view v) : text(std::string(v)) {}
  param(const std::string& v) : text(v) {}
  param(const char* v) : text(std::string(v)) {}
  param(std::int64_t v) : text(std::to_string(v)) {}
  param(int v) : text(std::to_string(v)) {}
};
// NULL for an empty string / a zero id (optional columns).
param or_null(std::string_view v);
param or_null(std::int64_t id);
// 1 or 0, or NULL for none (a question not asked).
param or_null(std::optional<bool> flag);

class result {
 public:
  explicit result(pg_result* r) : r_(r) {}
  ~result();
  result(result&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  result& operator=(result&&) = delete;
  result(const result&) = delete;

  int rows() const;
  int columns() const;
  bool empty() const { return rows() == 0; }
  bool is_null(int row, int col) const;
  std::string text(int row, int col) const;  // "" for NULL
  std::int64_t int64(int row, int col) const;  // 0 for NULL
  int integer(int row, int col) const { return static_cast<int>(int64(row, col)); }
  // Rows an INSERT/UPDATE/DELETE touched.
  std::size_t affected() const;
  // Throws error (with the SQLSTATE) unless the statement succeeded.
  void check(const pg_conn* c) const;

 private:
  void in_range(int col) const;
  pg_result* r_;
};

class connection {
 public:
  // Connects; throws error naming the server (never the password) and what to check.
  explicit connection(const std::string& url);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Runs one or more statements without parameters (transaction control, migrations).
  void exec(const char* sql);
  // Runs a parameterised statement, prepared on this connection the first time.
  result query(const char* sql, std::initializer_list<param> params = {});
  // False once the server is gone (a restart, a network cut).
  bool ok() const;
  // Connects again after ok() went false; prepared statements are prepared again.
  void reconnect();

 private:
  std::string url_;
  pg_conn* c_ = nullptr;
  std::unordered_map<const char*, std::string> prepared_;
};

// The URL without its password, for logs and errors.
std::string redact(std::string_view url);

}  // namespace paygham::store::postgresql
