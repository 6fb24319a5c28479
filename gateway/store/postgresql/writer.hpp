// The PostgreSQL engine's writer: a few lanes a node (store.connections), each its own
// connection, thread and queue, committing in groups (see store/writer.hpp). An item goes to
// the lane its order key hashes to, so one phone number's items keep their order while
// different people's are written side by side; items without a key share lane 0 in order.
// A commit is durable when it returns (synchronous_commit), so every caller is told then.
//
// Several lanes and several nodes write to one database side by side: claims skip rows another
// transaction holds, work on one contact waits for the other's commit (tx::upsert_contact).
// When two groups deadlock, the server aborts one item; its lane commits the items before it
// (which releases what they hold), then runs that item again in a new transaction. When the
// server goes away, the group in hand fails (callers are told; aggregators retry) and the lane
// connects again before its next group, waiting a second between tries.
#pragma once

#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "gateway/store/postgresql/connection.hpp"
#include "gateway/store/work_queue.hpp"
#include "gateway/store/writer.hpp"

namespace paygham::store::postgresql {

class writer final : public store::writer {
 public:
  // Connects and migrates (throws with a message naming the server), then starts the lanes.
  writer(const options& o, std::size_t max_group);
  ~writer() override;
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  void submit(work_fn work, done_fn done, durability d = durability::disk,
              std::string_view order = {}, rerun again = rerun::unsafe) override;
  bool busy() const override;
  void stop() override;
  stats counters() const override;

 private:
  struct lane {
    explicit lane(const options& o) : conn(o.url), queue(o.max_queue) {}
    connection conn;
    work_queue queue;
    std::thread thread;
  };
  void loop(lane& l);
  void run_group(lane& l, std::deque<work_item>& group);
  bool connected(lane& l);

  options opts_;
  std::size_t max_group_;
  std::vector<std::unique_ptr<lane>> lanes_;
};

}  // namespace paygham::store::postgresql
