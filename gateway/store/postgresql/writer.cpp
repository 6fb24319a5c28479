#include "gateway/store/postgresql/writer.hpp"

#include <chrono>
#include <vector>

#include "gateway/core/log.hpp"
#include "gateway/store/postgresql/schema.hpp"
#include "gateway/store/postgresql/tx.hpp"

namespace paygham::store::postgresql {
namespace {

// Runs of one item after a deadlock with another node, before its caller is told it failed.
constexpr int max_runs = 4;

}  // namespace

writer::writer(const options& o, std::size_t max_group)
    : opts_(o), max_group_(max_group), conn_(o.url), queue_(o.max_queue) {
  migrate(conn_);
  thread_ = std::thread([this] { loop(); });
}

writer::~writer() { stop(); }

void writer::submit(work_fn work, done_fn done, durability d) {
  queue_.push(work_item{std::move(work), std::move(done), d});
}

bool writer::busy() const { return queue_.busy(); }

writer::stats writer::counters() const { return queue_.stats(); }

void writer::stop() {
  queue_.close();
  if (thread_.joinable()) thread_.join();
}

bool writer::connected() {
  if (conn_.ok()) return true;
  try {
    conn_.reconnect();
    core::log::info("store.reconnected", {{"store", redact(opts_.url)}});
    return true;
  } catch (const std::exception& e) {
    core::log::error("store.unreachable", {{"error", e.what()}});
    return false;
  }
}

void writer::loop() {
  std::deque<work_item> group;
  while (queue_.take(group, max_group_)) {
    run_group(group);
    group.clear();
  }
}

void writer::run_group(std::deque<work_item>& group) {
  std::vector<std::exception_ptr> errors(group.size());
  std::exception_ptr group_error;
  std::uint64_t retried = 0;
  if (!connected()) {
    group_error = std::make_exception_ptr(std::runtime_error("the database is unreachable"));
    // Not a spin: the callers are told, and the next try waits a moment.
    std::this_thread::sleep_for(std::chrono::seconds(1));
  } else {
    try {
      // Savepoint control rides along in one round trip per item: "RELEASE item; SAVEPOINT
      // item" keeps the item before and opens the next one's.
      conn_.exec("BEGIN; SAVEPOINT item");
      tx t(conn_, opts_, opts_.clock ? opts_.clock() : core::now_ms());
      for (std::size_t i = 0; i < group.size(); ++i) {
        if (i > 0) conn_.exec("RELEASE item; SAVEPOINT item");
        for (int run = 1;; ++run) {
          try {
            t.start_item();
            group[i].work(t);
            errors[i] = nullptr;
            break;
          } catch (const error& e) {
            if (!conn_.ok()) throw;  // the server is gone: the group fails whole
            conn_.exec("ROLLBACK TO item");
            if (!e.retryable() || run == max_runs) {
              errors[i] = std::current_exception();
              break;
            }
            // A deadlock with another node: commit what came before (it holds what the other
            // node waits for), then this item again in a new transaction.
            conn_.exec("COMMIT; BEGIN; SAVEPOINT item");
            ++retried;
          } catch (...) {
            if (!conn_.ok()) throw;
            conn_.exec("ROLLBACK TO item");
            errors[i] = std::current_exception();
            break;
          }
        }
      }
      conn_.exec("COMMIT");
    } catch (const std::exception& e) {
      group_error = std::current_exception();
      core::log::error("store.commit_failed", {{"error", e.what()}, {"items", group.size()}});
      if (conn_.ok()) {
        try {
          conn_.exec("ROLLBACK");
        } catch (const std::exception&) {
          // The next group starts with BEGIN on a connection checked again.
        }
      }
    }
  }
  queue_.count([&](stats& s) {
    ++s.groups;
    s.items += group.size();
    s.retries += retried;
  });
  for (std::size_t i = 0; i < group.size(); ++i) tell(group[i].done, group_error ? group_error : errors[i]);
}

}  // namespace paygham::store::postgresql
