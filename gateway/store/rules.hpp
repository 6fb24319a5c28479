// The store's domain rules as pure functions, shared by both engines: what a delivery report
// does to a message, and reading a stored state name.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/event.hpp"

namespace paygham::store {

enum class report_outcome;
enum class run_status;
enum class medium;
enum class booking_status;
enum class call_priority;
struct series;

// R-D3: a row read in id order from a retention mark: when it was written, and whether nothing
// is still to be done with it (a message sent, a session ended).
struct retention_row {
  std::int64_t id = 0;
  std::int64_t written = 0;
  bool done = false;
};
// The id up to which every row was written before `before` and is done (the mark moves there);
// 0 when the first is not. A row still in use holds back the rows after it, so none is ever
// passed over.
std::int64_t retention_reach(const std::vector<retention_row>& rows, std::int64_t before);

// R-L6: the tables whose rows a contact taken in by a number change hands over to the person
// (tx::move_number, both engines): what it sent and was sent, and its conversations.
inline constexpr std::array<std::string_view, 8> rows_of_a_contact{
    "inbound_events", "flow_runs", "outbound_messages", "inbox",
    "escalations",    "series",    "bookings",          "transfer_failures"};

// A state name as stored ("delivered"); nullopt for anything else.
std::optional<core::message_status> parse_status(std::string_view name);

// What a report of `reported` does to a message in `current`. `seen_before`: the history
// already has this report (same state and raw code) from an aggregator.
//   applied: the message moves forward; confirmed: first report of the state it is in;
//   duplicate: the same report again; regression: it would move the message back (a late
//   'sent' after 'delivered', a second final state): recorded, not applied.
report_outcome judge_report(core::message_status current, core::message_status reported, bool seen_before);

// A run's status and medium as stored ("waiting", "sms"); nullopt for anything else.
std::optional<run_status> parse_run_status(std::string_view name);
std::optional<medium> parse_medium(std::string_view name);

// A contact's fields as stored (a JSON object of strings); other values as their JSON text,
// anything but an object as none.
std::map<std::string, std::string> parse_fields(const std::string& json);

// A send reply ('sent') moves a message on only from where a send can start.
bool send_reply_applies(core::message_status current);

// R-S13: a number whose messages failed this many times in a row is sent nothing more until
// the person writes in again (numbers are reassigned; returnees change SIMs).
inline constexpr int failures_before_unreachable = 3;

// What a delivery report's state says about the number: delivered (it works: the count of
// failures starts again), failed (the network could not deliver: one more in a row), or
// nothing (on its way).
enum class reach_signal { none, delivered, failed };
reach_signal reach_signal_of(core::message_status st);

// A series' days after its anchor as stored (a JSON list of integers), and back; anything
// else reads as none.
std::string offsets_to_string(const std::vector<int>& days);
std::vector<int> parse_offsets(const std::string& json);

// Why a message for a contact is recorded as cancelled instead of queued, as its error says
// it; empty when it may go.
std::string held_back_reason(bool opted_out, bool unreachable, std::string_view programme_stopped = {});

// R-S11: texts may name a person's care only when they asked for it and said nobody else reads
// SMS on their phone; any other answer ("yes", "unknown") means neutral texts only.
inline bool may_name_care(std::string_view shared_phone, bool asked) { return asked && shared_phone == "no"; }
// Why a reminder written to name the care, still queued when that was turned off, is not sent.
inline constexpr const char* care_named_reason =
    "it names the care, and the phone may now be read by others (R-S11): the next reminder is neutral";

// R-S9: routine messages (education, P3) per contact and programme: at most one a day and
// three a week. A broadcast's message over the cap is recorded as cancelled with this reason.
inline constexpr int routine_per_day = 1;
inline constexpr int routine_per_week = 3;
inline constexpr std::int64_t routine_day_ms = 86'400'000;  // the windows they are counted in
inline constexpr std::int64_t routine_week_ms = 7 * routine_day_ms;
inline constexpr const char* frequency_cap_reason =
    "frequency cap: this programme's routine messages are at most 1 a day and 3 a week per person (R-S9)";
// Whether a person who got `today` routine messages of a programme in the last 24 hours and
// `this_week` in the last 7 days is at the cap.
inline bool at_routine_cap(std::int64_t today, std::int64_t this_week) {
  return today >= routine_per_day || this_week >= routine_per_week;
}
// A person taking a programme's lessons gets none of its education broadcasts: under the cap,
// a broadcast a day ahead of each lesson would put it off a day at a time, for ever.
inline constexpr const char* lessons_first_reason =
    "in this programme's lessons: its education broadcasts wait until they end (frequency cap, R-S9)";
// A series a flow runs for the person with no health worker behind it is routine: the
// mine-safety lessons (P3 of R-M3). Its messages count under the cap (an education broadcast
// the same day is held back), and one due while the person is at the cap waits a day.
inline bool routine_series(std::int64_t worker_id, std::string_view flow_id) {
  return worker_id == 0 && !flow_id.empty();
}

// R-S7: how an opted-out number is kept after the person's data is erased: hex SHA-256 of the
// deployment's salt and the E.164 number.
std::string suppression_hash(std::string_view salt, std::string_view e164);

// R-D4: reader::log_key from the deployment's salt, and what a log line shows beside a masked
// number: 12 hex digits, the same for one number in every line, that only the salt's holder
// could match to a number.
std::string log_key_from(std::string_view salt);
std::string number_pseudonym(std::string_view log_key, std::string_view e164);

// R-D2: how a transfer code (R-M2) is kept: hex SHA-256 of the deployment's salt, "transfer:"
// and the code, never the code itself. (PostgreSQL's migration 49 computes the same in SQL.)
std::string transfer_code_hash(std::string_view salt, std::string_view code);

// A booking status as stored ("booked"); nullopt for anything else.
std::optional<booking_status> parse_booking_status(std::string_view name);

// The code of the `n`th booking tried at a clinic on a day (n from 0): four digits, spread so
// that neighbours differ (R-B3). The store tries n, n+1, … until one is free that day.
std::string booking_code(std::string_view clinic, long long day, int n);

// R-S13: a phone that says the reminders are not wanted on it ("not_wanted"), R-H7: a person
// who asks for a call ("call_asked"), and R-H3: a medicine said not taken ("not_taken"), is
// what the health worker must see, whatever put the patient on their call list first
// (unanswered reminders): it replaces the reason of the series' open escalation. Any other
// reason leaves an open one as it is.
// A call priority as the API names it ("high"); nullopt for anything else.
std::optional<call_priority> parse_call_priority(std::string_view name);

// What reminders a series is, as the API and the audit log name it: "pregnancy" (anchored to a
// last period), "checkin" (weekly, R-H3), "refill" (a medicine refill every so many days) or
// "medicine" (every day).
std::string_view series_kind(const series& s);

// R-H3, R-H7: a person who asked for a call. Their call keeps this reason whatever comes after
// (a "no" to the six-monthly question does not make it look like a number to check), and an
// answer to a reminder closes the series' open call for any other reason (the phone is read, which is what a call for unanswered reminders
// or a silent six-monthly question was for), never this one: it is still to make, whatever
// they answer next ("I am well" a week after "I need help"). tx::resolve_series_escalations.
inline constexpr std::string_view call_asked_reason = "call_asked";

// R-H3: a medicine reminder answered "Not done" («نخوردم») as the second missed in a row. The
// call is about the medicine, not whether the phone is read: a later "Done" does not close it
// (tx::resolve_series_escalations), and it takes over a call for reminders left unanswered.
inline constexpr std::string_view not_taken_reason = "not_taken";

inline bool replaces_open_escalation(std::string_view reason) {
  return reason == "not_wanted" || reason == call_asked_reason || reason == not_taken_reason;
}

// R-M3: who may ask for a broadcast and approve another person's urgent alert: admins and
// operators (a health worker may not).
inline bool sends_broadcasts(std::string_view role) { return role == "admin" || role == "operator"; }

}  // namespace paygham::store
