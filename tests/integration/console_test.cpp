// The web console's side of the server, as a browser talks to it: people log in with a login
// and password made by `paygham user`, get an HttpOnly session cookie and an anti-CSRF value,
// and every change by cookie needs that value; wrong passwords lock a login for a while; a
// health worker's session sees their clinic only; the console's files come from the binary
// with strict headers; and operators check, publish, roll back and walk flows through the API
// while the running server switches to what they published.
#include <chrono>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <ctime>

#include <filesystem>
#include <map>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/support/support.hpp"

using namespace paygham::test;
using json = nlohmann::json;

namespace {

// A person texting the console channel, one SMS after another, each taken (200); `n` numbers
// the aggregator's ids across calls.
void texts(int port, const char* from, std::initializer_list<const char*> words, int& n) {
  for (const char* text : words) {
    REQUIRE(http_call(port, "POST", "/channels/console/sms",
                      std::string("from=") + from + "&text=" + text + "&id=in-" + std::to_string(++n))
                .status == 200);
  }
}

void make_user(const std::string& config, const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> all = {"user", "create", "--config", config};
  all.insert(all.end(), args.begin(), args.end());
  std::string out, err;
  INFO(err);
  REQUIRE(run_paygham(all, &out, &err, input) == 0);
}

// A health worker of `clinic` with a phone, a PIN (2580 + n) and a console login.
void make_worker(const std::string& config, const std::string& name, const std::string& clinic, int n) {
  make_user(config,
            {"--name", name, "--role", "health_worker", "--facility", clinic, "--phone",
             "+9370000090" + std::to_string(n), "--login", name},
            std::to_string(2580 + n) + "\nriver-lamp-seven\n");
}

std::string code_of(const http_reply& r) {
  const auto j = json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
}

// A config whose flows folder is a copy in `dir` (publishing writes to it).
std::string config_with_own_flows(const temp_dir& dir, const std::string& extra = "") {
  namespace fs = std::filesystem;
  const std::string src = PAYGHAM_SOURCE_DIR;
  fs::create_directories(dir.file("flows"));
  for (const auto& e : fs::directory_iterator(src + "/flows")) {
    fs::copy_file(e.path(), fs::path(dir.file("flows")) / e.path().filename());
  }
  const std::string path = write_test_config(dir, extra);
  std::string text = read_file(path);
  const std::string from = "flows: " + src + "/flows\n";
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), "flows: " + dir.file("flows") + "\n");
  write_file(path, text);
  return path;
}

}  // namespace

TEST_CASE("console: a person logs in with a password, the cookie is HttpOnly, and a change needs the CSRF value",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  std::string out, err;
  // Weak passwords and a missing login are refused before anything is stored.
  CHECK(run_paygham({"user", "create", "--config", config, "--name", "Sima", "--role", "operator"}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("give --login"));
  CHECK(run_paygham({"user", "create", "--config", config, "--name", "Sima", "--role", "operator", "--login", "sima"},
                    &out, &err, "sima-secret-1\n") == 1);
  CHECK_THAT(err, Catch::Contains("it contains the login name"));
  CHECK(run_paygham({"user", "create", "--config", config, "--name", "Sima", "--role", "operator", "--login", "Sima!"},
                    &out, &err, "river-lamp-seven\n") == 1);
  CHECK_THAT(err, Catch::Contains("a login is 3 to 32"));
  make_user(config, {"--name", "Sima", "--role", "operator", "--login", "sima"}, "river-lamp-seven\n");
  CHECK(scalar(dir, "SELECT password_hash LIKE '$argon2id$%' FROM users") == "1");

  server_process srv(config);
  const auto s = log_in(srv.port(), "sima", "river-lamp-seven");
  const auto r = log_in_raw(srv.port(), "sima", "river-lamp-seven");
  const std::string set = r.headers.at("set-cookie");
  CHECK_THAT(set, Catch::Contains("HttpOnly"));
  CHECK_THAT(set, Catch::Contains("SameSite=Strict"));
  CHECK_THAT(set, Catch::Contains("Path=/"));
  CHECK(set.find("Secure") == std::string::npos);  // the test's public URL is http
  CHECK(s.who["role"] == "operator");
  CHECK(s.who["name"] == "Sima");
  CHECK(s.who.dump().find("argon") == std::string::npos);

  // The cookie alone reads; a change also needs X-CSRF-Token, or nothing happens.
  const auto me = s.call("GET", "/api/v1/session", "", false);
  REQUIRE(me.status == 200);
  CHECK(json::parse(me.body)["csrf"] == s.csrf);
  const json send{{"to", "+93700000123"}, {"text", "Clinic closed today"}, {"channel", "console"}};
  auto forged = s.call("POST", "/api/v1/messages", send.dump(), false);
  CHECK(forged.status == 403);
  CHECK(code_of(forged) == "csrf");
  session wrong = s;
  wrong.csrf = std::string(64, 'a');
  CHECK(wrong.call("POST", "/api/v1/messages", send.dump()).status == 403);
  CHECK(scalar(dir, "SELECT COUNT(*) FROM outbound_messages") == "0");
  const auto sent = s.call("POST", "/api/v1/messages", send.dump());
  CHECK(sent.status == 201);
  // The audit log names the person, not the session.
  CHECK(scalar(dir, "SELECT actor FROM audit_log WHERE action = 'messages.send'") == "user:1");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM audit_log WHERE action = 'session.login'") == "2");

  // Logging out ends the session: the same cookie no longer works.
  const auto bye = s.call("DELETE", "/api/v1/session");
  CHECK(bye.status == 200);
  CHECK_THAT(bye.headers.at("set-cookie"), Catch::Contains("Max-Age=0"));
  CHECK(s.call("GET", "/api/v1/session").status == 401);
  // A made-up cookie is unknown.
  session nobody = s;
  nobody.cookie = "paygham_session=pgm_madeup";
  CHECK(nobody.call("GET", "/api/v1/escalations").status == 401);
  // A new password ends every session the person had.
  const auto other = log_in(srv.port(), "sima", "river-lamp-seven");
  REQUIRE(run_paygham({"user", "password", "--config", config, "--login", "sima"}, &out, &err, "new-lamp-river-9\n") == 0);
  CHECK_THAT(out, Catch::Contains("their sessions ended"));
  CHECK(other.call("GET", "/api/v1/session").status == 401);
  log_in(srv.port(), "sima", "new-lamp-river-9");
  // A machine's token has no session to log out.
  CHECK(run_paygham({"token", "create", "--config", config, "--role", "operator", "--name", "his"}, &out, &err) == 0);
  const std::string token = out.substr(0, out.size() - 1);
  const auto machine = http_call(srv.port(), "DELETE", "/api/v1/session", "", "application/json",
                                 {{"Authorization", "Bearer " + token}});
  CHECK(machine.status == 400);
  CHECK(code_of(machine) == "not_a_session");
}

TEST_CASE("console: five wrong passwords from one address lock that login there, a known login as an unknown one",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_user(config, {"--name", "Admin", "--role", "admin", "--login", "admin"}, "river-lamp-seven\n");
  make_user(config, {"--name", "Omid", "--role", "operator", "--login", "omid"}, "river-lamp-seven\n");
  server_process srv(config);
  // Five wrong tries, a known login and an unknown one alike: the same answers, then locked.
  for (const std::string login : {"admin", "nobody"}) {
    std::string first;
    for (int i = 0; i < 5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(600));  // about two tries a second
      const auto r = log_in_raw(srv.port(), login, "wrong-" + std::to_string(i));
      CHECK(r.status == 401);
      if (first.empty()) first = r.body;
      CHECK(r.body == first);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    const auto locked = log_in_raw(srv.port(), login, "river-lamp-seven");
    INFO(login);
    CHECK(locked.status == 429);
    CHECK(code_of(locked) == "locked");
    CHECK_THAT(locked.body, Catch::Contains("opens again from here in 15 minutes"));
  }
  CHECK(scalar(dir, "SELECT COUNT(*) FROM audit_log WHERE action = 'session.locked'") == "1");
  // The lock is the login's from this address: another person here logs in, and the
  // locked login is not locked everywhere (that takes 20 wrong tries from anywhere).
  log_in_next(srv.port(), "omid", "river-lamp-seven");
  CHECK(scalar(dir, "SELECT login_locked_until FROM users WHERE login = 'admin'") == "0");
  CHECK(scalar(dir, "SELECT failed_logins FROM users WHERE login = 'admin'") == "5");
  // Many tries at once from one address are slowed before any password is checked.
  int refused = 0, slowed = 0;
  for (int i = 0; i < 10; ++i) {
    const auto r = log_in_raw(srv.port(), "omid", "x");
    refused += r.status == 429 ? 1 : 0;
    slowed += code_of(r) == "too_many_requests" ? 1 : 0;
  }
  CHECK(slowed >= 5);
  CHECK(refused >= 5);
  // Only the console's own script logs in: JSON, from the same site.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  const std::string body = json{{"login", "omid"}, {"password", "river-lamp-seven"}}.dump();
  CHECK(http_call(srv.port(), "POST", "/api/v1/session", body, "text/plain").status == 415);
  CHECK(http_call(srv.port(), "POST", "/api/v1/session", body, "application/json", {{"Sec-Fetch-Site", "cross-site"}})
            .status == 403);
  // The slowdown passes (on a loaded machine the tries above ended later: a little longer).
  auto ok = http_call(srv.port(), "POST", "/api/v1/session", body, "application/json", {{"Sec-Fetch-Site", "same-origin"}});
  for (int i = 0; i < 30 && ok.status == 429; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ok = http_call(srv.port(), "POST", "/api/v1/session", body, "application/json", {{"Sec-Fetch-Site", "same-origin"}});
  }
  CHECK(ok.status == 201);
  CHECK(ok.headers.at("cache-control") == "no-store");
  CHECK_THAT(srv.log(), !Catch::Contains("river-lamp-seven"));
  CHECK_THAT(srv.log(), !Catch::Contains("paygham_session="));
}

TEST_CASE("console: 20 wrong passwords from several addresses lock a login everywhere, and an unknown login alike",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_user(config, {"--name", "Admin", "--role", "admin", "--login", "admin"}, "river-lamp-seven\n");
  server_process srv(config);
  const auto log_in_from = [&](const std::string& from, const std::string& login, const std::string& password) {
    return http_call(srv.port(), "POST", "/api/v1/session", json{{"login", login}, {"password", password}}.dump(),
                     "application/json", {}, from);
  };
  // Five wrong tries from each of four addresses (each address a try every 600 ms, as the
  // per-address limit allows): the same answers for the real login and for one nobody has.
  for (int i = 0; i < 20; ++i) {
    const std::string from = "127.0.0." + std::to_string(20 + i % 4);
    for (const std::string login : {"admin", "nobody"}) {
      const auto r = log_in_from(from, login, "wrong-" + std::to_string(i));
      INFO(login << " try " << i << ": " << r.body);
      CHECK(r.status == 401);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  // Now locked from everywhere: the right password from a fifth address too, and the answer
  // does not tell that one of the two logins exists.
  const auto real = log_in_from("127.0.0.30", "admin", "river-lamp-seven");
  const auto unknown = log_in_from("127.0.0.31", "nobody", "river-lamp-seven");
  CHECK(real.status == 429);
  CHECK(code_of(real) == "locked");
  CHECK_THAT(real.body, Catch::Contains("or an admin sets a new password"));
  CHECK(unknown.status == real.status);
  CHECK(unknown.body == real.body);
  // An admin's new password opens the login again.
  std::string out, err;
  REQUIRE(run_paygham({"user", "password", "--config", config, "--login", "admin"}, &out, &err, "lamp-river-eight\n") == 0);
  CHECK(log_in_from("127.0.0.30", "admin", "lamp-river-eight").status == 201);
}

TEST_CASE("console: a health worker's session sees only their clinic's calls and no operator pages",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_worker(config, "fatima", "golshahr", 0);
  server_process srv(config);
  const auto s = log_in(srv.port(), "fatima", "river-lamp-seven");
  CHECK(s.who["facility"] == "golshahr");
  CHECK(s.call("GET", "/api/v1/escalations").status == 200);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/v1/flows"}, {"GET", "/api/v1/messages"}, {"GET", "/api/v1/audit"}, {"GET", "/api/v1/texts"}}) {
    INFO(method << " " << path);
    const auto r = s.call(method, path);
    CHECK(r.status == 403);
    CHECK(code_of(r) == "forbidden");
  }
  // The PIN and the password are separate secrets: the PIN is not a password.
  CHECK(log_in_raw(srv.port(), "fatima", "2580").status == 401);
}

TEST_CASE("console: its files come from the binary with strict headers", "[integration][console]") {
  temp_dir dir;
  server_process srv(write_test_config(dir));
  const auto page = http_call(srv.port(), "GET", "/console/");
  REQUIRE(page.status == 200);
  CHECK_THAT(page.headers.at("content-type"), Catch::StartsWith("text/html"));
  CHECK_THAT(page.body, Catch::Contains("<script type=\"module\" src=\"app.js\">"));
  const std::string csp = page.headers.at("content-security-policy");
  CHECK_THAT(csp, Catch::Contains("script-src 'self'"));
  CHECK_THAT(csp, Catch::Contains("frame-ancestors 'none'"));
  CHECK(csp.find("unsafe-inline") == std::string::npos);
  CHECK(page.headers.at("x-content-type-options") == "nosniff");
  const auto script = http_call(srv.port(), "GET", "/console/app.js");
  CHECK(script.status == 200);
  CHECK_THAT(script.headers.at("content-type"), Catch::StartsWith("text/javascript"));
  CHECK_THAT(script.body, Catch::Contains("X-CSRF-Token"));
  CHECK(http_call(srv.port(), "GET", "/console/app.css").status == 200);
  CHECK(http_call(srv.port(), "GET", "/console/../paygham.yaml").status == 404);
  CHECK(http_call(srv.port(), "GET", "/console/secrets.js").status == 404);
  const auto bare = http_call(srv.port(), "GET", "/console");
  CHECK(bare.status == 308);
  CHECK(bare.headers.at("location") == "/console/");
  const auto wrong = http_call(srv.port(), "DELETE", "/console/");
  CHECK(wrong.status == 405);
  CHECK(wrong.headers.at("allow") == "GET");
}

TEST_CASE("console: an operator publishes a flow only when lint passes, the server switches, and rolls it back",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = config_with_own_flows(dir, "ussd_profiles:\n  plain: {ucs2: false, fallback: latin}\n");
  make_user(config, {"--name", "Omid", "--role", "operator", "--login", "omid"}, "river-lamp-seven\n");
  server_process srv(config);
  const auto s = log_in(srv.port(), "omid", "river-lamp-seven");
  // Each dial from another phone: a phone that dialled before is asked whether to continue.
  auto dial = [&](const std::string& n) {
    return http_call(srv.port(), "POST", "/channels/at/ussd",
                     "sessionId=s" + n + "&serviceCode=*384*12%23&phoneNumber=%2B9370000011" + n + "&text=")
        .body;
  };
  const std::string before = dial("1");
  CHECK_THAT(before, Catch::Contains("Clinic hours"));

  const auto got = s.call("GET", "/api/v1/flows/welcome.yaml");
  REQUIRE(got.status == 200);
  const std::string original = json::parse(got.body)["yaml"];
  CHECK(original == read_file(dir.file("flows/welcome.yaml")));
  // The routes a dial may come by, for the simulator.
  CHECK(json::parse(got.body)["ussd_routes"] == json::parse(R"([{"name": "default", "ucs2": true},
                                                           {"name": "plain", "ucs2": false, "fallback": "latin"}])"));
  const auto listed = json::parse(s.call("GET", "/api/v1/flows").body);
  bool found = false;
  for (const auto& f : listed["items"]) found = found || (f["file"] == "welcome.yaml" && f["entries"][0] == "ussd *384*12#");
  CHECK(found);
  CHECK(listed["ussd_routes"] == json::parse(got.body)["ussd_routes"]);  // for a new file's simulator

  // A broken version is refused with its line; the file and the server stay as they were.
  std::string broken = original;
  const auto at = broken.find("text: welcome.menu");
  REQUIRE(at != std::string::npos);
  broken.replace(at, 18, "text: welcome.nothing");
  auto r = s.call("PUT", "/api/v1/flows/welcome.yaml", json{{"yaml", broken}}.dump());
  CHECK(r.status == 422);
  const auto report = json::parse(r.body);
  CHECK(report["ok"] == false);
  REQUIRE_FALSE(report["problems"].empty());
  CHECK(report["problems"][0]["line"].is_number());
  CHECK(read_file(dir.file("flows/welcome.yaml")) == original);

  // A good version: written, the running server uses it at once, the audit log keeps before and after.
  std::string changed = original;
  changed.replace(at, 18, "text: welcome.clinic_which");
  // A change the audit log cannot record is not made (the store refuses the entry here): the
  // file and the running server stay as they were.
  const auto audit_refuses = [&](bool on) {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(10'000);
    db.exec(on ? "CREATE TRIGGER test_audit_refuses BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END"
               : "DROP TRIGGER test_audit_refuses");
  };
  audit_refuses(true);
  r = s.call("PUT", "/api/v1/flows/welcome.yaml", json{{"yaml", changed}}.dump());
  audit_refuses(false);
  CHECK(scalar(dir, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'test_audit_refuses'") == "0");
  CHECK(r.status == 503);
  CHECK_THAT(r.body,
             Catch::Contains("could not be recorded, so the file is as it was (disk full)"));
  CHECK(read_file(dir.file("flows/welcome.yaml")) == original);
  CHECK_THAT(dial("9"), !Catch::Contains("Which clinic?"));
  const std::string opened = json::parse(got.body)["version"];
  r = s.call("PUT", "/api/v1/flows/welcome.yaml", json{{"yaml", changed}, {"version", opened}}.dump());
  INFO(r.body);
  CHECK(r.status == 200);
  CHECK(read_file(dir.file("flows/welcome.yaml")) == changed);
  CHECK_THAT(dial("2"), Catch::Contains("Which clinic?"));
  const auto entry = json::parse(scalar(dir, "SELECT detail FROM audit_log WHERE action = 'flows.publish'"));
  CHECK(entry["before"] == original);
  CHECK(entry["after"] == changed);
  const std::string now_live = json::parse(r.body)["version"];
  CHECK(now_live == json::parse(s.call("GET", "/api/v1/flows/welcome.yaml").body)["version"]);
  CHECK(now_live != opened);

  // A second operator opened the flow before that change: their publish would undo it in
  // silence, so it is refused and nothing changes; so is a rollback from the version they saw.
  r = s.call("PUT", "/api/v1/flows/welcome.yaml", json{{"yaml", original + "# a note\n"}, {"version", opened}}.dump());
  CHECK(r.status == 409);
  CHECK_THAT(r.body, Catch::Contains("changed_since") && Catch::Contains("Open it again"));
  CHECK(s.call("POST", "/api/v1/flows/welcome.yaml/rollback", json{{"version", opened}}.dump()).status == 409);
  CHECK(read_file(dir.file("flows/welcome.yaml")) == changed);
  CHECK(s.call("PUT", "/api/v1/flows/welcome.yaml", json{{"yaml", changed}, {"version", 7}}.dump()).status == 400);
  CHECK(scalar(dir, "SELECT COUNT(*) FROM audit_log WHERE action = 'flows.publish'") == "1");

  // The simulator walks the editor's text without publishing it.
  r = s.call("POST", "/api/v1/flows/simulate",
             json{{"file", "welcome.yaml"}, {"yaml", original}, {"ussd_code", "*384*12#"}, {"language", "en"},
                  {"replies", {"1"}}}
                 .dump());
  REQUIRE(r.status == 200);
  const auto walk = json::parse(r.body);
  REQUIRE(walk["screens"].size() == 2);
  CHECK_THAT(walk["screens"][0]["text"].get<std::string>(), Catch::Contains("Clinic hours"));
  CHECK(walk["screens"][0]["encoding"] == "GSM-7");
  CHECK(walk["screens"][0]["limit"] == 182);
  CHECK_THAT(walk["screens"][1]["text"].get<std::string>(), Catch::Contains("Which clinic?"));
  r = s.call("POST", "/api/v1/flows/simulate",
             json{{"file", "welcome.yaml"}, {"yaml", original}, {"ussd_code", "*384*12#"}, {"language", "prs"}}.dump());
  const auto dari = json::parse(r.body);
  CHECK(dari["screens"][0]["encoding"] == "UCS-2");
  CHECK(dari["screens"][0]["limit"] == 80);
  CHECK(json::parse(s.call("POST", "/api/v1/flows/simulate",
                           json{{"file", "welcome.yaml"}, {"yaml", original}, {"language", "xx"}}.dump())
                        .body)["ok"] == false);
  // By a route without Persian letters: Dari in Latin letters, GSM-7 (R-U4).
  r = s.call("POST", "/api/v1/flows/simulate",
             json{{"file", "welcome.yaml"}, {"yaml", original}, {"ussd_code", "*384*12#"}, {"language", "prs"},
                  {"ussd_route", "plain"}}
                 .dump());
  const auto finglish = json::parse(r.body);
  INFO(r.body);
  CHECK_THAT(finglish["screens"][0]["text"].get<std::string>(), Catch::StartsWith("Helal Ahmar\n1. Saat-e kar-e clinic"));
  CHECK(finglish["screens"][0]["encoding"] == "GSM-7");
  const auto nosuch = json::parse(s.call("POST", "/api/v1/flows/simulate",
                                         json{{"file", "welcome.yaml"}, {"yaml", original}, {"ussd_route", "nosuch"}}.dump())
                                      .body);
  CHECK(nosuch["ok"] == false);
  CHECK_THAT(nosuch["problems"].dump(), Catch::Contains("USSD route 'nosuch' is not in ussd_profiles (it has: default, plain)"));
  CHECK(s.call("POST", "/api/v1/flows/simulate", json{{"file", "welcome.yaml"}, {"yaml", original}, {"replies", "1"}}.dump())
            .status == 400);

  // Rolling back puts the version before back, and the server switches again.
  r = s.call("POST", "/api/v1/flows/welcome.yaml/rollback", json{{"version", now_live}}.dump());
  CHECK(r.status == 200);
  CHECK(read_file(dir.file("flows/welcome.yaml")) == original);
  CHECK_THAT(dial("3"), Catch::Contains("Clinic hours"));
  CHECK(s.call("POST", "/api/v1/flows/reminders.yaml/rollback").status == 409);
  CHECK(s.call("PUT", "/api/v1/flows/..%2Fpaygham.yaml", json{{"yaml", original}}.dump()).status == 400);
  CHECK_FALSE(std::filesystem::exists(dir.file("paygham.yaml.publishing")));
}

TEST_CASE(
    "console: an operator adds a clinic and renames one in the clinics file, checked by lint, the "
    "server "
    "switching at once",
    "[integration][console]") {
  temp_dir dir;
  const std::string src = PAYGHAM_SOURCE_DIR;
  const std::string config = write_test_config(dir);
  std::string text = read_file(config);
  const std::string from = "clinics: " + src + "/config/clinics.yaml\n";
  REQUIRE(text.find(from) != std::string::npos);
  text.replace(text.find(from), from.size(), "clinics: " + dir.file("clinics.yaml") + "\n");
  write_file(config, text);
  const std::string original = read_file(src + "/config/clinics.yaml");
  write_file(dir.file("clinics.yaml"), original);
  make_user(config, {"--name", "Omid", "--role", "operator", "--login", "omid"},
            "river-lamp-seven\n");
  server_process srv(config);
  const auto s = log_in(srv.port(), "omid", "river-lamp-seven");
  const auto clinic_names = [&] {
    std::map<std::string, std::string> out;
    const auto listed = json::parse(s.call("GET", "/api/v1/clinics").body);
    for (const auto& c : listed["items"]) out[c["id"]] = c["name"]["en"];
    return out;
  };
  REQUIRE(clinic_names().count("golshahr") == 1);

  auto got = s.call("GET", "/api/v1/clinics/file");
  REQUIRE(got.status == 200);
  CHECK(json::parse(got.body)["yaml"] == original);
  const std::string opened = json::parse(got.body)["version"];

  // A new clinic: Golshahr's block under another id and other names.
  const auto block_at = original.find("  golshahr:\n");
  std::string added = original.substr(block_at, original.find("  central:\n") - block_at);
  for (const auto& [was, now] :
       std::vector<std::pair<std::string, std::string>>{{"golshahr:", "mashhad:"},
                                                        {"Golshahr", "Mashhad"},
                                                        {"گلشهر", "مشهد"},
                                                        {"ګلشهر", "مشهد"}}) {
    for (auto at = added.find(was); at != std::string::npos;
         at = added.find(was, at + now.size())) {
      added.replace(at, was.size(), now);
    }
  }
  const std::string with_new = original + added;
  auto r =
      s.call("PUT", "/api/v1/clinics/file", json{{"yaml", with_new}, {"version", opened}}.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["version"] ==
        json::parse(s.call("GET", "/api/v1/clinics/file").body)["version"]);
  CHECK(read_file(dir.file("clinics.yaml")) == with_new);
  CHECK(clinic_names()["mashhad"] == "Mashhad Helal House");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM audit_log WHERE action = 'clinics.publish'") == "1");

  // Renamed by its names: people book it by the new one at once.
  std::string renamed = with_new;
  renamed.replace(renamed.find("en: Golshahr Helal House"), 24, "en: Golshahr Red Crescent House");
  const std::string now_version = json::parse(r.body)["version"];
  r = s.call("PUT", "/api/v1/clinics/file",
             json{{"yaml", renamed}, {"version", now_version}}.dump());
  REQUIRE(r.status == 200);
  CHECK(clinic_names()["golshahr"] == "Golshahr Red Crescent House");

  // Over a version someone else has since replaced: nothing changes.
  r = s.call("PUT", "/api/v1/clinics/file", json{{"yaml", original}, {"version", opened}}.dump());
  CHECK(r.status == 409);
  CHECK(json::parse(r.body)["error"]["code"] == "changed_since");
  CHECK(read_file(dir.file("clinics.yaml")) == renamed);

  // A clinic left out, or a window with no places: refused with where and why, the file and
  // the server as they were.
  std::string gone = renamed;
  gone.erase(gone.find("  mashhad:\n"));
  r = s.call("PUT", "/api/v1/clinics/file", json{{"yaml", gone}}.dump());
  CHECK(r.status == 422);
  CHECK_THAT(r.body, Catch::Contains("clinic 'mashhad' is no longer in it"));
  std::string broken = renamed;
  broken.replace(broken.find("capacity: 10"), 12, "capacity: -3");
  r = s.call("PUT", "/api/v1/clinics/file", json{{"yaml", broken}}.dump());
  CHECK(r.status == 422);
  const auto report = json::parse(r.body);
  REQUIRE_FALSE(report["problems"].empty());
  CHECK(report["problems"][0]["file"] == "clinics.yaml");  // not where it is on the server
  CHECK(report["problems"][0]["line"].is_number());
  // An existing clinic's week, time zone or services change elsewhere: its week by its own
  // route, which says which visits fall outside the new one.
  CHECK_THAT(r.body,
             Catch::Contains("clinic 'golshahr': only its names change here, not its 'windows'"));
  std::string moved = renamed;
  moved.replace(moved.find("time_zone: Asia/Tehran"), 22, "time_zone: Asia/Kabul");
  r = s.call("PUT", "/api/v1/clinics/file", json{{"yaml", moved}}.dump());
  CHECK(r.status == 422);
  CHECK_THAT(r.body, Catch::Contains("only its names change here, not its 'time_zone'"));
  // A name that says what the visits are for goes in every SMS about them (R-S10).
  std::string telling = renamed;
  telling.replace(telling.find("fa: خانه هلال مشهد"), std::string("fa: خانه هلال مشهد").size(),
                  "fa: مرکز مشاوره مشهد");
  r = s.call("PUT", "/api/v1/clinics/file", json{{"yaml", telling}}.dump());
  CHECK(r.status == 422);
  CHECK_THAT(r.body, Catch::Contains("clinic 'mashhad': its name in fa") &&
                         Catch::Contains("names 'مشاوره' (lexicon/sensitive.yaml)"));
  // Not a clinics file at all (found by the HTTP fuzzer): refused, not a 500.
  r = s.call("PUT", "/api/v1/clinics/file", json{{"yaml", "id: x"}}.dump());
  CHECK(r.status == 422);
  CHECK_THAT(r.body, Catch::Contains("clinic 'golshahr' is no longer in it"));
  CHECK(read_file(dir.file("clinics.yaml")) == renamed);
  CHECK(clinic_names().count("mashhad") == 1);
  CHECK(scalar(dir, "SELECT COUNT(*) FROM audit_log WHERE action = 'clinics.publish'") == "2");
}

TEST_CASE("console: a text's cost is shown in every language, by encoding, SMS parts and the channel's tariff",
          "[integration][console]") {
  temp_dir dir;
  // R-S1: a Latin part is billed at twice a Persian one on this route.
  const std::string config = write_test_config(dir, "", "    tariff: {currency: IRR, gsm7: 1400, ucs2: 700}\n");
  make_user(config, {"--name", "Omid", "--role", "operator", "--login", "omid"}, "river-lamp-seven\n");
  server_process srv(config);
  const auto s = log_in(srv.port(), "omid", "river-lamp-seven");
  const auto keys = json::parse(s.call("GET", "/api/v1/texts").body)["items"];
  CHECK(std::find(keys.begin(), keys.end(), "welcome.menu") != keys.end());
  const auto r = s.call("GET", "/api/v1/texts/welcome.menu");
  REQUIRE(r.status == 200);
  INFO(r.body);
  std::map<std::string, json> by_lang;
  const auto text = json::parse(r.body);
  for (const auto& i : text["items"]) by_lang[i["language"].get<std::string>()] = i;
  CHECK(by_lang.at("en")["encoding"] == "GSM-7");
  CHECK(by_lang.at("prs")["encoding"] == "UCS-2");
  CHECK(by_lang.at("prs")["parts"] == 1);
  // What 1,000 recipients cost, on the one channel with a price.
  const auto en_parts = by_lang.at("en")["parts"].get<int>();
  CHECK(by_lang.at("en")["cost_per_1000"] == json::array({{{"channel", "at"}, {"currency", "IRR"}, {"per_1000", 1'400'000 * en_parts}}}));
  CHECK(by_lang.at("prs")["cost_per_1000"] == json::array({{{"channel", "at"}, {"currency", "IRR"}, {"per_1000", 700'000}}}));
  CHECK(s.call("GET", "/api/v1/texts/no.such.text").status == 404);
}

TEST_CASE("console: a health worker gives a patient's own quiet hours when enrolling, in any digits",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_worker(config, "fatima", "golshahr", 0);
  server_process srv(config);
  const auto fatima = log_in(srv.port(), "fatima", "river-lamp-seven");
  // Her medicine is at 22:00, after the usual sending hours: she is awake until 23:00.
  json medicine{{"phone", "0700 000 322"}, {"kind", "medicine"}, {"time", "22:00"}, {"channel", "console"},
                {"quiet_hours", "23:00-06:30 tonight"}};
  auto r = fatima.call("POST", "/api/v1/enrolments", medicine.dump());
  CHECK(r.status == 400);
  CHECK(json::parse(r.body)["error"]["field"] == "quiet_hours");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM series") == "0");
  medicine["quiet_hours"] = "۲۳:۰۰-۰۶:۳۰";
  r = fatima.call("POST", "/api/v1/enrolments", medicine.dump());
  INFO(r.body);
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["quiet_hours"] == "23:00-06:30");
  r = fatima.call("GET", "/api/v1/enrolments?phone=0700000322");
  CHECK(json::parse(r.body)["items"][0]["quiet_hours"] == "23:00-06:30");
  CHECK(scalar(dir, "SELECT quiet_hours FROM contacts WHERE phone = '+93700000322'") == "23:00-06:30");
  CHECK_THAT(scalar(dir, "SELECT detail FROM audit_log WHERE action = 'enrolments.create'"),
             Catch::Contains(R"("quiet_hours":"23:00-06:30")"));
  // On time: 22:00 is outside her quiet hours. Another patient's 22:00 falls in his: the next
  // reminder shown is when it goes, 07:00 in Kabul (UTC+04:30).
  const auto kabul_minute = [](const json& e) { return (e["next_at"].get<long long>() / 60'000 + 270) % 1440; };
  CHECK(kabul_minute(json::parse(fatima.call("GET", "/api/v1/enrolments?phone=0700000322").body)["items"][0]) ==
        22 * 60);
  medicine["phone"] = "0700 000 323";
  medicine["quiet_hours"] = "21:00-07:00";
  r = fatima.call("POST", "/api/v1/enrolments", medicine.dump());
  REQUIRE(r.status == 201);
  CHECK(kabul_minute(json::parse(r.body)) == 7 * 60);
}

TEST_CASE("console: a health worker enrols a patient, sees the next reminder and ends it, other clinics see nothing",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_worker(config, "fatima", "golshahr", 0);
  make_worker(config, "zahra", "central", 1);
  make_user(config, {"--name", "Omid", "--role", "operator", "--login", "omid"}, "river-lamp-seven\n");
  server_process srv(config);
  const auto fatima = log_in(srv.port(), "fatima", "river-lamp-seven");
  const json medicine{{"phone", "0700 000 321"}, {"kind", "medicine"}, {"time", "08:00"}, {"language", "prs"},
                      {"channel", "console"}};
  auto r = fatima.call("POST", "/api/v1/enrolments", medicine.dump());
  INFO(r.body);
  REQUIRE(r.status == 201);
  const auto made = json::parse(r.body);
  CHECK(made["kind"] == "medicine");
  CHECK(made["time"] == "08:00");
  CHECK(made["time_zone"] == "Asia/Kabul");
  REQUIRE(made.contains("next_at"));
  CHECK(made["next_at"].get<long long>() > 0);
  CHECK(made["worker"]["name"] == "fatima");
  CHECK(scalar(dir, "SELECT actor FROM audit_log WHERE action = 'enrolments.create'") == "user:1");
  CHECK(scalar(dir, "SELECT language FROM contacts WHERE phone = '+93700000321'") == "prs");
  // Six months on, the phone is asked whether the reminders are still wanted on it (R-S13).
  CHECK(scalar(dir, "SELECT COUNT(*) FROM jobs WHERE kind = 'flow.start' AND payload LIKE '%\"still_wanted\"%'"
                    " AND due_at > " + std::to_string(made["next_at"].get<long long>() + 170LL * 86'400'000)) == "1");

  // The same reminders again (a double click, a retry) are refused; a second medicine at another time is not.
  r = fatima.call("POST", "/api/v1/enrolments", medicine.dump());
  CHECK(r.status == 409);
  CHECK(json::parse(r.body)["error"]["code"] == "already_enrolled");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM series") == "1");
  auto evening = medicine;
  evening["time"] = "20:00";
  r = fatima.call("POST", "/api/v1/enrolments", evening.dump());
  REQUIRE(r.status == 201);

  const auto listed = json::parse(fatima.call("GET", "/api/v1/enrolments?phone=%2B93700000321").body);
  REQUIRE(listed["items"].size() == 2);
  CHECK(listed["items"][0]["id"] == made["id"]);
  // Another clinic's worker sees no reminders for the number, and cannot end them.
  const auto zahra = log_in_next(srv.port(), "zahra", "river-lamp-seven");
  CHECK(json::parse(zahra.call("GET", "/api/v1/enrolments?phone=%2B93700000321").body)["items"].empty());
  const std::string end = "/api/v1/enrolments/" + std::to_string(made["id"].get<long long>()) + "/end";
  CHECK(zahra.call("POST", end, json{{"reason", "completed"}}.dump()).status == 404);

  // Bad input is refused naming the field, and nothing is enrolled.
  for (const auto& [body, field] : std::vector<std::pair<json, std::string>>{
           {{{"phone", "12"}, {"kind", "medicine"}, {"time", "08:00"}}, "phone"},
           {{{"phone", "+93700000322"}, {"kind", "vitamins"}}, "kind"},
           {{{"phone", "+93700000322"}, {"kind", "medicine"}, {"time", "25:00"}}, "time"},
           {{{"phone", "+93700000322"}, {"kind", "pregnancy"}, {"lmp", "2099-01-01"}}, "lmp"},
           {{{"phone", "+93700000322"}, {"kind", "medicine"}, {"time", "08:00"}, {"language", "xx"}}, "language"}}) {
    INFO(body.dump());
    r = fatima.call("POST", "/api/v1/enrolments", body.dump());
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["error"]["field"] == field);
  }
  CHECK(scalar(dir, "SELECT COUNT(*) FROM series") == "2");  // morning and evening: none from bad input

  // An operator enrols for a named worker; pregnancy care from a Solar Hijri date in Persian digits.
  const auto omid = log_in_next(srv.port(), "omid", "river-lamp-seven");
  r = omid.call("POST", "/api/v1/enrolments",
                json{{"phone", "+93700000323"}, {"kind", "pregnancy"}, {"lmp", "۱۴۰۵/۷/۱"}, {"channel", "console"}}.dump());
  CHECK(r.status == 400);
  CHECK(json::parse(r.body)["error"]["field"] == "worker");
  r = omid.call("POST", "/api/v1/enrolments",
                json{{"phone", "+93700000323"}, {"kind", "pregnancy"}, {"lmp", "۱۴۰۵/۷/۱"}, {"channel", "console"}, {"worker", "1"}}
                    .dump());
  INFO(r.body);
  REQUIRE(r.status == 201);
  const auto pregnancy = json::parse(r.body);
  CHECK(pregnancy["kind"] == "pregnancy");
  CHECK(pregnancy["worker"]["id"] == 1);
  // R-H5: as by the menu, with the danger-sign text of the odd weeks 29 to 39 between the visits.
  CHECK(scalar(dir, "SELECT template FROM series WHERE id = " + std::to_string(pregnancy["id"].get<long long>())) ==
        "health.danger_signs");
  // One pregnancy series at a time, whatever the date given.
  r = omid.call("POST", "/api/v1/enrolments",
                json{{"phone", "+93700000323"}, {"kind", "pregnancy"}, {"lmp", "۱۴۰۵/۷/۸"}, {"channel", "console"}, {"worker", "1"}}
                    .dump());
  CHECK(json::parse(r.body)["error"]["code"] == "already_enrolled");

  // Ending after a loss: one message written for it, and nothing more of the programme queued.
  r = fatima.call("POST", "/api/v1/enrolments/" + std::to_string(pregnancy["id"].get<long long>()) + "/end",
                  json{{"reason", "loss"}}.dump());
  CHECK(r.status == 200);
  CHECK(json::parse(fatima.call("GET", "/api/v1/enrolments?phone=%2B93700000323").body)["items"].empty());
  CHECK(scalar(dir, "SELECT COUNT(*) FROM audit_log WHERE action = 'enrolments.end'") == "1");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM jobs WHERE kind = 'flow.start' AND payload LIKE '%\"loss\"%'") == "1");
  CHECK(fatima.call("POST", end, json{{"reason", "finished"}}.dump()).status == 400);
  CHECK(fatima.call("POST", end, json{{"reason", "completed"}}.dump()).status == 200);
  CHECK(fatima.call("POST", end, json{{"reason", "completed"}}.dump()).status == 404);  // already ended
  // Only that enrolment ended: the evening medicine goes on.
  const auto left = json::parse(fatima.call("GET", "/api/v1/enrolments?phone=%2B93700000321").body)["items"];
  REQUIRE(left.size() == 1);
  CHECK(left[0]["time"] == "20:00");

  // A weekly check-in (R-H3): Mondays at 10:00 on the patient's clock; one at a time.
  const json checkin{{"phone", "0700 000 324"}, {"kind", "checkin"}, {"channel", "console"}};
  r = fatima.call("POST", "/api/v1/enrolments", checkin.dump());
  REQUIRE(r.status == 201);
  const auto weekly = json::parse(r.body);
  CHECK(weekly["kind"] == "checkin");
  CHECK(weekly["time"] == "10:00");
  // A Monday in Kabul (UTC+4:30); 1970-01-01 was a Thursday.
  const long long local_days = (weekly["next_at"].get<long long>() + 16'200'000LL) / 86'400'000;
  CHECK((local_days + 3) % 7 == 0);
  CHECK(fatima.call("POST", "/api/v1/enrolments", checkin.dump()).status == 409);

  // The patient asked to stop (R-H4): her remaining enrolment ends, and it is her own stop of
  // the programme, as 11 would be: she is not enrolled again until she sends 12.
  const std::string evening_end =
      "/api/v1/enrolments/" + std::to_string(left[0]["id"].get<long long>()) + "/end";
  r = fatima.call("POST", evening_end, json{{"reason", "opted_out"}}.dump());
  INFO(r.body);
  CHECK(r.status == 200);
  CHECK(json::parse(fatima.call("GET", "/api/v1/enrolments?phone=%2B93700000321").body)["items"]
            .empty());
  CHECK(scalar(dir,
               "SELECT COUNT(*) FROM contact_optouts o JOIN contacts c ON c.id = o.contact_id"
               " WHERE c.phone = '+93700000321' AND o.programme = 'health'") == "1");
  r = fatima.call("POST", "/api/v1/enrolments", medicine.dump());
  CHECK(r.status == 409);
  CHECK(json::parse(r.body)["error"]["code"] == "stopped");
}

namespace {

// A day (days since 1970-01-01) as 2026-12-01.
std::string iso_day(long long day) {
  const auto secs = static_cast<std::time_t>(day * 86'400);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char out[16];
  std::strftime(out, sizeof out, "%Y-%m-%d", &tm);
  return out;
}

// The UTC calendar day `days` from now.
std::string day_from_now(int days) { return iso_day(std::time(nullptr) / 86'400 + days); }

}  // namespace

TEST_CASE("console: a health worker enrols a patient for medicine refills, asked the day before each, one at a time",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_worker(config, "fatima", "golshahr", 0);
  server_process srv(config);
  const auto fatima = log_in(srv.port(), "fatima", "river-lamp-seven");
  // Days are the patient's: today in Kabul (UTC+4:30), where a +93 number is.
  constexpr long long kabul_offset = 16'200'000;
  const long long kabul_today = (static_cast<long long>(std::time(nullptr)) * 1000 + kabul_offset) / 86'400'000;
  const auto kabul_day = [&](long long days) { return iso_day(kabul_today + days); };
  const auto asked_on = [&](long long day) { return day * 86'400'000 + 10 * 3'600'000 - kabul_offset; };  // 10:00
  json body{{"phone", "0700 000 341"}, {"kind", "refill"}, {"channel", "console"}};
  // The day it is due and the days it lasts are checked, refill fields go with a refill only, and
  // nothing is kept of a refusal.
  for (const auto& [field, value, code] :
       std::vector<std::tuple<std::string, json, std::string>>{{"refill_date", kabul_day(-1), "invalid_date"},
                                                               {"refill_date", kabul_day(181), "invalid_date"},
                                                               {"refill_date", "soon", "invalid_date"},
                                                               {"every_days", 6, "invalid_value"},
                                                               {"every_days", 181, "invalid_value"},
                                                               {"every_days", "30", "wrong_type"},
                                                               {"every_days", 30.5, "wrong_type"},
                                                               {"kind", "medicine", "invalid_value"}}) {
    auto bad = body;
    bad["refill_date"] = kabul_day(10);
    if (field == "kind") bad["time"] = "08:00";
    bad[field] = value;
    const auto r = fatima.call("POST", "/api/v1/enrolments", bad.dump());
    INFO(field << " " << value.dump() << ": " << r.body);
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["error"]["code"] == code);
    CHECK(json::parse(r.body)["error"]["field"] == (field == "kind" ? "refill_date" : field));
  }
  CHECK(scalar(dir, "SELECT COUNT(*) FROM series") == "0");

  // Ten days ahead, every 60 days: the first reminder the day before, 10:00 in Kabul.
  body["refill_date"] = kabul_day(10);
  body["every_days"] = 60;
  auto r = fatima.call("POST", "/api/v1/enrolments", body.dump());
  INFO(r.body);
  REQUIRE(r.status == 201);
  const auto made = json::parse(r.body);
  CHECK(made["kind"] == "refill");
  CHECK(made["every_days"] == 60);
  CHECK(made["time"] == "10:00");
  CHECK(made["next_at"].get<long long>() == asked_on(kabul_today + 9));
  CHECK(scalar(dir, "SELECT every_days FROM series") == "60");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM jobs WHERE kind = 'series.due'") == "1");
  // A month's supply when the days are not given; a second refill series is refused.
  body.erase("every_days");
  r = fatima.call("POST", "/api/v1/enrolments", body.dump());
  CHECK(r.status == 409);
  CHECK(json::parse(r.body)["error"]["code"] == "already_enrolled");
  // 180 days ahead is the furthest.
  body["phone"] = "0700 000 342";
  body["refill_date"] = kabul_day(180);
  r = fatima.call("POST", "/api/v1/enrolments", body.dump());
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["every_days"] == 30);
  CHECK(json::parse(r.body)["next_at"].get<long long>() == asked_on(kabul_today + 179));
  // Refilled today: the next is a cycle on. Tomorrow: asked before it, never a cycle later.
  body["phone"] = "0700 000 343";
  body["refill_date"] = kabul_day(0);
  r = fatima.call("POST", "/api/v1/enrolments", body.dump());
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["next_at"].get<long long>() == asked_on(kabul_today + 29));
  body["phone"] = "0700 000 344";
  body["refill_date"] = kabul_day(1);
  r = fatima.call("POST", "/api/v1/enrolments", body.dump());
  REQUIRE(r.status == 201);
  CHECK(json::parse(r.body)["next_at"].get<long long>() <= asked_on(kabul_today + 1));
}

TEST_CASE("console: a health worker records consent and a shared phone, and pauses reminders until a day",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_worker(config, "fatima", "golshahr", 0);
  make_worker(config, "zahra", "central", 1);
  make_user(config, {"--name", "Omid", "--role", "operator", "--login", "omid"}, "river-lamp-seven\n");
  server_process srv(config);
  const auto fatima = log_in(srv.port(), "fatima", "river-lamp-seven");
  json body{{"phone", "0700 000 331"}, {"kind", "medicine"}, {"time", "08:00"}, {"channel", "console"},
            {"shared_phone", "maybe"}, {"consent_via", "in_person"}};
  auto r = fatima.call("POST", "/api/v1/enrolments", body.dump());
  CHECK(r.status == 400);
  CHECK(json::parse(r.body)["error"]["field"] == "shared_phone");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM series") == "0");
  body["shared_phone"] = "yes";
  r = fatima.call("POST", "/api/v1/enrolments", body.dump());
  REQUIRE(r.status == 201);
  const auto made = json::parse(r.body);
  const std::string path = "/api/v1/enrolments/" + std::to_string(made["id"].get<long long>());

  // The operator reads what was recorded: the phone is shared, and who took the consent, how.
  const auto omid = log_in_next(srv.port(), "omid", "river-lamp-seven");
  auto who = json::parse(omid.call("GET", "/api/v1/contacts?phone=%2B93700000331").body);
  CHECK(who["shared_phone"] == "yes");
  CHECK(who["phone_recorded_by"] == "user:1");  // fatima, with the enrolment
  CHECK(who["phone_recorded_at"].get<long long>() > 0);
  REQUIRE(who["consents"].size() == 1);
  CHECK(who["consents"][0]["programme"] == "health");
  CHECK(who["consents"][0]["via"] == "in_person");
  CHECK(who["consents"][0]["recorded_by"] == "user:1");
  // An operator records another consent by phone call; a programme nobody runs is refused.
  r = omid.call("POST", "/api/v1/contacts",
                json{{"phone", "+93700000331"}, {"consent", "astrology"}, {"consent_via", "phone_call"}}.dump());
  CHECK(json::parse(r.body)["error"]["field"] == "consent");
  r = omid.call("POST", "/api/v1/contacts", json{{"phone", "+93700000331"}, {"consent", "health"}}.dump());
  CHECK(json::parse(r.body)["error"]["field"] == "consent_via");  // a consent says how it was given
  r = omid.call("POST", "/api/v1/contacts", json{{"phone", "+93700000331"}, {"name", "Sima\u202e"}}.dump());
  CHECK(json::parse(r.body)["error"]["field"] == "name");  // a mark that would reorder what follows
  r = omid.call("POST", "/api/v1/contacts", json{{"phone", "+93700000331"}, {"name", "Sima Karimi"}}.dump());
  REQUIRE(r.status == 200);
  const auto found = json::parse(omid.call("GET", "/api/v1/contacts?name=karimi").body)["items"];
  REQUIRE(found.size() == 1);
  CHECK(found[0]["phone"] == "+93700000331");
  CHECK(omid.call("GET", "/api/v1/contacts?name=k").status == 400);
  CHECK(omid.call("GET", "/api/v1/contacts?name=karimi&phone=0700000331").status == 400);
  CHECK(fatima.call("GET", "/api/v1/contacts?name=karimi").status == 403);
  r = omid.call("POST", "/api/v1/contacts",
                json{{"phone", "+93700000331"}, {"consent", "mine_safety"}, {"consent_via", "phone_call"},
                     {"shared_phone", "no"}}
                    .dump());
  REQUIRE(r.status == 200);
  who = json::parse(r.body);
  CHECK(who["shared_phone"] == "no");
  CHECK(who["explicit_texts"] == false);
  CHECK(who["phone_recorded_by"] == "user:3");  // omid now
  // A person nobody asked about their phone has no recorder.
  r = omid.call("POST", "/api/v1/contacts", json{{"phone", "+93700000332"}, {"name", "Nobody Asked"}}.dump());
  REQUIRE(r.status == 201);  // made
  CHECK_FALSE(json::parse(r.body).contains("phone_recorded_by"));
  CHECK(who["consents"].size() == 2);
  // The audit log says what each call recorded, and nothing it did not.
  CHECK(scalar(dir, "SELECT detail FROM audit_log WHERE action = 'enrolments.create'") ==
        R"({"consent":"health","consent_via":"in_person","explicit_texts":false,"kind":"medicine","shared_phone":"yes","worker":1})");
  const auto newest_update = scalar(dir, "SELECT detail FROM audit_log WHERE action = 'contacts.update' ORDER BY id DESC");
  CHECK(json::parse(newest_update)["consent_via"] == "phone_call");
  // Texts that name the care: only for a phone nobody else reads (R-S11), asked together with
  // it (even a false alone is refused), and a later answer but "no" turns them off.
  for (const auto& answer : {json("yes"), json("unknown"), json()}) {
    json asked{{"phone", "+93700000331"}, {"explicit_texts", answer.is_null() ? false : true}};
    if (!answer.is_null()) asked["shared_phone"] = answer;
    r = omid.call("POST", "/api/v1/contacts", asked.dump());
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["error"]["field"] == "explicit_texts");
  }
  r = omid.call("POST", "/api/v1/contacts",
                json{{"phone", "+93700000331"}, {"shared_phone", "no"}, {"explicit_texts", true}}.dump());
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["explicit_texts"] == true);
  r = omid.call("POST", "/api/v1/contacts", json{{"phone", "+93700000331"}, {"shared_phone", "unknown"}}.dump());
  CHECK(json::parse(r.body)["explicit_texts"] == false);
  CHECK(json::parse(r.body)["shared_phone"] == "unknown");

  // Paused until a day: no next reminder before it; days past, today and beyond 180 days refused.
  for (const std::string& until : {day_from_now(-3), day_from_now(0), day_from_now(200), std::string("tomorrow")}) {
    INFO(until);
    r = fatima.call("POST", path + "/pause", json{{"until", until}}.dump());
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["error"]["field"] == "until");
  }
  const auto zahra = log_in_next(srv.port(), "zahra", "river-lamp-seven");
  CHECK(zahra.call("POST", path + "/pause", json{{"until", day_from_now(10)}}.dump()).status == 404);
  {
    // Tonight's reminder, held for the patient's morning: pausing stops it too.
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(10'000);
    db.exec("INSERT INTO outbound_messages (channel_id, contact_id, to_phone, body, priority, status, next_at, created_at,"
            " updated_at, programme, series_id) SELECT channel_id, contact_id, '+93700000331', 'Reminder', 1, 'queued',"
            " 4102444800000, 0, 0, 'health', id FROM series WHERE id = 1");
  }
  r = fatima.call("POST", path + "/pause", json{{"until", day_from_now(10)}}.dump());
  REQUIRE(r.status == 200);
  CHECK(scalar(dir, "SELECT status || ':' || error FROM outbound_messages WHERE series_id = 1") ==
        "cancelled:reminders paused");
  const auto paused = json::parse(r.body);
  REQUIRE(paused.contains("paused_until"));
  CHECK(paused["next_at"].get<long long>() >= paused["paused_until"].get<long long>());
  CHECK(paused["next_at"].get<long long>() > made["next_at"].get<long long>() + 8LL * 86'400'000);
  r = fatima.call("POST", path + "/resume", "{}");
  REQUIRE(r.status == 200);
  CHECK_FALSE(json::parse(r.body).contains("paused_until"));
  CHECK(json::parse(r.body)["next_at"] == made["next_at"]);
  // The patient stops every message: the enrolment says so and promises no next reminder
  // (it runs on, skipped, until they send 12). START: the next one again.
  REQUIRE(http_call(srv.port(), "POST", "/channels/at/sms", "from=%2B93700000331&text=STOP%20ALL&id=p331").status == 200);
  auto listed = json::parse(fatima.call("GET", "/api/v1/enrolments?phone=0700000331").body)["items"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["stopped"] == true);
  CHECK_FALSE(listed[0].contains("next_at"));
  REQUIRE(http_call(srv.port(), "POST", "/channels/at/sms", "from=%2B93700000331&text=START&id=p332").status == 200);
  listed = json::parse(fatima.call("GET", "/api/v1/enrolments?phone=0700000331").body)["items"];
  CHECK_FALSE(listed[0].contains("stopped"));
  CHECK(listed[0]["next_at"] == made["next_at"]);
  CHECK(scalar(dir, "SELECT group_concat(action, ' ') FROM audit_log WHERE target = 'series:1'") ==
        "enrolments.create enrolments.pause enrolments.resume");
}

TEST_CASE("console: reception books a free window for a patient, never above capacity, and marks the visit",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_worker(config, "fatima", "golshahr", 0);
  make_worker(config, "zahra", "central", 1);
  server_process srv(config);
  const auto fatima = log_in(srv.port(), "fatima", "river-lamp-seven");
  const auto clinics = json::parse(fatima.call("GET", "/api/v1/clinics").body)["items"];
  REQUIRE(clinics.size() == 1);  // her own only
  CHECK(clinics[0]["id"] == "golshahr");
  CHECK(fatima.call("GET", "/api/v1/slots?clinic=central&service=general").status == 403);
  CHECK(fatima.call("GET", "/api/v1/slots?service=surgery").status == 400);
  const auto slots = json::parse(fatima.call("GET", "/api/v1/slots?service=general").body);
  REQUIRE_FALSE(slots["items"].empty());
  const auto first = slots["items"][0];
  CHECK(first["time"] == "08:00");

  {
    // The first of them missed their last two general visits: booking alone would wait for a
    // health worker's call (R-B7); reception booking for them is that call.
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(10'000);
    db.exec("INSERT INTO contacts (phone, created_at, updated_at) VALUES ('+93700001100', 0, 0)");
    db.exec("INSERT INTO bookings (contact_id, channel_id, clinic, service, day, window_from, window_to, starts_at, code,"
            " status, created_at, updated_at) SELECT id, 'console', 'golshahr', 'general', 20000 + n, 480, 600,"
            " (20000 + n) * 86400000, '100' || n, 'missed', 0, 0 FROM contacts, (SELECT 1 AS n UNION SELECT 2)"
            " WHERE phone = '+93700001100'");
  }
  // The 08:00 window takes 10 people: the 11th is refused and offered nothing in its place.
  std::string booked_id, booked_code;
  for (int i = 0; i < 11; ++i) {
    const json body{{"phone", "+9370000" + std::to_string(1100 + i)}, {"service", "general"}, {"day", first["day"]},
                    {"time", "08:00"}, {"channel", "console"}};
    const auto r = fatima.call("POST", "/api/v1/appointments", body.dump());
    INFO(i << " " << r.body);
    if (i < 10) {
      REQUIRE(r.status == 201);
      const auto b = json::parse(r.body);
      CHECK(b["status"] == "booked");
      CHECK(b["code"].get<std::string>().size() == 4);
      if (i == 0) {
        booked_id = std::to_string(b["id"].get<long long>());
        booked_code = b["code"];
      }
    } else {
      CHECK(r.status == 409);
      CHECK(code_of(r) == "full");
    }
  }
  {
    // The first person's visit asked for again (a second click, a retry): refused with its
    // code, never booked twice (R-U13).
    const json again{{"phone", "+93700001100"}, {"service", "general"}, {"day", first["day"]},
                     {"time", "08:00"}, {"channel", "console"}};
    const auto r = fatima.call("POST", "/api/v1/appointments", again.dump());
    CHECK(r.status == 409);
    CHECK(code_of(r) == "already_booked");
    CHECK(r.body.find("code " + booked_code) != std::string::npos);
  }
  CHECK(scalar(dir, "SELECT COUNT(*) FROM bookings WHERE status = 'booked'") == "10");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM audit_log WHERE action = 'appointments.book'") == "10");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM escalations") == "0");  // nobody left to call
  // Each person gets their confirmation by SMS (the booking flow sends it, within a tick).
  for (int i = 0; i < 50 && scalar(dir, "SELECT COUNT(DISTINCT to_phone) FROM outbound_messages") != "10"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(scalar(dir, "SELECT COUNT(DISTINCT to_phone) FROM outbound_messages") == "10");
  const auto later = json::parse(fatima.call("GET", "/api/v1/slots?service=general").body);
  CHECK(later["items"][0]["time"] != "08:00");

  // Reception's list for that day, and a visit marked.
  {
    // The day-before reminder went unanswered for one visit (the flow records it as it asks;
    // tests/fixtures/golden/appointments_limits_dari.txt), and another said they will come.
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(10'000);
    db.exec("UPDATE bookings SET reminder_answer = 'none' WHERE id = " + booked_id);
    db.exec("UPDATE bookings SET reminder_answer = 'coming' WHERE id = (SELECT MAX(id) FROM bookings)");
  }
  const auto day = json::parse(fatima.call("GET", "/api/v1/appointments?day=" + first["day"].get<std::string>()).body);
  CHECK(day["items"].size() == 10);
  CHECK(day["items"][0]["phone"] == "+93700001100");
  CHECK(day["items"][0]["reminder_answer"] == "none");  // unconfirmed (R-H3)
  int coming = 0, unanswered = 0;
  for (const auto& v : day["items"]) {
    coming += v.value("reminder_answer", "") == "coming" ? 1 : 0;
    unanswered += v.contains("reminder_answer") ? 0 : 1;  // asked nothing yet: no field
  }
  CHECK(coming == 1);
  CHECK(unanswered == 8);
  const std::string mark = "/api/v1/appointments/" + booked_id + "/mark";
  auto r = fatima.call("POST", mark, json{{"as", "attended"}}.dump());
  CHECK(r.status == 200);
  CHECK(json::parse(r.body)["status"] == "attended");
  CHECK(fatima.call("POST", mark, json{{"as", "cancelled"}}.dump()).status == 409);
  CHECK(fatima.call("POST", mark, json{{"as", "gone"}}.dump()).status == 400);
  // A visit still ahead cannot be missed yet (it would put the person on the call list).
  r = fatima.call("POST", "/api/v1/appointments/" + std::to_string(day["items"][1]["id"].get<long long>()) + "/mark",
                  json{{"as", "missed"}}.dump());
  CHECK(code_of(r) == "not_now");
  // Another clinic's worker neither sees nor marks it.
  const auto zahra = log_in_next(srv.port(), "zahra", "river-lamp-seven");
  CHECK(zahra.call("POST", mark, json{{"as", "missed"}}.dump()).status == 404);
  CHECK(zahra.call("GET", "/api/v1/appointments?clinic=golshahr").status == 403);
  // Bad input names its field and books nothing.
  r = fatima.call("POST", "/api/v1/appointments",
                  json{{"phone", "+93700001200"}, {"service", "general"}, {"day", "2020-01-01"}, {"time", "08:00"},
                       {"channel", "console"}}
                      .dump());
  CHECK(r.status == 400);
  CHECK(json::parse(r.body)["error"]["field"] == "day");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM bookings WHERE status <> 'missed'") == "10");

  // A visit moved to the next free window: booked there with its code by SMS, the old place freed.
  const auto second = day["items"][1];
  const std::string move = "/api/v1/appointments/" + std::to_string(second["id"].get<long long>()) + "/move";
  const auto target = later["items"][0];
  CHECK(zahra.call("POST", move, json{{"day", target["day"]}, {"time", target["time"]}}.dump()).status == 404);
  r = fatima.call("POST", move, json{{"day", target["day"]}, {"time", "03:00"}}.dump());
  CHECK(r.status == 400);  // no window then: nothing changes
  CHECK(scalar(dir, "SELECT status FROM bookings WHERE id = " + std::to_string(second["id"].get<long long>())) ==
        "booked");
  r = fatima.call("POST", move, json{{"day", target["day"]}, {"time", target["time"]}}.dump());
  INFO(r.body);
  REQUIRE(r.status == 201);
  const auto moved = json::parse(r.body);
  CHECK(moved["phone"] == second["phone"]);
  CHECK(moved["time"].get<std::string>().rfind(target["time"].get<std::string>(), 0) == 0);  // "10:00-12:00"
  CHECK(scalar(dir, "SELECT status FROM bookings WHERE id = " + std::to_string(second["id"].get<long long>())) ==
        "cancelled");
  CHECK(fatima.call("POST", move, json{{"day", target["day"]}, {"time", target["time"]}}.dump()).status == 409);
  CHECK(json::parse(fatima.call("GET", "/api/v1/slots?service=general").body)["items"][0]["time"] == "08:00");
  CHECK(scalar(dir, "SELECT detail FROM audit_log WHERE action = 'appointments.move'") ==
        R"({"clinic":"golshahr","replaces":")" + std::to_string(second["id"].get<long long>()) + R"("})");

  // The clinic cancels a visit (R-B5): its place is free again, and the person is told by SMS,
  // with other days to choose from (tests/fixtures/golden/appointments_clinic_cancels_dari.txt).
  const auto third = day["items"][2];
  const std::string to = "'" + third["phone"].get<std::string>() + "'";
  const std::string told = "SELECT COUNT(*) FROM outbound_messages WHERE to_phone = " + to;
  const std::string before = scalar(dir, told);
  r = fatima.call("POST", "/api/v1/appointments/" + std::to_string(third["id"].get<long long>()) + "/mark",
                  json{{"as", "cancelled"}}.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["status"] == "cancelled");
  CHECK(json::parse(r.body)["sms"] == "queued");
  for (int i = 0; i < 50 && scalar(dir, told) == before; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(std::stoi(scalar(dir, told)) == std::stoi(before) + 1);
  CHECK(scalar(dir, "SELECT body FROM outbound_messages WHERE to_phone = " + to +
                        " ORDER BY id DESC LIMIT 1")
            .find("cancelled the visit") != std::string::npos);

  // The clinic closes for that whole day (an emergency): only with "confirm", as it cancels
  // every visit still booked then, each person told; nobody can book the day until it reopens.
  const std::string the_day = first["day"].get<std::string>();
  const std::string booked_then = "SELECT COUNT(*) FROM bookings WHERE status = 'booked' AND day = " +
                                  scalar(dir, "SELECT day FROM bookings WHERE id = " + booked_id);
  const int still_booked = std::stoi(scalar(dir, booked_then));
  REQUIRE(still_booked > 0);
  const std::string close = "/api/v1/clinics/golshahr/close";
  r = fatima.call("POST", close, json{{"day", the_day}}.dump());
  CHECK(r.status == 409);
  CHECK(code_of(r) == "confirm_needed");
  CHECK(r.body.find(std::to_string(still_booked) + " visit(s)") != std::string::npos);
  CHECK(zahra.call("POST", close, json{{"day", the_day}, {"confirm", true}}.dump()).status == 403);  // not her clinic
  CHECK(fatima.call("POST", close, json{{"day", "2020-01-01"}, {"confirm", true}}.dump()).status == 400);
  r = fatima.call("POST", close, json{{"day", the_day}, {"confirm", true}}.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["cancelled"] == still_booked);
  CHECK(json::parse(r.body)["not_told"].empty());
  CHECK(scalar(dir, booked_then) == "0");
  CHECK(code_of(fatima.call("POST", close, json{{"day", the_day}, {"confirm", true}}.dump())) == "already_closed");
  CHECK(json::parse(fatima.call("GET", "/api/v1/clinics").body)["items"][0]["closed"] == json::array({the_day}));
  const auto offered_days = [&] {
    std::set<std::string> out;
    const auto slots = json::parse(fatima.call("GET", "/api/v1/slots?service=general").body);
    for (const auto& w : slots["items"]) out.insert(w["day"].get<std::string>());
    return out;
  };
  CHECK(offered_days().count(the_day) == 0);
  r = fatima.call("POST", "/api/v1/appointments",
                  json{{"phone", "+93700001300"}, {"service", "general"}, {"day", the_day}, {"time", "08:00"},
                       {"channel", "console"}, {"consent_via", "in_person"}}
                      .dump());
  CHECK(code_of(r) == "full");  // not bookable that day: another from /api/v1/slots
  CHECK(scalar(dir, "SELECT COUNT(*) FROM audit_log WHERE action = 'clinics.close'") == "1");
  // Opened again: bookable, and the visits cancelled stay cancelled (their people were told).
  CHECK(fatima.call("POST", "/api/v1/clinics/golshahr/reopen", json{{"day", the_day}}.dump()).status == 200);
  CHECK(offered_days().count(the_day) == 1);
  CHECK(scalar(dir, booked_then) == "0");
  CHECK(code_of(fatima.call("POST", "/api/v1/clinics/golshahr/reopen", json{{"day", the_day}}.dump())) == "not_closed");
}

TEST_CASE("console: reception changes the clinic's week, bookings follow it at once, visits booked stay, and it "
          "goes back to the clinics file's",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_worker(config, "fatima", "golshahr", 0);
  make_worker(config, "zahra", "central", 1);
  server_process srv(config);
  const auto fatima = log_in(srv.port(), "fatima", "river-lamp-seven");
  const auto zahra = log_in(srv.port(), "zahra", "river-lamp-seven");
  const auto golshahr = [&] { return json::parse(fatima.call("GET", "/api/v1/clinics").body)["items"][0]; };
  // The clinics file's week (config/clinics.yaml): six days, three windows.
  CHECK(golshahr()["open"] == json::array({"sat", "sun", "mon", "tue", "wed", "thu"}));
  CHECK(golshahr()["windows"].size() == 3);
  CHECK_FALSE(golshahr().contains("hours"));
  const auto slots = json::parse(fatima.call("GET", "/api/v1/slots?service=general").body)["items"];
  REQUIRE_FALSE(slots.empty());
  const std::string day = slots[0]["day"];
  const auto book = [&](const std::string& phone, const std::string& time) {
    return fatima.call("POST", "/api/v1/appointments",
                       json{{"phone", phone}, {"service", "general"}, {"day", day}, {"time", time},
                            {"channel", "console"}, {"consent_via", "in_person"}}
                           .dump());
  };
  auto r = book("+93700001400", "14:00");
  REQUIRE(r.status == 201);
  const auto afternoon_visit = json::parse(r.body)["id"];

  // Mornings only, one person a window, every day but Friday: the 14:00 visit booked has no
  // window then, so the change needs confirming, and the visit stays booked.
  const std::string hours = "/api/v1/clinics/golshahr/hours";
  const json mornings{{"open", {"sat", "sun", "mon", "tue", "wed", "thu"}},
                      {"windows", {{{"from", "08:00"}, {"to", "09:00"}, {"capacity", 1}}}}};
  r = fatima.call("PUT", hours, mornings.dump());
  CHECK(r.status == 409);
  CHECK(code_of(r) == "confirm_needed");
  CHECK(r.body.find("1 visit(s)") != std::string::npos);
  CHECK(golshahr()["windows"].size() == 3);  // nothing changed
  json confirmed = mornings;
  confirmed["confirm"] = true;
  CHECK(zahra.call("PUT", hours, confirmed.dump()).status == 403);  // not her clinic
  r = fatima.call("PUT", hours, confirmed.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["outside"].size() == 1);
  CHECK(json::parse(r.body)["outside"][0]["id"] == afternoon_visit);
  CHECK(json::parse(fatima.call("PUT", hours, mornings.dump()).body)["error"]["count"] == 1);  // as the page says it
  CHECK(scalar(dir, "SELECT status FROM bookings WHERE id = " + afternoon_visit.dump()) == "booked");
  const auto now = golshahr();
  CHECK(now["windows"] == json::array({{{"from", "08:00"}, {"to", "09:00"}, {"capacity", 1}, {"kept", 0}}}));
  CHECK(now["hours"]["changed_by"] == "user:1");  // Fatima, as the audit log names her

  // Booking follows at once: only 08:00 is offered, and it takes one person.
  const auto offered = json::parse(fatima.call("GET", "/api/v1/slots?service=general").body)["items"];
  REQUIRE_FALSE(offered.empty());
  for (const auto& w : offered) CHECK(w["time"] == "08:00");
  CHECK(code_of(book("+93700001401", "10:00")) == "not_bookable");  // no such window now
  CHECK(book("+93700001402", "08:00").status == 201);
  CHECK(code_of(book("+93700001403", "08:00")) == "full");  // capacity 1
  // The day whose one place is taken is offered no more (as the booking menu offers days).
  const auto after = json::parse(fatima.call("GET", "/api/v1/slots?service=general").body)["items"];
  CHECK(std::none_of(after.begin(), after.end(), [&](const json& w) { return w["day"] == day; }));

  // Bad hours are refused, naming what to fix, and change nothing.
  const auto refused = [&](const json& body, const std::string& says) {
    const auto bad = fatima.call("PUT", hours, body.dump());
    INFO(bad.body);
    CHECK(bad.status == 400);
    CHECK(bad.body.find(says) != std::string::npos);
  };
  refused({{"open", {"saturday"}}, {"windows", mornings["windows"]}}, "is not a weekday");
  refused({{"open", json::array()}, {"windows", mornings["windows"]}}, "the weekdays the clinic opens");
  refused({{"open", {"sat"}}, {"windows", {{{"from", "10:00"}, {"to", "09:00"}, {"capacity", 3}}}}}, "to a later one");
  refused({{"open", {"sat"}},
           {"windows", {{{"from", "08:00"}, {"to", "10:00"}, {"capacity", 3}}, {{"from", "09:00"}, {"to", "11:00"}, {"capacity", 3}}}}},
          "must not overlap");
  refused({{"open", {"sat"}}, {"windows", {{{"from", "08:00"}, {"to", "10:00"}, {"capacity", 2}, {"kept", 3}}}}},
          "more than the window's capacity");
  refused({{"open", {"sat"}}, {"windows", {{{"from", "08:00"}, {"to", "10:00"}}}}}, "a window's capacity is how many");
  refused({{"open", {"sat"}}, {"windows", {{{"from", "08:00"}, {"to", "10:00"}, {"capacity", 2}, {"keep", 1}}}}},
          "unknown key 'keep'");
  refused({{"open", {"sat"}}, {"windows", {"08:00-10:00"}}}, "an array of objects");
  CHECK(golshahr()["windows"] == now["windows"]);

  // Open on Fridays only, the 08:00 window split in two: neither visit has a place as it was
  // (a visit in a window now ending otherwise counts in neither half), and both are listed.
  const json split{{"open", {"fri"}},
                   {"windows", {{{"from", "08:00"}, {"to", "08:30"}, {"capacity", 1}}, {{"from", "08:30"}, {"to", "09:00"}, {"capacity", 1}}}},
                   {"confirm", true}};
  r = fatima.call("PUT", hours, split.dump());
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["outside"].size() == 2);  // 08:00 and 14:00
  CHECK(golshahr()["open"] == json::array({"fri"}));
  const auto fridays = json::parse(fatima.call("GET", "/api/v1/slots?service=general").body)["items"];
  REQUIRE_FALSE(fridays.empty());
  CHECK(fridays[0]["time"] == "08:00");
  for (const auto& w : fridays) {
    const std::string d = w["day"];
    const std::chrono::year_month_day ymd{std::chrono::year{std::stoi(d.substr(0, 4))},
                                          std::chrono::month{static_cast<unsigned>(std::stoi(d.substr(5, 2)))},
                                          std::chrono::day{static_cast<unsigned>(std::stoi(d.substr(8, 2)))}};
    CHECK(std::chrono::weekday{std::chrono::sys_days{ymd}} == std::chrono::Friday);
  }

  // Back to the clinics file's week: those visits fit it again, and it takes bookings as before.
  CHECK(code_of(fatima.call("DELETE", hours)) == "confirm_needed");  // the 08:00-09:00 visit: the file's window ends at 10:00
  CHECK(fatima.call("DELETE", hours + "?confirm=true").status == 200);
  CHECK_FALSE(golshahr().contains("hours"));
  CHECK(golshahr()["windows"].size() == 3);
  CHECK(code_of(fatima.call("DELETE", hours)) == "not_changed");
  CHECK(book("+93700001404", "10:00").status == 201);
  CHECK(scalar(dir, "SELECT COUNT(*) FROM audit_log WHERE action IN ('clinics.hours', 'clinics.hours_clear')") == "3");

  // A week this build cannot read (a newer build's): the file's is used and shown as such, and
  // going back clears it.
  {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(10'000);
    db.exec(R"(INSERT INTO clinic_hours (clinic, week, changed_by, changed_at) VALUES ('golshahr', '{"days":[]}', 'user:9', 0))");
  }
  CHECK_FALSE(golshahr().contains("hours"));
  CHECK(golshahr()["windows"].size() == 3);
  CHECK(fatima.call("DELETE", hours + "?confirm=true").status == 200);  // the 08:00-09:00 visit again
  CHECK(code_of(fatima.call("DELETE", hours)) == "not_changed");
}

TEST_CASE("console: the delivery dashboard counts messages by hour and channel, with failure reasons",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_user(config, {"--name", "Omid", "--role", "operator", "--login", "omid"}, "river-lamp-seven\n");
  make_worker(config, "fatima", "golshahr", 0);
  server_process srv(config);
  const auto omid = log_in(srv.port(), "omid", "river-lamp-seven");
  for (int i = 0; i < 3; ++i) {
    const json send{{"to", "+9370000012" + std::to_string(i)}, {"text", "Clinic open"}, {"channel", "console"},
                    {"priority", "alert"}};
    REQUIRE(omid.call("POST", "/api/v1/messages", send.dump()).status == 201);
  }
  json d;
  for (int i = 0; i < 50; ++i) {
    d = json::parse(omid.call("GET", "/api/v1/deliveries?hours=6").body);
    if (!d["hours"].empty() && d["hours"].back()["states"].value("delivered", 0) == 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(d.dump());
  REQUIRE(d["hours"].size() == 1);
  CHECK(d["hours"][0]["states"]["delivered"] == 3);
  CHECK(d["until"].get<long long>() - d["since"].get<long long>() == 6 * 3'600'000LL);
  json console;
  for (const auto& c : d["channels"]) {
    if (c["id"] == "console") console = c;
  }
  CHECK(console["states"]["delivered"] == 3);
  CHECK(console["last_hour"] == 3);
  CHECK(console["paused_until"].is_null());
  CHECK(d["reasons"].empty());
  CHECK(omid.call("GET", "/api/v1/deliveries?hours=0").status == 400);
  const auto fatima = log_in_next(srv.port(), "fatima", "river-lamp-seven");
  CHECK(fatima.call("GET", "/api/v1/deliveries").status == 403);
}

TEST_CASE("console: an operator reads the inbox, takes an item, answers the person and closes it",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_user(config, {"--name", "Omid", "--role", "operator", "--login", "omid"}, "river-lamp-seven\n");
  make_worker(config, "fatima", "golshahr", 0);
  server_process srv(config);
  // Free text nobody's flow takes goes to the inbox.
  REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms",
                    "from=%2B93700000131&text=Where+is+the+new+clinic%3F&id=in-1")
              .status == 200);
  const auto omid = log_in(srv.port(), "omid", "river-lamp-seven");
  auto page = json::parse(omid.call("GET", "/api/v1/inbox?status=new").body);
  REQUIRE(page["items"].size() == 1);
  const auto item = page["items"][0];
  CHECK(item["text"] == "Where is the new clinic?");
  CHECK(item["phone"] == "+93700000131");
  CHECK_FALSE(item.contains("someone_hurt"));  // not a hazard report: nobody was asked
  const std::string path = "/api/v1/inbox/" + std::to_string(item["id"].get<long long>());

  auto r = omid.call("POST", path, json{{"assign", "me"}}.dump());
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["assigned_to"] == 1);
  r = omid.call("POST", path + "/reply", json{{"text", "Next to the mosque in Golshahr, open 8 to 4."}}.dump());
  REQUIRE(r.status == 201);
  CHECK(scalar(dir, "SELECT COUNT(*) FROM outbound_messages WHERE to_phone = '+93700000131' AND body LIKE 'Next to%'") == "1");
  CHECK(json::parse(omid.call("GET", "/api/v1/inbox?status=read").body)["items"].size() == 1);  // answered: read
  r = omid.call("POST", path, json{{"status", "done"}}.dump());
  CHECK(json::parse(r.body)["status"] == "done");
  CHECK(json::parse(r.body)["assigned_to"] == 1);
  CHECK(json::parse(omid.call("GET", "/api/v1/inbox?status=new").body)["items"].empty());
  CHECK(scalar(dir, "SELECT COUNT(*) FROM audit_log WHERE action IN ('inbox.update', 'inbox.reply')") == "3");

  // Bad input changes nothing.
  CHECK(omid.call("POST", path, json{{"status", "archived"}}.dump()).status == 400);
  CHECK(omid.call("POST", path, json{{"assign", "99"}}.dump()).status == 400);
  CHECK(omid.call("POST", path + "/reply", json{{"text", ""}}.dump()).status == 400);
  CHECK(omid.call("GET", "/api/v1/inbox?status=lost").status == 400);
  CHECK(omid.call("POST", "/api/v1/inbox/999", json{{"status", "done"}}.dump()).status == 404);
  const auto fatima = log_in_next(srv.port(), "fatima", "river-lamp-seven");
  CHECK(fatima.call("GET", "/api/v1/inbox").status == 403);
}

TEST_CASE("console: a hazard report says whether someone is hurt beside the person's words, not in them, "
          "and when nobody is, whether the reporter may be called back",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_user(config, {"--name", "Omid", "--role", "operator", "--login", "omid"}, "river-lamp-seven\n");
  server_process srv(config);
  int n = 0;
  texts(srv.port(), "%2B93700000132", {"MINE", "2", "Old+road+by+the+school", "1", "It+went+off", "1"}, n);
  texts(srv.port(), "%2B93700000133", {"MINE", "2", "Canal+road+in+Injil", "1", "A+metal+object", "2", "1"}, n);
  texts(srv.port(), "%2B93700000134", {"MINE", "2", "Canal+road", "2", "A+metal+object", "2", "2"}, n);
  const auto omid = log_in(srv.port(), "omid", "river-lamp-seven");
  const auto page = json::parse(omid.call("GET", "/api/v1/inbox?flow=mine_safety").body);
  REQUIRE(page["items"].size() == 3);
  const auto& hurt = page["items"][2];
  CHECK(hurt["text"] == "Old road by the school / It went off");
  CHECK(hurt["someone_hurt"] == true);
  CHECK(hurt["area"] == "herat");
  CHECK_FALSE(hurt.contains("may_call"));  // someone hurt is not asked: the injured come first
  CHECK(page["items"][1]["phone"] == "+93700000133");
  CHECK(page["items"][1]["someone_hurt"] == false);
  CHECK(page["items"][1]["may_call"] == true);
  CHECK(page["items"][1]["district"] == "injil");  // its place names a district of Herat (the districts file)
  CHECK_FALSE(hurt.contains("district"));
  CHECK(page["items"][0]["phone"] == "+93700000134");
  CHECK(page["items"][0]["may_call"] == false);
}

TEST_CASE("console: words of someone in danger are answered with the emergency number, marked urgent in the inbox, "
          "and the operators told at once",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_user(config, {"--name", "Omid", "--role", "operator", "--login", "omid", "--phone", "+93700000800"},
            "river-lamp-seven\n");
  server_process srv(config);
  REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms",
                    "from=%2B93700000133&text=My+daughter+is+bleeding+please+help&id=in-1")
              .status == 200);
  REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms", "from=%2B93700000134&text=Thank+you&id=in-2").status ==
          200);
  const auto omid = log_in(srv.port(), "omid", "river-lamp-seven");
  const auto items = json::parse(omid.call("GET", "/api/v1/inbox?status=new").body)["items"];
  REQUIRE(items.size() == 2);
  CHECK(items[1]["text"] == "My daughter is bleeding please help");
  CHECK(items[1]["urgent"] == true);
  CHECK_FALSE(items[0].contains("urgent"));
  // The person: the emergency number, first in the outbox; the operator: the inbox number.
  CHECK(scalar(dir, "SELECT priority || ':' || body FROM outbound_messages WHERE to_phone = '+93700000133'")
            .starts_with("0:If someone is in danger"));
  CHECK(scalar(dir, "SELECT body FROM outbound_messages WHERE to_phone = '+93700000800'") ==
        "Paygham URGENT: inbox message " + std::to_string(items[1]["id"].get<long long>()) +
            " may be from someone in danger. Call them now. Console: Inbox.");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM outbound_messages WHERE to_phone = '+93700000134' AND priority = 0") == "0");
  // The log says which item, never the words.
  CHECK(srv.log().find("inbox.urgent") != std::string::npos);
  CHECK(srv.log().find("bleeding") == std::string::npos);
}

TEST_CASE("console: an admin sees the people and machines, disables a person (a health worker's patients go to a "
          "colleague) and makes and revokes a token",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_user(config, {"--name", "Admin", "--role", "admin", "--login", "admin"}, "river-lamp-seven\n");
  make_worker(config, "fatima", "golshahr", 0);
  make_worker(config, "omid", "golshahr", 3);
  REQUIRE(run_paygham({"user", "duty", "--config", config, "--phone", "+93700000900", "--duty",
                       "08:00-16:00"}) == 0);
  server_process srv(config);
  const auto admin = log_in(srv.port(), "admin", "river-lamp-seven");
  const auto users = json::parse(admin.call("GET", "/api/v1/users").body)["items"];
  REQUIRE(users.size() == 3);
  CHECK(users[1]["phone"] == "+93******900");  // masked
  CHECK(users[1]["duty"] == "08:00-16:00");    // her hours on the duty roster
  CHECK_FALSE(users[2].contains("duty"));      // his: none, reachable at any hour
  CHECK(users[1].dump().find("argon") == std::string::npos);
  CHECK(admin.call("POST", "/api/v1/users/1/disable").status == 409);  // not oneself
  const auto fatima = log_in_next(srv.port(), "fatima", "river-lamp-seven");
  auto r = admin.call("POST", "/api/v1/users/2/disable");
  CHECK(r.status == 200);
  CHECK(json::parse(r.body)["disabled"] == true);
  // Her patients and calls (none here) are Omid's now, her colleague at Golshahr.
  CHECK(json::parse(r.body)["handed_over"] == json{{"to", 3}, {"to_name", "omid"}, {"series", 0}, {"calls", 0}});
  CHECK(scalar(dir, "SELECT detail FROM audit_log WHERE action = 'users.disable'") == R"({"calls":0,"series":0,"to":3})");
  CHECK(fatima.call("GET", "/api/v1/session").status == 401);  // her session ended
  // Omid leaves too: nobody at Golshahr is left to take them.
  r = admin.call("POST", "/api/v1/users/3/disable");
  CHECK(json::parse(r.body)["handed_over"] == json::object());

  // A name the token list and a terminal would show: no control characters.
  r = admin.call("POST", "/api/v1/tokens", json{{"name", "x\r\nInjected: 1"}, {"role", "operator"}}.dump());
  CHECK(r.status == 400);
  CHECK(code_of(r) == "invalid_name");
  r = admin.call("POST", "/api/v1/tokens", json{{"name", "HIS"}, {"role", "health_worker"}}.dump());
  CHECK(r.status == 400);
  CHECK(json::parse(r.body)["error"]["field"] == "facility");
  r = admin.call("POST", "/api/v1/tokens", json{{"name", "HIS"}, {"role", "health_worker"}, {"facility", "golshahr"}}.dump());
  REQUIRE(r.status == 201);
  const auto made = json::parse(r.body);
  const std::string secret = made["token"];
  CHECK(secret.rfind("pgm_", 0) == 0);
  const auto bearer = [&](const std::string& path) {
    return http_call(srv.port(), "GET", path, "", "application/json", {{"Authorization", "Bearer " + secret}});
  };
  CHECK(bearer("/api/v1/escalations").status == 200);
  const auto listed = admin.call("GET", "/api/v1/tokens").body;
  CHECK(listed.find(secret) == std::string::npos);  // only shown once
  CHECK(admin.call("DELETE", "/api/v1/tokens/" + std::to_string(made["id"].get<long long>())).status == 200);
  CHECK(bearer("/api/v1/escalations").status == 401);
  CHECK(scalar(dir, "SELECT COUNT(*) FROM audit_log WHERE action IN ('users.disable', 'tokens.create', 'tokens.revoke')"
                    " AND actor = 'user:1'") == "4");
  // A machine's admin token cannot disable the last admin who can log in.
  r = admin.call("POST", "/api/v1/tokens", json{{"name", "ops"}, {"role", "admin"}}.dump());
  REQUIRE(r.status == 201);
  const std::string machine = json::parse(r.body)["token"];
  r = http_call(srv.port(), "POST", "/api/v1/users/1/disable", "", "application/json", {{"Authorization", "Bearer " + machine}});
  CHECK(r.status == 409);
  CHECK(code_of(r) == "last_admin");
  CHECK(admin.call("GET", "/api/v1/session").status == 200);
}

TEST_CASE("console: an operator adds a person and updates them by number, and a stop stays a stop",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_user(config, {"--name", "Omid", "--role", "operator", "--login", "omid"}, "river-lamp-seven\n");
  server_process srv(config);
  const auto omid = log_in(srv.port(), "omid", "river-lamp-seven");
  auto r = omid.call("POST", "/api/v1/contacts", json{{"phone", "0700 000 151"}, {"language", "ps"}, {"name", "Gul"}}.dump());
  REQUIRE(r.status == 201);
  auto c = json::parse(r.body);
  CHECK(c["phone"] == "+93700000151");
  CHECK(c["language"] == "ps");
  CHECK(c["name"] == "Gul");
  r = omid.call("POST", "/api/v1/contacts", json{{"phone", "+93700000151"}, {"language", "prs"}}.dump());
  CHECK(r.status == 200);
  c = json::parse(r.body);
  CHECK(c["language"] == "prs");
  CHECK(c["name"] == "Gul");
  // Someone who stopped everything stays stopped, whatever an operator saves.
  REQUIRE(http_call(srv.port(), "POST", "/channels/console/sms", "from=%2B93700000151&text=STOP+ALL&id=s1").status == 200);
  r = omid.call("POST", "/api/v1/contacts", json{{"phone", "+93700000151"}, {"name", "Gul A."}}.dump());
  CHECK(json::parse(r.body)["opted_out"] == true);
  CHECK(omid.call("POST", "/api/v1/contacts", json{{"phone", "12"}}.dump()).status == 400);
  CHECK(omid.call("POST", "/api/v1/contacts", json{{"phone", "+93700000152"}, {"language", "xx"}}.dump()).status == 400);
  CHECK(scalar(dir, "SELECT COUNT(*) FROM contacts WHERE phone = '+93700000152'") == "0");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM audit_log WHERE action IN ('contacts.create', 'contacts.update')") == "3");
}

TEST_CASE("console: a pregnancy flagged high risk makes the calls about her high priority, and the clinic's "
          "supervisor is told",
          "[integration][console]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_worker(config, "fatima", "golshahr", 0);
  std::string out, err;
  // --supervisor is for health workers only.
  CHECK(run_paygham({"user", "create", "--config", config, "--name", "Omid", "--role", "operator", "--login", "omid",
                     "--supervisor"},
                    &out, &err, "river-lamp-seven\n") != 0);
  CHECK_THAT(err, Catch::Contains("--supervisor is for health workers"));
  make_user(config, {"--name", "Maryam", "--role", "health_worker", "--facility", "golshahr", "--phone", "+93700000950"},
            "2590\n");
  // An existing health worker is made a supervisor (and back, and again); an operator cannot be.
  for (const auto& off : {std::vector<std::string>{}, {"--off"}, {}}) {
    std::vector<std::string> args{"user", "supervisor", "--config", config, "--phone", "+93700000950"};
    args.insert(args.end(), off.begin(), off.end());
    REQUIRE(run_paygham(args, &out, &err) == 0);
    REQUIRE(run_paygham({"user", "list", "--config", config}, &out, &err) == 0);
    CHECK((out.find("Maryam\tsupervisor") != std::string::npos) == off.empty());
  }
  make_user(config, {"--name", "Omid", "--role", "operator", "--login", "omid", "--phone", "+93700000800"},
            "river-lamp-seven\n");
  CHECK(run_paygham({"user", "supervisor", "--config", config, "--phone", "+93700000800"}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("only a health worker supervises a clinic"));
  CHECK(scalar(dir, "SELECT COUNT(*) FROM audit_log WHERE action = 'users.supervisor'") == "3");
  {
    // A patient already on Fatima's list: two reminders unanswered, an ordinary call.
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO contacts (id, phone, created_at, updated_at) VALUES (1, '+93700000331', 0, 0)");
    db.exec("INSERT INTO escalations (worker_id, contact_id, reason, misses, created_at) VALUES (1, 1, 'no_reply', 2, 10)");
  }
  server_process srv(config);
  const auto fatima = log_in(srv.port(), "fatima", "river-lamp-seven");
  auto calls = json::parse(fatima.call("GET", "/api/v1/escalations").body)["items"];
  REQUIRE(calls.size() == 1);
  CHECK(calls[0]["priority"] == "normal");

  auto r = fatima.call("POST", "/api/v1/enrolments",
                       json{{"phone", "+93700000330"}, {"kind", "medicine"}, {"time", "08:00"}, {"high_risk", true}}.dump());
  CHECK(code_of(r) == "invalid_value");  // only pregnancy care is high risk
  json body{{"phone", "+93700000331"}, {"kind", "pregnancy"}, {"lmp", day_from_now(-70)}, {"channel", "console"},
            {"high_risk", "yes"}};
  r = fatima.call("POST", "/api/v1/enrolments", body.dump());
  CHECK(r.status == 400);
  CHECK(code_of(r) == "wrong_type");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM series") == "0");
  body.erase("high_risk");
  r = fatima.call("POST", "/api/v1/enrolments", body.dump());
  INFO(r.body);
  REQUIRE(r.status == 201);
  const auto made = json::parse(r.body);
  CHECK(made["high_risk"] == false);
  const std::string risk = "/api/v1/enrolments/" + std::to_string(made["id"].get<long long>()) + "/risk";
  CHECK(code_of(fatima.call("POST", risk, json{{"high_risk", 1}}.dump())) == "wrong_type");

  // Flagged: her open call becomes high, and the supervisor gets one SMS saying so.
  r = fatima.call("POST", risk, json{{"high_risk", true}}.dump());
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["high_risk"] == true);
  calls = json::parse(fatima.call("GET", "/api/v1/escalations").body)["items"];
  REQUIRE(calls.size() == 1);
  CHECK(calls[0]["priority"] == "high");
  CHECK(scalar(dir, "SELECT detail FROM audit_log WHERE action = 'enrolments.risk'") == R"({"high_risk":true})");
  CHECK(eventually(
      [&] {
        return scalar(dir, "SELECT COUNT(*) FROM outbound_messages WHERE to_phone = '+93700000950'"
                           " AND body LIKE '%1 patient(s) at Golshahr Helal House need a call within one working day%'") ==
               "1";
      },
      std::chrono::seconds(10)));
  // Flagged again: nothing new to tell.
  CHECK(fatima.call("POST", risk, json{{"high_risk", true}}.dump()).status == 200);
  CHECK(scalar(dir, "SELECT COUNT(*) FROM jobs WHERE kind = 'escalation.high'") == "1");
  // Another patient's call made high within the hour: told of together an hour after the first
  // SMS, not now (one SMS an hour at most to a supervisor).
  {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(10'000);
    db.exec("INSERT INTO contacts (id, phone, created_at, updated_at) VALUES (9, '+93700000339', 0, 0)");
    db.exec("INSERT INTO escalations (worker_id, contact_id, reason, misses, created_at) VALUES (1, 9, 'no_reply', 2, 10)");
  }
  body["phone"] = "+93700000339";
  body["high_risk"] = true;
  REQUIRE(fatima.call("POST", "/api/v1/enrolments", body.dump()).status == 201);
  CHECK(eventually([&] { return scalar(dir, "SELECT COUNT(*) FROM jobs WHERE kind = 'escalation.high'") == "3"; },
                   std::chrono::seconds(10)));
  const long long in_50_minutes =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count() +
      50 * 60'000;
  CHECK(scalar(dir, "SELECT COUNT(*) FROM jobs WHERE kind = 'escalation.high' AND status = 'pending' AND due_at > " +
                        std::to_string(in_50_minutes)) == "1");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM outbound_messages WHERE to_phone = '+93700000950'") == "1");
  CHECK(scalar(dir, "SELECT COUNT(*) FROM outbound_messages WHERE to_phone = '+93700000800'") == "0");

  // Only pregnancy care is flagged high risk.
  r = fatima.call("POST", "/api/v1/enrolments",
                  json{{"phone", "+93700000332"}, {"kind", "medicine"}, {"time", "08:00"}, {"channel", "console"}}.dump());
  REQUIRE(r.status == 201);
  r = fatima.call("POST", "/api/v1/enrolments/" + std::to_string(json::parse(r.body)["id"].get<long long>()) + "/risk",
                  json{{"high_risk", true}}.dump());
  CHECK(r.status == 409);
  CHECK(code_of(r) == "not_pregnancy");
}
