// Store helpers: run a function in the writer's transaction as the server does, open either
// engine on a fresh database, and read what it stored with plain SQL on either engine.
#pragma once

#include <atomic>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gateway/store/options.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/store/writer.hpp"
#include "tests/support/support.hpp"

namespace paygham::test {

// A writer's done callback that settles `done`: its value once committed, else the failure.
inline auto settles(std::promise<void>& done) {
  return [&done](std::exception_ptr e) {
    if (e) {
      done.set_exception(e);
    } else {
      done.set_value();
    }
  };
}

// Runs a function inside the store writer's transaction and waits for the commit: tests
// drive the store and the runner exactly as the server does, one transaction per call.
template <class Fn>
auto in_tx(store::writer& w, Fn fn) -> decltype(fn(std::declval<store::tx&>())) {
  using R = decltype(fn(std::declval<store::tx&>()));
  auto result = std::make_shared<std::conditional_t<std::is_void_v<R>, int, R>>();
  std::promise<void> done;
  w.submit(
      [&](store::tx& t) {
        if constexpr (std::is_void_v<R>) {
          fn(t);
        } else {
          *result = fn(t);
        }
      },
      settles(done));
  done.get_future().get();
  if constexpr (!std::is_void_v<R>) return *result;
}

// The engine the store, runner and golden tests run on: PAYGHAM_TEST_ENGINE (sqlite, the
// default, or postgresql). ctest runs those tests once on each.
store::backend engine_under_test();

// A fresh store on `engine`: SQLite in `dir` (synchronous = normal), or a new, empty database
// in the tests' throwaway PostgreSQL cluster (tools/pg-cluster, started on first use
// under the build folder).
store::options fresh_store(store::backend engine, const temp_dir& dir);

// The libpq URL of a new, empty database in that cluster.
std::string fresh_postgresql_database();

// Every row of `sql` on the store, each column as text (NULL as ""). Keep the SQL to what both
// engines read alike.
std::vector<std::vector<std::string>> rows(const store::options& o, const std::string& sql);
// The first column of the first row ("" when none).
std::string value(const store::options& o, const std::string& sql);
// Runs a statement (to corrupt or age rows in a test).
void execute(const store::options& o, const std::string& sql);

// A visit booked for `contact` at `clinic`'s general service on `day` (days since 1970), in
// the window 08:00–10:00 and starting at 08:00 UTC that day: for a test that needs some
// booking, to take with tx::take_slot.
store::booking booked_visit(std::int64_t contact, const std::string& clinic, std::int64_t day);

// A fresh store of the engine under test on a clock the test moves (`now`, from
// 2026-11-29T08:00:00Z), with its writer `w`.
struct store_fixture {
  temp_dir dir;
  std::atomic<core::unix_ms> now{1'795'939'200'000};
  store::options so = [this] {
    auto o = fresh_store(engine_under_test(), dir);
    o.clock = [this] { return now.load(); };
    return o;
  }();
  std::unique_ptr<store::writer> owned = store::open_writer(so);
  store::writer& w = *owned;
};

}  // namespace paygham::test
