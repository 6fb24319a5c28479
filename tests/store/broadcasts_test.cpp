// Broadcast batches against the store, on both engines: each subscriber once in their
// language, and the frequency cap on routine (education) messages: at most one a day and three
// a week per person and programme; over it the message is recorded as cancelled with the
// reason, never dropped silently. Alerts are never capped (R-S9).
#include "gateway/store/tx.hpp"
#include "gateway/store/rules.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>

#include "gateway/store/writer.hpp"
#include "tests/support/store_support.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

constexpr core::unix_ms day = 86'400'000;

struct fixture : test::store_fixture {

  fixture() {
    test::in_tx(w, [](store::tx& t) {
      for (const char* phone : {"+93700000001", "+93700000002"}) {
        const auto c = t.upsert_contact(phone);
        t.subscribe(c.id, "mine_safety", "herat", "at");
      }
      t.set_contact_language(t.upsert_contact("+93700000002").id, "prs");
    });
  }

  // A lesson of `prio` to Herat's subscribers, counted now.
  static store::broadcast lesson_to_herat(store::tx& t, core::priority prio) {
    store::broadcast b;
    b.topic = "mine_safety";
    b.area = "herat";
    b.template_key = "mine_safety.lesson";
    b.prio = prio;
    b.audience = t.count_audience(b);
    return b;
  }

  // Sends a broadcast of `prio` to Herat; returns its messages' states ("queued" → 2, …).
  std::map<std::string, std::int64_t> send(core::priority prio) {
    return test::in_tx(w, [&](store::tx& t) {
      const auto id = t.add_broadcast(lesson_to_herat(t, prio));
      // The batch that reaches the end says so on the next call.
      while (!t.queue_broadcast_batch(id, {{"prs", "درس"}}, "Lesson", 100).done) {
      }
      return t.broadcast_progress(id);
    });
  }
};

}  // namespace

TEST_CASE("broadcasts: each subscriber gets the text of their language once", "[store]") {
  fixture fx;
  CHECK(fx.send(core::priority::bulk) == std::map<std::string, std::int64_t>{{"queued", 2}});
  CHECK(test::value(fx.so, "SELECT body FROM outbound_messages WHERE to_phone = '+93700000002'") == "درس");
  CHECK(test::value(fx.so, "SELECT body FROM outbound_messages WHERE to_phone = '+93700000001'") == "Lesson");
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM message_events WHERE status = 'queued' AND source = 'broadcast'") ==
        "2");
}

TEST_CASE("broadcasts: a text not in a person's language comes in the next language they read, in their order (R-L2)",
          "[store]") {
  fixture fx;
  // A Pashto reader who reads Farsi, then English; one who reads English before Dari; one whose
  // list was written with a stray quote, read as no list at all; one with a language nobody
  // has; lists the API never writes (three languages, spaces), read as none.
  const std::vector<std::pair<const char*, const char*>> people{
      {"+93700000011", "fa,en"}, {"+93700000012", "en,prs"}, {"+93700000013", "f\"a,en"}, {"+93700000014", "uz"},
      {"+93700000015", "xx,en,prs"}, {"+93700000016", "fa, en"}};
  test::in_tx(fx.w, [&](store::tx& t) {
    for (const auto& [phone, read] : people) {
      const auto c = t.upsert_contact(phone);
      t.subscribe(c.id, "mine_safety", "herat", "at");
      t.set_contact_language(c.id, "ps");
      t.set_contact_fields(c.id, {{"languages", read}});
    }
  });
  const auto id = test::in_tx(fx.w, [&](store::tx& t) {
    const auto made = t.add_broadcast(fixture::lesson_to_herat(t, core::priority::alert));
    while (!t.queue_broadcast_batch(made, {{"prs", "درس"}, {"fa", "آموزش"}, {"en", "Lesson"}}, "Default", 100).done) {
    }
    return made;
  });
  const auto body = [&](const char* phone) {
    return test::value(fx.so, std::string("SELECT body FROM outbound_messages WHERE to_phone = '") + phone + "'");
  };
  CHECK(body("+93700000011") == "آموزش");
  CHECK(body("+93700000012") == "Lesson");
  CHECK(body("+93700000013") == "Default");
  CHECK(body("+93700000014") == "Default");
  CHECK(body("+93700000015") == "Default");  // three, or spaces: not a list (text::fallback_languages)
  CHECK(body("+93700000016") == "Default");
  CHECK(body("+93700000002") == "درس");  // their own language first
  // The texts of one country (R-H6) follow the same order.
  test::in_tx(fx.w, [&](store::tx& t) {
    t.rebody_broadcast(id, 0, 1'000'000, "+93", {{"fa", "آموزش افغانستان"}, {"en", "Lesson AF"}}, "Default AF");
  });
  CHECK(body("+93700000011") == "آموزش افغانستان");
  CHECK(body("+93700000012") == "Lesson AF");
  CHECK(body("+93700000013") == "Default AF");
}

TEST_CASE("broadcasts: a batch names one number of each country it goes to, and holds those of one country (R-S8)",
          "[store]") {
  fixture fx;
  // Two Iranian numbers of different operators and one who set their own quiet hours (held
  // one by one, by those hours, never by their country's).
  test::in_tx(fx.w, [&](store::tx& t) {
    for (const char* phone : {"+989121110001", "+989351110002", "+989121110003"}) {
      t.subscribe(t.upsert_contact(phone).id, "mine_safety", "herat", "at");
    }
    t.set_quiet_hours(t.upsert_contact("+989121110003").id, "22:00-06:00");
  });
  const core::unix_ms morning = 4'000'000'000'000;  // later than any clock the store reads
  test::in_tx(fx.w, [&](store::tx& t) {
    const auto id = t.add_broadcast(fixture::lesson_to_herat(t, core::priority::reminder));
    const auto batch = t.queue_broadcast_batch(id, {}, "Lesson", 100);
    REQUIRE(batch.messages == 5);
    auto numbers = t.batch_numbers(id, batch.from_contact, batch.to_contact);
    std::sort(numbers.begin(), numbers.end());
    CHECK(numbers == std::vector<std::string>{"+93700000001", "+989121110001", "+989351110002"});
    CHECK(t.hold_broadcast(id, batch.from_contact, batch.to_contact, "+9891", morning) == 1);
    // Another batch's people are not this one's.
    CHECK(t.hold_broadcast(id, batch.to_contact, batch.to_contact + 10, "+9893", morning) == 0);
  });
  const auto next_at = [&](const char* phone) {
    return test::value(fx.so, std::string("SELECT next_at FROM outbound_messages WHERE to_phone = '") + phone + "'");
  };
  CHECK(next_at("+989121110001") == std::to_string(morning));
  CHECK(next_at("+989351110002") != std::to_string(morning));
  CHECK(next_at("+989121110003") != std::to_string(morning));
  CHECK(next_at("+93700000001") != std::to_string(morning));
}

TEST_CASE("broadcasts: an alert for a route reaches those who said they come by it, in every area (R-M1)",
          "[store]") {
  test::store_fixture fx;
  test::in_tx(fx.w, [](store::tx& t) {
    const auto sub = [&](const char* phone, const char* area, const char* route) {
      t.subscribe(t.upsert_contact(phone).id, "mine_safety", area, "at", 0, "", route);
    };
    sub("+93700000011", "herat", "islam_qala");
    sub("+93700000012", "herat", "");  // never said how they come
    sub("+93700000013", "nimroz", "islam_qala");
    sub("+93700000014", "kandahar", "spin_boldak");
  });
  const auto send = [&](const std::string& area, const std::string& route) {
    return test::in_tx(fx.w, [&](store::tx& t) {
      store::broadcast b;
      b.topic = "mine_safety";
      b.area = area;
      b.route = route;
      b.template_key = "mine_safety.alert";
      b.prio = core::priority::alert;
      b.audience = t.count_audience(b);
      const auto id = t.add_broadcast(b);
      CHECK(t.find_broadcast(id)->route == route);
      while (!t.queue_broadcast_batch(id, {}, "Alert", 1).done) {
      }
      return std::pair{b.audience, t.broadcast_progress(id)};
    });
  };
  const auto [road, queued] = send("", "islam_qala");
  CHECK(road == 2);
  CHECK(queued == std::map<std::string, std::int64_t>{{"queued", 2}});
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM outbound_messages WHERE to_phone IN ('+93700000011', '+93700000013')") ==
        "2");
  // Area and route together: both hold.
  CHECK(send("herat", "islam_qala").first == 1);
  CHECK(send("herat", "").first == 2);
  CHECK(send("herat", "spin_boldak").first == 0);
}

TEST_CASE("broadcasts: an alert for a district reaches those in it, and those whose district is not known unless "
          "told not to (R-M1)",
          "[store]") {
  test::store_fixture fx;
  test::in_tx(fx.w, [](store::tx& t) {
    const auto sub = [&](const char* phone, const char* area, const char* written, const char* district) {
      t.subscribe(t.upsert_contact(phone).id, "mine_safety", area, "at", 0, written, "", district);
    };
    sub("+93700000021", "herat", "انجیل", "injil");
    sub("+93700000022", "herat", "Enjil", "injil");
    sub("+93700000023", "herat", "گذره", "guzara");
    sub("+93700000024", "herat", "near the bridge", "");  // words no district matches
    sub("+93700000025", "herat", "", "");                 // never asked
    sub("+93700000026", "nimroz", "Injil?", "");           // another area altogether
  });
  const auto send = [&](const std::string& district, bool unknown) {
    return test::in_tx(fx.w, [&](store::tx& t) {
      store::broadcast b;
      b.topic = "mine_safety";
      b.area = "herat";
      b.district = district;
      b.unknown_district = unknown;
      b.template_key = "mine_safety.alert";
      b.prio = core::priority::alert;
      b.audience = t.count_audience(b);
      const auto id = t.add_broadcast(b);
      CHECK(t.find_broadcast(id)->district == district);
      CHECK(t.find_broadcast(id)->unknown_district == unknown);
      while (!t.queue_broadcast_batch(id, {}, "Alert", 2).done) {
      }
      CHECK(t.broadcast_progress(id) == std::map<std::string, std::int64_t>{{"queued", b.audience}});
      return b.audience;
    });
  };
  CHECK(send("injil", false) == 2);
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM outbound_messages WHERE to_phone IN ('+93700000021', '+93700000022')") ==
        "2");
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM outbound_messages") == "2");
  CHECK(send("injil", true) == 4);  // and the two whose district is not known
  CHECK(send("guzara", false) == 1);
  CHECK(send("", true) == 5);  // the whole area
  // The districts file learns "near the bridge" is Guzara: those who wrote it are taken for it.
  test::in_tx(fx.w, [](store::tx& t) {
    const auto written = t.written_districts();
    REQUIRE(written.size() == 5);
    CHECK(written[0].area == "herat");
    CHECK(t.take_district("herat", "near the bridge", "guzara") == 1);
    CHECK(t.take_district("herat", "near the bridge", "guzara") == 0);  // already
    CHECK(t.take_district("nimroz", "near the bridge", "guzara") == 0);  // that area has none who wrote it
  });
  CHECK(send("guzara", false) == 2);
  CHECK(send("injil", true) == 3);
}

TEST_CASE("broadcasts: routine messages are capped at one a day and three a week, alerts never", "[store]") {
  fixture fx;
  const std::map<std::string, std::int64_t> queued{{"queued", 2}}, capped{{"cancelled", 2}};
  CHECK(fx.send(core::priority::bulk) == queued);
  CHECK(fx.send(core::priority::bulk) == capped);  // the same day
  CHECK(fx.send(core::priority::alert) == queued);  // an alert is not routine, nor counted
  CHECK(test::value(fx.so, "SELECT error FROM outbound_messages WHERE status = 'cancelled' LIMIT 1") ==
        store::frequency_cap_reason);
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM message_events WHERE status = 'cancelled' AND source = 'frequency-cap'") ==
        "2");
  fx.now += day;
  CHECK(fx.send(core::priority::bulk) == queued);
  fx.now += day;
  CHECK(fx.send(core::priority::bulk) == queued);
  fx.now += day;
  CHECK(fx.send(core::priority::bulk) == capped);  // three in the week already
  fx.now += 5 * day;
  CHECK(fx.send(core::priority::bulk) == queued);  // the first of them is a week old
}

TEST_CASE("broadcasts: a person taking the programme's lessons gets none of its education broadcasts until they end",
          "[store]") {
  fixture fx;
  const auto lessons = test::in_tx(fx.w, [](store::tx& t) {
    store::series s;
    s.contact_id = t.upsert_contact("+93700000001").id;
    s.channel_id = "at";
    s.programme = "mine_safety";
    s.at_minute = 600;
    s.time_zone = "Asia/Kabul";
    s.flow_id = "mine_safety";  // no health worker behind it: routine lessons (R-M3's P3)
    s.node = "lesson";
    return t.add_series(s);
  });
  CHECK(fx.send(core::priority::bulk) == std::map<std::string, std::int64_t>{{"cancelled", 1}, {"queued", 1}});
  CHECK(test::value(fx.so, "SELECT to_phone || ' ' || error FROM outbound_messages WHERE status = 'cancelled'") ==
        std::string("+93700000001 ") + store::lessons_first_reason);
  // An alert is not routine: it reaches them in their lessons too.
  CHECK(fx.send(core::priority::alert) == std::map<std::string, std::int64_t>{{"queued", 2}});
  test::in_tx(fx.w, [&](store::tx& t) { t.end_series(lessons); });
  fx.now += day;
  CHECK(fx.send(core::priority::bulk) == std::map<std::string, std::int64_t>{{"queued", 2}});
}

TEST_CASE("broadcasts: an urgent alert waits for a second person, a cancelled one never goes, an expired one "
          "sends nothing late",
          "[store]") {
  fixture fx;
  const auto ids = test::in_tx(fx.w, [](store::tx& t) {
    store::broadcast b;
    b.topic = "mine_safety";
    b.area = "herat";
    b.template_key = "mine_safety.alert";
    b.prio = core::priority::alert;
    b.audience = 2;
    b.requested_by = "user:1";  // approved_by empty: awaiting approval
    b.expires_at = t.now() + day;
    const auto first = t.add_broadcast(b);
    const auto second = t.add_broadcast(b);
    return std::pair{first, second};
  });
  test::in_tx(fx.w, [&](store::tx& t) {
    const auto b = t.find_broadcast(ids.first);
    REQUIRE(b);
    CHECK(b->awaiting_approval());
    CHECK(b->requested_by == "user:1");
    CHECK(b->expires_at == t.now() + day);
    CHECK_FALSE(t.approve_broadcast(ids.first, "user:1"));  // not by whoever asked
    CHECK(t.approve_broadcast(ids.first, "user:2"));
    CHECK_FALSE(t.approve_broadcast(ids.first, "user:3"));  // once
    CHECK(t.find_broadcast(ids.first)->approved_by == "user:2");
    CHECK_FALSE(t.find_broadcast(ids.first)->awaiting_approval());
    CHECK(t.cancel_broadcast(ids.second) == std::optional<std::size_t>(0));  // nothing was queued
    CHECK_FALSE(t.cancel_broadcast(ids.second).has_value());                // once
    CHECK_FALSE(t.approve_broadcast(ids.second, "user:2"));
    const auto cancelled = t.find_broadcast(ids.second);
    CHECK(cancelled->cancelled);
    CHECK(cancelled->done);
    CHECK_FALSE(cancelled->awaiting_approval());
    // The approved one queues; one of its two messages goes before it expires.
    while (!t.queue_broadcast_batch(ids.first, {}, "Alert", 100).done) {
    }
  });
  // One goes out; the aggregator answers "try later", and the alert expires meanwhile.
  const auto claimed = test::in_tx(fx.w, [&](store::tx& t) { return t.claim_due("at", 1); });
  REQUIRE(claimed.size() == 1);
  test::in_tx(fx.w, [&](store::tx& t) {
    t.record_retry(claimed[0].id, fx.now.load() + 1000, "500", "aggregator busy", true);
  });
  fx.now += day;
  test::in_tx(fx.w, [&](store::tx& t) {
    // Neither the one never sent nor the retry is sent after the expiry: the sweep expires both.
    CHECK(t.claim_due("at", 10).empty());
    CHECK(t.expire_unsent("at", 0) == 2);
    CHECK(t.broadcast_progress(ids.first) == std::map<std::string, std::int64_t>{{"expired", 2}});
    // A batch that fell behind its expiry queues nobody more.
    CHECK(t.expire_broadcast(ids.first) == 0);
    CHECK(t.find_broadcast(ids.first)->done);
  });
  // An alert nobody approved in time cannot be approved after.
  const auto late = test::in_tx(fx.w, [](store::tx& t) {
    store::broadcast b;
    b.topic = "mine_safety";
    b.template_key = "mine_safety.alert";
    b.prio = core::priority::alert;
    b.requested_by = "user:1";
    b.expires_at = t.now() + 1000;
    return t.add_broadcast(b);
  });
  fx.now += 1000;
  CHECK_FALSE(test::in_tx(fx.w, [&](store::tx& t) { return t.approve_broadcast(late, "user:2"); }));
}

TEST_CASE("broadcasts: one found wrong under way stops: nobody more is queued, what is not yet sent is cancelled, "
          "what went stays",
          "[store]") {
  fixture fx;
  test::in_tx(fx.w, [](store::tx& t) {
    for (const char* phone : {"+93700000003", "+93700000004"}) t.subscribe(t.upsert_contact(phone).id, "mine_safety", "herat", "at");
  });
  const auto id = test::in_tx(fx.w, [](store::tx& t) {
    const auto made = t.add_broadcast(fixture::lesson_to_herat(t, core::priority::bulk));
    t.queue_broadcast_batch(made, {}, "Lesson", 3);  // three of four queued so far
    return made;
  });
  const auto sent = test::in_tx(fx.w, [&](store::tx& t) { return t.claim_due("at", 1); });
  REQUIRE(sent.size() == 1);
  test::in_tx(fx.w, [&](store::tx& t) {
    CHECK(t.cancel_broadcast(id) == std::optional<std::size_t>(2));
    CHECK(t.find_broadcast(id)->cancelled);
    // The fourth person is never queued; the one in flight goes on.
    CHECK(t.queue_broadcast_batch(id, {}, "Lesson", 10).messages == 0);
    CHECK(t.broadcast_progress(id) == std::map<std::string, std::int64_t>{{"cancelled", 2}, {"sending", 1}});
    CHECK_FALSE(t.cancel_broadcast(id).has_value());  // nothing left to stop
    // The one in flight fails for now: it is never tried again.
    t.record_retry(sent[0].id, fx.now.load() + 1000, "500", "aggregator busy", true);
  });
  fx.now += 2000;
  CHECK(test::in_tx(fx.w, [](store::tx& t) { return t.claim_due("at", 10); }).empty());
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM message_events WHERE status = 'cancelled' AND source = 'broadcast'") ==
        "2");
}

TEST_CASE("broadcasts: a subscription ends when it was set to, unless renewed, and a new SIM keeps its end", "[store]") {
  fixture fx;
  const auto who = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+93700000003").id; });
  const core::unix_ms ends = fx.now.load() + 10 * day;
  test::in_tx(fx.w, [&](store::tx& t) {
    t.subscribe(who, "mine_safety", "kabul", "at", ends);
    CHECK(t.subscription_end(who, "mine_safety", "kabul") == ends);
    CHECK_FALSE(t.subscription_end(who, "mine_safety", "herat"));
    // Renewed: the old end no longer ends it.
    t.subscribe(who, "mine_safety", "kabul", "at", ends + 100 * day);
    CHECK_FALSE(t.end_subscription(who, "mine_safety", "kabul", ends));
    CHECK(t.subscription_end(who, "mine_safety", "kabul") == ends + 100 * day);
    // A new SIM: the code moves it with its end. Sent from the number that asked for it, it
    // moves nothing and stays good for the new SIM.
    REQUIRE(t.add_transfer_code(who, "mine_safety", "482913", t.now() + day));
    CHECK_FALSE(t.use_transfer_code("482914", "mine_safety", who, "at"));
    const auto own = t.use_transfer_code("482913", "mine_safety", who, "at");
    REQUIRE(own);
    CHECK(own->from_contact == who);
    CHECK(own->areas.empty());
    CHECK(t.subscription_end(who, "mine_safety", "kabul") == ends + 100 * day);
    const auto moved_to = t.upsert_contact("+93790000003").id;
    const auto moved = t.use_transfer_code("482913", "mine_safety", moved_to, "at");
    REQUIRE(moved);
    CHECK(moved->from_contact == who);
    CHECK(moved->areas == std::vector<std::string>{"kabul"});
    CHECK_FALSE(t.subscribed(who, "mine_safety"));
    CHECK(t.subscribed(moved_to, "mine_safety"));
    CHECK_FALSE(t.subscribed(moved_to, "health"));
    CHECK(t.subscription_end(moved_to, "mine_safety", "kabul") == ends + 100 * day);
    // Used up.
    CHECK_FALSE(
        t.use_transfer_code("482913", "mine_safety", t.upsert_contact("+93790000013").id, "at"));
    CHECK(t.end_subscription(moved_to, "mine_safety", "kabul", ends + 100 * day));
    CHECK_FALSE(t.subscription_end(moved_to, "mine_safety", "kabul"));
    CHECK_FALSE(t.subscribed(moved_to, "mine_safety"));
  });
}

TEST_CASE("broadcasts: a transfer code is kept only as its salted hash (R-D2)", "[store]") {
  fixture fx;
  const auto who =
      test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+989120000005").id; });
  test::in_tx(fx.w, [&](store::tx& t) {
    REQUIRE(t.add_transfer_code(who, "mine_safety", "607182", t.now() + day));
  });
  // Whoever reads the table (a backup, an export, an operator's query) sees no code.
  const auto kept = test::value(fx.so, "SELECT code_hash FROM transfer_codes");
  const auto salt =
      test::value(fx.so, "SELECT value FROM deployment WHERE name = 'suppression_salt'");
  CHECK(kept.find("607182") == std::string::npos);
  CHECK(kept == store::transfer_code_hash(salt, "607182"));
  CHECK(kept.size() == 64);
  // Another deployment's salt gives another hash.
  CHECK(store::transfer_code_hash(salt + "x", "607182") != kept);
}

TEST_CASE("broadcasts: a subscription keeps the district as written and the route, through a renewal and a new SIM (R-M1)",
          "[store]") {
  fixture fx;
  const auto who = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+989120000004").id; });
  const core::unix_ms ends = fx.now.load() + 10 * day;
  test::in_tx(fx.w, [&](store::tx& t) {
    t.subscribe(who, "mine_safety", "herat", "at", ends, "گذره", "islam_qala", "guzara");
    // A renewal says neither: both stay.
    t.subscribe(who, "mine_safety", "herat", "at", ends + 100 * day);
    auto subs = t.subscriptions_of(who);
    REQUIRE(subs.size() == 1);
    CHECK(subs[0].area == "herat");
    CHECK(subs[0].district == "گذره");
    CHECK(subs[0].district_key == "guzara");
    CHECK(subs[0].route == "islam_qala");
    CHECK(subs[0].expires_at == ends + 100 * day);
    CHECK(subs[0].created_at == t.now());
    // Said again, they change.
    t.subscribe(who, "mine_safety", "herat", "at", ends + 100 * day, "Injil", "milak", "injil");
    REQUIRE(t.add_transfer_code(who, "mine_safety", "550011", t.now() + day));
    const auto afghan = t.upsert_contact("+93790000004").id;
    REQUIRE(t.use_transfer_code("550011", "mine_safety", afghan, "at"));
    CHECK(t.subscriptions_of(who).empty());
    subs = t.subscriptions_of(afghan);
    REQUIRE(subs.size() == 1);
    CHECK(subs[0].district == "Injil");
    CHECK(subs[0].district_key == "injil");
    CHECK(subs[0].route == "milak");
    CHECK(subs[0].expires_at == ends + 100 * day);
  });
}
