#include "tests/support/store_support.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>

#include "gateway/store/postgresql/connection.hpp"
#include "tests/support/support.hpp"

namespace paygham::test {
namespace {

// The cluster's maintenance URL, starting the cluster once per test process.
const std::string& cluster_url() {
  static std::once_flag once;
  static std::string url;
  std::call_once(once, [] {
    const std::string cmd = std::string(PAYGHAM_SOURCE_DIR) + "/tools/pg-cluster start " + PAYGHAM_TEST_PG_DIR;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) throw std::runtime_error("cannot run " + cmd);
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) url += buf;
    const int rc = ::pclose(p);
    while (!url.empty() && url.back() == '\n') url.pop_back();
    if (rc != 0 || url.empty()) throw std::runtime_error("the test PostgreSQL cluster did not start: " + cmd);
  });
  return url;
}

// The connection to the database a thread read or wrote last, kept for its next statement: the
// tests read the store after every step, and each new PostgreSQL connection (a server process)
// costs ~20 ms. A connection the server dropped (a test restarting the database) is opened again.
class cached_connection {
 public:
  store::postgresql::result query(const std::string& url, const std::string& sql) {
    if (!c_ || url_ != url) {
      c_.reset();
      texts_.clear();
      c_ = std::make_unique<store::postgresql::connection>(url);
      url_ = url;
    } else if (!c_->ok()) {
      c_->reconnect();
    }
    // connection::query prepares a statement once per text address: each text is kept here,
    // at an address of its own for as long as the connection lives.
    return c_->query(texts_.insert(sql).first->c_str());
  }

 private:
  std::string url_;
  std::unique_ptr<store::postgresql::connection> c_;
  std::set<std::string> texts_;
};

store::postgresql::result pg_query(const std::string& url, const std::string& sql) {
  thread_local cached_connection c;
  return c.query(url, sql);
}

}  // namespace

store::backend engine_under_test() {
  const char* e = std::getenv("PAYGHAM_TEST_ENGINE");
  if (!e || std::string(e).empty() || std::string(e) == "sqlite") return store::backend::sqlite;
  if (std::string(e) == "postgresql") return store::backend::postgresql;
  throw std::runtime_error("PAYGHAM_TEST_ENGINE must be sqlite or postgresql, not " + std::string(e));
}

std::string fresh_postgresql_database() {
  static std::atomic<int> n{0};
  const std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++n);
  const std::string& base = cluster_url();
  store::postgresql::connection c(base);
  c.exec(("DROP DATABASE IF EXISTS " + name).c_str());
  c.exec(("CREATE DATABASE " + name).c_str());
  const auto at = base.find("/postgres?");
  return base.substr(0, at) + "/" + name + base.substr(at + std::string("/postgres").size());
}

store::options fresh_store(store::backend engine, const temp_dir& dir) {
  store::options o;
  o.engine = engine;
  o.sync = store::synchronous::normal;
  if (engine == store::backend::postgresql) {
    o.url = fresh_postgresql_database();
  } else {
    o.path = dir.file("store.db");
  }
  return o;
}

std::vector<std::vector<std::string>> rows(const store::options& o, const std::string& sql) {
  std::vector<std::vector<std::string>> out;
  if (o.engine == store::backend::postgresql) {
    const auto r = pg_query(o.url, sql);
    for (int i = 0; i < r.rows(); ++i) {
      auto& row = out.emplace_back();
      for (int j = 0; j < r.columns(); ++j) row.push_back(r.text(i, j));
    }
    return out;
  }
  SQLite::Database db(o.path, SQLite::OPEN_READONLY, 5000);
  SQLite::Statement q(db, sql);
  while (q.executeStep()) {
    auto& row = out.emplace_back();
    for (int j = 0; j < q.getColumnCount(); ++j) row.push_back(q.getColumn(j).isNull() ? "" : q.getColumn(j).getString());
  }
  return out;
}

std::string value(const store::options& o, const std::string& sql) {
  const auto r = rows(o, sql);
  return r.empty() || r[0].empty() ? "" : r[0][0];
}

void execute(const store::options& o, const std::string& sql) {
  if (o.engine == store::backend::postgresql) {
    pg_query(o.url, sql);
    return;
  }
  SQLite::Database db(o.path, SQLite::OPEN_READWRITE, 5000);
  db.exec(sql);
}

store::booking booked_visit(std::int64_t contact, const std::string& clinic, std::int64_t day) {
  store::booking b;
  b.contact_id = contact;
  b.channel_id = "at";
  b.clinic = clinic;
  b.service = "general";
  b.day = day;
  b.window_from = 480;
  b.window_to = 600;
  b.starts_at = (day * 1440 + 480) * 60'000;
  b.status = store::booking_status::booked;
  return b;
}

}  // namespace paygham::test
