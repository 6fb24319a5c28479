#include "gateway/store/postgresql/tx.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <stdexcept>

#include "gateway/store/postgresql/connection.hpp"
#include "gateway/store/rules.hpp"

namespace paygham::store::postgresql {
namespace {

constexpr const char* run_columns =
    "id, contact_id, channel_id, medium, COALESCE(session_id, ''), flow_id, flow_hash, status, state, "
    "COALESCE(last_input, ''), COALESCE(last_reply, ''), updated_at, COALESCE(prev_input, ''), "
    "COALESCE(prev_reply, '')";

run read_run(const result& r, int row) {
  run out;
  out.id = r.int64(row, 0);
  out.contact_id = r.int64(row, 1);
  out.channel_id = r.text(row, 2);
  out.medium = parse_medium(r.text(row, 3)).value_or(medium::ussd);
  out.session_id = r.text(row, 4);
  out.flow_id = r.text(row, 5);
  out.flow_hash = r.text(row, 6);
  out.status = parse_run_status(r.text(row, 7)).value_or(run_status::failed);  // the CHECK admits only these
  out.state = r.text(row, 8);
  out.last_input = r.text(row, 9);
  out.last_reply = r.text(row, 10);
  out.updated_at = r.int64(row, 11);
  out.prev_input = r.text(row, 12);
  out.prev_reply = r.text(row, 13);
  return out;
}

constexpr const char* booking_columns =
    "id, contact_id, COALESCE(run_id, 0), channel_id, clinic, service, day, window_from, window_to, starts_at, "
    "code, status, for_whom, hold_until, reminder_answer";

booking read_booking(const result& r, int row) {
  booking b;
  b.id = r.int64(row, 0);
  b.contact_id = r.int64(row, 1);
  b.run_id = r.int64(row, 2);
  b.channel_id = r.text(row, 3);
  b.clinic = r.text(row, 4);
  b.service = r.text(row, 5);
  b.day = r.int64(row, 6);
  b.window_from = r.integer(row, 7);
  b.window_to = r.integer(row, 8);
  b.starts_at = r.int64(row, 9);
  b.code = r.text(row, 10);
  b.status = parse_booking_status(r.text(row, 11)).value_or(booking_status::cancelled);  // the CHECK admits only these
  b.for_whom = r.text(row, 12);
  b.hold_until = r.int64(row, 13);
  b.reminder_answer = r.text(row, 14);
  return b;
}

std::string bookings_sql(const char* where) { return std::string("SELECT ") + booking_columns + " FROM bookings " + where; }

std::optional<run> first_run(const result& r) {
  if (r.empty()) return std::nullopt;
  return read_run(r, 0);
}


// Columns: id, language, fields, opted_out, unreachable, explicit_texts, language_asked_at,
// quiet_hours, pending_language.
contact read_contact(const result& r, std::string phone) {
  contact c{r.int64(0, 0), std::move(phone), r.text(0, 1), parse_fields(r.text(0, 2)), r.integer(0, 3) != 0};
  c.unreachable = r.integer(0, 4) != 0;
  c.explicit_texts = r.integer(0, 5) != 0;
  c.language_asked_at = r.int64(0, 6);
  c.quiet_hours = r.text(0, 7);
  c.pending_language = r.text(0, 8);
  return c;
}

std::string runs_sql(const char* where) { return std::string("SELECT ") + run_columns + " FROM flow_runs " + where; }

}  // namespace

tx::tx(connection& c, const options& o, core::unix_ms now) : store::tx(now), c_(c), opts_(o) {}

bool tx::record_inbound(std::string_view channel_id, std::string_view external_id, std::string_view kind,
                       std::int64_t contact_id, std::string_view body) {
  require_disk();
  return c_.query(
                 "INSERT INTO inbound_events (channel_id, external_id, kind, contact_id, body, received_at)"
                 " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (channel_id, external_id) DO NOTHING",
                 {channel_id, external_id, kind, or_null(contact_id), body, now()})
             .affected() == 1;
}

void tx::forget_inbound_body(std::string_view channel_id, std::string_view external_id) {
  c_.query("UPDATE inbound_events SET body = '' WHERE channel_id = $1 AND external_id = $2", {channel_id, external_id});
}

contact tx::upsert_contact(std::string_view phone) {
  // FOR UPDATE: the row lock that serialises one person's work across nodes (tx.hpp).
  static constexpr const char* find =
      "SELECT id, COALESCE(language, ''), fields::text, opted_out, unreachable, explicit_texts, language_asked_at,"
      " COALESCE(quiet_hours, ''), COALESCE(pending_language, '') FROM contacts WHERE phone = $1 FOR UPDATE";
  // One of a person's other numbers: texts neutral on it (tx.hpp); the main number's failures
  // (R-S13) say nothing of it.
  static constexpr const char* find_other =
      "SELECT c.id, COALESCE(c.language, ''), c.fields::text, c.opted_out, 0, 0,"
      " c.language_asked_at, COALESCE(c.quiet_hours, ''), COALESCE(c.pending_language, '')"
      " FROM contact_numbers n JOIN contacts c ON c.id = n.contact_id WHERE n.phone = $1"
      " FOR UPDATE OF c";
  if (auto r = c_.query(find, {phone}); !r.empty()) return read_contact(r, std::string(phone));
  if (auto r = c_.query(find_other, {phone}); !r.empty())
    return read_contact(r, std::string(phone));
  // Not yet anyone's: held, then looked for once more (an operator adding it as someone's other
  // number may have just committed).
  hold_number(phone);
  if (auto r = c_.query(find_other, {phone}); !r.empty())
    return read_contact(r, std::string(phone));
  auto ins = c_.query(
      "INSERT INTO contacts (phone, created_at, updated_at) VALUES ($1, $2, $2)"
      " ON CONFLICT (phone) DO NOTHING RETURNING id, '', '{}', 0, 0, 0, 0, '', ''",
      {phone, now()});
  if (!ins.empty()) {
    contact made = read_contact(ins, std::string(phone));
    made.created = true;
    apply_suppressions(made);
    return made;
  }
  // Another node created it meanwhile: wait for it, as for any held contact.
  return read_contact(c_.query(find, {phone}), std::string(phone));
}

void tx::hold_number(std::string_view phone) {
  // Released at commit or rollback; the key is the number's hash (a collision only waits).
  c_.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", {phone});
}

bool tx::lock_contact(std::int64_t contact_id) {
  return !c_.query("SELECT 1 FROM contacts WHERE id = $1 FOR UPDATE", {contact_id}).empty();
}

std::optional<contact> tx::find_contact_by_phone(std::string_view phone) {
  const auto r = c_.query(
      "SELECT id FROM contacts WHERE phone = $1 UNION ALL SELECT contact_id FROM contact_numbers "
      "WHERE phone = $1",
      {phone});
  if (r.empty()) return std::nullopt;
  return find_contact(r.int64(0, 0));
}

const std::string& tx::salt() {
  if (salt_.empty()) salt_ = c_.query("SELECT value FROM deployment WHERE name = 'suppression_salt'", {}).text(0, 0);
  return salt_;
}

void tx::apply_suppressions(contact& c) {
  const auto r = c_.query("SELECT programme FROM suppressions WHERE hash = $1", {suppression_hash(salt(), c.phone)});
  for (int i = 0; i < r.rows(); ++i) {
    if (r.text(i, 0).empty()) {
      c_.query("UPDATE contacts SET opted_out = 1 WHERE id = $1", {c.id});
      c.opted_out = true;
    } else {
      c_.query("INSERT INTO contact_optouts (contact_id, programme, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
               {c.id, r.text(i, 0), now()});
    }
  }
}

void tx::keep_stops(const contact& who) {
  const std::string hash = suppression_hash(salt(), who.phone);
  if (who.opted_out) {
    c_.query("INSERT INTO suppressions (hash, programme, at) VALUES ($1, '', $2) ON CONFLICT DO NOTHING", {hash, now()});
  }
  c_.query("INSERT INTO suppressions (hash, programme, at) SELECT $1, programme, $2 FROM contact_optouts"
           " WHERE contact_id = $3 ON CONFLICT DO NOTHING",
           {hash, now(), who.id});
}

namespace {

// What is left of an erased contact: its id, so what refers to it still reads.
constexpr const char* blank_contact =
    "UPDATE contacts SET phone = 'erased:' || id, language = NULL, fields = '{}', opted_out = 1,"
    " shared_phone = 'unknown', explicit_texts = 0, language_asked_at = 0, privacy_recorded_by = NULL,"
    " privacy_recorded_at = NULL, quiet_hours = NULL, pending_language = NULL, invited_at = NULL,"
    " visit_pin = NULL, visit_pin_failed = 0, visit_pin_locked_until = 0 WHERE id = $1";

}  // namespace

bool tx::erase_contact(std::int64_t contact_id) {
  const auto who = find_contact(contact_id);
  if (!who || who->erased()) return false;
  require_disk();
  keep_stops(*who);  // what they stopped outlives them, on each of their numbers
  for (const auto& other : other_numbers(contact_id)) {
    auto on_it = *who;
    on_it.phone = other;
    keep_stops(on_it);
  }
  const auto moved = c_.query(
      "UPDATE outbound_messages SET status = 'cancelled', error = 'their data was erased (R-D6)', updated_at = $1"
      " WHERE contact_id = $2 AND status IN ('queued', 'retrying') RETURNING id",
      {now(), contact_id});
  record_moved(moved, "cancelled", "erased");
  for (const char* sql : {
           "UPDATE outbound_messages SET to_phone = '', body = '' WHERE contact_id = $1",
           "UPDATE inbound_events SET body = '' WHERE contact_id = $1",
           "UPDATE inbox SET body = '', from_phone = NULL WHERE contact_id = $1",
           "UPDATE flow_runs SET state = '{\"node\":\"\",\"vars\":{},\"invalid\":0}', last_input = "
           "'', last_reply = '',"
           " prev_input = '', prev_reply = '',"
           " status = CASE WHEN status IN ('active', 'waiting') THEN 'expired' ELSE status END "
           "WHERE contact_id = $1",
           "DELETE FROM subscriptions WHERE contact_id = $1",
           "UPDATE series SET active = 0 WHERE contact_id = $1",
           "UPDATE bookings SET status = 'cancelled' WHERE contact_id = $1 AND status IN ('held', "
           "'booked')",
           "DELETE FROM transfer_codes WHERE contact_id = $1",
           "DELETE FROM contact_optouts WHERE contact_id = $1",
           "DELETE FROM consents WHERE contact_id = $1",
           "DELETE FROM contact_numbers WHERE contact_id = $1",
           blank_contact,
       }) {
    c_.query(sql, {contact_id});
  }
  c_.query("UPDATE escalations SET resolved_at = $1 WHERE contact_id = $2 AND resolved_at IS NULL", {now(), contact_id});
  return true;
}

std::int64_t tx::move_number(std::int64_t contact_id, const number_move& mv) {
  const auto who = find_contact(contact_id);
  if (!who) return 0;
  require_disk();
  keep_stops(*who);
  // The person's conversations were on the old phone.
  c_.query(
      "UPDATE flow_runs SET status = 'expired', updated_at = $1 WHERE contact_id = $2"
      " AND status IN ('active', 'waiting')",
      {now(), contact_id});
  take_in(contact_id, mv.absorbed);
  // One of their other numbers is their main one now; what came from another number goes back
  // to the main one (a reply never goes to a number no longer theirs).
  c_.query("DELETE FROM contact_numbers WHERE phone = $1 AND contact_id = $2",
           {mv.phone, contact_id});
  c_.query(
      "UPDATE inbox SET from_phone = NULL WHERE contact_id = $1 AND from_phone IS NOT NULL"
      " AND from_phone NOT IN (SELECT phone FROM contact_numbers WHERE contact_id = $1)",
      {contact_id});
  c_.query(
      "UPDATE contacts SET phone = $1, unreachable = 0, failures_in_row = 0, language_asked_at = 0,"
      " pending_language = NULL, updated_at = $2 WHERE id = $3",
      {mv.phone, now(), contact_id});
  if (mv.old_zone != mv.new_zone) {
    c_.query("UPDATE series SET time_zone = $1 WHERE contact_id = $2 AND time_zone = $3 AND active = 1",
             {mv.new_zone, contact_id, mv.old_zone});
  }
  return static_cast<std::int64_t>(
      c_.query("UPDATE outbound_messages SET to_phone = $1 WHERE contact_id = $2 AND status IN ('queued', 'retrying')",
               {mv.phone, contact_id})
          .affected());
}

void tx::take_in(std::int64_t contact_id, std::int64_t absorbed) {
  if (absorbed == 0) return;
  // Its conversations were not the person's.
  c_.query(
      "UPDATE flow_runs SET status = 'expired', updated_at = $1 WHERE contact_id = $2"
      " AND status IN ('active', 'waiting')",
      {now(), absorbed});
  // What it wrote came from its number, which is not the person's main one.
  c_.query(
      "UPDATE inbox SET from_phone = COALESCE(from_phone, (SELECT phone FROM contacts WHERE id = "
      "$1))"
      " WHERE contact_id = $1",
      {absorbed});
  // Static: prepared statements are kept by their SQL's address.
  static const auto hand_over = [] {
    std::array<std::string, rows_of_a_contact.size()> sql;
    for (std::size_t i = 0; i < sql.size(); ++i) {
      sql[i] = "UPDATE " + std::string(rows_of_a_contact[i]) +
               " SET contact_id = $1 WHERE contact_id = $2";
    }
    return sql;
  }();
  for (const auto& sql : hand_over) c_.query(sql.c_str(), {contact_id, absorbed});
  for (const char* sql : {"DELETE FROM transfer_codes WHERE contact_id = $1", blank_contact})
    c_.query(sql, {absorbed});
}

void tx::add_number(std::int64_t contact_id, std::string_view phone, std::int64_t absorbed) {
  require_disk();
  take_in(contact_id, absorbed);
  c_.query("INSERT INTO contact_numbers (phone, contact_id, added_at) VALUES ($1, $2, $3)",
           {phone, contact_id, now()});
}

bool tx::remove_number(std::int64_t contact_id, std::string_view phone) {
  auto who = find_contact(contact_id);
  if (!who) return false;
  if (c_.query("DELETE FROM contact_numbers WHERE phone = $1 AND contact_id = $2",
               {phone, contact_id})
          .affected() == 0) {
    return false;
  }
  c_.query("UPDATE inbox SET from_phone = NULL WHERE contact_id = $1 AND from_phone = $2",
           {contact_id, phone});
  who->phone = phone;
  keep_stops(*who);
  return true;
}

std::vector<std::string> tx::other_numbers(std::int64_t contact_id) {
  const auto r =
      c_.query("SELECT phone FROM contact_numbers WHERE contact_id = $1 ORDER BY added_at, phone",
               {contact_id});
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

std::vector<std::string> tx::number_stops(std::string_view phone) {
  const auto r = c_.query("SELECT programme FROM suppressions WHERE hash = $1 ORDER BY programme",
                          {suppression_hash(salt(), phone)});
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

std::vector<contact> tx::find_contacts_by_name(std::string_view part, std::size_t limit) {
  const auto r = c_.query(
      // Arabic yeh, alef maksura and kaf read as the Persian letters a Persian keyboard types.
      "SELECT id FROM contacts WHERE strpos(translate(lower(fields->>'name'), 'يىك', 'ییک'),"
      " translate(lower($1), 'يىك', 'ییک')) > 0 ORDER BY id LIMIT $2",
      {part, static_cast<std::int64_t>(limit)});
  std::vector<contact> out;
  for (int i = 0; i < r.rows(); ++i) {
    if (auto c = find_contact(r.int64(i, 0))) out.push_back(std::move(*c));
  }
  return out;
}

contact_record tx::find_contact_record(std::int64_t contact_id) {
  contact_record out;
  const auto s = c_.query(
      "SELECT shared_phone, explicit_texts, COALESCE(privacy_recorded_by, ''), COALESCE(privacy_recorded_at, 0)"
      " FROM contacts WHERE id = $1",
      {contact_id});
  if (!s.empty()) {
    out.shared_phone = s.text(0, 0);
    out.explicit_texts = s.integer(0, 1) != 0;
    out.privacy_recorded_by = s.text(0, 2);
    out.privacy_recorded_at = s.int64(0, 3);
  }
  const auto r =
      c_.query("SELECT programme, via, recorded_by, at FROM consents WHERE contact_id = $1 ORDER BY id", {contact_id});
  for (int i = 0; i < r.rows(); ++i) out.consents.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2), r.int64(i, 3)});
  return out;
}

void tx::set_phone_privacy(std::int64_t contact_id, std::string_view shared_phone, bool explicit_texts,
                           std::string_view recorded_by) {
  if (!may_name_care(shared_phone, explicit_texts)) {
    // Turned off: the reminders a health worker set up that are queued now were written to
    // name the care; none goes to a phone others may read (R-S11).
    const auto moved = c_.query(
        "UPDATE outbound_messages SET status = 'cancelled', error = $1, updated_at = $2"
        " WHERE contact_id = $3 AND status IN ('queued', 'retrying')"
        " AND series_id IN (SELECT id FROM series WHERE contact_id = $3 AND worker_id IS NOT NULL)"
        " AND EXISTS (SELECT 1 FROM contacts WHERE id = $3 AND explicit_texts = 1) RETURNING id",
        {std::string(care_named_reason), now(), contact_id});
    record_moved(moved, "cancelled", "privacy");
  }
  c_.query(
      "UPDATE contacts SET shared_phone = $1, explicit_texts = $2, privacy_recorded_by = $3, privacy_recorded_at = $4,"
      " updated_at = $4 WHERE id = $5",
      {shared_phone, may_name_care(shared_phone, explicit_texts) ? 1 : 0, recorded_by, now(), contact_id});
}

void tx::add_consent(std::int64_t contact_id, const consent& c) {
  c_.query("INSERT INTO consents (contact_id, programme, via, recorded_by, at) VALUES ($1, $2, $3, $4, $5)",
           {contact_id, c.programme, c.via, c.recorded_by, now()});
}

std::optional<contact> tx::find_contact(std::int64_t contact_id) {
  auto r = c_.query(
      "SELECT id, COALESCE(language, ''), fields::text, opted_out, unreachable, explicit_texts, language_asked_at,"
      " COALESCE(quiet_hours, ''), COALESCE(pending_language, ''), phone FROM contacts WHERE id = $1",
      {contact_id});
  if (r.empty()) return std::nullopt;
  return read_contact(r, r.text(0, 9));
}

visit_pin tx::find_visit_pin(std::int64_t contact_id) {
  const auto r = c_.query(
      "SELECT COALESCE(visit_pin, ''), visit_pin_failed, visit_pin_locked_until FROM contacts WHERE id = $1", {contact_id});
  visit_pin pin;
  if (!r.empty()) {
    pin.hash = r.text(0, 0);
    pin.failed = r.integer(0, 1);
    pin.locked_until = r.int64(0, 2);
  }
  return pin;
}

void tx::set_visit_pin(std::int64_t contact_id, std::string_view hash) {
  require_disk();
  c_.query("UPDATE contacts SET visit_pin = $1, visit_pin_failed = 0, visit_pin_locked_until = 0, updated_at = $2"
           " WHERE id = $3",
           {or_null(hash), now(), contact_id});
}

void tx::set_visit_pin_failures(std::int64_t contact_id, int failed, core::unix_ms locked_until) {
  c_.query("UPDATE contacts SET visit_pin_failed = $1, visit_pin_locked_until = $2, updated_at = $3 WHERE id = $4",
           {failed, locked_until, now(), contact_id});
}

void tx::set_contact_fields(std::int64_t contact_id, const std::map<std::string, std::string>& fields) {
  if (fields.empty()) return;
  c_.query("UPDATE contacts SET fields = fields || $1::jsonb, updated_at = $2 WHERE id = $3",
           {nlohmann::json(fields).dump(), now(), contact_id});
}

void tx::set_opted_out(std::int64_t contact_id, bool opted_out) {
  // Stopping everything also stops texts that name the care (R-S11): asked for again if ever.
  c_.query("UPDATE contacts SET opted_out = $1, explicit_texts = CASE WHEN $1 = 1 THEN 0 ELSE explicit_texts END,"
           " updated_at = $2 WHERE id = $3",
           {opted_out ? 1 : 0, now(), contact_id});
  if (!opted_out) return;
  require_disk();
  const auto moved = c_.query(
      "UPDATE outbound_messages SET status = 'cancelled', error = 'opted out', updated_at = $1"
      " WHERE contact_id = $2 AND status IN ('queued', 'retrying') RETURNING id",
      {now(), contact_id});
  record_moved(moved, "cancelled", "opt-out");
  expire_waiting_sms_runs(contact_id);
}

std::int64_t tx::opt_out_recipient(std::int64_t message_id) {
  // Only while the person still has the number it went to (R-L6: not after a new SIM).
  const auto r = c_.query("SELECT m.contact_id FROM outbound_messages m JOIN contacts c ON c.id = m.contact_id"
                          " AND c.phone = m.to_phone WHERE m.id = $1",
                          {message_id});
  if (r.empty()) return 0;
  set_opted_out(r.int64(0, 0), true);
  return r.int64(0, 0);
}

void tx::set_contact_language(std::int64_t contact_id, std::string_view language) {
  c_.query(
      "UPDATE contacts SET language = $1, language_asked_at = 0, pending_language = NULL, updated_at = $2 WHERE id = $3",
      {language, now(), contact_id});
}

void tx::set_language_asked(std::int64_t contact_id, core::unix_ms at, std::string_view pending_language) {
  c_.query("UPDATE contacts SET language_asked_at = $1, pending_language = $2 WHERE id = $3",
           {at, or_null(pending_language), contact_id});
}

bool tx::take_invite(std::int64_t contact_id, core::unix_ms at, core::unix_ms since) {
  return c_.query("UPDATE contacts SET invited_at = $1 WHERE id = $2 AND (invited_at IS NULL OR invited_at <= $3)",
                  {at, contact_id, since})
             .affected() == 1;
}

void tx::set_quiet_hours(std::int64_t contact_id, std::string_view quiet_hours) {
  c_.query("UPDATE contacts SET quiet_hours = $1, updated_at = $2 WHERE id = $3",
           {or_null(quiet_hours), now(), contact_id});
}

std::optional<run> tx::find_run(std::int64_t run_id) {
  static const std::string sql = runs_sql("WHERE id = $1");
  return first_run(c_.query(sql.c_str(), {run_id}));
}

std::optional<run> tx::find_session_run(std::string_view channel_id, std::string_view session_id) {
  static const std::string sql = runs_sql("WHERE channel_id = $1 AND session_id = $2");
  return first_run(c_.query(sql.c_str(), {channel_id, session_id}));
}

std::optional<run> tx::find_waiting_sms_run(std::int64_t contact_id) {
  static const std::string sql =
      runs_sql("WHERE contact_id = $1 AND status = 'waiting' AND medium = 'sms' ORDER BY id DESC LIMIT 1");
  return first_run(c_.query(sql.c_str(), {contact_id}));
}

std::optional<run> tx::find_resumable_run(std::int64_t contact_id, std::string_view flow_id,
                                          std::string_view session_id, core::unix_ms since) {
  static const std::string sql = runs_sql(
      "WHERE contact_id = $1 AND flow_id = $2 AND status = 'active' AND medium = 'ussd'"
      " AND session_id <> $3 AND updated_at >= $4 ORDER BY id DESC LIMIT 1");
  return first_run(c_.query(sql.c_str(), {contact_id, flow_id, session_id, since}));
}

std::vector<run> tx::stale_ussd_runs(core::unix_ms before, std::size_t limit) {
  // SKIP LOCKED: a run another node is stepping right now is not stale.
  static const std::string sql = runs_sql(
      "WHERE status = 'active' AND medium = 'ussd' AND updated_at < $1 ORDER BY updated_at LIMIT $2"
      " FOR UPDATE SKIP LOCKED");
  const auto r = c_.query(sql.c_str(), {before, static_cast<std::int64_t>(limit)});
  std::vector<run> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_run(r, i));
  return out;
}

void tx::expire_waiting_sms_runs(std::int64_t contact_id) {
  c_.query(
      "UPDATE flow_runs SET status = 'expired', state = jsonb_set(state::jsonb, '{vars}', '{}')::text, updated_at = $1"
      " WHERE contact_id = $2 AND status = 'waiting' AND medium = 'sms'",
      {now(), contact_id});
}

void tx::expire_series_questions(std::int64_t contact_id, std::int64_t series_id) {
  c_.query(
      "UPDATE flow_runs SET status = 'expired',"
      " state = jsonb_set(state::jsonb, '{vars}', '{}')::text, updated_at = $1"
      " WHERE contact_id = $2 AND status = 'waiting' AND state::jsonb->'vars'->>'series' = $3",
      {now(), contact_id, std::to_string(series_id)});
}

std::string tx::attempt(const std::function<void()>& fn) {
  c_.exec("SAVEPOINT attempt");
  try {
    fn();
  } catch (const error& e) {
    // Another node in the way is the whole item's to retry, not this attempt's to swallow.
    if (e.retryable() || !c_.ok()) throw;
    c_.exec("ROLLBACK TO attempt");
    c_.exec("RELEASE attempt");
    return e.what();
  } catch (const std::exception& e) {
    c_.exec("ROLLBACK TO attempt");
    c_.exec("RELEASE attempt");
    return e.what()[0] ? e.what() : "failed";
  }
  c_.exec("RELEASE attempt");
  return {};
}

void tx::add_job(std::string_view kind, core::unix_ms due_at, std::string_view payload) {
  c_.query("INSERT INTO jobs (kind, due_at, payload, status, created_at) VALUES ($1, $2, $3, 'pending', $4)",
           {kind, due_at, payload, now()});
}

void tx::add_turn_job(std::string_view kind, core::unix_ms due_at, std::string_view payload,
                      std::int64_t contact_id, core::unix_ms since) {
  c_.query(
      "INSERT INTO jobs (kind, due_at, payload, status, created_at, turn_of, turn_since)"
      " VALUES ($1, $2, $3, 'pending', $4, $5, $6)",
      {kind, due_at, payload, now(), contact_id, since});
}

void tx::wake_turn_jobs(std::int64_t contact_id) {
  // SKIP LOCKED: a job another node is taking runs anyway; waiting for its row could deadlock
  // with that node waiting for this person's run.
  c_.query(
      "UPDATE jobs SET due_at = $1 WHERE id IN (SELECT id FROM jobs WHERE turn_of = $2 AND status = 'pending'"
      " AND due_at > $1 FOR UPDATE SKIP LOCKED)",
      {now(), contact_id});
}

core::unix_ms tx::next_job_due() {
  return c_.query("SELECT COALESCE(MIN(due_at), 0) FROM jobs WHERE status = 'pending'", {}).int64(0, 0);
}

std::vector<job> tx::take_due_jobs(std::size_t limit) {
  // SKIP LOCKED: a job another node's open transaction took is not waited for; it is done
  // when that commits, or pending again when it rolls back.
  const auto r = c_.query(
      "UPDATE jobs SET status = 'done' WHERE id IN (SELECT id FROM jobs WHERE status = 'pending'"
      " AND due_at <= $1 ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)"
      " RETURNING id, kind, payload, due_at, COALESCE(turn_since, 0)",
      {now(), static_cast<std::int64_t>(limit)});
  std::vector<job> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(job{r.int64(i, 0), r.text(i, 1), r.text(i, 2), r.int64(i, 3), r.int64(i, 4)});
  std::sort(out.begin(), out.end(), [](const job& a, const job& b) {
    return a.due_at != b.due_at ? a.due_at < b.due_at : a.id < b.id;
  });
  return out;
}

void tx::park_job(std::int64_t job_id, std::string_view why) {
  c_.query("UPDATE jobs SET status = 'parked', problem = $1 WHERE id = $2", {why, job_id});
}

std::int64_t tx::add_inbox(const inbox_item& item) {
  require_disk();
  return c_
      .query(
          "INSERT INTO inbox (contact_id, run_id, channel_id, flow_id, body, status, created_at, "
          "area, duplicate_of,"
          " someone_hurt, urgent, district, from_phone) VALUES ($1, $2, $3, $4, $5, 'new', $6, $7, "
          "$8, $9, $10, $11,"
          " (SELECT NULLIF(NULLIF($12, ''), phone) FROM contacts WHERE id = $1)) RETURNING id",
          {item.contact_id, or_null(item.run_id), item.channel_id, or_null(item.flow_id), item.body,
           now(), item.area, or_null(item.duplicate_of), or_null(item.someone_hurt),
           item.urgent ? 1 : 0, item.district, item.from_phone})
      .int64(0, 0);
}

namespace {

constexpr const char* inbox_columns =
    "i.id, COALESCE(i.contact_id, 0), CASE WHEN c.id IS NULL THEN '' ELSE COALESCE(i.from_phone, "
    "c.phone) END,"
    " i.channel_id, COALESCE(i.flow_id, ''), i.body, i.status,"
    " COALESCE(i.assigned_to, 0), i.created_at, i.area, i.district, COALESCE(i.duplicate_of, 0),"
    " i.someone_hurt, i.urgent, i.may_call FROM inbox i LEFT JOIN contacts c ON c.id = "
    "i.contact_id";

std::optional<bool> read_flag(const result& r, int row, int col) {
  return r.is_null(row, col) ? std::nullopt : std::optional<bool>(r.integer(row, col) != 0);
}

inbox_entry read_inbox(const result& r, int row) {
  return inbox_entry{r.int64(row, 0), r.int64(row, 1), r.text(row, 2),  r.text(row, 3),
                     r.text(row, 4),  r.text(row, 5),  r.text(row, 6),  r.int64(row, 7),
                     r.int64(row, 8), r.text(row, 9),  r.text(row, 10), r.int64(row, 11),
                     read_flag(r, row, 12), r.integer(row, 13) != 0, read_flag(r, row, 14)};
}

}  // namespace

std::vector<inbox_entry> tx::inbox_page(const inbox_filter& f, std::int64_t before, std::size_t limit) {
  static const std::string sql = std::string("SELECT ") + inbox_columns +
                                 " WHERE ($1 = 0 OR i.id < $1) AND ($2 = '' OR i.status = $2)"
                                 " AND ($3 = '' OR COALESCE(i.flow_id, '') = $3) ORDER BY i.id DESC LIMIT $4";
  const auto r = c_.query(sql.c_str(), {before, f.status, f.flow, static_cast<std::int64_t>(limit)});
  std::vector<inbox_entry> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_inbox(r, i));
  return out;
}

std::int64_t tx::inbox_items_since(std::int64_t contact_id, core::unix_ms since, bool urgent_only) {
  return c_.query("SELECT COUNT(*) FROM inbox WHERE contact_id = $1 AND created_at >= $2 AND urgent >= $3",
                  {contact_id, since, urgent_only ? 1 : 0})
      .int64(0, 0);
}

messages_part::routine_count tx::routine_sent(std::int64_t contact_id, std::string_view programme) {
  const auto r = c_.query(
      "SELECT COUNT(*) FILTER (WHERE created_at > $1), COUNT(*) FROM outbound_messages WHERE contact_id = $2"
      " AND programme = $3 AND priority = $4 AND status <> 'cancelled' AND created_at > $5",
      {now() - routine_day_ms, contact_id, programme, static_cast<int>(core::priority::bulk), now() - routine_week_ms});
  return {r.int64(0, 0), r.int64(0, 1)};
}

bool tx::has_waiting(std::int64_t contact_id, std::string_view programme) {
  const auto r = c_.query(
      "SELECT 1 FROM outbound_messages WHERE contact_id = $1 AND programme = $2"
      " AND status IN ('queued', 'retrying') AND priority <> $3 LIMIT 1",
      {contact_id, programme, static_cast<int>(core::priority::bulk)});
  return !r.empty();
}

std::int64_t tx::first_report_since(std::string_view flow_id, std::string_view area, std::string_view district,
                                    core::unix_ms since) {
  const auto r = c_.query(
      "SELECT id FROM inbox WHERE flow_id = $1 AND area = $2 AND area <> '' AND created_at >= $3"
      " AND ($4::text = '' OR district = '' OR district = $4) ORDER BY id LIMIT 1",
      {flow_id, area, since, district});
  return r.empty() ? 0 : r.int64(0, 0);
}

std::optional<inbox_entry> tx::find_inbox(std::int64_t id) {
  static const std::string sql = std::string("SELECT ") + inbox_columns + " WHERE i.id = $1";
  const auto r = c_.query(sql.c_str(), {id});
  if (r.empty()) return std::nullopt;
  return read_inbox(r, 0);
}

void tx::update_inbox(std::int64_t id, std::string_view status, std::int64_t assigned_to) {
  require_disk();
  // done_at: when it was first marked done, and none once reopened (R-D3 counts from it).
  c_.query(
      "UPDATE inbox SET status = $1, assigned_to = NULLIF($2, 0), updated_at = $3,"
      " done_at = CASE WHEN $1 = 'done' THEN COALESCE(done_at, $3) END WHERE id = $4",
      {status, assigned_to, now(), id});
}

bool tx::set_inbox_may_call(std::int64_t id, std::int64_t contact_id, bool may_call) {
  return c_.query("UPDATE inbox SET may_call = $1 WHERE id = $2 AND contact_id = $3", {may_call ? 1 : 0, id, contact_id})
             .affected() == 1;
}

std::size_t tx::mark_reports_hurt(std::int64_t contact_id, std::int64_t run_id) {
  return c_
      .query(
          "UPDATE inbox SET someone_hurt = 1, urgent = 1 WHERE contact_id = $1 AND run_id = $2 AND "
          "someone_hurt = 0",
          {contact_id, run_id})
      .affected();
}

void tx::save_run(run& r) {
  if (r.id == 0) {
    const auto ins = c_.query(
        "INSERT INTO flow_runs (contact_id, channel_id, medium, session_id, flow_id, flow_hash, status, state,"
        " last_input, last_reply, created_at, updated_at, prev_input, prev_reply)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13) RETURNING id",
        {r.contact_id, r.channel_id, to_string(r.medium), or_null(r.session_id), r.flow_id, r.flow_hash,
         to_string(r.status), r.state,
         or_null(r.last_input), or_null(r.last_reply), now(), or_null(r.prev_input), or_null(r.prev_reply)});
    r.id = ins.int64(0, 0);
    return;
  }
  c_.query(
      "UPDATE flow_runs SET status = $1, state = $2, last_input = $3, last_reply = $4, flow_hash = $5,"
      " medium = $6, session_id = $7, updated_at = $8, prev_input = $9, prev_reply = $10, channel_id = $11"
      " WHERE id = $12",
      {to_string(r.status), r.state, or_null(r.last_input), or_null(r.last_reply), r.flow_hash, to_string(r.medium),
       or_null(r.session_id), now(), or_null(r.prev_input), or_null(r.prev_reply), r.channel_id, r.id});
  r.updated_at = now();
}

std::int64_t tx::queue_message(const new_message& m) {
  require_disk();
  std::string why_not;  // why it is recorded as cancelled instead of queued
  if (m.contact_id > 0 && !m.even_if_opted_out) {
    const auto q = c_.query(
        // Unreachable is the main number's (R-S13): an answer to another they write from goes.
        "SELECT opted_out, CASE WHEN phone = $3 THEN unreachable ELSE 0 END,"
        " EXISTS (SELECT 1 FROM contact_optouts WHERE contact_id = c.id AND programme = "
        "$2)::integer"
        " FROM contacts c WHERE id = $1",
        {m.contact_id, m.programme, m.to_phone});
    if (!q.empty()) {
      why_not = held_back_reason(q.integer(0, 0) != 0, q.integer(0, 1) != 0,
                                 q.integer(0, 2) != 0 ? std::string_view(m.programme) : std::string_view());
    }
  }
  const char* status = why_not.empty() ? "queued" : "cancelled";
  // The message and its first history event in one round trip.
  const auto r = c_.query(
      "WITH m AS (INSERT INTO outbound_messages (channel_id, contact_id, run_id, to_phone, body, priority,"
      " status, error, next_at, created_at, updated_at, programme, series_id)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12)"
      " RETURNING id), e AS (INSERT INTO message_events (message_id, status, source, at)"
      " SELECT id, $7, 'runner', $10 FROM m) SELECT id FROM m",
      {m.channel_id, or_null(m.contact_id), or_null(m.run_id), m.to_phone, m.body, static_cast<int>(m.prio),
       status, or_null(why_not), std::max(now(), m.not_before), now(), or_null(m.programme),
       or_null(m.series_id)});
  return r.int64(0, 0);
}

std::size_t tx::expire_unsent(std::string_view channel_id, core::unix_ms before) {
  const auto moved = c_.query(
      "UPDATE outbound_messages SET status = 'expired', error = 'validity ended before it could be sent',"
      " updated_at = $1 WHERE status IN ('queued', 'retrying') AND channel_id = $2"
      " AND (created_at < $3 OR (expires_at > 0 AND expires_at <= $1)) RETURNING id",
      {now(), channel_id, before});
  return record_moved(moved, "expired", "outbox");
}

std::size_t tx::record_moved(const result& moved, std::string_view status, std::string_view source) {
  for (int i = 0; i < moved.rows(); ++i) add_event(moved.int64(i, 0), status, source, {}, true);
  return static_cast<std::size_t>(moved.rows());
}

std::vector<claimed_message> tx::claim_due(std::string_view channel_id, std::size_t limit) {
  // SKIP LOCKED: two nodes claiming at once take different messages, never wait on each other.
  const auto r = c_.query(
      "WITH c AS (UPDATE outbound_messages SET status = 'sending', attempts = attempts + 1, updated_at = $1,"
      " lease_owner = $4, lease_until = $5 WHERE id IN (SELECT id FROM outbound_messages"
      " WHERE status IN ('queued', 'retrying') AND next_at <= $1 AND channel_id = $2"
      " AND (expires_at = 0 OR expires_at > $1) ORDER BY priority, next_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)"
      " RETURNING id, channel_id, to_phone, body, attempts, priority, next_at),"
      " e AS (INSERT INTO message_events (message_id, status, source, applied, at)"
      " SELECT id, 'sending', 'outbox', 1, $1 FROM c)"
      " SELECT id, channel_id, to_phone, body, attempts, priority, next_at FROM c",
      {now(), channel_id, static_cast<std::int64_t>(limit), opts_.node_id, now() + opts_.lease_ms});
  struct row {
    claimed_message m;
    std::int64_t next_at;
  };
  std::vector<row> rows;
  for (int i = 0; i < r.rows(); ++i) {
    rows.push_back(row{claimed_message{r.int64(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.integer(i, 4),
                                       r.integer(i, 5)},
                       r.int64(i, 6)});
  }
  // RETURNING has no order: priority first, then due time, as claimed.
  std::sort(rows.begin(), rows.end(), [](const row& a, const row& b) {
    if (a.m.prio != b.m.prio) return a.m.prio < b.m.prio;
    return a.next_at != b.next_at ? a.next_at < b.next_at : a.m.id < b.m.id;
  });
  std::vector<claimed_message> out;
  out.reserve(rows.size());
  for (auto& x : rows) out.push_back(std::move(x.m));
  return out;
}

void tx::add_event(std::int64_t message_id, std::string_view status, std::string_view source,
                   std::string_view raw_code, bool applied) {
  c_.query(
      "INSERT INTO message_events (message_id, status, source, raw_code, applied, at)"
      " VALUES ($1, $2, $3, $4, $5, $6)",
      {message_id, status, source, or_null(raw_code), applied ? 1 : 0, now()});
}

void tx::lock_external_id(std::string_view external_id) {
  // Taken before any row lock, by both sides, so the two never wait on each other in turn. Keyed
  // by the id alone: the same id on two channels only waits a little more, and the send reply
  // needs no read of its message to know its channel first.
  c_.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", {external_id});
}

void tx::record_sent(std::int64_t id, std::string_view external_id, std::string_view raw_code, int parts,
                     std::string_view cost) {
  // A report for this id may be being stored as 'waiting' on another node right now: one of
  // the two goes first, so the report is either seen here or finds the id set.
  if (!external_id.empty()) lock_external_id(external_id);
  const auto q = c_.query("SELECT status, channel_id FROM outbound_messages WHERE id = $1 FOR UPDATE", {id});
  if (q.empty()) return;
  const auto status = parse_status(q.text(0, 0));
  const std::string channel = q.text(0, 1);
  const bool forward = status && send_reply_applies(*status);
  c_.query(
      "UPDATE outbound_messages SET external_id = COALESCE($1, external_id), parts = COALESCE($2::integer, parts),"
      " cost = COALESCE($3, cost), sent_at = COALESCE(sent_at, $4), status = CASE WHEN $5 = 1 THEN 'sent'"
      " ELSE status END, updated_at = $4 WHERE id = $6",
      {or_null(external_id), parts > 0 ? param(parts) : param(nullptr), or_null(cost), now(), forward ? 1 : 0, id});
  add_event(id, "sent", "send", raw_code, forward);
  if (external_id.empty()) return;
  // Reports that came before this reply, in the order they came.
  const auto w = c_.query(
      "SELECT id, COALESCE(reference, ''), status, raw_code, COALESCE(error, '') FROM delivery_reports"
      " WHERE outcome = 'waiting' AND channel_id = $1 AND external_id = $2 ORDER BY id FOR UPDATE",
      {channel, external_id});
  for (int i = 0; i < w.rows(); ++i) {
    core::delivery_report r;
    r.channel_id = channel;
    r.external_id = std::string(external_id);
    r.reference = w.text(i, 1);
    r.status = parse_status(w.text(i, 2)).value_or(core::message_status::sent);
    r.raw_code = w.text(i, 3);
    r.error = w.text(i, 4);
    const report_outcome o = apply_report_to(id, r);
    c_.query("UPDATE delivery_reports SET message_id = $1, outcome = $2 WHERE id = $3",
             {id, to_string(o), w.int64(i, 0)});
  }
}

// A message tried again goes to the number its person has now (R-L6: one in flight when they
// changed SIM was sent to the old one), unless it went to another number they write from (an
// answer to it); an erased person's stays blank.
#define PAYGHAM_CURRENT_NUMBER                                                                     \
  " to_phone = COALESCE((SELECT c.phone FROM contacts c WHERE c.id = outbound_messages.contact_id" \
  " AND c.phone NOT LIKE 'erased:%' AND outbound_messages.to_phone <> '' AND NOT EXISTS"           \
  " (SELECT 1 FROM contact_numbers n WHERE n.phone = outbound_messages.to_phone"                   \
  " AND n.contact_id = c.id)), to_phone),"

void tx::record_retry(std::int64_t id, core::unix_ms next_at, std::string_view raw_code, std::string_view error,
                      bool counted) {
  const auto r = c_.query(
      "UPDATE outbound_messages SET status = 'retrying', next_at = $1, error = $2, updated_at = $3," PAYGHAM_CURRENT_NUMBER
      " attempts = attempts - $5 WHERE id = $4 AND status = 'sending'",
      {next_at, or_null(error), now(), id, std::int64_t{counted ? 0 : 1}});
  if (r.affected() == 1) add_event(id, "retrying", "send", raw_code, true);
}

report_outcome tx::apply_report_to(std::int64_t message_id, const core::delivery_report& r) {
  // FOR UPDATE: two reports for one message on two nodes apply one after the other.
  const auto q = c_.query("SELECT status FROM outbound_messages WHERE id = $1 FOR UPDATE", {message_id});
  if (q.empty()) return report_outcome::waiting;
  const auto current = parse_status(q.text(0, 0)).value_or(core::message_status::queued);
  const char* name = core::to_string(r.status);
  bool seen = false;
  if (current == r.status) {
    seen = !c_.query(
                  "SELECT 1 FROM message_events WHERE message_id = $1 AND status = $2 AND source = 'report'"
                  " AND raw_code IS NOT DISTINCT FROM $3 LIMIT 1",
                  {message_id, name, or_null(r.raw_code)})
                .empty();
  }
  const report_outcome o = judge_report(current, r.status, seen);
  if (o == report_outcome::duplicate) return o;
  if (o != report_outcome::applied) {
    add_event(message_id, name, "report", r.raw_code, false);
    return o;
  }
  // A failure always says why, in the aggregator's words when it gives some.
  const std::string error = !r.error.empty() || r.status != core::message_status::failed
                                ? r.error
                                : "the aggregator reported " + r.raw_code;
  c_.query(
      "UPDATE outbound_messages SET status = $1, error = COALESCE($2, error), parts = COALESCE($3::integer, parts),"
      " cost = COALESCE($4, cost), updated_at = $5 WHERE id = $6",
      {name, or_null(error), r.parts > 0 ? param(r.parts) : param(nullptr), or_null(r.cost), now(), message_id});
  add_event(message_id, name, "report", r.raw_code, true);
  count_reach(message_id, r.status);
  return report_outcome::applied;
}

applied_report tx::apply_report(const core::delivery_report& r) {
  require_disk();
  // Against record_sent of the same id on another node (see there).
  if (!r.external_id.empty()) lock_external_id(r.external_id);
  applied_report out;
  const auto found = [&](const result& q) {
    if (q.empty()) return;
    out.message_id = q.int64(0, 0);
    out.to_phone = q.text(0, 1);
  };
  if (r.reference.size() > 2 && r.reference.rfind("pg", 0) == 0) {
    found(c_.query("SELECT id, to_phone FROM outbound_messages WHERE id = $1 AND channel_id = $2",
                   {static_cast<std::int64_t>(std::atoll(r.reference.c_str() + 2)), r.channel_id}));
  }
  if (out.message_id == 0 && !r.external_id.empty()) {
    found(c_.query("SELECT id, to_phone FROM outbound_messages WHERE channel_id = $1 AND external_id = $2",
                   {r.channel_id, r.external_id}));
  }
  out.outcome = out.message_id ? apply_report_to(out.message_id, r) : report_outcome::waiting;
  c_.query(
      "INSERT INTO delivery_reports (channel_id, external_id, reference, status, raw_code, error,"
      " message_id, outcome, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {r.channel_id, r.external_id, or_null(r.reference), core::to_string(r.status), r.raw_code, or_null(r.error),
       or_null(out.message_id), to_string(out.outcome), now()});
  return out;
}

std::size_t tx::mark_unconfirmed(std::string_view channel_id, core::unix_ms before) {
  const auto moved = c_.query(
      "UPDATE outbound_messages SET status = 'unconfirmed', updated_at = $1"
      " WHERE status = 'sent' AND channel_id = $2 AND sent_at < $3 RETURNING id",
      {now(), channel_id, before});
  return record_moved(moved, "unconfirmed", "outbox");
}

std::vector<awaiting> tx::awaiting_report(std::string_view channel_id, core::unix_ms since, const awaiting& after,
                                          std::size_t limit) {
  // Each state from its own partial index (outbound_messages_sent, _unconfirmed).
  const auto r = c_.query(
      "(SELECT sent_at, id, external_id FROM outbound_messages WHERE status = 'sent' AND channel_id = $1"
      "  AND sent_at >= $2 AND (sent_at, id) > ($3, $4) AND external_id IS NOT NULL ORDER BY sent_at, id LIMIT $5)"
      " UNION ALL"
      " (SELECT sent_at, id, external_id FROM outbound_messages WHERE status = 'unconfirmed' AND channel_id = $1"
      "  AND sent_at >= $2 AND (sent_at, id) > ($3, $4) AND external_id IS NOT NULL ORDER BY sent_at, id LIMIT $5)"
      " ORDER BY sent_at, id LIMIT $5",
      {channel_id, std::max(since, after.sent_at), after.sent_at, after.id, static_cast<std::int64_t>(limit)});
  std::vector<awaiting> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(awaiting{r.int64(i, 0), r.int64(i, 1), r.text(i, 2)});
  return out;
}

std::size_t tx::requeue_in_flight(bool starting) {
  // SKIP LOCKED: a message whose send outcome another node is recording right now is its.
  const auto moved = c_.query(
      "UPDATE outbound_messages SET status = 'retrying', next_at = $1, updated_at = $1, lease_owner = NULL,"
      PAYGHAM_CURRENT_NUMBER " lease_until = NULL WHERE id IN (SELECT id FROM outbound_messages WHERE status = 'sending'"
      " AND (lease_owner IS NULL OR ($3 = 1 AND lease_owner = $2) OR lease_until < $1) FOR UPDATE SKIP LOCKED)"
      " RETURNING id",
      {now(), opts_.node_id, starting ? 1 : 0});
  return record_moved(moved, "retrying", "lease");
}

#undef PAYGHAM_CURRENT_NUMBER

void tx::set_message_status(std::int64_t id, core::message_status st, std::string_view source,
                            std::string_view raw_code, std::string_view external_id, std::string_view error) {
  const char* name = core::to_string(st);
  c_.query(
      "UPDATE outbound_messages SET status = $1, external_id = COALESCE($2, external_id),"
      " error = COALESCE($3, error), updated_at = $4 WHERE id = $5",
      {name, or_null(external_id), or_null(error), now(), id});
  add_event(id, name, source, raw_code, true);
}

void tx::set_programme_opt_out(std::int64_t contact_id, std::string_view programme, bool out) {
  if (!out) {
    c_.query("DELETE FROM contact_optouts WHERE contact_id = $1 AND programme = $2", {contact_id, programme});
    return;
  }
  require_disk();
  c_.query(
      "INSERT INTO contact_optouts (contact_id, programme, at) VALUES ($1, $2, $3)"
      " ON CONFLICT (contact_id, programme) DO UPDATE SET at = excluded.at",
      {contact_id, programme, now()});
  const auto moved = c_.query(
      "UPDATE outbound_messages SET status = 'cancelled', error = $1, updated_at = $2"
      " WHERE contact_id = $3 AND programme = $4 AND status IN ('queued', 'retrying') RETURNING id",
      {held_back_reason(false, false, programme), now(), contact_id, programme});
  record_moved(moved, "cancelled", "opt-out");
}

std::string tx::last_programme(std::int64_t contact_id, std::string_view channel_id) {
  const auto r = c_.query(
      "SELECT COALESCE(programme, '') FROM outbound_messages WHERE contact_id = $1 AND channel_id = $2"
      " ORDER BY id DESC LIMIT 1",
      {contact_id, channel_id});
  return r.empty() ? std::string() : r.text(0, 0);
}

std::vector<std::string> tx::stopped_programmes(std::int64_t contact_id) {
  const auto r = c_.query("SELECT programme FROM contact_optouts WHERE contact_id = $1 ORDER BY at DESC, programme",
                          {contact_id});
  std::vector<std::string> out;
  for (int row = 0; row < r.rows(); ++row) out.push_back(r.text(row, 0));
  return out;
}

bool tx::stopped(std::int64_t contact_id, std::string_view programme) {
  const auto r = c_.query(
      "SELECT (opted_out <> 0 OR EXISTS (SELECT 1 FROM contact_optouts WHERE contact_id = c.id AND programme = $2))::integer"
      " FROM contacts c WHERE id = $1",
      {contact_id, programme});
  return !r.empty() && r.integer(0, 0) != 0;
}

std::int64_t tx::series_started_by(std::int64_t worker_id, core::unix_ms since) {
  return c_.query("SELECT COUNT(*) FROM series WHERE worker_id = $1 AND created_at >= $2", {worker_id, since}).int64(0, 0);
}

std::int64_t tx::add_series(const series& s) {
  require_disk();
  return c_.query(
              "INSERT INTO series (contact_id, channel_id, programme, template, at_minute, time_zone, active, created_at,"
              " updated_at, anchor_day, offsets, worker_id, flow_id, node, weekday, high_risk, every_days, from_day)"
              " VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7, $8, $9, NULLIF($10, 0), $11, $12, $13, $14, $15, $16)"
              " RETURNING id",
              {s.contact_id, s.channel_id, s.programme, s.template_key, s.at_minute, s.time_zone, now(),
               s.anchor_day ? param(static_cast<std::int64_t>(*s.anchor_day)) : param(nullptr),
               s.anchor_day ? param(offsets_to_string(s.offsets)) : param(nullptr), s.worker_id, s.flow_id, s.node,
               s.weekday, s.high_risk ? 1 : 0, s.every_days, static_cast<std::int64_t>(s.from_day)})
      .int64(0, 0);
}

std::optional<series> tx::find_series(std::int64_t id) {
  const auto r = c_.query(
      "SELECT contact_id, channel_id, programme, template, at_minute, time_zone, active, anchor_day, offsets,"
      " COALESCE(worker_id, 0), flow_id, node, misses, paused_until, weekday, high_risk, every_days, from_day,"
      " answered_at FROM series WHERE id = $1",
      {id});
  if (r.empty()) return std::nullopt;
  series s{id, r.int64(0, 0), r.text(0, 1), r.text(0, 2), r.text(0, 3), r.integer(0, 4), r.text(0, 5),
           r.integer(0, 6) != 0};
  if (!r.is_null(0, 7)) {
    s.anchor_day = r.int64(0, 7);
    s.offsets = parse_offsets(r.text(0, 8));
  }
  s.worker_id = r.int64(0, 9);
  s.flow_id = r.text(0, 10);
  s.node = r.text(0, 11);
  s.misses = r.integer(0, 12);
  s.paused_until = r.int64(0, 13);
  s.weekday = r.integer(0, 14);
  s.high_risk = r.integer(0, 15) != 0;
  s.every_days = r.integer(0, 16);
  s.from_day = r.int64(0, 17);
  s.answered_at = r.int64(0, 18);
  return s;
}

void tx::end_series(std::int64_t id) {
  c_.query("UPDATE series SET active = 0, updated_at = $1 WHERE id = $2", {now(), id});
}

void tx::set_series_paused(std::int64_t id, core::unix_ms until) {
  c_.query("UPDATE series SET paused_until = $1, updated_at = $2 WHERE id = $3", {until, now(), id});
}

void tx::set_series_misses(std::int64_t id, int misses) {
  c_.query("UPDATE series SET misses = $1, updated_at = $2 WHERE id = $3", {misses, now(), id});
}

void tx::series_answered(std::int64_t id) {
  c_.query("UPDATE series SET misses = 0, answered_at = $1, updated_at = $1 WHERE id = $2", {now(), id});
}

std::vector<series> tx::series_by_id(const result& r) {
  std::vector<series> out;
  for (int i = 0; i < r.rows(); ++i) {
    if (auto s = find_series(r.int64(i, 0))) out.push_back(std::move(*s));
  }
  return out;
}

std::vector<series> tx::active_series(std::int64_t contact_id, std::string_view programme) {
  return series_by_id(c_.query(
      "SELECT id FROM series WHERE contact_id = $1 AND programme = $2 AND active = 1 ORDER BY id", {contact_id, programme}));
}

std::vector<series> tx::running_series(std::int64_t contact_id) {
  return series_by_id(c_.query("SELECT id FROM series WHERE contact_id = $1 AND active = 1 ORDER BY id", {contact_id}));
}

void tx::set_series_high_risk(std::int64_t id, bool high_risk) {
  c_.query("UPDATE series SET high_risk = $1, updated_at = $2 WHERE id = $3", {high_risk ? 1 : 0, now(), id});
}

void tx::cancel_queued(std::int64_t contact_id, std::string_view programme, std::string_view reason) {
  require_disk();
  const auto moved = c_.query(
      "UPDATE outbound_messages SET status = 'cancelled', error = $1, updated_at = $2"
      " WHERE contact_id = $3 AND programme = $4 AND status IN ('queued', 'retrying') RETURNING id",
      {reason, now(), contact_id, programme});
  record_moved(moved, "cancelled", "series-end");
}

void tx::cancel_series_queued(std::int64_t series_id, std::string_view reason) {
  require_disk();
  const auto moved = c_.query(
      "UPDATE outbound_messages SET status = 'cancelled', error = $1, updated_at = $2"
      " WHERE series_id = $3 AND status IN ('queued', 'retrying') RETURNING id",
      {reason, now(), series_id});
  record_moved(moved, "cancelled", "series-end");
}

namespace {

constexpr const char* user_columns =
    "id, name, role, facility, COALESCE(phone, ''), pin_hash, failed_pins, locked_until, disabled,"
    " COALESCE(login, ''), password_hash, failed_logins, login_locked_until, duty, supervisor";

user read_user(const result& r, int row) {
  return user{r.int64(row, 0), r.text(row, 1),    r.text(row, 2),  r.text(row, 3),         r.text(row, 4),
              r.text(row, 5),  r.integer(row, 6), r.int64(row, 7), r.integer(row, 8) != 0, r.text(row, 9),
              r.text(row, 10), r.integer(row, 11), r.int64(row, 12), r.text(row, 13), r.integer(row, 14) != 0};
}

}  // namespace

std::int64_t tx::add_user(const user& u) {
  require_disk();
  return c_.query(
              "INSERT INTO users (name, role, facility, phone, pin_hash, login, password_hash, created_at, updated_at, duty,"
              " supervisor) VALUES ($1, $2, $3, NULLIF($4, ''), $5, NULLIF($6, ''), $7, $8, $8, $9, $10) RETURNING id",
              {u.name, u.role, u.facility, u.phone, u.pin_hash, u.login, u.password_hash, now(), u.duty,
               u.supervisor ? 1 : 0})
      .int64(0, 0);
}

std::optional<user> tx::find_user(std::int64_t id) {
  static const std::string sql = std::string("SELECT ") + user_columns + " FROM users WHERE id = $1";
  const auto r = c_.query(sql.c_str(), {id});
  if (r.empty()) return std::nullopt;
  return read_user(r, 0);
}

std::optional<user> tx::find_user_by_phone(std::string_view phone) {
  static const std::string sql = std::string("SELECT ") + user_columns + " FROM users WHERE phone = $1";
  const auto r = c_.query(sql.c_str(), {phone});
  if (r.empty()) return std::nullopt;
  return read_user(r, 0);
}

std::vector<user> tx::list_users() {
  static const std::string sql = std::string("SELECT ") + user_columns + " FROM users ORDER BY id";
  const auto r = c_.query(sql.c_str(), {});
  std::vector<user> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_user(r, i));
  return out;
}

void tx::set_pin_failures(std::int64_t id, int failed, core::unix_ms locked_until) {
  c_.query("UPDATE users SET failed_pins = $1, locked_until = $2, updated_at = $3 WHERE id = $4",
           {failed, locked_until, now(), id});
}

void tx::set_pin(std::int64_t id, std::string_view pin_hash) {
  require_disk();
  c_.query("UPDATE users SET pin_hash = $1, failed_pins = 0, locked_until = 0, updated_at = $2 WHERE id = $3",
           {pin_hash, now(), id});
}

void tx::set_user_disabled(std::int64_t id, bool disabled) {
  require_disk();
  c_.query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3", {disabled ? 1 : 0, now(), id});
  if (disabled) end_sessions(id);
}

tx::moved_patients tx::move_patients(std::int64_t from, std::int64_t to) {
  require_disk();
  moved_patients moved;
  moved.series = static_cast<std::int64_t>(
      c_.query("UPDATE series SET worker_id = $1 WHERE worker_id = $2 AND active = 1", {to, from}).affected());
  moved.calls = static_cast<std::int64_t>(
      c_.query("UPDATE escalations SET worker_id = $1 WHERE worker_id = $2 AND resolved_at IS NULL", {to, from})
          .affected());
  return moved;
}

void tx::set_user_supervisor(std::int64_t id, bool supervisor) {
  require_disk();
  c_.query("UPDATE users SET supervisor = $1, updated_at = $2 WHERE id = $3", {supervisor ? 1 : 0, now(), id});
}

void tx::set_user_duty(std::int64_t id, std::string_view duty) {
  require_disk();
  c_.query("UPDATE users SET duty = $1, updated_at = $2 WHERE id = $3",
           {std::string(duty), now(), id});
}

void tx::end_sessions(std::int64_t user_id) {
  c_.query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL", {now(), user_id});
}

std::optional<user> tx::find_user_by_login(std::string_view login) {
  static const std::string sql = std::string("SELECT ") + user_columns + " FROM users WHERE login = $1";
  const auto r = c_.query(sql.c_str(), {login});
  if (r.empty()) return std::nullopt;
  return read_user(r, 0);
}

void tx::set_password(std::int64_t id, std::string_view password_hash) {
  require_disk();
  c_.query(
      "UPDATE users SET password_hash = $1, failed_logins = 0, login_locked_until = 0, updated_at = $2 WHERE id = $3",
      {password_hash, now(), id});
  end_sessions(id);
}

void tx::set_login_failures(std::int64_t id, int failed, core::unix_ms locked_until) {
  c_.query("UPDATE users SET failed_logins = $1, login_locked_until = $2, updated_at = $3 WHERE id = $4",
           {failed, locked_until, now(), id});
}

std::int64_t tx::escalate(const escalation& e) {
  require_disk();
  const auto r = c_.query(
      "INSERT INTO escalations (worker_id, contact_id, series_id, reason, misses, created_at, "
      "priority)"
      " VALUES ($1, $2, NULLIF($3, 0), $4, $5, $6, $8) ON CONFLICT (series_id) WHERE resolved_at "
      "IS NULL"
      " DO UPDATE SET reason = CASE WHEN $7 = 1 AND escalations.reason <> $9 THEN excluded.reason "
      "ELSE escalations.reason END,"
      " priority = LEAST(escalations.priority, excluded.priority), told_at = NULL"
      " WHERE ($7 = 1 AND escalations.reason <> excluded.reason AND escalations.reason <> $9)"
      " OR excluded.priority < escalations.priority"
      " RETURNING id",
      {e.worker_id, e.contact_id, e.series_id, e.reason, e.misses, now(),
       replaces_open_escalation(e.reason) ? 1 : 0, static_cast<int>(e.priority),
       std::string(call_asked_reason)});
  return r.empty() ? 0 : r.int64(0, 0);
}

bool tx::raise_escalation(std::int64_t id, call_priority p) {
  require_disk();
  return c_.query(
               "UPDATE escalations SET priority = $1, told_at = NULL WHERE id = $2 AND resolved_at "
               "IS NULL"
               " AND priority > $1",
               {static_cast<int>(p), id})
             .affected() == 1;
}

void tx::escalation_told(std::int64_t id) {
  require_disk();
  c_.query("UPDATE escalations SET told_at = $1 WHERE id = $2 AND resolved_at IS NULL",
           {now(), id});
}

namespace {

constexpr const char* escalation_select =
    "SELECT e.id, e.worker_id, e.contact_id, COALESCE(e.series_id, 0), e.reason, e.misses, "
    "c.phone, e.created_at,"
    " e.priority, COALESCE(e.told_at, 0)"
    " FROM escalations e JOIN contacts c ON c.id = e.contact_id JOIN users u ON u.id = e.worker_id"
    " WHERE e.resolved_at IS NULL AND ";

std::vector<escalation> read_escalations(const result& r) {
  std::vector<escalation> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.int64(i, 0), r.int64(i, 1), r.int64(i, 2), r.int64(i, 3), r.text(i, 4),
                   r.integer(i, 5), r.text(i, 6), r.int64(i, 7),
                   static_cast<call_priority>(std::clamp(r.integer(i, 8), 0, 3)), r.int64(i, 9)});
  }
  return out;
}

}  // namespace

std::vector<escalation> tx::open_escalations(std::int64_t worker_id) {
  static const std::string sql = std::string(escalation_select) + "e.worker_id = $1 ORDER BY e.priority, e.id";
  return read_escalations(c_.query(sql.c_str(), {worker_id}));
}

std::vector<escalation> tx::open_escalations_at(std::string_view facility) {
  static const std::string sql = std::string(escalation_select) + "($1 = '' OR u.facility = $1) ORDER BY e.priority, e.id";
  return read_escalations(c_.query(sql.c_str(), {facility}));
}

std::optional<escalation> tx::find_open_escalation(std::int64_t id) {
  static const std::string sql = std::string(escalation_select) + "e.id = $1";
  auto found = read_escalations(c_.query(sql.c_str(), {id}));
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

bool tx::resolve_escalation(std::int64_t id, std::int64_t worker_id) {
  require_disk();
  return c_.query("UPDATE escalations SET resolved_at = $1 WHERE id = $2 AND worker_id = $3 AND resolved_at IS NULL",
                  {now(), id, worker_id})
             .affected() == 1;
}

std::int64_t tx::mark_high_calls_told(std::string_view facility) {
  require_disk();
  return static_cast<std::int64_t>(
      c_.query("UPDATE escalations SET notified_at = $1 WHERE resolved_at IS NULL AND notified_at IS NULL"
               " AND priority = 1 AND worker_id IN (SELECT id FROM users WHERE facility = $2)",
               {now(), facility})
          .affected());
}

core::unix_ms tx::high_calls_told_at(std::string_view facility) {
  return c_.query("SELECT COALESCE(MAX(notified_at), 0) FROM escalations"
                  " WHERE worker_id IN (SELECT id FROM users WHERE facility = $1)",
                  {facility})
      .int64(0, 0);
}

std::int64_t tx::mark_overdue_calls_told(std::string_view facility, core::unix_ms told_before) {
  require_disk();
  return static_cast<std::int64_t>(
      c_.query("UPDATE escalations SET overdue_told_at = $1 WHERE resolved_at IS NULL AND priority = 1"
               " AND notified_at <= $2 AND overdue_told_at IS NULL"
               " AND worker_id IN (SELECT id FROM users WHERE facility = $3)",
               {now(), told_before, facility})
          .affected());
}

void tx::resolve_series_escalations(std::int64_t series_id) {
  // Every reason but a call the person asked for and one about a medicine not taken.
  c_.query(
      "UPDATE escalations SET resolved_at = $1 WHERE series_id = $2 AND resolved_at IS NULL"
      " AND reason NOT IN ($3, $4)",
      {now(), series_id, std::string(call_asked_reason), std::string(not_taken_reason)});
}

std::map<std::pair<long long, int>, int> tx::slot_use(std::string_view clinic, std::string_view service,
                                                      long long first_day, long long last_day,
                                                      std::int64_t except_run) {
  const auto r = c_.query(
      "SELECT day, window_from, COUNT(*) FROM bookings WHERE clinic = $1 AND service = $2 AND day BETWEEN $3 AND $4"
      " AND (status = 'booked' OR (status = 'held' AND hold_until > $5 AND run_id IS DISTINCT FROM $6))"
      " GROUP BY day, window_from",
      {clinic, service, static_cast<std::int64_t>(first_day), static_cast<std::int64_t>(last_day), now(), except_run});
  std::map<std::pair<long long, int>, int> out;
  for (int i = 0; i < r.rows(); ++i) out[{r.int64(i, 0), r.integer(i, 1)}] = r.integer(i, 2);
  return out;
}

std::optional<booking> tx::take_slot(booking b, int capacity) {
  // Nodes book one at a time per clinic and day (a lock held to commit): the count below
  // and the code chosen cannot change under this transaction.
  c_.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
           {"booking:" + b.clinic + ":" + std::to_string(b.day)});
  if (b.run_id != 0) {
    c_.query("UPDATE bookings SET status = 'released', updated_at = $1 WHERE run_id = $2 AND status = 'held'",
             {now(), b.run_id});
  }
  if (!closed_clinic_days(b.clinic, b.day, b.day).empty()) return std::nullopt;
  const auto use = slot_use(b.clinic, b.service, b.day, b.day, 0);
  if (auto it = use.find({b.day, b.window_from}); it != use.end() && it->second >= capacity) return std::nullopt;
  const auto day = static_cast<std::int64_t>(b.day);
  int n = c_.query("SELECT COUNT(*) FROM bookings WHERE clinic = $1 AND day = $2", {b.clinic, day}).integer(0, 0);
  for (;; ++n) {
    if (n > 9000 * 2) throw std::runtime_error("no booking code left for " + b.clinic + " that day");
    b.code = booking_code(b.clinic, b.day, n);
    if (c_.query("SELECT 1 FROM bookings WHERE clinic = $1 AND day = $2 AND code = $3", {b.clinic, day, b.code})
            .empty()) {
      break;
    }
  }
  b.id = c_.query(
              "INSERT INTO bookings (contact_id, run_id, channel_id, clinic, service, day, window_from, window_to,"
              " starts_at, code, status, for_whom, hold_until, created_at, updated_at)"
              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
              {b.contact_id, or_null(b.run_id), b.channel_id, b.clinic, b.service, day, b.window_from, b.window_to,
               b.starts_at, b.code, to_string(b.status), b.for_whom, b.hold_until, now()})
             .int64(0, 0);
  if (b.status == booking_status::booked) require_disk();
  return b;
}

std::optional<booking> tx::find_hold(std::int64_t run_id) {
  static const std::string sql = bookings_sql("WHERE run_id = $1 AND status = 'held' AND hold_until > $2");
  const auto r = c_.query(sql.c_str(), {run_id, now()});
  if (r.empty()) return std::nullopt;
  return read_booking(r, 0);
}

std::optional<booking> tx::find_booking(std::int64_t id) {
  static const std::string sql = bookings_sql("WHERE id = $1");
  const auto r = c_.query(sql.c_str(), {id});
  if (r.empty()) return std::nullopt;
  return read_booking(r, 0);
}

std::int64_t tx::add_token(const api_token& t) {
  require_disk();
  return c_.query(
              "INSERT INTO api_tokens (name, role, facility, hash, created_at, user_id, expires_at)"
              " VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0), $7) RETURNING id",
              {t.name, t.role, t.facility, t.hash, now(), t.user_id, t.expires_at})
      .int64(0, 0);
}

namespace {

constexpr const char* token_columns =
    "id, name, role, facility, hash, created_at, (revoked_at IS NOT NULL)::integer, COALESCE(user_id, 0), expires_at";

api_token read_token(const result& r, int row) {
  return api_token{r.int64(row, 0), r.text(row, 1),  r.text(row, 2),          r.text(row, 3), r.text(row, 4),
                   r.int64(row, 5), r.integer(row, 6) != 0, r.int64(row, 7), r.int64(row, 8)};
}

}  // namespace

std::optional<api_token> tx::find_token(std::string_view hash) {
  static const std::string sql =
      std::string("SELECT ") + token_columns +
      " FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL AND (expires_at = 0 OR expires_at > $2)";
  const auto r = c_.query(sql.c_str(), {hash, now()});
  if (r.empty()) return std::nullopt;
  return read_token(r, 0);
}

std::vector<api_token> tx::list_tokens() {
  static const std::string sql =
      std::string("SELECT ") + token_columns + " FROM api_tokens WHERE user_id IS NULL ORDER BY id";
  const auto r = c_.query(sql.c_str(), {});
  std::vector<api_token> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_token(r, i));
  return out;
}

bool tx::revoke_token(std::int64_t id) {
  require_disk();
  return c_.query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", {now(), id})
             .affected() == 1;
}

void tx::audit(std::string_view actor, std::string_view action, std::string_view target,
               std::string_view detail_json) {
  require_disk();
  c_.query("INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)",
           {now(), actor, action, target, detail_json});
  ++audits_;
}

namespace {

constexpr const char* message_columns =
    "id, channel_id, to_phone, body, priority, status, COALESCE(programme, ''), COALESCE(error, ''),"
    " COALESCE(broadcast_id, 0), created_at, updated_at";

message_view read_message(const result& r, int row) {
  return message_view{r.int64(row, 0), r.text(row, 1),  r.text(row, 2),  r.text(row, 3),
                      r.integer(row, 4), r.text(row, 5), r.text(row, 6),  r.text(row, 7),
                      r.int64(row, 8), r.int64(row, 9), r.int64(row, 10), {}};
}

}  // namespace

std::vector<audit_entry> tx::audit_page(std::int64_t before, std::size_t limit, std::string_view target) {
  const auto r = c_.query("SELECT id, at, actor, action, target, detail FROM audit_log WHERE ($1 = 0 OR id < $1)"
                          " AND ($3 = '' OR target = $3) ORDER BY id DESC LIMIT $2",
                          {before, static_cast<std::int64_t>(limit), target});
  std::vector<audit_entry> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.int64(i, 0), r.int64(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.text(i, 5)});
  }
  return out;
}

std::vector<message_view> tx::messages_page(const message_filter& f, std::int64_t before, std::size_t limit) {
  static const std::string sql = std::string("SELECT ") + message_columns +
                                 " FROM outbound_messages WHERE ($1 = 0 OR id < $1) AND ($2 = '' OR to_phone = $2)"
                                 " AND ($3 = 0 OR broadcast_id = $3) AND ($4 = '' OR status = $4)"
                                 " AND ($6 = 0 OR contact_id = $6) ORDER BY id DESC LIMIT $5";
  const auto r = c_.query(sql.c_str(),
                          {before, f.to_phone, f.broadcast_id, f.status, static_cast<std::int64_t>(limit), f.contact_id});
  std::vector<message_view> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_message(r, i));
  return out;
}

std::optional<message_view> tx::find_message(std::int64_t id) {
  static const std::string sql = std::string("SELECT ") + message_columns + " FROM outbound_messages WHERE id = $1";
  const auto r = c_.query(sql.c_str(), {id});
  if (r.empty()) return std::nullopt;
  message_view m = read_message(r, 0);
  const auto e = c_.query(
      "SELECT status, source, COALESCE(raw_code, ''), applied, at FROM message_events WHERE message_id = $1 ORDER BY id",
      {id});
  for (int i = 0; i < e.rows(); ++i) {
    m.history.push_back({e.text(i, 0), e.text(i, 1), e.text(i, 2), e.integer(i, 3) != 0, e.int64(i, 4)});
  }
  return m;
}

std::optional<booking> tx::find_booking_by_code(std::string_view clinic, long long day, std::string_view code) {
  static const std::string sql = bookings_sql("WHERE clinic = $1 AND day = $2 AND code = $3");
  const auto r = c_.query(sql.c_str(), {clinic, static_cast<std::int64_t>(day), code});
  if (r.empty()) return std::nullopt;
  return read_booking(r, 0);
}

std::vector<booking> tx::upcoming_bookings(std::int64_t contact_id) {
  static const std::string sql =
      bookings_sql("WHERE contact_id = $1 AND status = 'booked' AND starts_at > $2 ORDER BY starts_at, id");
  const auto r = c_.query(sql.c_str(), {contact_id, now()});
  std::vector<booking> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_booking(r, i));
  return out;
}

std::vector<std::string> tx::visit_clients(std::int64_t contact_id) {
  const auto r = c_.query(
      "SELECT for_whom FROM bookings WHERE contact_id = $1 AND for_whom <> 'self'"
      " AND status IN ('booked', 'cancelled', 'attended', 'missed')"
      " GROUP BY for_whom ORDER BY MIN(id)",
      {contact_id});
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

std::vector<std::string> tx::own_visit_services(std::int64_t contact_id, core::unix_ms since) {
  const auto r = c_.query(
      "SELECT DISTINCT service FROM bookings WHERE contact_id = $1 AND for_whom = 'self'"
      " AND status IN ('booked', 'attended', 'missed') AND starts_at >= $2 ORDER BY service",
      {contact_id, since});
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

std::vector<booking> tx::marked_visits(std::int64_t contact_id, std::string_view service, std::string_view for_whom,
                                       int limit) {
  static const std::string sql = bookings_sql(
      "WHERE contact_id = $1 AND service = $2 AND for_whom = $3 AND status IN ('attended', 'missed')"
      " ORDER BY starts_at DESC, id DESC LIMIT $4");
  const auto r = c_.query(sql.c_str(), {contact_id, service, for_whom, limit});
  std::vector<booking> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_booking(r, i));
  return out;
}

bool tx::booked_again(std::int64_t contact_id, std::string_view service, std::string_view for_whom,
                      std::int64_t after_id) {
  return !c_.query("SELECT 1 FROM bookings WHERE contact_id = $1 AND service = $2 AND for_whom = $3 AND id > $4"
                   " AND status IN ('booked', 'attended', 'missed') LIMIT 1",
                   {contact_id, service, for_whom, after_id})
              .empty();
}

std::vector<booking> tx::bookings_on(std::string_view clinic, long long day) {
  static const std::string sql = bookings_sql(
      "WHERE clinic = $1 AND day = $2 AND status IN ('booked', 'attended', 'missed', 'cancelled')"
      " ORDER BY window_from, id");
  const auto r = c_.query(sql.c_str(), {clinic, static_cast<std::int64_t>(day)});
  std::vector<booking> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_booking(r, i));
  return out;
}

bool tx::book_hold(std::int64_t id) {
  require_disk();
  // A closure committed on another node since the hold was read has released it: the
  // condition, checked again once that row's lock is free, finds it no longer held.
  return c_.query("UPDATE bookings SET status = 'booked', updated_at = $1 WHERE id = $2 AND status = 'held'",
                  {now(), id})
             .affected() == 1;
}

void tx::set_booking_status(std::int64_t id, booking_status st) {
  require_disk();
  c_.query("UPDATE bookings SET status = $1, updated_at = $2 WHERE id = $3", {to_string(st), now(), id});
}

void tx::set_reminder_answer(std::int64_t id, std::string_view answer) {
  require_disk();
  c_.query("UPDATE bookings SET reminder_answer = $1, updated_at = $2 WHERE id = $3", {answer, now(), id});
}

bool tx::close_clinic_day(std::string_view clinic, long long day, std::string_view by) {
  require_disk();
  // take_slot's lock: a booking on another node commits before this, or sees the closure.
  c_.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
           {"booking:" + std::string(clinic) + ":" + std::to_string(day)});
  if (c_.query("INSERT INTO clinic_closures (clinic, day, closed_by, closed_at) VALUES ($1, $2, $3, $4)"
               " ON CONFLICT (clinic, day) DO NOTHING",
               {clinic, static_cast<std::int64_t>(day), by, now()})
          .affected() != 1) {
    return false;
  }
  c_.query("UPDATE bookings SET status = 'released', updated_at = $1 WHERE clinic = $2 AND day = $3 AND status = 'held'",
           {now(), clinic, static_cast<std::int64_t>(day)});
  return true;
}

bool tx::reopen_clinic_day(std::string_view clinic, long long day) {
  require_disk();
  return c_.query("DELETE FROM clinic_closures WHERE clinic = $1 AND day = $2", {clinic, static_cast<std::int64_t>(day)})
             .affected() == 1;
}

std::vector<long long> tx::closed_clinic_days(std::string_view clinic, long long first_day, long long last_day) {
  const auto r = c_.query("SELECT day FROM clinic_closures WHERE clinic = $1 AND day BETWEEN $2 AND $3 ORDER BY day",
                          {clinic, static_cast<std::int64_t>(first_day), static_cast<std::int64_t>(last_day)});
  std::vector<long long> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.int64(i, 0));
  return out;
}

void tx::set_clinic_hours(std::string_view clinic, std::string_view week, std::string_view by) {
  require_disk();
  c_.query("INSERT INTO clinic_hours (clinic, week, changed_by, changed_at) VALUES ($1, $2, $3, $4)"
           " ON CONFLICT (clinic) DO UPDATE SET week = excluded.week, changed_by = excluded.changed_by,"
           " changed_at = excluded.changed_at",
           {clinic, week, by, now()});
}

bool tx::clear_clinic_hours(std::string_view clinic) {
  require_disk();
  return c_.query("DELETE FROM clinic_hours WHERE clinic = $1", {clinic}).affected() == 1;
}

std::optional<clinic_hours> tx::find_clinic_hours(std::string_view clinic) {
  const auto r = c_.query("SELECT week, changed_by, changed_at FROM clinic_hours WHERE clinic = $1", {clinic});
  if (r.empty()) return std::nullopt;
  return clinic_hours{r.text(0, 0), r.text(0, 1), r.int64(0, 2)};
}

void tx::subscribe(std::int64_t contact_id, std::string_view topic, std::string_view area, std::string_view channel_id,
                   core::unix_ms expires_at, std::string_view district, std::string_view route,
                   std::string_view district_key) {
  require_disk();
  c_.query(
      "INSERT INTO subscriptions (contact_id, topic, area, channel_id, created_at, expires_at, district, route,"
      " district_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (contact_id, topic, area) DO UPDATE SET"
      " channel_id = excluded.channel_id, expires_at = excluded.expires_at,"
      " district = CASE WHEN excluded.district <> '' THEN excluded.district ELSE subscriptions.district END,"
      " district_key = CASE WHEN excluded.district <> '' THEN excluded.district_key ELSE subscriptions.district_key END,"
      " route = CASE WHEN excluded.route <> '' THEN excluded.route ELSE subscriptions.route END",
      {contact_id, topic, area, channel_id, now(), expires_at, district, route, district_key});
}

std::vector<written_district> tx::written_districts() {
  const auto r = c_.query(
      "SELECT area, district, district_key, COUNT(*) FROM subscriptions WHERE district <> ''"
      " GROUP BY area, district, district_key ORDER BY area COLLATE \"C\", COUNT(*) DESC, district COLLATE \"C\"",
      {});
  std::vector<written_district> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2), r.int64(i, 3)});
  return out;
}

std::size_t tx::take_district(std::string_view area, std::string_view written, std::string_view district) {
  require_disk();
  return static_cast<std::size_t>(
      c_.query("WITH u AS (UPDATE subscriptions SET district_key = $3 WHERE area = $1 AND district = $2"
               " AND district_key <> $3 RETURNING 1) SELECT COUNT(*) FROM u",
               {area, written, district})
          .int64(0, 0));
}

std::vector<subscription> tx::subscriptions_of(std::int64_t contact_id) {
  const auto r = c_.query(
      "SELECT topic, area, district, route, channel_id, created_at, expires_at, district_key FROM subscriptions"
      " WHERE contact_id = $1 ORDER BY topic, area",
      {contact_id});
  std::vector<subscription> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.int64(i, 5), r.int64(i, 6),
                   r.text(i, 7)});
  }
  return out;
}

std::optional<core::unix_ms> tx::subscription_end(std::int64_t contact_id, std::string_view topic,
                                                  std::string_view area) {
  const auto r = c_.query("SELECT expires_at FROM subscriptions WHERE contact_id = $1 AND topic = $2 AND area = $3",
                          {contact_id, topic, area});
  if (r.empty()) return std::nullopt;
  return r.int64(0, 0);
}

bool tx::subscribed(std::int64_t contact_id, std::string_view topic) {
  return !c_.query("SELECT 1 FROM subscriptions WHERE contact_id = $1 AND topic = $2 LIMIT 1", {contact_id, topic})
              .empty();
}

bool tx::end_subscription(std::int64_t contact_id, std::string_view topic, std::string_view area,
                          core::unix_ms expires_at) {
  require_disk();
  return !c_.query("DELETE FROM subscriptions WHERE contact_id = $1 AND topic = $2 AND area = $3 AND expires_at = $4"
                   " RETURNING 1",
                   {contact_id, topic, area, expires_at})
              .empty();
}

// A broadcast's text for contact `c`, from the JSON of texts by language B: the person's
// language, else the languages they read after it (their field `languages`, "fa" or "fa,en":
// R-L2; anything else is read as no list, as text::fallback_languages reads it), else F.
#define PAYGHAM_THEIR_LANGUAGES \
  "(CASE WHEN c.language <> '' AND c.fields->>'languages' ~ '^[a-z]+(,[a-z]+)?$' THEN c.fields->>'languages' END)"
#define PAYGHAM_BODY_FOR(B, F)                                                                                    \
  "COALESCE(" B "::jsonb ->> COALESCE(c.language, ''), " B "::jsonb ->> split_part(" PAYGHAM_THEIR_LANGUAGES       \
  ", ',', 1), " B "::jsonb ->> split_part(" PAYGHAM_THEIR_LANGUAGES ", ',', 2), " F ")"

// The subscribers a broadcast reaches, one row per contact, with the channel they subscribed
// on. Parameters: $1 topic, $2 area ('' for every area), $3 after contact id, $4 up to it, ROUTE
// the route ('' for any), DISTRICT the district ('' for any) and UNKNOWN (1 or 0) whether those
// whose district is not known count as in it.
#define PAYGHAM_AUDIENCE(ROUTE, DISTRICT, UNKNOWN)                                                             \
  "SELECT s.contact_id, MIN(s.channel_id) AS channel_id FROM subscriptions s JOIN contacts c ON c.id = s.contact_id" \
  " WHERE s.topic = $1 AND ($2 = '' OR s.area = $2) AND s.contact_id > $3 AND s.contact_id <= $4"              \
  " AND (" ROUTE " = '' OR s.route = " ROUTE ")"                                                                \
  " AND (" DISTRICT " = '' OR s.district_key = " DISTRICT " OR (" UNKNOWN " = 1 AND s.district_key = ''))"    \
  " AND c.opted_out = 0 AND c.unreachable = 0"                                                                 \
  " AND NOT EXISTS (SELECT 1 FROM contact_optouts o WHERE o.contact_id = s.contact_id AND o.programme = $1)"   \
  " GROUP BY s.contact_id"

std::int64_t tx::count_audience(const broadcast& b) {
  return c_.query("SELECT COUNT(*) FROM (" PAYGHAM_AUDIENCE("$5", "$6", "$7") ") a",
                  {b.topic, b.area, std::int64_t{0}, std::numeric_limits<std::int64_t>::max(), b.route, b.district,
                   b.unknown_district ? 1 : 0})
      .int64(0, 0);
}

std::int64_t tx::add_broadcast(const broadcast& b) {
  require_disk();
  return c_.query(
              "INSERT INTO broadcasts (topic, area, template, priority, not_before, done, cursor, audience, queued,"
              " created_at, updated_at, requested_by, approved_by, expires_at, route, district, unknown_district)"
              " VALUES ($1, $2, $3, $4, $5, 0, 0, $6, 0, $7, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
              {b.topic, b.area, b.template_key, static_cast<int>(b.prio), b.not_before, b.audience, now(),
               b.requested_by, b.approved_by, b.expires_at, b.route, b.district, b.unknown_district ? 1 : 0})
      .int64(0, 0);
}

namespace {

#define PAYGHAM_BROADCAST_COLUMNS                                                                                 \
  "id, topic, area, template, priority, not_before, done, cursor, audience, queued, requested_by, approved_by," \
  " cancelled, expires_at, route, district, unknown_district"

broadcast read_broadcast(const result& r, int row) {
  broadcast b;
  b.id = r.int64(row, 0);
  b.topic = r.text(row, 1);
  b.area = r.text(row, 2);
  b.template_key = r.text(row, 3);
  b.prio = static_cast<core::priority>(r.integer(row, 4));
  b.not_before = r.int64(row, 5);
  b.done = r.integer(row, 6) != 0;
  b.cursor = r.int64(row, 7);
  b.audience = r.int64(row, 8);
  b.queued = r.int64(row, 9);
  b.requested_by = r.text(row, 10);
  b.approved_by = r.text(row, 11);
  b.cancelled = r.integer(row, 12) != 0;
  b.expires_at = r.int64(row, 13);
  b.route = r.text(row, 14);
  b.district = r.text(row, 15);
  b.unknown_district = r.integer(row, 16) != 0;
  return b;
}

}  // namespace

std::optional<broadcast> tx::find_broadcast(std::int64_t id) {
  const auto r = c_.query("SELECT " PAYGHAM_BROADCAST_COLUMNS " FROM broadcasts WHERE id = $1", {id});
  if (r.empty()) return std::nullopt;
  return read_broadcast(r, 0);
}

std::vector<broadcast> tx::broadcasts_page(std::int64_t before, std::size_t limit) {
  const auto r = c_.query("SELECT " PAYGHAM_BROADCAST_COLUMNS
                          " FROM broadcasts WHERE ($1 = 0 OR id < $1) ORDER BY id DESC LIMIT $2",
                          {before, static_cast<std::int64_t>(limit)});
  std::vector<broadcast> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_broadcast(r, i));
  return out;
}

bool tx::approve_broadcast(std::int64_t id, std::string_view by) {
  require_disk();
  return !c_.query("UPDATE broadcasts SET approved_by = $1, updated_at = $2"
                   " WHERE id = $3 AND approved_by = '' AND cancelled = 0 AND requested_by <> $1"
                   " AND (expires_at = 0 OR expires_at > $2) RETURNING id",
                   {by, now(), id})
              .empty();
}

std::optional<std::size_t> tx::cancel_broadcast(std::int64_t id) {
  require_disk();
  // The row lock first: a batch another node is queuing finishes, and what it queued is seen.
  if (c_.query("SELECT 1 FROM broadcasts WHERE id = $1 FOR UPDATE", {id}).empty()) return std::nullopt;
  if (c_.query("UPDATE broadcasts SET cancelled = 1, done = 1, updated_at = $1 WHERE id = $2 AND cancelled = 0"
               " AND (done = 0 OR EXISTS (SELECT 1 FROM outbound_messages WHERE broadcast_id = broadcasts.id"
               " AND status IN ('queued', 'retrying'))) RETURNING id",
               {now(), id})
          .empty()) {
    return std::nullopt;
  }
  // Those in flight finish as they will, but never go again (a retry, a restart): expired now.
  c_.query("UPDATE outbound_messages SET expires_at = $1 WHERE broadcast_id = $2 AND status = 'sending'", {now(), id});
  const auto moved = c_.query(
      "UPDATE outbound_messages SET status = 'cancelled', error = 'the broadcast was stopped', updated_at = $1"
      " WHERE broadcast_id = $2 AND status IN ('queued', 'retrying') RETURNING id",
      {now(), id});
  return record_moved(moved, "cancelled", "broadcast");
}

std::size_t tx::expire_broadcast(std::int64_t id) {
  require_disk();
  // The row lock: a batch another node is queuing finishes first, then finds it done.
  c_.query("UPDATE broadcasts SET done = 1, updated_at = $1 WHERE id = $2", {now(), id});
  const auto moved = c_.query(
      "UPDATE outbound_messages SET status = 'expired', error = 'the alert expired before it could be sent',"
      " updated_at = $1 WHERE broadcast_id = $2 AND status IN ('queued', 'retrying') RETURNING id",
      {now(), id});
  return record_moved(moved, "expired", "broadcast");
}

broadcasts_part::batch_queued tx::queue_broadcast_batch(std::int64_t id,
                                                       const std::map<std::string, std::string>& bodies,
                                                       std::string_view fallback, std::size_t limit) {
  // The row lock: two nodes applying the same batch job cannot both queue it.
  if (c_.query("SELECT 1 FROM broadcasts WHERE id = $1 FOR UPDATE", {id}).empty()) return {};
  const auto b = find_broadcast(id);
  if (!b || b->done || limit == 0) return {0, !b || b->done};
  require_disk();
  // The last contact of this batch: `limit` subscriptions on from the cursor, in index order
  // (a person subscribed to several areas counts once per area: a batch of an every-area
  // broadcast may be a little smaller); fewer left: up to the last one.
  const auto end =
      b->area.empty()
          ? c_.query("SELECT COALESCE((SELECT contact_id FROM subscriptions WHERE topic = $1 AND contact_id > $2"
                     " ORDER BY contact_id LIMIT 1 OFFSET $3),"
                     " (SELECT MAX(contact_id) FROM subscriptions WHERE topic = $1), $2)",
                     {b->topic, b->cursor, static_cast<std::int64_t>(limit - 1)})
          : c_.query("SELECT COALESCE((SELECT contact_id FROM subscriptions WHERE topic = $1 AND area = $4"
                     " AND contact_id > $2 ORDER BY contact_id LIMIT 1 OFFSET $3),"
                     " (SELECT MAX(contact_id) FROM subscriptions WHERE topic = $1 AND area = $4), $2)",
                     {b->topic, b->cursor, static_cast<std::int64_t>(limit - 1), b->area});
  const std::int64_t last = std::max(b->cursor, end.int64(0, 0));
  const bool more = last > b->cursor;
  std::int64_t n = 0;
  batch_queued out;
  if (more) {
    nlohmann::json by_language = nlohmann::json::object();
    for (const auto& [lang, body] : bodies) by_language[lang] = body;
    // Routine (education) messages count against the frequency cap (R-S9): a person over it
    // gets the message recorded as cancelled, with the reason; alerts are never capped. Only
    // education broadcasts and lessons (routine_series) send routine messages, so the first
    // broadcast of the week of a topic without lessons needs no look at anyone's. A person taking
    // the topic's lessons gets none of its education broadcasts (lessons_first_reason).
    const bool routine =
        b->prio == core::priority::bulk &&
        c_.query("SELECT EXISTS (SELECT 1 FROM broadcasts WHERE topic = $1 AND priority = $2 AND created_at > $3"
                 " AND id <> $4) OR EXISTS (SELECT 1 FROM series WHERE programme = $1 AND worker_id IS NULL"
                 " AND flow_id <> '')",
                 {b->topic, static_cast<int>(b->prio), static_cast<std::int64_t>(now() - routine_week_ms), b->id})
                .text(0, 0) == "t";
    n = c_.query(
             "WITH m AS (INSERT INTO outbound_messages (channel_id, contact_id, to_phone, body, priority, status, next_at,"
             " created_at, updated_at, programme, broadcast_id, error, expires_at)"
             " SELECT channel_id, id, phone, body, $7, CASE WHEN why IS NULL THEN 'queued' ELSE 'cancelled' END, $8, $9, $9,"
             " $1, $10, why, $17 FROM ("
             " SELECT a.channel_id, c.id, c.phone, " PAYGHAM_BODY_FOR("$5", "$6") " AS body,"
             " CASE WHEN NOT $12::boolean THEN NULL"
             " WHEN EXISTS (SELECT 1 FROM series s WHERE s.contact_id = c.id AND s.programme = $1 AND s.active = 1"
             "  AND s.worker_id IS NULL AND s.flow_id <> '') THEN $18"
             " WHEN (SELECT COUNT(*) FILTER (WHERE p.created_at > $13) >= $15 OR COUNT(*) >= $16"
             "  FROM outbound_messages p WHERE p.contact_id = c.id AND p.programme = $1 AND p.priority = $7"
             "  AND p.status <> 'cancelled' AND p.created_at > $14) THEN $11 END AS why"
             " FROM (" PAYGHAM_AUDIENCE("$19", "$20", "$21") ") a JOIN contacts c ON c.id = a.contact_id) x ORDER BY id"
             " RETURNING id, status),"
             " e AS (INSERT INTO message_events (message_id, status, source, applied, at)"
             " SELECT id, status, CASE status WHEN 'queued' THEN 'broadcast' ELSE 'frequency-cap' END, 1, $9 FROM m"
             " RETURNING 1)"
             " SELECT COUNT(*) FROM e",
             {b->topic, b->area, b->cursor, last, by_language.dump(), fallback, static_cast<int>(b->prio),
              std::max(now(), b->not_before), now(), id, std::string(frequency_cap_reason), routine,
              static_cast<std::int64_t>(now() - routine_day_ms), static_cast<std::int64_t>(now() - routine_week_ms),
              routine_per_day, routine_per_week, b->expires_at, std::string(lessons_first_reason), b->route,
              b->district, b->unknown_district ? 1 : 0})
            .int64(0, 0);
    if (b->prio != core::priority::alert) {
      const auto own = c_.query(
          "SELECT m.id, c.phone, c.quiet_hours FROM contacts c JOIN outbound_messages m ON m.contact_id = c.id"
          " WHERE c.id > $1 AND c.id <= $2 AND c.quiet_hours IS NOT NULL AND m.broadcast_id = $3"
          " AND m.status = 'queued'",
          {b->cursor, last, id});
      for (int i = 0; i < own.rows(); ++i) out.own.push_back({own.int64(i, 0), own.text(i, 1), own.text(i, 2)});
    }
  }
  c_.query("UPDATE broadcasts SET cursor = $1, queued = queued + $2, done = $3, updated_at = $4 WHERE id = $5",
           {last, n, more ? 0 : 1, now(), id});
  out.messages = static_cast<std::size_t>(n);
  out.done = !more;
  out.from_contact = b->cursor;
  out.to_contact = last;
  return out;
}

void tx::hold_message(std::int64_t id, core::unix_ms until) {
  c_.query("UPDATE outbound_messages SET next_at = GREATEST(next_at, $1) WHERE id = $2 AND status = 'queued'",
           {until, id});
}

std::vector<std::string> tx::batch_numbers(std::int64_t id, std::int64_t from_contact, std::int64_t to_contact) {
  const auto r = c_.query(
      "SELECT MIN(m.to_phone) FROM contacts c JOIN outbound_messages m ON m.contact_id = c.id"
      " WHERE c.id > $1 AND c.id <= $2 AND c.quiet_hours IS NULL AND m.broadcast_id = $3 AND m.status = 'queued'"
      " GROUP BY left(m.to_phone, $4)",
      {from_contact, to_contact, id, static_cast<std::int64_t>(number_start)});
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

std::size_t tx::hold_broadcast(std::int64_t id, std::int64_t from_contact, std::int64_t to_contact,
                               std::string_view start, core::unix_ms until) {
  return c_.query(
               "UPDATE outbound_messages m SET next_at = GREATEST(m.next_at, $1) FROM contacts c"
               " WHERE c.id = m.contact_id AND c.quiet_hours IS NULL AND m.broadcast_id = $2"
               " AND m.contact_id > $3 AND m.contact_id <= $4 AND m.status = 'queued'"
               " AND left(m.to_phone, length($5)) = $5",
               {until, id, from_contact, to_contact, std::string(start)})
      .affected();
}

void tx::rebody_broadcast(std::int64_t id, std::int64_t from_contact, std::int64_t to_contact,
                          std::string_view phone_prefix, const std::map<std::string, std::string>& bodies,
                          std::string_view fallback) {
  nlohmann::json by_language = nlohmann::json::object();
  for (const auto& [lang, body] : bodies) by_language[lang] = body;
  c_.query(
      "UPDATE outbound_messages m SET body = " PAYGHAM_BODY_FOR("$1", "$2") " FROM contacts c"
      " WHERE c.id = m.contact_id AND m.broadcast_id = $3 AND m.contact_id > $4 AND m.contact_id <= $5"
      " AND m.status = 'queued' AND left(m.to_phone, length($6)) = $6",
      {by_language.dump(), std::string(fallback), id, from_contact, to_contact, std::string(phone_prefix)});
}

#undef PAYGHAM_AUDIENCE
#undef PAYGHAM_BODY_FOR
#undef PAYGHAM_THEIR_LANGUAGES

std::map<std::string, std::int64_t> tx::broadcast_progress(std::int64_t id) {
  const auto r = c_.query("SELECT status, COUNT(*) FROM outbound_messages WHERE broadcast_id = $1 GROUP BY status", {id});
  std::map<std::string, std::int64_t> out;
  for (int i = 0; i < r.rows(); ++i) out[r.text(i, 0)] = r.int64(i, 1);
  return out;
}

bool tx::add_transfer_code(std::int64_t contact_id, std::string_view topic, std::string_view code,
                           core::unix_ms expires_at) {
  require_disk();
  // A code used up or expired may be drawn again.
  return c_.query(
               "INSERT INTO transfer_codes (code_hash, contact_id, topic, expires_at)"
               " VALUES ($1, $2, $3, $4)"
               " ON CONFLICT (code_hash) DO UPDATE SET contact_id = excluded.contact_id,"
               " topic = excluded.topic, expires_at = excluded.expires_at, used_at = NULL"
               " WHERE transfer_codes.used_at IS NOT NULL OR transfer_codes.expires_at <= $5",
               {transfer_code_hash(salt(), code), contact_id, topic, expires_at, now()})
             .affected() == 1;
}

std::optional<moved_subscriptions> tx::use_transfer_code(std::string_view code, std::string_view topic,
                                                          std::int64_t to_contact, std::string_view channel_id) {
  // FOR UPDATE: two nodes given the same code at once move the subscriptions once.
  const std::string hash = transfer_code_hash(salt(), code);
  const auto q = c_.query(
      "SELECT contact_id FROM transfer_codes"
      " WHERE code_hash = $1 AND topic = $2 AND used_at IS NULL AND expires_at > $3"
      " FOR UPDATE",
      {hash, topic, now()});
  if (q.empty()) return std::nullopt;
  const std::int64_t from = q.int64(0, 0);
  if (from == to_contact) return moved_subscriptions{from, {}};  // kept for the new SIM
  require_disk();
  std::vector<std::string> areas;
  // Each keeps its end, district and route: a new SIM is not a renewal.
  for (const auto& s : subscriptions_of(from)) {
    if (s.topic != topic) continue;
    subscribe(to_contact, topic, s.area, channel_id, s.expires_at, s.district, s.route, s.district_key);
    areas.push_back(s.area);
  }
  c_.query("DELETE FROM subscriptions WHERE contact_id = $1 AND topic = $2", {from, topic});
  c_.query("UPDATE transfer_codes SET used_at = $1 WHERE code_hash = $2", {now(), hash});
  return moved_subscriptions{from, std::move(areas)};
}

int tx::transfer_failures(std::int64_t contact_id, core::unix_ms since) {
  return c_.query("SELECT COUNT(*) FROM transfer_failures WHERE contact_id = $1 AND at >= $2", {contact_id, since})
      .integer(0, 0);
}

void tx::add_transfer_failure(std::int64_t contact_id) {
  c_.query("INSERT INTO transfer_failures (contact_id, at) VALUES ($1, $2)", {contact_id, now()});
}

void tx::set_reachable(std::int64_t contact_id) {
  c_.query("UPDATE contacts SET unreachable = 0, failures_in_row = 0, updated_at = $1 WHERE id = $2",
           {now(), contact_id});
}

void tx::count_reach(std::int64_t message_id, core::message_status st) {
  const reach_signal signal = reach_signal_of(st);
  if (signal == reach_signal::none) return;
  if (signal == reach_signal::delivered) {
    c_.query(
        "UPDATE contacts SET failures_in_row = 0 WHERE failures_in_row > 0"
        " AND (id, phone) = (SELECT contact_id, to_phone FROM outbound_messages WHERE id = $1)",
        {message_id});
    return;
  }
  c_.query(
      "UPDATE contacts SET failures_in_row = failures_in_row + 1,"
      " unreachable = CASE WHEN failures_in_row + 1 >= $1 THEN 1 ELSE unreachable END,"
      " explicit_texts = CASE WHEN failures_in_row + 1 >= $1 THEN 0 ELSE explicit_texts END, updated_at = $2"
      " WHERE (id, phone) = (SELECT contact_id, to_phone FROM outbound_messages WHERE id = $3)",
      {failures_before_unreachable, now(), message_id});
}

int tx::heartbeat(std::int64_t window_ms) {
  c_.query(
      "INSERT INTO nodes (id, seen_at, started_at) VALUES ($1, $2, $2)"
      " ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at",
      {opts_.node_id, now()});
  return c_.query("SELECT COUNT(*) FROM nodes WHERE seen_at >= $1", {now() - window_ms}).integer(0, 0);
}

void tx::pause_channel(std::string_view channel_id, core::unix_ms until, std::string_view reason) {
  c_.query(
      "INSERT INTO channel_pauses (channel_id, paused_until, reason, node, at) VALUES ($1, $2, $3, $4, $5)"
      " ON CONFLICT (channel_id) DO UPDATE SET paused_until = EXCLUDED.paused_until, reason = EXCLUDED.reason,"
      " node = EXCLUDED.node, at = EXCLUDED.at WHERE EXCLUDED.paused_until > channel_pauses.paused_until",
      {channel_id, until, reason, opts_.node_id, now()});
}

std::map<std::string, core::unix_ms> tx::channel_pauses() {
  const auto r = c_.query("SELECT channel_id, paused_until FROM channel_pauses WHERE paused_until > $1", {now()});
  std::map<std::string, core::unix_ms> out;
  for (int i = 0; i < r.rows(); ++i) out[r.text(i, 0)] = r.int64(i, 1);
  return out;
}

std::size_t tx::prune(core::unix_ms before, std::size_t limit) {
  const auto lim = static_cast<std::int64_t>(limit);
  std::size_t n = c_.query(
                        "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status = 'done' AND due_at < $1"
                        " LIMIT $2)",
                        {before, lim})
                      .affected();
  n += c_.query(
             "DELETE FROM delivery_reports WHERE id IN (SELECT id FROM delivery_reports WHERE received_at < $1"
             " LIMIT $2)",
             {before, lim})
           .affected();
  // Console sessions that ended before then (the audit log names the user, not the session).
  n += c_.query(
             "DELETE FROM api_tokens WHERE id IN (SELECT id FROM api_tokens WHERE user_id IS NOT NULL"
             " AND ((expires_at > 0 AND expires_at < $1) OR revoked_at < $1) LIMIT $2)",
             {before, lim})
           .affected();
  return n;
}

namespace {
// R-D3: the big tables read in id order from a retention mark (SQLite's engine has the same):
// the rows to read ($1 the mark, $2 the limit), and what to do up to where all were written
// before the retention ($1 the mark, $2 that id).
struct marked_table {
  const char* name;
  const char* scan;
  const char* blank;
};
constexpr const char* scan_messages =
    "SELECT id, created_at, (status NOT IN ('queued', 'retrying', 'sending'))::integer FROM outbound_messages"
    " WHERE id > $1 ORDER BY id LIMIT $2";
constexpr marked_table marked_tables[] = {
    {"outbound_messages", scan_messages,
     "UPDATE outbound_messages SET body = '' WHERE id > $1 AND id <= $2 AND body <> ''"
     " AND status NOT IN ('queued', 'retrying', 'sending')"},
    {"inbound_events", "SELECT id, received_at, 1 FROM inbound_events WHERE id > $1 ORDER BY id LIMIT $2",
     "UPDATE inbound_events SET body = '' WHERE id > $1 AND id <= $2 AND body <> ''"},
    {"flow_runs", "SELECT id, created_at, (status IN ('completed', 'expired', 'failed'))::integer FROM flow_runs WHERE id > $1"
     " ORDER BY id LIMIT $2",
     "UPDATE flow_runs SET last_input = '', last_reply = '', prev_input = '', prev_reply = ''"
     " WHERE id > $1 AND id <= $2 AND status IN ('completed', 'expired', 'failed')"
     " AND COALESCE(last_input, '') || COALESCE(last_reply, '') || COALESCE(prev_input, '') || COALESCE(prev_reply, '') <> ''"},
};
constexpr const char* delivery_steps[] = {
    "INSERT INTO delivery_totals (hour, channel_id, status, messages)"
    " SELECT created_at / 3600000 * 3600000, channel_id, status, COUNT(*) FROM outbound_messages"
    " WHERE id > $1 AND id <= $2 AND status NOT IN ('queued', 'retrying', 'sending') GROUP BY 1, 2, 3"
    " ON CONFLICT (hour, channel_id, status) DO UPDATE SET messages = delivery_totals.messages + excluded.messages",
    "DELETE FROM message_events WHERE message_id IN (SELECT id FROM outbound_messages"
    " WHERE id > $1 AND id <= $2 AND status NOT IN ('queued', 'retrying', 'sending'))",
    "DELETE FROM delivery_reports WHERE message_id IN (SELECT id FROM outbound_messages"
    " WHERE id > $1 AND id <= $2 AND status NOT IN ('queued', 'retrying', 'sending'))",
    "DELETE FROM outbound_messages WHERE id > $1 AND id <= $2 AND status NOT IN ('queued', 'retrying', 'sending')",
};
}  // namespace

std::pair<std::int64_t, std::int64_t> tx::retention_stretch(const char* mark_name, const char* scan,
                                                            core::unix_ms before, std::int64_t limit) {
  const auto m = c_.query("SELECT last_id FROM retention_marks WHERE name = $1", {mark_name});
  const std::int64_t mark = m.empty() ? 0 : m.int64(0, 0);
  const auto q = c_.query(scan, {mark, limit});
  std::vector<retention_row> rows;
  for (int r = 0; r < q.rows(); ++r) rows.push_back({q.int64(r, 0), q.int64(r, 1), q.int64(r, 2) != 0});
  const std::int64_t reach = retention_reach(rows, before);
  if (reach > 0) {
    c_.query(
        "INSERT INTO retention_marks (name, last_id) VALUES ($1, $2)"
        " ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id",
        {mark_name, reach});
  }
  return {mark, reach};
}

std::size_t tx::forget_past(const retention_before& before, std::size_t limit) {
  const auto lim = static_cast<std::int64_t>(limit);
  std::size_t n = 0;
  if (before.texts > 0) {
    for (const auto& t : marked_tables) {
      const auto [mark, reach] = retention_stretch(t.name, t.scan, before.texts, lim);
      if (reach > 0) n += c_.query(t.blank, {mark, reach}).affected();
    }
    n += c_.query(
               "UPDATE inbox SET body = '' WHERE id IN"
               " (SELECT id FROM inbox WHERE status = 'done' AND body <> '' AND created_at < $1 LIMIT $2)",
               {before.texts, lim})
             .affected();
  }
  if (before.deliveries > 0) {
    const auto [mark, reach] = retention_stretch("delivered_messages", scan_messages, before.deliveries, lim);
    std::size_t last = 0;
    if (reach > 0) {
      for (const char* sql : delivery_steps) last = c_.query(sql, {mark, reach}).affected();
    }
    n += last;
  }
  if (before.reporters > 0) {
    n += c_.query(
               "UPDATE inbox SET contact_id = NULL, from_phone = NULL WHERE id IN (SELECT id FROM "
               "inbox WHERE contact_id IS NOT NULL"
               " AND (area <> '' OR someone_hurt IS NOT NULL) AND COALESCE(may_call, 0) = 0 AND "
               "created_at < $1"
               " LIMIT $2)",
               {before.reporters, lim})
             .affected();
    // A reporter who agreed to be called back stays while the report is worked on, up to a limit.
    n += c_.query(
               "UPDATE inbox SET contact_id = NULL, from_phone = NULL WHERE id IN (SELECT id FROM "
               "inbox WHERE contact_id IS NOT NULL"
               " AND may_call = 1 AND (done_at < $1 OR created_at < $3) LIMIT $2)",
               {before.reporters, lim, before.callbacks})
             .affected();
  }
  if (before.visits > 0) {
    n += c_.query(
               "DELETE FROM bookings WHERE id IN"
               " (SELECT id FROM bookings WHERE starts_at < $1 AND status <> 'held' LIMIT $2)",
               {before.visits, lim})
             .affected();
  }
  return n;
}

}  // namespace paygham::store::postgresql
