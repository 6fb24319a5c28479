// Repository operations inside the writer's current transaction. Every write the gateway
// makes goes through a tx handed to a work function by store::writer; nothing here commits.
// Used on the writer thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/clock.hpp"
#include "gateway/core/event.hpp"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace paygham::store {

struct contact {
  std::int64_t id = 0;
  std::string phone;
  std::string language;  // empty when never chosen
  std::map<std::string, std::string> fields;  // set by flows ("contact.<name>")
  bool opted_out = false;  // said STOP (R-S5): only the confirmation goes out
};

struct run {
  std::int64_t id = 0;  // 0 until inserted
  std::int64_t contact_id = 0;
  std::string channel_id;
  std::string medium;      // "ussd" or "sms"
  std::string session_id;  // USSD only
  std::string flow_id;
  std::string flow_hash;
  std::string status;      // active, waiting, completed, expired, failed
  std::string state;       // JSON
  std::string last_input;
  std::string last_reply;
  std::string prev_input;  // the hop before, and its answer (a late retry of it is answered again)
  std::string prev_reply;
  core::unix_ms updated_at = 0;  // as stored; save_run sets it to now
};

// A scheduled piece of work (a question's SMS timeout, …), claimed when due.
struct job {
  std::int64_t id = 0;
  std::string kind;
  std::string payload;  // JSON
  core::unix_ms due_at = 0;
};

// Something a person wrote that no flow handles: for the human inbox (R-S3).
struct inbox_item {
  std::int64_t contact_id = 0;
  std::int64_t run_id = 0;  // 0: none
  std::string channel_id;
  std::string flow_id;  // empty: no flow
  std::string body;
};

struct new_message {
  std::string channel_id;
  std::int64_t contact_id = 0;
  std::int64_t run_id = 0;  // 0: none
  std::string to_phone;
  std::string body;
  core::priority prio = core::priority::reply;
  bool even_if_opted_out = false;  // the opt-out confirmation itself
  core::unix_ms not_before = 0;     // sending hours (R-S8): not sent before this instant
};

struct claimed_message {
  std::int64_t id = 0;
  std::string channel_id;
  std::string to_phone;
  std::string body;
  int attempts = 0;  // including this one
  int prio = 2;
};

// What became of a delivery report.
enum class report_outcome {
  applied,     // the message moved forward
  duplicate,   // the same report again: nothing changed
  confirmed,   // a first report of the state the message is already in (AT's "Sent" after the
               // send reply said sent): recorded in the history, nothing to change
  regression,  // it would move the message back: recorded with its raw code, not applied
  waiting,     // no message has that id yet (the send reply may still be on its way): kept
};
const char* to_string(report_outcome o);

// A delivery report as applied: its outcome and the message it named (for the log).
struct applied_report {
  report_outcome outcome = report_outcome::waiting;
  std::int64_t message_id = 0;  // 0: no message has its id yet
  std::string to_phone;         // the message's recipient, E.164; empty with no message
};

class statement_cache;

class tx {
 public:
  tx(SQLite::Database& db, statement_cache& cache, core::unix_ms now);

  core::unix_ms now() const { return now_; }

  // This work has effects that must survive power loss before anyone is told (a message
  // queued, a booking made), even if it was submitted with durability::commit.
  void require_disk() { disk_required_ = true; }

  // Records an inbound event once. Returns false when (channel_id, external_id) was seen
  // before: the caller acknowledges and does nothing else. Requires disk (require_disk).
  bool record_inbound(std::string_view channel_id, std::string_view external_id,
                      std::string_view kind, std::int64_t contact_id, std::string_view body);

  // The contact for an E.164 number, created on first contact.
  contact upsert_contact(std::string_view phone);
  // Remembers the language a person chose.
  void set_contact_language(std::int64_t contact_id, std::string_view language);
  std::optional<contact> find_contact(std::int64_t contact_id);
  // Merges `fields` into the contact's fields.
  void set_contact_fields(std::int64_t contact_id, const std::map<std::string, std::string>& fields);
  // STOP / START (R-S5). Opting out cancels every message still waiting to go to the contact,
  // and ends the SMS runs waiting for their reply.
  void set_opted_out(std::int64_t contact_id, bool opted_out);
  // The person a message was for stopped messages at the aggregator (Twilio 21610, …): opted
  // out here too, so nothing else is queued or tried for them.
  void opt_out_recipient(std::int64_t message_id);

  std::optional<run> find_run(std::int64_t run_id);
  std::optional<run> find_session_run(std::string_view channel_id, std::string_view session_id);
  // The contact's run waiting for an SMS reply, if any.
  std::optional<run> find_waiting_sms_run(std::int64_t contact_id);
  // The contact's USSD run of `flow_id` left unfinished by an earlier session and touched
  // at or after `since` (R-U12), if any.
  std::optional<run> find_resumable_run(std::int64_t contact_id, std::string_view flow_id,
                                        std::string_view session_id, core::unix_ms since);
  // USSD runs still active with no hop since `before`: their sessions have dropped.
  std::vector<run> stale_ussd_runs(core::unix_ms before, std::size_t limit);
  // Ends the contact's runs waiting for an SMS reply (a new flow takes over the phone).
  void expire_waiting_sms_runs(std::int64_t contact_id);
  // Inserts when r.id == 0 (and sets it), updates otherwise.
  void save_run(run& r);

  // Runs `fn` in a savepoint: if it throws, its writes are undone and the message returned;
  // the rest of the transaction goes on. Empty when it succeeded.
  std::string attempt(const std::function<void()>& fn);

  // A job is durable with the transaction that adds it; call require_disk() where the
  // promise it keeps must survive power loss.
  void add_job(std::string_view kind, core::unix_ms due_at, std::string_view payload);
  // Marks up to `limit` pending jobs due by now as done and returns them: the caller applies
  // them in this same transaction, so a job is applied exactly once.
  std::vector<job> take_due_jobs(std::size_t limit);

  void add_inbox(const inbox_item& item);

  // Queues an outbound message and records its first history event. Returns its id.
  // To a contact who opted out, the message is recorded as cancelled instead (R-S5).
  // Requires disk (require_disk).
  std::int64_t queue_message(const new_message& m);

  // Moves up to `limit` of a channel's due messages to 'sending' (priority first, then due
  // time) and returns them. Only the outbox calls this.
  std::vector<claimed_message> claim_due(std::string_view channel_id, std::size_t limit);
  // A channel's messages still waiting to be sent that were created before `before` (their
  // validity ended) become 'expired'. Returns how many.
  std::size_t expire_unsent(std::string_view channel_id, core::unix_ms before);

  // The aggregator accepted message `id`: 'sent', with its id, parts and cost, unless a report
  // already moved it further. Reports that arrived for that id before this are applied now.
  void record_sent(std::int64_t id, std::string_view external_id, std::string_view raw_code,
                   int parts, std::string_view cost);
  // A send that may succeed later: 'retrying' at `next_at` (history: the raw code and why).
  void record_retry(std::int64_t id, core::unix_ms next_at, std::string_view raw_code,
                    std::string_view error);

  // Applies a delivery report: matched by our reference, else by the aggregator's id.
  applied_report apply_report(const core::delivery_report& r);

  // Messages sent before `before` with no final report: 'unconfirmed'. Returns how many.
  std::size_t mark_unconfirmed(std::string_view channel_id, core::unix_ms before);

  // External ids of a channel's messages still awaiting a final report (for polling).
  std::vector<std::string> awaiting_report(std::string_view channel_id, std::size_t limit);

  // After a restart: messages left in 'sending' by the previous process go back to
  // 'retrying', due now, with a history event. Returns how many.
  std::size_t requeue_in_flight();

  // Records a transition with its source and the aggregator's raw code (may be empty);
  // applies it unconditionally (the outbox's own moves).
  void set_message_status(std::int64_t id, core::message_status s, std::string_view source,
                          std::string_view raw_code, std::string_view external_id = {},
                          std::string_view error = {});

 private:
  SQLite::Statement& stmt(const char* sql);
  // Steps `update` (an UPDATE … RETURNING id, bound by the caller) and records `status` from
  // `source` in the history of every message it moved, so the condition is written once.
  // Returns how many.
  std::size_t record_moved(SQLite::Statement& update, std::string_view status, std::string_view source);
  void add_event(std::int64_t message_id, std::string_view status, std::string_view source,
                 std::string_view raw_code, bool applied);
  report_outcome apply_report_to(std::int64_t message_id, const core::delivery_report& r);

  SQLite::Database& db_;
  statement_cache& cache_;
  core::unix_ms now_;
  bool disk_required_ = false;
  friend class writer;
};

}  // namespace paygham::store
