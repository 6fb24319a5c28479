// The web console in a real browser: sets up a server as a clinic and an operations room
// would have it (people with logins, 30 subscribers (20 by a crossing, 6 in Injil), a patient to call, a fake aggregator
// behind the channel) and runs tests/browser/console.cjs, which drives Debian's chromium
// through playwright-core. Screenshots of each page go to build/browser-shots.
#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>

#include "tests/support/support.hpp"

using namespace paygham::test;

TEST_CASE("browser: log in as each role, call a patient, broadcast to 100 %, fix and publish a flow, walk it",
          "[integration][browser]") {
  const std::string src = PAYGHAM_SOURCE_DIR;
  temp_dir dir;
  const int port = free_port();
  const std::string me = "http://127.0.0.1:" + std::to_string(port);
  fake_aggregator fake({"--dlr-delay-ms", "20", "--at-dlr-url", me + "/channels/at/status"});
  std::filesystem::create_directories(dir.file("flows"));
  for (const auto& e : std::filesystem::directory_iterator(src + "/flows")) {
    std::filesystem::copy_file(e.path(), std::filesystem::path(dir.file("flows")) / e.path().filename());
  }
  // Its own clinics file: the operator adds a clinic to it in the page.
  std::filesystem::copy_file(src + "/config/clinics.yaml", dir.file("clinics.yaml"));
  const std::string config = dir.file("paygham.yaml");
  write_file(config, "server: {listen: \"127.0.0.1:" + std::to_string(port) + "\", public_url: \"" + me + "\"}\n" +
                         "store: {path: " + dir.file("paygham.db") + ", synchronous: normal}\n"
                         "defaults: {region: AF, language: en, emergency_number: \"112\"}\n"
                         "flows: " + dir.file("flows") + "\nclinics: " + dir.file("clinics.yaml") + "\n"
                         "districts: " + src + "/config/districts.yaml\n"
                         "templates: " + src + "/templates\nlexicon: " + src + "/lexicon\n"
                         "ussd_profiles:\n  plain: {ucs2: false, fallback: latin}\n"
                         "channels:\n  - {id: at, type: africastalking, allow_ips: [127.0.0.1], username: u, "
                         "api_key: k, base_url: \"" + fake.url() + "\", rate: \"500\", tariff: {currency: AFN, gsm7: 2, ucs2: 1}}\n"
                         "parties:\n  - {name: Africa's Talking, role: aggregator, channels: [at]}\n"
                         "  - {name: Hetzner, role: host, agreement: DPA-7, until: 2020-01-31}\n");
  std::string out, err;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--name", "Admin", "--role", "admin", "--login", "admin"},
           {"--name", "Omid", "--role", "operator", "--login", "omid"},
           {"--name", "Fatima", "--role", "health_worker", "--facility", "golshahr", "--phone", "+93700000900",
            "--login", "fatima"}}) {
    std::vector<std::string> create = {"user", "create", "--config", config};
    create.insert(create.end(), args.begin(), args.end());
    const std::string input = args[3] == "health_worker" ? "2580\nriver-lamp-seven\n" : "river-lamp-seven\n";
    INFO(err);
    REQUIRE(run_paygham(create, &out, &err, input) == 0);
  }
  REQUIRE(run_paygham({"token", "create", "--config", config, "--role", "operator", "--name", "script"}, &out, &err) == 0);
  const std::string token = out.substr(0, out.size() - 1);
  {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30)"
            " INSERT INTO contacts (phone, language, created_at, updated_at)"
            " SELECT '+9379' || printf('%07d', i), CASE i % 2 WHEN 0 THEN 'prs' END, 0, 0 FROM n");
    // Two in three come by the Islam Qala crossing; the others never said (R-M1). One in five
    // wrote Injil as their district (in Dari), before the server read them by the districts file.
    db.exec("INSERT INTO subscriptions (contact_id, topic, area, channel_id, created_at, route, district)"
            " SELECT id, 'mine_safety', 'herat', 'at', 0, CASE id % 3 WHEN 0 THEN '' ELSE 'islam_qala' END,"
            " CASE id % 5 WHEN 0 THEN 'انجیل' ELSE '' END FROM contacts");
    // Behind a PIN of her own for My visits (R-S12), which she forgot: closed after 15 wrong ones.
    db.exec("INSERT INTO contacts (phone, created_at, updated_at, visit_pin, visit_pin_failed, visit_pin_locked_until)"
            " VALUES ('+93700000555', 0, 0, '$argon2id$v=19$m=8192,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA', 15, 0)");
    // A Kabul landline someone gave as their number (R-L6).
    db.exec("INSERT INTO contacts (phone, created_at, updated_at) VALUES ('+93202101234', 0, 0)");
    db.exec("INSERT INTO escalations (worker_id, contact_id, reason, misses, created_at, priority)"
            " SELECT u.id, c.id, 'no_reply', 2, 1796000000000, 1 FROM users u, contacts c"
            " WHERE u.login = 'fatima' AND c.phone = '+93700000555'");
  }
  server_process srv(config);
  const auto sent = http_call(srv.port(), "POST", "/api/v1/messages",
                              nlohmann::json{{"to", "+93700000556"}, {"text", "<img src=x onerror=\"window.pwned=1\">"}}.dump(),
                              "application/json", {{"Authorization", "Bearer " + token}});
  REQUIRE(sent.status == 201);
  // Someone texts something no flow takes, with the words of someone in danger: it waits in the
  // inbox, marked urgent.
  REQUIRE(http_call(srv.port(), "POST", "/channels/at/sms",
                    "from=%2B93700000557&to=384&text=Unexploded+shell+near+the+school,+a+boy+is+bleeding&id=at-in-1"
                    "&date=2026-11-30")
              .status == 200);

  const std::string shots = src + "/build/browser-shots";
  std::filesystem::create_directories(shots);
  const std::string log = dir.file("browser.log");
  const std::string cmd = "PAYGHAM_URL=" + me + " PAYGHAM_NODE_DIR='" + src + "/build/node' PAYGHAM_SHOTS='" + shots +
                          "' timeout 120 node '" + src + "/tests/browser/console.cjs' > '" + log + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string said = read_file(log);
  INFO(said);
  INFO(srv.log().substr(srv.log().size() > 4000 ? srv.log().size() - 4000 : 0));
  CHECK(rc == 0);
  CHECK_THAT(said, Catch::Contains("ok - markup in a message does not run"));
  // What the health worker recorded in the pages: the consent to each programme (given again with the refill),
  // who took it, the private phone and the texts asked for.
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
  db.setBusyTimeout(10'000);
  CHECK(db.execAndGet("SELECT group_concat(said, ', ') FROM (SELECT c.phone || ' ' || k.programme || ' ' || k.via"
                      " AS said, MIN(k.id) AS first FROM consents k JOIN contacts c ON c.id = k.contact_id"
                      " JOIN users u ON k.recorded_by = 'user:' || u.id WHERE u.login = 'fatima'"
                      " GROUP BY said ORDER BY first)")
            .getString() ==
        "+93799000321 health in_person, +93700000322 appointments in_person, +93700000323 appointments in_person");
  // The visit the clinic cancelled (R-B5): its place free, and its person told by SMS.
  CHECK(db.execAndGet("SELECT b.status || ' ' || (SELECT COUNT(*) FROM jobs j WHERE j.kind = 'booking.cancelled')"
                      " FROM bookings b JOIN contacts c ON c.id = b.contact_id WHERE c.phone = '+93700000323'")
            .getString() == "cancelled 1");
  // Her new SIM (R-L6) has it all but what she said of her old phone (R-S11); the old number is nobody's.
  CHECK(db.execAndGet("SELECT COUNT(*) FROM contacts WHERE phone = '+93700000321'").getInt() == 0);
  CHECK(db.execAndGet("SELECT shared_phone || ' ' || explicit_texts FROM contacts WHERE phone = '+93799000321'")
            .getString() == "unknown 0");
  // Her own quiet hours, given by the health worker in Persian digits and changed by an operator.
  CHECK(db.execAndGet("SELECT quiet_hours FROM contacts WHERE phone = '+93799000321'").getString() == "22:00-07:00");
  // And the month names she reads, which an operator picked (R-L3).
  CHECK(db.execAndGet("SELECT json_extract(fields, '$.months') FROM contacts WHERE phone = '+93799000321'").getString() ==
        "iranian");
  // The PIN she forgot is cleared, with the operator's name in the audit log (R-S12).
  CHECK(db.execAndGet("SELECT COUNT(*) FROM contacts WHERE phone = '+93700000555' AND visit_pin IS NULL"
                      " AND visit_pin_failed = 0 AND visit_pin_locked_until = 0")
            .getInt() == 1);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM audit_log WHERE action = 'contacts.visit_pin_clear'").getInt() == 1);
  // And the languages she reads after her own, as an operator picked them (R-L2).
  CHECK(db.execAndGet("SELECT json_extract(fields, '$.languages') FROM contacts WHERE phone = '+93700000555'").getString() ==
        "fa,en");
  // The visit booked, moved (the first cancelled), and the new one marked attended.
  CHECK(db.execAndGet("SELECT group_concat(b.status, ' ') FROM (SELECT status FROM bookings b JOIN contacts c"
                      " ON c.id = b.contact_id WHERE c.phone = '+93700000322' ORDER BY b.id) b")
            .getString() == "cancelled attended");
  for (const char* page : {"health-worker-enrol-prs", "health-worker-visits-prs", "health-worker-calls-prs", "operator-broadcast-progress", "operator-deliveries", "operator-inbox", "operator-flow-lint-error", "operator-flow-diff",
                           "operator-flow-simulator", "admin-audit-fa", "admin-audit-ps", "admin-people-fa",
                           "admin-people-disabled-fa"}) {
    CHECK(std::filesystem::exists(shots + "/" + page + ".png"));
  }
}
