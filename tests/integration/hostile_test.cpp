// Hostile HTTP, kept as a regression suite: what an attacker (or a broken aggregator) sends a
// running `paygham serve`. The server must stay up and answering, its memory bounded, and what
// it stored intact: a refusal is a 4xx that says why, never a 5xx, and never a changed table.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <set>
#include <thread>

#include "gateway/core/utf8.hpp"
#include "tests/support/support.hpp"

using namespace paygham::test;
using json = nlohmann::json;

namespace {

// The server's resident memory, from /proc.
long rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Values an attacker tries in a field: SQL, bytes that are not UTF-8, NUL and lone surrogates
// (as JSON escapes), a right-to-left override, and a long one. Each is the raw text of a JSON
// string's inside, so the bytes that are not UTF-8 reach the server as they are.
const std::vector<std::string>& hostile_json() {
  static const std::vector<std::string> v = {
      "'; DROP TABLE contacts; --", "\\\" OR \\\"1\\\"=\\\"1", "1 OR 1=1", "%' OR '1'='1",
      "Robert'); DELETE FROM audit_log; --", "\xff\xfe\xfd", "\xc0\xaf", "\xed\xa0\x80", "abc\xd8",
      "a\\u0000b", "\\ud800", "\\u202e+93700000001", std::string(8000, 'x')};
  return v;
}

// The same for a form field or a path or query parameter, percent-encoded.
const std::vector<std::string>& hostile_form() {
  static const std::vector<std::string> v = {"%27%3B%20DROP%20TABLE%20contacts%3B%20--", "1%20OR%201%3D1",
                                             "%25%27%20OR%20%271%27%3D%271", "%FF%FE%FD", "%C0%AF", "%ED%A0%80",
                                             "a%00b", "..%2F..%2Fetc%2Fpasswd", "%E2%80%AE%2B93700000001"};
  return v;
}

std::set<std::string> tables(const temp_dir& dir) {
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
  db.setBusyTimeout(10'000);
  SQLite::Statement q(db, "SELECT name FROM sqlite_master WHERE type = 'table'");
  std::set<std::string> out;
  while (q.executeStep()) out.insert(q.getColumn(0).getString());
  return out;
}

// Every text value in the store that is not UTF-8, as "table.column".
std::vector<std::string> not_utf8(const temp_dir& dir) {
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
  db.setBusyTimeout(10'000);
  std::vector<std::string> out;
  for (const auto& t : tables(dir)) {
    SQLite::Statement cols(db, "SELECT name FROM pragma_table_info(?) WHERE type = 'TEXT'");
    cols.bind(1, t);
    while (cols.executeStep()) {
      const std::string c = cols.getColumn(0).getString();
      SQLite::Statement values(db, "SELECT \"" + c + "\" FROM \"" + t + "\" WHERE typeof(\"" + c + "\") = 'text'");
      while (values.executeStep()) {
        if (!paygham::core::valid_utf8(values.getColumn(0).getString())) out.push_back(t + "." + c);
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("hostile: huge headers, garbage after a request and an ambiguous length are refused, and the server serves on",
          "[integration][hostile]") {
  temp_dir dir;
  server_process srv(write_test_config(dir));
  {
    connection c(srv.port());
    c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
    CHECK_THAT(c.read_all(), Catch::StartsWith("HTTP/1.1 431"));
  }
  {
    // A request, then bytes that are no request (a TLS hello): the first is answered, the rest
    // refused and the connection closed, not left open.
    connection c(srv.port());
    c.send(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") + "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n");
    const auto start = std::chrono::steady_clock::now();
    const auto got = c.read_all();
    CHECK_THAT(got, Catch::StartsWith("HTTP/1.1 200"));
    CHECK_THAT(got, Catch::Contains("HTTP/1.1 400"));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  }
  {
    // Two lengths that disagree (the start of request smuggling behind a proxy): refused, and
    // the body is never taken for a second request.
    connection c(srv.port());
    c.send("POST /channels/at/sms HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\n"
           "helloGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto got = c.read_all();
    CHECK_THAT(got, Catch::StartsWith("HTTP/1.1 400"));
    CHECK_THAT(got, !Catch::Contains("paygham_"));
  }
  CHECK(http_call(srv.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("hostile: 10,000 idle connections leave the server answering, in bounded memory", "[integration][hostile]") {
  rlimit mine{};
  ::getrlimit(RLIMIT_NOFILE, &mine);
  // The test and the server (which inherits the limit) each need a descriptor a connection.
  const int want = 10000;
  const int idle_count = static_cast<int>(std::min<rlim_t>(want, mine.rlim_max > 300 ? mine.rlim_max - 300 : 0));
  if (idle_count < want) WARN("the descriptor limit allows " << idle_count << " connections, not " << want);
  rlimit raised = mine;
  raised.rlim_cur = mine.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &raised);
  temp_dir dir;
  server_process srv(write_test_config(dir, "  limits: {max_connections: 20000, read_timeout: 30s}\n"));
  const long before = rss_kib(srv.pid());
  std::vector<std::unique_ptr<connection>> idle;
  idle.reserve(static_cast<std::size_t>(idle_count));
  for (int i = 0; i < idle_count; ++i) idle.push_back(std::make_unique<connection>(srv.port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto start = std::chrono::steady_clock::now();
  const auto r = http_call(srv.port(), "POST", "/channels/at/ussd",
                           "sessionId=idle-1&serviceCode=*384*12%23&phoneNumber=%2B93700000001&text=&networkCode=41201");
  const auto took = std::chrono::steady_clock::now() - start;
  const long during = rss_kib(srv.pid());
  INFO("server memory: " << before << " KiB idle, " << during << " KiB with " << idle_count << " connections open");
  // Within the hop deadline (ussd.hop_deadline, 2 s), or the answer would be END "try again".
  CHECK(r.status == 200);
  CHECK_THAT(r.body, Catch::StartsWith("CON "));
  CHECK(took < std::chrono::seconds(2));
  // About 8 KiB a connection is measured (a session's buffers and timers): 20 KiB at most, more
  // under AddressSanitizer, whose every allocation carries red zones.
  const long per_connection_kib = sanitized ? 64 : 20;
  CHECK(during - before < per_connection_kib * idle_count);
  idle.clear();
  ::setrlimit(RLIMIT_NOFILE, &mine);
  CHECK(http_call(srv.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("hostile: SQL and bytes that are not UTF-8 in every field of every route are refused or stored intact",
          "[integration][hostile]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  // Every call must reach its route's checks, not stop at the token's rate limit.
  write_file(config, read_file(config) + "api: {rate_per_token: 100000}\n");
  server_process srv(config);
  const std::string token = make_token(config, "admin", "probe");
  const auto doc = json::parse(api(srv.port(), "GET", "/api/v1/openapi.json", token).body);
  const auto tables_before = tables(dir);
  std::vector<std::string> failures;  // what got a 5xx
  int calls = 0, slowed = 0;
  const auto call = [&](const std::string& method, const std::string& target, const std::string& body,
                        const std::string& type) {
    ++calls;
    std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + token}};
    const auto r = http_call(srv.port(), method, target, body, type, headers);
    if (r.status == 429 && target != "/api/v1/session") ++slowed;
    if (r.status >= 500 || r.status == 0) {
      failures.push_back(method + " " + target + " " + body.substr(0, 120) + " -> " + std::to_string(r.status) + " " +
                         r.body.substr(0, 200));
    }
  };
  const auto fill_path = [](std::string pattern, const std::string& value) {
    for (auto open = pattern.find('{'); open != std::string::npos; open = pattern.find('{')) {
      pattern.replace(open, pattern.find('}', open) - open + 1, value);
    }
    return pattern;
  };
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [lower, op] : ops.items()) {
      std::string method = lower;
      for (auto& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (method == "DELETE" && path.rfind("/api/v1/tokens/", 0) == 0) continue;  // not the probe's own token
      // Path parameters and query parameters.
      if (path.find('{') != std::string::npos) {
        for (const auto& v : hostile_form()) call(method, fill_path(path, v), method == "GET" ? "" : "{}", "application/json");
      }
      const std::string target = fill_path(path, "1");
      for (const auto& p : op.value("parameters", json::array())) {
        if (p["in"] != "query") continue;
        for (const auto& v : hostile_form()) call(method, target + "?" + p["name"].get<std::string>() + "=" + v, "", "application/json");
      }
      // Each field of the body alone, then all of them at once (so required ones are there).
      if (!op.contains("requestBody")) continue;
      const auto& props = op["requestBody"]["content"]["application/json"]["schema"]["properties"];
      for (const auto& v : hostile_json()) {
        std::string all = "{";
        for (const auto& [field, schema] : props.items()) {
          const std::string value = schema["type"] == "array" ? "[\"" + v + "\"]" : "\"" + v + "\"";
          call(method, target, "{\"" + field + "\": " + value + "}", "application/json");
          all += (all.size() > 1 ? ", \"" : "\"") + field + "\": " + value;
        }
        call(method, target, all + "}", "application/json");
      }
    }
  }
  // The aggregator's callbacks: each field of a good one replaced in turn.
  const std::map<std::string, std::vector<std::pair<std::string, std::string>>> callbacks = {
      {"sms", {{"from", "%2B93700000001"}, {"to", "3030"}, {"text", "INFO"}, {"id", "h-1"}, {"date", "2026-11-30"}}},
      {"ussd", {{"sessionId", "h-2"}, {"serviceCode", "*384*12%23"}, {"phoneNumber", "%2B93700000001"}, {"text", "1"},
                {"networkCode", "41201"}}},
      {"status", {{"id", "ATXid_1"}, {"status", "Success"}, {"phoneNumber", "%2B93700000001"}, {"failureReason", ""}}}};
  for (const auto& [kind, fields] : callbacks) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      for (const auto& v : hostile_form()) {
        std::string body;
        for (std::size_t j = 0; j < fields.size(); ++j) {
          body += (j ? "&" : "") + fields[j].first + "=" + (i == j ? v : fields[j].second);
        }
        call("POST", "/channels/at/" + kind, body, "application/x-www-form-urlencoded");
      }
    }
  }
  INFO(calls << " calls; the first of " << failures.size() << " answered 5xx: " << (failures.empty() ? "" : failures.front()));
  CHECK(failures.empty());
  CHECK(calls > 1000);
  CHECK(slowed == 0);  // each reached the route's own checks
  // Still serving, every table still there, the store whole, and no text in it that is not UTF-8.
  CHECK(http_call(srv.port(), "GET", "/healthz").status == 200);
  CHECK(api(srv.port(), "GET", "/api/v1/audit", token).status == 200);
  CHECK(tables(dir) == tables_before);
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
  CHECK(not_utf8(dir).empty());
}
