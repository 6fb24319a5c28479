// `paygham broadcast` against a running server, as an operator would send a mine alert: the
// safety limit asks for --yes, the server queues the messages in batches in each person's
// language, leaves out whoever stopped the alerts or everything, and sends them all.
#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>

#include <catch2/catch.hpp>

#include <thread>

#include "tests/support/support.hpp"

using namespace paygham::test;

namespace {

// 1,500 people subscribed to Herat's alerts on the console channel, a third of them reading
// Dari, a third Pashto, the rest no language chosen; one stopped mine alerts, one everything,
// and 20 more are subscribed to Kabul only.
void subscribe_people(const temp_dir& dir) {
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
  db.setBusyTimeout(10'000);
  SQLite::Transaction t(db);
  for (int i = 1; i <= 1520; ++i) {
    const char* lang = i % 3 == 0 ? "'prs'" : i % 3 == 1 ? "'ps'" : "NULL";
    db.exec("INSERT INTO contacts (id, phone, language, fields, opted_out, created_at, updated_at) VALUES (" +
            std::to_string(i) + ", '+9370010" + std::to_string(10000 + i) + "', " + lang + ", '{}', " +
            (i == 7 ? "1" : "0") + ", 0, 0)");
    db.exec("INSERT INTO subscriptions (contact_id, topic, area, channel_id, created_at) VALUES (" +
            std::to_string(i) + ", 'mine_safety', '" + (i > 1500 ? "kabul" : "herat") + "', 'console', 0)");
  }
  db.exec("INSERT INTO contact_optouts (contact_id, programme, at) VALUES (8, 'mine_safety', 0)");
  t.commit();
}

// `people` subscribers of Herat's alerts (ids from 1) and as many daily reminders, all due now.
void subscribe_and_enrol(const temp_dir& dir, int people, long long due_ms) {
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
  db.setBusyTimeout(10'000);
  const std::string n = std::to_string(people), due = std::to_string(due_ms);
  db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + n + ")"
          " INSERT INTO contacts (id, phone, language, created_at, updated_at)"
          " SELECT i, '+9379' || printf('%07d', i), CASE i % 2 WHEN 0 THEN 'prs' END, 0, 0 FROM n");
  db.exec("INSERT INTO subscriptions (contact_id, topic, area, channel_id, created_at)"
          " SELECT id, 'mine_safety', 'herat', 'console', 0 FROM contacts");
  db.exec("INSERT INTO series (id, contact_id, channel_id, programme, template, at_minute, time_zone, active,"
          " created_at, updated_at) SELECT id, id, 'console', 'reminders', 'reminders.daily', 480, 'Asia/Kabul', 1, 0, 0"
          " FROM contacts");
  db.exec("INSERT INTO jobs (kind, due_at, payload, status, created_at) SELECT 'series.due', " + due +
          ", json_object('series', id, 'at', " + due + ", 'step', 0), 'pending', 0 FROM series");
}

int count(const temp_dir& dir, const std::string& sql) {
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
  db.setBusyTimeout(10'000);
  return db.execAndGet(sql).getInt();
}

}  // namespace

TEST_CASE("broadcast: an urgent alert to an area reaches every subscriber in their language, once",
          "[integration][broadcast]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  make_operator(config, "amina");
  make_operator(config, "farid");
  server_process srv(config);
  subscribe_people(dir);
  std::vector<std::string> send = {"broadcast", "--config", config, "--topic", "mine_safety", "--area",
                                   "herat", "--text", "mine_safety.alert_floods", "--priority", "alert"};
  std::string out, err;
  const std::string password = std::string(operator_password) + "\n";
  // An alert names who asks for it, with their password: a second person approves it (R-M3).
  CHECK(run_paygham(send, &out, &err) == 2);
  CHECK_THAT(err, Catch::Contains("an alert needs --by LOGIN"));
  send.insert(send.end(), {"--by", "nobody"});
  CHECK(run_paygham(send, &out, &err, password) == 1);
  CHECK_THAT(err, Catch::Contains("no console login 'nobody'"));
  send.back() = "amina";
  CHECK(run_paygham(send, &out, &err, "not-her-password\n") == 1);
  CHECK_THAT(err, Catch::Contains("that is not amina's console password"));
  // 1,498 people is past the safety limit: nothing goes without --yes.
  CHECK(run_paygham(send, &out, &err, password) == 1);
  CHECK_THAT(err, Catch::Contains("1498 people subscribed to mine_safety in herat, more than 1000"));
  CHECK_THAT(err, Catch::Contains("--yes"));
  CHECK(count(dir, "SELECT COUNT(*) FROM broadcasts") == 0);
  auto confirmed = send;
  confirmed.push_back("--yes");
  REQUIRE(run_paygham(confirmed, &out, &err, password) == 0);
  CHECK_THAT(out, Catch::StartsWith("broadcast 1: 1498 people subscribed to mine_safety in herat; an urgent alert "
                                    "goes when a second person approves it"));
  // Nothing goes yet, and not on the word of the one who asked.
  REQUIRE(run_paygham({"broadcast", "status", "--config", config, "--id", "1"}, &out, &err) == 0);
  CHECK_THAT(out, Catch::Contains("awaiting a second person's approval"));
  CHECK(run_paygham({"broadcast", "approve", "--config", config, "--id", "1", "--by", "amina"}, &out, &err, password) == 1);
  CHECK_THAT(err, Catch::Contains("a second person must approve it"));
  // Another person's login without their password is nobody's approval.
  CHECK(run_paygham({"broadcast", "approve", "--config", config, "--id", "1", "--by", "farid"}, &out, &err, "guess\n") == 1);
  CHECK_THAT(err, Catch::Contains("that is not farid's console password"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1") == 0);
  REQUIRE(run_paygham({"broadcast", "approve", "--config", config, "--id", "1", "--by", "farid"}, &out, &err, password) == 0);
  CHECK(out == "broadcast 1 approved: the gateway queues it now for 1498 people\n");
  CHECK(count(dir, "SELECT COUNT(*) FROM audit_log WHERE action IN ('broadcasts.create', 'broadcasts.approve')") == 2);
  // The server queues it in batches and the console channel delivers every message; the
  // operator watches it get there (status --watch ends when every message is final).
  REQUIRE(run_paygham({"broadcast", "status", "--config", config, "--id", "1", "--watch"}, &out, &err) == 0);
  CHECK_THAT(out, Catch::EndsWith("broadcast 1 (mine_safety, herat): 1498 of 1498 queued, 1498 delivered\n"));
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1 AND status = 'delivered'") == 1498);
  CHECK(run_paygham({"broadcast", "status", "--config", config, "--id", "9"}, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("no broadcast 9"));
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1") == 1498);
  CHECK(count(dir, "SELECT COUNT(DISTINCT contact_id) FROM outbound_messages WHERE broadcast_id = 1") == 1498);
  // Neither the one who stopped mine alerts nor the one who stopped everything, nor Kabul's.
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1 AND contact_id IN (7, 8)") == 0);
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1 AND contact_id > 1500") == 0);
  // Each in their language; no language chosen: the default (English); every one urgent and
  // in the programme, so 11 in reply stops mine alerts only.
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages m JOIN contacts c ON c.id = m.contact_id"
                   " WHERE broadcast_id = 1 AND c.language = 'prs' AND body LIKE 'هلال احمر: سیلاب%'") == 500);
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages m JOIN contacts c ON c.id = m.contact_id"
                   " WHERE broadcast_id = 1 AND c.language = 'ps' AND body LIKE 'سره میاشت: ښايي سیلاب%'") == 499);
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages m JOIN contacts c ON c.id = m.contact_id"
                   " WHERE broadcast_id = 1 AND c.language IS NULL AND body LIKE 'Red Crescent mine alert%'") == 499);
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1 AND (priority <> 0"
                   " OR programme <> 'mine_safety')") == 0);
  // Every message has its history from the start.
  CHECK(count(dir, "SELECT COUNT(*) FROM message_events e JOIN outbound_messages m ON m.id = e.message_id"
                   " WHERE m.broadcast_id = 1 AND e.status = 'queued'") == 1498);
  CHECK(count(dir, "SELECT done FROM broadcasts WHERE id = 1") == 1);

  // An alert found wrong before its approval is cancelled: nothing goes, and it cannot be approved.
  REQUIRE(run_paygham(confirmed, &out, &err, password) == 0);
  REQUIRE(run_paygham({"broadcast", "cancel", "--config", config, "--id", "2", "--by", "amina"}, &out, &err, password) == 0);
  CHECK(run_paygham({"broadcast", "approve", "--config", config, "--id", "2", "--by", "farid"}, &out, &err, password) == 1);
  CHECK_THAT(err, Catch::Contains("was cancelled"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 2") == 0);
  // The first went out whole: nothing of it is left to stop.
  CHECK(run_paygham({"broadcast", "cancel", "--config", config, "--id", "1", "--by", "amina"}, &out, &err, password) == 1);
  CHECK_THAT(err, Catch::Contains("broadcast 1 has gone out: every message of it is with the aggregator"));
}

TEST_CASE(
    "broadcast: a text no template has, a name no flow gives, or no subscriber, sends nothing and "
    "says why",
    "[integration][broadcast]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  std::string out, err;
  CHECK(run_paygham({"broadcast", "--config", config, "--topic", "mine_safety", "--text", "mine_safety.no_such"}, &out,
                    &err) == 1);
  CHECK_THAT(err, Catch::Contains("no text 'mine_safety.no_such'"));
  CHECK(run_paygham({"broadcast", "--config", config, "--topic", "mine_safety", "--text", "appointments.confirmation"},
                    &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("text 'appointments.confirmation' says {") && Catch::Contains("templates/"));
  CHECK(run_paygham({"broadcast", "--config", config, "--topic", "mine_safety", "--text", "mine_safety.alert_floods"},
                    &out, &err) == 0);
  CHECK_THAT(out, Catch::StartsWith("nobody to send to"));
  CHECK(run_paygham({"broadcast", "--config", config, "--topic", "mine_safety", "--area", "herat", "--route", "torkham",
                     "--text", "mine_safety.alert_floods"},
                    &out, &err) == 0);
  CHECK(out == "nobody to send to: 0 people subscribed to mine_safety in herat who come by torkham\n");
  // A typo finds nobody too: said as what to fix, with the names the flows give.
  CHECK(run_paygham({"broadcast", "--config", config, "--topic", "mine_safety", "--area", "heratt",
                     "--text", "mine_safety.alert_floods"},
                    &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains(
                      "--area: 'heratt' is not an area of mine_safety (did you mean 'herat'?)") &&
                      Catch::Contains("nimroz"));
  CHECK(run_paygham({"broadcast", "--config", config, "--topic", "mine_safty", "--text",
                     "mine_safety.alert_floods"},
                    &out, &err) == 1);
  CHECK_THAT(
      err, Catch::Contains(
               "--topic: no flow subscribes people to 'mine_safty' (did you mean 'mine_safety'?)"));
  CHECK(run_paygham({"broadcast", "--config", config, "--topic", "mine_safety", "--route", "torkam",
                     "--text", "mine_safety.alert_floods"},
                    &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains(
                      "--route: 'torkam' is not a route of mine_safety (did you mean 'torkham'?)"));
  CHECK(run_paygham({"broadcast", "--config", config, "--topic", "mine_safety"}, &out, &err) == 2);
  CHECK_THAT(err, Catch::Contains("give --topic and --text"));
}

TEST_CASE("broadcast: to one district from the command line, once the gateway has read the words by the districts "
          "file, saying how many are not known to be there (R-M1)",
          "[integration][broadcast]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  std::string out, err;
  REQUIRE(run_paygham({"migrate", "--config", config}, &out, &err) == 0);
  {
    // Words written before the file knew them: nobody has read them yet.
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO contacts (id, phone, created_at, updated_at) VALUES (1, '+93700000731', 0, 0),"
            " (2, '+93700000732', 0, 0), (3, '+93700000733', 0, 0), (4, '+93700000734', 0, 0)");
    db.exec("INSERT INTO subscriptions (contact_id, topic, area, channel_id, created_at, district) VALUES"
            " (1, 'mine_safety', 'herat', 'console', 0, 'انجيل'), (2, 'mine_safety', 'herat', 'console', 0, 'Enjil'),"
            " (3, 'mine_safety', 'herat', 'console', 0, ''), (4, 'mine_safety', 'herat', 'console', 0, 'Ghorian')");
  }
  const std::vector<std::string> alert = {"broadcast", "--config", config, "--topic", "mine_safety", "--area", "herat",
                                          "--text", "mine_safety.alert_floods"};
  const auto with = [&](std::vector<std::string> more) {
    auto args = alert;
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  // The gateway has not read them by the file yet: nothing is sent to a count that would be wrong.
  CHECK(run_paygham(with({"--district", "injil"}), &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("the districts file reads the words of 3 of the people in herat otherwise than the "
                                  "gateway did: reload the gateway"));
  CHECK(scalar(dir, "SELECT COUNT(*) FROM broadcasts") == "0");
  server_process srv(config);  // reads them at start
  REQUIRE(eventually([&] { return srv.log().find("districts.taken") != std::string::npos; }, std::chrono::seconds(10)));
  CHECK(run_paygham(with({"--district", "Injil"}), &out, &err) == 1);  // the file's name, not a spelling
  CHECK_THAT(err, Catch::Contains("'Injil' is not a district of herat in the districts file; it knows ghoryan, guzara"));
  CHECK(run_paygham(with({"--district", "injil", "--district-known-only"}), &out, &err) == 0);
  CHECK(out == "broadcast 1: 2 people subscribed to mine_safety in herat, district injil; the gateway queues it now\n");
  CHECK(run_paygham(with({"--district", "injil"}), &out, &err) == 0);
  CHECK(out == "broadcast 2: 3 people subscribed to mine_safety in herat, district injil (1 of them with their district "
               "not known); the gateway queues it now\n");
  CHECK(run_paygham({"broadcast", "--config", config, "--topic", "mine_safety", "--district", "injil", "--text",
                     "mine_safety.alert_floods"},
                    &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("a district is in an area: give the area too"));
  // Whoever approves or follows it at a terminal sees the district too.
  REQUIRE(run_paygham({"broadcast", "status", "--config", config, "--id", "2"}, &out, &err) == 0);
  CHECK_THAT(out, Catch::StartsWith("broadcast 2 (mine_safety, herat, district injil and those whose district is not known)"));
}

TEST_CASE("broadcast: kill -9 while a morning's reminders, then a broadcast, are being queued: after restarts each "
          "person has exactly one of each",
          "[integration][broadcast]") {
  temp_dir dir;
  const int people = 20000;
  const std::string config = write_test_config(dir);
  {
    // Created and migrated, then filled before the gateway that will be killed starts.
    server_process first(config);
  }
  make_operator(config, "amina");
  make_operator(config, "farid");
  const long long due = static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                   std::chrono::system_clock::now().time_since_epoch())
                                                   .count());
  subscribe_and_enrol(dir, people, due);
  // Killed twice: as soon as the first reminders are stored (before the broadcast is stored),
  // then again, after a restart, as soon as the first alerts are.
  const auto run_until_killed = [&](const std::string& stored, bool broadcast) {
    server_process srv(config);
    if (broadcast) send_alert(config, "herat");
    for (int i = 0; i < 2000; ++i) {
      if (count(dir, stored) > 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    srv.signal(SIGKILL);
    srv.wait_exit();
  };
  run_until_killed("SELECT COUNT(*) FROM outbound_messages", false);
  const int reminders_at_kill = count(dir, "SELECT COUNT(*) FROM outbound_messages");
  run_until_killed("SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1", true);
  INFO("stored at the first kill: " << reminders_at_kill << " reminders; at the second: "
                                     << count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1")
                                     << " alerts; of " << people << " each");
  server_process again(config);
  bool finished = false;
  for (int i = 0; i < 600 && !finished; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    finished = count(dir, "SELECT done FROM broadcasts WHERE id = 1") == 1 &&
               count(dir, "SELECT COUNT(*) FROM jobs WHERE status = 'pending' AND due_at <= " + std::to_string(due)) == 0;
  }
  REQUIRE(finished);
  // Exactly one alert and one reminder for each person: none lost, none queued twice.
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1") == people);
  CHECK(count(dir, "SELECT COUNT(DISTINCT contact_id) FROM outbound_messages WHERE broadcast_id = 1") == people);
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE programme = 'reminders'") == people);
  CHECK(count(dir, "SELECT COUNT(DISTINCT contact_id) FROM outbound_messages WHERE programme = 'reminders'") == people);
  // Each series has its next day set, once.
  CHECK(count(dir, "SELECT COUNT(*) FROM jobs WHERE kind = 'series.due' AND status = 'pending'") == people);
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages m WHERE NOT EXISTS"
                   " (SELECT 1 FROM message_events e WHERE e.message_id = m.id AND e.status IN ('queued', 'cancelled'))") == 0);
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
}
