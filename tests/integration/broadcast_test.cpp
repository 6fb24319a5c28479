// `paygham broadcast` against a running server, as an operator would send a mine alert: the
// safety limit asks for --yes, the server queues the messages in batches in each person's
// language, leaves out whoever stopped the alerts or everything, and sends them all.
#include <SQLiteCpp/SQLiteCpp.h>

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
  server_process srv(config);
  subscribe_people(dir);
  const std::vector<std::string> send = {"broadcast", "--config", config, "--topic", "mine_safety", "--area",
                                         "herat", "--text", "mine_safety.alert_floods", "--priority", "alert"};
  std::string out, err;
  // 1,498 people is past the safety limit: nothing goes without --yes.
  CHECK(run_paygham(send, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("1498 people subscribed to mine_safety in herat, more than 1000"));
  CHECK_THAT(err, Catch::Contains("--yes"));
  CHECK(count(dir, "SELECT COUNT(*) FROM broadcasts") == 0);
  auto confirmed = send;
  confirmed.push_back("--yes");
  REQUIRE(run_paygham(confirmed, &out, &err) == 0);
  CHECK_THAT(out, Catch::StartsWith("broadcast 1: 1498 people subscribed to mine_safety in herat"));
  // The server queues it in batches and the console channel delivers every message.
  bool all_delivered = false;
  for (int i = 0; i < 300 && !all_delivered; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    all_delivered = count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1 AND status = 'delivered'") == 1498;
  }
  CHECK(all_delivered);
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1") == 1498);
  CHECK(count(dir, "SELECT COUNT(DISTINCT contact_id) FROM outbound_messages WHERE broadcast_id = 1") == 1498);
  // Neither the one who stopped mine alerts nor the one who stopped everything, nor Kabul's.
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1 AND contact_id IN (7, 8)") == 0);
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1 AND contact_id > 1500") == 0);
  // Each in their language; no language chosen: the default (English); every one urgent and
  // in the programme, so 11 in reply stops mine alerts only.
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages m JOIN contacts c ON c.id = m.contact_id"
                   " WHERE broadcast_id = 1 AND c.language = 'prs' AND body LIKE 'هشدار:%'") == 500);
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages m JOIN contacts c ON c.id = m.contact_id"
                   " WHERE broadcast_id = 1 AND c.language = 'ps' AND body LIKE 'خبرتیا:%'") == 499);
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages m JOIN contacts c ON c.id = m.contact_id"
                   " WHERE broadcast_id = 1 AND c.language IS NULL AND body LIKE 'Red Crescent mine alert%'") == 499);
  CHECK(count(dir, "SELECT COUNT(*) FROM outbound_messages WHERE broadcast_id = 1 AND (priority <> 0"
                   " OR programme <> 'mine_safety')") == 0);
  // Every message has its history from the start.
  CHECK(count(dir, "SELECT COUNT(*) FROM message_events e JOIN outbound_messages m ON m.id = e.message_id"
                   " WHERE m.broadcast_id = 1 AND e.status = 'queued'") == 1498);
  CHECK(count(dir, "SELECT done FROM broadcasts WHERE id = 1") == 1);
}

TEST_CASE("broadcast: a text no template has, or no subscriber, sends nothing and says why", "[integration][broadcast]") {
  temp_dir dir;
  const std::string config = write_test_config(dir);
  std::string out, err;
  CHECK(run_paygham({"broadcast", "--config", config, "--topic", "mine_safety", "--text", "mine_safety.no_such"}, &out,
                    &err) == 1);
  CHECK_THAT(err, Catch::Contains("no text 'mine_safety.no_such'"));
  CHECK(run_paygham({"broadcast", "--config", config, "--topic", "mine_safety", "--text", "mine_safety.alert_floods"},
                    &out, &err) == 0);
  CHECK_THAT(out, Catch::StartsWith("nobody to send to"));
  CHECK(run_paygham({"broadcast", "--config", config, "--topic", "mine_safety"}, &out, &err) == 2);
  CHECK_THAT(err, Catch::Contains("give --topic and --text"));
}
