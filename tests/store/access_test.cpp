// What the REST API reads and writes in the store, on both engines: tokens found by hash until
// revoked, the audit log appended to and read newest first in pages (and refusing changes),
// messages with their history and in filtered pages.
#include "gateway/store/tx.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>

#include "gateway/store/number_change.hpp"
#include "gateway/store/reader.hpp"
#include "gateway/store/writer.hpp"
#include "tests/support/store_support.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

struct fixture : test::store_fixture {};

// R-L6: moves the person to `phone` as the API does, Iranian numbers on Tehran's clock.
store::number_request asked(const std::string& phone, bool confirm) {
  return {phone, "user:1", confirm,
          [](std::string_view e164) {
            return std::string(e164.rfind("+98", 0) == 0 ? "Asia/Tehran" : "Asia/Kabul");
          },
          [](std::string_view field) { return field == "camp" || field == "months"; }};
}

store::number_change renumber(store::writer& w, std::int64_t id, const std::string& phone, bool confirm = false) {
  return test::in_tx(
      w, [&](store::tx& t) { return store::change_number(t, id, asked(phone, confirm)); });
}

// R-L6: the person also writes from `phone`, as the API records it.
store::number_change also(store::writer& w, std::int64_t id, const std::string& phone,
                          bool confirm = false) {
  return test::in_tx(w,
                     [&](store::tx& t) { return store::add_number(t, id, asked(phone, confirm)); });
}

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

TEST_CASE("access: a person's visits PIN is kept as given, counts wrong tries, goes with a new number and is erased "
          "with them (R-S12)",
          "[store]") {
  fixture fx;
  const auto id = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+93700000452").id; });
  const auto pin = [&] { return test::in_tx(fx.w, [&](store::tx& t) { return t.find_visit_pin(id); }); };
  CHECK(pin().hash.empty());
  test::in_tx(fx.w, [&](store::tx& t) { t.set_visit_pin(id, "$argon2id$one"); });
  CHECK(pin().hash == "$argon2id$one");
  test::in_tx(fx.w, [&](store::tx& t) { t.set_visit_pin_failures(id, 3, 0); });
  CHECK(pin().failed == 3);
  test::in_tx(fx.w, [&](store::tx& t) { t.set_visit_pin_failures(id, 0, 1'764'403'200'000); });
  CHECK(pin().locked_until == 1'764'403'200'000);
  // A new PIN (or none) unlocks.
  test::in_tx(fx.w, [&](store::tx& t) { t.set_visit_pin(id, "$argon2id$two"); });
  CHECK(pin().locked_until == 0);
  CHECK(pin().hash == "$argon2id$two");
  // It is the person's, not the SIM's: a new number keeps it.
  REQUIRE(renumber(fx.w, id, "+93799000452").result == store::number_change::outcome::moved);
  CHECK(pin().hash == "$argon2id$two");
  test::in_tx(fx.w, [&](store::tx& t) { t.set_visit_pin_failures(id, 2, 0); });
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.erase_contact(id); }));
  CHECK(pin().hash.empty());
  CHECK(pin().failed == 0);
}

TEST_CASE("access: a person's new number takes their alerts and stops along, and what waits goes to it (R-L6)",
          "[store]") {
  fixture fx;
  const std::string old_sim = "+989121234501", new_sim = "+93700000501";
  const auto id = test::in_tx(fx.w, [&](store::tx& t) {
    const auto who = t.upsert_contact(old_sim);
    t.subscribe(who.id, "mine_safety", "herat", "at");
    t.set_programme_opt_out(who.id, "appointments", true);
    t.queue_message({"at", who.id, 0, who.phone, "an alert", core::priority::alert});
    t.set_phone_privacy(who.id, "no", true, "user:2");
    store::series daily;
    daily.contact_id = who.id;
    daily.channel_id = "at";
    daily.programme = "health";
    daily.template_key = "health.medicine_due";
    daily.at_minute = 20 * 60;
    daily.time_zone = "Asia/Tehran";
    t.add_series(daily);
    return who.id;
  });
  // Three failures in a row were of the old SIM (R-S13), not of the new one.
  test::execute(fx.so, "UPDATE contacts SET unreachable = 1, failures_in_row = 3 WHERE id = " + std::to_string(id));
  const auto moved = renumber(fx.w, id, new_sim);
  CHECK(moved.result == store::number_change::outcome::moved);
  CHECK(moved.other == 0);
  CHECK(moved.readdressed == 1);
  test::in_tx(fx.w, [&](store::tx& t) {
    const auto who = t.find_contact_by_phone(new_sim);
    REQUIRE(who);
    CHECK(who->id == id);
    CHECK_FALSE(who->unreachable);
    CHECK(t.subscriptions_of(id).size() == 1);
    CHECK(t.stopped(id, "appointments"));
    CHECK_FALSE(t.find_contact_by_phone(old_sim));
    // Nobody reading the old phone says nothing of the new one: texts are neutral again (R-S11).
    CHECK_FALSE(who->explicit_texts);
    const auto record = t.find_contact_record(id);
    CHECK(record.shared_phone == "unknown");
    CHECK(record.privacy_recorded_by == "user:1");
  });
  CHECK(test::value(fx.so, "SELECT to_phone FROM outbound_messages WHERE status = 'queued'") == new_sim);
  // Her 20:00 reminder is at 20:00 in Kabul now.
  CHECK(test::value(fx.so, "SELECT time_zone FROM series") == "Asia/Kabul");
  // The old SIM is free: whoever has it now is someone new, but what she stopped stays stopped
  // on it too (R-S7), as after an erasure.
  const auto next = test::in_tx(fx.w, [&](store::tx& t) { return t.upsert_contact(old_sim); });
  CHECK(next.created);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.stopped(next.id, "appointments"); }));
  CHECK_FALSE(test::in_tx(fx.w, [&](store::tx& t) { return t.stopped(next.id, "mine_safety"); }));
  // Recorded twice: nothing more happens.
  CHECK(renumber(fx.w, id, new_sim).result == store::number_change::outcome::unchanged);
  CHECK(renumber(fx.w, 999, "+93700000509").result == store::number_change::outcome::no_contact);
}

TEST_CASE("access: a new number that is another person's with anything of their own is refused, changing nothing "
          "(R-L6)",
          "[store]") {
  fixture fx;
  const auto ids = test::in_tx(fx.w, [](store::tx& t) {
    const auto moving = t.upsert_contact("+989121234511");
    const auto alerts = t.upsert_contact("+93700000512");
    const auto stopped = t.upsert_contact("+93700000513");
    t.subscribe(alerts.id, "mine_safety", "kabul", "at");
    t.set_opted_out(stopped.id, true);
    store::user u;
    u.name = "Sima";
    u.role = "health_worker";
    u.facility = "golshahr";
    u.phone = "+93700000514";
    t.add_user(u);
    t.upsert_contact(u.phone);
    return std::vector<std::int64_t>{moving.id, alerts.id, stopped.id};
  });
  const auto change = [&](const std::string& to) { return renumber(fx.w, ids[0], to); };
  using o = store::number_change::outcome;
  auto r = change("+93700000512");
  CHECK(r.result == o::taken);
  CHECK(r.other == ids[1]);
  CHECK(r.held == std::vector<std::string>{"subscriptions"});
  r = change("+93700000513");
  CHECK(r.result == o::taken);
  CHECK(r.held == std::vector<std::string>{"stops"});
  r = change("+93700000514");
  CHECK(r.result == o::taken);
  CHECK(r.held == std::vector<std::string>{"user"});
  // Whoever had it stopped everything and was erased since: only a START from it takes that back.
  test::in_tx(fx.w, [](store::tx& t) {
    const auto gone = t.upsert_contact("+93700000516");
    t.set_opted_out(gone.id, true);
    t.erase_contact(gone.id);
  });
  r = change("+93700000516");
  CHECK(r.result == o::taken);
  CHECK(r.other == 0);
  CHECK(r.held == std::vector<std::string>{"stops"});
  CHECK(test::value(fx.so, "SELECT phone FROM contacts WHERE id = " + std::to_string(ids[0])) == "+989121234511");
  // A user's own contact moves with `paygham user`, never here.
  const auto staff = test::in_tx(fx.w, [](store::tx& t) { return t.find_contact_by_phone("+93700000514")->id; });
  CHECK(renumber(fx.w, staff, "+93700000515").result == o::staff);
}

TEST_CASE("access: a new SIM that wrote before the change was recorded is taken in, its messages the person's (R-L6)",
          "[store]") {
  fixture fx;
  const std::string new_sim = "+93700000521";
  const auto ids = test::in_tx(fx.w, [&](store::tx& t) {
    const auto person = t.upsert_contact("+989121234521");
    t.set_contact_fields(person.id, {{"months", "iranian"}});
    const auto sim = t.upsert_contact(new_sim);
    t.set_contact_language(sim.id, "prs");
    t.set_contact_fields(sim.id, {{"months", "afghan"}, {"camp", "Shamshatoo"}, {"tribe", "x"}});
    t.set_phone_privacy(sim.id, "yes", false, "person");  // the new phone's holder said others read it
    t.record_inbound("at", "in-1", "sms", sim.id, "salam");
    t.queue_message({"at", sim.id, 0, new_sim, "the language picker", core::priority::reply});
    return std::vector<std::int64_t>{person.id, sim.id};
  });
  // Taken in only when the caller says it is the person's new SIM.
  CHECK(renumber(fx.w, ids[0], new_sim).result == store::number_change::outcome::confirm_needed);
  CHECK(test::value(fx.so, "SELECT phone FROM contacts WHERE id = " + std::to_string(ids[1])) == new_sim);
  const auto moved = renumber(fx.w, ids[0], new_sim, true);
  CHECK(moved.result == store::number_change::outcome::moved);
  CHECK(moved.other == ids[1]);
  test::in_tx(fx.w, [&](store::tx& t) {
    const auto who = t.find_contact_by_phone(new_sim);
    REQUIRE(who);
    CHECK(who->id == ids[0]);
    // Its language fills the person's gap; the person's own month names stay.
    CHECK(who->language == "prs");
    CHECK(who->fields.at("months") == "iranian");
    CHECK(who->fields.at("camp") == "Shamshatoo");
    CHECK_FALSE(who->fields.count("tribe"));  // a field the deployment does not keep (R-D2)
    CHECK(t.find_contact(ids[1])->phone.rfind("erased:", 0) == 0);
    // What was said of the new phone holds for her now.
    CHECK(t.find_contact_record(ids[0]).shared_phone == "yes");
  });
  const auto person = std::to_string(ids[0]);
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM inbound_events WHERE contact_id = " + person) == "1");
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM outbound_messages WHERE contact_id = " + person) == "1");
}

TEST_CASE("access: a person moves back to a SIM they had, with the stops they made on it (R-L6)", "[store]") {
  fixture fx;
  const auto id = test::in_tx(fx.w, [](store::tx& t) {
    const auto who = t.upsert_contact("+989121234541");
    t.set_programme_opt_out(who.id, "mine_safety", true);
    return who.id;
  });
  using o = store::number_change::outcome;
  REQUIRE(renumber(fx.w, id, "+93700000541").result == o::moved);
  // The Iranian SIM keeps her stop as a hash; it is hers, so she may go back to it.
  CHECK(renumber(fx.w, id, "+989121234541").result == o::moved);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.stopped(id, "mine_safety"); }));
  // Had she taken that stop back meanwhile, the number's would still be someone's to take back.
  test::in_tx(fx.w, [&](store::tx& t) { t.set_programme_opt_out(id, "mine_safety", false); });
  REQUIRE(renumber(fx.w, id, "+93700000542").result == o::moved);
  const auto back = renumber(fx.w, id, "+989121234541");
  CHECK(back.result == o::taken);
  CHECK(back.held == std::vector<std::string>{"stops"});
}

TEST_CASE(
    "access: a person who also writes from a second SIM is found by it with neutral texts, while "
    "the main "
    "number stays theirs (R-L6)",
    "[store]") {
  fixture fx;
  const std::string main_sim = "+989121234551", second = "+93700000551";
  const auto ids = test::in_tx(fx.w, [&](store::tx& t) {
    const auto who = t.upsert_contact(main_sim);
    t.subscribe(who.id, "mine_safety", "herat", "at");
    t.set_phone_privacy(who.id, "no", true, "user:2");  // said of the main phone only
    const auto neighbour = t.upsert_contact("+93700000559");
    return std::vector<std::int64_t>{who.id, neighbour.id};
  });
  using o = store::number_change::outcome;
  CHECK(also(fx.w, ids[0], second).result == o::added);
  // Her main SIM failed three times in a row (R-S13): that says nothing of the second one.
  test::execute(fx.so, "UPDATE contacts SET unreachable = 1 WHERE id = " + std::to_string(ids[0]));
  test::in_tx(fx.w, [&](store::tx& t) {
    CHECK_FALSE(t.upsert_contact(second).unreachable);
    CHECK(t.upsert_contact(main_sim).unreachable);
    // An answer to the second SIM goes; a reminder to the main one is held back.
    t.queue_message({"at", ids[0], 0, second, "your visit is on Monday", core::priority::reply});
    t.queue_message({"at", ids[0], 0, main_sim, "a reminder", core::priority::reminder});
  });
  CHECK(test::value(fx.so, "SELECT status FROM outbound_messages WHERE to_phone = '" + second +
                               "'") == "queued");
  CHECK(test::value(fx.so, "SELECT status FROM outbound_messages WHERE to_phone = '" + main_sim +
                               "'") == "cancelled");
  test::execute(fx.so, "UPDATE contacts SET unreachable = 0 WHERE id = " + std::to_string(ids[0]));
  test::in_tx(fx.w, [&](store::tx& t) {
    // Writing from it, she is herself, answered on it, in neutral texts.
    const auto on_it = t.upsert_contact(second);
    CHECK(on_it.id == ids[0]);
    CHECK_FALSE(on_it.created);
    CHECK(on_it.phone == second);
    CHECK_FALSE(on_it.explicit_texts);
    CHECK(t.upsert_contact(main_sim).explicit_texts);
    // Looked up by it, she is found as she is kept: with her main number.
    const auto found = t.find_contact_by_phone(second);
    REQUIRE(found);
    CHECK(found->id == ids[0]);
    CHECK(found->phone == main_sim);
    CHECK(t.other_numbers(ids[0]) == std::vector<std::string>{second});
  });
  // Recorded twice, or her main number: nothing changes. Her neighbour may not have it too.
  CHECK(also(fx.w, ids[0], second).result == o::unchanged);
  CHECK(also(fx.w, ids[0], main_sim).result == o::unchanged);
  auto theirs = also(fx.w, ids[1], second);
  CHECK(theirs.result == o::taken);
  CHECK(theirs.other == ids[0]);
  CHECK(theirs.held == std::vector<std::string>{"numbers"});
  CHECK(renumber(fx.w, ids[1], second).held == std::vector<std::string>{"numbers"});
  // Nor may she have her neighbour's, who wrote before: not without a confirmation, and not at
  // all once the neighbour writes from another number too (taking them in would leave it behind).
  CHECK(also(fx.w, ids[0], "+93700000559").result == o::confirm_needed);
  REQUIRE(also(fx.w, ids[1], "+93700000557").result == o::added);
  for (const bool as_main : {false, true}) {
    const auto r = as_main ? renumber(fx.w, ids[0], "+93700000559", true)
                           : also(fx.w, ids[0], "+93700000559", true);
    CHECK(r.result == o::taken);
    CHECK(r.held == std::vector<std::string>{"other_numbers"});
  }
  CHECK(test::in_tx(fx.w, [&](store::tx& t) {
          return t.find_contact_by_phone("+93700000557")->id;
        }) == ids[1]);
  // The second SIM becomes her main one: the Iranian SIM is free, her alerts stay hers.
  CHECK(renumber(fx.w, ids[0], second).result == o::moved);
  test::in_tx(fx.w, [&](store::tx& t) {
    CHECK(t.other_numbers(ids[0]).empty());
    CHECK(t.find_contact(ids[0])->phone == second);
    CHECK(t.subscriptions_of(ids[0]).size() == 1);
    CHECK(t.upsert_contact(main_sim).created);
  });
  CHECK(renumber(fx.w, 999, "+93700000558").result == o::no_contact);
  CHECK(also(fx.w, 999, "+93700000558").result == o::no_contact);
}

TEST_CASE(
    "access: a second SIM that wrote before is taken in on confirmation, and a stop stays with a "
    "number the "
    "person no longer uses (R-L6)",
    "[store]") {
  fixture fx;
  const std::string sim = "+93700000561", spare = "+93700000562";
  const auto ids = test::in_tx(fx.w, [&](store::tx& t) {
    const auto person = t.upsert_contact("+989121234561");
    t.set_programme_opt_out(person.id, "mine_safety", true);
    const auto wrote = t.upsert_contact(sim);
    t.set_contact_language(wrote.id, "prs");
    t.record_inbound("at", "in-1", "sms", wrote.id, "salam");
    return std::vector<std::int64_t>{person.id, wrote.id};
  });
  using o = store::number_change::outcome;
  REQUIRE(also(fx.w, ids[0], sim).result == o::confirm_needed);
  const auto added = also(fx.w, ids[0], sim, true);
  CHECK(added.result == o::added);
  CHECK(added.other == ids[1]);
  const auto person = std::to_string(ids[0]);
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM inbound_events WHERE contact_id = " + person) ==
        "1");
  test::in_tx(fx.w, [&](store::tx& t) {
    CHECK(t.upsert_contact(sim).id == ids[0]);
    CHECK(t.find_contact(ids[0])->language == "prs");  // its language filled her gap
    CHECK(t.find_contact(ids[1])->erased());
  });
  // At most five other numbers.
  for (int i = 3; i <= 6; ++i)
    REQUIRE(also(fx.w, ids[0], "+9370000056" + std::to_string(i)).result == o::added);
  CHECK(also(fx.w, ids[0], "+93700000567").result == o::too_many);
  for (int i = 3; i <= 6; ++i) {
    test::in_tx(fx.w,
                [&](store::tx& t) { t.remove_number(ids[0], "+9370000056" + std::to_string(i)); });
  }
  // A spare SIM she gives up: whoever has it next starts with her stop (R-S7).
  REQUIRE(also(fx.w, ids[0], spare).result == o::added);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.remove_number(ids[0], spare); }));
  CHECK_FALSE(test::in_tx(fx.w, [&](store::tx& t) { return t.remove_number(ids[0], spare); }));
  const auto next = test::in_tx(fx.w, [&](store::tx& t) { return t.upsert_contact(spare); });
  CHECK(next.created);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.stopped(next.id, "mine_safety"); }));
  // Erased, she leaves her stop on every number she had, and none of them finds her.
  test::in_tx(fx.w, [&](store::tx& t) { CHECK(t.erase_contact(ids[0])); });
  const auto after = test::in_tx(fx.w, [&](store::tx& t) { return t.upsert_contact(sim); });
  CHECK(after.created);
  CHECK(after.id != ids[0]);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.stopped(after.id, "mine_safety"); }));
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM contact_numbers") == "0");
}

namespace {

// Node b's writer on node a's store, as a second gateway node opens it.
std::unique_ptr<store::writer> second_node(const store::options& a) {
  auto b = a;
  b.node_id = "b";
  return store::open_writer(b);
}

// Runs `first` on node a and holds its transaction open; `second` starts on node b meanwhile.
// Returns what `second` returned, and whether it had finished before node a committed.
template <class Second>
auto while_held(store::writer& a, store::writer& b, const std::function<void(store::tx&)>& first,
                Second second) {
  std::promise<void> in_first, a_done;
  std::promise<void> let_go;
  auto go = let_go.get_future().share();
  a.submit(
      [&, go](store::tx& t) {
        first(t);
        in_first.set_value();
        go.wait();
      },
      test::settles(a_done));
  in_first.get_future().wait();
  auto later = std::async(std::launch::async, [&] { return test::in_tx(b, second); });
  const bool before = later.wait_for(std::chrono::milliseconds(300)) == std::future_status::ready;
  let_go.set_value();
  a_done.get_future().get();
  return std::make_pair(later.get(), before);
}

}  // namespace

TEST_CASE(
    "access: on two nodes an SMS from a number being added to a person waits and finds it theirs "
    "(R-L6)",
    "[store]") {
  fixture fx;
  const std::string sim = "+93700000571";
  const auto person =
      test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+989121234571").id; });
  const auto b = second_node(fx.so);
  using o = store::number_change::outcome;
  const auto [wrote, finished_first] = while_held(
      fx.w, *b,
      [&](store::tx& t) {
        CHECK(store::add_number(t, person, asked(sim, false)).result == o::added);
      },
      [&](store::tx& t) { return t.upsert_contact(sim); });
  CHECK_FALSE(finished_first);
  CHECK(wrote.id == person);  // theirs, not a new contact beside it
  CHECK_FALSE(wrote.created);
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM contacts WHERE phone = '" + sim + "'") == "0");
}

TEST_CASE(
    "access: on two nodes a number added to two people at once is the first's and refused to the "
    "second (R-L6)",
    "[store]") {
  fixture fx;
  const std::string sim = "+93700000572";
  const auto people = test::in_tx(fx.w, [](store::tx& t) {
    return std::make_pair(t.upsert_contact("+989121234572").id,
                          t.upsert_contact("+989121234573").id);
  });
  const auto b = second_node(fx.so);
  using o = store::number_change::outcome;
  const auto [second, finished_first] = while_held(
      fx.w, *b,
      [&](store::tx& t) {
        CHECK(store::add_number(t, people.first, asked(sim, true)).result == o::added);
      },
      [&](store::tx& t) { return store::add_number(t, people.second, asked(sim, true)); });
  CHECK_FALSE(finished_first);
  CHECK(second.result == o::taken);  // an answer that says why, not a failed statement
  CHECK(second.held == std::vector<std::string>{"numbers"});
  CHECK(test::value(fx.so, "SELECT contact_id FROM contact_numbers WHERE phone = '" + sim + "'") ==
        std::to_string(people.first));
}

TEST_CASE("access: a statement that failed once works again once the cause is gone", "[store]") {
  if (test::engine_under_test() != store::backend::sqlite) return;  // SQLite's prepared-statement cache
  fixture fx;
  const auto append = [&] {
    test::in_tx(fx.w, [](store::tx& t) { t.audit("user:1", "contacts.update", "contact:1", "{}"); });
  };
  append();
  // The audit log refuses one entry (as a full disk would), then takes the next.
  test::execute(fx.so, "CREATE TRIGGER test_refuses BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END");
  CHECK_THROWS_WITH(append(), Catch::Contains("disk full"));
  test::execute(fx.so, "DROP TRIGGER test_refuses");
  CHECK_NOTHROW(append());
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM audit_log") == "2");
}
