// Crash tests: `paygham serve` under mixed load, killed with SIGKILL at random moments several
// times and restarted on the same SQLite store, then checked for what people would notice:
//   - every inbound SMS the aggregator posted is stored once (it retries until answered 2xx,
//     as aggregators do, so one acknowledged and then lost would be missing);
//   - every USSD hop that was answered left its session stored;
//   - every queued message ends delivered, failed, expired, cancelled or unconfirmed, and its
//     states only moved forward;
//   - each subscriber gets the alert broadcast exactly once, each patient the morning's reminder
//     exactly once, and each reminder series its next day's job exactly once;
//   - none is sent twice, but for sends in flight at a kill: messages the store held as
//     'sending' when the process died (the aggregator may have taken them before the kill, and
//     they are sent again after the restart); both counts are printed;
//   - PRAGMA integrity_check passes.
// The load: the fake aggregator posting inbound SMS and delivery reports (late, duplicated, out
// of order) and failing a tenth of sends; this test's own USSD sessions; a morning's reminders
// due at once; an urgent alert to every subscriber, ordered after the first restart.
//
// The short form runs in tools/test; tests/chaos/run runs the long one. Environment:
//   PAYGHAM_CHAOS_KILLS  kills (default 3)      PAYGHAM_CHAOS_PEOPLE  subscribers (default 1000)
//   PAYGHAM_CHAOS_SMS    inbound SMS (1000)     PAYGHAM_CHAOS_SEED    the kill moments (default: the clock;
//                                                                    printed, to repeat a run)
#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <ctime>
#include <iostream>
#include <random>
#include <set>
#include <thread>

#include "tests/support/support.hpp"

using namespace paygham::test;

namespace {

constexpr int concurrency = 16;

long env_or(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atol(v) : fallback;
}

long long count(const temp_dir& dir, const std::string& sql) {
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
  db.setBusyTimeout(10'000);
  return db.execAndGet(sql).getInt64();
}

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A fixed-offset zone where it is now about noon, so the reminders are inside sending hours
// whenever the test runs (Etc/GMT-N is N hours east of UTC).
std::string zone_at_noon() {
  const std::time_t t = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&t, &utc);
  const int east = 12 - utc.tm_hour;
  return east >= 0 ? "Etc/GMT-" + std::to_string(east) : "Etc/GMT+" + std::to_string(-east);
}

// `people` subscribers of Herat's mine alerts on the aggregator's channel, each with
// a daily reminder series whose job is due now.
void subscribe_and_enrol(const temp_dir& dir, int people, long long due) {
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
  db.setBusyTimeout(10'000);
  const std::string n = std::to_string(people), at = std::to_string(due);
  SQLite::Transaction t(db);
  // The aggregator may already have posted SMS from other numbers: ids are the store's own.
  db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + n + ")"
          " INSERT INTO contacts (phone, language, created_at, updated_at)"
          " SELECT '+9379' || printf('%07d', i), CASE i % 2 WHEN 0 THEN 'prs' END, 0, 0 FROM n");
  db.exec("INSERT INTO subscriptions (contact_id, topic, area, channel_id, created_at)"
          " SELECT id, 'mine_safety', 'herat', 'at', 0 FROM contacts WHERE phone LIKE '+9379%'");
  db.exec("INSERT INTO series (contact_id, channel_id, programme, template, at_minute, time_zone, active,"
          " created_at, updated_at) SELECT id, 'at', 'reminders', 'reminders.daily', 480, '" + zone_at_noon() +
          "', 1, 0, 0 FROM contacts WHERE phone LIKE '+9379%'");
  db.exec("INSERT INTO jobs (kind, due_at, payload, status, created_at) SELECT 'series.due', " + at +
          ", json_object('series', id, 'at', " + at + ", 'step', 0), 'pending', 0 FROM series");
  t.commit();
}

// USSD sessions from phones of their own, one after another, until told to stop: each opens the
// menu and picks its first item. The sessions whose first hop was answered are kept.
struct ussd_load {
  int port;
  std::atomic<bool> stop{false};
  std::atomic<int> refused{0};
  std::set<std::string> answered;  // session ids
  std::thread worker;

  explicit ussd_load(int p) : port(p) {
    worker = std::thread([this] {
      for (int i = 0; !stop; ++i) {
        const std::string session = "chaos-" + std::to_string(i);
        const std::string phone = "%2B93780" + std::to_string(100000 + i);
        const auto hop = [&](const std::string& text) {
          try {
            const auto r = http_call(port, "POST", "/channels/at/ussd",
                                     "sessionId=" + session + "&serviceCode=*384*12%23&phoneNumber=" + phone +
                                         "&text=" + text + "&networkCode=41201");
            return r.status == 200 && r.body.rfind("CON ", 0) == 0;
          } catch (const std::exception&) {
            ++refused;  // the server is down: a phone would see a network error, and nothing is owed
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            return false;
          }
        };
        if (hop("")) {
          answered.insert(session);
          hop("1");
        }
      }
    });
  }
  // Stops the sessions; `answered` is this thread's to read after.
  void finish() {
    stop = true;
    if (worker.joinable()) worker.join();
  }
  ~ussd_load() { finish(); }
};

}  // namespace

TEST_CASE("chaos: kill -9 at random moments under mixed load, restart: nothing acknowledged is lost, nothing "
          "is done twice",
          "[chaos]") {
  const int kills = static_cast<int>(env_or("PAYGHAM_CHAOS_KILLS", 3));
  const int people = static_cast<int>(env_or("PAYGHAM_CHAOS_PEOPLE", 1000));
  const int sms = static_cast<int>(env_or("PAYGHAM_CHAOS_SMS", 1000));
  const auto seed = static_cast<unsigned>(env_or("PAYGHAM_CHAOS_SEED", static_cast<long>(std::time(nullptr))));
  std::cout << "chaos: " << kills << " kills, " << people << " people, " << sms
            << " inbound SMS; PAYGHAM_CHAOS_SEED=" << seed << " repeats the kill moments" << std::endl;
  REQUIRE(kills >= 1);
  std::mt19937 rng(seed);
  const int broadcast_at = kills > 1 ? 1 : 0;  // after the first restart, when there is one

  temp_dir dir;
  const int port = free_port();
  const std::string me = "http://127.0.0.1:" + std::to_string(port);
  fake_aggregator fake({"--seed", std::to_string(seed), "--fault-rate", "0.1", "--slow-ms", "300",
                        "--dlr-delay-ms", "30", "--dlr-fail-rate", "0.05", "--dlr-duplicate-rate", "0.1",
                        "--dlr-reorder-rate", "0.1", "--at-dlr-url", me + "/channels/at/status", "--inbound-url",
                        me + "/channels/at/sms", "--inbound-rate", "150", "--inbound-count", std::to_string(sms)});
  const std::string config = write_channel_config(
      dir, "{listen: \"127.0.0.1:" + std::to_string(port) + "\", public_url: \"" + me + "\"}", "AF",
      "{id: at, type: africastalking, allow_ips: [127.0.0.1], username: u, api_key: k, base_url: \"" + fake.url() +
          "\", rate: \"2000\", concurrency: \"" + std::to_string(concurrency) + "\", retry_base: 20ms, retry_cap: 500ms}");
  { server_process migrate(config); }  // the schema, before the people are filled in
  make_operator(config, "amina");  // who asks for the alert
  make_operator(config, "farid");  // and who approves it
  const long long due = now_ms();
  subscribe_and_enrol(dir, people, due);

  int killed_mid_broadcast = 0;
  long long in_flight_at_kills = 0;  // claimed for sending when the process died
  {
    ussd_load ussd(port);
    for (int k = 0; k < kills; ++k) {
      server_process srv(config);
      if (k == broadcast_at) send_alert(config, "herat");
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 1500)(rng)));
      if (k >= broadcast_at && count(dir, "SELECT COUNT(*) FROM broadcasts WHERE done = 0") > 0) ++killed_mid_broadcast;
      srv.signal(SIGKILL);
      srv.wait_exit();
      in_flight_at_kills += count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE status = 'sending'");
    }
    // The last start: it runs until everything owed is done.
    server_process last(config);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    ussd.finish();
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(240);
    const auto settled = [&] {
      const auto stats = nlohmann::json::parse(http_call(fake.port(), "GET", "/stats").body);
      return stats.value("inbound_posted", 0) == sms && count(dir, "SELECT COUNT(*) FROM inbound_events WHERE kind = 'sms'") >= sms &&
             count(dir, "SELECT COUNT(*) FROM broadcasts WHERE done = 0") == 0 &&
             count(dir, "SELECT COUNT(*) FROM jobs WHERE status = 'pending' AND due_at <= " + std::to_string(due)) == 0 &&
             count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE status IN ('queued', 'sending', 'sent', 'retrying')") == 0;
    };
    bool done = false;
    while (!(done = settled()) && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    INFO("log of the last start:\n" << last.log());
    REQUIRE(done);

    const auto stats = nlohmann::json::parse(http_call(fake.port(), "GET", "/stats").body);
    INFO("fake aggregator: " << stats.dump());
    std::cout << "chaos: " << kills << " kills (" << killed_mid_broadcast << " while the broadcast was queued), "
              << ussd.answered.size() << " USSD sessions answered, " << ussd.refused << " hops refused while down, "
              << stats.value("accepted_twice", 0) << " messages sent twice (of " << in_flight_at_kills
              << " in flight at the kills), "
              << stats.value("callbacks_retried", 0) << " callbacks retried by the aggregator" << std::endl;

    // Inbound: every SMS posted was taken, and stored once.
    CHECK(stats.value("callbacks_refused", 0) == 0);
    CHECK(count(dir, "SELECT COUNT(*) FROM inbound_events WHERE kind = 'sms'") == sms);
    // USSD: every session whose hop was answered is stored.
    std::set<std::string> stored;
    {
      SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
      SQLite::Statement q(db, "SELECT session_id FROM flow_runs WHERE session_id LIKE 'chaos-%'");
      while (q.executeStep()) stored.insert(q.getColumn(0).getString());
    }
    CHECK(!ussd.answered.empty());
    std::vector<std::string> lost;
    for (const auto& s : ussd.answered) {
      if (!stored.count(s)) lost.push_back(s);
    }
    INFO("USSD sessions answered but not stored: " << lost.size() << (lost.empty() ? "" : ", the first " + lost.front()));
    CHECK(lost.empty());
    // Every message is final, and its states only moved forward.
    CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE status NOT IN"
                     " ('delivered', 'failed', 'expired', 'cancelled', 'unconfirmed')") == 0);
    CHECK(count(dir, "SELECT COUNT(*) FROM message_events a JOIN message_events b ON b.message_id = a.message_id"
                     " AND b.id > a.id WHERE a.applied = 1 AND b.applied = 1"
                     " AND a.status IN ('delivered', 'failed')") == 0);
    CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE status = 'failed' AND error IS NULL") == 0);
    // One reply for each inbound SMS; one alert and one reminder for each person; each series' next day once.
    CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE to_phone LIKE '+93701%'") == sms);
    CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1") == people);
    CHECK(count(dir, "SELECT COUNT(DISTINCT contact_id) FROM outbound_messages WHERE broadcast_id = 1") == people);
    CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE programme = 'reminders'") == people);
    CHECK(count(dir, "SELECT COUNT(DISTINCT contact_id) FROM outbound_messages WHERE programme = 'reminders'") == people);
    CHECK(count(dir, "SELECT COUNT(*) FROM jobs WHERE kind = 'series.due' AND status = 'pending'") == people);
    // Sent twice only when in flight at a kill.
    CHECK(stats.value("accepted_twice", 0) <= in_flight_at_kills);
  }
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
}
