// The store's writer and repository on the engine under test (PAYGHAM_TEST_ENGINE); tests
// tagged [sqlite] are about SQLite's own files (WAL, fsync, its migrations).
#include "gateway/store/writer.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <catch2/catch.hpp>
#include <thread>

#include "gateway/core/log.hpp"
#include "gateway/store/postgresql/connection.hpp"
#include "gateway/store/postgresql/schema.hpp"
#include "gateway/store/reader.hpp"
#include "gateway/store/rules.hpp"
#include "gateway/store/sqlite/database.hpp"
#include "gateway/store/sqlite/tx.hpp"
#include "tests/support/store_support.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

store::options sqlite_opts(const test::temp_dir& d) {
  store::options o;
  o.path = d.file("store.db");
  o.sync = store::synchronous::normal;
  return o;
}

std::int64_t count(const store::options& o, const std::string& sql) { return std::stoll(test::value(o, sql)); }

}  // namespace

TEST_CASE("store: migrations apply once and reopening keeps the data", "[store]") {
  test::temp_dir d;
  const auto o = test::fresh_store(test::engine_under_test(), d);
  {
    const auto w = store::open_writer(o);
    const auto first = test::in_tx(*w, [](store::tx& t) { return t.upsert_contact("+93700000001"); });
    CHECK(first.created);
  }
  const auto version = store::migrate(o);  // `paygham migrate`: nothing left to do
  const auto w = store::open_writer(o);
  const auto c = test::in_tx(*w, [](store::tx& t) { return t.upsert_contact("+93700000001"); });
  CHECK(c.id == 1);
  CHECK_FALSE(c.created);  // met before: its runs may be resumed
  CHECK(count(o, "SELECT COUNT(*) FROM schema_migrations") == version);
  CHECK(count(o, "SELECT MAX(version) FROM schema_migrations") == version);
  CHECK(store::open_reader(o)->healthy());
}

TEST_CASE("store: SQLite runs in WAL mode", "[store][sqlite]") {
  test::temp_dir d;
  { const auto w = store::open_writer(sqlite_opts(d)); }
  SQLite::Database db(d.file("store.db"));
  CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
}

TEST_CASE("store: a state no code writes is refused to any other hand on the file (the writer skips the CHECKs)",
          "[store][sqlite]") {
  test::temp_dir d;
  const auto w = store::open_writer(sqlite_opts(d));
  const auto who = test::in_tx(*w, [](store::tx& t) { return t.upsert_contact("+93700000001"); });
  SQLite::Database db(d.file("store.db"), SQLite::OPEN_READWRITE);
  db.exec("PRAGMA busy_timeout = 5000");
  CHECK_THROWS_WITH(db.exec("INSERT INTO flow_runs (contact_id, channel_id, medium, flow_id, flow_hash, status, state,"
                            " created_at, updated_at) VALUES (" + std::to_string(who.id) +
                            ", 'at', 'ussd', 'f', 'h', 'lost', '{}', 0, 0)"),
                    Catch::Contains("CHECK constraint failed"));
  // Texts that name the care only for a phone nobody else reads (R-S11).
  CHECK_THROWS_WITH(db.exec("UPDATE contacts SET explicit_texts = 1 WHERE id = " + std::to_string(who.id)),
                    Catch::Contains("CHECK constraint failed"));
}

TEST_CASE("store: a health worker's enrolments of the day are counted from an index, not every series",
          "[store][sqlite]") {
  test::temp_dir d;
  { const auto w = store::open_writer(sqlite_opts(d)); }
  SQLite::Database db(d.file("store.db"));
  SQLite::Statement plan(db, std::string("EXPLAIN QUERY PLAN ") + store::sqlite::series_started_by_sql);
  plan.bind(1, 3);
  plan.bind(2, 5);
  REQUIRE(plan.executeStep());
  CHECK_THAT(plan.getColumn(3).getString(), Catch::Contains("USING COVERING INDEX series_worker"));
}

TEST_CASE("store: an inbound event is recorded once per channel and external id", "[store]") {
  test::temp_dir d;
  const auto o = test::fresh_store(test::engine_under_test(), d);
  const auto w = store::open_writer(o);
  auto record = [&](const char* ch, const char* id) {
    return test::in_tx(*w, [&](store::tx& t) { return t.record_inbound(ch, id, "sms", 0, "hi"); });
  };
  CHECK(record("at", "m1"));
  CHECK_FALSE(record("at", "m1"));
  CHECK(record("twilio", "m1"));
  CHECK(record("at", "m2"));
}

TEST_CASE("store: a failing item rolls back alone, the rest of its group commits", "[store]") {
  test::temp_dir d;
  const auto o = test::fresh_store(test::engine_under_test(), d);
  const auto owned = store::open_writer(o);
  store::writer& w = *owned;
  std::promise<void> all;
  std::atomic<int> pending{3};
  std::vector<std::exception_ptr> errors(3);
  // Queue three items while the writer is busy, so they share one group.
  w.submit([](store::tx&) { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }, {});
  for (int i = 0; i < 3; ++i) {
    w.submit(
        [i](store::tx& t) {
          t.upsert_contact("+9370000000" + std::to_string(i));
          if (i == 1) throw std::runtime_error("boom");
        },
        [&, i](std::exception_ptr e) {
          errors[static_cast<std::size_t>(i)] = e;
          if (--pending == 0) all.set_value();
        });
  }
  all.get_future().get();
  CHECK_FALSE(errors[0]);
  CHECK(errors[1]);
  CHECK_FALSE(errors[2]);
  CHECK(count(o, "SELECT COUNT(*) FROM contacts") == 2);
  CHECK(count(o, "SELECT COUNT(*) FROM contacts WHERE phone = '+93700000001'") == 0);
}

TEST_CASE("store: items that may run again share a savepoint, and when one fails the others run again and commit once",
          "[store]") {
  test::temp_dir d;
  const auto o = test::fresh_store(test::engine_under_test(), d);
  const auto owned = store::open_writer(o);
  store::writer& w = *owned;
  constexpr int n = 7;
  std::promise<void> all;
  std::atomic<int> pending{n};
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::atomic<int>> runs(n);
  const auto fails = [](int i) { return i == 1 || i == 3; };
  test::stderr_capture log;
  // 0-3 may run again, 4 may not, 5 and 6 may; 1 and 3 fail. One group: the writer waits on
  // the first item until every one is queued.
  std::promise<void> queued;
  w.submit([f = queued.get_future().share()](store::tx&) { f.wait(); }, {});
  for (int i = 0; i < n; ++i) {
    w.submit(
        [&, i](store::tx& t) {
          ++runs[static_cast<std::size_t>(i)];
          core::log::info("test.item", {{"i", i}});
          t.upsert_contact("+9370000000" + std::to_string(i));
          if (fails(i)) throw std::runtime_error("boom");
        },
        [&, i](std::exception_ptr e) {
          errors[static_cast<std::size_t>(i)] = e;
          if (--pending == 0) all.set_value();
        },
        store::durability::commit, {}, i == 4 ? store::rerun::unsafe : store::rerun::safe);
  }
  queued.set_value();
  all.get_future().get();
  const std::string lines = log.text();
  for (int i = 0; i < n; ++i) {
    INFO(i);
    CHECK(static_cast<bool>(errors[static_cast<std::size_t>(i)]) == fails(i));
    // Each item's line once: what a rolled-back run wrote was held and dropped.
    const std::string line = "\"event\":\"test.item\",\"i\":" + std::to_string(i) + ",";
    const auto first = lines.find(line);
    CHECK(first != std::string::npos);
    CHECK(lines.find(line, first + 1) == std::string::npos);
  }
  CHECK(count(o, "SELECT COUNT(*) FROM contacts") == n - 2);
  CHECK(count(o, "SELECT COUNT(*) FROM contacts WHERE phone IN ('+93700000001', '+93700000003')") ==
        0);
  CHECK(runs[4] == 1);  // never again
  if (test::engine_under_test() == store::backend::sqlite) {
    // 0 and 1 side by side, rolled back with 1; 0 again, 1 alone; 2 and 3 side by side, rolled
    // back with 3; 2 again, 3 alone; 5 and 6 side by side after 4.
    const std::vector<int> expected{2, 2, 2, 2, 1, 1, 1};
    for (int i = 0; i < n; ++i) {
      INFO(i);
      CHECK(runs[static_cast<std::size_t>(i)] == expected[static_cast<std::size_t>(i)]);
    }
    CHECK(w.counters().retries == 2);  // 0 and 2: one is not counted for its own failure
  }
}

TEST_CASE("store: many concurrent submitters are committed in fewer groups", "[store]") {
  test::temp_dir d;
  const auto o = test::fresh_store(test::engine_under_test(), d);
  const auto owned = store::open_writer(o);
  store::writer& w = *owned;
  constexpr int threads = 4, per_thread = 200;
  std::atomic<int> done{0};
  std::promise<void> finished;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const std::string phone = "+9370" + std::to_string(1000000 + t * 10000 + i);
        w.submit([phone](store::tx& tx) { tx.upsert_contact(phone); },
                 [&](std::exception_ptr) {
                   if (++done == threads * per_thread) finished.set_value();
                 });
      }
    });
  }
  for (auto& t : ts) t.join();
  finished.get_future().get();
  const auto s = w.counters();
  CHECK(s.items == threads * per_thread);
  CHECK(s.groups < s.items);
  CHECK(store::open_reader(o)->healthy());
}

TEST_CASE("store: due messages are claimed by priority, and history records each step",
          "[store]") {
  test::temp_dir d;
  const auto o = test::fresh_store(test::engine_under_test(), d);
  const auto owned = store::open_writer(o);
  store::writer& w = *owned;
  test::in_tx(w, [](store::tx& t) {
    t.queue_message({"console", 0, 0, "+93700000001", "bulk info", core::priority::bulk});
    t.queue_message({"console", 0, 0, "+93700000001", "mine alert", core::priority::alert});
    t.queue_message({"at", 0, 0, "+93700000001", "other channel", core::priority::alert});
  });
  const auto r = store::open_reader(o);
  CHECK(r->outbox_depth() == 3);
  const auto claimed = test::in_tx(w, [](store::tx& t) { return t.claim_due("console", 10); });
  REQUIRE(claimed.size() == 2);
  CHECK(claimed[0].body == "mine alert");
  CHECK(claimed[1].body == "bulk info");
  CHECK(claimed[0].attempts == 1);
  test::in_tx(w, [&](store::tx& t) {
    t.set_message_status(claimed[0].id, core::message_status::sent, "console", "", "ref-1");
    t.set_message_status(claimed[0].id, core::message_status::delivered, "console", "DELIVRD");
  });
  CHECK(r->outbox_depth() == 2);  // one still sending, one queued on "at"
  CHECK(count(o, "SELECT COUNT(*) FROM outbound_messages WHERE status = 'delivered'") == 1);
  std::vector<std::string> history;
  for (const auto& h : test::rows(o, "SELECT status, source, COALESCE(raw_code, '') FROM message_events"
                                     " WHERE message_id = " + std::to_string(claimed[0].id) + " ORDER BY id")) {
    history.push_back(h[0] + "/" + h[1] + "/" + h[2]);
  }
  CHECK(history == std::vector<std::string>{"queued/runner/", "sending/outbox/", "sent/console/",
                                            "delivered/console/DELIVRD"});
  // Sent without a final report by the deadline: no longer waiting, counted as unconfirmed.
  CHECK(r->unconfirmed() == 0);
  CHECK(test::in_tx(w, [&](store::tx& t) {
          t.record_sent(claimed[1].id, "ref-2", "", 0, "");
          return t.mark_unconfirmed("console", t.now() + 1);
        }) == 1);
  CHECK(r->outbox_depth() == 1);
  CHECK(r->unconfirmed() == 1);
}

TEST_CASE("store: a polled channel's messages awaiting a report are handed out in turns", "[store]") {
  test::temp_dir d;
  const auto o = test::fresh_store(test::engine_under_test(), d);
  const auto owned = store::open_writer(o);
  store::writer& w = *owned;
  // Five sent on "kv" (one then delivered, two past the deadline: unconfirmed), one on "at".
  test::in_tx(w, [](store::tx& t) {
    for (int i = 1; i <= 5; ++i) t.queue_message({"kv", 0, 0, "+989120001001", "m" + std::to_string(i), core::priority::reply});
    t.queue_message({"at", 0, 0, "+93700000001", "other channel", core::priority::reply});
    for (const auto& m : t.claim_due("kv", 10)) t.record_sent(m.id, "k" + m.body.substr(1), "", 0, "");
    for (const auto& m : t.claim_due("at", 10)) t.record_sent(m.id, "a1", "", 0, "");
  });
  // Replies recorded out of the order the messages were queued in; k1 and k4 at the same moment.
  for (const auto& [id, at] : std::vector<std::pair<std::string, int>>{
           {"k1", 3000}, {"k2", 500}, {"k3", 1000}, {"k4", 3000}, {"k5", 2000}, {"a1", 1500}}) {
    test::execute(o, "UPDATE outbound_messages SET sent_at = " + std::to_string(at) + " WHERE external_id = '" + id + "'");
  }
  test::execute(o, "UPDATE outbound_messages SET status = 'delivered' WHERE external_id = 'k2'");
  test::execute(o, "UPDATE outbound_messages SET status = 'unconfirmed' WHERE external_id IN ('k1', 'k5')");
  const auto ask = [&](const store::awaiting& after, std::size_t n, core::unix_ms since = 0) {
    std::vector<std::string> ids;
    store::awaiting last;
    for (const auto& a : test::in_tx(w, [&](store::tx& t) { return t.awaiting_in_turn("kv", since, after, n); })) {
      ids.push_back(a.external_id);
      last = a;
    }
    return std::pair(ids, last);
  };
  using ids = std::vector<std::string>;
  // Sent and unconfirmed alike, in the order they were sent (then queued); not the delivered
  // one, nor another channel's.
  const auto [first, after_first] = ask({}, 2);
  CHECK(first == ids{"k3", "k5"});
  const auto [second, after_second] = ask(after_first, 2);
  CHECK(second == ids{"k1", "k4"});
  // At the end of the line, on from the oldest again; never one twice in a poll.
  CHECK(ask(after_second, 2).first == ids{"k3", "k5"});
  CHECK(ask(after_first, 3).first == ids{"k1", "k4", "k3"});
  CHECK(ask(after_first, 10).first == ids{"k1", "k4", "k3", "k5"});
  // Sent before the window: no longer asked about, wherever the last poll stopped.
  CHECK(ask({}, 10, 2000).first == ids{"k5", "k1", "k4"});
  CHECK(ask(after_first, 10, 2500).first == ids{"k1", "k4"});
}

TEST_CASE("store: a node takes back its own sends at restart, another node's only when the lease expired",
          "[store]") {
  test::temp_dir d;
  auto a = test::fresh_store(test::engine_under_test(), d);
  a.node_id = "a";
  a.lease_ms = 60'000;
  {
    const auto w = store::open_writer(a);
    test::in_tx(*w, [](store::tx& t) {
      t.queue_message({"console", 0, 0, "+93700000001", "x", core::priority::reply});
      t.queue_message({"console", 0, 0, "+93700000001", "y", core::priority::reply});
      t.claim_due("console", 1);
    });
  }
  CHECK(test::value(a, "SELECT lease_owner FROM outbound_messages WHERE status = 'sending'") == "a");
  // Node b, while a's lease runs: a may still be sending it.
  auto b = a;
  b.node_id = "b";
  const auto now = core::now_ms();
  b.clock = [now] { return now; };
  {
    const auto w = store::open_writer(b);
    CHECK(test::in_tx(*w, [](store::tx& t) { return t.requeue_in_flight(true); }) == 0);
    // It claims only what is free.
    const auto got = test::in_tx(*w, [](store::tx& t) { return t.claim_due("console", 10); });
    REQUIRE(got.size() == 1);
    CHECK(got[0].body == "y");
  }
  // After the lease: node a is gone, b re-queues x (and its own y, its lease expired too).
  b.clock = [now, lease = a.lease_ms] { return now + lease + 1; };
  {
    const auto w = store::open_writer(b);
    CHECK(test::in_tx(*w, [](store::tx& t) { return t.requeue_in_flight(true); }) == 2);
  }
  // A live node's sends are never another's to take; a node restarting takes back its own at
  // once, before its lease runs out.
  {
    const auto w = store::open_writer(b);
    test::in_tx(*w, [](store::tx& t) { t.claim_due("console", 10); });
  }
  CHECK(test::in_tx(*store::open_writer(a), [](store::tx& t) { return t.requeue_in_flight(true); }) == 0);
  auto b_now = b;
  b_now.clock = [now] { return now; };
  // Node b's own periodic check leaves its live sends alone; b starting again takes them back.
  CHECK(test::in_tx(*store::open_writer(b_now), [](store::tx& t) { return t.requeue_in_flight(false); }) == 0);
  CHECK(test::in_tx(*store::open_writer(b_now), [](store::tx& t) { return t.requeue_in_flight(true); }) == 2);
  const auto again = test::in_tx(*store::open_writer(a), [](store::tx& t) { return t.claim_due("console", 10); });
  REQUIRE(again.size() == 2);
  CHECK(again[0].attempts == 3);
  CHECK(count(a, "SELECT COUNT(*) FROM message_events WHERE source = 'lease'") == 4);
}

TEST_CASE("store: a due job is taken once, one nobody can apply is parked and kept", "[store]") {
  test::temp_dir d;
  const auto o = test::fresh_store(test::engine_under_test(), d);
  const auto w = store::open_writer(o);
  test::in_tx(*w, [](store::tx& t) {
    t.add_job("flow.timeout", t.now() - 1, "{}");
    t.add_job("flow.timeout", t.now() + 3'600'000, "{}");
  });
  const auto first = test::in_tx(*w, [](store::tx& t) { return t.take_due_jobs(10); });
  REQUIRE(first.size() == 1);
  CHECK(test::in_tx(*w, [](store::tx& t) { return t.take_due_jobs(10); }).empty());
  test::in_tx(*w, [&](store::tx& t) {
    t.add_job("from.a.newer.build", t.now() - 1, "{}");
    for (const auto& j : t.take_due_jobs(10)) t.park_job(j.id, "no handler for kind from.a.newer.build");
  });
  CHECK(test::in_tx(*w, [](store::tx& t) { return t.take_due_jobs(10); }).empty());
  CHECK(test::rows(o, "SELECT kind, problem FROM jobs WHERE status = 'parked'") ==
        std::vector<std::vector<std::string>>{{"from.a.newer.build", "no handler for kind from.a.newer.build"}});
}

TEST_CASE("store: a question waiting its turn is due once that person answers, and no one else's", "[store]") {
  test::temp_dir d;
  const auto o = test::fresh_store(test::engine_under_test(), d);
  const auto w = store::open_writer(o);
  test::in_tx(*w, [](store::tx& t) {
    t.add_turn_job("booking.remind", t.now() + 3'600'000, R"({"booking":1})", 7, 1'000);
    t.add_turn_job("booking.remind", t.now() + 3'600'000, R"({"booking":2})", 8, t.now());
    t.add_job("series.due", t.now() + 86'400'000, R"({"series":1})");  // the same person's tomorrow
  });
  CHECK(test::in_tx(*w, [](store::tx& t) { return t.take_due_jobs(10); }).empty());
  test::in_tx(*w, [](store::tx& t) { t.wake_turn_jobs(7); });
  const auto due = test::in_tx(*w, [](store::tx& t) { return t.take_due_jobs(10); });
  REQUIRE(due.size() == 1);
  CHECK(due[0].payload == R"({"booking":1})");
  CHECK(due[0].turn_since == 1'000);  // its hour counts from when it first fell due
  // Taken, it is not woken again by a later answer.
  test::in_tx(*w, [](store::tx& t) { t.wake_turn_jobs(7); });
  CHECK(test::in_tx(*w, [](store::tx& t) { return t.take_due_jobs(10); }).empty());
}

TEST_CASE("store: finished jobs and old delivery reports are pruned, pending work is not", "[store]") {
  test::temp_dir d;
  const auto o = test::fresh_store(test::engine_under_test(), d);
  const auto w = store::open_writer(o);
  test::in_tx(*w, [](store::tx& t) {
    t.add_job("flow.timeout", t.now() - 10, "{}");
    t.add_job("flow.timeout", t.now() - 5, "{}");
    t.take_due_jobs(1);  // the first is done, the second stays pending
    core::delivery_report r;
    r.channel_id = "at";
    r.external_id = "nobody";
    r.raw_code = "Success";
    t.apply_report(r);
  });
  CHECK(test::in_tx(*w, [](store::tx& t) { return t.prune(t.now() + 1, 100); }) == 2);
  CHECK(test::rows(o, "SELECT status FROM jobs") == std::vector<std::vector<std::string>>{{"pending"}});
  CHECK(count(o, "SELECT COUNT(*) FROM delivery_reports") == 0);
}

TEST_CASE("store: each node's heartbeat counts the live nodes", "[store]") {
  test::temp_dir d;
  auto a = test::fresh_store(test::engine_under_test(), d);
  a.node_id = "a";
  auto b = a;
  b.node_id = "b";
  CHECK(test::in_tx(*store::open_writer(a), [](store::tx& t) { return t.heartbeat(10'000); }) == 1);
  CHECK(test::in_tx(*store::open_writer(b), [](store::tx& t) { return t.heartbeat(10'000); }) == 2);
  const auto later = core::now_ms() + 60'000;
  b.clock = [later] { return later; };
  CHECK(test::in_tx(*store::open_writer(b), [](store::tx& t) { return t.heartbeat(10'000); }) == 1);
}

TEST_CASE("store: with synchronous full each group is synced before callers hear of it",
          "[store][sqlite]") {
  test::temp_dir d;
  const auto syncs_when_told = [&](store::synchronous sync, const char* file) {
    store::options o;
    o.path = d.file(file);
    o.sync = sync;
    const auto owned = store::open_writer(o);
    store::writer& w = *owned;
    std::promise<std::uint64_t> told;
    w.submit([](store::tx& t) { t.upsert_contact("+93700000001"); },
             [&](std::exception_ptr) { told.set_value(w.counters().syncs); });
    return told.get_future().get();
  };
  CHECK(syncs_when_told(store::synchronous::full, "full.db") >= 1);
  CHECK(syncs_when_told(store::synchronous::normal, "normal.db") == 0);
}

TEST_CASE("store: work submitted for commit is told before the sync unless it asks for disk",
          "[store][sqlite]") {
  test::temp_dir d;
  store::options o;
  o.path = d.file("full.db");
  const auto owned = store::open_writer(o);
  store::writer& w = *owned;
  auto run = [&](store::durability when, bool queue) {
    std::promise<std::uint64_t> told;
    w.submit(
        [queue](store::tx& t) {
          t.upsert_contact("+93700000001");
          if (queue) t.queue_message({"console", 0, 0, "+93700000001", "x", core::priority::reply});
        },
        [&](std::exception_ptr) { told.set_value(w.counters().syncs); }, when);
    return told.get_future().get();
  };
  const auto before = w.counters().syncs;
  // Session state: answered at commit, before any fsync of its group.
  CHECK(run(store::durability::commit, false) == before);
  // A queued message needs the disk even when submitted for commit.
  CHECK(run(store::durability::commit, true) > before);
  const auto now = w.counters().syncs;
  CHECK(run(store::durability::disk, false) > now);
}

TEST_CASE("store: a WAL grown past its limit by a burst is truncated back", "[store][sqlite]") {
  test::temp_dir d;
  store::options o = sqlite_opts(d);
  o.wal_limit_bytes = 1 << 20;
  const auto owned = store::open_writer(o);
  store::writer& w = *owned;
  const auto wal_size = [&] { return std::filesystem::file_size(d.file("store.db-wal")); };
  {
    // A reader holding an old snapshot keeps the checkpoint from copying frames back, so the
    // burst has to grow the WAL (4 MiB of inbox text, four times the limit).
    SQLite::Database held(d.file("store.db"), SQLite::OPEN_READONLY, 5000);
    held.exec("BEGIN");
    held.execAndGet("SELECT COUNT(*) FROM contacts");
    const std::string text(4000, 'x');
    for (int i = 0; i < 1000; ++i) {
      test::in_tx(w, [&](store::tx& t) {
        t.add_inbox(store::inbox_item{t.upsert_contact("+93700000001").id, 0, "at", "", text});
      });
    }
    CHECK(wal_size() > static_cast<std::uintmax_t>(o.wal_limit_bytes));
    held.exec("COMMIT");
  }
  // The load is over: the next checkpoints bring it back under the limit.
  for (int i = 0; i < 200 && wal_size() > static_cast<std::uintmax_t>(o.wal_limit_bytes); ++i) {
    test::in_tx(w, [&](store::tx& t) { t.upsert_contact("+93700000002"); });
  }
  CHECK(wal_size() <= static_cast<std::uintmax_t>(o.wal_limit_bytes));
  SQLite::Database db(d.file("store.db"), SQLite::OPEN_READONLY, 5000);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM inbox").getInt() == 1000);  // nothing lost
}

TEST_CASE("store: the writer says it is busy once max_queue items wait", "[store]") {
  test::temp_dir d;
  store::options o = test::fresh_store(test::engine_under_test(), d);
  o.max_queue = 2;
  const auto owned = store::open_writer(o);
  store::writer& w = *owned;
  std::promise<void> go;
  auto gate = go.get_future().share();
  // The first item holds the writer; two more wait behind it.
  w.submit([gate](store::tx&) { gate.wait(); }, nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(w.busy());
  w.submit([](store::tx&) {}, nullptr);
  CHECK_FALSE(w.busy());
  w.submit([](store::tx&) {}, nullptr);
  CHECK(w.busy());
  go.set_value();
  for (int i = 0; i < 100 && w.busy(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK_FALSE(w.busy());
}

TEST_CASE("store: migration 5 keeps every delivery report of a store made before it", "[store][sqlite]") {
  test::temp_dir d;
  {
    // The store as version 4 left it, with a report in it.
    SQLite::Database db(d.file("store.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    CHECK(store::sqlite::migrate(db, 4) == 4);
    db.exec("INSERT INTO delivery_reports (channel_id, external_id, status, raw_code, outcome, received_at)"
            " VALUES ('at', 'ATXid_1', 'delivered', 'Success', 'waiting', 1)");
  }
  const auto o = sqlite_opts(d);
  { const auto w = store::open_writer(o); }
  CHECK(count(o, "SELECT COUNT(*) FROM delivery_reports WHERE external_id = 'ATXid_1'") == 1);
  CHECK(count(o, "SELECT MAX(version) FROM schema_migrations") == store::sqlite::latest_version());
  CHECK(count(o, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'delivery_reports_waiting'") == 1);
}

TEST_CASE("store: migration 30 takes whether someone is hurt out of the hazard reports' text", "[store][sqlite]") {
  test::temp_dir d;
  {
    SQLite::Database db(d.file("store.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    CHECK(store::sqlite::migrate(db, 29) == 29);
    db.exec("INSERT INTO contacts (id, phone, created_at, updated_at) VALUES (1, '+93700000001', 0, 0)");
    db.exec("INSERT INTO inbox (contact_id, channel_id, flow_id, body, status, created_at) VALUES"
            " (1, 'at', 'mine_safety', 'Old road / A shell / nobody_hurt', 'new', 1),"
            " (1, 'at', 'mine_safety', 'پل / منفجر شد / hurt', 'new', 2),"
            " (1, 'at', NULL, 'my son / hurt', 'new', 3)");  // not a report: the person's own words
  }
  const auto o = sqlite_opts(d);
  { const auto w = store::open_writer(o); }
  const auto items = test::rows(o, "SELECT body, someone_hurt FROM inbox ORDER BY id");
  REQUIRE(items.size() == 3);
  CHECK(items[0] == std::vector<std::string>{"Old road / A shell", "0"});
  CHECK(items[1] == std::vector<std::string>{"پل / منفجر شد", "1"});
  CHECK(items[2] == std::vector<std::string>{"my son / hurt", ""});  // NULL: nobody was asked
}

TEST_CASE("store: PostgreSQL migration 25 takes whether someone is hurt out of the hazard reports' text",
          "[postgresql-schema]") {
  // On PostgreSQL whatever engine the other store tests run on: the same rows as SQLite's 30.
  store::options o;
  o.engine = store::backend::postgresql;
  o.url = test::fresh_postgresql_database();
  {
    store::postgresql::connection c(o.url);
    CHECK(store::postgresql::migrate(c, 24) == 24);
    const auto who = c.query("INSERT INTO contacts (phone, created_at, updated_at) VALUES ('+93700000001', 0, 0)"
                             " RETURNING id")
                         .int64(0, 0);
    for (const auto& [flow, body] : {std::pair<const char*, const char*>{"mine_safety", "Old road / A shell / nobody_hurt"},
                                     {"mine_safety", "پل / منفجر شد / hurt"},
                                     {nullptr, "my son / hurt"}}) {  // not a report: the person's own words
      c.query("INSERT INTO inbox (contact_id, channel_id, flow_id, body, status, created_at)"
              " VALUES ($1, 'at', $2, $3, 'new', 1)",
              {who, flow ? store::postgresql::param(flow) : store::postgresql::param(nullptr), body});
    }
    CHECK(store::postgresql::migrate(c) == store::postgresql::latest_version());
  }
  CHECK(test::rows(o, "SELECT body, COALESCE(CAST(someone_hurt AS TEXT), '') FROM inbox ORDER BY id") ==
        std::vector<std::vector<std::string>>{{"Old road / A shell", "0"}, {"پل / منفجر شد", "1"}, {"my son / hurt", ""}});
}

TEST_CASE("store: migration 54 keeps a transfer code given before it only as its hash, and it still works",
          "[store][sqlite]") {
  test::temp_dir d;
  {
    SQLite::Database db(d.file("store.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    CHECK(store::sqlite::migrate(db, 53) == 53);
    db.exec("INSERT INTO contacts (id, phone, created_at, updated_at) VALUES (1, '+989120000001', 0, 0)");
    db.exec(
        "INSERT INTO subscriptions (contact_id, topic, area, channel_id, created_at, expires_at)"
        " VALUES (1, 'mine_safety', 'herat', 'at', 0, 9000000000000)");
    db.exec("INSERT INTO transfer_codes (code, contact_id, topic, expires_at)"
            " VALUES ('482913', 1, 'mine_safety', 9000000000000)");
  }
  const auto o = sqlite_opts(d);
  const auto owned = store::open_writer(o);
  const auto salt = test::value(o, "SELECT value FROM deployment WHERE name = 'suppression_salt'");
  CHECK(test::value(o, "SELECT code_hash FROM transfer_codes") ==
        store::transfer_code_hash(salt, "482913"));
  // The person who was given it moves their alerts to the new SIM as before.
  const auto moved = test::in_tx(*owned, [](store::tx& t) {
    return t.use_transfer_code("482913", "mine_safety", t.upsert_contact("+93790000001").id, "at");
  });
  REQUIRE(moved);
  CHECK(moved->areas == std::vector<std::string>{"herat"});
}

TEST_CASE("store: PostgreSQL migration 49 hashes a transfer code as the SQLite store does",
          "[postgresql-schema]") {
  store::options o;
  o.engine = store::backend::postgresql;
  o.url = test::fresh_postgresql_database();
  {
    store::postgresql::connection c(o.url);
    CHECK(store::postgresql::migrate(c, 48) == 48);
    const auto who =
        c.query(
             "INSERT INTO contacts (phone, created_at, updated_at) VALUES ('+989120000001', 0, 0)"
             " RETURNING id")
            .int64(0, 0);
    c.query("INSERT INTO transfer_codes (code, contact_id, topic, expires_at)"
            " VALUES ('۴82913', $1, 'mine_safety', 1)",
            {who});
    CHECK(store::postgresql::migrate(c) == store::postgresql::latest_version());
  }
  const auto salt = test::value(o, "SELECT value FROM deployment WHERE name = 'suppression_salt'");
  CHECK(test::value(o, "SELECT code_hash FROM transfer_codes") ==
        store::transfer_code_hash(salt, "۴82913"));
}

TEST_CASE("store: one person's items keep their order while others' run beside them", "[store]") {
  test::temp_dir d;
  const auto o = test::fresh_store(test::engine_under_test(), d);
  const auto owned = store::open_writer(o);
  store::writer& w = *owned;
  constexpr int people = 8, each = 40;
  std::atomic<int> left{people * each};
  std::promise<void> all;
  for (int i = 0; i < each; ++i) {
    for (int p = 0; p < people; ++p) {
      const std::string phone = "+9370000010" + std::to_string(p);
      w.submit([phone, i](store::tx& t) { t.add_inbox({t.upsert_contact(phone).id, 0, "at", "", std::to_string(i)}); },
               [&](std::exception_ptr) {
                 if (--left == 0) all.set_value();
               },
               store::durability::disk, phone);
    }
  }
  all.get_future().get();
  for (int p = 0; p < people; ++p) {
    const auto bodies = test::rows(o, "SELECT i.body FROM inbox i JOIN contacts c ON c.id = i.contact_id"
                                      " WHERE c.phone = '+9370000010" + std::to_string(p) + "' ORDER BY i.id");
    REQUIRE(bodies.size() == each);
    for (int i = 0; i < each; ++i) CHECK(bodies[static_cast<std::size_t>(i)][0] == std::to_string(i));
  }
}

TEST_CASE("store: a channel paused by one node is paused for all until the latest end", "[store]") {
  test::temp_dir d;
  const auto o = test::fresh_store(test::engine_under_test(), d);
  const auto w = store::open_writer(o);
  const auto pauses = [&] { return test::in_tx(*w, [](store::tx& t) { return t.channel_pauses(); }); };
  CHECK(pauses().empty());
  const auto now = test::in_tx(*w, [](store::tx& t) {
    t.pause_channel("at", t.now() + 30'000, "unreachable");
    t.pause_channel("at", t.now() + 10'000, "unreachable");  // shorter: changes nothing
    t.pause_channel("tw", t.now() - 1, "misconfigured");     // already over
    return t.now();
  });
  const auto p = pauses();
  REQUIRE(p.size() == 1);
  CHECK(p.at("at") >= now + 30'000);
  CHECK(test::value(o, "SELECT reason FROM channel_pauses WHERE channel_id = 'at'") == "unreachable");
}

TEST_CASE("store: a PostgreSQL server that accepts but never answers is given up on within seconds", "[pg]") {
  // It takes the connection and says nothing, as a server behind a broken network would.
  std::atomic<bool> done{false};
  test::tcp_peer silent([&](int fd) {
    for (int i = 0; i < 200 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ::close(fd);
  });
  const auto start = std::chrono::steady_clock::now();
  store::options o;
  o.engine = store::backend::postgresql;
  o.url = "postgresql://paygham@127.0.0.1:" + std::to_string(silent.port()) + "/paygham";
  CHECK_THROWS_WITH(store::open_writer(o), Catch::Contains("cannot connect to PostgreSQL at") &&
                                               Catch::Contains("timeout"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  done = true;
}

TEST_CASE("store: a second writer's work on a person waits for the first's commit, and sees it", "[store]") {
  // Two writers on one store: two nodes on PostgreSQL (the contact's row lock), two connections
  // on SQLite (its write lock). Without the wait, b would read the person as before a's step.
  test::temp_dir d;
  auto a_opts = test::fresh_store(test::engine_under_test(), d);
  a_opts.node_id = "a";
  auto b_opts = a_opts;
  b_opts.node_id = "b";
  const auto a = store::open_writer(a_opts);
  const auto b = store::open_writer(b_opts);
  test::in_tx(*a, [](store::tx& t) { t.upsert_contact("+93700000009"); });
  std::promise<void> a_holds;
  std::promise<void> a_done;
  a->submit(
      [&](store::tx& t) {
        const auto who = t.upsert_contact("+93700000009");
        t.set_contact_fields(who.id, {{"step", "a"}});
        a_holds.set_value();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
      },
      [&](std::exception_ptr) { a_done.set_value(); });
  a_holds.get_future().wait();
  const auto seen = test::in_tx(*b, [](store::tx& t) { return t.upsert_contact("+93700000009").fields; });
  a_done.get_future().wait();
  CHECK(seen == std::map<std::string, std::string>{{"step", "a"}});
}

TEST_CASE("store: stopping one programme holds back its messages only, and START takes back STOP ALL alone (R-S5)",
          "[store]") {
  test::temp_dir d;
  auto o = test::fresh_store(test::engine_under_test(), d);
  std::atomic<core::unix_ms> now{1'790'000'000'000};
  o.clock = [&now] { return now.load(); };
  const auto w = store::open_writer(o);
  const auto who = test::in_tx(*w, [](store::tx& t) { return t.upsert_contact("+98912000001"); });
  const auto queue = [&](const char* programme) {
    return test::in_tx(*w, [&](store::tx& t) {
      store::new_message m{"at", who.id, 0, who.phone, "text", core::priority::reminder};
      m.programme = programme;
      return t.queue_message(m);
    });
  };
  const auto status = [&](std::int64_t id) {
    return test::value(o, "SELECT status || '/' || COALESCE(error, '') FROM outbound_messages WHERE id = " + std::to_string(id));
  };
  const auto visit = queue("appointments");
  const auto alert = queue("mine_safety");
  CHECK(test::in_tx(*w, [&](store::tx& t) { return t.last_programme(who.id, "at"); }) == "mine_safety");
  CHECK(test::in_tx(*w, [&](store::tx& t) { return t.last_programme(who.id, "other"); }).empty());

  test::in_tx(*w, [&](store::tx& t) { t.set_programme_opt_out(who.id, "appointments", true); });
  CHECK(status(visit) == "cancelled/opted out of appointments");
  CHECK(status(alert) == "queued/");
  CHECK(status(queue("appointments")) == "cancelled/opted out of appointments");
  CHECK(status(queue("mine_safety")) == "queued/");
  CHECK(status(queue("")) == "queued/");  // a reply that belongs to no programme

  // STOP ALL and START: the programme stopped before stays stopped.
  test::in_tx(*w, [&](store::tx& t) { t.set_opted_out(who.id, true); });
  CHECK(status(queue("mine_safety")) == "cancelled/opted out");
  test::in_tx(*w, [&](store::tx& t) { t.set_opted_out(who.id, false); });
  CHECK(status(queue("appointments")) == "cancelled/opted out of appointments");
  CHECK(status(queue("mine_safety")) == "queued/");
  // The stops, newest first (a second stop of a programme makes it the newest).
  const auto stopped = [&] { return test::in_tx(*w, [&](store::tx& t) { return t.stopped_programmes(who.id); }); };
  now += 1000;
  test::in_tx(*w, [&](store::tx& t) { t.set_programme_opt_out(who.id, "mine_safety", true); });
  CHECK(status(queue("mine_safety")) == "cancelled/opted out of mine_safety");
  CHECK(stopped() == std::vector<std::string>{"mine_safety", "appointments"});
  now += 1000;
  test::in_tx(*w, [&](store::tx& t) { t.set_programme_opt_out(who.id, "appointments", true); });
  CHECK(stopped() == std::vector<std::string>{"appointments", "mine_safety"});
  // Opting back in to one programme alone.
  test::in_tx(*w, [&](store::tx& t) { t.set_programme_opt_out(who.id, "mine_safety", false); });
  CHECK(status(queue("mine_safety")) == "queued/");
  CHECK(status(queue("appointments")) == "cancelled/opted out of appointments");
  CHECK(stopped() == std::vector<std::string>{"appointments"});
}
