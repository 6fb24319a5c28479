#include "gateway/store/writer.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <catch2/catch.hpp>
#include <thread>

#include "gateway/store/reader.hpp"
#include "tests/support/store_support.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

store::options opts(const test::temp_dir& d) {
  return store::options{d.file("store.db"), store::synchronous::normal};
}

}  // namespace

TEST_CASE("store: migrations apply once and reopening keeps the data", "[store]") {
  test::temp_dir d;
  {
    store::writer w(opts(d));
    test::in_tx(w, [](store::tx& t) { t.upsert_contact("+93700000001"); });
  }
  store::writer w(opts(d));
  const auto c = test::in_tx(w, [](store::tx& t) { return t.upsert_contact("+93700000001"); });
  CHECK(c.id == 1);
  SQLite::Database db(d.file("store.db"));
  CHECK(db.execAndGet("SELECT COUNT(*) FROM schema_migrations").getInt() == store::latest_version());
  CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
}

TEST_CASE("store: an inbound event is recorded once per channel and external id", "[store]") {
  test::temp_dir d;
  store::writer w(opts(d));
  auto record = [&](const char* ch, const char* id) {
    return test::in_tx(w, [&](store::tx& t) { return t.record_inbound(ch, id, "sms", 0, "hi"); });
  };
  CHECK(record("at", "m1"));
  CHECK_FALSE(record("at", "m1"));
  CHECK(record("twilio", "m1"));
  CHECK(record("at", "m2"));
}

TEST_CASE("store: a failing item rolls back alone; the rest of its group commits", "[store]") {
  test::temp_dir d;
  store::writer w(opts(d));
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
  SQLite::Database db(d.file("store.db"));
  CHECK(db.execAndGet("SELECT COUNT(*) FROM contacts").getInt() == 2);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM contacts WHERE phone = '+93700000001'").getInt() == 0);
}

TEST_CASE("store: many concurrent submitters are committed in fewer groups", "[store]") {
  test::temp_dir d;
  store::writer w(opts(d));
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
  store::reader r(opts(d));
  CHECK(r.healthy());
}

TEST_CASE("store: due messages are claimed by priority, and history records each step",
          "[store]") {
  test::temp_dir d;
  store::writer w(opts(d));
  test::in_tx(w, [](store::tx& t) {
    t.queue_message({"console", 0, 0, "+93700000001", "bulk info", core::priority::bulk});
    t.queue_message({"console", 0, 0, "+93700000001", "mine alert", core::priority::alert});
    t.queue_message({"at", 0, 0, "+93700000001", "other channel", core::priority::alert});
  });
  store::reader r(opts(d));
  CHECK(r.outbox_depth() == 3);
  const auto claimed = test::in_tx(w, [](store::tx& t) { return t.claim_due("console", 10); });
  REQUIRE(claimed.size() == 2);
  CHECK(claimed[0].body == "mine alert");
  CHECK(claimed[1].body == "bulk info");
  CHECK(claimed[0].attempts == 1);
  test::in_tx(w, [&](store::tx& t) {
    t.set_message_status(claimed[0].id, core::message_status::sent, "console", "", "ref-1");
    t.set_message_status(claimed[0].id, core::message_status::delivered, "console", "DELIVRD");
  });
  CHECK(r.outbox_depth() == 2);  // one still sending, one queued on "at"
  SQLite::Database db(d.file("store.db"));
  CHECK(db.execAndGet("SELECT COUNT(*) FROM outbound_messages WHERE status = 'delivered'").getInt() == 1);
  SQLite::Statement h(db, "SELECT status, source, COALESCE(raw_code, '') FROM message_events"
                          " WHERE message_id = ? ORDER BY id");
  h.bind(1, static_cast<std::int64_t>(claimed[0].id));
  std::vector<std::string> history;
  while (h.executeStep()) {
    history.push_back(h.getColumn(0).getString() + "/" + h.getColumn(1).getString() + "/" +
                      h.getColumn(2).getString());
  }
  CHECK(history == std::vector<std::string>{"queued/runner/", "sending/outbox/", "sent/console/",
                                            "delivered/console/DELIVRD"});
}

TEST_CASE("store: after a restart, messages left sending are put back in line", "[store]") {
  test::temp_dir d;
  {
    store::writer w(opts(d));
    test::in_tx(w, [](store::tx& t) {
      t.queue_message({"console", 0, 0, "+93700000001", "x", core::priority::reply});
      t.claim_due("console", 10);
    });
  }
  store::writer w(opts(d));
  CHECK(test::in_tx(w, [](store::tx& t) { return t.requeue_in_flight(); }) == 1);
  const auto again = test::in_tx(w, [](store::tx& t) { return t.claim_due("console", 10); });
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempts == 2);
}

TEST_CASE("store: with synchronous full each group is synced before callers hear of it",
          "[store]") {
  test::temp_dir d;
  const auto syncs_when_told = [&](store::synchronous sync, const char* file) {
    store::writer w(store::options{d.file(file), sync});
    std::promise<std::uint64_t> told;
    w.submit([](store::tx& t) { t.upsert_contact("+93700000001"); },
             [&](std::exception_ptr) { told.set_value(w.counters().syncs); });
    return told.get_future().get();
  };
  CHECK(syncs_when_told(store::synchronous::full, "full.db") >= 1);
  CHECK(syncs_when_told(store::synchronous::normal, "normal.db") == 0);
}

TEST_CASE("store: work submitted for commit is told before the sync unless it asks for disk",
          "[store]") {
  test::temp_dir d;
  store::writer w(store::options{d.file("full.db"), store::synchronous::full});
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

TEST_CASE("store: a WAL grown past its limit by a burst is truncated back", "[store]") {
  test::temp_dir d;
  store::options o = opts(d);
  o.wal_limit_bytes = 1 << 20;
  store::writer w(o);
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
  store::options o = opts(d);
  o.max_queue = 2;
  store::writer w(o);
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

TEST_CASE("store: migration 5 keeps every delivery report of a store made before it", "[store]") {
  test::temp_dir d;
  { store::writer w(opts(d)); }
  {
    // The store as version 4 left it: the old CHECK, and a report in it.
    SQLite::Database db(d.file("store.db"), SQLite::OPEN_READWRITE);
    db.exec("DROP TABLE delivery_reports");
    db.exec("CREATE TABLE delivery_reports (id INTEGER PRIMARY KEY, channel_id TEXT NOT NULL,"
            " external_id TEXT NOT NULL, reference TEXT, status TEXT NOT NULL, raw_code TEXT NOT NULL,"
            " error TEXT, message_id INTEGER REFERENCES outbound_messages(id), outcome TEXT NOT NULL"
            " CHECK (outcome IN ('applied', 'duplicate', 'regression', 'waiting')), received_at INTEGER NOT NULL)");
    db.exec("INSERT INTO delivery_reports (channel_id, external_id, status, raw_code, outcome, received_at)"
            " VALUES ('at', 'ATXid_1', 'delivered', 'Success', 'waiting', 1)");
    db.exec("DELETE FROM schema_migrations WHERE version = 5");
  }
  store::writer w(opts(d));
  SQLite::Database db(d.file("store.db"), SQLite::OPEN_READONLY, 5000);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM delivery_reports WHERE external_id = 'ATXid_1'").getInt() == 1);
  CHECK(db.execAndGet("SELECT MAX(version) FROM schema_migrations").getInt() == store::latest_version());
  CHECK(db.execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE name = 'delivery_reports_waiting'").getInt() == 1);
}
