#include "gateway/app/gateway.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include <stdexcept>

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
    // The outbox has started and queued its first store work (whose callback wakes the
    // outbox) when the injected failure leaves run(); the destructor must still stop the
    // server, the outbox, the client and then the writer, with every callback run while
    // what it reaches exists (AddressSanitizer checks that in the asan build).
    CHECK_THROWS_WITH(g->run([] { throw std::runtime_error("injected"); }), "injected");
  }
  // The store was closed whole: it opens, checks out, and a new gateway serves on it.
  {
    SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
  }
  auto again = make_gateway(dir);
  CHECK(again->listen() > 0);
}
