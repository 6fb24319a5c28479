// Repository operations inside the writer's current transaction, by aggregate: contacts,
// runs, jobs, outbound messages, delivery reports, the inbox. Every write the gateway makes
// goes through a tx handed to a work function by store::writer; nothing here commits. Each
// engine (store/sqlite, store/postgresql) implements every part with its own SQL; nothing
// above store/ knows which one runs. Used on the writer's thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/clock.hpp"
#include "gateway/core/event.hpp"

namespace paygham::store {

struct contact {
  std::int64_t id = 0;
  std::string phone;
  std::string language;  // empty when never chosen
  std::map<std::string, std::string> fields;  // set by flows ("contact.<name>")
  bool opted_out = false;  // said STOP (R-S5): only the confirmation goes out
  bool created = false;    // upsert_contact made it just now: it has no runs yet
  bool unreachable = false;  // R-S13: its messages failed 3 times in a row; nothing is sent
  // R-S11: the person said nobody else reads SMS on the phone and asked for texts that name
  // their care (a template's `explicit` variant); otherwise every text is the neutral one.
  bool explicit_texts = false;
  // The SMS language picker went to them then, and their next SMS may answer it with a bare
  // number; 0: not waiting for that.
  core::unix_ms language_asked_at = 0;
  // R-L1: the language they chose by SMS (ps), whose letters check went to them then
  // (language_asked_at): their next SMS may answer 1 (the letters show) or 2; "": none asked.
  std::string pending_language = {};
  // R-S8: the person's own quiet hours ("22:00-09:00"), in place of their programmes'; empty:
  // the programmes'.
  std::string quiet_hours = {};
  // R-D6: erased, only the id left (erase_contact).
  bool erased() const { return phone.rfind("erased:", 0) == 0; }
};

// Where a run stands: active (a USSD session on it), waiting (an SMS question asked), or ended:
// completed, expired (dropped and not resumed, or superseded), failed (a flow error).
enum class run_status { active, waiting, completed, expired, failed };
// How a run reaches the person.
enum class medium { ussd, sms };
const char* to_string(run_status s);
const char* to_string(medium m);

struct run {
  std::int64_t id = 0;  // 0 until inserted
  std::int64_t contact_id = 0;
  std::string channel_id;
  store::medium medium = store::medium::ussd;
  std::string session_id;  // USSD only
  std::string flow_id;
  std::string flow_hash;
  run_status status = run_status::active;
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
  core::unix_ms turn_since = 0;  // a question waiting its turn: when it first fell due (add_turn_job)
};

// Something a person wrote that no flow handles: for the human inbox (R-S3).
struct inbox_item {
  std::int64_t contact_id = 0;
  std::int64_t run_id = 0;  // 0: none
  std::string channel_id;
  std::string flow_id;  // empty: no flow
  std::string body;
  std::string area = {};             // a hazard report's province (herat); "": none given
  std::string district = {};         // the district its place names by the districts file; "": none
  std::int64_t duplicate_of = 0;     // a report from the same area within a day: the first's number
  std::optional<bool> someone_hurt = {};  // a hazard report's answer: is someone hurt? none: not asked
  bool urgent = false;  // the words of someone in danger (R-H3, lexicon/urgent.yaml)
  // The number it came from (R-L6: the person may write from another); kept only when it is
  // not their main one, and read back as the entry's `phone`, where a reply goes.
  std::string from_phone = {};
};

struct new_message {
  std::string channel_id;
  std::int64_t contact_id = 0;
  std::int64_t run_id = 0;  // 0: none
  std::string to_phone;
  std::string body;
  core::priority prio = core::priority::reply;
  bool even_if_opted_out = false;  // the opt-out confirmation itself
  std::string programme = {};      // the programme it belongs to; empty: none (R-S5)
  core::unix_ms not_before = 0;     // sending hours (R-S8): not sent before this instant
  std::int64_t series_id = 0;       // the reminder series it is an occurrence of; 0: none
};

// A message a polled channel is asked about, and the place polling has reached.
struct awaiting {
  core::unix_ms sent_at = 0;
  std::int64_t id = 0;
  std::string external_id;
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

// What a health worker records of a person (R-D2): whether others read SMS on the phone
// (unknown, yes, no: R-S11 takes anything but "no" as shared), and the consents they gave.
struct consent {
  std::string programme;    // health, appointments, mine_safety
  std::string via;          // in_person, phone_call, written
  std::string recorded_by;  // user:3, token:2
  core::unix_ms at = 0;
};
struct contact_record {
  std::string shared_phone = "unknown";
  bool explicit_texts = false;  // only with shared_phone "no" (R-S11)
  // Who recorded those two last (user:N or token:N, as the audit log names them; "person":
  // the phone's holder answered), and when; empty and 0 when nobody has.
  std::string privacy_recorded_by;
  core::unix_ms privacy_recorded_at = 0;
  std::vector<consent> consents;  // oldest first
};

// R-S12: the PIN a person chose for the USSD screens that show their visits (a counselling
// client's, on a phone others may hold). Only an Argon2id hash is kept.
struct visit_pin {
  std::string hash;     // libsodium's string form; empty: no PIN
  int failed = 0;       // wrong PINs in a row
  core::unix_ms locked_until = 0;
};

// R-L6: what tx::move_number needs to move a person to a new number.
struct number_move {
  std::string phone;         // E.164
  std::int64_t absorbed = 0;  // the new number's contact, holding nothing of its own; 0: none
  std::string old_zone;      // the time zones of the old number's country and of the new one's
  std::string new_zone;
};

// The person behind a phone number: language, fields flows set, consent (R-S5).
class contacts_part {
 public:
  virtual ~contacts_part() = default;
  // The contact for an E.164 number, created on first contact. It also serialises work on
  // one person: with several nodes, a second transaction for the same contact waits here
  // until the first commits, so two hops of one session step the run in order. One of a
  // person's other numbers (add_number) is theirs, with `phone` that number (what answers the
  // phone that wrote goes back to it) and neutral texts: nothing was said of that phone (R-S11).
  virtual contact upsert_contact(std::string_view phone) = 0;
  // The same lock on a contact known by its id (the scheduler's work on them); false when
  // there is no such contact (erased meanwhile).
  virtual bool lock_contact(std::int64_t contact_id) = 0;
  // Remembers the language a person chose (and that the picker is answered).
  virtual void set_contact_language(std::int64_t contact_id, std::string_view language) = 0;
  // The SMS language picker went to the person at `at`; 0: it no longer waits for an answer.
  // `at` 0: nothing asked. `pending_language`: the language whose letters check was asked then.
  virtual void set_language_asked(std::int64_t contact_id, core::unix_ms at, std::string_view pending_language) = 0;
  // R-U15: records an invitation to finish a flow sent at `at`, unless one was sent after
  // `since`; false then (at most one a day, whichever node asks).
  virtual bool take_invite(std::int64_t contact_id, core::unix_ms at, core::unix_ms since) = 0;
  // R-S8: the person's own quiet hours ("22:00-09:00", checked by the caller); "": their
  // programmes' again. Messages queued before keep their time.
  virtual void set_quiet_hours(std::int64_t contact_id, std::string_view quiet_hours) = 0;
  virtual std::optional<contact> find_contact(std::int64_t contact_id) = 0;
  // R-S12: the person's visits PIN (an empty hash: none).
  virtual visit_pin find_visit_pin(std::int64_t contact_id) = 0;
  // A new PIN's hash, or "" to clear it (a person who forgot theirs); either unlocks.
  virtual void set_visit_pin(std::int64_t contact_id, std::string_view hash) = 0;
  // After a PIN try: wrong ones in a row, and the end of a lockout (0: none).
  virtual void set_visit_pin_failures(std::int64_t contact_id, int failed, core::unix_ms locked_until) = 0;
  // The contact with this E.164 number, their main one or another (add_number), without
  // making one; as find_contact gives it, with the main number.
  virtual std::optional<contact> find_contact_by_phone(std::string_view phone) = 0;
  // Up to `limit` contacts whose name ({contact.name}) holds `part` (ASCII letters in any case),
  // oldest first. Reads every contact: for a person searching, not for a hot path.
  virtual std::vector<contact> find_contacts_by_name(std::string_view part, std::size_t limit) = 0;
  // Merges `fields` into the contact's fields.
  virtual void set_contact_fields(std::int64_t contact_id,
                                  const std::map<std::string, std::string>& fields) = 0;
  // STOP ALL / START (R-S5). Opting out cancels every message still waiting to go to the
  // contact, and ends the SMS runs waiting for their reply, and texts that name the care
  // (R-S11). Opting in takes back STOP ALL alone: a programme stopped on its own stays stopped
  // until the person starts it again.
  virtual void set_opted_out(std::int64_t contact_id, bool opted_out) = 0;
  // The person a message was for stopped messages at the aggregator (Twilio 21610, …): opted
  // out here too, so nothing else is queued or tried for them. Not once the person has a new
  // number (R-L6): the stop was the old SIM's. Delivery reports count against a number the
  // same way (R-S13). Returns the contact opted out, 0 for none.
  virtual std::int64_t opt_out_recipient(std::int64_t message_id) = 0;
  // STOP for one programme (R-S5): cancels what is still waiting to go to the contact in that
  // programme, and nothing of it is queued again until they opt back in; `out` false opts back in.
  virtual void set_programme_opt_out(std::int64_t contact_id, std::string_view programme, bool out) = 0;
  // The programme of the newest message to the contact on `channel_id` ("" for none): what
  // a STOP on that sender line means.
  virtual std::string last_programme(std::int64_t contact_id, std::string_view channel_id) = 0;
  // The programmes the contact stopped on their own, the newest stop first.
  virtual std::vector<std::string> stopped_programmes(std::int64_t contact_id) = 0;
  // True when the contact stopped everything, or `programme` (R-S5).
  virtual bool stopped(std::int64_t contact_id, std::string_view programme) = 0;
  // Erases the person's data (R-D6): number, language, fields, message texts, answers,
  // subscriptions, series, visits; what was queued is cancelled. If they had stopped
  // messages (all, or a programme's), a salted hash of the number keeps that (R-S7): the number
  // coming back is a new contact that starts stopped. False: no such contact (or erased before).
  virtual bool erase_contact(std::int64_t contact_id) = 0;
  // R-L6: the person now uses `m.phone` (E.164); store::change_number decides whether they may.
  // `m.absorbed` (0: none) is the contact the number had, holding nothing of its own: its
  // messages, inbound events, inbox items and conversations become the person's, and it is left
  // erased. The person's own open conversations end (they were on the old phone), and a stop
  // they made stays with the old number too, as a salted hash (R-S7), for whoever has it next.
  // What still waits to go to the person goes to the new number; failures counted against the
  // old one are forgotten (R-S13); series kept on the old number's clock move to the new one's.
  // Returns how many waiting messages now go to the new number.
  virtual std::int64_t move_number(std::int64_t contact_id, const number_move& m) = 0;
  // The stops kept as a hash of `phone` (R-S7: its holder erased, or moved to a new number):
  // the programmes, "" for everything.
  virtual std::vector<std::string> number_stops(std::string_view phone) = 0;
  // Until the transaction ends, nobody else gives `phone` to someone: a new contact
  // (upsert_contact) or a person's other number (store::add_number, change_number). With several
  // nodes, an SMS from a number an operator is adding waits, then finds it the person's; two
  // adds of one number are one after the other. (SQLite's one writer does this alone.)
  virtual void hold_number(std::string_view phone) = 0;
  // R-L6: the person also writes from `phone` (E.164; a second SIM), while what Paygham sends on
  // its own still goes to their main number. `absorbed` as in move_number: the contact the
  // number had, its conversations ended. store::add_number decides whether they may.
  virtual void add_number(std::int64_t contact_id, std::string_view phone,
                          std::int64_t absorbed) = 0;
  // Forgets one of the person's other numbers; a stop they made stays with it too, as a salted
  // hash (R-S7). False: not one of theirs.
  virtual bool remove_number(std::int64_t contact_id, std::string_view phone) = 0;
  // The person's other numbers, oldest first.
  virtual std::vector<std::string> other_numbers(std::int64_t contact_id) = 0;
  virtual contact_record find_contact_record(std::int64_t contact_id) = 0;
  // Whether others read SMS on the phone, "unknown", "yes" or "no" (the caller checks which),
  // and whether texts may name the person's care: only after a clear "no" (R-S11), so with
  // any other answer `explicit_texts` is stored as false. Turned off, the health workers'
  // reminders queued for the contact (written to name the care) are cancelled, with
  // care_named_reason. `recorded_by` says who recorded it (contact_record).
  virtual void set_phone_privacy(std::int64_t contact_id, std::string_view shared_phone, bool explicit_texts,
                                 std::string_view recorded_by) = 0;
  virtual void add_consent(std::int64_t contact_id, const consent& c) = 0;
  // The person wrote in: their number works, whatever failed before (R-S13).
  virtual void set_reachable(std::int64_t contact_id) = 0;
  // Records an inbound event once. Returns false when (channel_id, external_id) was seen
  // before: the caller acknowledges and does nothing else. Requires disk (require_disk).
  virtual bool record_inbound(std::string_view channel_id, std::string_view external_id,
                              std::string_view kind, std::int64_t contact_id, std::string_view body) = 0;
  // Keeps that the event came, not what it said (a flow with `keep_sms: false`).
  virtual void forget_inbound_body(std::string_view channel_id, std::string_view external_id) = 0;
};

// Flow runs: a USSD session or an SMS conversation stepping through a flow.
class runs_part {
 public:
  virtual ~runs_part() = default;
  virtual std::optional<run> find_run(std::int64_t run_id) = 0;
  virtual std::optional<run> find_session_run(std::string_view channel_id, std::string_view session_id) = 0;
  // The contact's run waiting for an SMS reply, if any.
  virtual std::optional<run> find_waiting_sms_run(std::int64_t contact_id) = 0;
  // The contact's USSD run of `flow_id` left unfinished by an earlier session and touched
  // at or after `since` (R-U12), if any.
  virtual std::optional<run> find_resumable_run(std::int64_t contact_id, std::string_view flow_id,
                                                std::string_view session_id, core::unix_ms since) = 0;
  // USSD runs still active with no hop since `before`: their sessions have dropped.
  virtual std::vector<run> stale_ussd_runs(core::unix_ms before, std::size_t limit) = 0;
  // Ends the contact's runs waiting for an SMS reply (a new flow takes over the phone), and lets
  // go of their answers (the state's variables, as runner::detail::end_run).
  virtual void expire_waiting_sms_runs(std::int64_t contact_id) = 0;
  // The same for the runs a series started (its `series` variable) alone: the series ended, and
  // its open question with it (a reply is then read as if it were not open).
  virtual void expire_series_questions(std::int64_t contact_id, std::int64_t series_id) = 0;
  // Inserts when r.id == 0 (and sets it), updates otherwise.
  virtual void save_run(run& r) = 0;
};

// Scheduled work.
class jobs_part {
 public:
  virtual ~jobs_part() = default;
  // A job is durable with the transaction that adds it; call require_disk() where the
  // promise it keeps must survive power loss.
  virtual void add_job(std::string_view kind, core::unix_ms due_at, std::string_view payload) = 0;
  // A job that waits for the person `contact_id` to answer the question open on their phone
  // (a newer question waits its turn since `since`): as add_job, and due at once on
  // wake_turn_jobs.
  virtual void add_turn_job(std::string_view kind, core::unix_ms due_at, std::string_view payload,
                            std::int64_t contact_id, core::unix_ms since) = 0;
  // The person answered: the jobs waiting for it are due now.
  virtual void wake_turn_jobs(std::int64_t contact_id) = 0;
  // Marks up to `limit` pending jobs due by now as done and returns them: the caller applies
  // them in this same transaction, so a job is applied exactly once, on one node (a job
  // another node's open transaction holds is skipped, not waited for).
  virtual std::vector<job> take_due_jobs(std::size_t limit) = 0;
  // When the earliest pending job falls due; 0 when none is pending (a virtual clock steps to it).
  virtual core::unix_ms next_job_due() = 0;
  // A due job nobody can apply (a kind or payload this build does not know): kept, marked
  // so, and never taken again.
  virtual void park_job(std::int64_t job_id, std::string_view why) = 0;
};

// Outbound messages and their history.
class messages_part {
 public:
  virtual ~messages_part() = default;
  // Queues an outbound message and records its first history event. Returns its id.
  // To a contact who opted out (R-S5) or is unreachable (R-S13), the message is recorded as
  // cancelled instead. A delivery report of delivered or failed counts for or against the
  // number (a send the aggregator refused, or gave up on, says nothing about the number).
  // Requires disk (require_disk).
  virtual std::int64_t queue_message(const new_message& m) = 0;
  // R-S9: the contact's routine (education) messages of `programme` not cancelled: how many
  // in the last day and the last week (rules.hpp: routine_day_ms, routine_week_ms).
  struct routine_count {
    std::int64_t today = 0;
    std::int64_t this_week = 0;
  };
  virtual routine_count routine_sent(std::int64_t contact_id, std::string_view programme) = 0;
  // Whether a message of `programme` waits to go to the contact (queued or retrying), other than
  // a routine one (an education lesson queued for its day, core::priority::bulk).
  virtual bool has_waiting(std::int64_t contact_id, std::string_view programme) = 0;
  // Moves up to `limit` of a channel's due messages to 'sending' (priority first, then due
  // time) under a lease held by this node, and returns them. Only the outbox calls this.
  virtual std::vector<claimed_message> claim_due(std::string_view channel_id, std::size_t limit) = 0;
  // Messages left in 'sending' whose lease has expired (their node died) go back to
  // 'retrying', due now, with a history event; at a node's start (`starting`) also those
  // whose lease is its own (its previous process died with them). A live node's sends,
  // this one's included, are never touched. Returns how many.
  virtual std::size_t requeue_in_flight(bool starting) = 0;
  // A channel's messages still waiting to be sent that were created before `before` (their
  // validity ended), or whose own expiry passed (an urgent alert's: claim_due never takes
  // them), become 'expired'. Returns how many.
  virtual std::size_t expire_unsent(std::string_view channel_id, core::unix_ms before) = 0;
  // The aggregator accepted message `id`: 'sent', with its id, parts and cost, unless a report
  // already moved it further. Reports that arrived for that id before this are applied now.
  virtual void record_sent(std::int64_t id, std::string_view external_id, std::string_view raw_code,
                           int parts, std::string_view cost) = 0;
  // A send that may succeed later: 'retrying' at `next_at` (history: the raw code and why).
  // `counted` false: the attempt was not the message's (the aggregator throttled us or refused
  // our credentials) and is given back, so max_attempts counts only the message's own.
  virtual void record_retry(std::int64_t id, core::unix_ms next_at, std::string_view raw_code,
                            std::string_view error, bool counted) = 0;
  // Messages sent before `before` with no final report: 'unconfirmed'. Returns how many.
  virtual std::size_t mark_unconfirmed(std::string_view channel_id, core::unix_ms before) = 0;
  // A channel's messages still awaiting a final report ('sent', or 'unconfirmed' past the
  // receipt deadline), sent at `since` or later, in the order they were sent (then by id),
  // from just after `after` on.
  virtual std::vector<awaiting> awaiting_report(std::string_view channel_id, core::unix_ms since,
                                                const awaiting& after, std::size_t limit) = 0;
  // The next `limit` of them for a poll: on from `after`, then from the oldest again, none
  // twice. Polling asks about them in turns, so a few that never get a final state do not
  // keep the aggregator from being asked about the rest.
  std::vector<awaiting> awaiting_in_turn(std::string_view channel_id, core::unix_ms since, const awaiting& after,
                                         std::size_t limit) {
    auto out = awaiting_report(channel_id, since, after, limit);
    if (out.size() == limit || after.id == 0) return out;
    for (auto& a : awaiting_report(channel_id, since, {}, limit - out.size())) {
      if (std::pair(a.sent_at, a.id) > std::pair(after.sent_at, after.id)) break;  // in `out` already
      out.push_back(std::move(a));
    }
    return out;
  }
  // Records a transition with its source and the aggregator's raw code (may be empty);
  // applies it unconditionally (the outbox's own moves).
  virtual void set_message_status(std::int64_t id, core::message_status s, std::string_view source,
                                  std::string_view raw_code, std::string_view external_id = {},
                                  std::string_view error = {}) = 0;
};

// Delivery reports as received, applied forward only (store/rules.hpp).
class reports_part {
 public:
  virtual ~reports_part() = default;
  // Applies a delivery report: matched by our reference, else by the aggregator's id.
  virtual applied_report apply_report(const core::delivery_report& r) = 0;
};

// An inbox item as people working it see it.
struct inbox_entry {
  std::int64_t id = 0;
  std::int64_t contact_id = 0;
  std::string phone;  // the writer's: the number it came from (read back only)
  std::string channel_id;
  std::string flow_id;     // "" : no flow took it; mine_safety: a hazard report
  std::string body;
  std::string status;      // new, read, done
  std::int64_t assigned_to = 0;  // a user; 0: nobody
  core::unix_ms created_at = 0;
  std::string area;               // a hazard report's province; "": none given
  std::string district;           // the district its place names (injil); "": none known
  std::int64_t duplicate_of = 0;  // possibly the same as this earlier report (R-M4); 0: none
  std::optional<bool> someone_hurt = {};  // a hazard report's answer: is someone hurt? none: not asked
  bool urgent = false;  // the words of someone in danger (R-H3)
  std::optional<bool> may_call = {};  // a hazard report's answer: may the team call back? none: not asked
};

struct inbox_filter {
  std::string status;  // "": any
  std::string flow;    // "": any
};

// What people wrote that no flow handles, for a person to read (R-S3).
class inbox_part {
 public:
  virtual ~inbox_part() = default;
  // Returns the item's number (a hazard report's reference).
  virtual std::int64_t add_inbox(const inbox_item& item) = 0;
  // Newest first: up to `limit` with an id below `before` (0: from the newest).
  virtual std::vector<inbox_entry> inbox_page(const inbox_filter& f, std::int64_t before, std::size_t limit) = 0;
  virtual std::optional<inbox_entry> find_inbox(std::int64_t id) = 0;
  // How many items the contact added since `since` (only the urgent ones: `urgent_only`).
  virtual std::int64_t inbox_items_since(std::int64_t contact_id, core::unix_ms since, bool urgent_only) = 0;
  // R-M4: the number of the first report of `flow_id` from `area` since `since` (a report every
  // 23 hours never chains one flag to a report weeks old) that may be from the same place: from
  // `district`, or where this report's or that one's district is not known ("");
  // 0 when there is none.
  virtual std::int64_t first_report_since(std::string_view flow_id, std::string_view area, std::string_view district,
                                          core::unix_ms since) = 0;
  // Its state (new, read, done) and who works on it (0: nobody).
  virtual void update_inbox(std::int64_t id, std::string_view status, std::int64_t assigned_to) = 0;
  // A hazard report's answer to "may the team call you back?", by the person who made it
  // (`contact_id`); false when the item is not theirs.
  virtual bool set_inbox_may_call(std::int64_t id, std::int64_t contact_id, bool may_call) = 0;
  // Words of someone hurt that came after the person's hazard report of run `run_id` said
  // nobody was ("my brother is injured" to "may the team call you?"): that report now says
  // someone is hurt, and is urgent. How many items changed.
  virtual std::size_t mark_reports_hurt(std::int64_t contact_id, std::int64_t run_id) = 0;
};

// A message repeated to one person at a local time of day (a daily medication reminder, R-H).
struct series {
  std::int64_t id = 0;
  std::int64_t contact_id = 0;
  std::string channel_id;    // sent on
  std::string programme;     // what a stop of it ends
  std::string template_key;  // the text, in the person's language when it goes
  int at_minute = 0;         // local time of day, minutes after midnight
  std::string time_zone;     // the person's
  bool active = true;        // false: ended, nothing more goes
  // Anchored (antenatal care): the days after `anchor_day` (days since 1970-01-01, a last
  // menstrual period) it goes on, in order. None: every day, or every week on `weekday`.
  std::optional<long long> anchor_day = {};
  std::vector<int> offsets = {};
  int weekday = 0;  // 1 (Monday) to 7: once a week on that day (a check-in, R-H3); 0: every day
  // A medicine refill's cycle: every `every_days` days from `from_day` (days since 1970-01-01,
  // the day before the first refill). 0: not such a series.
  int every_days = 0;
  long long from_day = 0;
  // Enrolled by a health worker (R-H): each occurrence starts `flow_id` at `node` by SMS (a
  // question the person acknowledges), and the worker hears when `misses` in a row go unanswered.
  // Pregnancy care with a `template_key` too says it, asking nothing, on the danger-sign days
  // between the visits (R-H5, actions::says_template).
  std::int64_t worker_id = 0;
  std::string flow_id = {};
  std::string node = {};
  int misses = 0;  // occurrences in a row without an acknowledgement
  core::unix_ms answered_at = 0;  // when the person last acknowledged one; 0: never
  // Paused until then (a patient in hospital, away): occurrences before it are skipped, not
  // sent and not counted as unanswered. 0: not paused.
  core::unix_ms paused_until = 0;
  // R-H3: flagged high risk by a health worker: a call about this person is high priority.
  bool high_risk = false;
};

class series_part {
 public:
  virtual ~series_part() = default;
  virtual std::int64_t add_series(const series& s) = 0;  // returns its id
  // How many series the health worker started since `since` (a cap on enrolling by SMS).
  virtual std::int64_t series_started_by(std::int64_t worker_id, core::unix_ms since) = 0;
  virtual std::optional<series> find_series(std::int64_t id) = 0;
  virtual void end_series(std::int64_t id) = 0;
  virtual void set_series_misses(std::int64_t id, int misses) = 0;
  // The person acknowledged it now: no misses in a row, and answered_at is now.
  virtual void series_answered(std::int64_t id) = 0;
  virtual void set_series_paused(std::int64_t id, core::unix_ms until) = 0;  // 0: resumed
  // The contact's series of `programme` still running.
  virtual std::vector<series> active_series(std::int64_t contact_id, std::string_view programme) = 0;
  // Every series of the contact still running, whatever its programme.
  virtual std::vector<series> running_series(std::int64_t contact_id) = 0;
  // R-H3: a health worker flags a pregnancy as high risk (or no longer).
  virtual void set_series_high_risk(std::int64_t id, bool high_risk) = 0;
  // Cancels what of `programme` is still waiting to go to the contact, recording `reason`
  // (R-H7: when a series ends, nothing more of it goes, queued messages included).
  virtual void cancel_queued(std::int64_t contact_id, std::string_view programme, std::string_view reason) = 0;
  // The same for one series (paused or ended): the person's other series go on.
  virtual void cancel_series_queued(std::int64_t series_id, std::string_view reason) = 0;
};

// People who work with Paygham. A health worker has a phone and a PIN for the health-worker
// USSD menu and belongs to one facility (a clinic of the clinics file).
struct user {
  std::int64_t id = 0;
  std::string name;
  std::string role;       // admin, operator, health_worker (rules.hpp: known_role)
  std::string facility;   // a clinic id; empty for admins and operators
  std::string phone;      // E.164; empty: none
  std::string pin_hash;   // Argon2id, libsodium's string form; empty: no PIN
  int failed_pins = 0;    // wrong PINs in a row
  core::unix_ms locked_until = 0;
  bool disabled = false;
  // The web console: a login name and an Argon2id password hash (both empty: no console).
  std::string login;
  std::string password_hash;
  int failed_logins = 0;  // wrong passwords in a row
  core::unix_ms login_locked_until = 0;
  // Duty hours on the user's own phone's clock ("08:00-16:00"; ""): an operator's are when a
  // hazard report nobody is hurt in reaches them ("": within sending hours, R-M4); a health
  // worker's, when an urgent call goes to them rather than to a colleague on duty ("": at any
  // hour, R-H3, actions::on_duty).
  std::string duty = {};
  // A health worker who supervises their clinic: told when a patient there must be called
  // within a working day (R-H3, call_priority::high).
  bool supervisor = false;
};

class users_part {
 public:
  virtual ~users_part() = default;
  // Returns the new user's id; throws when the phone belongs to another user.
  virtual std::int64_t add_user(const user& u) = 0;
  virtual std::optional<user> find_user(std::int64_t id) = 0;
  virtual std::optional<user> find_user_by_phone(std::string_view phone) = 0;
  virtual std::vector<user> list_users() = 0;
  // After a PIN try: wrong ones in a row, and the end of a lockout (0: none).
  virtual void set_pin_failures(std::int64_t id, int failed, core::unix_ms locked_until) = 0;
  virtual void set_pin(std::int64_t id, std::string_view pin_hash) = 0;  // and unlocks
  // Disabling also ends the user's console sessions. A health worker who leaves is disabled by
  // actions::disable_user, which hands their patients over too.
  virtual void set_user_disabled(std::int64_t id, bool disabled) = 0;
  // A health worker's running series and open calls become `to`'s: how many of each moved.
  struct moved_patients {
    std::int64_t series = 0, calls = 0;
  };
  virtual moved_patients move_patients(std::int64_t from, std::int64_t to) = 0;
  virtual void set_user_supervisor(std::int64_t id, bool supervisor) = 0;
  // The user's duty hours ("08:00-16:00"; "": none), as user::duty.
  virtual void set_user_duty(std::int64_t id, std::string_view duty) = 0;
  virtual std::optional<user> find_user_by_login(std::string_view login) = 0;
  // A new password unlocks the login and ends every console session the user had.
  virtual void set_password(std::int64_t id, std::string_view password_hash) = 0;
  virtual void set_login_failures(std::int64_t id, int failed, core::unix_ms locked_until) = 0;
};

// How soon a health worker should call (R-H3), the most pressing first: `urgent` (words of
// someone in danger), `high` (within one working day, and the clinic's supervisor is told: two
// missed visits in a row, a missed antenatal contact from week 36, a high-risk pregnancy),
// `normal`, `low` (a weekly check-in left unanswered). Stored as its number.
enum class call_priority { urgent = 0, high = 1, normal = 2, low = 3 };
const char* to_string(call_priority p);

// A patient a health worker should call (R-H3): reminders went unacknowledged.
struct escalation {
  std::int64_t id = 0;
  std::int64_t worker_id = 0;
  std::int64_t contact_id = 0;
  std::int64_t series_id = 0;
  std::string reason;  // no_reply, urgent, … (docs/api.md, escalations)
  int misses = 0;      // unanswered reminders in a row when it was raised
  std::string phone;   // the patient's (read back only)
  core::unix_ms created_at = 0;
  call_priority priority = call_priority::normal;
  core::unix_ms told_at = 0;  // when the worker was told of it by SMS, as it is now (0: not)
};

class escalations_part {
 public:
  virtual ~escalations_part() = default;
  // Raises it unless one is open for the series; returns its id, or 0 when one was open (and
  // kept). A reason that replaces_open_escalation() takes over the open one (never one the person
  // asked for: call_asked_reason), and a more pressing
  // priority raises it (its reason kept); then its id is returned, for the worker to hear of it.
  // Either change forgets when the worker was told of it.
  virtual std::int64_t escalate(const escalation& e) = 0;
  // An open escalation becomes more pressing (never less), its reason kept, and forgets when
  // the worker was told of it; false when it is not open or already as pressing.
  virtual bool raise_escalation(std::int64_t id, call_priority p) = 0;
  // The worker was told of an open escalation by SMS now (escalation::told_at).
  virtual void escalation_told(std::int64_t id) = 0;
  // A worker's open escalations: the most pressing first, then oldest first.
  virtual std::vector<escalation> open_escalations(std::int64_t worker_id) = 0;
  // The open escalations of every worker of a clinic ("": of every clinic), in that order.
  virtual std::vector<escalation> open_escalations_at(std::string_view facility) = 0;
  // One escalation, while it is open (whoever has it now).
  virtual std::optional<escalation> find_open_escalation(std::int64_t id) = 0;
  // Closes one of the worker's open escalations (they called); false when it is not theirs or
  // not open.
  virtual bool resolve_escalation(std::int64_t id, std::int64_t worker_id) = 0;
  // The patient answered again: the series' open escalation closes by itself, unless it is a
  // call the patient asked for (call_asked_reason) or about a medicine not taken
  // (not_taken_reason), which stay until the worker calls.
  virtual void resolve_series_escalations(std::int64_t series_id) = 0;
  // R-H3: the open high calls of a clinic's workers nobody was told of yet are
  // marked told now; returns how many. And when a clinic's supervisors were last told (0: never).
  virtual std::int64_t mark_high_calls_told(std::string_view facility) = 0;
  virtual core::unix_ms high_calls_told_at(std::string_view facility) = 0;
  // R-H3: the clinic's high calls still open that its supervisors were told of at or before
  // `told_before` and not yet told of again are marked told again now; returns how many.
  virtual std::int64_t mark_overdue_calls_told(std::string_view facility, core::unix_ms told_before) = 0;
};

// A place in a clinic's window on a day (R-B1): held while a person chooses over USSD (R-B2),
// then booked with a short code (R-B3); cancelled, attended or missed after.
enum class booking_status { held, released, booked, cancelled, attended, missed };
const char* to_string(booking_status s);

// A clinic's week as reception changed it (appointments_part::set_clinic_hours).
struct clinic_hours {
  std::string week;  // schedule::week_json
  std::string changed_by;
  core::unix_ms changed_at = 0;
};

struct booking {
  std::int64_t id = 0;
  std::int64_t contact_id = 0;
  std::int64_t run_id = 0;  // the run that holds or booked it; 0: none (the API)
  std::string channel_id;   // its messages go on
  std::string clinic;
  std::string service;
  long long day = 0;        // days since 1970-01-01, on the clinic's calendar
  int window_from = 0;      // minutes after midnight, the clinic's clock
  int window_to = 0;
  core::unix_ms starts_at = 0;
  std::string code;         // 4 digits, unique per clinic and day
  booking_status status = booking_status::held;
  std::string for_whom = "self";  // "self", or someone else on the phone: "child-2" (R-B4, actions::client)
  core::unix_ms hold_until = 0;   // held: the place is kept until then
  std::string reminder_answer;    // the day-before reminder's: "coming", "none" (unconfirmed); "": not asked
};

class bookings_part {
 public:
  virtual ~bookings_part() = default;
  // How many places each window of a clinic's service has taken on each day from `first_day`
  // to `last_day`, by (day, window_from): booked ones and those held until after now, except
  // what `except_run` holds (a person changing their mind does not compete with themself).
  virtual std::map<std::pair<long long, int>, int> slot_use(std::string_view clinic, std::string_view service,
                                                            long long first_day, long long last_day,
                                                            std::int64_t except_run) = 0;
  // Takes a place in b's window if fewer than `capacity` are taken, as b.status (held until
  // b.hold_until, or booked) with a fresh code; first lets go of anything b.run_id held.
  // Serialised per clinic and day across nodes, so capacity holds under concurrent bookings.
  // Returns the booking with its id and code, or nullopt when the window is full or the clinic
  // closed that day.
  virtual std::optional<booking> take_slot(booking b, int capacity) = 0;
  // What a run holds now (held, and not past hold_until).
  virtual std::optional<booking> find_hold(std::int64_t run_id) = 0;
  virtual std::optional<booking> find_booking(std::int64_t id) = 0;
  // The booking with `code` at a clinic on a day (reception's lookup, R-B3).
  virtual std::optional<booking> find_booking_by_code(std::string_view clinic, long long day, std::string_view code) = 0;
  // A contact's bookings still ahead (booked, starting after now), soonest first.
  virtual std::vector<booking> upcoming_bookings(std::int64_t contact_id) = 0;
  // R-B4: whom else on the phone the contact has booked for (the bookings' `for`, never "self"),
  // each once, in the order first booked; a hold names nobody until it is booked.
  virtual std::vector<std::string> visit_clients(std::int64_t contact_id) = 0;
  // The services of the contact's own visits (for themselves, not someone else on the phone)
  // booked, attended or missed, starting since `since`, each once (R-H8: a counselling client).
  // Holds let go and cancelled bookings do not count.
  virtual std::vector<std::string> own_visit_services(std::int64_t contact_id, core::unix_ms since) = 0;
  // The contact's last `limit` visits of `service` for `for_whom` that were marked attended or
  // missed, newest first (R-B7: two missed in a row and self-booking waits for a call).
  virtual std::vector<booking> marked_visits(std::int64_t contact_id, std::string_view service,
                                             std::string_view for_whom, int limit) = 0;
  // Whether the contact booked a visit of `service` for `for_whom` after booking `after_id`
  // that still stands or was marked (booked, attended or missed; whenever it starts): R-H3, a
  // day was chosen again, even one that has begun since.
  virtual bool booked_again(std::int64_t contact_id, std::string_view service, std::string_view for_whom,
                            std::int64_t after_id) = 0;
  // A clinic's visits on a day (booked, attended, missed, cancelled), in the day's order: the
  // list reception works from.
  virtual std::vector<booking> bookings_on(std::string_view clinic, long long day) = 0;
  // booked → cancelled, attended or missed. A cancel frees the place at once.
  virtual void set_booking_status(std::int64_t id, booking_status s) = 0;
  // held → booked, only while it is still held: false when it was let go meanwhile (a clinic
  // closure on another node, R-B5), so a place on a closed day never becomes a booking.
  virtual bool book_hold(std::int64_t id) = 0;
  // The answer to the day-before reminder: "none" while none came (R-H3: unconfirmed; nobody
  // asks again), "coming".
  virtual void set_reminder_answer(std::int64_t id, std::string_view answer) = 0;
  // R-B5: a day a clinic closed after its file was written (reception, an emergency), by whom
  // (as the audit log names them): no visit is offered or booked on it, and the places held
  // on it are let go. Serialised with take_slot per clinic and day, so no booking slips in.
  // False when it was closed already. Reopening makes it bookable again (false: it was not
  // closed).
  virtual bool close_clinic_day(std::string_view clinic, long long day, std::string_view by) = 0;
  virtual bool reopen_clinic_day(std::string_view clinic, long long day) = 0;
  // Of the days from first_day to last_day, those the clinic closed, in order.
  virtual std::vector<long long> closed_clinic_days(std::string_view clinic, long long first_day, long long last_day) = 0;
  // R-B1: a clinic's week (its weekdays and windows, schedule::week_json) as reception changed
  // it, in place of the clinics file's until cleared; by whom, as the audit log names them.
  // Clearing is false when there was nothing to clear.
  virtual void set_clinic_hours(std::string_view clinic, std::string_view week, std::string_view by) = 0;
  virtual bool clear_clinic_hours(std::string_view clinic) = 0;
  virtual std::optional<clinic_hours> find_clinic_hours(std::string_view clinic) = 0;
};

// Who asked for a programme's alerts about an area (mine safety: a province or a border
// route), and the alerts and education messages sent to them (R-M).
struct broadcast {
  std::int64_t id = 0;
  std::string topic;         // the programme: mine_safety; a stop of it stops its broadcasts
  std::string area;          // the subscribers of this area; empty: of every area
  std::string route;         // and of them, those who come by this crossing or route (R-M1); empty: any
  // And of them, those in this district (the districts file's name: injil); empty: any. With
  // unknown_district, also those whose district is not known (none given, or words no district's
  // spellings match): they may be there, and an alert is safer sent.
  std::string district;
  bool unknown_district = true;
  std::string template_key;  // the text, in each person's language
  core::priority prio = core::priority::bulk;  // alert: first in the outbox, at any hour
  core::unix_ms not_before = 0;  // sending hours: not sent before this instant
  bool done = false;         // every subscriber has a message queued
  std::int64_t cursor = 0;   // the last contact queued (contacts go in id order)
  std::int64_t audience = 0;  // subscribers when it was created
  std::int64_t queued = 0;   // messages queued so far
  // Who asked for it and who approved it, as the audit log names them (user:3, token:2,
  // cli:amina). An urgent alert waits for a second person (R-M3): approved_by stays empty
  // until then; anything else is approved by whoever asks.
  std::string requested_by;
  std::string approved_by;
  bool cancelled = false;      // refused before it went: nothing is queued
  core::unix_ms expires_at = 0;  // what is still unsent then is expired, never sent late; 0: never
  bool awaiting_approval() const { return approved_by.empty() && !cancelled; }
};

// A person's subscription to a programme's alerts for an area (R-M1).
struct subscription {
  std::string topic;
  std::string area;      // the province: herat
  std::string district;  // where in it, as the person wrote it ("" when not asked)
  std::string route;     // the crossing or route they come by: islam_qala ("" when not asked)
  std::string channel_id;
  core::unix_ms created_at = 0;  // when they subscribed first
  core::unix_ms expires_at = 0;  // 0: never
  std::string district_key;  // the district the words name (the districts file's: injil); "": none
};

// What subscribers of an area wrote as their district, how many wrote it so, and the district
// it is taken for ("" for none).
struct written_district {
  std::string area;
  std::string written;
  std::string district;
  std::int64_t people = 0;
};

// What a transfer code moved (R-M2): the old number's contact and its areas.
struct moved_subscriptions {
  std::int64_t from_contact = 0;
  std::vector<std::string> areas;
};

class broadcasts_part {
 public:
  virtual ~broadcasts_part() = default;
  // Subscribes the contact to `area` of `topic`, for messages on `channel_id`, until
  // `expires_at` (0: for good), with the district and route they gave (and the district the
  // words name, by the districts file); again: the channel and the end change (a renewal), and
  // the district and route when given ("" keeps them).
  virtual void subscribe(std::int64_t contact_id, std::string_view topic, std::string_view area,
                         std::string_view channel_id, core::unix_ms expires_at = 0, std::string_view district = {},
                         std::string_view route = {}, std::string_view district_key = {}) = 0;
  // Every way subscribers wrote their district, by area.
  virtual std::vector<written_district> written_districts() = 0;
  // Takes what subscribers of `area` wrote as `written` for `district` ("": none); returns how
  // many subscriptions changed.
  virtual std::size_t take_district(std::string_view area, std::string_view written, std::string_view district) = 0;
  // The contact's subscriptions, by topic and area.
  virtual std::vector<subscription> subscriptions_of(std::int64_t contact_id) = 0;
  // When the contact's subscription to `area` of `topic` ends (0: never); nothing when there
  // is none.
  virtual std::optional<core::unix_ms> subscription_end(std::int64_t contact_id, std::string_view topic,
                                                        std::string_view area) = 0;
  // Whether the contact is subscribed to `topic`, in any area.
  virtual bool subscribed(std::int64_t contact_id, std::string_view topic) = 0;
  // Ends it if it still ends at `expires_at` (not renewed since); returns whether it did.
  virtual bool end_subscription(std::int64_t contact_id, std::string_view topic, std::string_view area,
                                core::unix_ms expires_at) = 0;
  // The people a broadcast would reach now: subscribers to its topic (in its area, coming by its
  // route, in its district, when it names them) who have not stopped it, everything, or been found unreachable.
  virtual std::int64_t count_audience(const broadcast& b) = 0;
  // Stores a broadcast to queue (its audience counted now); returns its id.
  virtual std::int64_t add_broadcast(const broadcast& b) = 0;
  virtual std::optional<broadcast> find_broadcast(std::int64_t id) = 0;
  // Newest first: up to `limit` with an id below `before` (0: from the newest).
  virtual std::vector<broadcast> broadcasts_page(std::int64_t before, std::size_t limit) = 0;
  // The second person's approval of a broadcast awaiting it: false when it is not awaiting
  // one, or `by` is who asked for it.
  virtual bool approve_broadcast(std::int64_t id, std::string_view by) = 0;
  // Stops a broadcast found wrong: one awaiting approval is refused (nothing was queued); one
  // under way queues nobody more, and its messages not yet sent (held for sending hours, or
  // waiting their turn) are cancelled; those in flight still go. How many were cancelled, or
  // nothing when there was nothing left to stop (cancelled before, or every message went).
  virtual std::optional<std::size_t> cancel_broadcast(std::int64_t id) = 0;
  // Past its expiry: nothing more is queued, and its messages waiting are expired (those in
  // flight then are never sent again: claim_due skips expired messages). Returns how many.
  virtual std::size_t expire_broadcast(std::int64_t id) = 0;
  // Queues the broadcast's message for up to `limit` more subscribers (the text of each one's
  // language from `bodies`, else `fallback`), one set-based insert per batch with its history,
  // and moves the cursor on; marks it done after the last.
  struct batch_queued {
    std::size_t messages = 0;
    bool done = true;  // nobody is left (or no such broadcast)
    // Unless it is an alert, the batch's queued messages to people with quiet hours of their
    // own (R-S8), for the caller to hold (hold_message).
    struct own_hours {
      std::int64_t message_id = 0;
      std::string phone;
      std::string quiet_hours;
    };
    std::vector<own_hours> own = {};
    // The batch's people: contacts after `from_contact` up to `to_contact` (rebody_broadcast).
    std::int64_t from_contact = 0, to_contact = 0;
  };
  virtual batch_queued queue_broadcast_batch(std::int64_t id, const std::map<std::string, std::string>& bodies,
                                             std::string_view fallback, std::size_t limit) = 0;
  // A queued message goes no earlier than `until` (a person's own sending hours).
  virtual void hold_message(std::int64_t id, core::unix_ms until) = 0;
  // Sending hours are those of each number's country (R-S8): one number of each start (the
  // first `number_start` characters, "+9891": enough for its calling code, which names the
  // country) that a batch's queued messages go to, of people without quiet hours of their own;
  // hold_broadcast then holds those of a start until `until`, and says how many it held.
  static constexpr std::size_t number_start = 5;
  virtual std::vector<std::string> batch_numbers(std::int64_t id, std::int64_t from_contact,
                                                 std::int64_t to_contact) = 0;
  virtual std::size_t hold_broadcast(std::int64_t id, std::int64_t from_contact, std::int64_t to_contact,
                                     std::string_view start, core::unix_ms until) = 0;
  // The queued messages of a batch (its contacts after `from_contact` up to `to_contact`) to
  // numbers beginning `phone_prefix` ("+98") get these bodies instead, by the person's language,
  // `fallback` for the rest: a text naming the emergency number of their country (R-H6).
  virtual void rebody_broadcast(std::int64_t id, std::int64_t from_contact, std::int64_t to_contact,
                                std::string_view phone_prefix, const std::map<std::string, std::string>& bodies,
                                std::string_view fallback) = 0;
  // The broadcast's messages by state ("queued" → 120, "delivered" → 4000, …).
  virtual std::map<std::string, std::int64_t> broadcast_progress(std::int64_t id) = 0;
  // R-M2: a code the person can send from a new SIM to move their subscriptions of `topic`
  // there. False when the code is taken (unused and unexpired) by someone else: draw another.
  virtual bool add_transfer_code(std::int64_t contact_id, std::string_view topic, std::string_view code,
                                 core::unix_ms expires_at) = 0;
  // Moves the subscriptions of `topic` of the code's contact to `to_contact`, on `channel_id`, if
  // the code is unused and unexpired; the old number's go, the code is used up. Returns whose
  // they were and the areas moved (sorted); nullopt for a code that cannot be used. The code's
  // own contact moves nothing and keeps the code (no areas): it is for a new SIM.
  virtual std::optional<moved_subscriptions> use_transfer_code(std::string_view code, std::string_view topic,
                                                               std::int64_t to_contact, std::string_view channel_id) = 0;
  // Wrong codes sent by a contact since `since` (against guessing), and recording one.
  virtual int transfer_failures(std::int64_t contact_id, core::unix_ms since) = 0;
  virtual void add_transfer_failure(std::int64_t contact_id) = 0;
};

// Machines that call the REST API: a token with a role (and a facility for a health worker's
// system). Only a SHA-256 hash of the token is kept; the token is shown once, when made.
struct api_token {
  std::int64_t id = 0;
  std::string name;
  std::string role;       // admin, operator, health_worker
  std::string facility;   // health_worker: the clinic whose patients it may see
  std::string hash;       // hex SHA-256 of the token
  core::unix_ms created_at = 0;
  bool revoked = false;
  // A console session is a token too: the user who logged in, and when it ends (0: never,
  // machines' tokens).
  std::int64_t user_id = 0;
  core::unix_ms expires_at = 0;
};

// A message as the API shows it, with every state it went through.
struct message_view {
  struct event {
    std::string status;
    std::string source;    // runner, outbox, report, broadcast, api, …
    std::string raw_code;  // the aggregator's code, as received
    bool applied = true;   // false: recorded, not applied (a late report)
    core::unix_ms at = 0;
  };
  std::int64_t id = 0;
  std::string channel_id;
  std::string to_phone;
  std::string body;
  int priority = 0;
  std::string status;
  std::string programme;
  std::string error;
  std::int64_t broadcast_id = 0;
  core::unix_ms created_at = 0;
  core::unix_ms updated_at = 0;
  std::vector<event> history;
};

struct audit_entry {
  std::int64_t id = 0;
  core::unix_ms at = 0;
  std::string actor;
  std::string action;
  std::string target;
  std::string detail;  // JSON
};

// Which messages a page lists (empty: any).
struct message_filter {
  std::string to_phone;
  std::int64_t contact_id = 0;  // a person's, whichever of their numbers they went to (R-L6)
  std::int64_t broadcast_id = 0;
  std::string status;
};

class access_part {
 public:
  virtual ~access_part() = default;
  virtual std::int64_t add_token(const api_token& t) = 0;
  // The live (not revoked, not expired) token with this hash.
  virtual std::optional<api_token> find_token(std::string_view hash) = 0;
  // Machines' tokens (console sessions are not listed).
  virtual std::vector<api_token> list_tokens() = 0;
  // False when there is no such live token.
  virtual bool revoke_token(std::int64_t id) = 0;
  // Appends to the audit log (never changed afterwards): who (token:3, user:1, cli), what
  // (messages.send), on what (message:42), and details as JSON.
  virtual void audit(std::string_view actor, std::string_view action, std::string_view target,
                     std::string_view detail_json) = 0;
  // How many entries this transaction has appended so far: the API refuses a change that left
  // none.
  virtual std::int64_t audit_entries_made() const = 0;
  // A message with its history, for the API.
  virtual std::optional<message_view> find_message(std::int64_t id) = 0;
  // Pages, newest first: up to `limit` with an id below `before` (0: from the newest).
  // `target` ("flow:appointments.yaml"): only its entries; "": every entry.
  virtual std::vector<audit_entry> audit_page(std::int64_t before, std::size_t limit, std::string_view target) = 0;
  virtual std::vector<message_view> messages_page(const message_filter& f, std::int64_t before,
                                                  std::size_t limit) = 0;  // without history
};

// What is kept of people no longer than this (R-D3): each a time, 0 for "keep it".
struct retention_before {
  core::unix_ms texts = 0;
  core::unix_ms visits = 0;
  core::unix_ms deliveries = 0;
  core::unix_ms reporters = 0;
  // A reporter who agreed to be called back stays while their report is open, but not if it
  // was made before this (0: no such limit).
  core::unix_ms callbacks = 0;
};

// The gateway's nodes (one with SQLite).
class nodes_part {
 public:
  virtual ~nodes_part() = default;
  // Records that this node is alive now and returns how many nodes were alive within
  // `window_ms` (this one included): a channel's rate is shared among them.
  virtual int heartbeat(std::int64_t window_ms) = 0;
  // A channel is paused for every node until `until` (its aggregator unreachable or
  // throttling us, our credentials refused): a later pause extends it, an earlier one changes nothing.
  virtual void pause_channel(std::string_view channel_id, core::unix_ms until, std::string_view reason) = 0;
  // The channels paused now, each with the end of its pause.
  virtual std::map<std::string, core::unix_ms> channel_pauses() = 0;
  // Finished jobs, delivery reports and reports nobody claimed older than `before` are
  // deleted, up to `limit` rows of each. Returns how many rows went.
  virtual std::size_t prune(core::unix_ms before, std::size_t limit) = 0;
  // R-D3: personal data past its retention goes, up to `limit` rows of each kind (0 in `before`
  // keeps that kind): the words of messages written before `texts` (sent ones once final,
  // received ones, inbox items done) and the screens a finished session kept for retries;
  // visits that began before `visits`; messages written before `deliveries`, once final, with
  // their history and reports, leaving their counts by hour, channel and state (delivery_counts
  // reads them); hazard reports (those with an area or an answer to "is anyone hurt") made
  // before `reporters` lose who sent them, except one whose reporter agreed to be called back:
  // that keeps them until an operator marked it done before `reporters`, or it was made before
  // `callbacks`. A table's rows go in id order, and one still in use
  // holds back those after it. Returns the rows changed or deleted.
  virtual std::size_t forget_past(const retention_before& before, std::size_t limit) = 0;
};

class tx : public contacts_part, public runs_part, public jobs_part, public messages_part,
           public reports_part, public inbox_part, public series_part, public bookings_part,
           public broadcasts_part, public users_part, public escalations_part, public access_part,
           public nodes_part {
 public:
  core::unix_ms now() const { return now_; }

  // This work has effects that must survive power loss before anyone is told (a message
  // queued, a booking made), even if it was submitted with durability::commit.
  void require_disk() { disk_required_ = true; }
  bool disk_required() const { return disk_required_; }

  // Runs `fn` in a savepoint: if it throws, its writes are undone and the message returned;
  // the rest of the transaction goes on. Empty when it succeeded.
  virtual std::string attempt(const std::function<void()>& fn) = 0;

 protected:
  explicit tx(core::unix_ms now) : now_(now) {}
  // The writer starts each work item afresh.
  void begin_item() { disk_required_ = false; }

 private:
  core::unix_ms now_;
  bool disk_required_ = false;
};

}  // namespace paygham::store
