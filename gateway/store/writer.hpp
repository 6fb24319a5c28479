// The store's writer: every write the gateway makes is a work item run inside a transaction
// on the writer's own thread, so no io thread ever waits on the database. Items queued while
// the previous group was being written go into the next transaction together (group commit),
// each as if in its own savepoint: an item that throws is rolled back alone and its caller
// told; the others in its group commit (see rerun). Items run in the order they were submitted,
// which keeps each phone number's events in order. A caller's done() runs once the item's effects
// are durable (see durability), or with the error that stopped them.
//
// Two engines implement it: SQLite (store/sqlite, the embedded default, one node, one writer
// connection) and PostgreSQL (store/postgresql, several nodes on one database, several writer
// connections a node). open_writer() picks one from
// the options; nothing above store/ knows which.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/store/options.hpp"
#include "gateway/store/tx.hpp"

namespace paygham::store {

// Whether an item's work may run again after its effects were rolled back: it changes nothing
// outside its transaction but what it sets anew each time it runs (an answer it assigns, a
// list it empties first) and its log lines. The SQLite writer runs such items side by side
// under one savepoint instead of one each (a savepoint copies every page its item changes,
// about a tenth of the writer's work on a USSD hop), holding their log lines until they are
// kept; when one of them fails, it rolls them back together and runs the failing one again
// alone, the others side by side. PostgreSQL's writer runs any item again after a deadlock.
enum class rerun { unsafe, safe };

// When a caller may be told its work is done (with SQLite's synchronous = normal both are
// "commit"; PostgreSQL's commit is on disk, so both are "disk").
enum class durability {
  disk,    // on disk: an acknowledged SMS survives power loss
  commit,  // after the commit, unless the work called tx::require_disk(): for USSD hop state,
           // which a power cut loses with the phone's session anyway (the person redials)
};

class writer {
 public:
  // Runs on the writer thread inside the group's transaction.
  using work_fn = std::function<void(tx&)>;
  // Runs on a store thread once the item is durable (nullptr) or failed (the error). Must be
  // quick: post to another thread for anything slow. May be null.
  using done_fn = std::function<void(std::exception_ptr)>;

  struct stats {
    std::uint64_t groups = 0;       // transactions committed (or failed)
    std::uint64_t items = 0;        // work items applied
    std::uint64_t syncs = 0;        // fdatasync calls (SQLite)
    std::uint64_t checkpoints = 0;  // WAL checkpoints run (SQLite)
    std::uint64_t retries = 0;      // items run again: after a deadlock with another node
                                    // (PostgreSQL), or after another failed beside them (rerun)
  };

  virtual ~writer() = default;

  // Thread-safe. After stop() the item is refused: done is called at once with an error.
  // Items with the same `order` key (a phone number) run in the order submitted; items with
  // different keys may run side by side where the engine has several connections
  // (PostgreSQL). Items without a key keep their order among themselves.
  virtual void submit(work_fn work, done_fn done, durability d = durability::disk,
                      std::string_view order = {}, rerun again = rerun::unsafe) = 0;

  // True while options.max_queue items or more wait: the store is behind (a slow disk,
  // another process holding it). Callers that can be retried (aggregator callbacks) are
  // answered 503 instead of queueing without bound.
  virtual bool busy() const = 0;

  // Runs every item already queued, makes it durable, tells its callers, closes the
  // database and joins the threads. Idempotent.
  virtual void stop() = 0;

  virtual stats counters() const = 0;
};

// Opens (creating and migrating) the store the options name and starts its writer. Throws
// std::runtime_error with a message that names the database and what to fix.
std::unique_ptr<writer> open_writer(const options& o, std::size_t max_group = 512);

// Applies the migrations this build has that the store lacks (under a lock, so two nodes
// starting together do not race) and returns the schema version after.
int migrate(const options& o);

// Encrypts a plain SQLite store in place with options.key (store/sqlite/crypt_vfs.hpp): false
// when it already was. Refuses, with what to do, while anything else has the store open (a
// running gateway), for PostgreSQL (its server's volume is encrypted, not the gateway's), and
// when there is no store or no key.
bool encrypt(const options& o);

// A copy of the store written to `to`, a new file, while the gateway serves: a SQLite store's
// as one consistent file with its key, checked; returns its size in bytes. PostgreSQL's is
// refused, naming pg_dump.
std::uintmax_t backup(const options& o, const std::string& to);

// Puts the backup at `from` (checked first: it opens with the store's key and knows no newer
// schema) in place of a stopped SQLite store. Refused while the store is in use, and for
// PostgreSQL.
restored restore(const options& o, const std::string& from);

// Runs one item and waits until it is on disk (for the CLI and the simulator, which have
// nothing else to do meanwhile); the item's exception, if any, is rethrown here.
template <class Fn>
void run_now(writer& w, Fn fn) {
  std::promise<void> done;
  w.submit([&](tx& t) { fn(t); }, [&](std::exception_ptr e) { e ? done.set_exception(e) : done.set_value(); });
  done.get_future().get();
}

}  // namespace paygham::store
