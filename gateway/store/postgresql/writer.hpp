// The PostgreSQL engine's writer: one connection and one thread per node, committing in
// groups (see store/writer.hpp). A commit is durable when it returns (synchronous_commit), so
// every caller is told then. Several nodes write to one database side by side: claims skip
// rows another node holds, work on one contact waits for the other node's commit. When two
// groups deadlock, the server aborts one item; the writer commits the items before it (which
// releases what they hold), then runs that item again in a new transaction. When the server
// goes away, the group in hand fails (callers are told; aggregators retry) and the writer
// connects again before the next group, waiting a second between tries.
#pragma once

#include <deque>
#include <thread>

#include "gateway/store/postgresql/connection.hpp"
#include "gateway/store/work_queue.hpp"
#include "gateway/store/writer.hpp"

namespace paygham::store::postgresql {

class writer final : public store::writer {
 public:
  // Connects and migrates (throws with a message naming the server), then starts the thread.
  writer(const options& o, std::size_t max_group);
  ~writer() override;
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  void submit(work_fn work, done_fn done, durability d = durability::disk) override;
  bool busy() const override;
  void stop() override;
  stats counters() const override;

 private:
  void loop();
  void run_group(std::deque<work_item>& group);
  bool connected();

  options opts_;
  std::size_t max_group_;
  connection conn_;
  work_queue queue_;
  std::thread thread_;
};

}  // namespace paygham::store::postgresql
