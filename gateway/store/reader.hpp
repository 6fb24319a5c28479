// A read-only view for queries that must not wait behind the writer (metrics, readiness,
// `paygham simulate`). Not thread-safe: one reader per thread, or guard it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/store/options.hpp"

namespace paygham::store {

class reader {
 public:
  virtual ~reader() = default;

  // Messages not yet handed to an aggregator: queued, retrying or sending.
  virtual std::int64_t outbox_depth() = 0;
  // R-D4: the key numbers are pseudonymised with in logs (number_pseudonym), derived from the
  // deployment's salt, so every node and every restart gives one number the same pseudonym;
  // the salt itself never leaves the store.
  virtual std::string log_key() = 0;
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
  // Messages created in [since, until) counted by channel, state and hour (the hour's start,
  // unix ms, UTC), oldest hour first: the delivery dashboard and `paygham report`.
  struct delivery_count {
    std::string channel;
    std::string status;
    std::int64_t hour = 0;
    std::int64_t n = 0;
  };
  virtual std::vector<delivery_count> delivery_counts(std::int64_t since, std::int64_t until) = 0;
  // Why messages created in [since, until) failed or were not sent, commonest first.
  virtual std::vector<std::pair<std::string, std::int64_t>> failure_reasons(std::int64_t since, std::int64_t until,
                                                                            std::size_t limit) = 0;
  // True when the database answers and its schema is the one this build knows.
  virtual bool healthy() noexcept = 0;
};

// Opens a reader on an existing, migrated store (open_writer first).
std::unique_ptr<reader> open_reader(const options& o);

}  // namespace paygham::store
