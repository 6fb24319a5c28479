// End to end with the fake aggregator: inbound SMS in, replies out through Africa's Talking's
// send API with injected faults, delivery reports back late, duplicated and out of order.
// Every message must reach a final state; none may be lost; none sent twice (but for sends
// in flight when the server is killed).
#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <thread>

#include "tests/support/support.hpp"

using namespace paygham::test;

namespace {

constexpr int concurrency = 32;

// Messages for the big run: 10,000 (PAYGHAM_E2E_MESSAGES overrides, e.g. under ASan).
int messages() {
  const char* v = std::getenv("PAYGHAM_E2E_MESSAGES");
  return v ? std::atoi(v) : 10000;
}

int count(const temp_dir& dir, const std::string& sql) {
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getInt();
}

struct scenario {
  temp_dir dir;
  int port = free_port();
  std::string config;
  std::unique_ptr<fake_aggregator> fake;

  explicit scenario(int count) {
    const std::string me = "http://127.0.0.1:" + std::to_string(port);
    fake = std::make_unique<fake_aggregator>(std::vector<std::string>{
        "--seed", "7", "--fault-rate", "0.2", "--slow-ms", "300", "--dlr-delay-ms", "30",
        "--dlr-fail-rate", "0.05", "--dlr-duplicate-rate", "0.1", "--dlr-reorder-rate", "0.1",
        "--at-dlr-url", me + "/channels/at/status", "--inbound-url", me + "/channels/at/sms",
        "--inbound-rate", "3000", "--inbound-count", std::to_string(count)});
    config = write_channel_config(
        dir, "{listen: \"127.0.0.1:" + std::to_string(port) + "\", public_url: \"" + me + "\"}", "AF",
        "{id: at, type: africastalking, allow_ips: [127.0.0.1], username: u, api_key: k, base_url: \"" + fake->url() +
            "\", rate: \"5000\", concurrency: \"" + std::to_string(concurrency) +
            "\", retry_base: 20ms, retry_cap: 500ms}");
  }

  nlohmann::json stats() const { return nlohmann::json::parse(http_call(fake->port(), "GET", "/stats").body); }

  int count(const std::string& sql) const { return ::count(dir, sql); }

  // Waits until `inbound` messages are stored and every reply is final (or the time is up).
  bool settled(int inbound, std::chrono::seconds limit) const {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (count("SELECT COUNT(*) FROM inbound_events") >= inbound &&
          count("SELECT COUNT(*) FROM outbound_messages WHERE status NOT IN ('delivered', 'failed')") == 0) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  void check_invariants(int inbound) const {
    // One reply for every message stored: nothing lost on the way in or out.
    CHECK(count("SELECT COUNT(*) FROM inbound_events") == inbound);
    CHECK(count("SELECT COUNT(*) FROM outbound_messages") == inbound);
    CHECK(count("SELECT COUNT(*) FROM outbound_messages WHERE status NOT IN ('delivered', 'failed')") == 0);
    // States only moved forward: nothing was applied after a final state.
    CHECK(count("SELECT COUNT(*) FROM message_events a JOIN message_events b ON b.message_id = a.message_id"
                " AND b.id > a.id WHERE a.applied = 1 AND b.applied = 1"
                " AND a.status IN ('delivered', 'failed')") == 0);
    // The faults and odd reports happened, and were handled.
    CHECK(count("SELECT COUNT(*) FROM message_events WHERE status = 'retrying'") > 0);
    CHECK(count("SELECT COUNT(*) FROM delivery_reports WHERE outcome = 'duplicate'") > 0);
    CHECK(count("SELECT COUNT(*) FROM delivery_reports WHERE outcome = 'regression'") > 0);
    // Each failure says why.
    CHECK(count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'failed' AND error IS NULL") == 0);
  }
};

}  // namespace

TEST_CASE("integration: messages through faults all end delivered or failed, none lost or sent twice",
          "[integration][e2e]") {
  const int n = messages();
  scenario sc(n);
  server_process srv(sc.config);
  const bool done = sc.settled(n, std::chrono::seconds(240));
  const auto stats = sc.stats();
  INFO("fake aggregator: " << stats.dump());
  REQUIRE(done);
  sc.check_invariants(n);
  CHECK(stats["accepted_twice"] == 0);
  // Every message the aggregator took is recorded with its id; the rest failed, saying why
  // (a message can meet six faults in a row and give up).
  CHECK(stats["distinct_accepted"] ==
        sc.count("SELECT COUNT(*) FROM outbound_messages WHERE external_id IS NOT NULL"));
  CHECK(stats["distinct_accepted"].get<int>() > n * 99 / 100);
  CHECK(stats.value("fault_429", 0) + stats.value("fault_500", 0) + stats.value("fault_slow", 0) +
            stats.value("fault_drop", 0) >
        n / 10);
  const int delivered = sc.count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'delivered'");
  CHECK(delivered > n * 85 / 100);  // 5% are reported failed by the fake
}

TEST_CASE("integration: kill -9 mid-run and restart: the run completes with the same guarantees",
          "[integration][e2e]") {
  const int n = std::min(messages(), 2000);
  scenario sc(n);
  {
    server_process srv(sc.config);
    // Let every inbound message in, and part of the replies out, then kill it.
    for (int i = 0; i < 600; ++i) {
      if (sc.count("SELECT COUNT(*) FROM inbound_events") >= n && sc.stats().value("accepted", 0) >= n / 3) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(sc.count("SELECT COUNT(*) FROM inbound_events") == n);
    srv.signal(SIGKILL);
    srv.wait_exit();
  }
  CHECK(sc.count("SELECT COUNT(*) FROM outbound_messages WHERE status NOT IN ('delivered', 'failed')") > 0);
  server_process again(sc.config);
  const bool done = sc.settled(n, std::chrono::seconds(240));
  const auto stats = sc.stats();
  INFO("fake aggregator: " << stats.dump());
  REQUIRE(done);
  sc.check_invariants(n);
  // Only a send in flight at the kill can have gone twice.
  CHECK(stats["accepted_twice"].get<int>() <= concurrency);
  // Every message the aggregator took is recorded with its id; the rest failed, saying why
  // (a message can meet six faults in a row and give up).
  CHECK(stats["distinct_accepted"] ==
        sc.count("SELECT COUNT(*) FROM outbound_messages WHERE external_id IS NOT NULL"));
  CHECK(stats["distinct_accepted"].get<int>() > n * 99 / 100);
}

TEST_CASE("integration: an aggregator that does not answer opens the breaker, unsent messages expire",
          "[integration]") {
  temp_dir dir;
  // Nothing listens on port 9: every send is refused.
  server_process srv(write_channel_config(
      dir, "{listen: \"127.0.0.1:0\"}", "AF",
      "{id: at, type: africastalking, allow_ips: [127.0.0.1], username: u, api_key: k, base_url: \"http://127.0.0.1:9\","
      " retry_base: 10ms, retry_cap: 20ms, max_attempts: \"100\", validity: 3s}"));
  CHECK(http_call(srv.port(), "POST", "/channels/at/sms", "from=%2B93700000001&text=INFO&id=b1").status == 200);
  const auto count = [&](const std::string& sql) { return ::count(dir, sql); };
  for (int i = 0; i < 100 && srv.log().find("outbox.breaker_open") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK_THAT(srv.log(), Catch::Contains("outbox.breaker_open") && Catch::Contains("cannot connect"));
  // While the breaker is open nothing more is tried.
  const int tried = count("SELECT attempts FROM outbound_messages");
  CHECK(tried == 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  CHECK(count("SELECT attempts FROM outbound_messages") == tried);
  // Past its validity the message expires, with a reason, and is never sent.
  for (int i = 0; i < 60 && count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'expired'") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'expired'"
              " AND error = 'validity ended before it could be sent'") == 1);
}

TEST_CASE("integration: refused credentials pause the channel, no message fails, a blocked number is opted out",
          "[integration]") {
  // The first 3 sends are refused as bad credentials; sends to +93700000777 are blocked.
  fake_aggregator fake({"--auth-fail", "3", "--blocked", "+93700000777", "--no-dlr"});
  temp_dir dir;
  server_process srv(write_channel_config(
      dir, "{listen: \"127.0.0.1:0\"}", "AF",
      "{id: at, type: africastalking, allow_ips: [127.0.0.1], username: u, api_key: k, base_url: \"" + fake.url() +
          "\", misconfigured_pause: 1s, retry_base: 10ms, retry_cap: 20ms, max_attempts: \"2\"}"));
  const auto count = [&](const std::string& sql) { return ::count(dir, sql); };
  for (int i = 1; i <= 3; ++i) {
    CHECK(http_call(srv.port(), "POST", "/channels/at/sms",
                    "from=%2B9370000010" + std::to_string(i) + "&text=INFO&id=m" + std::to_string(i))
              .status == 200);
  }
  // Paused after the refusal (logged once), then every message goes: none failed although
  // three attempts were refused with max_attempts 2.
  eventually(
      [&] { return count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'sent'") >= 3; },
      std::chrono::seconds(10));
  CHECK(count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'sent'") == 3);
  CHECK(count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'failed'") == 0);
  const std::string log = srv.log();
  CHECK_THAT(log, Catch::Contains("\"event\":\"outbox.channel_misconfigured\""));
  CHECK(log.find("outbox.channel_misconfigured") == log.rfind("outbox.channel_misconfigured"));
  CHECK_THAT(http_call(srv.port(), "GET", "/metrics").body,
             Catch::Contains("paygham_channel_paused_total{channel=\"at\"} 1"));

  // A number the aggregator says has blocked us: the message fails and the contact is opted out.
  CHECK(http_call(srv.port(), "POST", "/channels/at/sms", "from=%2B93700000777&text=INFO&id=b1").status == 200);
  const std::string opted_out =
      "SELECT COUNT(*) FROM contacts WHERE phone = '+93700000777' AND opted_out = 1";
  eventually([&] { return count(opted_out) > 0; }, std::chrono::seconds(5));
  CHECK(count(opted_out) == 1);
  CHECK(count("SELECT COUNT(*) FROM outbound_messages WHERE to_phone = '+93700000777'"
              " AND status = 'failed' AND error = 'UserInBlacklist (the person is opted out of everything)'") == 1);
}

TEST_CASE("integration: a channel without its API key pauses and keeps its messages, which go once it has one",
          "[integration]") {
  fake_aggregator fake({"--no-dlr"});
  temp_dir dir;
  const auto config = [&](const std::string& credentials) {
    return write_channel_config(
        dir, "{listen: \"127.0.0.1:0\"}", "AF",
        "{id: at, type: africastalking, allow_ips: [127.0.0.1], " + credentials + "base_url: \"" +
            fake.url() +
            "\", misconfigured_pause: 1s, retry_base: 10ms, retry_cap: 20ms, max_attempts: "
            "\"2\"}");
  };
  const auto count = [&](const std::string& sql) { return ::count(dir, sql); };
  {
    server_process srv(config(""));
    CHECK(http_call(srv.port(), "POST", "/channels/at/sms", "from=%2B93700000101&text=INFO&id=k1")
              .status == 200);
    // Past two pauses and max_attempts: the reply still waits, nothing failed, said once.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    CHECK(count("SELECT COUNT(*) FROM outbound_messages WHERE status IN ('queued', 'retrying')") ==
          1);
    CHECK(count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'failed'") == 0);
    const std::string log = srv.log();
    CHECK_THAT(log, Catch::Contains("channel.cannot_send") &&
                        Catch::Contains("channel needs username and api_key to send"));
    CHECK(log.find("outbox.channel_misconfigured") != std::string::npos);
    CHECK(log.find("outbox.channel_misconfigured") == log.rfind("outbox.channel_misconfigured"));
  }
  // Given its key, the channel sends what waited.
  server_process srv(config("username: u, api_key: k, "));
  eventually(
      [&] { return count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'sent'") == 1; },
      std::chrono::seconds(10));
  CHECK(count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'sent'") == 1);
}

TEST_CASE("integration: an aggregator's 'unsubscribed' for a person's other number stops nothing of theirs, and says so",
          "[integration]") {
  fake_aggregator fake({"--blocked", "+93700000777", "--no-dlr"});
  temp_dir dir;
  server_process srv(write_channel_config(
      dir, "{listen: \"127.0.0.1:0\"}", "AF",
      "{id: at, type: africastalking, allow_ips: [127.0.0.1], username: u, api_key: k, base_url: \"" + fake.url() +
          "\"}"));
  const auto count = [&](const std::string& sql) { return ::count(dir, sql); };
  {
    // Her main number, and a second SIM she writes from (R-L6), whose holder has stopped us at
    // the aggregator.
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO contacts (phone, created_at, updated_at) VALUES ('+93700000776', 0, 0)");
    db.exec("INSERT INTO contact_numbers (phone, contact_id, added_at) VALUES ('+93700000777', " +
            std::to_string(db.getLastInsertRowid()) + ", 0)");
  }
  CHECK(http_call(srv.port(), "POST", "/channels/at/sms", "from=%2B93700000777&text=INFO&id=o1")
            .status == 200);
  const std::string failed =
      "SELECT COUNT(*) FROM outbound_messages WHERE to_phone = '+93700000777' AND status = 'failed'"
      " AND error = 'UserInBlacklist (not the person''s main number: they stay subscribed)'";
  eventually([&] { return count(failed) > 0; }, std::chrono::seconds(5));
  CHECK(count(failed) == 1);
  CHECK(count("SELECT COUNT(*) FROM contacts WHERE phone = '+93700000776' AND opted_out = 0") == 1);
  CHECK(count("SELECT COUNT(*) FROM contact_optouts") == 0);
}

TEST_CASE("integration: Kavenegar's inbox and delivery states are polled", "[integration]") {
  fake_aggregator fake({"--kavenegar-inbox", "1", "--no-dlr"});
  temp_dir dir;
  server_process srv(write_channel_config(dir, "{listen: \"127.0.0.1:0\"}", "IR",
                                          "{id: kv, type: kavenegar, api_key: KEY, sender: \"10004346\", base_url: \"" +
                                              fake.url() + "\", poll_interval: 200ms}"));
  const auto count = [&](const std::string& sql) { return ::count(dir, sql); };
  // INFO arrives by polling; the reply is sent; its delivery is learnt by polling too.
  for (int i = 0; i < 100 && count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'delivered'") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(count("SELECT COUNT(*) FROM inbound_events WHERE channel_id = 'kv'") == 1);
  CHECK(count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'delivered' AND to_phone = '+989120001001'") == 1);
  CHECK(count("SELECT COUNT(*) FROM message_events WHERE status = 'delivered' AND raw_code = '10'") == 1);
}

TEST_CASE("integration: Kavenegar is asked about its messages in turns, so phones that stay off hold up no one",
          "[integration]") {
  // A poll asks about 100 messages; the first 100 sent never get a final state (phones off).
  fake_aggregator fake({"--kavenegar-stuck", "100", "--no-dlr"});
  temp_dir dir;
  const std::string config = write_channel_config(
      dir, "{listen: \"127.0.0.1:0\"}", "IR",
      "{id: kv, type: kavenegar, api_key: KEY, sender: \"10004346\", base_url: \"" + fake.url() +
          "\", poll_interval: 100ms, rate: \"1000\"}");
  write_file(config, read_file(config) + "api: {rate_per_token: 1000}\n");  // the messages go in at once
  const std::string token = make_token(config, "operator", "ops");
  server_process srv(config);
  constexpr int sent = 150;
  for (int i = 0; i < sent; ++i) {
    const auto r = api(srv.port(), "POST", "/api/v1/messages", token,
                       R"({"to": "+98912000)" + std::to_string(1100 + i) + R"(", "text": "Hello", "channel": "kv"})");
    REQUIRE(r.status == 201);
  }
  const auto count = [&](const std::string& sql) { return ::count(dir, sql); };
  // The 50 sent after them are asked about and delivered; the 100 are asked about again.
  CHECK(eventually([&] { return count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'delivered'") == 50; },
                   std::chrono::seconds(20)));
  const auto stuck_asked = [&] {
    return nlohmann::json::parse(http_call(fake.port(), "GET", "/stats").body).value("kavenegar_stuck_asked", 0);
  };
  CHECK(eventually([&] { return stuck_asked() >= 300; }, std::chrono::seconds(20)));
  CHECK(count("SELECT COUNT(*) FROM outbound_messages WHERE status = 'sent'") == 100);
}

TEST_CASE("integration: a Kavenegar status request that failed is asked again, about the same messages",
          "[integration]") {
  // Every third status request fails; the 250 messages stay queued there, so each poll asks
  // about the next 100 in turn, and only a failure may keep the turn where it was.
  fake_aggregator fake({"--kavenegar-stuck", "250", "--kavenegar-status-fail", "3", "--no-dlr"});
  temp_dir dir;
  const std::string config = write_channel_config(
      dir, "{listen: \"127.0.0.1:0\"}", "IR",
      "{id: kv, type: kavenegar, api_key: KEY, sender: \"10004346\", base_url: \"" + fake.url() +
          "\", poll_interval: 100ms, rate: \"1000\"}");
  write_file(config, read_file(config) + "api: {rate_per_token: 1000}\n");
  const std::string token = make_token(config, "operator", "ops");
  server_process srv(config);
  for (int i = 0; i < 250; ++i) {
    const auto r = api(srv.port(), "POST", "/api/v1/messages", token,
                       R"({"to": "+98912000)" + std::to_string(1300 + i) + R"(", "text": "Hello", "channel": "kv"})");
    REQUIRE(r.status == 201);
  }
  const auto stats = [&] { return nlohmann::json::parse(http_call(fake.port(), "GET", "/stats").body); };
  CHECK(eventually([&] { return stats().value("kavenegar_status_asked_again", 0) >= 3; }, std::chrono::seconds(30)));
  CHECK(stats().value("kavenegar_status_moved_on", 0) == 0);
  CHECK(::count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE status = 'sent'") == 250);
}
