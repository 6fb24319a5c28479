#include "gateway/app/config.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "tests/support/support.hpp"

using namespace paygham;

TEST_CASE("app: every broken config names the key and its line", "[app]") {
  const auto files = test::fixture_files("config/broken", ".yaml");
  REQUIRE(files.size() >= 10);
  ::setenv("PAYGHAM_TEST_EMPTY", "", 1);  // empty_secret.yaml: set, but to nothing
  for (const auto& file : files) {
    INFO(file);
    const std::string text = test::read_file(file);
    const std::string expected = text.substr(10, text.find('\n') - 10);
    const auto c = app::load_config(file);
    REQUIRE_FALSE(c.ok());
    CHECK_THAT(c.error(), Catch::Contains(expected));
  }
  // A variable not set is said once, not also as the empty value it left.
  const auto unset = app::load_config(test::fixture_path("config/broken/unset_secret.yaml"));
  REQUIRE_FALSE(unset.ok());
  CHECK_THAT(unset.error(), !Catch::Contains("is empty"));
}

TEST_CASE("app: a command that sends nothing reads a config whose channel secrets are not set", "[app]") {
  // `paygham migrate` (and user, contacts, broadcast, …) run where only the store's variables
  // are set; the server and lint still need every one.
  const std::string file = test::fixture_path("config/broken/unset_secret.yaml");
  const auto c = app::load_config(file, app::channel_secrets::unused);
  REQUIRE(c.ok());
  REQUIRE(c->channels.size() == 1);
  CHECK(c->channels[0].id == "at");
  CHECK(c->channels[0].params.count("auth_token") == 0);
  CHECK_FALSE(app::load_config(file, app::channel_secrets::needed).ok());

  // Read for the server, the channel is known to be unread (nothing is made of it), and the
  // problem is not one of those the flows and texts are checked against.
  const auto read = app::read_config(file, app::channel_secrets::needed);
  REQUIRE(read.ok());
  REQUIRE(read->problems.size() == 1);
  CHECK(read->channels_unread.count("at") == 1);
  CHECK(read->content_checkable);
  // Each channel key is placed where it is written: line 6, column 5.
  CHECK(read->cfg.channels[0].at("auth_token") == file + ":6:5");
  CHECK(read->cfg.channels[0].at("sender") == read->cfg.channels[0].where);

  // A channel's ussd_profile not declared: flows are measured against its screens, so their
  // check waits for it to be mended.
  test::temp_dir dir;
  test::write_file(dir.file("paygham.yaml"),
                   "channels:\n  - {id: at, type: africastalking, allow_ips: [127.0.0.1], ussd_profile: narrow}\n");
  const auto narrow = app::read_config(dir.file("paygham.yaml"), app::channel_secrets::needed);
  REQUIRE(narrow.ok());
  REQUIRE(narrow->problems.size() == 1);
  CHECK_FALSE(narrow->content_checkable);
}

TEST_CASE("app: a config reads the environment and resolves paths beside itself", "[app]") {
  test::temp_dir dir;
  ::setenv("PAYGHAM_TEST_TOKEN", "t0ken-from-env", 1);
  test::write_file(dir.file("conf/paygham.yaml"),
                   "server:\n"
                   "  listen: 127.0.0.1:9090\n"
                   "  limits: {body_bytes: 2048, read_timeout: 2s}\n"
                   "store: {path: ../data/p.db}\n"
                   "flows: flows\n"
                   "tls: {ca_file: ngo-ca.pem}\n"
                   "channels:\n"
                   "  - id: at\n"
                   "    type: africastalking\n"
                   "    auth_token: ${PAYGHAM_TEST_TOKEN}\n"
                   "    allow_ips: [127.0.0.1, 10.0.0.1]\n");
  test::write_file(dir.file("conf/ngo-ca.pem"), "-----BEGIN CERTIFICATE-----\n");
  const auto c = app::load_config(dir.file("conf/paygham.yaml"));
  REQUIRE(c.ok());
  CHECK(c->ca_file == dir.file("conf/ngo-ca.pem"));
  CHECK(c->server.port == 9090);
  CHECK(c->server.body_limit == 2048);
  CHECK(c->server.read_timeout.count() == 2000);
  CHECK(c->server.idle_timeout.count() == 60'000);  // default kept
  CHECK(c->store.path == dir.file("data/p.db"));
  CHECK(c->flows_dir == dir.file("conf/flows"));
  REQUIRE(c->channels.size() == 1);
  CHECK(c->channels[0].params.at("auth_token") == "t0ken-from-env");
  CHECK(c->channels[0].params.at("allow_ips") == "127.0.0.1,10.0.0.1");
  CHECK(c->channels[0].default_region == "AF");
}

TEST_CASE("app: sending hours are read for the deployment and for each programme", "[app]") {
  test::temp_dir dir;
  const auto load = [&](const std::string& yaml) {
    test::write_file(dir.file("paygham.yaml"), yaml);
    return app::load_config(dir.file("paygham.yaml"));
  };
  auto c = load("defaults: {quiet_hours: \"21:00-08:00\"}\n"
                "programmes:\n"
                "  mine_safety: {quiet_days: [fri, thu]}\n"
                "  health: {quiet_hours: none}\n"
                "  appointments: {quiet_hours: \"20:00-09:30\"}\n");
  REQUIRE(c.ok());
  CHECK(c->defaults_.quiet.quiet_from == 21 * 60);
  CHECK(c->defaults_.quiet.quiet_to == 8 * 60);
  const auto& mine = c->programmes.at("mine_safety");  // the defaults' window, its own days
  CHECK(mine.quiet_from == 21 * 60);
  CHECK(mine.quiet_days == ((1u << 5) | (1u << 4)));
  CHECK(c->programmes.at("health").quiet_from == c->programmes.at("health").quiet_to);
  CHECK(c->programmes.at("appointments").quiet_to == 9 * 60 + 30);
  // The same time twice was once the way to write "none": still read so.
  c = load("defaults: {quiet_hours: \"21:00-21:00\"}\n");
  REQUIRE(c.ok());
  CHECK(c->defaults_.quiet.quiet_from == c->defaults_.quiet.quiet_to);
}

TEST_CASE("app: each USSD route has its own timeouts, the ussd section's unless it sets them", "[app]") {
  test::temp_dir dir;
  test::write_file(dir.file("paygham.yaml"),
                   "ussd: {hop_deadline: 1500ms, session_timeout: 90s}\n"
                   "ussd_profiles:\n"
                   "  mci: {ucs2_max: 79, hop_deadline: 800ms}\n"
                   "  roshan: {session_timeout: 30s}\n");
  const auto c = app::load_config(dir.file("paygham.yaml"));
  REQUIRE(c.ok());
  const auto& routes = c->ussd_profiles;
  CHECK(routes.at("default").hop_deadline_ms == 1'500);
  CHECK(routes.at("default").session_timeout_ms == 90'000);
  CHECK(routes.at("mci").hop_deadline_ms == 800);
  CHECK(routes.at("mci").session_timeout_ms == 90'000);
  CHECK(routes.at("mci").screen.ucs2_max == 79);
  CHECK(routes.at("roshan").hop_deadline_ms == 1'500);
  CHECK(routes.at("roshan").session_timeout_ms == 30'000);
  CHECK(routes.at("roshan").screen.ucs2_max == 80);
}

TEST_CASE("app: a USSD route without UCS-2 draws its screens as the operator chose", "[app]") {
  // R-U4: English menus, or digits on screen with the words by SMS.
  test::temp_dir dir;
  test::write_file(dir.file("paygham.yaml"),
                   "ussd_profiles:\n"
                   "  plain: {ucs2: false, fallback: latin}\n"
                   "  digits: {ucs2: false, fallback: digits}\n");
  const auto c = app::load_config(dir.file("paygham.yaml"));
  REQUIRE(c.ok());
  const auto& routes = c->ussd_profiles;
  CHECK_FALSE(routes.at("default").screen.digits_only());
  CHECK_FALSE(routes.at("plain").screen.ucs2);
  CHECK_FALSE(routes.at("plain").screen.digits_only());
  CHECK(routes.at("digits").screen.digits_only());
}

TEST_CASE("app: the shipped config loads", "[app]") {
  const auto c = app::load_config(std::string(PAYGHAM_SOURCE_DIR) + "/config/paygham.yaml");
  REQUIRE(c.ok());
  CHECK(c->server.port == 8080);
  CHECK(c->channels.size() == 2);
  // R-H6: Iran's medical emergency for Iranian numbers, 112 for every other.
  CHECK(c->defaults_.emergency_number == "112");
  CHECK(c->defaults_.emergency_numbers.at("IR") == "115");
}

TEST_CASE("app: a channel's tariff prices 1,000 recipients of a text by its encoding and parts (R-S1)", "[app]") {
  test::temp_dir dir;
  test::write_file(dir.file("paygham.yaml"),
                   "flows: flows\n"
                   "channels:\n"
                   "  - {id: console, type: console, allow_ips: [127.0.0.1]}\n"
                   "  - {id: at, type: africastalking, allow_ips: [127.0.0.1], tariff: {currency: USD, gsm7: 0.0075, ucs2: 0.0075}}\n"
                   "  - {id: kv, type: kavenegar, api_key: k, sender: \"1000\", tariff: {currency: IRR, gsm7: 1400, ucs2: 700}}\n");
  const auto c = app::load_config(dir.file("paygham.yaml"));
  REQUIRE(c.ok());
  // Only the channels that say their price; the console channel costs nothing to anyone.
  REQUIRE(c->tariffs.size() == 2);
  CHECK(c->tariffs[0].channel == "at");
  CHECK(c->tariffs[1].channel == "kv");
  // A Persian text of 2 parts: 2 × 700 rials a recipient; to the cent in dollars.
  CHECK(channels::per_thousand(c->tariffs[1], true, 2) == 1'400'000);
  CHECK(channels::per_thousand(c->tariffs[1], false, 1) == 1'400'000);
  CHECK(channels::per_thousand(c->tariffs[0], true, 3) == 22.5);
  const auto listed = channels::costs_json(c->tariffs, false, 1);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["currency"] == "USD");
  CHECK(listed[0]["per_1000"] == 7.5);
}

TEST_CASE("app: a PostgreSQL store is named in logs without its password", "[app]") {
  test::temp_dir dir;
  ::setenv("PAYGHAM_TEST_DB_URL", "postgresql://paygham:s3cret-pw@db.internal:5433/paygham?sslmode=require", 1);
  test::write_file(dir.file("paygham.yaml"),
                   "store: {backend: postgresql, url: \"${PAYGHAM_TEST_DB_URL}\", node: gw-1, lease: 30s, retention: 7d}\n"
                   "flows: flows\n");
  const auto c = app::load_config(dir.file("paygham.yaml"));
  REQUIRE(c.ok());
  const auto& s = c.value().store;
  CHECK(s.engine == store::backend::postgresql);
  CHECK(s.node_id == "gw-1");
  CHECK(s.lease_ms == 30'000);
  CHECK(s.retention_ms == 7LL * 24 * 3600 * 1000);
  CHECK(s.describe() == "postgresql://paygham:***@db.internal:5433/paygham?sslmode=require");
  store::options q;
  q.engine = store::backend::postgresql;
  q.url = "postgresql:///paygham?host=/run/pg&password=hunter2&user=p";
  CHECK(q.describe() == "postgresql://p:***@/paygham?host=/run/pg");
  // However the password is written, what libpq reads as one is never shown.
  q.url = "host=db.internal user=paygham password='Quoted Secret2' dbname=paygham";
  CHECK(q.describe() == "postgresql://paygham:***@db.internal/paygham");
  q.url = "postgresql://paygham:Se/cret6@db.internal/paygham";  // libpq reads "Se" as a port
  CHECK(q.describe() == "(a PostgreSQL URL libpq cannot read)");
  q.url = "postgresql://paygham:a/b?application_name=XYZ@db.internal/paygham";
  CHECK(q.describe() == "(a PostgreSQL URL libpq cannot read)");
  q.url = "postgresql://paygham@db.internal/paygham";  // a user and no password: as it is
  CHECK(q.describe() == "postgresql://paygham@db.internal/paygham");
  q.url = "postgresql://paygham:Sec@ret7@db.internal/paygham";
  CHECK(q.describe().find("ret7") == std::string::npos);
  q.url = "postgresql://paygham:x@db.internal/paygham?sslpassword=key-pass&sslmode=verify-full";
  CHECK(q.describe() == "postgresql://paygham:***@db.internal/paygham?sslmode=verify-full&sslpassword=***");
  q.url = "host='unclosed password=hunter2";
  CHECK(q.describe().find("hunter2") == std::string::npos);
}

TEST_CASE("app: a channel sending in clear on purpose is said at every start (R-D4)", "[app]") {
  test::temp_dir dir;
  test::write_file(
      dir.file("paygham.yaml"),
      "parties:\n  - {name: Office phone, role: host, channels: [phone], agreement: none needed}\n"
      "channels:\n  - {id: phone, type: android, signing_key: k,"
      " base_url: \"http://192.168.1.20:8080\", plain_http: \"true\"}\n"
      "  - {id: cloud, type: android, signing_key: k, base_url: \"https://api.sms-gate.app\","
      " plain_http: \"true\"}\n");
  const auto c = app::load_config(dir.file("paygham.yaml"));
  REQUIRE(c.ok());
  std::vector<std::string> said;
  for (const auto& w : app::config_warnings(c.value(), 1'800'000'000'000))
    said.push_back(w.event + " " + w.text);
  INFO(said.size());
  REQUIRE_FALSE(said.empty());
  CHECK_THAT(said.back(), Catch::StartsWith("channel.plain_http ") &&
                              Catch::Contains("channel 'phone'") && Catch::Contains("unencrypted"));
  // Over https:// nothing goes in clear, whatever plain_http says.
  for (const auto& line : said) {
    INFO(line);
    CHECK_FALSE((line.starts_with("channel.plain_http ") && line.find("channel 'cloud'") != std::string::npos));
  }
}

TEST_CASE("app: a config that runs but leaves something to fix says so: an unnamed carrier, Ramadans all past",
          "[app]") {
  test::temp_dir dir;
  test::write_file(dir.file("holidays.yaml"),
                   "IR: {holidays: [], ramadan: [{from: 1405/11/19, to: 1405/12/18, iftar: \"17:15-19:45\"}]}\n");
  test::write_file(dir.file("paygham.yaml"),
                   "defaults: {timezone: Asia/Tehran}\n"
                   "holidays: holidays.yaml\n"
                   "programmes:\n  reminders: {quiet_days: [iftar]}\n"
                   "channels:\n  - {id: at, type: africastalking, allow_ips: [127.0.0.1]}\n");
  const auto c = app::load_config(dir.file("paygham.yaml"));
  REQUIRE(c.ok());
  const auto texts = [&](core::unix_ms now) {
    std::vector<std::string> out;
    for (const auto& w : app::config_warnings(c.value(), now)) out.push_back(w.event + " " + w.text);
    return out;
  };
  // 2027-03-09 is Ramadan's last day (1405/12/18): nothing to say of it yet, on its evening in Tehran.
  const core::unix_ms last_evening = 1'804'610'000'000;  // 2027-03-09 16:33 UTC, 20:03 in Tehran
  auto said = texts(last_evening);
  REQUIRE(said.size() == 1);
  CHECK_THAT(said[0], Catch::StartsWith("privacy.party_gap ") && Catch::Contains("channel 'at'"));
  // The next day every Ramadan of the file is past: iftar's quiet holds nothing until one is added.
  said = texts(last_evening + 86'400'000);
  REQUIRE(said.size() == 2);
  CHECK_THAT(said[1], Catch::StartsWith("schedule.ramadan_past " + dir.file("holidays.yaml") + ": every Ramadan of IR") &&
                          Catch::Contains("2027-03-09"));
}

TEST_CASE("app: store.key is read from the environment as 32 bytes, and a key of another length is refused",
          "[app]") {
  test::temp_dir dir;
  test::write_file(dir.file("paygham.yaml"),
                   "store:\n  path: p.db\n  key: ${PAYGHAM_TEST_STORE_KEY}\nflows: flows\n");
  ::setenv("PAYGHAM_TEST_STORE_KEY", std::string(64, 'A').c_str(), 1);
  const auto c = app::load_config(dir.file("paygham.yaml"));
  REQUIRE(c.ok());
  CHECK(c->store.key == std::string(32, '\xaa'));
  ::setenv("PAYGHAM_TEST_STORE_KEY", std::string(63, 'a').c_str(), 1);
  const auto short_key = app::load_config(dir.file("paygham.yaml"));
  REQUIRE_FALSE(short_key.ok());
  CHECK_THAT(short_key.error(), Catch::Contains("is 63 characters long"));
  ::setenv("PAYGHAM_TEST_STORE_KEY", (std::string(63, 'a') + "g").c_str(), 1);
  const auto not_hex = app::load_config(dir.file("paygham.yaml"));
  REQUIRE_FALSE(not_hex.ok());
  CHECK_THAT(not_hex.error(), Catch::Contains("not a hex digit"));
  CHECK_THAT(not_hex.error(), !Catch::Contains(std::string(63, 'a')));
  ::unsetenv("PAYGHAM_TEST_STORE_KEY");
}
