// A read-only view for queries that must not wait behind the writer (metrics, readiness,
// `paygham simulate`). Not thread-safe: one reader per thread, or guard it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gateway/store/options.hpp"

namespace paygham::store {

class reader {
 public:
  virtual ~reader() = default;

  // Messages not yet handed to an aggregator: queued, retrying or sending.
  virtual std::int64_t outbox_depth() = 0;
  // Messages sent with no final report by their channel's receipt deadline.
  virtual std::int64_t unconfirmed() = 0;
  // Outbound messages with an id above `after`, oldest first.
  struct outbound_row {
    std::int64_t id = 0;
    std::string body;
    std::string status;  // queued, cancelled, …
    std::string error;   // why it will not be sent ("opted out"), if so
    std::int64_t next_at = 0;  // not sent before (unix ms): sending hours hold it
  };
  virtual std::vector<outbound_row> outbound_after(std::int64_t after) = 0;
  // True when the database answers and its schema is the one this build knows.
  virtual bool healthy() noexcept = 0;
};

// Opens a reader on an existing, migrated store (open_writer first).
std::unique_ptr<reader> open_reader(const options& o);

}  // namespace paygham::store
