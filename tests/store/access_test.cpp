// What the REST API reads and writes in the store, on both engines: tokens found by hash until
// revoked, the audit log appended to and read newest first in pages (and refusing changes),
// messages with their history and in filtered pages.
#include "gateway/store/tx.hpp"

#include <catch2/catch.hpp>

#include <atomic>

#include "gateway/store/reader.hpp"
#include "gateway/store/writer.hpp"
#include "tests/support/store_support.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

struct fixture : test::store_fixture {};

}  // namespace

TEST_CASE("access: a token is found by its hash until revoked", "[store]") {
  fixture fx;
  store::api_token k;
  k.name = "his";
  k.role = "health_worker";
  k.facility = "golshahr";
  k.hash = "ab12";
  const auto id = test::in_tx(fx.w, [&](store::tx& t) { return t.add_token(k); });
  const auto found = test::in_tx(fx.w, [](store::tx& t) { return t.find_token("ab12"); });
  REQUIRE(found);
  CHECK(found->id == id);
  CHECK(found->role == "health_worker");
  CHECK(found->facility == "golshahr");
  CHECK_FALSE(test::in_tx(fx.w, [](store::tx& t) { return t.find_token("ab13"); }));
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.revoke_token(id); }));
  CHECK_FALSE(test::in_tx(fx.w, [&](store::tx& t) { return t.revoke_token(id); }));
  CHECK_FALSE(test::in_tx(fx.w, [](store::tx& t) { return t.find_token("ab12"); }));
  const auto all = test::in_tx(fx.w, [](store::tx& t) { return t.list_tokens(); });
  REQUIRE(all.size() == 1);
  CHECK(all[0].revoked);
}

TEST_CASE("access: a console session ends at its expiry, at logout, with a new password and when its user is disabled", "[store]") {
  fixture fx;
  const auto uid = test::in_tx(fx.w, [](store::tx& t) {
    store::user u;
    u.name = "Sima";
    u.role = "operator";
    u.login = "sima";
    u.password_hash = "hash-1";
    return t.add_user(u);
  });
  const auto by_login = test::in_tx(fx.w, [](store::tx& t) { return t.find_user_by_login("sima"); });
  REQUIRE(by_login);
  CHECK(by_login->id == uid);
  CHECK(by_login->password_hash == "hash-1");
  CHECK_FALSE(test::in_tx(fx.w, [](store::tx& t) { return t.find_user_by_login("Sima"); }));
  auto open = [&](const std::string& hash) {
    return test::in_tx(fx.w, [&](store::tx& t) {
      store::api_token s;
      s.name = "console";
      s.role = "operator";
      s.hash = hash;
      s.user_id = uid;
      s.expires_at = t.now() + 60'000;
      return t.add_token(s);
    });
  };
  auto live = [&](const std::string& hash) {
    return test::in_tx(fx.w, [&](store::tx& t) { return t.find_token(hash).has_value(); });
  };
  open("s1");
  const auto found = test::in_tx(fx.w, [](store::tx& t) { return t.find_token("s1"); });
  REQUIRE(found);
  CHECK(found->user_id == uid);
  CHECK(test::in_tx(fx.w, [](store::tx& t) { return t.list_tokens(); }).empty());  // not a machine's token
  fx.now += 60'001;
  CHECK_FALSE(live("s1"));
  open("s2");
  open("s3");
  test::in_tx(fx.w, [&](store::tx& t) { t.set_password(uid, "hash-2"); });
  CHECK_FALSE(live("s2"));
  CHECK_FALSE(live("s3"));
  open("s4");
  test::in_tx(fx.w, [&](store::tx& t) { t.set_user_disabled(uid, true); });
  CHECK_FALSE(live("s4"));
  // Ended sessions are pruned; the audit log keeps the user's name for what they did.
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.prune(t.now() + 1, 100); }) == 4);
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM api_tokens") == "0");
  test::in_tx(fx.w, [&](store::tx& t) { t.set_login_failures(uid, 5, 123); });
  const auto after = test::in_tx(fx.w, [&](store::tx& t) { return t.find_user(uid); });
  CHECK(after->failed_logins == 5);
  CHECK(after->login_locked_until == 123);
}

TEST_CASE("access: messages are counted by channel, state and hour, with why they failed", "[store]") {
  fixture fx;
  const core::unix_ms hour = 3'600'000;
  const core::unix_ms start = fx.now.load() / hour * hour;
  test::in_tx(fx.w, [](store::tx& t) {
    const auto c = t.upsert_contact("+93700000111");
    for (int i = 0; i < 3; ++i) t.queue_message({"at", c.id, 0, c.phone, "x", core::priority::reply});
  });
  fx.now += hour;
  const auto failed = test::in_tx(fx.w, [](store::tx& t) {
    const auto c = t.upsert_contact("+93700000111");
    return t.queue_message({"kannel", c.id, 0, c.phone, "y", core::priority::reply});
  });
  test::in_tx(fx.w, [&](store::tx& t) {
    t.set_message_status(failed, core::message_status::failed, "outbox", "", "", "absent subscriber");
  });
  const auto reader = store::open_reader(fx.so);
  const auto counts = reader->delivery_counts(start, start + 2 * hour);
  REQUIRE(counts.size() == 2);
  CHECK(counts[0].channel == "at");
  CHECK(counts[0].status == "queued");
  CHECK(counts[0].hour == start);
  CHECK(counts[0].n == 3);
  CHECK(counts[1].channel == "kannel");
  CHECK(counts[1].status == "failed");
  CHECK(counts[1].hour == start + hour);
  CHECK(reader->delivery_counts(start + 2 * hour, start + 3 * hour).empty());
  const auto reasons = reader->failure_reasons(start, start + 2 * hour, 10);
  REQUIRE(reasons.size() == 1);
  CHECK(reasons[0] == std::pair<std::string, std::int64_t>{"absent subscriber", 1});
}

TEST_CASE("access: the audit log is read newest first in pages and cannot be changed", "[store]") {
  fixture fx;
  test::in_tx(fx.w, [](store::tx& t) {
    for (int i = 1; i <= 5; ++i) t.audit("token:1", "messages.send", "message:" + std::to_string(i), "{}");
  });
  auto page = test::in_tx(fx.w, [](store::tx& t) { return t.audit_page(0, 2, ""); });
  REQUIRE(page.size() == 2);
  CHECK(page[0].target == "message:5");
  CHECK(page[1].target == "message:4");
  page = test::in_tx(fx.w, [&](store::tx& t) { return t.audit_page(page[1].id, 10, ""); });
  REQUIRE(page.size() == 3);
  CHECK(page[2].target == "message:1");
  page = test::in_tx(fx.w, [&](store::tx& t) { return t.audit_page(0, 10, "message:3"); });
  REQUIRE(page.size() == 1);
  CHECK(page[0].target == "message:3");
  CHECK_THROWS_WITH(test::execute(fx.so, "UPDATE audit_log SET actor = 'someone else'"), Catch::Contains("append-only"));
  CHECK_THROWS_WITH(test::execute(fx.so, "DELETE FROM audit_log"), Catch::Contains("append-only"));
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM audit_log WHERE actor = 'token:1'") == "5");
}

TEST_CASE("access: a message is read with its history, and in pages by number, broadcast and state", "[store]") {
  fixture fx;
  const auto ids = test::in_tx(fx.w, [](store::tx& t) {
    std::vector<std::int64_t> out;
    for (int i = 1; i <= 4; ++i) {
      const std::string phone = i % 2 ? "+93700000111" : "+93700000222";
      const auto c = t.upsert_contact(phone);
      out.push_back(t.queue_message({"at", c.id, 0, phone, "note " + std::to_string(i), core::priority::reply}));
    }
    return out;
  });
  const auto m = test::in_tx(fx.w, [&](store::tx& t) { return t.find_message(ids[0]); });
  REQUIRE(m);
  CHECK(m->body == "note 1");
  CHECK(m->status == "queued");
  REQUIRE(m->history.size() == 1);
  CHECK(m->history[0].status == "queued");
  CHECK_FALSE(test::in_tx(fx.w, [](store::tx& t) { return t.find_message(999); }));

  store::message_filter any;
  auto page = test::in_tx(fx.w, [&](store::tx& t) { return t.messages_page(any, 0, 3); });
  REQUIRE(page.size() == 3);
  CHECK(page[0].id == ids[3]);
  page = test::in_tx(fx.w, [&](store::tx& t) { return t.messages_page(any, page[2].id, 3); });
  REQUIRE(page.size() == 1);
  CHECK(page[0].id == ids[0]);
  store::message_filter to;
  to.to_phone = "+93700000222";
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.messages_page(to, 0, 10).size(); }) == 2);
  store::message_filter sent;
  sent.status = "sent";
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.messages_page(sent, 0, 10).size(); }) == 0);
  store::message_filter of_broadcast;
  of_broadcast.broadcast_id = 7;
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.messages_page(of_broadcast, 0, 10).size(); }) == 0);
}

TEST_CASE("access: erasing a person keeps only a salted hash of a stop, and the number coming back starts stopped",
          "[store]") {
  fixture fx;
  const auto ids = test::in_tx(fx.w, [](store::tx& t) {
    const auto stopped = t.upsert_contact("+93700000301");
    const auto mines = t.upsert_contact("+93700000302");
    const auto keeps = t.upsert_contact("+93700000303");
    t.queue_message({"at", stopped.id, 0, stopped.phone, "your visit", core::priority::reminder});
    t.set_opted_out(stopped.id, true);
    t.set_programme_opt_out(mines.id, "mine_safety", true);
    t.subscribe(keeps.id, "mine_safety", "herat", "at");
    t.queue_message({"at", keeps.id, 0, keeps.phone, "an alert", core::priority::alert});
    return std::vector<std::int64_t>{stopped.id, mines.id, keeps.id};
  });
  for (const auto id : ids) CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.erase_contact(id); }));
  CHECK_FALSE(test::in_tx(fx.w, [&](store::tx& t) { return t.erase_contact(ids[0]); }));  // once
  CHECK_FALSE(test::in_tx(fx.w, [](store::tx& t) { return t.erase_contact(999); }));
  // Nothing of them is left in clear: not the number, not the texts.
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM contacts WHERE phone LIKE '+93%'") == "0");
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM outbound_messages WHERE to_phone <> '' OR body <> ''") == "0");
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM outbound_messages WHERE status = 'queued'") == "0");
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM subscriptions") == "0");
  // Two hashes: a stop of everything, and of one programme; none for the one who stopped nothing.
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM suppressions") == "2");
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM suppressions WHERE hash LIKE '%70000030%'") == "0");
  // The numbers come back: new contacts, stopped as before.
  const auto back = test::in_tx(fx.w, [](store::tx& t) {
    return std::vector<store::contact>{t.upsert_contact("+93700000301"), t.upsert_contact("+93700000302"),
                                       t.upsert_contact("+93700000303")};
  });
  CHECK(back[0].created);
  CHECK(back[0].opted_out);
  CHECK_FALSE(back[1].opted_out);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.stopped(back[1].id, "mine_safety"); }));
  CHECK_FALSE(test::in_tx(fx.w, [&](store::tx& t) { return t.stopped(back[1].id, "appointments"); }));
  CHECK_FALSE(back[2].opted_out);
  CHECK_FALSE(test::in_tx(fx.w, [&](store::tx& t) { return t.stopped(back[2].id, "mine_safety"); }));
}

TEST_CASE("access: an invitation to finish goes at most once a day, and erasing the person forgets it (R-U15)",
          "[store]") {
  fixture fx;
  const auto id = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+93700000451").id; });
  const core::unix_ms day = 86'400'000;
  const core::unix_ms t0 = 1'764'403'200'000;  // 2025-11-29T08:00Z
  const auto take = [&](core::unix_ms at) {
    return test::in_tx(fx.w, [&](store::tx& t) { return t.take_invite(id, at, at - day); });
  };
  CHECK(take(t0));
  // An hour later (another node's sweep, or the same flow left again): not again.
  CHECK_FALSE(take(t0 + 3'600'000));
  CHECK_FALSE(take(t0 + day - 1));
  // A day on, one more.
  CHECK(take(t0 + day));
  CHECK_FALSE(take(t0 + day + 60'000));
  // Erased (R-D6): nothing is kept of when they were last invited.
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.erase_contact(id); }));
  CHECK(take(t0 + day + 120'000));
}
