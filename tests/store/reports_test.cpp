// Delivery reports against the store: states only move forward, early and repeated reports
// are kept and applied once, and the history says what happened.
#include "gateway/store/tx.hpp"
#include "gateway/store/number_change.hpp"

#include <catch2/catch.hpp>

#include "gateway/store/writer.hpp"
#include "tests/support/store_support.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

struct fixture {
  test::temp_dir dir;
  store::options so = test::fresh_store(test::engine_under_test(), dir);
  std::unique_ptr<store::writer> owned = store::open_writer(so);
  store::writer& w = *owned;

  std::int64_t queue_and_claim() {
    return test::in_tx(w, [](store::tx& t) {
      const auto id = t.queue_message({"tw", 0, 0, "+93700000001", "hello", core::priority::reply});
      t.claim_due("tw", 1);
      return id;
    });
  }

  store::report_outcome report(const std::string& external_id, core::message_status s,
                               const std::string& raw, const std::string& reference = "") {
    core::delivery_report r;
    r.channel_id = "tw";
    r.external_id = external_id;
    r.reference = reference;
    r.status = s;
    r.raw_code = raw;
    return test::in_tx(w, [&](store::tx& t) { return t.apply_report(r).outcome; });
  }

  std::string status(std::int64_t id) {
    return test::value(so, "SELECT status FROM outbound_messages WHERE id = " + std::to_string(id));
  }

  std::vector<std::string> history(std::int64_t id) {
    std::vector<std::string> out;
    for (const auto& h : test::rows(so, "SELECT status, source, COALESCE(raw_code, ''), applied FROM message_events"
                                        " WHERE message_id = " + std::to_string(id) + " ORDER BY id")) {
      out.push_back(h[0] + "/" + h[1] + "/" + h[2] + (h[3] != "0" ? "" : " (not applied)"));
    }
    return out;
  }
};

}  // namespace

TEST_CASE("reports: states move forward only, a late sent and a second final are recorded, not applied",
          "[store]") {
  fixture fx;
  const auto id = fx.queue_and_claim();
  test::in_tx(fx.w, [&](store::tx& t) { t.record_sent(id, "SM1", "queued", 1, "0.05"); });
  CHECK(fx.report("SM1", core::message_status::delivered, "delivered") == store::report_outcome::applied);
  CHECK(fx.report("SM1", core::message_status::sent, "sent") == store::report_outcome::regression);
  CHECK(fx.report("SM1", core::message_status::failed, "undelivered") == store::report_outcome::regression);
  CHECK(fx.report("SM1", core::message_status::delivered, "delivered") == store::report_outcome::duplicate);
  CHECK(fx.status(id) == "delivered");
  CHECK(fx.history(id) == std::vector<std::string>{
                              "queued/runner/", "sending/outbox/", "sent/send/queued", "delivered/report/delivered",
                              "sent/report/sent (not applied)", "failed/report/undelivered (not applied)"});
}

TEST_CASE("reports: a report before the send reply waits, then applies in order", "[store]") {
  fixture fx;
  const auto id = fx.queue_and_claim();
  CHECK(fx.report("SM2", core::message_status::sent, "sent") == store::report_outcome::waiting);
  CHECK(fx.report("SM2", core::message_status::delivered, "delivered") == store::report_outcome::waiting);
  CHECK(fx.status(id) == "sending");
  test::in_tx(fx.w, [&](store::tx& t) { t.record_sent(id, "SM2", "queued", 0, ""); });
  CHECK(fx.status(id) == "delivered");
  CHECK(test::rows(fx.so, "SELECT outcome FROM delivery_reports ORDER BY id") ==
        std::vector<std::vector<std::string>>{{"confirmed"}, {"applied"}});
}

TEST_CASE("reports: a first report of the state a message is in confirms it, the same again is a duplicate",
          "[store]") {
  fixture fx;
  const auto id = fx.queue_and_claim();
  test::in_tx(fx.w, [&](store::tx& t) { t.record_sent(id, "SM4", "Success", 1, ""); });
  // Africa's Talking's "Sent" after its send reply said so: recorded, nothing to change.
  CHECK(fx.report("SM4", core::message_status::sent, "Sent") == store::report_outcome::confirmed);
  CHECK(fx.report("SM4", core::message_status::sent, "Sent") == store::report_outcome::duplicate);
  CHECK(fx.status(id) == "sent");
}

TEST_CASE("reports: our reference finds the message before its id is known, unknown ids are kept",
          "[store]") {
  fixture fx;
  const auto id = fx.queue_and_claim();
  CHECK(fx.report("X9", core::message_status::failed, "UNDELIVERABLE", "pg" + std::to_string(id)) ==
        store::report_outcome::applied);
  CHECK(fx.status(id) == "failed");
  // A report for a message we never sent: kept, changes nothing.
  CHECK(fx.report("nobody", core::message_status::delivered, "delivered") == store::report_outcome::waiting);
  CHECK(test::value(fx.so, "SELECT COUNT(*) FROM delivery_reports WHERE message_id IS NULL") == "1");
  // A late accept after the failure report does not bring it back.
  test::in_tx(fx.w, [&](store::tx& t) { t.record_sent(id, "X9", "PENDING", 0, ""); });
  CHECK(fx.status(id) == "failed");
}

TEST_CASE("reports: a sent message with no final report by the deadline becomes unconfirmed", "[store]") {
  fixture fx;
  const auto id = fx.queue_and_claim();
  test::in_tx(fx.w, [&](store::tx& t) { t.record_sent(id, "SM3", "queued", 0, ""); });
  CHECK(test::in_tx(fx.w, [](store::tx& t) { return t.mark_unconfirmed("tw", t.now() + 1); }) == 1);
  CHECK(fx.status(id) == "unconfirmed");
  // A final report still counts when it comes late.
  CHECK(fx.report("SM3", core::message_status::delivered, "delivered") == store::report_outcome::applied);
  CHECK(fx.status(id) == "delivered");
}

TEST_CASE("reports: what is reported of messages to a person's old SIM says nothing of their new one (R-L6)",
          "[store]") {
  fixture fx;
  const auto who = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+989121234531"); });
  // Four messages sent to the old SIM, which is dead: its reports come late.
  std::vector<std::int64_t> sent;
  for (int i = 0; i < 4; ++i) {
    sent.push_back(test::in_tx(fx.w, [&](store::tx& t) {
      const auto m = t.queue_message({"tw", who.id, 0, who.phone, "visit tomorrow", core::priority::reply});
      t.claim_due("tw", 10);
      t.record_sent(m, "SM-old" + std::to_string(i), "queued", 1, "");
      return m;
    }));
  }
  test::in_tx(fx.w, [&](store::tx& t) {
    const auto moved = store::change_number(
        t, who.id,
        {"+93700000531", "user:1", false, [](std::string_view) { return std::string("Asia/Kabul"); },
         [](std::string_view) { return false; }});
    REQUIRE(moved.result == store::number_change::outcome::moved);
  });
  for (int i = 0; i < 3; ++i) fx.report("SM-old" + std::to_string(i), core::message_status::failed, "Rejected");
  // One in flight to the old SIM when the change was recorded: tried again, it goes to the new one.
  const auto in_flight = test::in_tx(fx.w, [&](store::tx& t) {
    const auto m = t.queue_message({"tw", who.id, 0, "+989121234531", "visit tomorrow", core::priority::reply});
    t.claim_due("tw", 10);
    return m;
  });
  test::in_tx(fx.w, [&](store::tx& t) { t.record_retry(in_flight, t.now() + 60'000, "503", "busy", true); });
  CHECK(test::value(fx.so, "SELECT to_phone FROM outbound_messages WHERE id = " + std::to_string(in_flight)) ==
        "+93700000531");
  // The aggregator says the old SIM's holder unsubscribed: not the person on the new one.
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.opt_out_recipient(sent[3]); }) == 0);  // nobody opted out
  const auto now = test::in_tx(fx.w, [&](store::tx& t) { return *t.find_contact(who.id); });
  CHECK_FALSE(now.unreachable);
  CHECK_FALSE(now.opted_out);
  CHECK(test::value(fx.so, "SELECT failures_in_row FROM contacts WHERE id = " + std::to_string(who.id)) == "0");
}

TEST_CASE(
    "reports: an answer to the other SIM a person wrote from is tried again on that SIM (R-L6)",
    "[store]") {
  fixture fx;
  const std::string main_sim = "+989121234532", second = "+93700000532";
  const auto who = test::in_tx(fx.w, [&](store::tx& t) {
    const auto c = t.upsert_contact(main_sim);
    t.add_number(c.id, second, 0);
    return t.upsert_contact(second);  // she writes from it
  });
  REQUIRE(who.phone == second);
  const auto answer = test::in_tx(fx.w, [&](store::tx& t) {
    const auto m = t.queue_message(
        {"tw", who.id, 0, who.phone, "your visit is on Monday", core::priority::reply});
    t.claim_due("tw", 10);
    return m;
  });
  test::in_tx(fx.w,
              [&](store::tx& t) { t.record_retry(answer, t.now() + 60'000, "503", "busy", true); });
  CHECK(test::value(fx.so, "SELECT to_phone FROM outbound_messages WHERE id = " +
                               std::to_string(answer)) == second);
}

TEST_CASE("reports: a recipient the aggregator says unsubscribed is opted out of everything, and named", "[store]") {
  fixture fx;
  const auto who = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+93700000008"); });
  const auto sent = test::in_tx(fx.w, [&](store::tx& t) {
    return t.queue_message({"tw", who.id, 0, "+93700000008", "visit tomorrow", core::priority::reply});
  });
  const auto waiting = test::in_tx(fx.w, [&](store::tx& t) {
    return t.queue_message({"tw", who.id, 0, "+93700000008", "a reminder", core::priority::reminder});
  });
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.opt_out_recipient(sent); }) == who.id);
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.find_contact(who.id)->opted_out; }));
  CHECK(test::value(fx.so, "SELECT status FROM outbound_messages WHERE id = " + std::to_string(waiting)) == "cancelled");
}

TEST_CASE("reports: three failures in a row hold a number back until the person writes in (R-S13)", "[store]") {
  fixture fx;
  const auto who = test::in_tx(fx.w, [](store::tx& t) { return t.upsert_contact("+93700000009"); });
  int n = 0;
  // A message to the contact, sent, then reported with `s`; returns its id.
  const auto send_and_report = [&](core::message_status s) {
    const std::string ext = "SM-r" + std::to_string(++n);
    const auto id = test::in_tx(fx.w, [&](store::tx& t) {
      const auto m = t.queue_message({"tw", who.id, 0, who.phone, "visit tomorrow", core::priority::reply});
      t.claim_due("tw", 10);
      t.record_sent(m, ext, "queued", 1, "");
      return m;
    });
    fx.report(ext, s, s == core::message_status::failed ? "Rejected" : "Success");
    return id;
  };
  const auto held_back = [&] {
    return test::value(fx.so, "SELECT unreachable FROM contacts WHERE id = " + std::to_string(who.id)) == "1";
  };
  // Sends the aggregator refused or that were given up on say nothing about the number.
  for (int i = 0; i < 3; ++i) {
    test::in_tx(fx.w, [&](store::tx& t) {
      const auto m = t.queue_message({"tw", who.id, 0, who.phone, "visit tomorrow", core::priority::reply});
      t.claim_due("tw", 10);
      t.set_message_status(m, core::message_status::failed, "send", "503", {}, "gave up after 8 attempts");
    });
  }
  CHECK_FALSE(held_back());
  send_and_report(core::message_status::failed);
  send_and_report(core::message_status::failed);
  send_and_report(core::message_status::delivered);  // it works: the count starts again
  send_and_report(core::message_status::failed);
  send_and_report(core::message_status::failed);
  CHECK_FALSE(held_back());
  const auto third = send_and_report(core::message_status::failed);
  CHECK(fx.status(third) == "failed");
  CHECK(held_back());

  // Nothing more is sent: the next message is recorded as cancelled, with the reason.
  const auto next = test::in_tx(fx.w, [&](store::tx& t) {
    return t.queue_message({"tw", who.id, 0, who.phone, "visit tomorrow", core::priority::reply});
  });
  CHECK(fx.status(next) == "cancelled");
  CHECK_THAT(test::value(fx.so, "SELECT error FROM outbound_messages WHERE id = " + std::to_string(next)),
             Catch::Contains("the last 3 messages to this number failed"));
  CHECK(test::in_tx(fx.w, [&](store::tx& t) { return t.find_contact(who.id)->unreachable; }));

  // They write in: the number works again, and messages go.
  test::in_tx(fx.w, [&](store::tx& t) { t.set_reachable(who.id); });
  CHECK_FALSE(held_back());
  const auto after = test::in_tx(fx.w, [&](store::tx& t) {
    return t.queue_message({"tw", who.id, 0, who.phone, "visit tomorrow", core::priority::reply});
  });
  CHECK(fx.status(after) == "queued");
}
