#include "gateway/store/postgresql/connection.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <vector>

namespace paygham::store::postgresql {
namespace {

std::string message_of(const PGconn* c) {
  std::string m = PQerrorMessage(c);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

param or_null(std::string_view v) { return v.empty() ? param(nullptr) : param(v); }
param or_null(std::int64_t id) { return id == 0 ? param(nullptr) : param(id); }
param or_null(std::optional<bool> flag) { return flag ? param(*flag ? 1 : 0) : param(nullptr); }

result::~result() {
  if (r_) PQclear(r_);
}

int result::rows() const { return PQntuples(r_); }
int result::columns() const { return PQnfields(r_); }
// A column the query does not return is a bug in the SQL beside it, never a value: libpq would
// print a note and give an empty one.
void result::in_range(int col) const {
  if (col < 0 || col >= PQnfields(r_)) {
    throw std::logic_error("PostgreSQL: no column " + std::to_string(col) + " in a result of " +
                           std::to_string(PQnfields(r_)) + " columns");
  }
}
bool result::is_null(int row, int col) const {
  in_range(col);
  return PQgetisnull(r_, row, col) != 0;
}
std::string result::text(int row, int col) const {
  in_range(col);
  return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}
std::int64_t result::int64(int row, int col) const {
  in_range(col);
  return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
}
std::size_t result::affected() const { return std::strtoull(PQcmdTuples(r_), nullptr, 10); }

void result::check(const pg_conn* c) const {
  const auto st = r_ ? PQresultStatus(r_) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return;
  const char* state = r_ ? PQresultErrorField(r_, PG_DIAG_SQLSTATE) : nullptr;
  std::string m = r_ ? PQresultErrorMessage(r_) : "";
  if (m.empty()) m = message_of(c);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  // No state: the connection broke (libpq's own error).
  throw error("PostgreSQL: " + m, state ? state : (PQstatus(c) == CONNECTION_OK ? "" : "08006"));
}

namespace {

// Whether libpq read a password where the text has one: a '/', '?' or '#' in a URL's password
// (not percent-encoded) ends the part libpq looks in for it, and the rest is read as a host,
// port, database or options. Then no part of what libpq read can be shown.
bool password_misread(std::string_view url, bool password_read) {
  for (const std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (url.rfind(scheme, 0) != 0) continue;
    const auto rest = url.substr(scheme.size());
    const auto at = rest.find('@');
    return at != std::string_view::npos && rest.substr(0, at).find(':') != std::string_view::npos && !password_read;
  }
  return false;
}

}  // namespace

std::string redact(std::string_view url) {
  // Rebuilt from what libpq reads in it (a URL or key=value words), never from its text, so no
  // quoting or escaping can let a password through. libpq's own error would quote the text.
  constexpr std::string_view unreadable = "(a PostgreSQL URL libpq cannot read)";
  char* why = nullptr;
  PQconninfoOption* options = PQconninfoParse(std::string(url).c_str(), &why);
  if (why) PQfreemem(why);
  if (!options) return std::string(unreadable);
  std::string user, password, host, port, dbname, query;
  for (const PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val) continue;
    const std::string_view key = o->keyword;
    // A stray '@' means part of a password was read as something else: none of it is shown.
    const std::string value = std::string_view(o->val).find('@') == std::string_view::npos ? o->val : "***";
    if (o->dispchar && o->dispchar[0] == '*') {  // libpq's mark of a secret
      if (key == "password") {
        password = "***";
      } else {
        query += "&" + std::string(key) + "=***";
      }
    } else if (key == "user") {
      user = value;
    } else if (key == "port") {
      port = ":" + value;
    } else if (key == "dbname") {
      dbname = value;
    } else if (key == "host" && value.find_first_of("/,") == std::string::npos) {
      host = value;
    } else {
      query += "&" + std::string(key) + "=" + value;  // a socket's folder, several hosts, sslmode, …
    }
  }
  PQconninfoFree(options);
  if (password_misread(url, !password.empty())) return std::string(unreadable);
  const std::string who = user.empty() && password.empty() ? "" : user + (password.empty() ? "" : ":" + password) + "@";
  if (!query.empty()) query[0] = '?';
  return "postgresql://" + who + host + port + "/" + dbname + query;
}

connection::connection(const std::string& url) : url_(url) { reconnect(); }

connection::~connection() {
  if (c_) PQfinish(c_);
}

void connection::reconnect() {
  if (c_) PQfinish(c_);
  c_ = nullptr;
  prepared_.clear();
  // libpq's own words for a URL it cannot read quote the piece it stopped at: the password, often.
  if (redact(url_).rfind("postgresql://", 0) != 0) {
    throw error("cannot read store.url as a PostgreSQL URL: percent-encode '/', '@', ':', '?', '#' and '%' in "
                "its user and password (postgresql://user:p%40ss@host/db), or write key=value words",
                "08001");
  }
  // A server that does not answer must not hold a thread for long (the readiness check asks
  // from an io thread): 3 s to connect unless the URL says otherwise (its own values win).
  const char* keys[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"3", url_.c_str(), nullptr};
  c_ = PQconnectdbParams(keys, values, 1);
  if (PQstatus(c_) != CONNECTION_OK) {
    const std::string why = message_of(c_);
    PQfinish(c_);
    c_ = nullptr;
    throw error("cannot connect to PostgreSQL at '" + redact(url_) + "': " + why +
                    " (check store.url, that the server runs and that the user may log in)",
                "08001");
  }
  // Times are numbers here, never the server's clock or zone; keep messages in English.
  exec("SET client_min_messages = warning");
}

bool connection::ok() const { return c_ && PQstatus(c_) == CONNECTION_OK; }

void connection::exec(const char* sql) {
  if (!c_) throw error("not connected to PostgreSQL", "08003");
  result(PQexec(c_, sql)).check(c_);
}

result connection::query(const char* sql, std::initializer_list<param> params) {
  if (!c_) throw error("not connected to PostgreSQL", "08003");
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    result(PQprepare(c_, name.c_str(), sql, static_cast<int>(params.size()), nullptr)).check(c_);
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.text ? p.text->c_str() : nullptr);
  result r(PQexecPrepared(c_, it->second.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                          nullptr, 0));
  r.check(c_);
  return r;
}

}  // namespace paygham::store::postgresql
