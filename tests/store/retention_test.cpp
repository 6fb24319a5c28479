// R-D3 on both engines: personal data goes after its retention, a batch at a time, and what is
// still in use stays: a message still to send, an inbox item nobody has answered, a session
// still open; past messages leave their counts.
#include "gateway/store/tx.hpp"

#include <catch2/catch.hpp>

#include "gateway/store/reader.hpp"
#include "gateway/store/rules.hpp"
#include "gateway/store/writer.hpp"
#include "tests/support/store_support.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

constexpr core::unix_ms day = 86'400'000;

struct fixture : test::store_fixture {
  std::int64_t who =
      test::in_tx(w, [](store::tx& t) { return t.upsert_contact("+98912000051").id; });

  std::int64_t sent(const std::string& body, core::message_status st) {
    return test::in_tx(w, [&](store::tx& t) {
      const auto id = t.queue_message({"at", who, 0, "+98912000051", body, core::priority::reply});
      if (st != core::message_status::queued) t.set_message_status(id, st, "test", "", "", "");
      return id;
    });
  }
  std::string body(std::int64_t id) {
    return test::value(so, "SELECT body FROM outbound_messages WHERE id = " + std::to_string(id));
  }
  void run_at(const std::string& status, const std::string& reply) {
    test::execute(
        so,
        "INSERT INTO flow_runs (contact_id, channel_id, medium, flow_id, flow_hash, status, state,"
        " last_input, last_reply, created_at, updated_at) VALUES (" +
            std::to_string(who) + ", 'at', 'ussd', 'visit', 'h', '" + status + "', '{}', '1', '" +
            reply + "', " + std::to_string(now.load()) + ", " + std::to_string(now.load()) + ")");
  }
  void visit_at(core::unix_ms starts, const std::string& status, const std::string& code) {
    test::execute(so,
                  "INSERT INTO bookings (contact_id, channel_id, clinic, service, day, "
                  "window_from, window_to,"
                  " starts_at, code, status, created_at, updated_at) VALUES (" +
                      std::to_string(who) + ", 'at', 'golshahr', 'counselling', " +
                      std::to_string(starts / day) + ", 480, 600, " + std::to_string(starts) +
                      ", '" + code + "', '" + status + "', " + std::to_string(now.load()) + ", " +
                      std::to_string(now.load()) + ")");
  }
  std::size_t forget(core::unix_ms texts, core::unix_ms visits, std::size_t limit = 100) {
    return test::in_tx(w, [&](store::tx& t) {
      const auto before = [&](core::unix_ms kept) { return kept > 0 ? t.now() - kept : 0; };
      return t.forget_past({before(texts), before(visits), 0}, limit);
    });
  }
};

}  // namespace

TEST_CASE("retention: the stretch of rows written before the limit and done with",
          "[store][sqlite]") {
  CHECK(store::retention_reach({}, 100) == 0);
  CHECK(store::retention_reach({{4, 10, true}, {5, 20, true}, {7, 99, true}}, 100) == 7);
  CHECK(store::retention_reach({{4, 10, true}, {5, 120, true}, {7, 20, true}}, 100) ==
        4);  // the first newer ends it
  CHECK(store::retention_reach({{4, 10, true}, {5, 20, false}, {7, 20, true}}, 100) ==
        4);  // so does one in use
  CHECK(store::retention_reach({{4, 100, true}}, 100) == 0);
}

TEST_CASE(
    "retention: the words of messages go after text_retention, once nothing is still to do with "
    "them",
    "[store]") {
  fixture fx;
  const auto delivered =
      fx.sent("Your visit: Tuesday 08:00 at Golshahr", core::message_status::delivered);
  const auto waiting = fx.sent("Still to send", core::message_status::queued);
  test::in_tx(fx.w, [&](store::tx& t) {
    t.record_inbound("at", "m1", "sms", fx.who, "I am pregnant, week 20");
  });
  const auto open_item = test::in_tx(fx.w, [&](store::tx& t) {
    return t.add_inbox({fx.who, 0, "at", "", "help me"});
  });
  const auto done_item = test::in_tx(fx.w, [&](store::tx& t) {
    return t.add_inbox({fx.who, 0, "at", "", "my pills"});
  });
  test::in_tx(fx.w, [&](store::tx& t) { t.update_inbox(done_item, "done", 0); });
  fx.run_at("completed", "{\"end\":true,\"text\":\"Booked. Code 4821\"}");
  fx.run_at("active", "{\"end\":false,\"text\":\"Which day?\"}");
  const auto replies = [&] {
    return test::rows(fx.so, "SELECT status, last_reply FROM flow_runs ORDER BY id");
  };

  // Within the retention nothing changes.
  fx.now += 89 * day;
  CHECK(fx.forget(90 * day, 0) == 0);
  CHECK(fx.body(delivered) == "Your visit: Tuesday 08:00 at Golshahr");

  // After it: sent, received, answered, finished: blank. What is still in use keeps its words.
  fx.now += 2 * day;
  const auto newer = fx.sent("Sent after", core::message_status::delivered);
  CHECK(fx.forget(90 * day, 0) == 4);
  CHECK(fx.body(delivered).empty());
  CHECK(test::value(fx.so, "SELECT status FROM outbound_messages WHERE id = " +
                               std::to_string(delivered)) == "delivered");
  CHECK(fx.body(waiting) == "Still to send");
  CHECK(fx.body(newer) == "Sent after");
  CHECK(test::value(fx.so, "SELECT body FROM inbound_events WHERE external_id = 'm1'").empty());
  CHECK(test::value(fx.so, "SELECT body FROM inbox WHERE id = " + std::to_string(open_item)) ==
        "help me");
  CHECK(
      test::value(fx.so, "SELECT body FROM inbox WHERE id = " + std::to_string(done_item)).empty());
  CHECK(replies() == std::vector<std::vector<std::string>>{
                         {"completed", ""}, {"active", "{\"end\":false,\"text\":\"Which day?\"}"}});
  CHECK(fx.forget(90 * day, 0) == 0);

  // The message waiting to go holds back those after it, and loses its words once sent.
  test::in_tx(fx.w, [&](store::tx& t) {
    t.set_message_status(waiting, core::message_status::sent, "outbox", "", "e1", "");
  });
  CHECK(fx.forget(90 * day, 0) == 1);
  CHECK(fx.body(waiting).empty());
  CHECK(fx.body(newer) == "Sent after");  // its own time has not come
  fx.now += 91 * day;
  CHECK(fx.forget(90 * day, 0) == 1);
  CHECK(fx.body(newer).empty());
  // The session still open keeps its screen until it ends.
  test::execute(fx.so, "UPDATE flow_runs SET status = 'expired' WHERE status = 'active'");
  CHECK(fx.forget(90 * day, 0) == 1);
  CHECK(replies() == std::vector<std::vector<std::string>>{{"completed", ""}, {"expired", ""}});
  // 0 keeps them: nothing is read.
  fx.sent("Kept", core::message_status::delivered);
  fx.now += 200 * day;
  CHECK(fx.forget(0, 0) == 0);
}

TEST_CASE("retention: a pass changes at most its batch, and the next goes on from there",
          "[store]") {
  fixture fx;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(fx.sent("text " + std::to_string(i), core::message_status::sent));
  fx.now += 91 * day;
  CHECK(fx.forget(90 * day, 0, 2) == 2);
  CHECK(fx.body(ids[1]).empty());
  CHECK(fx.body(ids[2]) == "text 2");
  CHECK(fx.forget(90 * day, 0, 2) == 2);
  CHECK(fx.forget(90 * day, 0, 2) == 1);
  CHECK(fx.body(ids[4]).empty());
}

TEST_CASE("retention: visits go after visit_retention", "[store]") {
  fixture fx;
  const core::unix_ms start = fx.now.load();
  fx.visit_at(start + day, "attended", "1111");
  fx.visit_at(start + 30 * day, "booked", "2222");
  fx.now += 92 * day;
  CHECK(fx.forget(0, 90 * day) == 1);
  CHECK(test::rows(fx.so, "SELECT code FROM bookings") ==
        std::vector<std::vector<std::string>>{{"2222"}});
  fx.now += 40 * day;
  CHECK(fx.forget(0, 90 * day) == 1);
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM bookings") == "0");
}

TEST_CASE(
    "retention: messages past delivery_retention leave only their counts, which reports still read",
    "[store]") {
  fixture fx;
  const core::unix_ms hour = 3'600'000;
  const core::unix_ms start = fx.now.load() / hour * hour;
  // Two delivered (one with the aggregator's report), one failed, one never sent.
  std::vector<std::int64_t> old;
  for (int i = 0; i < 2; ++i) {
    old.push_back(test::in_tx(fx.w, [&](store::tx& t) {
      const auto id =
          t.queue_message({"at", fx.who, 0, "+98912000051", "x", core::priority::reply});
      t.set_message_status(id, core::message_status::sent, "outbox", "", "ext-" + std::to_string(i),
                           "");
      return id;
    }));
  }
  test::in_tx(fx.w, [&](store::tx& t) {
    t.apply_report({"at", "ext-0", "", core::message_status::delivered, "Success", "", 1, ""});
    t.set_message_status(old[1], core::message_status::delivered, "test", "", "", "");
  });
  const auto failed = fx.sent("y", core::message_status::failed);
  const auto waiting = fx.sent("z", core::message_status::queued);
  REQUIRE(test::value(fx.so,
                      "SELECT COUNT(*) FROM delivery_reports WHERE message_id IS NOT NULL") == "1");

  fx.now += 366 * day;
  const auto recent = fx.sent("new", core::message_status::delivered);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) {
          return t.forget_past({0, 0, t.now() - 365 * day}, 100);
        }) == 3);
  CHECK(test::rows(fx.so, "SELECT id FROM outbound_messages ORDER BY id") ==
        std::vector<std::vector<std::string>>{{std::to_string(waiting)}, {std::to_string(recent)}});
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM message_events WHERE message_id IN (" +
                               std::to_string(old[0]) + ", " + std::to_string(old[1]) + ", " +
                               std::to_string(failed) + ")") == "0");
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM delivery_reports WHERE message_id IS NOT NULL") ==
        "0");
  // `paygham report deliveries` and the dashboard still count them, by hour, channel and state.
  const auto counts = store::open_reader(fx.so)->delivery_counts(start, start + hour);
  REQUIRE(counts.size() == 3);
  CHECK(counts[0].status == "delivered");
  CHECK(counts[0].n == 2);
  CHECK(counts[0].hour == start);
  CHECK(counts[1].status == "failed");
  CHECK(counts[1].n == 1);
  CHECK(counts[2].status == "queued");  // still kept, counted from itself
  CHECK(counts[2].n == 1);
}

TEST_CASE(
    "retention: a hazard report lets its reporter go after reporter_retention, and keeps what they "
    "saw",
    "[store]") {
  fixture fx;
  const auto report = test::in_tx(fx.w, [&](store::tx& t) {
    store::inbox_item item{fx.who, 0, "at", "mine_safety", "Canal road / a metal object"};
    item.area = "herat";
    item.someone_hurt = false;
    return t.add_inbox(item);
  });
  const auto note = test::in_tx(fx.w, [&](store::tx& t) {
    return t.add_inbox({fx.who, 0, "at", "", "call me"});
  });
  const auto let_go = [&] {
    return test::in_tx(fx.w, [&](store::tx& t) {
      return t.forget_past({0, 0, 0, t.now() - 30 * day}, 100);
    });
  };
  fx.now += 29 * day;
  CHECK(let_go() == 0);
  fx.now += 2 * day;
  CHECK(let_go() == 1);
  const auto page = test::in_tx(fx.w, [&](store::tx& t) { return t.inbox_page({}, 0, 10); });
  REQUIRE(page.size() == 2);
  CHECK(page[0].id == note);
  CHECK(page[0].phone == "+98912000051");  // not a hazard report: its writer stays
  CHECK(page[1].id == report);
  CHECK(page[1].contact_id == 0);
  CHECK(page[1].phone.empty());
  CHECK(page[1].body == "Canal road / a metal object");
  CHECK(page[1].area == "herat");
  CHECK(let_go() == 0);
}

TEST_CASE(
    "inbox: a hazard report may be the same as the first from its province within a day, unless both "
    "name a district and they differ",
    "[store]") {
  fixture fx;
  const auto report = [&](const char* area, const char* district) {
    return test::in_tx(fx.w, [&](store::tx& t) {
      store::inbox_item item{fx.who, 0, "at", "mine_safety", "a metal object"};
      item.area = area;
      item.district = district;
      return t.add_inbox(item);
    });
  };
  const auto first_since = [&](const char* area, const char* district, core::unix_ms since) {
    return test::in_tx(fx.w, [&](store::tx& t) { return t.first_report_since("mine_safety", area, district, since); });
  };
  const core::unix_ms start = fx.now.load();
  const auto guzara = report("herat", "guzara");
  fx.now += 60'000;
  const auto somewhere = report("herat", "");
  CHECK(first_since("herat", "guzara", start) == guzara);
  CHECK(first_since("herat", "injil", start) == somewhere);  // the one whose district is not known
  CHECK(first_since("herat", "", start) == guzara);          // not known here: any of the province
  CHECK(first_since("nimroz", "", start) == 0);
  CHECK(first_since("herat", "guzara", start + 1) == somewhere);  // the first is older than the window
  CHECK(first_since("herat", "injil", fx.now.load() + 1) == 0);
  const auto page = test::in_tx(fx.w, [&](store::tx& t) { return t.inbox_page({}, 0, 10); });
  REQUIRE(page.size() == 2);
  CHECK(page[1].district == "guzara");
  CHECK(page[0].district.empty());
}

TEST_CASE(
    "retention: a reporter who agreed to be called back stays until reporter_retention after the "
    "report was first done, and no longer than callback_retention",
    "[store]") {
  fixture fx;
  const auto report = [&](const char* area) {
    return test::in_tx(fx.w, [&](store::tx& t) {
      store::inbox_item item{fx.who, 0, "at", "mine_safety", std::string(area) + " / a metal object"};
      item.area = area;
      item.someone_hurt = false;
      return t.add_inbox(item);
    });
  };
  const auto agreed = report("herat");
  const auto declined = report("nimroz");
  const auto never_closed = report("kandahar");
  test::in_tx(fx.w, [&](store::tx& t) {
    CHECK(t.set_inbox_may_call(agreed, fx.who, true));
    CHECK(t.set_inbox_may_call(declined, fx.who, false));
    CHECK(t.set_inbox_may_call(never_closed, fx.who, true));
    CHECK_FALSE(t.set_inbox_may_call(agreed, fx.who + 1, false));  // not theirs: unchanged
    return 0;
  });
  const auto let_go = [&] {
    return test::in_tx(fx.w, [&](store::tx& t) {
      return t.forget_past({0, 0, 0, t.now() - 30 * day, t.now() - 180 * day}, 100);
    });
  };
  const auto reporter = [&](std::int64_t id) {
    return test::in_tx(fx.w, [&](store::tx& t) { return t.find_inbox(id)->phone; });
  };
  const auto mark = [&](std::int64_t id, const char* status) {
    test::in_tx(fx.w, [&](store::tx& t) {
      t.update_inbox(id, status, 0);
      return 0;
    });
  };
  fx.now += 31 * day;
  CHECK(let_go() == 1);  // the one who said no goes as any other
  CHECK(reporter(declined).empty());
  CHECK(reporter(agreed) == "+98912000051");
  fx.now += 60 * day;  // still open: the team may still call
  CHECK(let_go() == 0);
  mark(agreed, "done");
  fx.now += 20 * day;
  mark(agreed, "done");  // marked again, or taken by someone: the 30 days still count from the first
  fx.now += 9 * day;
  CHECK(let_go() == 0);
  CHECK(reporter(agreed) == "+98912000051");
  fx.now += 2 * day;
  CHECK(let_go() == 1);
  const auto item = test::in_tx(fx.w, [&](store::tx& t) { return t.find_inbox(agreed); });
  REQUIRE(item);
  CHECK(item->phone.empty());
  CHECK(item->may_call == true);  // what they said stays with the report
  CHECK(item->body == "herat / a metal object");
  // Never closed: kept until 180 days after it was made, not for good.
  CHECK(reporter(never_closed) == "+98912000051");
  fx.now += 60 * day;
  CHECK(let_go() == 1);
  CHECK(reporter(never_closed).empty());
}

TEST_CASE(
    "retention: words of someone hurt after a report said nobody was make that report urgent and "
    "of someone hurt, not the person's other reports",
    "[store]") {
  fixture fx;
  const auto run = [&] {
    return test::in_tx(fx.w, [&](store::tx& t) {
      store::run r;
      r.contact_id = fx.who;
      r.channel_id = "at";
      r.medium = store::medium::sms;
      r.flow_id = "mine_safety";
      r.flow_hash = "h";
      r.state = "{}";
      t.save_run(r);
      return r.id;
    });
  };
  const auto report = [&](std::int64_t run_id, std::optional<bool> hurt) {
    return test::in_tx(fx.w, [&](store::tx& t) {
      store::inbox_item item{fx.who, run_id, "at", "mine_safety", "by the canal / a rusty shell"};
      item.area = "herat";
      item.someone_hurt = hurt;
      return t.add_inbox(item);
    });
  };
  const auto this_run = run();
  const auto earlier_run = run();
  const auto nobody = report(this_run, false);
  const auto earlier = report(earlier_run, false);
  const auto unsure = report(this_run, std::nullopt);
  const auto marked = [&](std::int64_t contact_id) {
    return test::in_tx(fx.w,
                       [&](store::tx& t) { return t.mark_reports_hurt(contact_id, this_run); });
  };
  CHECK(marked(fx.who + 1) == 0);  // not theirs: unchanged
  CHECK(marked(fx.who) == 1);
  CHECK(marked(fx.who) == 0);  // once
  test::in_tx(fx.w, [&](store::tx& t) {
    const auto now_hurt = t.find_inbox(nobody);
    REQUIRE(now_hurt);
    CHECK(now_hurt->someone_hurt == std::optional<bool>(true));
    CHECK(now_hurt->urgent);
    CHECK(t.find_inbox(earlier)->someone_hurt == std::optional<bool>(false));  // another report
    CHECK_FALSE(t.find_inbox(earlier)->urgent);
    CHECK_FALSE(t.find_inbox(unsure)->someone_hurt.has_value());  // not asked stays not asked
    return 0;
  });
}
