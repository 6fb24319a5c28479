// A read-only connection for queries that must not wait behind the writer (metrics,
// readiness). WAL lets it read the last committed state while the writer works.
// Not thread-safe: one reader per thread, or guard it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/store/database.hpp"

namespace paygham::store {

class reader {
 public:
  explicit reader(const options& o);
  ~reader();
  reader(const reader&) = delete;
  reader& operator=(const reader&) = delete;

  // Messages not yet handed to an aggregator: queued, retrying or sending.
  std::int64_t outbox_depth();
  // Messages sent with no final report by their channel's receipt deadline.
  std::int64_t unconfirmed();
  // Outbound messages with an id above `after`, oldest first.
  struct outbound_row {
    std::int64_t id = 0;
    std::string body;
    std::string status;  // queued, cancelled, …
    std::string error;   // why it will not be sent ("opted out"), if so
    std::int64_t next_at = 0;  // not sent before (unix ms): sending hours hold it
  };
  std::vector<outbound_row> outbound_after(std::int64_t after);
  // True when the database answers and its schema is the one this build knows.
  bool healthy() noexcept;

 private:
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace paygham::store
