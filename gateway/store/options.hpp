// How the store is opened: which engine, where, and the knobs both engines share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "gateway/core/clock.hpp"

namespace paygham::store {

// The embedded default, or a PostgreSQL server that several gateway nodes share.
enum class backend { sqlite, postgresql };

enum class synchronous { normal, full };

// R-D4: the database must lie on an encrypted volume. warn: say so at start when its disk is not
// seen to be; require: do not start then (sqlite only); external: the operator vouches for a
// volume the gateway cannot see (a cloud disk, PostgreSQL's server).
enum class encryption { warn, require, external };

// The length of a store key (store.key), in bytes.
inline constexpr std::size_t key_bytes = 32;

struct options {
  backend engine = backend::sqlite;
  std::string path;  // sqlite: a file path, or ":memory:" in tests
  std::string url;   // postgresql: a libpq connection URI (postgresql://…)
  // postgresql: writer connections a node (lanes: one phone number's work stays on one).
  std::size_t connections = 4;
  // The node's name in leases and heartbeats: unique among the nodes sharing a database, and
  // the same after a restart (so a node takes back its own in-flight work at once).
  std::string node_id = "node";
  // How long a claimed message stays this node's: longer than a send can take. Another node
  // re-queues it only after this (the node that claimed it has died).
  std::int64_t lease_ms = 120'000;
  // Finished jobs and delivery reports older than this are pruned (a message keeps its history
  // until delivery_retention_ms).
  std::int64_t retention_ms = 90LL * 24 * 3600 * 1000;
  // R-D3, what is kept of people; 0 keeps it. The words of messages (sent, received, in the
  // inbox once done) and a finished session's screens, after this:
  std::int64_t text_retention_ms = 90LL * 24 * 3600 * 1000;
  // A visit this long after its day is deleted (its person's relation goes with the last one).
  std::int64_t visit_retention_ms = 90LL * 24 * 3600 * 1000;
  // A message this long after it was written is deleted with its history, once final; only
  // its count by hour, channel and state stays.
  std::int64_t delivery_retention_ms = 365LL * 24 * 3600 * 1000;
  // An SMS question with no timeout of its own is let go, with the answers before it, when it
  // stays unanswered this long (runner's timeout_job::let_go_kind).
  std::int64_t answer_retention_ms = 24LL * 3600 * 1000;
  // A hazard report keeps who sent it this long: a reporter may be at risk for what they told.
  std::int64_t reporter_retention_ms = 30LL * 24 * 3600 * 1000;
  // One who agreed to be called back stays until reporter_retention_ms after the report is
  // done, and no longer than this after it was made.
  std::int64_t callback_retention_ms = 180LL * 24 * 3600 * 1000;
  // sqlite only. full: every group commit is fsynced before its requests are answered
  // (survives power loss); normal: the WAL is fsynced at checkpoints only (survives a crash
  // of the process, not of the machine). PostgreSQL commits durably (synchronous_commit).
  synchronous sync = synchronous::full;
  encryption at_rest = encryption::warn;
  // sqlite only: the store key (key_bytes bytes, from store.key) when Paygham encrypts the store
  // itself (store/sqlite/crypt_vfs.hpp); empty: it does not.
  std::string key;
  // The time each transaction sees as tx::now(); tests and `paygham simulate` step it.
  std::function<core::unix_ms()> clock = core::now_ms;
  // sqlite only: the size the WAL is kept at (journal_size_limit, and its preallocation with
  // synchronous = full). A burst that grows it past this is truncated back.
  std::int64_t wal_limit_bytes = 64 << 20;
  // Work items waiting for the writer beyond which callbacks are answered 503 (writer::busy).
  std::size_t max_queue = 20000;
  // sqlite only: how long a write waits while another process holds the database (the serving
  // gateway, a backup). The command line waits longer: a person's command (approving an alert)
  // must not fail because the gateway is busy queuing a broadcast.
  std::int64_t busy_timeout_ms = 5000;

  // "sqlite:/var/paygham.db" or "postgresql://host/db" with the password hidden: for logs.
  std::string describe() const;
};

// What `paygham restore` did (store::restore).
struct restored {
  std::string aside;  // where the store it replaced was kept; empty when there was none
  std::int64_t waiting =
      0;  // messages the backup holds as not yet sent (queued, sending, retrying)
};

}  // namespace paygham::store
