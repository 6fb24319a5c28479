// Broadcast batches against the store, on both engines: each subscriber once in their
// language, and the frequency cap on routine (education) messages: at most one a day and three
// a week per person and programme; over it the message is recorded as cancelled with the
// reason, never dropped silently. Alerts are never capped (R-S9).
#include "gateway/store/tx.hpp"
#include "gateway/store/rules.hpp"

#include <catch2/catch.hpp>

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

  // Sends a broadcast of `prio` to Herat; returns its messages' states ("queued" → 2, …).
  std::map<std::string, std::int64_t> send(core::priority prio) {
    return test::in_tx(w, [&](store::tx& t) {
      store::broadcast b;
      b.topic = "mine_safety";
      b.area = "herat";
      b.template_key = "mine_safety.lesson";
      b.prio = prio;
      b.audience = t.count_audience(b.topic, b.area);
      const auto id = t.add_broadcast(b);
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
