// The REST API on a running server, as a machine calls it: tokens made with `paygham token`,
// a role per route (the wrong role and a revoked token refused, and counted), bad bodies
// refused naming the field with nothing changed, a message sent and followed to delivered
// with its history, a broadcast with its safety limit, every change in the append-only
// audit log, and the OpenAPI document describing every route as it answers.
#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <csignal>
#include <ctime>
#include <set>
#include <thread>

#include "tests/support/support.hpp"

using namespace paygham::test;
using json = nlohmann::json;

namespace {

json error_of(const http_reply& r) {
  const auto j = json::parse(r.body, nullptr, false);
  REQUIRE(j.is_object());
  REQUIRE(j.contains("error"));
  return j["error"];
}

// A server on a fresh store, and a token of `role` made for it.
struct running {
  temp_dir dir;
  std::string config = write_test_config(dir);
  std::string token;
  std::string second = make_token(config, "operator", "second pair of eyes");  // another person
  std::unique_ptr<server_process> srv;
  // `people`: two operators who log in to the console too (amina, farid: make_operator).
  explicit running(const std::string& role, bool people = false) : token(make_token(config, role, "ops")) {
    if (people) {
      make_operator(config, "amina");
      make_operator(config, "farid");
    }
    srv = std::make_unique<server_process>(config);
  }
  int port() const { return srv->port(); }
};

}  // namespace

TEST_CASE("api: tokens and roles guard every route, and a refused call changes nothing", "[integration][api]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  const std::string operator_token = make_token(config, "operator", "his");
  const std::string worker_token = make_token(config, "health_worker", "clinic system");
  const std::string revoked = make_token(config, "admin", "old script");
  std::string out, err;
  REQUIRE(run_paygham({"token", "revoke", "--config", config, "--id", "3"}, &out, &err) == 0);
  REQUIRE(run_paygham({"token", "list", "--config", config}, &out, &err) == 0);
  CHECK_THAT(out, Catch::Contains("3\tadmin\t-\told script\t(revoked)"));
  CHECK(out.find("pgm_") == std::string::npos);
  CHECK(scalar(dir, "SELECT COUNT(*) FROM api_tokens WHERE hash LIKE 'pgm_%'") == "0");  // only hashes

  server_process srv(config);
  const std::string send = R"({"to": "0700 000 123", "text": "Hello", "channel": "console"})";
  auto r = api(srv.port(), "POST", "/api/v1/messages", "", send);
  CHECK(r.status == 401);
  CHECK(error_of(r)["code"] == "unauthorized");
  r = api(srv.port(), "POST", "/api/v1/messages", "pgm_not-a-token", send);
  CHECK(r.status == 401);
  r = api(srv.port(), "POST", "/api/v1/messages", revoked, send);
  CHECK(r.status == 401);
  r = api(srv.port(), "POST", "/api/v1/messages", worker_token, send);
  CHECK(r.status == 403);
  CHECK(error_of(r)["message"] == "a health_worker token may not do this");
  r = api(srv.port(), "GET", "/api/v1/messages/1", worker_token);
  CHECK(r.status == 403);
  // The token is looked at before the body: a caller without the right learns nothing of it.
  r = api(srv.port(), "POST", "/api/v1/messages", "pgm_not-a-token", R"({"colour": "red"})");
  CHECK(r.status == 401);
  r = api(srv.port(), "POST", "/api/v1/messages", worker_token, "{not json");
  CHECK(r.status == 403);

  // Bad bodies: 400 naming the field.
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"to": "12", "text": "Hi", "channel": "console"})", "to"},
      {R"({"to": "0700000123", "text": "Hi", "channel": "console", "colour": "red"})", "colour"},
      {R"({"to": "0700000123", "text": 5, "channel": "console"})", "text"},
      {R"({"text": "Hi", "channel": "console"})", "to"},
      {R"({"to": "0700000123", "channel": "console"})", "text"},
      {R"({"to": "0700000123", "text": "Hi", "template": "common.goodbye", "channel": "console"})",
       "template"},
      {R"({"to": "0700000123", "text": "Hi", "channel": "nowhere"})", "channel"},
      {R"({"to": "0700000123", "text": "Hi", "channel": "console", "priority": "urgent"})",
       "priority"},
      {R"({"to": "0700000123", "template": "no.such_text", "channel": "console"})", "template"},
      {R"({"to": "0700000123", "template": "mine_safety.hazard_reported", "channel": "console"})",
       "template"},
      {R"({"to": "0700000123", "text": "a\u0000b", "channel": "console"})", "text"},
      {R"({"to": "0700000123", "text": "a\u001b[2Jb", "channel": "console"})", "text"},
  };
  for (const auto& [body, field] : bad) {
    INFO(body);
    r = api(srv.port(), "POST", "/api/v1/messages", operator_token, body);
    CHECK(r.status == 400);
    CHECK(error_of(r)["field"] == field);
  }
  for (const std::string body : {"{not json", "[1, 2]", "\xff\xfe"}) {
    r = api(srv.port(), "POST", "/api/v1/messages", operator_token, body);
    CHECK(r.status == 400);
  }
  CHECK(scalar(dir, "SELECT COUNT(*) FROM outbound_messages") == "0");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'messages.%'") == "0");

  const auto metrics = http_call(srv.port(), "GET", "/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("paygham_api_denied_total{reason=\"none\"} 1"));
  CHECK_THAT(metrics, Catch::Contains("paygham_api_denied_total{reason=\"unknown\"} 3"));
  CHECK_THAT(metrics, Catch::Contains("paygham_api_denied_total{reason=\"role\"} 3"));
}

TEST_CASE("api: a message sent through the API is followed to delivered, with its history and an audit entry",
          "[integration][api]") {
  running srv("operator");
  auto r = api(srv.port(), "POST", "/api/v1/messages", srv.token,
               R"({"to": "+93700000123", "text": "Your card is ready at the Helal House.", "channel": "console",
                   "priority": "alert"})");
  REQUIRE(r.status == 201);
  const auto sent = json::parse(r.body);
  CHECK(sent["to"] == "+93700000123");
  CHECK(sent["status"] == "queued");
  CHECK(sent["priority"] == "alert");  // as it was given
  const std::string id = std::to_string(sent["id"].get<long long>());
  json seen;
  for (int i = 0; i < 100; ++i) {
    seen = json::parse(api(srv.port(), "GET", "/api/v1/messages/" + id, srv.token).body);
    if (seen["status"] == "delivered") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(seen["status"] == "delivered");
  std::vector<std::string> states;
  for (const auto& h : seen["history"]) states.push_back(h["status"]);
  CHECK(states.front() == "queued");
  CHECK(states.back() == "delivered");
  CHECK(api(srv.port(), "GET", "/api/v1/messages/999", srv.token).status == 404);
  CHECK(api(srv.port(), "GET", "/api/v1/messages/abc", srv.token).status == 404);
  r = api(srv.port(), "GET", "/api/v1/messages/%ff", srv.token);  // not UTF-8: still a JSON 404
  CHECK(r.status == 404);
  CHECK(error_of(r)["code"] == "not_found");
  // The scheme's case does not matter (RFC 9110).
  CHECK(http_call(srv.port(), "GET", "/api/v1/messages/" + id, "", "application/json",
                  {{"Authorization", "bearer " + srv.token}})
            .status == 200);

  // A template in the person's language (none chosen: the default, English).
  r = api(srv.port(), "POST", "/api/v1/messages", srv.token,
          R"({"to": "+93700000124", "template": "health.thanks", "channel": "console"})");
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["body"] == "Thank you.");

  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM audit_log WHERE action = 'messages.send' AND actor = 'token:1'") == "2");
  CHECK(scalar(srv.dir, "SELECT target FROM audit_log WHERE action = 'messages.send' ORDER BY id LIMIT 1") ==
        "message:" + id);
  // Without a channel, by the default one: the first listed that reaches phones, not the console.
  r = api(srv.port(), "POST", "/api/v1/messages", srv.token, R"({"to": "+93700000124", "text": "Hello"})");
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["channel"] == "at");
  // Append-only: the store itself refuses to change or delete an entry.
  SQLite::Database db(srv.dir.file("paygham.db"), SQLite::OPEN_READWRITE);
  db.setBusyTimeout(10'000);
  CHECK_THROWS_WITH(db.exec("UPDATE audit_log SET actor = 'someone else'"), Catch::Contains("append-only"));
  CHECK_THROWS_WITH(db.exec("DELETE FROM audit_log"), Catch::Contains("append-only"));
}

TEST_CASE("api: a broadcast needs subscribers, and confirm above 1000 people, and its progress is readable",
          "[integration][api]") {
  running srv("admin", true);
  const auto amina = log_in(srv.port(), "amina", operator_password);
  const auto farid = log_in_next(srv.port(), "farid", operator_password);
  const std::string body = R"({"topic": "mine_safety", "area": "herat", "text": "mine_safety.alert_floods",
                               "priority": "alert"})";
  auto r = api(srv.port(), "POST", "/api/v1/broadcasts", srv.token, body);
  CHECK(r.status == 409);
  CHECK(error_of(r)["code"] == "no_audience");
  // An area no flow gives is a typo to fix, not an empty area.
  r = api(srv.port(), "POST", "/api/v1/broadcasts", srv.token,
          R"({"topic": "mine_safety", "area": "heratt", "text": "mine_safety.alert_floods"})");
  CHECK(r.status == 400);
  CHECK(error_of(r)["code"] == "unknown_area");
  CHECK(error_of(r)["field"] == "area");
  CHECK_THAT(error_of(r)["message"].get<std::string>(), Catch::Contains("did you mean 'herat'?"));
  r = api(srv.port(), "POST", "/api/v1/broadcasts", srv.token,
          R"({"topic": "mine_safety", "text": "mine_safety.nothing_like_it"})");
  CHECK(r.status == 400);
  CHECK(error_of(r)["field"] == "text");
  // A text written for one person's visit would go out with its {code} as written.
  r = api(srv.port(), "POST", "/api/v1/broadcasts", srv.token,
          R"({"topic": "mine_safety", "text": "appointments.confirmation"})");
  CHECK(r.status == 400);
  CHECK(error_of(r)["code"] == "unusable_template");
  CHECK_THAT(error_of(r)["message"].get<std::string>(),
             Catch::Contains("text 'appointments.confirmation' says {") && Catch::Contains("a broadcast has nothing to fill"));
  {
    SQLite::Database db(srv.dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(10'000);
    db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)"
            " INSERT INTO contacts (id, phone, created_at, updated_at) SELECT i, '+9379' || printf('%07d', i), 0, 0 FROM n");
    db.exec("INSERT INTO subscriptions (contact_id, topic, area, channel_id, created_at)"
            " SELECT id, 'mine_safety', 'herat', 'console', 0 FROM contacts");
    // Both have phones: the one who asks is not told of their own alert, the other is.
    db.exec("UPDATE users SET phone = '+93700009001' WHERE login = 'amina'");
    db.exec("UPDATE users SET phone = '+93700009002' WHERE login = 'farid'");
  }
  r = api(srv.port(), "POST", "/api/v1/broadcasts", srv.token, body);
  CHECK(r.status == 409);
  CHECK(error_of(r)["code"] == "confirm_needed");
  CHECK_THAT(error_of(r)["message"].get<std::string>(), Catch::Contains("1200 people"));
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM broadcasts") == "0");
  const std::string confirmed = body.substr(0, body.size() - 1) + R"(, "confirm": true})";
  // An urgent alert is two people's decision (R-M3): a machine's token is nobody's.
  r = api(srv.port(), "POST", "/api/v1/broadcasts", srv.token, confirmed);
  CHECK(r.status == 403);
  CHECK(error_of(r)["code"] == "not_a_person");
  r = amina.call("POST", "/api/v1/broadcasts", confirmed);
  REQUIRE(r.status == 201);
  const auto asked = json::parse(r.body);
  CHECK(asked["audience"] == 1200);
  // It goes only when a second person approves it; it expires in a day.
  CHECK(asked["status"] == "awaiting_approval");
  CHECK(asked["requested_by"] == "user:1");
  CHECK(asked["expires_at"].get<long long>() - asked["not_before"].get<long long>() == 24LL * 3600'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1") == "0");
  // Nobody has to be watching the console: the second person hears of it by SMS at once.
  std::string told;
  for (int i = 0; i < 100 && told.empty(); ++i) {
    told = scalar(srv.dir, "SELECT COALESCE(MAX(body), '') FROM outbound_messages WHERE to_phone = '+93700009002'");
    if (told.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK_THAT(told, Catch::Contains("urgent alert 1 for 1200 people awaits a second person"));
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM outbound_messages WHERE to_phone = '+93700009001'") == "0");
  // The second person finds it in the list, awaiting them.
  const auto listed = json::parse(farid.call("GET", "/api/v1/broadcasts").body)["items"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["status"] == "awaiting_approval");
  CHECK(listed[0]["audience"] == 1200);
  r = amina.call("POST", "/api/v1/broadcasts/1/approve");
  CHECK(r.status == 409);
  CHECK(error_of(r)["code"] == "same_person");
  r = api(srv.port(), "POST", "/api/v1/broadcasts/1/approve", srv.second);
  CHECK(r.status == 403);
  CHECK(error_of(r)["code"] == "not_a_person");
  r = farid.call("POST", "/api/v1/broadcasts/1/approve");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["approved_by"] == "user:2");
  CHECK(farid.call("POST", "/api/v1/broadcasts/1/approve").status == 409);
  json progress;
  for (int i = 0; i < 200; ++i) {
    progress = json::parse(api(srv.port(), "GET", "/api/v1/broadcasts/1", srv.token).body);
    if (progress["states"].value("delivered", 0) == 1200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(progress["done"] == true);
  CHECK(progress["states"]["delivered"] == 1200);
  r = farid.call("POST", "/api/v1/broadcasts/1/cancel");  // all of it went: nothing to stop
  CHECK(r.status == 409);
  CHECK(error_of(r)["code"] == "nothing_to_stop");
  const auto detail = json::parse(scalar(srv.dir, "SELECT detail FROM audit_log WHERE action = 'broadcasts.create'"));
  CHECK(detail["audience"] == 1200);
  CHECK(detail["priority"] == "alert");
  CHECK(detail["text"] == "mine_safety.alert_floods");
  CHECK(scalar(srv.dir, "SELECT actor FROM audit_log WHERE action = 'broadcasts.approve'") == "user:2");

  // A broadcast for later: its messages are queued now and wait for the time given.
  const auto later = std::chrono::system_clock::now() + std::chrono::hours(2);
  const std::time_t secs = std::chrono::system_clock::to_time_t(later);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char at[32];
  std::strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
  r = amina.call("POST", "/api/v1/broadcasts", body.substr(0, body.size() - 1) + R"(, "confirm": true, "at": ")" + at + "\"}");
  REQUIRE(r.status == 201);
  const auto scheduled = json::parse(r.body);
  CHECK(scheduled["not_before"].get<long long>() == static_cast<long long>(secs) * 1000);
  REQUIRE(farid.call("POST", "/api/v1/broadcasts/2/approve").status == 200);
  for (int i = 0; i < 200 && !json::parse(api(srv.port(), "GET", "/api/v1/broadcasts/2", srv.token).body)["done"]; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 2 AND status = 'queued' AND next_at >= " +
                            std::to_string(static_cast<long long>(secs) * 1000)) == "1200");
  // Found wrong while it waits for its time: stopped, and none of it goes.
  r = amina.call("POST", "/api/v1/broadcasts/2/cancel");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["status"] == "cancelled");
  CHECK(json::parse(r.body)["states"]["cancelled"] == 1200);
  CHECK(json::parse(scalar(srv.dir, "SELECT detail FROM audit_log WHERE action = 'broadcasts.cancel'"))["messages_cancelled"] ==
        1200);
  // A day alone is midnight UTC, 04:30 in Kabul: a time with its zone is asked for.
  for (const std::string& bad : std::vector<std::string>{"tomorrow", "2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z", std::string(at).substr(0, 10),
                                std::string(at).substr(0, 16)}) {
    r = amina.call("POST", "/api/v1/broadcasts", body.substr(0, body.size() - 1) + R"(, "confirm": true, "at": ")" + bad + "\"}");
    CHECK(r.status == 400);
    CHECK(error_of(r)["field"] == "at");
  }
  // An alert found wrong before anyone approved it: cancelled, nothing queued, never approvable.
  r = amina.call("POST", "/api/v1/broadcasts", confirmed);
  REQUIRE(r.status == 201);
  const std::string wrong = std::to_string(json::parse(r.body)["id"].get<long long>());
  r = api(srv.port(), "POST", "/api/v1/broadcasts/" + wrong + "/cancel", srv.token);  // a machine's token is nobody
  CHECK(r.status == 403);
  CHECK(error_of(r)["code"] == "not_a_person");
  r = amina.call("POST", "/api/v1/broadcasts/" + wrong + "/cancel");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["status"] == "cancelled");
  CHECK(farid.call("POST", "/api/v1/broadcasts/" + wrong + "/approve").status == 409);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = " + wrong) == "0");
  // An expiry must come after the broadcast may go.
  for (const std::string bad : {"2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z"}) {  // past; beyond 72 hours
    r = amina.call("POST", "/api/v1/broadcasts",
                   body.substr(0, body.size() - 1) + R"(, "confirm": true, "expires_at": ")" + bad + "\"}");
    CHECK(r.status == 400);
    CHECK(error_of(r)["field"] == "expires_at");
  }
}

TEST_CASE("api: a broadcast for a crossing reaches only those who said they come by it (R-M1)", "[integration][api]") {
  running srv("operator");
  {
    SQLite::Database db(srv.dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(10'000);
    db.exec("INSERT INTO contacts (id, phone, created_at, updated_at) VALUES (1, '+93700000711', 0, 0),"
            " (2, '+93700000712', 0, 0), (3, '+93700000713', 0, 0)");
    db.exec("INSERT INTO subscriptions (contact_id, topic, area, channel_id, created_at, route) VALUES"
            " (1, 'mine_safety', 'herat', 'console', 0, 'islam_qala'), (2, 'mine_safety', 'herat', 'console', 0, ''),"
            " (3, 'mine_safety', 'nimroz', 'console', 0, 'milak')");
  }
  auto r = api(srv.port(), "POST", "/api/v1/broadcasts", srv.token,
               R"({"topic": "mine_safety", "route": "torkham", "text": "mine_safety.alert_floods"})");
  CHECK(r.status == 409);
  CHECK(error_of(r)["code"] == "no_audience");
  CHECK(error_of(r)["field"] == "route");
  CHECK_THAT(error_of(r)["message"].get<std::string>(), Catch::Contains("who comes by torkham"));
  // An area nobody is in is the area's fault, whatever the route; a route as nobody names one is refused.
  r = api(srv.port(), "POST", "/api/v1/broadcasts", srv.token,
          R"({"topic": "mine_safety", "area": "kunar", "route": "islam_qala", "text": "mine_safety.alert_floods"})");
  CHECK(error_of(r)["field"] == "area");
  r = api(srv.port(), "POST", "/api/v1/broadcasts", srv.token,
          R"({"topic": "mine_safety", "route": "Islam Qala", "text": "mine_safety.alert_floods"})");
  CHECK(r.status == 400);
  CHECK(error_of(r)["code"] == "invalid_route");
  r = api(srv.port(), "POST", "/api/v1/broadcasts", srv.token,
          R"({"topic": "mine_safety", "route": "islam_qala", "text": "mine_safety.alert_floods"})");
  REQUIRE(r.status == 201);
  const auto made = json::parse(r.body);
  CHECK(made["audience"] == 1);
  CHECK(made["route"] == "islam_qala");
  const std::string path = "/api/v1/broadcasts/" + std::to_string(made["id"].get<long long>());
  for (int i = 0; i < 100 && !json::parse(api(srv.port(), "GET", path, srv.token).body)["done"].get<bool>(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(scalar(srv.dir, "SELECT group_concat(contact_id) FROM outbound_messages WHERE broadcast_id IS NOT NULL") == "1");
  CHECK_THAT(scalar(srv.dir, "SELECT detail FROM audit_log WHERE action = 'broadcasts.create'"),
             Catch::Contains(R"("route":"islam_qala")"));
}

TEST_CASE("api: a broadcast to one district reaches those whose words name it, and those whose district is not "
          "known unless told not to (R-M1)",
          "[integration][api]") {
  running srv("operator", true);
  // The operators' own copy of the districts file, and words written before the server read
  // any by it (as after an upgrade): it reads them when it starts.
  srv.srv.reset();
  const std::string districts = srv.dir.file("districts.yaml");
  write_file(districts, read_file(std::string(PAYGHAM_SOURCE_DIR) + "/config/districts.yaml"));
  std::string config_text = read_file(srv.config);
  const auto at = config_text.find("districts: ");
  REQUIRE(at != std::string::npos);
  config_text.replace(at, config_text.find('\n', at) - at, "districts: " + districts);
  write_file(srv.config, config_text);
  {
    SQLite::Database db(srv.dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(10'000);
    db.exec("INSERT INTO contacts (id, phone, created_at, updated_at) VALUES (1, '+93700000721', 0, 0),"
            " (2, '+93700000722', 0, 0), (3, '+93700000723', 0, 0), (4, '+93700000724', 0, 0)");
    db.exec("INSERT INTO subscriptions (contact_id, topic, area, channel_id, created_at, district) VALUES"
            " (1, 'mine_safety', 'herat', 'console', 0, 'انجیل'), (2, 'mine_safety', 'herat', 'console', 0, 'ENJIL'),"
            " (3, 'mine_safety', 'herat', 'console', 0, 'near the new bridge'),"
            " (4, 'mine_safety', 'herat', 'console', 0, 'اسلام قلعه')");
  }
  srv.srv = std::make_unique<server_process>(srv.config);
  REQUIRE(eventually([&] { return srv.srv->log().find("districts.taken") != std::string::npos; },
                     std::chrono::seconds(10)));
  CHECK(scalar(srv.dir, "SELECT group_concat(district_key, ',') FROM (SELECT district_key FROM subscriptions ORDER BY contact_id)") ==
        "injil,injil,,kohsan");
  const auto send = [&](const std::string& fields) {
    return api(srv.port(), "POST", "/api/v1/broadcasts", srv.token,
               R"({"topic": "mine_safety", "text": "mine_safety.alert_floods", )" + fields + "}");
  };
  auto r = send(R"("area": "herat", "district": "kabul_city")");
  CHECK(r.status == 400);
  CHECK(error_of(r)["code"] == "invalid_district");
  CHECK_THAT(error_of(r)["message"].get<std::string>(), Catch::Contains("not a district of herat") && Catch::Contains("injil"));
  r = send(R"("district": "injil")");  // which area's?
  CHECK(r.status == 400);
  CHECK(error_of(r)["field"] == "district");
  r = send(R"("area": "herat", "district": "guzara", "unknown_district": false)");
  CHECK(r.status == 409);
  CHECK(error_of(r)["field"] == "district");  // Herat has people, none known to be in Guzara
  r = send(R"("area": "herat", "district": "injil", "unknown_district": false)");
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["audience"] == 2);
  CHECK(json::parse(r.body)["district"] == "injil");
  CHECK(json::parse(r.body)["unknown_district"] == false);
  r = send(R"("area": "herat", "district": "injil")");
  REQUIRE(r.status == 201);
  const auto made = json::parse(r.body);
  CHECK(made["audience"] == 3);  // and the one whose words name no district
  const std::string path = "/api/v1/broadcasts/" + std::to_string(made["id"].get<long long>());
  for (int i = 0; i < 100 && !json::parse(api(srv.port(), "GET", path, srv.token).body)["done"].get<bool>(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(scalar(srv.dir, "SELECT group_concat(contact_id, ',') FROM (SELECT contact_id FROM outbound_messages WHERE broadcast_id = " +
                            std::to_string(made["id"].get<long long>()) + " ORDER BY contact_id)") == "1,2,3");
  CHECK_THAT(scalar(srv.dir, "SELECT detail FROM audit_log WHERE action = 'broadcasts.create' ORDER BY id DESC LIMIT 1"),
             Catch::Contains(R"("district":"injil")") && Catch::Contains(R"("unknown_district":true)"));
  // What people wrote, for the operator to complete the file: the words no district matches.
  std::string out;
  REQUIRE(run_paygham({"districts", "--config", srv.config, "--area", "herat"}, &out) == 0);
  CHECK_THAT(out, Catch::Contains("injil\t2 people") && Catch::Contains("kohsan\t1 person") &&
                      Catch::Contains("\"near the new bridge\"\t1 person") && Catch::Contains("guzara\t0 people"));
  // The operator recognises the words as Guzara, adds them and reloads: that person is in it now.
  std::string edited = read_file(districts);
  edited.replace(edited.find("guzara: ["), 9, "guzara: [near the new bridge, ");
  write_file(districts, edited);
  const auto taken = [&] {
    const std::string log = srv.srv->log();
    return log.find("districts.taken", log.find("districts.taken") + 1) != std::string::npos;
  };
  srv.srv->signal(SIGHUP);
  REQUIRE(eventually(taken, std::chrono::seconds(10)));
  CHECK(scalar(srv.dir, "SELECT district_key FROM subscriptions WHERE contact_id = 3") == "guzara");
  REQUIRE(run_paygham({"districts", "--config", srv.config, "--area", "herat"}, &out) == 0);
  CHECK_THAT(out, Catch::Contains("guzara\t1 person"));
  CHECK(out.find("no district of the file") == std::string::npos);
  // An urgent alert for Kohsan awaits a second person while Kohsan leaves the file: approving it
  // now would reach only those whose district is not known, so it is refused.
  const auto amina = log_in(srv.port(), "amina", operator_password);
  const auto farid = log_in_next(srv.port(), "farid", operator_password);
  r = amina.call("POST", "/api/v1/broadcasts",
                 R"({"topic": "mine_safety", "area": "herat", "district": "kohsan", "priority": "alert", )"
                 R"("text": "mine_safety.alert_floods"})");
  REQUIRE(r.status == 201);
  const std::string alert = std::to_string(json::parse(r.body)["id"].get<long long>());
  edited = read_file(districts);
  edited.erase(edited.find("  kohsan: ["), edited.find('\n', edited.find("  kohsan: [")) - edited.find("  kohsan: [") + 1);
  write_file(districts, edited);
  srv.srv->signal(SIGHUP);
  REQUIRE(eventually([&] { return scalar(srv.dir, "SELECT district_key FROM subscriptions WHERE contact_id = 4").empty(); },
                     std::chrono::seconds(10)));
  r = farid.call("POST", "/api/v1/broadcasts/" + alert + "/approve");
  CHECK(r.status == 409);
  CHECK(error_of(r)["code"] == "unknown_district");
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = " + alert) == "0");
}

TEST_CASE("api: the OpenAPI document lists every route with its roles, and each answers as documented",
          "[integration][api]") {
  running srv("admin");
  const auto& token = srv.token;
  const auto r = http_call(srv.port(), "GET", "/api/v1/openapi.json");
  REQUIRE(r.status == 200);
  const auto doc = json::parse(r.body);
  CHECK(doc["openapi"] == "3.1.0");
  std::string out, err;
  REQUIRE(run_paygham({"token", "create", "--config", srv.config, "--role", "health_worker", "--name", "his",
                       "--facility", "golshahr"},
                      &out, &err) == 0);
  const std::vector<std::pair<std::string, std::string>> others = {
      {"operator", make_token(srv.config, "operator", "ops2")}, {"health_worker", out.substr(0, out.size() - 1)}};
  std::set<std::string> listed;
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [method, op] : ops.items()) {
      listed.insert(method + " " + path);
      INFO(method << " " << path);
      CHECK(op.contains("x-roles"));
      std::string target = path;
      if (const auto at = target.find("{id}"); at != std::string::npos) target.replace(at, 4, "1");
      std::string upper = method;
      for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      // No token: 401, as documented (but logging in needs none); a token and an empty body:
      // a documented status.
      const auto anonymous = api(srv.port(), upper, target, "", "{}");
      if (!op["security"].empty()) CHECK(anonymous.status == 401);
      CHECK(op["responses"].contains(std::to_string(anonymous.status)));
      const auto called = api(srv.port(), upper, target, token, "{}");
      CHECK(op["responses"].contains(std::to_string(called.status)));
      if (called.status >= 400) CHECK(error_of(called).contains("code"));
      // Every role the route does not admit is refused before anything is read or changed.
      for (const auto& [role, key] : others) {
        const auto& roles = op["x-roles"];
        if (op["security"].empty() || std::find(roles.begin(), roles.end(), role) != roles.end()) continue;
        INFO(role);
        const auto refused = api(srv.port(), upper, target, key, "{}");
        CHECK(refused.status == 403);
        CHECK(error_of(refused)["code"] == "forbidden");
      }
    }
  }
  CHECK(listed == std::set<std::string>{"post /api/v1/messages",
                                        "get /api/v1/messages/{id}",
                                        "get /api/v1/messages",
                                        "get /api/v1/audit",
                                        "post /api/v1/flows/validate",
                                        "get /api/v1/contacts",
                                        "delete /api/v1/contacts/{id}",
                                        "post /api/v1/contacts/{id}/number",
                                        "post /api/v1/contacts/{id}/numbers",
                                        "delete /api/v1/contacts/{id}/numbers/{number}",
                                        "delete /api/v1/contacts/{id}/visit_pin",
                                        "post /api/v1/broadcasts",
                                        "get /api/v1/broadcasts",
                                        "get /api/v1/broadcasts/{id}",
                                        "post /api/v1/broadcasts/{id}/approve",
                                        "post /api/v1/broadcasts/{id}/cancel",
                                        "get /api/v1/escalations",
                                        "post /api/v1/escalations/{id}/resolve",
                                        "post /api/v1/session",
                                        "get /api/v1/session",
                                        "delete /api/v1/session",
                                        "get /api/v1/flows",
                                        "get /api/v1/flows/{file}",
                                        "put /api/v1/flows/{file}",
                                        "post /api/v1/flows/simulate",
                                        "post /api/v1/flows/{file}/rollback",
                                        "get /api/v1/texts",
                                        "get /api/v1/texts/{key}",
                                        "post /api/v1/enrolments",
                                        "get /api/v1/enrolments",
                                        "post /api/v1/enrolments/{id}/end",
                                        "post /api/v1/enrolments/{id}/pause",
                                        "post /api/v1/enrolments/{id}/resume",
                                        "post /api/v1/enrolments/{id}/risk",
                                        "get /api/v1/clinics",
                                        "post /api/v1/clinics/{id}/close",
                                        "get /api/v1/clinics/file",
                                        "put /api/v1/clinics/file",
                                        "post /api/v1/clinics/{id}/reopen",
                                        "put /api/v1/clinics/{id}/hours",
                                        "delete /api/v1/clinics/{id}/hours",
                                        "get /api/v1/slots",
                                        "post /api/v1/appointments",
                                        "get /api/v1/appointments",
                                        "post /api/v1/appointments/{id}/mark",
                                        "post /api/v1/appointments/{id}/move",
                                        "get /api/v1/deliveries",
                                        "get /api/v1/inbox",
                                        "post /api/v1/inbox/{id}",
                                        "post /api/v1/inbox/{id}/reply",
                                        "get /api/v1/users",
                                        "post /api/v1/users/{id}/disable",
                                        "get /api/v1/tokens",
                                        "post /api/v1/tokens",
                                        "delete /api/v1/tokens/{id}",
                                        "post /api/v1/contacts",
                                        "post /api/v1/flow_starts",
                                        "get /api/v1/parties"});
}

TEST_CASE("api: a channel whose callbacks nobody checks is refused by lint and serve, naming what to set",
          "[integration][api]") {
  temp_dir dir;
  const std::string src = PAYGHAM_SOURCE_DIR;
  const std::string config = dir.file("open.yaml");
  write_file(config, "server: {listen: 127.0.0.1:0}\nstore: {path: " + dir.file("p.db") +
                         "}\nflows: " + src + "/flows\nclinics: " + src + "/config/clinics.yaml\ntemplates: " + src +
                         "/templates\nlexicon: " + src + "/lexicon\n"
                         "channels:\n  - {id: at, type: africastalking, username: u, api_key: k}\n");
  std::string out, err;
  CHECK(run_paygham({"lint", "--config", config}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("channel 'at' (africastalking) would take callbacks from anyone") &&
                      Catch::Contains("auth_token, allow_ips or basic_auth"));
  CHECK(run_paygham({"serve", "--config", config}, &out, &err) != 0);
  CHECK_THAT(err, Catch::Contains("would take callbacks from anyone"));
}

TEST_CASE("api: everyone who works with Paygham reads who else can see messages, and what agreement is missing",
          "[integration][api]") {
  // R-D5: a patient asks the health worker who else reads their messages.
  temp_dir dir;
  const std::string config = write_test_config(dir, "",
                                               "  - id: mci\n    type: africastalking\n    allow_ips: [127.0.0.1]\n"
                                               "parties:\n"
                                               "  - {name: Africa's Talking, role: aggregator, channels: [at], agreement: DPA AT-14, "
                                               "until: ۱۳۹۸/۱۱/۱۱}\n"
                                               "  - {name: Hetzner, role: host}\n"
                                               "  - {name: Roshan, role: mobile_operator, channels: [at], agreement: SLA 7, "
                                               "until: 2150-06-30}\n");
  std::string out, err;
  CHECK(run_paygham({"lint", "--config", config}, &out, &err) == 0);  // warnings, not problems
  CHECK_THAT(err, Catch::Contains("channel 'mci': no entry of 'parties' names the aggregator") &&
                      Catch::Contains("party 'Hetzner' can read messages with no written agreement") &&
                      Catch::Contains("party 'Africa's Talking': its agreement has ended"));
  // As JSON, each warning is placed at its entry, as problems are.
  CHECK(run_paygham({"lint", "--config", config, "--format", "json"}, &out, &err) == 0);
  const auto lint = json::parse(out);
  bool placed = false;
  for (const auto& w : lint["warnings"]) {
    if (w["message"].get<std::string>().rfind("party 'Hetzner'", 0) == 0) {
      placed = w["file"] == config && w["line"] == 27;
    }
  }
  CHECK(placed);
  REQUIRE(run_paygham({"token", "create", "--config", config, "--role", "health_worker", "--name", "his",
                       "--facility", "golshahr"},
                      &out, &err) == 0);
  const std::string worker = out.substr(0, out.size() - 1);
  server_process srv(config);
  CHECK_THAT(srv.log(), Catch::Contains("privacy.party_gap") && Catch::Contains("party 'Hetzner'"));
  const auto r = api(srv.port(), "GET", "/api/v1/parties", worker);
  REQUIRE(r.status == 200);
  const auto body = json::parse(r.body);
  REQUIRE(body["parties"].size() == 3);
  // Written in the Solar Hijri calendar with Persian digits; given back as the Gregorian day.
  CHECK(body["parties"][0] == json{{"name", "Africa's Talking"}, {"role", "aggregator"}, {"channels", {"at"}},
                                   {"agreement", "DPA AT-14"}, {"until", "2020-01-31"}, {"ended", true}});
  CHECK(body["parties"][1]["agreement"].is_null());
  CHECK(body["parties"][1]["channels"] == json::array());  // every channel's
  CHECK(body["parties"][2]["until"] == "2150-06-30");
  CHECK(body["parties"][2]["ended"] == false);
  // The host reads every channel but carries none: mci has nobody named for it.
  CHECK(body["gaps"] == json::parse(R"([{"kind": "no_party", "name": "mci"}, {"kind": "ended", "name": "Africa's Talking"},
                                        {"kind": "no_agreement", "name": "Hetzner"}])"));
}

TEST_CASE("api: a clinic's system sees and closes only its own patients to call", "[integration][api]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  std::string out, err;
  for (const auto& [phone, clinic] : {std::pair{"+93700000900", "golshahr"}, std::pair{"+93700000901", "central"}}) {
    REQUIRE(run_paygham({"user", "create", "--config", config, "--name", clinic, "--role", "health_worker",
                         "--facility", clinic, "--phone", phone},
                        &out, &err, "2580\n") == 0);
  }
  REQUIRE(run_paygham({"token", "create", "--config", config, "--role", "health_worker", "--name", "golshahr his",
                       "--facility", "golshahr"},
                      &out, &err) == 0);
  const std::string clinic_token = out.substr(0, out.size() - 1);
  const std::string ops_token = make_token(config, "operator", "ops");
  {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO contacts (id, phone, created_at, updated_at) VALUES (1, '+93700000101', 0, 0),"
            " (2, '+93700000102', 0, 0)");
    db.exec("INSERT INTO escalations (worker_id, contact_id, reason, misses, created_at) VALUES"
            " (1, 1, 'no_reply', 2, 10), (2, 2, 'no_reply', 3, 20)");
  }
  server_process srv(config);
  auto r = api(srv.port(), "GET", "/api/v1/escalations", clinic_token);
  REQUIRE(r.status == 200);
  auto items = json::parse(r.body)["items"];
  REQUIRE(items.size() == 1);
  CHECK(items[0]["phone"] == "+93700000101");
  CHECK(items[0]["unanswered"] == 2);
  CHECK(json::parse(api(srv.port(), "GET", "/api/v1/escalations", ops_token).body)["items"].size() == 2);

  // Another clinic's patient: not found, not closed.
  CHECK(api(srv.port(), "POST", "/api/v1/escalations/2/resolve", clinic_token).status == 404);
  r = api(srv.port(), "POST", "/api/v1/escalations/1/resolve", clinic_token);
  CHECK(r.status == 200);
  CHECK(api(srv.port(), "POST", "/api/v1/escalations/1/resolve", clinic_token).status == 404);  // once
  CHECK(json::parse(api(srv.port(), "GET", "/api/v1/escalations", clinic_token).body)["items"].empty());
  CHECK(json::parse(api(srv.port(), "GET", "/api/v1/escalations", ops_token).body)["items"].size() == 1);
  CHECK(scalar(dir, "SELECT actor || ' ' || target FROM audit_log WHERE action = 'escalations.resolve'") ==
        "token:1 escalation:1");
  // A clinic's token cannot send messages.
  CHECK(api(srv.port(), "POST", "/api/v1/messages", clinic_token, R"({"to": "+93700000101", "text": "x"})").status ==
        403);
}

TEST_CASE("api: lists come newest first in pages, filtered, and the audit log is for admins only",
          "[integration][api]") {
  running srv("admin");
  const std::string& operator_token = srv.second;
  for (int i = 1; i <= 5; ++i) {
    const std::string to = i % 2 ? "+93700000111" : "+93700000222";
    REQUIRE(api(srv.port(), "POST", "/api/v1/messages", operator_token,
                R"({"to": ")" + to + R"(", "text": "Note )" + std::to_string(i) + R"(", "channel": "console"})")
                .status == 201);
  }
  auto page = json::parse(api(srv.port(), "GET", "/api/v1/messages?limit=2", operator_token).body);
  REQUIRE(page["items"].size() == 2);
  CHECK(page["items"][0]["id"] == 5);
  CHECK(page["items"][1]["id"] == 4);
  CHECK_FALSE(page["items"][0].contains("history"));
  REQUIRE(page["next"] == 4);
  page = json::parse(api(srv.port(), "GET", "/api/v1/messages?limit=2&before=4", operator_token).body);
  CHECK(page["items"][0]["id"] == 3);
  page = json::parse(api(srv.port(), "GET", "/api/v1/messages?limit=2&before=2", operator_token).body);
  CHECK(page["items"].size() == 1);
  CHECK(page["next"].is_null());
  page = json::parse(api(srv.port(), "GET", "/api/v1/messages?to=0700000111", operator_token).body);
  CHECK(page["items"].size() == 3);
  CHECK(page["next"].is_null());
  for (const auto& [query, field] : std::vector<std::pair<std::string, std::string>>{
           {"limit=0", "limit"}, {"limit=500", "limit"}, {"before=x", "before"}, {"colour=red", "colour"},
           {"status=lost", "status"}, {"to=12", "to"}, {"limit=2&limit=3", "limit"}}) {
    INFO(query);
    const auto r = api(srv.port(), "GET", "/api/v1/messages?" + query, operator_token);
    CHECK(r.status == 400);
    CHECK(error_of(r)["field"] == field);
  }

  CHECK(api(srv.port(), "GET", "/api/v1/audit", operator_token).status == 403);
  // The newest entries are the four lists read (the refused ones read nothing), the number
  // asked for masked; then the five messages sent.
  page = json::parse(api(srv.port(), "GET", "/api/v1/audit?limit=5", srv.token).body);
  REQUIRE(page["items"].size() == 5);
  CHECK(page["items"][0]["action"] == "messages.read");
  CHECK(page["items"][0]["target"] == "messages");
  CHECK(page["items"][0]["detail"] == json{{"query", {{"to", "+93******111"}}}, {"count", 3}});
  CHECK(page["items"][3]["detail"] == json{{"query", {{"limit", "2"}}}, {"count", 2}});
  CHECK(page["items"][4]["action"] == "messages.send");
  CHECK(page["items"][4]["target"] == "message:5");
  CHECK(page["items"][4]["actor"] == "token:2");
  CHECK(page["items"][4]["detail"]["channel"] == "console");
  // Down to the tokens made at the command line.
  page = json::parse(api(srv.port(), "GET", "/api/v1/audit?before=3", srv.token).body);
  CHECK(page["items"].size() == 2);
  CHECK(page["items"][1]["action"] == "tokens.create");
  CHECK(page["items"][1]["actor"] == "cli");
}

TEST_CASE("api: a token calling too often is slowed with 429 and Retry-After, and monitoring answers only its addresses",
          "[integration][api]") {
  temp_dir dir;
  // Appended at the end of the config: top-level settings.
  const std::string config =
      write_test_config(dir, "", "api:\n  rate_per_token: 2\n  monitoring_from: [10.9.9.9]\n");
  const std::string token = make_token(config, "operator", "ops");
  server_process srv(config);
  int ok = 0, slowed = 0;
  for (int i = 0; i < 10; ++i) {
    const auto r = api(srv.port(), "GET", "/api/v1/messages", token);
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++slowed;
      CHECK(r.headers.at("retry-after") == "1");
      CHECK(error_of(r)["code"] == "too_many_requests");
    }
  }
  CHECK(ok >= 4);  // the burst: twice the rate
  CHECK(ok <= 6);
  CHECK(ok + slowed == 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK(api(srv.port(), "GET", "/api/v1/messages", token).status == 200);  // refilled

  CHECK(http_call(srv.port(), "GET", "/metrics").status == 403);
  CHECK(http_call(srv.port(), "GET", "/readyz").status == 403);
  CHECK(http_call(srv.port(), "GET", "/healthz").status == 200);  // liveness stays open
  // Without server.trusted_proxies, what a caller writes of itself is not read.
  CHECK(
      http_call(srv.port(), "GET", "/metrics", "", "text/plain", {{"X-Forwarded-For", "10.9.9.9"}})
          .status == 403);
}

TEST_CASE("api: behind a trusted proxy the allow lists read the address it forwards, never one the caller wrote", "[integration][api]") {
  temp_dir dir;
  const std::string config =
      write_test_config(dir, "  trusted_proxies: [127.0.0.1]\n",
                        "api:\n  monitoring_from: [10.9.9.9, \"2001:db8::7\"]\n");
  server_process srv(config);
  const auto metrics = [&](const std::string& forwarded_for) {
    return http_call(srv.port(), "GET", "/metrics", "", "text/plain",
                     {{"X-Forwarded-For", forwarded_for}})
        .status;
  };
  CHECK(metrics("10.9.9.9") == 200);
  CHECK(metrics("2001:DB8:0::7") == 200);  // compared as addresses, not as text
  CHECK(metrics("10.9.9.9, 203.0.113.9") ==
        403);  // the caller wrote the first; the proxy heard the second
  CHECK(metrics("203.0.113.9, 10.9.9.9") == 200);
  CHECK(metrics("10.9.9.9, 127.0.0.1") == 200);  // through two proxies, both trusted
  CHECK(metrics("unknown") == 403);
  CHECK(http_call(srv.port(), "GET", "/metrics").status ==
        403);  // the proxy's own address is not on the list
  // A channel's allow_ips the same way: this channel takes callbacks from 127.0.0.1 only.
  const std::string hop = "sessionId=p1&serviceCode=*384*12%23&phoneNumber=%2B93700555301&text=";
  CHECK(http_call(srv.port(), "POST", "/channels/at/ussd", hop, "application/x-www-form-urlencoded",
                  {{"X-Forwarded-For", "203.0.113.9"}})
            .status == 403);
  CHECK(http_call(srv.port(), "POST", "/channels/at/ussd", hop).status == 200);

  temp_dir bad;
  std::string out, err;
  CHECK(
      run_paygham({"lint", "--config", write_test_config(bad, "  trusted_proxies: [10.0.0.0/8]\n")},
                  &out, &err) == 1);
  CHECK_THAT(
      out + err,
      Catch::Contains(
          "'server.trusted_proxies' has '10.0.0.0/8', which is not an IPv4 or IPv6 address"));
}

TEST_CASE("api: a flow file is checked as lint checks it, problems at their line, nothing published",
          "[integration][api]") {
  running srv("operator");
  const std::string good = read_file(std::string(PAYGHAM_SOURCE_DIR) + "/flows/reminders.yaml");
  auto body = json{{"file", "reminders_copy.yaml"}, {"yaml", good}};
  // The copy claims the same USSD code as the shipped one: that is a problem of the set.
  auto r = api(srv.port(), "POST", "/api/v1/flows/validate", srv.token, body.dump());
  REQUIRE(r.status == 200);
  auto seen = json::parse(r.body);
  CHECK(seen["ok"] == false);
  // Replacing the shipped file itself with a broken version: the line of the problem.
  std::string broken = good;
  const auto at = broken.find("next: enrol");
  REQUIRE(at != std::string::npos);
  broken.replace(at, 11, "next: nowhere");
  body = json{{"file", "reminders.yaml"}, {"yaml", broken}};
  seen = json::parse(api(srv.port(), "POST", "/api/v1/flows/validate", srv.token, body.dump()).body);
  CHECK(seen["ok"] == false);
  bool placed = false;
  for (const auto& p : seen["problems"]) {
    if (p["file"] == "flows/reminders.yaml" && p["line"].is_number() &&
        p["message"].get<std::string>().find("nowhere") != std::string::npos) {
      placed = true;
    }
    CHECK(p.dump().find("paygham-validate") == std::string::npos);  // no server paths
  }
  CHECK(placed);
  body = json{{"file", "reminders.yaml"}, {"yaml", good}};
  seen = json::parse(api(srv.port(), "POST", "/api/v1/flows/validate", srv.token, body.dump()).body);
  CHECK(seen["ok"] == true);
  CHECK(seen["problems"].empty());
  for (const std::string name : {"../etc/passwd", "x.yml", "Report.yaml", ""}) {
    r = api(srv.port(), "POST", "/api/v1/flows/validate", srv.token, json{{"file", name}, {"yaml", good}}.dump());
    CHECK(r.status == 400);
    CHECK(error_of(r)["field"] == "file");
  }
}

TEST_CASE("api: a person's data is erased by an admin, and a stop they made outlives it as a hash",
          "[integration][api]") {
  running srv("admin");
  const std::string operator_token = make_token(srv.config, "operator", "ops");
  // The person texts STOP: stopped everything.
  REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms", "from=%2B93700000444&text=STOP").status == 200);
  auto r = api(srv.port(), "GET", "/api/v1/contacts?phone=0700000444", operator_token);
  REQUIRE(r.status == 200);
  const auto who = json::parse(r.body);
  CHECK(who["phone"] == "+93700000444");
  CHECK(who["opted_out"] == true);
  const std::string path = "/api/v1/contacts/" + std::to_string(who["id"].get<long long>());
  REQUIRE(api(srv.port(), "POST", "/api/v1/contacts", operator_token,
              R"({"phone": "+93700000444", "consent": "health", "consent_via": "written", "shared_phone": "yes"})")
              .status == 200);
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM consents") == "1");
  CHECK(api(srv.port(), "DELETE", path, operator_token).status == 403);
  r = api(srv.port(), "DELETE", path, srv.token);
  CHECK(r.status == 200);
  CHECK(api(srv.port(), "DELETE", path, srv.token).status == 404);
  CHECK(api(srv.port(), "GET", "/api/v1/contacts?phone=0700000444", operator_token).status == 404);
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM contacts WHERE phone = '+93700000444'") == "0");
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM consents") == "0");
  CHECK(scalar(srv.dir, "SELECT shared_phone FROM contacts WHERE id = 1") == "unknown");
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM outbound_messages WHERE to_phone = '+93700000444'") == "0");
  CHECK(scalar(srv.dir,
               "SELECT group_concat(action, ' ') FROM audit_log WHERE target = 'contact:1'") ==
        "contacts.read contacts.update contacts.erase");
  // The number writes again: a new contact, still stopped; nothing is sent to it.
  REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms", "from=%2B93700000444&text=INFO").status == 200);
  r = api(srv.port(), "GET", "/api/v1/contacts?phone=%2B93700000444", operator_token);
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["opted_out"] == true);
  CHECK(json::parse(r.body)["id"] != who["id"]);
}

TEST_CASE("api: each read of people's data is audited with what was asked, never a name or a whole number (R-D4)",
          "[integration][api]") {
  running srv("admin");
  const std::string& operator_token = srv.second;
  REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms",
                    "from=%2B93700000555&text=Is+the+clinic+open%3F")
              .status == 200);
  auto r = api(srv.port(), "POST", "/api/v1/messages", operator_token,
               R"({"to": "+93700000555", "text": "Yes, until 16:00", "channel": "console"})");
  REQUIRE(r.status == 201);
  const auto message = json::parse(r.body)["id"].dump();
  r = api(srv.port(), "GET", "/api/v1/contacts?phone=0700000555", operator_token);
  REQUIRE(r.status == 200);
  const auto contact = json::parse(r.body)["id"].dump();
  REQUIRE(api(srv.port(), "GET", "/api/v1/contacts?name=Zahra", operator_token).status == 200);
  REQUIRE(api(srv.port(), "GET", "/api/v1/messages/" + message, operator_token).status == 200);
  REQUIRE(api(srv.port(), "GET", "/api/v1/inbox?status=new", operator_token).status == 200);
  // What is not found, or refused, read nothing; counts name nobody.
  CHECK(api(srv.port(), "GET", "/api/v1/messages/999", operator_token).status == 404);
  CHECK(api(srv.port(), "GET", "/api/v1/contacts?phone=0700000666", operator_token).status == 404);
  CHECK(api(srv.port(), "GET", "/api/v1/inbox?status=lost", operator_token).status == 400);
  REQUIRE(api(srv.port(), "GET", "/api/v1/deliveries", operator_token).status == 200);
  CHECK(
      scalar(
          srv.dir,
          "SELECT group_concat(actor || ' ' || action || ' ' || target || ' ' || detail, char(10)) "
          "FROM (SELECT * FROM audit_log WHERE action LIKE '%.read' ORDER BY id)") ==
      "token:2 contacts.read contact:" + contact +
          R"( {"count":1,"query":{"phone":"+93******555"}})" + "\n" +
          R"x(token:2 contacts.read contacts {"count":0,"query":{"name":"(not kept)"}})x" + "\n" +
          "token:2 messages.read message:" + message + R"( {"count":1,"query":{}})" + "\n" +
          R"(token:2 inbox.read inbox {"count":1,"query":{"status":"new"}})");
  // The admin reads who read what.
  const auto page = json::parse(
      api(srv.port(), "GET", "/api/v1/audit?target=contact:" + contact, srv.token).body);
  REQUIRE(page["items"].size() == 1);
  CHECK(page["items"][0]["action"] == "contacts.read");
}

TEST_CASE("api: a person's own quiet hours are kept as given in any digits and hold what nobody is waiting for",
          "[integration][api]") {
  running srv("operator");
  // Quiet from an hour ago to an hour from now on the person's clock (Kabul: UTC+04:30).
  const auto kabul = (std::time(nullptr) / 60 + 270) % 1440;
  const auto clock = [](long long m) {
    m = (m + 1440) % 1440;
    char out[6];
    std::snprintf(out, sizeof out, "%02lld:%02lld", m / 60, m % 60);
    return std::string(out);
  };
  const std::string quiet = clock(kabul - 60) + "-" + clock(kabul + 60);
  auto r = api(srv.port(), "POST", "/api/v1/contacts", srv.token,
               R"({"phone": "0700000777", "quiet_hours": ")" + quiet + R"("})");
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["quiet_hours"] == quiet);
  // Bad hours are refused, naming the field, and change nothing.
  for (const char* bad : {"9pm-7am", "22:00", "25:00-07:00", "08:00-08:00"}) {
    r = api(srv.port(), "POST", "/api/v1/contacts", srv.token,
            std::string(R"({"phone": "0700000777", "quiet_hours": ")") + bad + R"("})");
    CHECK(r.status == 400);
    CHECK(error_of(r)["field"] == "quiet_hours");
  }
  CHECK(scalar(srv.dir, "SELECT quiet_hours FROM contacts WHERE phone = '+93700000777'") == quiet);
  // A message nobody asked for waits for the end of their quiet hours; an alert does not.
  r = api(srv.port(), "POST", "/api/v1/messages", srv.token,
          R"({"to": "0700000777", "text": "Clinic closed tomorrow", "channel": "console", "priority": "reminder"})");
  REQUIRE(r.status == 201);
  const auto held = json::parse(r.body)["id"].get<long long>();
  r = api(srv.port(), "POST", "/api/v1/messages", srv.token,
          R"({"to": "0700000777", "text": "Flood warning", "channel": "console", "priority": "alert"})");
  REQUIRE(r.status == 201);
  const auto alert = json::parse(r.body)["id"].get<long long>();
  const auto wait_minutes = [&](long long id) {
    return std::stoll(scalar(srv.dir, "SELECT (next_at - created_at) / 60000 FROM outbound_messages WHERE id = " +
                                          std::to_string(id)));
  };
  CHECK(wait_minutes(held) >= 58);
  CHECK(wait_minutes(held) <= 61);
  CHECK(wait_minutes(alert) == 0);
  // "" gives them their programmes' hours again.
  r = api(srv.port(), "POST", "/api/v1/contacts", srv.token, R"({"phone": "0700000777", "quiet_hours": ""})");
  REQUIRE(r.status == 200);
  CHECK_FALSE(json::parse(r.body).contains("quiet_hours"));
  CHECK(scalar(srv.dir, "SELECT COALESCE(quiet_hours, 'none') FROM contacts WHERE phone = '+93700000777'") == "none");
  CHECK_THAT(scalar(srv.dir, "SELECT group_concat(detail, ' ') FROM audit_log WHERE action LIKE 'contacts.%'"),
             Catch::Contains("\"quiet_hours\":\"" + quiet + "\"") && Catch::Contains("\"quiet_hours\":\"\""));
}

TEST_CASE("api: the languages a person reads after their own are kept in order, known ones only (R-L2)",
          "[integration][api]") {
  running srv("operator");
  auto r = api(srv.port(), "POST", "/api/v1/contacts", srv.token,
               R"({"phone": "0700000889", "language": "ps", "languages": ["fa", "en"]})");
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["languages"] == json::array({"fa", "en"}));
  for (const char* bad : {R"(["uz"])", R"(["fa", "en", "prs"])", R"("fa")", R"([1])", R"(["prs-Latn"])", R"(["fa", "fa"])"}) {
    INFO(bad);
    r = api(srv.port(), "POST", "/api/v1/contacts", srv.token,
            std::string(R"({"phone": "0700000889", "languages": )") + bad + "}");
    CHECK(r.status == 400);
    CHECK(error_of(r)["field"] == "languages");
  }
  CHECK(scalar(srv.dir, "SELECT json_extract(fields, '$.languages') FROM contacts WHERE phone = '+93700000889'") ==
        "fa,en");
  r = api(srv.port(), "POST", "/api/v1/contacts", srv.token, R"({"phone": "0700000889", "languages": []})");
  REQUIRE(r.status == 200);
  CHECK_FALSE(json::parse(r.body).contains("languages"));
  CHECK_THAT(scalar(srv.dir, "SELECT group_concat(detail, ' ') FROM audit_log WHERE action LIKE 'contacts.%'"),
             Catch::Contains("\"languages\":\"fa,en\"") && Catch::Contains("\"languages\":\"\""));
}

TEST_CASE("api: a person's PIN for My visits is kept as a hash, shown as set, and cleared by an operator (R-S12)",
          "[integration][api]") {
  running srv("operator");
  REQUIRE(api(srv.port(), "POST", "/api/v1/contacts", srv.token, R"({"phone": "0700000888", "language": "en"})").status ==
          201);
  const auto dial = [&](const std::string& session, const std::string& text) {
    const auto r = http_call(srv.port(), "POST", "/channels/at/ussd",
                             "sessionId=" + session + "&serviceCode=*384*14%23&phoneNumber=%2B93700000888&text=" + text +
                                 "&networkCode=41201");
    return r.status == 200 ? r.body : "HTTP " + std::to_string(r.status);
  };
  // Counselling, for herself, the first clinic, day and window, confirmed; then a PIN, twice.
  dial("v1", "");
  std::string typed = "4";
  for (const char* answer : {"1", "1", "1", "1"}) {
    dial("v1", typed);
    typed += std::string("*") + answer;
  }
  CHECK_THAT(dial("v1", typed), Catch::StartsWith("CON Golshahr Helal House"));
  CHECK_THAT(dial("v1", typed + "*1"), Catch::StartsWith("CON Booked. Your code: ") && Catch::Contains("Set a PIN"));
  CHECK(dial("v1", typed + "*1*1") == "CON Choose a PIN of 4 digits for My visits:\n0. Back");
  CHECK(dial("v1", typed + "*1*1*2468") == "CON Type the PIN again:\n0. Back");
  CHECK(dial("v1", typed + "*1*1*2468*2468") ==
        "END PIN set. My visits will ask for it. If you forget it, ask at the clinic.");
  // Only a hash is kept: the digits are nowhere in the store, nor in what the API shows.
  CHECK_THAT(scalar(srv.dir, "SELECT visit_pin FROM contacts WHERE phone = '+93700000888'"),
             Catch::StartsWith("$argon2id$"));
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM flow_runs WHERE state LIKE '%2468%' OR last_input LIKE '%2468%'"
                        " OR prev_input LIKE '%2468%' OR last_reply LIKE '%2468%' OR prev_reply LIKE '%2468%'") == "0");
  auto r = api(srv.port(), "GET", "/api/v1/contacts?phone=0700000888", srv.token);
  REQUIRE(r.status == 200);
  const auto person = json::parse(r.body);
  CHECK(person["visit_pin"] == true);
  CHECK(r.body.find("argon") == std::string::npos);
  const std::string pin_path = "/api/v1/contacts/" + std::to_string(person["id"].get<long long>()) + "/visit_pin";
  // My visits asks it; she has forgotten it.
  dial("v2", "");
  CHECK(dial("v2", "5") == "CON My visits. Your PIN:\n0. Back");
  CHECK(dial("v2", "5*1111") == "CON Wrong PIN. Tries left: 4. Your PIN:\n0. Back");
  // A '*' typed inside the PIN makes it no PIN, and none of its digits are kept.
  CHECK(dial("v2", "5*1111*24*68") == "CON Wrong PIN. Tries left: 3. Your PIN:\n0. Back");
  CHECK(scalar(srv.dir, "SELECT last_input FROM flow_runs WHERE session_id = 'v2'") == "5*#*#*#");
  // The clinic asks an operator to clear it: once, and in the audit log.
  r = api(srv.port(), "DELETE", pin_path, srv.token);
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["visit_pin"] == false);
  CHECK(api(srv.port(), "DELETE", pin_path, srv.token).status == 200);
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM audit_log WHERE action = 'contacts.visit_pin_clear'") == "1");
  CHECK(scalar(srv.dir, "SELECT COALESCE(visit_pin, 'none') FROM contacts WHERE phone = '+93700000888'") == "none");
  CHECK(api(srv.port(), "DELETE", "/api/v1/contacts/999999/visit_pin", srv.token).status == 404);
  dial("v3", "");
  CHECK_THAT(dial("v3", "5"), Catch::StartsWith("CON Your visits:\n1. "));
}

TEST_CASE("api: a number that is a fixed line is flagged where SMS would go to it, and refused for reminders (R-L6)",
          "[integration][api]") {
  running srv("operator");
  // A Kabul landline: saved, with a warning naming the field; a mobile has none.
  auto r = api(srv.port(), "POST", "/api/v1/contacts", srv.token, R"({"phone": "020 210 1234"})");
  REQUIRE(r.status == 201);
  auto warnings = json::parse(r.body)["warnings"];
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0]["code"] == "not_mobile");
  CHECK(warnings[0]["field"] == "phone");
  r = api(srv.port(), "POST", "/api/v1/contacts", srv.token, R"({"phone": "0700 000 791"})");
  REQUIRE(r.status == 201);
  CHECK_FALSE(json::parse(r.body).contains("warnings"));
  // A message to it is queued and flagged.
  r = api(srv.port(), "POST", "/api/v1/messages", srv.token,
          R"({"to": "+98 21 8888 1234", "text": "Clinic closed tomorrow", "channel": "console"})");
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["warnings"][0]["field"] == "to");
  // Started on a flow with the others, it is named by its place in the caller's list.
  r = api(srv.port(), "POST", "/api/v1/flow_starts", srv.token,
          R"({"flow": "welcome", "phones": ["0700 000 792", "+93 700 000 792", "020 210 1234"], "channel": "console"})");
  REQUIRE(r.status == 201);
  warnings = json::parse(r.body)["warnings"];
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0]["field"] == "phones");
  CHECK_THAT(warnings[0]["message"].get<std::string>(), Catch::StartsWith("number 3: "));
  // Reminders go by SMS only: a health worker is told to give the patient's mobile, and nothing is enrolled.
  std::string out, err;
  REQUIRE(run_paygham({"user", "create", "--config", srv.config, "--name", "Fatima", "--role", "health_worker",
                       "--facility", "golshahr", "--phone", "+93700000900"},
                      &out, &err, "2580\n") == 0);
  r = api(srv.port(), "POST", "/api/v1/enrolments", srv.token,
          R"({"phone": "020 210 1234", "kind": "medicine", "time": "20:00", "worker": "1", "channel": "console"})");
  CHECK(r.status == 400);
  CHECK(error_of(r)["code"] == "not_mobile");
  CHECK(error_of(r)["field"] == "phone");
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM series") == "0");
}

TEST_CASE("api: a person's new SIM takes their record along, and a number that is someone else's is refused (R-L6)",
          "[integration][api]") {
  running srv("operator");
  auto r = api(srv.port(), "POST", "/api/v1/contacts", srv.token,
               R"({"phone": "+98 912 123 4601", "language": "prs", "consent": "health", "consent_via": "in_person",)"
               R"( "shared_phone": "no", "explicit_texts": true})");
  REQUIRE(r.status == 201);
  const auto id = json::parse(r.body)["id"].get<long long>();
  const std::string path = "/api/v1/contacts/" + std::to_string(id) + "/number";
  REQUIRE(api(srv.port(), "POST", "/api/v1/messages", srv.token,
              R"({"to": "+98 912 123 4601", "text": "Clinic closed tomorrow", "channel": "console"})")
              .status == 201);
  // Back in Afghanistan she writes from her new SIM before anyone records it.
  REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms", "from=%2B93700000601&text=salam").status == 200);
  // Another new SIM stopped everything: its stop is its holder's, so it is not taken.
  REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms", "from=%2B93700000602&text=STOP").status == 200);
  r = api(srv.port(), "POST", path, srv.token, R"({"phone": "0700 000 602"})");
  CHECK(r.status == 409);
  CHECK(error_of(r)["code"] == "number_taken");
  CHECK(error_of(r)["field"] == "phone");
  CHECK_THAT(error_of(r)["message"].get<std::string>(), Catch::Contains("stopped messages"));
  CHECK_THAT(error_of(r)["message"].get<std::string>(), Catch::EndsWith("they send START from it first"));
  r = api(srv.port(), "POST", path, srv.token, R"({"phone": "020 210 1234"})");
  CHECK(r.status == 400);
  CHECK(error_of(r)["code"] == "not_mobile");
  CHECK(api(srv.port(), "POST", path, srv.token, R"({"phone": "12"})").status == 400);
  CHECK(api(srv.port(), "POST", "/api/v1/contacts/999/number", srv.token, R"({"phone": "0700 000 603"})").status == 404);
  const std::string worker = make_token(srv.config, "health_worker", "clinic system");
  CHECK(api(srv.port(), "POST", path, worker, R"({"phone": "0700 000 601"})").status == 403);
  CHECK(scalar(srv.dir, "SELECT phone FROM contacts WHERE id = " + std::to_string(id)) == "+989121234601");
  // It wrote before: taken in only when the operator confirms it is her new SIM.
  r = api(srv.port(), "POST", path, srv.token, R"({"phone": "0700 000 601"})");
  CHECK(r.status == 409);
  CHECK(error_of(r)["code"] == "confirm_needed");
  CHECK(error_of(r)["field"] == "confirm");
  // Recorded: the new SIM is hers, with her consent and language; the old number is nobody's.
  r = api(srv.port(), "POST", path, srv.token, R"({"phone": "0700 000 601", "confirm": true})");
  REQUIRE(r.status == 200);
  const auto moved = json::parse(r.body);
  CHECK(moved["phone"] == "+93700000601");
  CHECK(moved["took_in"].is_number());
  CHECK(moved["consents"].size() == 1);
  CHECK(moved["language"] == "prs");
  // What she said of her old phone is not known of the new one: neutral texts until someone asks.
  CHECK(moved["shared_phone"] == "unknown");
  CHECK(moved["explicit_texts"] == false);
  r = api(srv.port(), "GET", "/api/v1/contacts?phone=0700000601", srv.token);
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["id"] == id);
  CHECK(api(srv.port(), "GET", "/api/v1/contacts?phone=%2B989121234601", srv.token).status == 404);
  // Every message to her, on either number, is hers; the old number's are not the new one's.
  r = api(srv.port(), "GET", "/api/v1/messages?contact=" + std::to_string(id), srv.token);
  REQUIRE(r.status == 200);
  std::set<std::string> to;
  const auto hers = json::parse(r.body);
  for (const auto& m : hers["items"]) to.insert(m["to"].get<std::string>());
  CHECK(to.count("+989121234601") == 1);
  CHECK(to.count("+93700000601") == 1);
  const auto new_sim = json::parse(api(srv.port(), "GET", "/api/v1/messages?to=0700000601", srv.token).body);
  for (const auto& m : new_sim["items"]) CHECK(m["to"] == "+93700000601");
  CHECK(api(srv.port(), "GET", "/api/v1/messages?contact=x", srv.token).status == 400);
  // What she wrote from the new SIM is hers now.
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM inbound_events WHERE contact_id = " + std::to_string(id)) == "1");
  // The audit log names the change, with both numbers masked.
  const auto detail = scalar(srv.dir, "SELECT detail FROM audit_log WHERE action = 'contacts.number'");
  CHECK(detail.find("9121234601") == std::string::npos);
  CHECK(detail.find("700000601") == std::string::npos);
  CHECK(detail.find("readdressed") != std::string::npos);
}

TEST_CASE("api: a person with two SIMs is herself on both and answered on the one she wrote from (R-L6)",
          "[integration][api]") {
  running srv("operator");
  auto r = api(srv.port(), "POST", "/api/v1/contacts", srv.token,
               R"({"phone": "+98 912 123 4611", "language": "prs"})");
  REQUIRE(r.status == 201);
  const auto id = json::parse(r.body)["id"].get<long long>();
  REQUIRE(api(srv.port(), "POST", "/api/v1/contacts", srv.token, R"({"phone": "0700 000 619"})")
              .status == 201);
  const std::string path = "/api/v1/contacts/" + std::to_string(id) + "/numbers";
  r = api(srv.port(), "POST", path, srv.token, R"({"phone": "0700 000 611"})");
  REQUIRE(r.status == 201);
  auto hers = json::parse(r.body);
  CHECK(hers["phone"] == "+989121234611");
  CHECK(hers["other_numbers"] == json::array({"+93700000611"}));
  // Again: nothing changes. Someone else's number, a fixed line, a number that is not one: refused.
  CHECK(api(srv.port(), "POST", path, srv.token, R"({"phone": "+93700000611"})").status == 200);
  r = api(srv.port(), "POST", path, srv.token, R"({"phone": "0700 000 619"})");
  CHECK(r.status == 409);
  CHECK(error_of(r)["code"] == "confirm_needed");
  r = api(srv.port(), "POST", "/api/v1/contacts/" + std::to_string(id + 1) + "/numbers", srv.token,
          R"({"phone": "0700 000 611"})");
  CHECK(r.status == 409);
  CHECK(error_of(r)["code"] == "number_taken");
  CHECK_THAT(error_of(r)["message"].get<std::string>(),
             Catch::Contains("another person's other numbers"));
  CHECK(api(srv.port(), "POST", path, srv.token, R"({"phone": "020 210 1234"})").status == 400);
  CHECK(api(srv.port(), "POST", path, srv.token, R"({"phone": "12"})").status == 400);
  const std::string worker = make_token(srv.config, "health_worker", "clinic system");
  CHECK(api(srv.port(), "POST", path, worker, R"({"phone": "0700 000 612"})").status == 403);
  // She writes from the Afghan SIM: it is her, in her language, and the answer goes to that SIM.
  REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms", "from=%2B93700000611&text=salam")
              .status == 200);
  const auto person = std::to_string(id);
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM inbound_events WHERE contact_id = " + person) == "1");
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM contacts WHERE phone = '+93700000611'") == "0");
  CHECK(scalar(srv.dir, "SELECT to_phone FROM outbound_messages WHERE contact_id = " + person) ==
        "+93700000611");
  r = api(srv.port(), "GET", "/api/v1/contacts?phone=0700000611", srv.token);
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["id"] == id);
  // Her words wait in the inbox with the number they came from, and the answer goes to it.
  r = api(srv.port(), "GET", "/api/v1/inbox", srv.token);
  REQUIRE(r.status == 200);
  const auto items = json::parse(r.body)["items"];
  REQUIRE(items.size() == 1);
  CHECK(items[0]["phone"] == "+93700000611");
  r = api(srv.port(), "POST",
          "/api/v1/inbox/" + std::to_string(items[0]["id"].get<long long>()) + "/reply", srv.token,
          R"({"text": "We will call you"})");
  REQUIRE(r.status == 201);
  CHECK(scalar(srv.dir, "SELECT to_phone FROM outbound_messages WHERE body = 'We will call you'") ==
        "+93700000611");
  // Whether others read SMS is said of her main phone, never of the other one.
  r = api(srv.port(), "POST", "/api/v1/contacts", srv.token,
          R"({"phone": "0700 000 611", "shared_phone": "no", "explicit_texts": true})");
  CHECK(r.status == 409);
  CHECK(error_of(r)["code"] == "other_number");
  std::string out, err;
  REQUIRE(run_paygham({"user", "create", "--config", srv.config, "--name", "Fatima", "--role",
                       "health_worker", "--facility", "golshahr", "--phone", "+93700000900"},
                      &out, &err, "2580\n") == 0);
  r = api(
      srv.port(), "POST", "/api/v1/enrolments", srv.token,
      R"({"phone": "0700 000 611", "kind": "medicine", "time": "20:00", "worker": "1", "channel": "console",)"
      R"( "shared_phone": "no", "explicit_texts": true})");
  CHECK(r.status == 409);
  CHECK(error_of(r)["code"] == "other_number");
  CHECK(scalar(srv.dir, "SELECT explicit_texts FROM contacts WHERE id = " + person) == "0");
  // Enrolled by it, her 20:00 reminder goes to her main number, on its clock (Tehran's).
  r = api(
      srv.port(), "POST", "/api/v1/enrolments", srv.token,
      R"({"phone": "0700 000 611", "kind": "medicine", "time": "20:00", "worker": "1", "channel": "console"})");
  CHECK(r.status == 201);
  CHECK(scalar(srv.dir, "SELECT time_zone FROM series WHERE contact_id = " + person) ==
        "Asia/Tehran");
  // Started on a flow by both her numbers: one person, asked once.
  r = api(
      srv.port(), "POST", "/api/v1/flow_starts", srv.token,
      R"({"flow": "welcome", "phones": ["+98 912 123 4611", "0700 000 611"], "channel": "console"})");
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["started"] == 1);
  CHECK(json::parse(r.body)["same_person"] == json::array({"+93700000611"}));
  // She gave the SIM away: it is nobody's now.
  CHECK(api(srv.port(), "DELETE", path + "/0700000612", srv.token).status == 404);
  CHECK(api(srv.port(), "DELETE", path + "/x", srv.token).status == 400);
  r = api(srv.port(), "DELETE", path + "/%2B93700000611", srv.token);
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["other_numbers"].empty());
  CHECK(api(srv.port(), "GET", "/api/v1/contacts?phone=0700000611", srv.token).status == 404);
  // Her words in the inbox are answered on her main number now, never on a SIM she gave away.
  CHECK(json::parse(api(srv.port(), "GET", "/api/v1/inbox", srv.token).body)["items"][0]["phone"] ==
        "+989121234611");
  // The audit log names both, with the number masked.
  for (const char* action : {"contacts.number_add", "contacts.number_remove"}) {
    const auto detail = scalar(
        srv.dir, std::string("SELECT detail FROM audit_log WHERE action = '") + action + "'");
    CHECK(detail.find("number") != std::string::npos);
    CHECK(detail.find("700000611") == std::string::npos);
  }
}

TEST_CASE("api: the month names a person reads are their own, apart from their language (R-L3)", "[integration][api]") {
  running srv("operator");
  // Two people writing Dari; one has long lived in Iran and reads the Iranian month names.
  for (const char* phone : {"0700000781", "0700000782"}) {
    REQUIRE(api(srv.port(), "POST", "/api/v1/contacts", srv.token,
                std::string(R"({"phone": ")") + phone + R"(", "language": "prs"})").status == 201);
  }
  auto r = api(srv.port(), "POST", "/api/v1/contacts", srv.token, R"({"phone": "0700000782", "months": "iranian"})");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["months"] == "iranian");
  // Anything else is refused, naming the field, and changes nothing.
  for (const char* bad : {R"("solar")", R"("Iranian")", "2"}) {
    r = api(srv.port(), "POST", "/api/v1/contacts", srv.token, std::string(R"({"phone": "0700000782", "months": )") + bad + "}");
    CHECK(r.status == 400);
    CHECK(error_of(r)["field"] == "months");
  }
  // The days a booking offers (pregnancy care, for themselves, at Golshahr), as each reads them.
  const auto days = [&](const std::string& n) {
    std::string screen;
    for (const std::string path : {"", "1", "1*1", "1*1*1"}) {
      screen = http_call(srv.port(), "POST", "/channels/at/ussd",
                         "sessionId=mn" + n + "&serviceCode=*384*14%23&phoneNumber=%2B9370000078" + n + "&text=" + path)
                   .body;
    }
    return screen;
  };
  const std::string own = days("1");
  const std::string iranian = days("2");
  INFO(own << "\n" << iranian);
  CHECK_THAT(own, Catch::Contains("قوس"));
  CHECK_THAT(iranian, Catch::Contains("آذر") && !Catch::Contains("قوس"));
  CHECK_THAT(scalar(srv.dir, "SELECT group_concat(detail, ' ') FROM audit_log WHERE action = 'contacts.update'"),
             Catch::Contains("\"months\":\"iranian\""));
  // "" gives them their language's again.
  r = api(srv.port(), "POST", "/api/v1/contacts", srv.token, R"({"phone": "0700000782", "months": ""})");
  REQUIRE(r.status == 200);
  CHECK_FALSE(json::parse(r.body).contains("months"));
}

TEST_CASE("api: a person's mine alerts show the district they wrote, which district it is, and their route, to admins "
          "and operators only",
          "[integration][api]") {
  running srv("operator");
  const std::string worker = make_token(srv.config, "health_worker", "clinic system");
  // By SMS, as an aggregator brings it: alerts, Herat, the district in their words, Islam Qala.
  // The district with a right-to-left override (U+202E) and a line break in it: dropped, the
  // rest kept as written.
  for (const char* text : {"MINE", "1", "1", "Guzara%E2%80%AE%2C+near%0Athe+river", "1"}) {
    REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms", std::string("from=%2B93700000666&text=") + text)
                .status == 200);
  }
  auto r = api(srv.port(), "GET", "/api/v1/contacts?phone=0700000666", srv.token);
  REQUIRE(r.status == 200);
  const auto subs = json::parse(r.body)["subscriptions"];
  REQUIRE(subs.size() == 1);
  CHECK(subs[0]["programme"] == "mine_safety");
  CHECK(subs[0]["area"] == "herat");
  CHECK(subs[0]["district"] == "Guzara, near the river");
  CHECK_FALSE(subs[0].contains("in_district"));  // more words than a district's name: not read as one
  CHECK(subs[0]["route"] == "islam_qala");
  CHECK(subs[0]["ends"].get<long long>() > subs[0]["since"].get<long long>());
  // Someone who wrote the district as the districts file spells it: shown which one it is.
  for (const char* text : {"MINE", "1", "1", "Gozareh", "1"}) {
    REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms", std::string("from=%2B93700000667&text=") + text)
                .status == 200);
  }
  r = api(srv.port(), "GET", "/api/v1/contacts?phone=0700000667", srv.token);
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["subscriptions"][0]["in_district"] == "guzara");
  CHECK(api(srv.port(), "GET", "/api/v1/contacts?phone=0700000666", worker).status == 403);
}

TEST_CASE("api: a flow that allows it is started by SMS for a list of numbers, never for one who stopped",
          "[integration][api]") {
  running srv("operator");
  const std::string worker = make_token(srv.config, "health_worker", "clinic system");
  REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms", "from=%2B93700000555&text=STOP").status == 200);
  const std::string start = R"({"flow": "welcome", "phones": ["0700 000 551", "+93700000552", "+93 700 000 551",
                                                           "0700000555"], "channel": "console"})";
  CHECK(api(srv.port(), "POST", "/api/v1/flow_starts", worker, start).status == 403);
  // Refused, naming what to fix, and nothing started.
  auto r = api(srv.port(), "POST", "/api/v1/flow_starts", srv.token, R"({"flow": "appointments", "phones": ["0700000551"]})");
  CHECK(r.status == 409);
  CHECK(error_of(r)["code"] == "not_startable");
  r = api(srv.port(), "POST", "/api/v1/flow_starts", srv.token, R"({"flow": "nope", "phones": ["0700000551"]})");
  CHECK(r.status == 400);
  CHECK(error_of(r)["field"] == "flow");
  r = api(srv.port(), "POST", "/api/v1/flow_starts", srv.token,
          R"({"flow": "welcome", "node": "hours_central", "phones": ["0700000551"]})");
  CHECK(error_of(r)["field"] == "node");
  r = api(srv.port(), "POST", "/api/v1/flow_starts", srv.token, R"({"flow": "welcome", "phones": ["0700000551", "12"]})");
  CHECK(r.status == 400);
  CHECK_THAT(error_of(r)["message"].get<std::string>(), Catch::StartsWith("number 2: "));
  CHECK(api(srv.port(), "POST", "/api/v1/flow_starts", srv.token, R"({"flow": "welcome", "phones": []})").status == 400);
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM jobs WHERE kind = 'flow.start'") == "0");

  r = api(srv.port(), "POST", "/api/v1/flow_starts", srv.token, start);
  REQUIRE(r.status == 201);
  const auto started = json::parse(r.body);
  CHECK(started["started"] == 2);  // the same number twice is one person
  CHECK(started["stopped"] == json::array({"+93700000555"}));
  // Each gets the menu by SMS, as a reply would continue it.
  std::string menus;
  for (int i = 0; i < 100; ++i) {
    menus = scalar(srv.dir, "SELECT COUNT(*) FROM outbound_messages WHERE body LIKE 'Red Crescent%'");
    if (menus == "2") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(menus == "2");
  CHECK(scalar(srv.dir, "SELECT COUNT(*) FROM outbound_messages WHERE to_phone = '+93700000555' AND body LIKE 'Red%'") ==
        "0");
  CHECK(scalar(srv.dir, "SELECT detail FROM audit_log WHERE action = 'flow_starts.create'") ==
        R"({"channel":"console","node":"menu","started":2,"stopped":1,"waiting":0})");
  // Sent again: the two it asked have the menu open, so it asks nobody twice.
  r = api(srv.port(), "POST", "/api/v1/flow_starts", srv.token, start);
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["started"] == 0);
  CHECK(json::parse(r.body)["waiting"] == json::array({"+93700000551", "+93700000552"}));

  // Calls of up to 1000 add up: past 1000 people a day on the flow, the caller confirms.
  const auto many = [](int from, int count) {
    json phones = json::array();
    for (int i = 0; i < count; ++i) phones.push_back("+9379" + std::to_string(1000000 + from + i));
    return json{{"flow", "welcome"}, {"phones", phones}, {"channel", "console"}};
  };
  r = api(srv.port(), "POST", "/api/v1/flow_starts", srv.token, many(0, 600).dump());
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["started"] == 600);
  auto more = many(600, 500);
  r = api(srv.port(), "POST", "/api/v1/flow_starts", srv.token, more.dump());
  CHECK(r.status == 409);
  CHECK(error_of(r)["code"] == "confirm_needed");
  CHECK_THAT(error_of(r)["message"].get<std::string>(), Catch::StartsWith("602 people"));
  more["confirm"] = true;
  r = api(srv.port(), "POST", "/api/v1/flow_starts", srv.token, more.dump());
  CHECK(r.status == 201);
  CHECK(json::parse(r.body)["started"] == 500);
}
