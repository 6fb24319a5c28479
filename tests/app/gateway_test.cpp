#include "gateway/app/gateway.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include <future>
#include <stdexcept>
#include <thread>

#include "gateway/app/content.hpp"
#include "gateway/channels/registry.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

// A gateway on the test config: the shipped flows, a store in `dir`, an ephemeral port.
std::unique_ptr<app::gateway> make_gateway(const test::temp_dir& dir) {
  auto cfg = app::load_config(test::write_test_config(dir));
  REQUIRE(cfg);
  std::vector<std::string> problems;
  auto content = app::load_content(cfg.value(), problems);
  REQUIRE(problems.empty());
  std::vector<std::unique_ptr<channels::channel>> chans;
  for (const auto& s : cfg->channels) {
    auto ch = channels::make_channel(s);
    REQUIRE(ch);
    chans.push_back(std::move(ch).value());
  }
  return std::make_unique<app::gateway>(cfg.value(), content, std::move(chans));
}

}  // namespace

TEST_CASE("app: the gateway stops every part in order even when run() throws", "[app]") {
  test::temp_dir dir;
  {
    auto g = make_gateway(dir);
    CHECK(g->listen() > 0);
    // Another connection holds the store's write lock for half a second, so the outbox's first
    // store work (whose callback wakes the outbox) is still waiting when the injected failure
    // leaves run(): the destructor must stop the server, the outbox and the client, then let
    // the writer finish that work while the outbox it reaches still exists (AddressSanitizer
    // checks that in the ci build).
    std::promise<void> held;
    std::thread holder([&] {
      SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READWRITE);
      db.setBusyTimeout(10'000);  // the gateway may be writing at this moment
      db.exec("BEGIN IMMEDIATE");
      held.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      db.exec("COMMIT");
    });
    held.get_future().wait();
    CHECK_THROWS_WITH(g->run([] { throw std::runtime_error("injected"); }), "injected");
    const auto stopping = std::chrono::steady_clock::now();
    g.reset();
    holder.join();
    // The destructor waited for the store to finish, rather than leaving work behind.
    CHECK(std::chrono::steady_clock::now() - stopping >= std::chrono::milliseconds(300));
  }
  // The store was closed whole: it opens, checks out, and a new gateway serves on it.
  {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
  }
  auto again = make_gateway(dir);
  CHECK(again->listen() > 0);
}
