// Restarts and signals: what an operator and a crash do to a running server.
#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "tests/support/support.hpp"

using namespace paygham::test;

namespace {

std::string ussd_body(const std::string& session, const std::string& text) {
  return "sessionId=" + session + "&serviceCode=*384*12%23&phoneNumber=%2B93700000001&text=" +
         text + "&networkCode=41201";
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
