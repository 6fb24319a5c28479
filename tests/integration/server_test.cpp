// The real `paygham serve` on 127.0.0.1:0, spoken to over HTTP as an aggregator would.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/support.hpp"

using namespace paygham::test;

namespace {

const std::string at_ussd = "/channels/at/ussd";

std::string ussd_body(const std::string& session, const std::string& text) {
  return "sessionId=" + session + "&serviceCode=*384*12%23&phoneNumber=%2B93700000001&text=" +
         text + "&networkCode=41201";
}

int count(const temp_dir& dir, const std::string& sql) {
  SQLite::Database db(dir.file("paygham.db"));
  return db.execAndGet(sql).getInt();
}

// Waits until `sql` counts at least `want` rows (the outbox works after the reply).
bool eventually(const temp_dir& dir, const std::string& sql, int want) {
  for (int i = 0; i < 500; ++i) {
    if (count(dir, sql) >= want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("integration: a USSD session runs from the first screen to END", "[integration]") {
  temp_dir dir;
  server_process srv(write_test_config(dir));
  auto r = http_call(srv.port(), "POST", at_ussd, ussd_body("s1", ""));
  CHECK(r.status == 200);
  CHECK_THAT(r.headers["content-type"], Catch::StartsWith("text/plain"));
  CHECK(r.body == "CON Red Crescent\n1. Clinic hours\n2. Mine safety\n3. My data");
  r = http_call(srv.port(), "POST", at_ussd, ussd_body("s1", "2"));
  CHECK(r.status == 200);
  CHECK_THAT(r.body, Catch::StartsWith("END Do not touch a mine"));
  CHECK(count(dir, "SELECT COUNT(*) FROM flow_runs WHERE status = 'completed'") == 1);
}

TEST_CASE("integration: an inbound SMS is answered through the console channel", "[integration]") {
  temp_dir dir;
  server_process srv(write_test_config(dir));
  const auto r = http_call(srv.port(), "POST", "/channels/console/sms",
                           "from=%2B93700000002&text=INFO");
  CHECK(r.status == 200);
  REQUIRE(eventually(dir, "SELECT COUNT(*) FROM outbound_messages WHERE status = 'delivered'", 1));
  SQLite::Database db(dir.file("paygham.db"));
  CHECK(db.execAndGet("SELECT to_phone FROM outbound_messages").getString() == "+93700000002");
  CHECK(db.execAndGet("SELECT group_concat(status, ',') FROM (SELECT status FROM message_events"
                      " ORDER BY id)")
            .getString() == "queued,sending,sent,delivered");
  // The log names the delivery but not the text or the full number.
  const std::string log = srv.log();
  CHECK_THAT(log, Catch::Contains("console.message"));
  CHECK(log.find("Clinic hours") == std::string::npos);
  CHECK(log.find("+93700000002") == std::string::npos);
}

TEST_CASE("integration: an oversized body is refused with 413 and nothing is stored",
          "[integration]") {
  temp_dir dir;
  server_process srv(write_test_config(dir, "  limits: {body_bytes: 1024}\n"));
  const std::string big = "from=%2B93700000002&id=big1&text=" + std::string(2000, 'a');
  const auto r = http_call(srv.port(), "POST", "/channels/at/sms", big);
  CHECK(r.status == 413);
  CHECK(count(dir, "SELECT COUNT(*) FROM inbound_events") == 0);
  // The server goes on serving.
  CHECK(http_call(srv.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("integration: unknown paths, channels and kinds are 404, wrong methods 405",
          "[integration]") {
  temp_dir dir;
  server_process srv(write_test_config(dir));
  CHECK(http_call(srv.port(), "GET", "/nowhere").status == 404);
  const auto no_channel = http_call(srv.port(), "POST", "/channels/nope/sms", "from=x");
  CHECK(no_channel.status == 404);
  CHECK_THAT(no_channel.body, Catch::Contains("no channel 'nope'"));
  CHECK(http_call(srv.port(), "POST", "/channels/at/fax", "a=b").status == 404);
  // Callbacks come by POST, or by GET where an aggregator calls with a query (Kannel's dlr-url).
  auto wrong = http_call(srv.port(), "PUT", "/channels/at/sms", "a=b");
  CHECK(wrong.status == 405);
  CHECK_THAT(wrong.headers["allow"], Catch::Contains("POST") && Catch::Contains("GET"));
  CHECK(http_call(srv.port(), "DELETE", "/healthz").status == 405);
}

TEST_CASE("integration: the same inbound SMS posted twice is stored once, both answered 200",
          "[integration]") {
  temp_dir dir;
  server_process srv(write_test_config(dir));
  const std::string body = "from=%2B93700000003&to=384&id=ATXid_42&text=INFO";
  CHECK(http_call(srv.port(), "POST", "/channels/at/sms", body).status == 200);
  CHECK(http_call(srv.port(), "POST", "/channels/at/sms", body).status == 200);
  CHECK(count(dir, "SELECT COUNT(*) FROM inbound_events") == 1);
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages") == 1);
}

TEST_CASE("integration: malformed callbacks are 400 with a reason and store nothing",
          "[integration]") {
  temp_dir dir;
  server_process srv(write_test_config(dir));
  auto r = http_call(srv.port(), "POST", "/channels/at/sms", "text=hi&id=1");
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("missing field 'from'"));
  r = http_call(srv.port(), "POST", at_ussd,
                "sessionId=s1&serviceCode=*384*12%23&phoneNumber=notaphone&text=");
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("phoneNumber"));
  r = http_call(srv.port(), "POST", "/channels/at/sms", "from=%2B93700000003&id=2&text=%C3");
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("not valid UTF-8"));
  r = http_call(srv.port(), "POST", "/channels/at/sms", "{\"from\":1}", "application/json");
  CHECK(r.status == 400);
  CHECK(count(dir, "SELECT COUNT(*) FROM inbound_events") == 0);
  CHECK(count(dir, "SELECT COUNT(*) FROM contacts") == 0);
  connection c(srv.port());
  c.send("NOT HTTP AT ALL\r\n\r\n");
  CHECK(c.read_reply().status == 400);
}

TEST_CASE("integration: a channel with a URL token refuses callbacks without it",
          "[integration]") {
  temp_dir dir;
  ::setenv("PAYGHAM_IT_TOKEN", "correct-horse-battery", 1);
  server_process srv(write_test_config(dir, "",
                                       "  - id: guarded\n"
                                       "    type: africastalking\n"
                                       "    auth_token: ${PAYGHAM_IT_TOKEN}\n"));
  const std::string body = ussd_body("s7", "");
  CHECK(http_call(srv.port(), "POST", "/channels/guarded/ussd", body).status == 403);
  CHECK(http_call(srv.port(), "POST", "/channels/guarded/ussd?token=wrong", body).status == 403);
  const auto ok =
      http_call(srv.port(), "POST", "/channels/guarded/ussd?token=correct-horse-battery", body);
  CHECK(ok.status == 200);
  CHECK_THAT(ok.body, Catch::StartsWith("CON "));
  CHECK(count(dir, "SELECT COUNT(*) FROM flow_runs") == 1);
  const auto metrics = http_call(srv.port(), "GET", "/metrics");
  CHECK_THAT(metrics.body,
             Catch::Contains("paygham_callbacks_rejected_total{channel=\"guarded\",reason=\"auth\"} 2"));
  CHECK(srv.log().find("correct-horse-battery") == std::string::npos);
}

TEST_CASE("integration: health, readiness and metrics answer", "[integration]") {
  temp_dir dir;
  server_process srv(write_test_config(dir));
  CHECK(http_call(srv.port(), "GET", "/healthz").body == "ok\n");
  CHECK(http_call(srv.port(), "GET", "/readyz").status == 200);
  http_call(srv.port(), "POST", at_ussd, ussd_body("m1", ""));
  const auto m = http_call(srv.port(), "GET", "/metrics");
  CHECK(m.status == 200);
  CHECK_THAT(m.body, Catch::Contains(
                         "paygham_http_requests_total{route=\"/channels/{channel}/{kind}\",status=\"200\"} 1"));
  CHECK_THAT(m.body, Catch::Contains("paygham_http_request_duration_seconds_bucket"));
  CHECK_THAT(m.body, Catch::Contains("paygham_outbox_depth 0"));
  // The test store runs with synchronous: normal, so nothing waits for an fsync.
  CHECK_THAT(m.body, Catch::Contains("paygham_store_syncs 0"));
  CHECK_THAT(m.body, Catch::Contains("paygham_store_commits"));
  // Known series are there from the start, at zero; an SMS counts in its own.
  CHECK_THAT(m.body, Catch::Contains("paygham_callbacks_rejected_total{channel=\"at\",reason=\"auth\"} 0"));
  CHECK_THAT(m.body, Catch::Contains("paygham_build_info{version=\""));
  CHECK_THAT(m.body, Catch::Contains(",store=\"sqlite\"}"));
  CHECK_THAT(m.body, Catch::Contains("paygham_ussd_hops_total{channel=\"at\",screen=\"con\"} 1"));
  CHECK_THAT(m.body, Catch::Contains("paygham_ussd_hops_total{channel=\"at\",screen=\"end\"} 0"));
  http_call(srv.port(), "POST", "/channels/console/sms", "from=%2B93700000001&text=INFO&id=z1");
  CHECK_THAT(http_call(srv.port(), "GET", "/metrics").body,
             Catch::Contains("paygham_inbound_sms_total{channel=\"console\",duplicate=\"false\"} 1"));
}

TEST_CASE("integration: paygham migrate brings a store to this version and says which", "[integration]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  const std::string out = dir.file("migrate.out");
  const std::string cmd = std::string(PAYGHAM_BINARY) + " migrate --config " + config + " >" + out + " 2>&1";
  CHECK(std::system(cmd.c_str()) == 0);
  CHECK_THAT(read_file(out), Catch::StartsWith("store sqlite:" + dir.file("paygham.db") + ": schema version "));
  CHECK(count(dir, "SELECT COUNT(*) FROM schema_migrations") >= 6);
  // Again: nothing to do, the same version.
  CHECK(std::system(cmd.c_str()) == 0);
  // A store it cannot reach: a clear error, exit 1.
  write_file(dir.file("pg.yaml"), "store: {backend: postgresql, url: \"postgresql:///none?host=" + dir.path() +
                                      "/nosocket\"}\nflows: flows\n");
  const std::string bad = std::string(PAYGHAM_BINARY) + " migrate --config " + dir.file("pg.yaml") + " >" + out + " 2>&1";
  CHECK(WEXITSTATUS(std::system(bad.c_str())) == 1);
  CHECK_THAT(read_file(out), Catch::Contains("cannot connect to PostgreSQL at 'postgresql:///none?host=") &&
                                 Catch::Contains("check store.url"));
}

TEST_CASE("integration: paygham segments --templates lists every text in every language with its parts and cost (R-S1)",
          "[integration]") {
  temp_dir dir;
  const std::string config =
      write_test_config(dir, "", "    tariff: {currency: IRR, gsm7: 1400, ucs2: 700}\n");
  std::string out, err;
  REQUIRE(run_paygham({"segments", "--templates", "--config", config}, &out, &err) == 0);
  INFO(err);
  std::map<std::string, std::vector<std::string>> rows;  // "key language" → its columns
  std::istringstream lines(out);
  std::string line;
  REQUIRE(std::getline(lines, line));
  CHECK(line == "key\tlanguage\tencoding\tunits\tparts\tbudget\tper 1,000");
  while (std::getline(lines, line)) {
    std::vector<std::string> cols;
    std::istringstream in(line);
    for (std::string col; std::getline(in, col, '\t');) cols.push_back(col);
    REQUIRE(cols.size() == 7);
    rows[cols[0] + " " + cols[1]] = cols;
  }
  // Every language of every key the shipped templates have, each within its budget.
  CHECK(rows.size() > 400);
  for (const auto& [name, cols] : rows) {
    INFO(name);
    CHECK(std::stoi(cols[4]) <= std::stoi(cols[5]));
  }
  // A reminder in Dari: UCS-2, one part at 700 IRR; the same in English is GSM-7, at 1,400 a part.
  const auto& dari = rows.at("reminders.daily prs");
  CHECK(dari[2] == "UCS-2");
  CHECK(dari[4] == "1");
  CHECK(dari[6] == "at 700000.00 IRR");
  const auto& english = rows.at("reminders.daily en");
  CHECK(english[2] == "GSM-7");
  CHECK(english[6] == "at 1400000.00 IRR");
  // Placeholders count with long values: a visit confirmation is longer than its text as written.
  const auto& confirm = rows.at("appointments.confirmation en");
  CHECK(std::stoi(confirm[3]) > 100);
  // A TEXT with --templates is a mistake said plainly.
  CHECK(run_paygham({"segments", "--templates", "hello"}, &out, &err) == 2);
  CHECK_THAT(err, Catch::Contains("--templates measures the templates"));
}

TEST_CASE("integration: a database not seen on an encrypted volume is named at start, or refused when required",
          "[integration]") {
  // tmpfs has no disk the gateway can see, on any machine: the answer is the same everywhere.
  temp_dir dir;
  const std::string db = "/dev/shm/paygham-at-rest-" + std::to_string(::getpid()) + ".db";
  const auto config = [&](const std::string& encryption) {
    std::string text = read_file(write_test_config(dir));
    text.replace(text.find(dir.file("paygham.db")), dir.file("paygham.db").size(), db);
    text.replace(text.find("  synchronous: normal\n"), 0, "  encryption: " + encryption + "\n");
    write_file(dir.file(encryption + ".yaml"), text);
    return dir.file(encryption + ".yaml");
  };
  std::string out, err;
  CHECK(run_paygham({"serve", "--config", config("require")}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("not started: store.encryption is 'require'") &&
                      Catch::Contains("/dev/shm is on a filesystem with no block device of its own") &&
                      Catch::Contains("store.encryption: external"));
  CHECK_FALSE(std::filesystem::exists(db));  // refused before anything was written
  {
    server_process srv(config("warn"));
    CHECK_THAT(srv.log(), Catch::Contains("store.not_encrypted") && Catch::Contains("LUKS or fscrypt"));
  }
  {
    server_process srv(config("external"));
    CHECK_THAT(srv.log(), Catch::Contains("store.encryption") && !Catch::Contains("store.not_encrypted"));
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
}

TEST_CASE("integration: with store.key the gateway keeps no number readable on disk, and paygham encrypt turns a store made before the key",
          "[integration]") {
  temp_dir dir;
  const std::string plain = write_test_config(dir);
  std::string text = read_file(plain);
  text.replace(text.find("  synchronous: normal\n"), 0, "  key: ${PAYGHAM_TEST_STORE_KEY}\n");
  const std::string locked = dir.file("locked.yaml");
  write_file(locked, text);
  ::setenv("PAYGHAM_TEST_STORE_KEY", std::string(64, 'c').c_str(), 1);
  const std::string db = dir.file("paygham.db");
  const auto on_disk = [&](const std::string& digits) {
    for (const char* suffix : {"", "-wal"}) {
      if (std::filesystem::exists(db + suffix) &&
          read_file(db + suffix).find(digits) != std::string::npos)
        return true;
    }
    return false;
  };
  const auto dial = [](int port, const std::string& phone) {
    return http_call(port, "POST", "/channels/at/ussd",
                     "sessionId=k-" + phone + "&serviceCode=*384*12%23&phoneNumber=%2B" + phone +
                         "&text=")
        .body;
  };
  {
    server_process srv(plain);
    CHECK_THAT(dial(srv.port(), "93700555101"), Catch::StartsWith("CON "));
  }
  REQUIRE(on_disk("93700555101"));  // the control: without a key, the number lies in the file
  std::string out, err;
  CHECK(run_paygham({"encrypt", "--config", plain}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("store.key is not set"));
  REQUIRE(run_paygham({"encrypt", "--config", locked}, &out, &err) == 0);
  CHECK_THAT(out, Catch::Contains("encrypted with store.key"));
  CHECK_FALSE(on_disk("93700555101"));
  {
    server_process srv(locked);
    CHECK_THAT(srv.log(), Catch::Contains("store.encryption") && Catch::Contains("AES-256-XTS") &&
                              !Catch::Contains("store.not_encrypted"));
    CHECK_THAT(dial(srv.port(), "93700555102"), Catch::StartsWith("CON "));
    CHECK_THROWS(
        scalar(dir, "SELECT COUNT(*) FROM contacts"));  // SQLite without the key reads nothing
    CHECK_FALSE(on_disk("93700555102"));
  }
  CHECK_FALSE(on_disk("93700555101"));
  CHECK_FALSE(on_disk("93700555102"));
  // Without the key the store is refused, saying what to set.
  CHECK(run_paygham({"serve", "--config", plain}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("set store.key to its key"));
  CHECK(run_paygham({"encrypt", "--config", locked}, &out, &err) == 0);
  CHECK_THAT(out, Catch::Contains("already encrypted"));
  ::unsetenv("PAYGHAM_TEST_STORE_KEY");
}

TEST_CASE("integration: paygham backup copies a serving store, and paygham restore puts a copy back, keeping the store it replaces", "[integration]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  const std::string db = dir.file("paygham.db");
  const auto dial = [](int port, const std::string& phone) {
    return http_call(port, "POST", "/channels/at/ussd",
                     "sessionId=b-" + phone + "&serviceCode=*384*12%23&phoneNumber=%2B" + phone +
                         "&text=")
        .body;
  };
  const auto people_in = [](const std::string& file) {
    SQLite::Database d(file, SQLite::OPEN_READONLY);
    return d
        .execAndGet(
            "SELECT group_concat(phone, ' ') FROM (SELECT phone FROM contacts ORDER BY phone)")
        .getString();
  };
  std::string out, err;
  {
    server_process srv(config);
    REQUIRE_THAT(dial(srv.port(), "93700555201"), Catch::StartsWith("CON "));
    REQUIRE(http_call(srv.port(), "POST", "/channels/at/sms", "from=%2B93700555201&text=INFO&id=b1")
                .status == 200);
    // Taken while the gateway serves, and the gateway serves on.
    REQUIRE(run_paygham({"backup", "--config", config, "--to", dir.file("b1.db")}, &out, &err) ==
            0);
    CHECK_THAT(out, Catch::Contains("copied to " + dir.file("b1.db")) &&
                        Catch::Contains("checked") && Catch::Contains("not encrypted"));
    CHECK_THAT(dial(srv.port(), "93700555202"), Catch::StartsWith("CON "));
    CHECK(run_paygham({"backup", "--config", config, "--to", dir.file("b1.db")}, &out, &err) == 1);
    CHECK_THAT(err, Catch::Contains("exists: name a new file"));
    CHECK(run_paygham({"backup", "--config", config}, &out, &err) == 2);
    CHECK_THAT(err, Catch::Contains("--to FILE"));
    // Restoring under a running gateway is refused, and nothing moves.
    CHECK(run_paygham({"restore", "--config", config, "--from", dir.file("b1.db")}, &out, &err) ==
          1);
    CHECK_THAT(err, Catch::Contains("is in use: stop the gateway"));
    CHECK(dial(srv.port(), "93700555203") != "");
  }
  CHECK(people_in(dir.file("b1.db")) == "+93700555201");
  CHECK(people_in(db) == "+93700555201 +93700555202 +93700555203");
  // Only its owner reads a copy made without a key: it holds people's numbers as they are.
  CHECK((std::filesystem::status(dir.file("b1.db")).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  // The store itself, or a store with its WAL beside it, is not a backup.
  CHECK(run_paygham({"restore", "--config", config, "--from", db}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("is the store itself"));
  std::filesystem::copy_file(dir.file("b1.db"), dir.file("live.db"));
  write_file(dir.file("live.db-wal"), "frames");
  CHECK(run_paygham({"restore", "--config", config, "--from", dir.file("live.db")}, &out, &err) ==
        1);
  CHECK_THAT(err, Catch::Contains("live.db-wal beside it: it is a store, not a backup"));
  // A backup that is not one is refused before anything moves.
  write_file(dir.file("junk.db"), std::string(8192, 'x'));
  CHECK(run_paygham({"restore", "--config", config, "--from", dir.file("junk.db")}, &out, &err) ==
        1);
  CHECK_THAT(err, Catch::Contains("junk.db"));
  CHECK(run_paygham({"restore", "--config", config, "--from", dir.file("none.db")}, &out, &err) ==
        1);
  CHECK_THAT(err, Catch::Contains("there is no backup at"));
  CHECK(people_in(db) == "+93700555201 +93700555202 +93700555203");

  REQUIRE(run_paygham({"restore", "--config", config, "--from", dir.file("b1.db")}, &out, &err) ==
          0);
  CHECK_THAT(out, Catch::Contains("restored from") &&
                      Catch::Contains("kept as " + db + ".before-restore-"));
  // The reply to INFO was not sent when the backup was taken (the test's aggregator is not
  // there): restoring says it will go, and may go twice.
  CHECK_THAT(out,
             Catch::Contains("1 message waits in the backup") && Catch::Contains("a second time"));
  CHECK(people_in(db) == "+93700555201");
  std::string aside;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    const std::string name = e.path().string();
    if (name.find(".before-restore-") != std::string::npos &&
        name.find("-wal") == std::string::npos)
      aside = name;
  }
  REQUIRE_FALSE(aside.empty());
  CHECK(people_in(aside) == "+93700555201 +93700555202 +93700555203");  // the store replaced, whole
  {
    server_process srv(config);  // the restored store serves
    CHECK_THAT(dial(srv.port(), "93700555204"), Catch::StartsWith("CON "));
  }
  CHECK(people_in(db) == "+93700555201 +93700555204");

  // With store.key the copy is encrypted with it, and a copy of another kind is refused.
  std::string text = read_file(config);
  text.replace(text.find("  synchronous: normal\n"), 0, "  key: ${PAYGHAM_TEST_STORE_KEY}\n");
  const std::string locked = dir.file("locked.yaml");
  write_file(locked, text);
  ::setenv("PAYGHAM_TEST_STORE_KEY", std::string(64, 'd').c_str(), 1);
  REQUIRE(run_paygham({"encrypt", "--config", locked}, &out, &err) == 0);
  REQUIRE(run_paygham({"backup", "--config", locked, "--to", dir.file("b2.db")}, &out, &err) == 0);
  CHECK_THAT(out, Catch::Contains("encrypted with store.key"));
  CHECK(read_file(dir.file("b2.db")).find("93700555204") == std::string::npos);
  CHECK(read_file(dir.file("b1.db")).find("93700555201") != std::string::npos);  // the control
  CHECK(run_paygham({"restore", "--config", locked, "--from", dir.file("b1.db")}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("it is not encrypted, but store.key is set"));
  REQUIRE(run_paygham({"restore", "--config", locked, "--from", dir.file("b2.db")}, &out, &err) ==
          0);
  {
    server_process srv(locked);
    CHECK_THAT(dial(srv.port(), "93700555205"), Catch::StartsWith("CON "));
  }
  ::unsetenv("PAYGHAM_TEST_STORE_KEY");
}

TEST_CASE("integration: keep-alive serves several requests on one connection", "[integration]") {
  temp_dir dir;
  server_process srv(write_test_config(dir));
  connection c(srv.port());
  for (int i = 0; i < 3; ++i) {
    REQUIRE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(c.read_reply().status == 200);
  }
}

TEST_CASE("integration: a client that trickles its request is dropped", "[integration]") {
  temp_dir dir;
  server_process srv(write_test_config(dir, "  limits: {read_timeout: 1s}\n"));
  connection c(srv.port());
  const std::string req = "POST /channels/at/ussd HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n";
  const auto start = std::chrono::steady_clock::now();
  bool dropped = false;
  for (char ch : req) {
    if (!c.send(std::string(1, ch))) {
      dropped = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(4)) break;
  }
  // Either a send failed, or the server has closed without answering.
  const std::string rest = dropped ? std::string() : c.read_all();
  CHECK(rest.empty());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(6));
  CHECK(http_call(srv.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("integration: past max_connections a connection gets 503 with Retry-After, freed, it is served",
          "[integration]") {
  temp_dir dir;
  server_process srv(write_test_config(dir, "  limits: {max_connections: 16}\n"));
  std::vector<std::unique_ptr<connection>> idle;
  for (int i = 0; i < 16; ++i) idle.push_back(std::make_unique<connection>(srv.port()));
  // Each of the 16 is a session now (it says nothing yet); wait until the server has them all.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto full = http_call(srv.port(), "GET", "/healthz");
  CHECK(full.status == 503);
  CHECK(full.headers.count("retry-after") == 1);
  idle.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(http_call(srv.port(), "GET", "/healthz").status == 200);
  CHECK_THAT(http_call(srv.port(), "GET", "/metrics").body,
             Catch::Contains("paygham_http_connections_refused_total{reason=\"max_connections\"} 1"));
}

TEST_CASE("integration: out of descriptors, the server pauses accepting without spinning and recovers",
          "[integration]") {
  if (sanitized) {
    // Out of descriptors, UBSan cannot read /proc/self/maps to check a virtual call's object
    // and reports a false "invalid vptr": this runs in a plain build (PAYGHAM_PRESET=dev tools/test).
    WARN("skipped under the sanitizers");
    return;
  }
  temp_dir dir;
  // The server gets 48 descriptors (the test keeps its own) and is told to take 1,000
  // connections: a flood exhausts its descriptors. (Left to itself it takes 48 less 64, at least 16.)
  rlimit mine{};
  ::getrlimit(RLIMIT_NOFILE, &mine);
  rlimit tight = mine;
  tight.rlim_cur = 48;
  ::setrlimit(RLIMIT_NOFILE, &tight);
  std::unique_ptr<server_process> srv;
  try {
    srv = std::make_unique<server_process>(write_test_config(dir, "  limits: {max_connections: 1000}\n"));
  } catch (...) {
    ::setrlimit(RLIMIT_NOFILE, &mine);
    throw;
  }
  ::setrlimit(RLIMIT_NOFILE, &mine);
  std::vector<std::unique_ptr<connection>> flood;
  for (int i = 0; i < 80; ++i) flood.push_back(std::make_unique<connection>(srv->port()));
  // CPU time of the server over a second while it cannot accept: far from a spinning core.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double before = cpu_seconds(srv->pid());
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(cpu_seconds(srv->pid()) - before < 0.2);  // under 20 % of a core
  // Logged with a count, at most once a second.
  const std::string log = srv->log();
  std::size_t lines = 0;
  for (auto at = log.find("http.accept_failed"); at != std::string::npos; at = log.find("http.accept_failed", at + 1)) ++lines;
  CHECK(lines >= 1);
  CHECK(lines <= 3);
  // Freed, it serves again.
  flood.clear();
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    try {
      status = http_call(srv->port(), "GET", "/healthz").status;
    } catch (const std::exception&) {
    }
  }
  INFO("server log: " << srv->log());
  CHECK(status == 200);
}

TEST_CASE("integration: a broken config stops start-up with the key and line", "[integration]") {
  std::string err;
  const int rc = run_paygham(
      {"serve", "--config", fixture_path("config/broken/threads_not_number.yaml")}, nullptr, &err);
  CHECK(rc == 1);
  CHECK_THAT(err, Catch::Contains("threads_not_number.yaml:4:12") &&
                      Catch::Contains("'server.threads'"));
}

TEST_CASE("integration: lint passes the shipped set and names a broken flow", "[integration]") {
  std::string out, err;
  CHECK(run_paygham({"lint", "--config", std::string(PAYGHAM_SOURCE_DIR) + "/config/paygham.yaml"},
                    &out, &err) == 0);
  CHECK_THAT(out, Catch::Contains("ok: 5 flows, 4 languages"));
  // Its Africa's Talking channel takes callbacks but has no API key to send with: said.
  CHECK_THAT(
      err, Catch::Contains("channel 'at' cannot send: channel needs username and api_key to send"));

  temp_dir dir;
  // The README's "complete example", with the shipped files where it expects them.
  {
    const std::string src = PAYGHAM_SOURCE_DIR;
    std::string example = read_file(src + "/config/africastalking.example.yaml");
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"/etc/paygham/clinics/clinics.yaml", src + "/config/clinics.yaml"},
             {"/etc/paygham/holidays.yaml", src + "/config/holidays.yaml"},
             {"/etc/paygham/districts.yaml", src + "/config/districts.yaml"},
             {"/etc/paygham/", src + "/"}}) {
      for (auto at = example.find(from); at != std::string::npos; at = example.find(from, at + to.size())) {
        example.replace(at, from.size(), to);
      }
    }
    write_file(dir.file("at.yaml"), example);
    ::setenv("AT_USERNAME", "u", 1);
    ::setenv("AT_API_KEY", "k", 1);
    ::setenv("AT_CALLBACK_TOKEN", "a-long-random-callback-secret-0123456789", 1);
    ::setenv("PAYGHAM_STORE_KEY", std::string(64, 'e').c_str(), 1);
    CHECK(run_paygham({"lint", "--config", dir.file("at.yaml")}, &out, &err) == 0);
    INFO(err);
    CHECK_THAT(out, Catch::Contains("ok: 5 flows, 4 languages, 1 channels"));
    CHECK_THAT(err, !Catch::Contains("cannot send") && !Catch::Contains("no report will come"));
  }
  {
    // Kannel is asked for each message's reports at server.public_url: without it, none come.
    const std::string kannel = write_test_config(
        dir, "",
        "  - {id: ka, type: kannel, allow_ips: [127.0.0.1], base_url: \"http://127.0.0.1:13013\", "
        "username: u, password: p}\n");
    CHECK(run_paygham({"lint", "--config", kannel}, &out, &err) == 0);
    CHECK_THAT(err,
               Catch::Contains("channel 'ka' (kannel) asks for each message's delivery report at "
                               "server.public_url, which is not set"));
    const std::string with_url =
        write_test_config(dir, "  public_url: https://gw.example.org\n",
                          "  - {id: ka, type: kannel, allow_ips: [127.0.0.1], base_url: "
                          "\"http://127.0.0.1:13013\", username: u, "
                          "password: p}\n");
    CHECK(run_paygham({"lint", "--config", with_url}, &out, &err) == 0);
    CHECK_THAT(err, !Catch::Contains("no report will come"));
    // Reached at a public address, an allow list of this machine's lets anyone through a
    // proxy here, unless the proxy is trusted to name each caller.
    CHECK_THAT(err,
               Catch::Contains(
                   "channel 'ka' takes callbacks from 127.0.0.1 (allow_ips), but aggregators reach "
                   "this server at https://gw.example.org") &&
                   Catch::Contains("server.trusted_proxies"));
    const std::string proxied = write_test_config(
        dir, "  public_url: https://gw.example.org\n  trusted_proxies: [127.0.0.1]\n",
        "  - {id: ka, type: kannel, allow_ips: [127.0.0.1], base_url: \"http://127.0.0.1:13013\", "
        "username: u, "
        "password: p}\n");
    CHECK(run_paygham({"lint", "--config", proxied}, &out, &err) == 0);
    CHECK_THAT(err, !Catch::Contains("lets anyone through"));
  }

  const std::string config = write_test_config(dir);
  std::string text = read_file(config);
  text.replace(text.find("flows: "), text.find('\n', text.find("flows: ")) - text.find("flows: "),
               "flows: " + fixture_path("flows/broken"));
  write_file(config, text);
  CHECK(run_paygham({"lint", "--config", config}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("start_unknown.yaml:2:8: start node 'nope'"));

  // For editors: the same problems as JSON objects with their place.
  CHECK(run_paygham({"lint", "--config", config, "--format", "json"}, &out, &err) == 1);
  const auto j = nlohmann::json::parse(out);
  CHECK(j["ok"] == false);
  bool placed = false;
  for (const auto& p : j["problems"]) {
    placed = placed || (p["file"].get<std::string>().find("start_unknown.yaml") != std::string::npos &&
                        p["line"] == 2 && p["column"] == 8 &&
                        p["message"] == "start node 'nope' is not a node of this flow");
  }
  CHECK(placed);
  CHECK(run_paygham({"lint", "--format", "xml"}, &out, &err) == 2);
  CHECK_THAT(err, Catch::Contains("--format takes text or json"));

  // Sending hours for a programme no flow names: a typo that would change nothing.
  temp_dir typo_dir;
  const std::string typo = write_test_config(typo_dir, "programmes:\n  mine_safty: {quiet_days: [fri]}\n");
  CHECK(run_paygham({"lint", "--config", typo}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("paygham.yaml:4:3: programmes.mine_safty: no flow names "
                                  "programme 'mine_safty' (did you mean "
                                  "'mine_safety'?)"));

  // A menu an action fills with texts (whom a visit is for, R-B4): each must fit a screen alone.
  temp_dir long_dir;
  const std::string long_config = write_test_config(long_dir);
  std::filesystem::copy(std::string(PAYGHAM_SOURCE_DIR) + "/templates", long_dir.file("templates"));
  std::string fa = read_file(long_dir.file("templates/fa.yaml"));
  const auto at = fa.find("  for_parent: ");
  fa.replace(at, fa.find('\n', at) - at, "  for_parent: \"" + std::string(40, 'x') + " پدر یا مادرم\"");
  write_file(long_dir.file("templates/fa.yaml"), fa);
  std::string long_text = read_file(long_config);
  long_text.replace(long_text.find("templates: "), long_text.find('\n', long_text.find("templates: ")) - long_text.find("templates: "),
                    "templates: " + long_dir.file("templates"));
  write_file(long_config, long_text);
  CHECK(run_paygham({"lint", "--config", long_config}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("question 'whom' in fa can make a USSD screen of"));
}

TEST_CASE("integration: lint shows every problem in one go, each channel's at its key", "[integration]") {
  temp_dir dir;
  const std::string config = write_test_config(dir, "",
                                               "  - id: tw\n"
                                               "    type: twilio\n"
                                               "    account_sid: ${PAYGHAM_TEST_NEVER_SET}\n"
                                               "    secret: s3cret\n"
                                               "  - id: ranged\n"
                                               "    type: africastalking\n"
                                               "    allow_ips: [10.0.0.0/8]\n"
                                               "log: {level: loud}\n");
  std::string text = read_file(config);
  text.replace(text.find("flows: "), text.find('\n', text.find("flows: ")) - text.find("flows: "),
               "flows: " + fixture_path("flows/broken"));
  write_file(config, text);
  const auto line_of = [&](const std::string& needle) {
    return std::to_string(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(text.find(needle)), '\n') + 1);
  };
  std::string out, err;
  CHECK(run_paygham({"lint", "--config", config}, &out, &err) == 1);
  INFO(err);
  // The config's own problems, the channel made from what was read, and the flows: one run.
  CHECK_THAT(err, Catch::Contains(":" + line_of("${PAYGHAM_TEST_NEVER_SET}") +
                                  ":18: environment variable 'PAYGHAM_TEST_NEVER_SET' is not set"));
  CHECK_THAT(err, Catch::Contains("'log.level' must be debug, info, warn or error"));
  CHECK_THAT(err, Catch::Contains(":" + line_of("allow_ips: [10.0.0.0/8]") +
                                  ":5: channel 'ranged': allow_ips takes single addresses"));
  CHECK_THAT(err, Catch::Contains("start_unknown.yaml:2:8: start node 'nope'"));
  // What the variable not set left out is not reported again as missing.
  CHECK_THAT(err, !Catch::Contains("(twilio) needs"));
  // The server says the same, and does not start.
  CHECK(run_paygham({"serve", "--config", config}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("allow_ips takes single addresses") && Catch::Contains("start node 'nope'"));

  // A flows and texts check resting on a config problem waits for it to be mended.
  temp_dir typo_dir;
  const std::string typo = write_test_config(typo_dir, "programmes:\n  Mine_Safety: {quiet_days: [fri]}\n");
  CHECK(run_paygham({"lint", "--config", typo}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("a programme is named in lower-case letters") &&
                      Catch::Contains("flows and texts are checked once the config's problems above are mended"));
}

TEST_CASE("integration: migrate and the store's commands run without the channels' secrets", "[integration]") {
  // Whoever migrates the database or adds a user has the store's variables, not the
  // aggregators' keys; the server would not start so.
  temp_dir dir;
  const std::string config = write_test_config(dir, "",
                                               "  - id: tw\n"
                                               "    type: twilio\n"
                                               "    account_sid: ${PAYGHAM_TEST_NEVER_SET}\n"
                                               "    secret: ${PAYGHAM_TEST_NEVER_SET_EITHER}\n");
  std::string out, err;
  CHECK(run_paygham({"migrate", "--config", config}, &out, &err) == 0);
  INFO(err);
  CHECK_THAT(out, Catch::Contains("schema version"));
  CHECK(run_paygham({"token", "list", "--config", config}, &out, &err) == 0);
  CHECK(run_paygham({"serve", "--config", config}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("environment variable 'PAYGHAM_TEST_NEVER_SET' is not set") &&
                      Catch::Contains("'PAYGHAM_TEST_NEVER_SET_EITHER' is not set"));
}

TEST_CASE("integration: usage errors exit 2 and --help exits 0", "[integration]") {
  std::string out, err;
  CHECK(run_paygham({}, &out, &err) == 2);
  CHECK(run_paygham({"frobnicate"}, &out, &err) == 2);
  CHECK(run_paygham({"serve", "--bogus"}, &out, &err) == 2);
  CHECK(run_paygham({"serve", "--help"}, &out, &err) == 0);
  CHECK_THAT(out, Catch::Contains("usage: paygham serve"));
  CHECK(run_paygham({"lint", "--help"}, &out, &err) == 0);
  CHECK(run_paygham({"--help"}, &out, &err) == 0);
  // A name the lists print: a control character would act on the terminal that shows it.
  CHECK(run_paygham({"token", "create", "--role", "operator", "--name", "x\x1b[2Jy"}, &out, &err) == 2);
  CHECK_THAT(err, Catch::Contains("no control characters"));
  CHECK(run_paygham({"user", "create", "--role", "operator", "--name", "a\nb", "--login", "ab1"}, &out, &err) == 2);
  CHECK_THAT(err, Catch::Contains("no control characters"));
}

TEST_CASE("integration: a USSD screen over its route's limit is logged and counted",
          "[integration]") {
  // Lint keeps the texts within the limit; a value typed by a person may still overflow it.
  temp_dir dir;
  const std::string config = write_flow_config(
      dir,
      {{"name.yaml", "triggers: {ussd: [\"*384*55#\"]}\nstart: name\nnodes:\n"
                     "  name: {ask: text, text: name.ask, save: name, next: hi}\n"
                     "  hi: {end: name.hi}\n"}},
      "name: {ask: \"Your name?\", hi: \"Hello {name}.\"}\n");
  server_process srv(config);
  const std::string dial = "sessionId=l1&serviceCode=*384*55%23&phoneNumber=%2B93700000001&text=";
  CHECK_THAT(http_call(srv.port(), "POST", "/channels/at/ussd", dial).body, Catch::StartsWith("CON Your name?"));
  const auto r = http_call(srv.port(), "POST", "/channels/at/ussd", dial + std::string(200, 'a'));
  CHECK_THAT(r.body, Catch::StartsWith("END Hello aaaa"));  // still sent
  CHECK_THAT(srv.log(), Catch::Contains("ussd.screen_too_long") && Catch::Contains("\"limit\":182"));
  CHECK_THAT(http_call(srv.port(), "GET", "/metrics").body,
             Catch::Contains("paygham_ussd_screens_long_total{channel=\"at\",verdict=\"too_long\"} 1"));
}

TEST_CASE("integration: a route that carries no UCS-2 shows the menu in the person's language in Latin letters, or "
          "its numbers with the words by SMS, and the person's SMS stay in their language",
          "[integration]") {
  // R-U4: Persian script on such a route reaches the phone as boxes or question marks.
  temp_dir dir;
  const std::string config = write_test_config(
      dir, "ussd_profiles:\n  plain: {ucs2: false, fallback: latin}\n  digits: {ucs2: false, fallback: digits}\n",
      "  - id: plain\n    type: africastalking\n    allow_ips: [127.0.0.1]\n    ussd_profile: plain\n"
      "  - id: digits\n    type: africastalking\n    allow_ips: [127.0.0.1]\n    ussd_profile: digits\n");
  std::string out, err;
  INFO(out << err);
  CHECK(run_paygham({"lint", "--config", config}, &out, &err) == 0);  // every shipped Latin-letter screen is GSM 7-bit
  {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    REQUIRE(run_paygham({"migrate", "--config", config}, &out, &err) == 0);
    db.exec("INSERT INTO contacts (phone, language, created_at, updated_at) VALUES ('+93700000001', 'prs', 0, 0)");
    // A Pashto reader (no Pashto in Latin letters) who reads Farsi next (R-L2), and one who said nothing.
    db.exec("INSERT INTO contacts (phone, language, fields, created_at, updated_at)"
            " VALUES ('+93700000002', 'ps', '{\"languages\":\"fa,en\"}', 0, 0), ('+93700000003', 'ps', '{}', 0, 0)");
  }
  server_process srv(config);
  const std::string dial = "serviceCode=*384*12%23&phoneNumber=%2B93700000001&text=&sessionId=";
  const auto latin = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
  };
  const auto wide = http_call(srv.port(), "POST", "/channels/at/ussd", dial + "u1").body;
  CHECK_FALSE(latin(wide));  // Dari where the route carries it
  const auto plain = http_call(srv.port(), "POST", "/channels/plain/ussd", dial + "u2").body;
  INFO(plain);
  // Go on from the first dial? In Dari, in Latin letters (templates/prs-Latn.yaml).
  CHECK_THAT(plain, Catch::StartsWith("CON Az jayi ke mandid, edama midehid?\n1. Edama\n"));
  CHECK(latin(plain));
  // Pashto has no Latin letters: the next language the person reads that has them, Farsi here,
  // else the deployment's default (English here).
  const std::string welcome = "serviceCode=*384*12%23&text=&sessionId=";
  CHECK_THAT(http_call(srv.port(), "POST", "/channels/plain/ussd", welcome + "p2&phoneNumber=%2B93700000002").body,
             Catch::Contains("Saat-e kar-e darmangah"));
  CHECK_THAT(http_call(srv.port(), "POST", "/channels/plain/ussd", welcome + "p3&phoneNumber=%2B93700000003").body,
             Catch::Contains("Clinic hours"));
  // Labels an action draws (the clinics, in the person's language elsewhere) too.
  const std::string book = "serviceCode=*384*14%23&phoneNumber=%2B93700000001&sessionId=u3&text=";
  CHECK(latin(http_call(srv.port(), "POST", "/channels/plain/ussd", book).body));
  CHECK(latin(http_call(srv.port(), "POST", "/channels/plain/ussd", book + "1").body));
  const auto where = http_call(srv.port(), "POST", "/channels/plain/ussd", book + "1*1").body;
  INFO(where);
  CHECK_THAT(where, Catch::Contains("Khana-ye Helal Golshahr"));  // the clinics file's prs-Latn name
  CHECK(latin(where));
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT language FROM contacts WHERE phone = '+93700000001'").getString() == "prs");  // for SMS
  // The numbers to type on the screen, the Dari words by SMS under the same number: first
  // whether to go on with the booking left above, then the menu from the start.
  const std::string digits = book.substr(0, book.find("u3")) + "d1&text=";
  CHECK(http_call(srv.port(), "POST", "/channels/digits/ussd", digits).body == "CON [1] SMS\n1 2");
  CHECK(http_call(srv.port(), "POST", "/channels/digits/ussd", digits + "2").body == "CON [2] SMS\n1 2 3 4 5");
  const auto words = [&](const std::string& number) {
    SQLite::Statement q(db, "SELECT body FROM outbound_messages WHERE to_phone = '+93700000001' AND body LIKE ?");
    q.bind(1, "[" + number + "]%");
    return q.executeStep() ? q.getColumn(0).getString() : std::string();
  };
  CHECK_THAT(words("1"), Catch::StartsWith("[1]\n") && Catch::Contains("ادامه"));
  CHECK_THAT(words("2"), Catch::StartsWith("[2]\n") && Catch::Contains("نوبت"));
  CHECK_THAT(srv.log(), !Catch::Contains("ussd.screen_needs_ucs2"));

  // An operator sees the same before going live: `paygham simulate --route`.
  REQUIRE(run_paygham({"simulate", "--config", config, "--phone", "+93700000009", "--lang", "prs", "--ussd-route", "plain",
                       "--ussd", "*384*12#"},
                      &out, &err, "1\n") == 0);
  CHECK_THAT(out, Catch::Contains("< CON Helal Ahmar\n  1. Saat-e kar-e clinic"));
  CHECK_THAT(out, Catch::Contains("for a USSD screen]") && !Catch::Contains("UCS-2"));
  CHECK(run_paygham({"simulate", "--config", config, "--phone", "+93700000009", "--ussd-route", "nosuch", "--sms"}, &out,
                    &err) == 1);
  CHECK_THAT(err, Catch::Contains("USSD route 'nosuch' is not in ussd_profiles") && Catch::Contains("default, digits, plain"));
  CHECK(run_paygham({"simulate", "--config", config, "--phone", "+93700000009", "--lang", "prs-Latn", "--sms"}, &out,
                    &err) == 1);
  CHECK_THAT(err, Catch::Contains("--lang prs --ussd-route"));
}

TEST_CASE("integration: simulate walks a flow from a script on standard input", "[integration]") {
  const std::string config = std::string(PAYGHAM_SOURCE_DIR) + "/config/paygham.yaml";
  std::string out, err;
  REQUIRE(run_paygham({"simulate", "--config", config, "--phone", "0700000001", "--ussd", "*384*12#"},
                      &out, &err, "4\n1\n2\n") == 0);
  CHECK_THAT(out, Catch::Contains("< CON زبان / ژبه / Language"));
  CHECK_THAT(out, Catch::Contains("< CON Red Crescent"));
  CHECK_THAT(out, Catch::Contains("< END Central clinic: open Saturday"));
  CHECK_THAT(out, Catch::Contains("[GSM-7, 54 septets of 182 for a USSD screen]"));
  REQUIRE(run_paygham({"simulate", "--config", config, "--phone", "+93700000002", "--sms", "--lang", "fa"},
                      &out, &err, "info\n") == 0);
  CHECK_THAT(out, Catch::Contains("< sms هلال احمر"));
  CHECK_THAT(out, Catch::Contains("[UCS-2, 60 units, 1 SMS part]"));
  // The language given still changes as it would on a phone: the list, then its fourth (English).
  REQUIRE(run_paygham(
              {"simulate", "--config", config, "--phone", "+93700000002", "--sms", "--lang", "fa"},
              &out, &err, "زبان\n4\n\n") == 0);
  CHECK_THAT(out, Catch::Contains("4 English"));
  CHECK_THAT(out, Catch::Contains("> sms 4\n< sms Red Crescent"));
  CHECK_THAT(out, !Catch::Contains("> sms \n"));  // the blank line is not an SMS
  CHECK(run_paygham({"simulate", "--config", config, "--ussd", "*1#"}, &out, &err) == 2);

  // The virtual clock: a question that waits a day over SMS moves on after ":wait".
  temp_dir dir;
  const std::string waiting = write_flow_config(
      dir,
      {{"later.yaml", "triggers: {sms: [LATER]}\nstart: q\nnodes:\n"
                      "  q: {ask: text, text: later.q, timeout: 1d, on_timeout: gone, next: ok}\n"
                      "  ok: {end: later.ok}\n  gone: {end: later.gone}\n"}},
      "later: {q: \"Anything to add?\", ok: \"Thanks.\", gone: \"No reply; closed.\"}\n");
  REQUIRE(run_paygham({"simulate", "--config", waiting, "--phone", "0700000003", "--sms"}, &out, &err,
                      "LATER\n:wait 23h\n:wait 2h\n:wait soon\n") == 0);
  CHECK_THAT(out, Catch::Contains("> :wait 23h\n> :wait 2h\n< sms No reply; closed."));
  CHECK_THAT(out, Catch::Contains("> :wait soon\n  ("));
  CHECK(run_paygham({"simulate", "--config", config, "--phone", "hello", "--sms"}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("'hello'"));
  // Iranian and Afghan national numbers both, with the shipped config; a first SMS in Farsi
  // is answered in Farsi.
  REQUIRE(run_paygham({"simulate", "--config", config, "--phone", "09121234567", "--sms"}, &out, &err,
                      "اطلاعات\n") == 0);
  CHECK_THAT(out, Catch::Contains("< sms هلال احمر\n  ۱- ساعت کار درمانگاه"));
  REQUIRE(run_paygham({"simulate", "--config", config, "--phone", "0700000004", "--sms"}, &out, &err, "") == 0);
  CHECK(run_paygham({"simulate", "--config", config, "--phone", "0812", "--sms"}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("IR, AF") && Catch::Contains("defaults.region"));
  CHECK(run_paygham({"simulate", "--config", config, "--phone", "0700000004", "--sms", "--lang", "xx"}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("'xx'") && Catch::Contains("en, fa, prs, ps"));
  CHECK(run_paygham({"--version"}, &out, &err) == 0);
  CHECK_THAT(out, Catch::StartsWith("paygham 0."));

  // What would not be sent now says why: a timeout at night is held by the sending hours of
  // the person's own zone (a day after 20:00Z is 00:30 in Kabul: held until 08:00 there).
  std::string night = read_file(waiting);
  night.replace(night.find("  language: en\n"), 15, "  language: en\n  quiet_hours: \"21:00-08:00\"\n");
  write_file(waiting, night);
  REQUIRE(run_paygham({"simulate", "--config=" + waiting, "--phone=0700000003", "--sms", "--at", "2026-11-29T20:00:00Z"},
                      &out, &err, "LATER\n:wait 25h\n") == 0);
  CHECK_THAT(out, Catch::Contains("< sms No reply; closed.") && Catch::Contains("(held by sending hours until 08:00 Asia/Kabul)"));
  // A daily reminder over two days of the virtual clock: both days' texts go out.
  REQUIRE(run_paygham({"simulate", "--config", config, "--phone", "0700000007", "--ussd", "*384*13#"}, &out, &err,
                      "4\n1\n:wait 49h\n") == 0);
  const std::string daily = "< sms Red Crescent: your daily reminder. To stop, send 11.";
  const auto first = out.find(daily);
  REQUIRE(first != std::string::npos);
  CHECK(out.find(daily, first + daily.size()) != std::string::npos);
  // A USSD session dialled again shows where it was left.
  REQUIRE(run_paygham({"simulate", "--config", config, "--phone", "0700000006", "--ussd", "*384*12#"}, &out, &err,
                      "4\n1\n:dial\n1\n") == 0);
  CHECK_THAT(out, Catch::Contains("> dial *384*12# from +93700000006\n< CON Continue where you left off?"));
}
