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

writer::writer(const options& o, std::size_t max_group) : opts_(o), max_group_(max_group) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, o.connections); ++i) lanes_.push_back(std::make_unique<lane>(o));
  migrate(lanes_.front()->conn);
  for (auto& l : lanes_) l->thread = std::thread([this, lp = l.get()] { loop(*lp); });
}

writer::~writer() { stop(); }

void writer::submit(work_fn work, done_fn done, durability d, std::string_view order, rerun) {
  const std::size_t at = order.empty() ? 0 : std::hash<std::string_view>{}(order) % lanes_.size();
  lanes_[at]->queue.push(work_item{std::move(work), std::move(done), d});
}

bool writer::busy() const {
  std::size_t waiting = 0;
  for (const auto& l : lanes_) waiting += l->queue.size();
  return waiting >= opts_.max_queue;
}

writer::stats writer::counters() const {
  stats sum;
  for (const auto& l : lanes_) {
    const stats s = l->queue.stats();
    sum.groups += s.groups;
    sum.items += s.items;
    sum.retries += s.retries;
  }
  return sum;
}

void writer::stop() {
  for (auto& l : lanes_) l->queue.close();
  for (auto& l : lanes_) {
    if (l->thread.joinable()) l->thread.join();
  }
}

bool writer::connected(lane& l) {
  if (l.conn.ok()) return true;
  try {
    l.conn.reconnect();
    core::log::info("store.reconnected", {{"store", redact(opts_.url)}});
    return true;
  } catch (const std::exception& e) {
    core::log::error("store.unreachable", {{"error", e.what()}});
    return false;
  }
}

void writer::loop(lane& l) {
  std::deque<work_item> group;
  while (l.queue.take(group, max_group_)) {
    run_group(l, group);
    group.clear();
  }
}

void writer::run_group(lane& l, std::deque<work_item>& group) {
  std::vector<std::exception_ptr> errors(group.size());
  std::exception_ptr group_error;
  std::uint64_t retried = 0;
  if (!connected(l)) {
    group_error = std::make_exception_ptr(std::runtime_error("the database is unreachable"));
    // Not a spin: the callers are told, and the next try waits a moment.
    std::this_thread::sleep_for(std::chrono::seconds(1));
  } else {
    try {
      // Savepoint control rides along in one round trip per item: "RELEASE item; SAVEPOINT
      // item" keeps the item before and opens the next one's.
      l.conn.exec("BEGIN; SAVEPOINT item");
      tx t(l.conn, opts_, opts_.clock ? opts_.clock() : core::now_ms());
      for (std::size_t i = 0; i < group.size(); ++i) {
        if (i > 0) l.conn.exec("RELEASE item; SAVEPOINT item");
        for (int run = 1;; ++run) {
          try {
            t.start_item();
            group[i].work(t);
            errors[i] = nullptr;
            break;
          } catch (const error& e) {
            if (!l.conn.ok()) throw;  // the server is gone: the group fails whole
            l.conn.exec("ROLLBACK TO item");
            if (!e.retryable() || run == max_runs) {
              errors[i] = std::current_exception();
              break;
            }
            // A deadlock with another node: commit what came before (it holds what the other
            // node waits for), then this item again in a new transaction.
            l.conn.exec("COMMIT; BEGIN; SAVEPOINT item");
            ++retried;
          } catch (...) {
            if (!l.conn.ok()) throw;
            l.conn.exec("ROLLBACK TO item");
            errors[i] = std::current_exception();
            break;
          }
        }
      }
      l.conn.exec("COMMIT");
    } catch (const std::exception& e) {
      group_error = std::current_exception();
      core::log::error("store.commit_failed", {{"error", e.what()}, {"items", group.size()}});
      if (l.conn.ok()) {
        try {
          l.conn.exec("ROLLBACK");
        } catch (const std::exception&) {
          // The next group starts with BEGIN on a connection checked again.
        }
      }
    }
  }
  l.queue.count([&](stats& s) {
    ++s.groups;
    s.items += group.size();
    s.retries += retried;
  });
  for (std::size_t i = 0; i < group.size(); ++i) tell(group[i].done, group_error ? group_error : errors[i]);
}

}  // namespace paygham::store::postgresql
