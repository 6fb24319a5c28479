// The aggregator at its worst, played by the fake aggregator: a storm of 429s, answers that are
// not its own, and an outage of a minute (the process gone, connections refused). Paygham must
// back off rather than spin (its CPU time and the requests it makes are measured), keep every
// message's attempts for faults of its own, and deliver everything once the aggregator is back.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <thread>

#include "tests/support/support.hpp"

using namespace paygham::test;

namespace {

constexpr int people = 300;

long long count(const temp_dir& dir, const std::string& sql) {
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
  db.setBusyTimeout(10'000);
  return db.execAndGet(sql).getInt64();
}

nlohmann::json stats(const fake_aggregator& f) { return nlohmann::json::parse(http_call(f.port(), "GET", "/stats").body); }

void set_faults(const fake_aggregator& f, const std::string& form) {
  REQUIRE(http_call(f.port(), "POST", "/faults", form).status == 200);
}

// An urgent alert to the `people` subscribers (urgent: not held by sending hours), asked for and
// approved (send_alert). Returns its id.
long long alert(const std::string& config, const temp_dir& dir) {
  send_alert(config, "herat");
  return count(dir, "SELECT MAX(id) FROM broadcasts");
}

// The broadcast's messages, queued and then all delivered.
bool delivered(const temp_dir& dir, long long broadcast, std::chrono::seconds limit) {
  const std::string of = " FROM outbound_messages WHERE broadcast_id = " + std::to_string(broadcast);
  return eventually([&] {
    return count(dir, "SELECT COUNT(*)" + of) == people && count(dir, "SELECT COUNT(*)" + of + " AND status = 'delivered'") == people;
  }, limit);
}

}  // namespace

TEST_CASE("faults: a 429 storm, unreadable answers and a minute's outage: Paygham backs off, never spins, and "
          "delivers everything",
          "[integration][faults]") {
  const char* outage_env = std::getenv("PAYGHAM_OUTAGE_SECONDS");
  const int outage_s = outage_env ? std::atoi(outage_env) : 60;
  temp_dir dir;
  const int fake_port = free_port(), port = free_port();
  const std::string me = "http://127.0.0.1:" + std::to_string(port);
  const std::vector<std::string> fake_args{"--port", std::to_string(fake_port), "--dlr-delay-ms", "30",
                                           "--at-dlr-url", me + "/channels/at/status"};
  auto fake = std::make_unique<fake_aggregator>(fake_args);
  const std::string config = write_channel_config(
      dir, "{listen: \"127.0.0.1:" + std::to_string(port) + "\", public_url: \"" + me + "\"}", "AF",
      "{id: at, type: africastalking, allow_ips: [127.0.0.1], username: u, api_key: k, base_url: \"" + fake->url() +
          "\", rate: \"500\", concurrency: \"8\", retry_base: 200ms, retry_cap: 2s}");
  make_operator(config, "amina");
  make_operator(config, "farid");
  server_process srv(config);
  {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(10'000);
    db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(people) + ")"
            " INSERT INTO contacts (phone, created_at, updated_at) SELECT '+9379' || printf('%07d', i), 0, 0 FROM n");
    db.exec("INSERT INTO subscriptions (contact_id, topic, area, channel_id, created_at)"
            " SELECT id, 'mine_safety', 'herat', 'at', 0 FROM contacts");
  }

  // 1. Every send answered 429 with Retry-After: 1 for ten seconds. Paygham waits as asked:
  //    a few requests a second, not one per queued message, and no message runs out of tries.
  set_faults(*fake, "rate=1&kinds=429");
  const auto storm = alert(config, dir);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto requests_before = stats(*fake).value("requests", 0);
  const double cpu_before = cpu_seconds(srv.pid());
  std::this_thread::sleep_for(std::chrono::seconds(10));
  const auto storm_requests = stats(*fake).value("requests", 0) - requests_before;
  const double storm_cpu = cpu_seconds(srv.pid()) - cpu_before;
  set_faults(*fake, "rate=0");
  INFO("429 storm: " << storm_requests << " requests and " << storm_cpu << " s of CPU in 10 s, " << people << " queued");
  CHECK(storm_requests <= 10 * 20);  // the claimed ones (concurrency 8, 8 more waiting) once a second
  CHECK(storm_cpu < 1.0);
  CHECK(delivered(dir, storm, std::chrono::seconds(60)));
  CHECK(count(dir, "SELECT MAX(attempts) FROM outbound_messages WHERE broadcast_id = " + std::to_string(storm)) <= 1);

  // 2. A third of the answers are a proxy's page: those sends are tried again, and all arrive.
  set_faults(*fake, "rate=0.3&kinds=malformed");
  const auto accepted_before = stats(*fake).value("accepted", 0);
  const auto garbled = alert(config, dir);
  CHECK(delivered(dir, garbled, std::chrono::seconds(60)));
  CHECK(count(dir, "SELECT COUNT(*) FROM message_events e JOIN outbound_messages m ON m.id = e.message_id"
                   " WHERE m.broadcast_id = " + std::to_string(garbled) + " AND e.status = 'retrying'") > 0);
  set_faults(*fake, "rate=0");
  CHECK(stats(*fake).value("accepted", 0) - accepted_before == people);  // each taken once

  // 3. The aggregator is gone for a minute. The breaker opens after a few refused connections
  //    and one probe goes every half minute: next to no CPU, a few log lines.
  fake.reset();
  const auto during_outage = alert(config, dir);
  const double outage_cpu_before = cpu_seconds(srv.pid());
  std::this_thread::sleep_for(std::chrono::seconds(outage_s));
  const double outage_cpu = cpu_seconds(srv.pid()) - outage_cpu_before;
  INFO("outage of " << outage_s << " s: " << outage_cpu << " s of CPU");
  CHECK(outage_cpu < 0.05 * outage_s + 1.0);  // under 5 % of a core, with a second for queuing the broadcast
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = " + std::to_string(during_outage) +
                   " AND status IN ('failed', 'expired')") == 0);
  const std::string log = srv.log();
  std::size_t opened = 0;
  for (auto at = log.find("outbox.breaker_open"); at != std::string::npos; at = log.find("outbox.breaker_open", at + 1)) ++opened;
  CHECK(opened >= 1);
  CHECK(opened <= static_cast<std::size_t>(outage_s / 30 + 2));  // once, then once a probe
  // Back: everything queued meanwhile goes out, once.
  fake = std::make_unique<fake_aggregator>(fake_args);
  CHECK(delivered(dir, during_outage, std::chrono::seconds(90)));
  CHECK(stats(*fake).value("accepted", 0) == people);
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE status != 'delivered'") == 0);
}
