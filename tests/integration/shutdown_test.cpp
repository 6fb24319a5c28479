// Restarts and signals: what an operator and a crash do to a running server.
#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/support.hpp"

using namespace paygham::test;

namespace {

std::string ussd_body(const std::string& session, const std::string& text,
                      const std::string& phone = "%2B93700000001") {
  return "sessionId=" + session + "&serviceCode=*384*12%23&phoneNumber=" + phone + "&text=" + text +
         "&networkCode=41201";
}

}  // namespace

TEST_CASE("integration: a USSD session survives a restart on the same database",
          "[integration]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  {
    server_process first(config);
    CHECK_THAT(http_call(first.port(), "POST", "/channels/at/ussd", ussd_body("r1", "")).body,
               Catch::StartsWith("CON Red Crescent"));
    first.signal(SIGTERM);
    CHECK(first.wait_exit() == 0);
  }
  server_process second(config);
  const auto r = http_call(second.port(), "POST", "/channels/at/ussd", ussd_body("r1", "1"));
  CHECK(r.body == "CON Which clinic?\n1. Golshahr Helal House\n2. Central clinic\n0. Back");
}

TEST_CASE("integration: SIGTERM during a request lets that request finish", "[integration]") {
  temp_dir dir;
  server_process srv(write_test_config(dir));
  const std::string body = ussd_body("t1", "");
  connection c(srv.port());
  // Headers and half the body are in when the signal arrives.
  REQUIRE(c.send("POST /channels/at/ussd HTTP/1.1\r\nHost: x\r\n"
                 "Content-Type: application/x-www-form-urlencoded\r\n"
                 "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                 body.substr(0, body.size() / 2)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  srv.signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  REQUIRE(c.send(body.substr(body.size() / 2)));
  auto r = c.read_reply();
  CHECK(r.status == 200);
  CHECK_THAT(r.body, Catch::StartsWith("CON Red Crescent"));
  CHECK(r.headers["connection"] == "close");
  CHECK(srv.wait_exit() == 0);
  CHECK_THAT(srv.log(), Catch::Contains("server.stopped"));
}

TEST_CASE("integration: idle keep-alive connections do not hold up a stop", "[integration]") {
  temp_dir dir;
  server_process srv(write_test_config(dir));
  connection idle(srv.port());
  REQUIRE(idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(idle.read_reply().status == 200);
  const auto start = std::chrono::steady_clock::now();
  srv.signal(SIGTERM);
  CHECK(srv.wait_exit() == 0);
  // Well inside the 10 s grace period: the idle connection was closed at once.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE("integration: messages queued before a kill are delivered after restart",
          "[integration]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  {
    server_process first(config);
    CHECK(http_call(first.port(), "POST", "/channels/console/sms", "from=%2B93700000005&text=INFO")
              .status == 200);
    first.signal(SIGKILL);
    first.wait_exit();
  }
  server_process second(config);
  bool drained = false;
  for (int i = 0; i < 500 && !drained; ++i) {
    const auto m = http_call(second.port(), "GET", "/metrics");
    drained = m.body.find("paygham_outbox_depth 0") != std::string::npos;
    if (!drained) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(drained);
  // An empty outbox could also mean the message was lost: it must be there, delivered.
  SQLite::Database db(dir.file("paygham.db"));
  CHECK(db.execAndGet("SELECT COUNT(*) FROM outbound_messages WHERE status = 'delivered'"
                      " AND to_phone = '+93700000005'")
            .getInt() == 1);
}

TEST_CASE("integration: SIGHUP reloads flows, and refuses a broken set without harm",
          "[integration]") {
  temp_dir dir;
  const std::string src = PAYGHAM_SOURCE_DIR;
  write_file(dir.file("flows/welcome.yaml"), read_file(src + "/flows/welcome.yaml"));
  for (const char* lang : {"en", "fa", "prs", "ps"}) {
    write_file(dir.file(std::string("templates/") + lang + ".yaml"),
               read_file(src + "/templates/" + lang + ".yaml"));
  }
  std::string config = read_file(write_test_config(dir));
  config.replace(config.find("flows: "), config.find('\n', config.find("flows: ")) - config.find("flows: "),
                 "flows: " + dir.file("flows"));
  config.replace(config.find("templates: "),
                 config.find('\n', config.find("templates: ")) - config.find("templates: "),
                 "templates: " + dir.file("templates"));
  write_file(dir.file("paygham.yaml"), config);
  server_process srv(dir.file("paygham.yaml"));

  // A broken file: refused, and the running flows keep answering.
  write_file(dir.file("flows/broken.yaml"), "start: nowhere\nnodes: {a: {end: x}}\n");
  srv.signal(SIGHUP);
  for (int i = 0; i < 200 && srv.log().find("reload.refused") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK_THAT(srv.log(), Catch::Contains("reload.refused") && Catch::Contains("broken.yaml"));
  CHECK_THAT(http_call(srv.port(), "POST", "/channels/at/ussd", ussd_body("h1", "")).body,
             Catch::StartsWith("CON Red Crescent"));
  CHECK_THAT(http_call(srv.port(), "POST", "/channels/at/ussd", ussd_body("h1", "2")).body,
             Catch::StartsWith("END "));

  // A good change: the next session sees it.
  std::filesystem::remove(dir.file("flows/broken.yaml"));
  std::string en = read_file(dir.file("templates/en.yaml"));
  en.replace(en.find("menu: \"Red Crescent\""), 20, "menu: \"Red Crescent Society\"");
  write_file(dir.file("templates/en.yaml"), en);
  srv.signal(SIGHUP);
  for (int i = 0; i < 200 && srv.log().find("reload.done") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK_THAT(http_call(srv.port(), "POST", "/channels/at/ussd", ussd_body("h2", "")).body,
             Catch::StartsWith("CON Red Crescent Society"));
}

TEST_CASE("integration: a USSD hop the store cannot finish in time gets a short END, and still completes",
          "[integration]") {
  // R-U5, R-U7: channel "at" runs on a route that answers within 300 ms; "at2" keeps the
  // default 2 s.
  temp_dir dir;
  std::string config = read_file(write_test_config(dir, "",
                                                   "    ussd_profile: quick\n"
                                                   "  - id: at2\n"
                                                   "    type: africastalking\n"
                                                   "    allow_ips: [127.0.0.1]\n"));
  config += "ussd_profiles:\n  quick: {hop_deadline: 300ms}\n";
  write_file(dir.file("paygham.yaml"), config);
  server_process srv(dir.file("paygham.yaml"));
  CHECK_THAT(http_call(srv.port(), "POST", "/channels/at/ussd", ussd_body("d1", "")).body,
             Catch::StartsWith("CON Red Crescent"));
  // Another process holds the database's write lock for a second, as a stalled disk would.
  std::thread holder([&] {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(10'000);  // the server may be writing (a tick) at this moment
    db.exec("BEGIN IMMEDIATE");
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    db.exec("COMMIT");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // The default route's hop waits for the store: a second is within its deadline.
  auto patient = std::async(std::launch::async, [&] {
    return http_call(srv.port(), "POST", "/channels/at2/ussd", ussd_body("d2", "", "%2B93700000002")).body;
  });
  const auto started = std::chrono::steady_clock::now();
  const auto r = http_call(srv.port(), "POST", "/channels/at/ussd", ussd_body("d1", "1"));
  const auto took = std::chrono::steady_clock::now() - started;
  holder.join();
  CHECK(r.body == "END Sorry, this is taking too long. Please dial again in a minute.");
  CHECK(took < std::chrono::milliseconds(900));
  CHECK_THAT(patient.get(), Catch::StartsWith("CON Red Crescent"));
  const std::string metrics = http_call(srv.port(), "GET", "/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("paygham_ussd_deadline_missed_total{channel=\"at\"} 1"));
  CHECK_THAT(metrics, !Catch::Contains("paygham_ussd_deadline_missed_total{channel=\"at2\"}"));
  // The step was not lost: once the store answered, the run moved on to the clinic question.
  std::string state;
  for (int i = 0; i < 100 && state.find("\"node\":\"clinic\"") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
    state = db.execAndGet("SELECT state FROM flow_runs WHERE session_id = 'd1'").getString();
  }
  CHECK_THAT(state, Catch::Contains("\"node\":\"clinic\""));
}

TEST_CASE("integration: with the store behind, callbacks past store.max_queue get 503 and are not lost",
          "[integration]") {
  temp_dir dir;
  std::string config = read_file(write_test_config(dir));
  config.replace(config.find("store:\n"), 7, "store:\n  max_queue: 4\n");
  write_file(dir.file("paygham.yaml"), config);
  server_process srv(dir.file("paygham.yaml"));
  // Another process holds the write lock, as a stalled disk would.
  std::promise<void> held, release;
  std::thread holder([&] {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(10'000);  // the server may be writing (a tick) at this moment
    db.exec("BEGIN IMMEDIATE");
    held.set_value();
    release.get_future().wait();
    db.exec("COMMIT");
  });
  // Whatever fails below, the lock is let go and the thread joined (never std::terminate).
  struct letting_go {
    std::promise<void>& release;
    std::thread& holder;
    bool done = false;
    void now() {
      if (done) return;
      done = true;
      release.set_value();
      holder.join();
    }
    ~letting_go() { now(); }
  } let_go{release, holder};
  held.get_future().wait();
  const auto post = [&](const std::string& id) {
    return http_call(srv.port(), "POST", "/channels/console/sms", "from=%2B93700000001&text=hello&id=" + id);
  };
  // Posted one after another, each waiting on the store, until the queue of 4 is full (the
  // server's own background work may take some of it): the next is refused.
  std::vector<std::future<http_reply>> waiting;
  http_reply refused;
  int sent = 0;
  while (sent < 10) {
    const std::string id = "q" + std::to_string(++sent);
    auto reply = std::async(std::launch::async, [&, id] { return post(id); });
    if (reply.wait_for(std::chrono::milliseconds(300)) == std::future_status::ready) {
      refused = reply.get();
      break;
    }
    waiting.push_back(std::move(reply));
  }
  CHECK(refused.status == 503);
  CHECK(refused.headers.count("retry-after") == 1);
  CHECK(waiting.size() >= 1);
  let_go.now();
  for (auto& w : waiting) CHECK(w.get().status == 200);
  // The aggregator's retry of the refused one is stored like any other.
  CHECK(post("q" + std::to_string(sent)).status == 200);
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM inbound_events").getInt() == sent);
}

TEST_CASE("integration: the log names a number by a pseudonym that outlives a restart, never by its digits",
          "[integration]") {
  // R-D4: one person can be followed through the log without their number.
  temp_dir dir;
  const std::string config = write_test_config(dir);
  const auto pseudonyms = [](const std::string& log, const std::string& masked) {
    std::set<std::string> ids;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.value("event", "") == "sms.received" && j.value("from", "") == masked) {
        ids.insert(j.value("from_id", ""));
      }
    }
    return ids;
  };
  std::string first_log;
  {
    server_process first(config);
    for (const char* from : {"%2B93700000777", "%2B93700000777", "%2B93700000778"}) {
      REQUIRE(http_call(first.port(), "POST", "/channels/console/sms", std::string("from=") + from + "&text=INFO")
                  .status == 200);
    }
    first.signal(SIGTERM);
    CHECK(first.wait_exit() == 0);
    first_log = first.log();
  }
  server_process second(config);
  REQUIRE(http_call(second.port(), "POST", "/channels/console/sms", "from=%2B93700000777&text=INFO").status == 200);
  for (int i = 0; i < 100 && second.log().find("sms.received") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto before = pseudonyms(first_log, "+93******777");
  REQUIRE(before.size() == 1);  // the same in both of its lines
  const std::string id = *before.begin();
  CHECK(id.size() == 12);
  CHECK(pseudonyms(first_log, "+93******778") != before);
  CHECK(pseudonyms(second.log(), "+93******777") == before);
  CHECK_THAT(first_log + second.log(), !Catch::Contains("700000777"));
}
