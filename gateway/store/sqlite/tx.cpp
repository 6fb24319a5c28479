#include "gateway/store/sqlite/tx.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include "gateway/store/rules.hpp"
#include "gateway/store/sqlite/statement_cache.hpp"

namespace paygham::store::sqlite {
namespace {

void bind_text(SQLite::Statement& s, int i, std::string_view v) {
  s.bind(i, std::string(v));  // text, copied (SQLITE_TRANSIENT)
}

// Empty strings are stored as NULL where the column is optional.
void bind_opt_text(SQLite::Statement& s, int i, std::string_view v) {
  if (v.empty()) {
    s.bind(i);
  } else {
    bind_text(s, i, v);
  }
}

run read_run(SQLite::Statement& s) {
  run r;
  r.id = s.getColumn(0).getInt64();
  r.contact_id = s.getColumn(1).getInt64();
  r.channel_id = s.getColumn(2).getString();
  r.medium = parse_medium(s.getColumn(3).getString()).value_or(medium::ussd);
  r.session_id = s.getColumn(4).getString();
  r.flow_id = s.getColumn(5).getString();
  r.flow_hash = s.getColumn(6).getString();
  // The schema's CHECK admits only known names.
  r.status = parse_run_status(s.getColumn(7).getString()).value_or(run_status::failed);
  r.state = s.getColumn(8).getString();
  r.last_input = s.getColumn(9).getString();
  r.last_reply = s.getColumn(10).getString();
  r.updated_at = s.getColumn(11).getInt64();
  r.prev_input = s.getColumn(12).getString();
  r.prev_reply = s.getColumn(13).getString();
  return r;
}

constexpr const char* booking_columns =
    "id, contact_id, COALESCE(run_id, 0), channel_id, clinic, service, day, window_from, window_to, starts_at, "
    "code, status, for_whom, hold_until, reminder_answer";

booking read_booking(SQLite::Statement& s) {
  booking b;
  b.id = s.getColumn(0).getInt64();
  b.contact_id = s.getColumn(1).getInt64();
  b.run_id = s.getColumn(2).getInt64();
  b.channel_id = s.getColumn(3).getString();
  b.clinic = s.getColumn(4).getString();
  b.service = s.getColumn(5).getString();
  b.day = s.getColumn(6).getInt64();
  b.window_from = s.getColumn(7).getInt();
  b.window_to = s.getColumn(8).getInt();
  b.starts_at = s.getColumn(9).getInt64();
  b.code = s.getColumn(10).getString();
  b.status = parse_booking_status(s.getColumn(11).getString()).value_or(booking_status::cancelled);
  b.for_whom = s.getColumn(12).getString();
  b.hold_until = s.getColumn(13).getInt64();
  b.reminder_answer = s.getColumn(14).getString();
  return b;
}

constexpr const char* run_columns =
    "id, contact_id, channel_id, medium, session_id, flow_id, flow_hash, status, state, "
    "last_input, last_reply, updated_at, prev_input, prev_reply";


}  // namespace

tx::tx(SQLite::Database& db, statement_cache& cache, const options& o, core::unix_ms now)
    : store::tx(now), db_(db), cache_(cache), opts_(o) {}

SQLite::Statement& tx::stmt(const char* sql) { return cache_.get(db_, sql); }

bool tx::record_inbound(std::string_view channel_id, std::string_view external_id,
                        std::string_view kind, std::int64_t contact_id, std::string_view body) {
  // The aggregator will not send an acknowledged event again: it must be on disk first.
  require_disk();
  auto& s = stmt(
      "INSERT INTO inbound_events (channel_id, external_id, kind, contact_id, body, received_at)"
      " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, external_id) DO NOTHING");
  bind_text(s, 1, channel_id);
  bind_text(s, 2, external_id);
  bind_text(s, 3, kind);
  if (contact_id > 0) {
    s.bind(4, contact_id);
  } else {
    s.bind(4);
  }
  bind_text(s, 5, body);
  s.bind(6, now());
  return s.exec() == 1;
}

void tx::forget_inbound_body(std::string_view channel_id, std::string_view external_id) {
  auto& s = stmt("UPDATE inbound_events SET body = '' WHERE channel_id = ? AND external_id = ?");
  bind_text(s, 1, channel_id);
  bind_text(s, 2, external_id);
  s.exec();
}

bool tx::lock_contact(std::int64_t contact_id) {
  // One writer: the lock is the transaction itself; the contact must still be there.
  auto& q = stmt("SELECT 1 FROM contacts WHERE id = ?");
  q.bind(1, contact_id);
  const bool found = q.executeStep();
  q.reset();
  return found;
}

contact tx::upsert_contact(std::string_view phone) {
  auto& find = stmt(
      "SELECT id, COALESCE(language, ''), fields, opted_out, unreachable, explicit_texts, language_asked_at,"
      " COALESCE(quiet_hours, ''), COALESCE(pending_language, '') FROM contacts WHERE phone = ?");
  bind_text(find, 1, phone);
  if (find.executeStep()) {
    contact c{find.getColumn(0).getInt64(), std::string(phone), find.getColumn(1).getString(),
              parse_fields(find.getColumn(2).getString()), find.getColumn(3).getInt() != 0};
    c.unreachable = find.getColumn(4).getInt() != 0;
    c.explicit_texts = find.getColumn(5).getInt() != 0;
    c.language_asked_at = find.getColumn(6).getInt64();
    c.quiet_hours = find.getColumn(7).getString();
    c.pending_language = find.getColumn(8).getString();
    return c;
  }
  if (const auto id = other_number_of(phone); id != 0) {
    auto c = *find_contact(id);
    c.phone = phone;
    c.explicit_texts = false;
    c.unreachable = false;  // the main number's failures (R-S13) say nothing of this one
    return c;
  }
  auto& ins = stmt("INSERT INTO contacts (phone, created_at, updated_at) VALUES (?, ?, ?)");
  bind_text(ins, 1, phone);
  ins.bind(2, now());
  ins.bind(3, now());
  ins.exec();
  contact made{db_.getLastInsertRowid(), std::string(phone), {}, {}, false, true};
  apply_suppressions(made);
  return made;
}

const std::string& tx::salt() {
  if (salt_.empty()) {
    auto& q = stmt("SELECT value FROM deployment WHERE name = 'suppression_salt'");
    const bool found = q.executeStep();
    if (found) salt_ = q.getColumn(0).getString();
    q.reset();
    // Migration 17 made it: never hash a number with none.
    if (!found || salt_.empty()) throw std::runtime_error("the store has no suppression salt");
  }
  return salt_;
}

void tx::apply_suppressions(contact& c) {
  auto& q = stmt("SELECT programme FROM suppressions WHERE hash = ?");
  bind_text(q, 1, suppression_hash(salt(), c.phone));
  std::vector<std::string> programmes;
  while (q.executeStep()) programmes.push_back(q.getColumn(0).getString());
  q.reset();
  for (const auto& p : programmes) {
    if (p.empty()) {
      auto& u = stmt("UPDATE contacts SET opted_out = 1 WHERE id = ?");
      u.bind(1, c.id);
      u.exec();
      c.opted_out = true;
    } else {
      auto& i = stmt("INSERT OR IGNORE INTO contact_optouts (contact_id, programme, at) VALUES (?, ?, ?)");
      i.bind(1, c.id);
      bind_text(i, 2, p);
      i.bind(3, now());
      i.exec();
    }
  }
}

void tx::keep_stops(const contact& who) {
  const std::string hash = suppression_hash(salt(), who.phone);
  if (who.opted_out) {
    auto& s = stmt("INSERT OR IGNORE INTO suppressions (hash, programme, at) VALUES (?, '', ?)");
    bind_text(s, 1, hash);
    s.bind(2, now());
    s.exec();
  }
  auto& p = stmt("INSERT OR IGNORE INTO suppressions (hash, programme, at)"
                 " SELECT ?, programme, ? FROM contact_optouts WHERE contact_id = ?");
  bind_text(p, 1, hash);
  p.bind(2, now());
  p.bind(3, who.id);
  p.exec();
}

namespace {

// What is left of an erased contact: its id, so what refers to it still reads.
constexpr const char* blank_contact =
    "UPDATE contacts SET phone = 'erased:' || id, language = NULL, fields = '{}', opted_out = 1,"
    " shared_phone = 'unknown', explicit_texts = 0, language_asked_at = 0, privacy_recorded_by = NULL,"
    " privacy_recorded_at = NULL, quiet_hours = NULL, pending_language = NULL, invited_at = NULL,"
    " visit_pin = NULL, visit_pin_failed = 0, visit_pin_locked_until = 0 WHERE id = ?";

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
  auto& cancel = stmt(
      "UPDATE outbound_messages SET status = 'cancelled', error = 'their data was erased (R-D6)', updated_at = ?"
      " WHERE contact_id = ? AND status IN ('queued', 'retrying') RETURNING id");
  cancel.bind(1, now());
  cancel.bind(2, contact_id);
  record_moved(cancel, "cancelled", "erased");
  for (const char* sql : {
           "UPDATE outbound_messages SET to_phone = '', body = '' WHERE contact_id = ?",
           "UPDATE inbound_events SET body = '' WHERE contact_id = ?",
           "UPDATE inbox SET body = '', from_phone = NULL WHERE contact_id = ?",
           "UPDATE flow_runs SET state = '{\"node\":\"\",\"vars\":{},\"invalid\":0}', last_input = "
           "'', last_reply = '',"
           " prev_input = '', prev_reply = '',"
           " status = CASE WHEN status IN ('active', 'waiting') THEN 'expired' ELSE status END "
           "WHERE contact_id = ?",
           "DELETE FROM subscriptions WHERE contact_id = ?",
           "UPDATE series SET active = 0 WHERE contact_id = ?",
           "UPDATE bookings SET status = 'cancelled' WHERE contact_id = ? AND status IN ('held', "
           "'booked')",
           "DELETE FROM transfer_codes WHERE contact_id = ?",
           "DELETE FROM contact_optouts WHERE contact_id = ?",
           "DELETE FROM consents WHERE contact_id = ?",
           "DELETE FROM contact_numbers WHERE contact_id = ?",
           blank_contact,
       }) {
    auto& u = stmt(sql);
    u.bind(1, contact_id);
    u.exec();
  }
  auto& e = stmt("UPDATE escalations SET resolved_at = ? WHERE contact_id = ? AND resolved_at IS NULL");
  e.bind(1, now());
  e.bind(2, contact_id);
  e.exec();
  return true;
}

void tx::take_in(std::int64_t contact_id, std::int64_t absorbed) {
  if (absorbed == 0) return;
  // Its conversations were not the person's.
  auto& end = stmt(
      "UPDATE flow_runs SET status = 'expired', updated_at = ? WHERE contact_id = ?"
      " AND status IN ('active', 'waiting')");
  end.bind(1, now());
  end.bind(2, absorbed);
  end.exec();
  // What it wrote came from its number, which is not the person's main one.
  auto& from = stmt(
      "UPDATE inbox SET from_phone = COALESCE(from_phone, (SELECT phone FROM contacts WHERE id = "
      "?1))"
      " WHERE contact_id = ?1");
  from.bind(1, absorbed);
  from.exec();
  // Static: prepared statements are kept by their SQL's address.
  static const auto hand_over = [] {
    std::array<std::string, rows_of_a_contact.size()> sql;
    for (std::size_t i = 0; i < sql.size(); ++i) {
      sql[i] = "UPDATE " + std::string(rows_of_a_contact[i]) +
               " SET contact_id = ? WHERE contact_id = ?";
    }
    return sql;
  }();
  for (const auto& sql : hand_over) {
    auto& u = stmt(sql.c_str());
    u.bind(1, contact_id);
    u.bind(2, absorbed);
    u.exec();
  }
  for (const char* sql : {"DELETE FROM transfer_codes WHERE contact_id = ?", blank_contact}) {
    auto& u = stmt(sql);
    u.bind(1, absorbed);
    u.exec();
  }
}

std::int64_t tx::move_number(std::int64_t contact_id, const number_move& mv) {
  const auto who = find_contact(contact_id);
  if (!who) return 0;
  require_disk();
  keep_stops(*who);
  // The person's conversations were on the old phone.
  auto& end = stmt(
      "UPDATE flow_runs SET status = 'expired', updated_at = ? WHERE contact_id = ?"
      " AND status IN ('active', 'waiting')");
  end.bind(1, now());
  end.bind(2, contact_id);
  end.exec();
  take_in(contact_id, mv.absorbed);
  // One of their other numbers is their main one now; what came from another number goes back
  // to the main one (a reply never goes to a number no longer theirs).
  auto& other = stmt("DELETE FROM contact_numbers WHERE phone = ? AND contact_id = ?");
  bind_text(other, 1, mv.phone);
  other.bind(2, contact_id);
  other.exec();
  auto& inbox = stmt(
      "UPDATE inbox SET from_phone = NULL WHERE contact_id = ? AND from_phone IS NOT NULL"
      " AND from_phone NOT IN (SELECT phone FROM contact_numbers WHERE contact_id = ?)");
  inbox.bind(1, contact_id);
  inbox.bind(2, contact_id);
  inbox.exec();
  auto& c = stmt(
      "UPDATE contacts SET phone = ?, unreachable = 0, failures_in_row = 0, language_asked_at = 0,"
      " pending_language = NULL, updated_at = ? WHERE id = ?");
  bind_text(c, 1, mv.phone);
  c.bind(2, now());
  c.bind(3, contact_id);
  c.exec();
  if (mv.old_zone != mv.new_zone) {
    auto& z = stmt("UPDATE series SET time_zone = ? WHERE contact_id = ? AND time_zone = ? AND active = 1");
    bind_text(z, 1, mv.new_zone);
    z.bind(2, contact_id);
    bind_text(z, 3, mv.old_zone);
    z.exec();
  }
  auto& m = stmt("UPDATE outbound_messages SET to_phone = ? WHERE contact_id = ?"
                 " AND status IN ('queued', 'retrying')");
  bind_text(m, 1, mv.phone);
  m.bind(2, contact_id);
  return m.exec();
}

void tx::add_number(std::int64_t contact_id, std::string_view phone, std::int64_t absorbed) {
  require_disk();
  take_in(contact_id, absorbed);
  auto& add = stmt("INSERT INTO contact_numbers (phone, contact_id, added_at) VALUES (?, ?, ?)");
  bind_text(add, 1, phone);
  add.bind(2, contact_id);
  add.bind(3, now());
  add.exec();
}

bool tx::remove_number(std::int64_t contact_id, std::string_view phone) {
  auto who = find_contact(contact_id);
  if (!who) return false;
  auto& del = stmt("DELETE FROM contact_numbers WHERE phone = ? AND contact_id = ?");
  bind_text(del, 1, phone);
  del.bind(2, contact_id);
  if (del.exec() == 0) return false;
  auto& inbox = stmt("UPDATE inbox SET from_phone = NULL WHERE contact_id = ? AND from_phone = ?");
  inbox.bind(1, contact_id);
  bind_text(inbox, 2, phone);
  inbox.exec();
  who->phone = phone;
  keep_stops(*who);
  return true;
}

std::vector<std::string> tx::other_numbers(std::int64_t contact_id) {
  auto& q = stmt("SELECT phone FROM contact_numbers WHERE contact_id = ? ORDER BY added_at, phone");
  q.bind(1, contact_id);
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  q.reset();
  return out;
}

std::vector<std::string> tx::number_stops(std::string_view phone) {
  auto& q = stmt("SELECT programme FROM suppressions WHERE hash = ? ORDER BY programme");
  bind_text(q, 1, suppression_hash(salt(), phone));
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  q.reset();
  return out;
}

std::vector<contact> tx::find_contacts_by_name(std::string_view part, std::size_t limit) {
  // Arabic yeh, alef maksura and kaf read as the Persian letters a Persian keyboard types.
  auto& q = stmt(
      "SELECT id FROM contacts WHERE instr("
      "replace(replace(replace(lower(json_extract(fields, '$.name')), 'ي', 'ی'), 'ى', 'ی'), 'ك', 'ک'),"
      " replace(replace(replace(lower(?), 'ي', 'ی'), 'ى', 'ی'), 'ك', 'ک')) > 0 ORDER BY id LIMIT ?");
  bind_text(q, 1, part);
  q.bind(2, static_cast<std::int64_t>(limit));
  std::vector<std::int64_t> ids;
  while (q.executeStep()) ids.push_back(q.getColumn(0).getInt64());
  q.reset();
  std::vector<contact> out;
  for (const auto id : ids) {
    if (auto c = find_contact(id)) out.push_back(std::move(*c));
  }
  return out;
}

contact_record tx::find_contact_record(std::int64_t contact_id) {
  contact_record out;
  auto& s = stmt(
      "SELECT shared_phone, explicit_texts, COALESCE(privacy_recorded_by, ''), COALESCE(privacy_recorded_at, 0)"
      " FROM contacts WHERE id = ?");
  s.bind(1, contact_id);
  if (s.executeStep()) {
    out.shared_phone = s.getColumn(0).getString();
    out.explicit_texts = s.getColumn(1).getInt() != 0;
    out.privacy_recorded_by = s.getColumn(2).getString();
    out.privacy_recorded_at = s.getColumn(3).getInt64();
  }
  s.reset();
  auto& q = stmt("SELECT programme, via, recorded_by, at FROM consents WHERE contact_id = ? ORDER BY id");
  q.bind(1, contact_id);
  while (q.executeStep()) {
    out.consents.push_back(
        {q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(), q.getColumn(3).getInt64()});
  }
  q.reset();
  return out;
}

void tx::set_phone_privacy(std::int64_t contact_id, std::string_view shared_phone, bool explicit_texts,
                           std::string_view recorded_by) {
  if (!may_name_care(shared_phone, explicit_texts)) {
    // Turned off: the reminders a health worker set up that are queued now were written to
    // name the care; none goes to a phone others may read (R-S11).
    auto& c = stmt(
        "UPDATE outbound_messages SET status = 'cancelled', error = ?, updated_at = ?"
        " WHERE contact_id = ?3 AND status IN ('queued', 'retrying')"
        " AND series_id IN (SELECT id FROM series WHERE contact_id = ?3 AND worker_id IS NOT NULL)"
        " AND EXISTS (SELECT 1 FROM contacts WHERE id = ?3 AND explicit_texts = 1) RETURNING id");
    bind_text(c, 1, care_named_reason);
    c.bind(2, now());
    c.bind(3, contact_id);
    record_moved(c, "cancelled", "privacy");
  }
  auto& u = stmt(
      "UPDATE contacts SET shared_phone = ?1, explicit_texts = ?2, privacy_recorded_by = ?3, privacy_recorded_at = ?4,"
      " updated_at = ?4 WHERE id = ?5");
  bind_text(u, 1, shared_phone);
  u.bind(2, may_name_care(shared_phone, explicit_texts) ? 1 : 0);
  bind_text(u, 3, recorded_by);
  u.bind(4, now());
  u.bind(5, contact_id);
  u.exec();
}

void tx::add_consent(std::int64_t contact_id, const consent& c) {
  auto& i = stmt("INSERT INTO consents (contact_id, programme, via, recorded_by, at) VALUES (?, ?, ?, ?, ?)");
  i.bind(1, contact_id);
  bind_text(i, 2, c.programme);
  bind_text(i, 3, c.via);
  bind_text(i, 4, c.recorded_by);
  i.bind(5, now());
  i.exec();
}

std::optional<contact> tx::find_contact_by_phone(std::string_view phone) {
  auto& q = stmt("SELECT id FROM contacts WHERE phone = ?");
  bind_text(q, 1, phone);
  std::int64_t id = q.executeStep() ? q.getColumn(0).getInt64() : 0;
  q.reset();
  if (id == 0) id = other_number_of(phone);
  return id == 0 ? std::nullopt : find_contact(id);
}

std::int64_t tx::other_number_of(std::string_view phone) {
  auto& q = stmt("SELECT contact_id FROM contact_numbers WHERE phone = ?");
  bind_text(q, 1, phone);
  const std::int64_t id = q.executeStep() ? q.getColumn(0).getInt64() : 0;
  q.reset();
  return id;
}

std::optional<contact> tx::find_contact(std::int64_t contact_id) {
  auto& s = stmt(
      "SELECT phone, COALESCE(language, ''), fields, opted_out, unreachable, explicit_texts, language_asked_at,"
      " COALESCE(quiet_hours, ''), COALESCE(pending_language, '') FROM contacts WHERE id = ?");
  s.bind(1, contact_id);
  if (!s.executeStep()) return std::nullopt;
  contact c{contact_id, s.getColumn(0).getString(), s.getColumn(1).getString(),
            parse_fields(s.getColumn(2).getString()), s.getColumn(3).getInt() != 0};
  c.unreachable = s.getColumn(4).getInt() != 0;
  c.explicit_texts = s.getColumn(5).getInt() != 0;
  c.language_asked_at = s.getColumn(6).getInt64();
  c.quiet_hours = s.getColumn(7).getString();
  c.pending_language = s.getColumn(8).getString();
  return c;
}

visit_pin tx::find_visit_pin(std::int64_t contact_id) {
  auto& s = stmt("SELECT COALESCE(visit_pin, ''), visit_pin_failed, visit_pin_locked_until FROM contacts WHERE id = ?");
  s.bind(1, contact_id);
  visit_pin pin;
  if (s.executeStep()) {
    pin.hash = s.getColumn(0).getString();
    pin.failed = s.getColumn(1).getInt();
    pin.locked_until = s.getColumn(2).getInt64();
  }
  s.reset();
  return pin;
}

void tx::set_visit_pin(std::int64_t contact_id, std::string_view hash) {
  require_disk();
  auto& s = stmt(
      "UPDATE contacts SET visit_pin = ?, visit_pin_failed = 0, visit_pin_locked_until = 0, updated_at = ? WHERE id = ?");
  bind_opt_text(s, 1, hash);
  s.bind(2, now());
  s.bind(3, contact_id);
  s.exec();
}

void tx::set_visit_pin_failures(std::int64_t contact_id, int failed, core::unix_ms locked_until) {
  auto& s = stmt("UPDATE contacts SET visit_pin_failed = ?, visit_pin_locked_until = ?, updated_at = ? WHERE id = ?");
  s.bind(1, failed);
  s.bind(2, locked_until);
  s.bind(3, now());
  s.bind(4, contact_id);
  s.exec();
}

void tx::set_contact_fields(std::int64_t contact_id,
                            const std::map<std::string, std::string>& fields) {
  if (fields.empty()) return;
  auto& s = stmt(
      "UPDATE contacts SET fields = json_patch(fields, ?), updated_at = ? WHERE id = ?");
  bind_text(s, 1, nlohmann::json(fields).dump());
  s.bind(2, now());
  s.bind(3, contact_id);
  s.exec();
}

void tx::set_opted_out(std::int64_t contact_id, bool opted_out) {
  // Stopping everything also stops texts that name the care (R-S11): asked for again if ever.
  auto& s = stmt("UPDATE contacts SET opted_out = ?1, explicit_texts = CASE WHEN ?1 THEN 0 ELSE explicit_texts END,"
                 " updated_at = ?2 WHERE id = ?3");
  s.bind(1, opted_out ? 1 : 0);
  s.bind(2, now());
  s.bind(3, contact_id);
  s.exec();
  if (!opted_out) return;
  require_disk();
  auto& u = stmt(
      "UPDATE outbound_messages SET status = 'cancelled', error = 'opted out', updated_at = ?"
      " WHERE contact_id = ? AND status IN ('queued', 'retrying') RETURNING id");
  u.bind(1, now());
  u.bind(2, contact_id);
  record_moved(u, "cancelled", "opt-out");
  expire_waiting_sms_runs(contact_id);
}

std::int64_t tx::opt_out_recipient(std::int64_t message_id) {
  // Only while the person still has the number it went to (R-L6: not after a new SIM).
  auto& q = stmt("SELECT m.contact_id FROM outbound_messages m JOIN contacts c ON c.id = m.contact_id"
                 " AND c.phone = m.to_phone WHERE m.id = ?");
  q.bind(1, message_id);
  const std::int64_t contact = q.executeStep() ? q.getColumn(0).getInt64() : 0;
  q.reset();
  if (contact != 0) set_opted_out(contact, true);
  return contact;
}

void tx::set_programme_opt_out(std::int64_t contact_id, std::string_view programme, bool out) {
  if (!out) {
    auto& d = stmt("DELETE FROM contact_optouts WHERE contact_id = ? AND programme = ?");
    d.bind(1, contact_id);
    bind_text(d, 2, programme);
    d.exec();
    return;
  }
  require_disk();
  auto& i = stmt(
      "INSERT INTO contact_optouts (contact_id, programme, at) VALUES (?, ?, ?)"
      " ON CONFLICT (contact_id, programme) DO UPDATE SET at = excluded.at");
  i.bind(1, contact_id);
  bind_text(i, 2, programme);
  i.bind(3, now());
  i.exec();
  auto& u = stmt(
      "UPDATE outbound_messages SET status = 'cancelled', error = ?, updated_at = ?"
      " WHERE contact_id = ? AND programme = ? AND status IN ('queued', 'retrying') RETURNING id");
  bind_text(u, 1, held_back_reason(false, false, programme));
  u.bind(2, now());
  u.bind(3, contact_id);
  bind_text(u, 4, programme);
  record_moved(u, "cancelled", "opt-out");
}

std::string tx::last_programme(std::int64_t contact_id, std::string_view channel_id) {
  auto& q = stmt(
      "SELECT COALESCE(programme, '') FROM outbound_messages WHERE contact_id = ? AND channel_id = ?"
      " ORDER BY id DESC LIMIT 1");
  q.bind(1, contact_id);
  bind_text(q, 2, channel_id);
  std::string out = q.executeStep() ? q.getColumn(0).getString() : std::string();
  q.reset();
  return out;
}

std::vector<std::string> tx::stopped_programmes(std::int64_t contact_id) {
  auto& q = stmt("SELECT programme FROM contact_optouts WHERE contact_id = ? ORDER BY at DESC, programme");
  q.bind(1, contact_id);
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  q.reset();
  return out;
}

bool tx::stopped(std::int64_t contact_id, std::string_view programme) {
  auto& q = stmt(
      "SELECT opted_out OR EXISTS (SELECT 1 FROM contact_optouts WHERE contact_id = c.id AND programme = ?)"
      " FROM contacts c WHERE id = ?");
  bind_text(q, 1, programme);
  q.bind(2, contact_id);
  const bool out = q.executeStep() && q.getColumn(0).getInt() != 0;
  q.reset();
  return out;
}

std::int64_t tx::series_started_by(std::int64_t worker_id, core::unix_ms since) {
  auto& q = stmt(series_started_by_sql);
  q.bind(1, worker_id);
  q.bind(2, since);
  const std::int64_t n = q.executeStep() ? q.getColumn(0).getInt64() : 0;
  q.reset();
  return n;
}

std::int64_t tx::add_series(const series& s) {
  require_disk();
  auto& i = stmt(
      "INSERT INTO series (contact_id, channel_id, programme, template, at_minute, time_zone, active, created_at,"
      " updated_at, anchor_day, offsets, worker_id, flow_id, node, weekday, high_risk, every_days, from_day)"
      " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  i.bind(1, s.contact_id);
  bind_text(i, 2, s.channel_id);
  bind_text(i, 3, s.programme);
  bind_text(i, 4, s.template_key);
  i.bind(5, s.at_minute);
  bind_text(i, 6, s.time_zone);
  i.bind(7, now());
  i.bind(8, now());
  if (s.anchor_day) {
    i.bind(9, static_cast<std::int64_t>(*s.anchor_day));
    bind_text(i, 10, offsets_to_string(s.offsets));
  } else {
    i.bind(9);
    i.bind(10);
  }
  if (s.worker_id != 0) i.bind(11, s.worker_id);
  else i.bind(11);
  bind_text(i, 12, s.flow_id);
  bind_text(i, 13, s.node);
  i.bind(14, s.weekday);
  i.bind(15, s.high_risk ? 1 : 0);
  i.bind(16, s.every_days);
  i.bind(17, static_cast<std::int64_t>(s.from_day));
  i.exec();
  return db_.getLastInsertRowid();
}

std::optional<series> tx::find_series(std::int64_t id) {
  auto& q = stmt(
      "SELECT contact_id, channel_id, programme, template, at_minute, time_zone, active, anchor_day,"
      " COALESCE(offsets, ''), COALESCE(worker_id, 0), flow_id, node, misses, paused_until, weekday,"
      " high_risk, every_days, from_day, answered_at FROM series WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  series s{id, q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
           q.getColumn(3).getString(), q.getColumn(4).getInt(), q.getColumn(5).getString(), q.getColumn(6).getInt() != 0};
  if (!q.getColumn(7).isNull()) {
    s.anchor_day = q.getColumn(7).getInt64();
    s.offsets = parse_offsets(q.getColumn(8).getString());
  }
  s.worker_id = q.getColumn(9).getInt64();
  s.flow_id = q.getColumn(10).getString();
  s.node = q.getColumn(11).getString();
  s.misses = q.getColumn(12).getInt();
  s.paused_until = q.getColumn(13).getInt64();
  s.weekday = q.getColumn(14).getInt();
  s.high_risk = q.getColumn(15).getInt() != 0;
  s.every_days = q.getColumn(16).getInt();
  s.from_day = q.getColumn(17).getInt64();
  s.answered_at = q.getColumn(18).getInt64();
  q.reset();
  return s;
}

void tx::end_series(std::int64_t id) {
  auto& u = stmt("UPDATE series SET active = 0, updated_at = ? WHERE id = ?");
  u.bind(1, now());
  u.bind(2, id);
  u.exec();
}

void tx::set_series_paused(std::int64_t id, core::unix_ms until) {
  auto& u = stmt("UPDATE series SET paused_until = ?, updated_at = ? WHERE id = ?");
  u.bind(1, until);
  u.bind(2, now());
  u.bind(3, id);
  u.exec();
}

void tx::set_series_misses(std::int64_t id, int misses) {
  auto& u = stmt("UPDATE series SET misses = ?, updated_at = ? WHERE id = ?");
  u.bind(1, misses);
  u.bind(2, now());
  u.bind(3, id);
  u.exec();
}

void tx::series_answered(std::int64_t id) {
  auto& u = stmt("UPDATE series SET misses = 0, answered_at = ?1, updated_at = ?1 WHERE id = ?2");
  u.bind(1, now());
  u.bind(2, id);
  u.exec();
}

std::vector<series> tx::series_by_id(SQLite::Statement& q) {
  std::vector<std::int64_t> ids;
  while (q.executeStep()) ids.push_back(q.getColumn(0).getInt64());
  q.reset();
  std::vector<series> out;
  for (const auto id : ids) {
    if (auto s = find_series(id)) out.push_back(std::move(*s));
  }
  return out;
}

std::vector<series> tx::active_series(std::int64_t contact_id, std::string_view programme) {
  auto& q = stmt("SELECT id FROM series WHERE contact_id = ? AND programme = ? AND active = 1 ORDER BY id");
  q.bind(1, contact_id);
  bind_text(q, 2, programme);
  return series_by_id(q);
}

std::vector<series> tx::running_series(std::int64_t contact_id) {
  auto& q = stmt("SELECT id FROM series WHERE contact_id = ? AND active = 1 ORDER BY id");
  q.bind(1, contact_id);
  return series_by_id(q);
}

void tx::set_series_high_risk(std::int64_t id, bool high_risk) {
  auto& u = stmt("UPDATE series SET high_risk = ?, updated_at = ? WHERE id = ?");
  u.bind(1, high_risk ? 1 : 0);
  u.bind(2, now());
  u.bind(3, id);
  u.exec();
}

void tx::cancel_queued(std::int64_t contact_id, std::string_view programme, std::string_view reason) {
  require_disk();
  auto& u = stmt(
      "UPDATE outbound_messages SET status = 'cancelled', error = ?, updated_at = ?"
      " WHERE contact_id = ? AND programme = ? AND status IN ('queued', 'retrying') RETURNING id");
  bind_text(u, 1, reason);
  u.bind(2, now());
  u.bind(3, contact_id);
  bind_text(u, 4, programme);
  record_moved(u, "cancelled", "series-end");
}

void tx::cancel_series_queued(std::int64_t series_id, std::string_view reason) {
  require_disk();
  auto& u = stmt(
      "UPDATE outbound_messages SET status = 'cancelled', error = ?, updated_at = ?"
      " WHERE series_id = ? AND status IN ('queued', 'retrying') RETURNING id");
  bind_text(u, 1, reason);
  u.bind(2, now());
  u.bind(3, series_id);
  record_moved(u, "cancelled", "series-end");
}

namespace {

constexpr const char* user_columns =
    "id, name, role, facility, COALESCE(phone, ''), pin_hash, failed_pins, locked_until, disabled,"
    " COALESCE(login, ''), password_hash, failed_logins, login_locked_until, duty, supervisor";

user read_user(SQLite::Statement& q) {
  return user{q.getColumn(0).getInt64(),  q.getColumn(1).getString(),  q.getColumn(2).getString(),
              q.getColumn(3).getString(), q.getColumn(4).getString(),  q.getColumn(5).getString(),
              q.getColumn(6).getInt(),    q.getColumn(7).getInt64(),   q.getColumn(8).getInt() != 0,
              q.getColumn(9).getString(), q.getColumn(10).getString(), q.getColumn(11).getInt(),
              q.getColumn(12).getInt64(), q.getColumn(13).getString(),  q.getColumn(14).getInt() != 0};
}

}  // namespace

std::int64_t tx::add_user(const user& u) {
  require_disk();
  auto& i = stmt(
      "INSERT INTO users (name, role, facility, phone, pin_hash, login, password_hash, created_at, updated_at, duty,"
      " supervisor) VALUES (?, ?, ?, NULLIF(?, ''), ?, NULLIF(?, ''), ?, ?, ?, ?, ?)");
  bind_text(i, 1, u.name);
  bind_text(i, 2, u.role);
  bind_text(i, 3, u.facility);
  bind_text(i, 4, u.phone);
  bind_text(i, 5, u.pin_hash);
  bind_text(i, 6, u.login);
  bind_text(i, 7, u.password_hash);
  i.bind(8, now());
  i.bind(9, now());
  bind_text(i, 10, u.duty);
  i.bind(11, u.supervisor ? 1 : 0);
  i.exec();
  return db_.getLastInsertRowid();
}

std::optional<user> tx::find_user(std::int64_t id) {
  static const std::string sql = std::string("SELECT ") + user_columns + " FROM users WHERE id = ?";
  auto& q = stmt(sql.c_str());
  q.bind(1, id);
  std::optional<user> out;
  if (q.executeStep()) out = read_user(q);
  q.reset();
  return out;
}

std::optional<user> tx::find_user_by_phone(std::string_view phone) {
  static const std::string sql = std::string("SELECT ") + user_columns + " FROM users WHERE phone = ?";
  auto& q = stmt(sql.c_str());
  bind_text(q, 1, phone);
  std::optional<user> out;
  if (q.executeStep()) out = read_user(q);
  q.reset();
  return out;
}

std::vector<user> tx::list_users() {
  static const std::string sql = std::string("SELECT ") + user_columns + " FROM users ORDER BY id";
  auto& q = stmt(sql.c_str());
  std::vector<user> out;
  while (q.executeStep()) out.push_back(read_user(q));
  q.reset();
  return out;
}

void tx::set_pin_failures(std::int64_t id, int failed, core::unix_ms locked_until) {
  auto& u = stmt("UPDATE users SET failed_pins = ?, locked_until = ?, updated_at = ? WHERE id = ?");
  u.bind(1, failed);
  u.bind(2, locked_until);
  u.bind(3, now());
  u.bind(4, id);
  u.exec();
}

void tx::set_pin(std::int64_t id, std::string_view pin_hash) {
  require_disk();
  auto& u = stmt("UPDATE users SET pin_hash = ?, failed_pins = 0, locked_until = 0, updated_at = ? WHERE id = ?");
  bind_text(u, 1, pin_hash);
  u.bind(2, now());
  u.bind(3, id);
  u.exec();
}

void tx::set_user_disabled(std::int64_t id, bool disabled) {
  require_disk();
  auto& u = stmt("UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?");
  u.bind(1, disabled ? 1 : 0);
  u.bind(2, now());
  u.bind(3, id);
  u.exec();
  if (disabled) end_sessions(id);
}

tx::moved_patients tx::move_patients(std::int64_t from, std::int64_t to) {
  require_disk();
  moved_patients moved;
  auto& s = stmt("UPDATE series SET worker_id = ? WHERE worker_id = ? AND active = 1");
  s.bind(1, to);
  s.bind(2, from);
  moved.series = s.exec();
  s.reset();
  auto& e = stmt("UPDATE escalations SET worker_id = ? WHERE worker_id = ? AND resolved_at IS NULL");
  e.bind(1, to);
  e.bind(2, from);
  moved.calls = e.exec();
  return moved;
}

void tx::set_user_supervisor(std::int64_t id, bool supervisor) {
  require_disk();
  auto& u = stmt("UPDATE users SET supervisor = ?, updated_at = ? WHERE id = ?");
  u.bind(1, supervisor ? 1 : 0);
  u.bind(2, now());
  u.bind(3, id);
  u.exec();
}

void tx::set_user_duty(std::int64_t id, std::string_view duty) {
  require_disk();
  auto& u = stmt("UPDATE users SET duty = ?, updated_at = ? WHERE id = ?");
  bind_text(u, 1, duty);
  u.bind(2, now());
  u.bind(3, id);
  u.exec();
}

void tx::end_sessions(std::int64_t user_id) {
  auto& u = stmt("UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL");
  u.bind(1, now());
  u.bind(2, user_id);
  u.exec();
}

std::optional<user> tx::find_user_by_login(std::string_view login) {
  static const std::string sql = std::string("SELECT ") + user_columns + " FROM users WHERE login = ?";
  auto& q = stmt(sql.c_str());
  bind_text(q, 1, login);
  std::optional<user> out;
  if (q.executeStep()) out = read_user(q);
  q.reset();
  return out;
}

void tx::set_password(std::int64_t id, std::string_view password_hash) {
  require_disk();
  auto& u = stmt(
      "UPDATE users SET password_hash = ?, failed_logins = 0, login_locked_until = 0, updated_at = ? WHERE id = ?");
  bind_text(u, 1, password_hash);
  u.bind(2, now());
  u.bind(3, id);
  u.exec();
  end_sessions(id);
}

void tx::set_login_failures(std::int64_t id, int failed, core::unix_ms locked_until) {
  auto& u = stmt("UPDATE users SET failed_logins = ?, login_locked_until = ?, updated_at = ? WHERE id = ?");
  u.bind(1, failed);
  u.bind(2, locked_until);
  u.bind(3, now());
  u.bind(4, id);
  u.exec();
}

std::int64_t tx::escalate(const escalation& e) {
  require_disk();
  // The open one of the series takes the new reason when it replaces (?7), and the more
  // pressing priority.
  auto& i = stmt(
      "INSERT INTO escalations (worker_id, contact_id, series_id, reason, misses, created_at, "
      "priority)"
      " VALUES (?1, ?2, NULLIF(?3, 0), ?4, ?5, ?6, ?8) ON CONFLICT (series_id) WHERE resolved_at "
      "IS NULL"
      " DO UPDATE SET reason = CASE WHEN ?7 = 1 AND escalations.reason <> ?9 THEN excluded.reason "
      "ELSE escalations.reason END,"
      " priority = MIN(escalations.priority, excluded.priority), told_at = NULL"
      " WHERE (?7 = 1 AND escalations.reason <> excluded.reason AND escalations.reason <> ?9)"
      " OR excluded.priority < escalations.priority"
      " RETURNING id");
  i.bind(1, e.worker_id);
  i.bind(2, e.contact_id);
  i.bind(3, e.series_id);
  bind_text(i, 4, e.reason);
  i.bind(5, e.misses);
  i.bind(6, now());
  i.bind(7, replaces_open_escalation(e.reason) ? 1 : 0);
  i.bind(8, static_cast<int>(e.priority));
  bind_text(i, 9, call_asked_reason);  // a call the person asked for keeps its reason
  const std::int64_t id = i.executeStep() ? i.getColumn(0).getInt64() : 0;
  i.reset();
  return id;
}

bool tx::raise_escalation(std::int64_t id, call_priority p) {
  require_disk();
  auto& u = stmt(
      "UPDATE escalations SET priority = ?, told_at = NULL WHERE id = ? AND resolved_at IS NULL "
      "AND priority > ?");
  u.bind(1, static_cast<int>(p));
  u.bind(2, id);
  u.bind(3, static_cast<int>(p));
  return u.exec() == 1;
}

void tx::escalation_told(std::int64_t id) {
  require_disk();
  auto& u = stmt("UPDATE escalations SET told_at = ? WHERE id = ? AND resolved_at IS NULL");
  u.bind(1, now());
  u.bind(2, id);
  u.exec();
}

namespace {

constexpr const char* escalation_select =
    "SELECT e.id, e.worker_id, e.contact_id, COALESCE(e.series_id, 0), e.reason, e.misses, "
    "c.phone, e.created_at,"
    " e.priority, COALESCE(e.told_at, 0)"
    " FROM escalations e JOIN contacts c ON c.id = e.contact_id JOIN users u ON u.id = e.worker_id"
    " WHERE e.resolved_at IS NULL AND ";

std::vector<escalation> read_escalations(SQLite::Statement& q) {
  std::vector<escalation> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64(),
                   q.getColumn(3).getInt64(), q.getColumn(4).getString(), q.getColumn(5).getInt(),
                   q.getColumn(6).getString(), q.getColumn(7).getInt64(),
                   static_cast<call_priority>(std::clamp(q.getColumn(8).getInt(), 0, 3)),
                   q.getColumn(9).getInt64()});
  }
  q.reset();
  return out;
}

}  // namespace

std::vector<escalation> tx::open_escalations(std::int64_t worker_id) {
  static const std::string sql = std::string(escalation_select) + "e.worker_id = ? ORDER BY e.priority, e.id";
  auto& q = stmt(sql.c_str());
  q.bind(1, worker_id);
  return read_escalations(q);
}

std::vector<escalation> tx::open_escalations_at(std::string_view facility) {
  static const std::string sql = std::string(escalation_select) + "(? = '' OR u.facility = ?) ORDER BY e.priority, e.id";
  auto& q = stmt(sql.c_str());
  bind_text(q, 1, facility);
  bind_text(q, 2, facility);
  return read_escalations(q);
}

std::optional<escalation> tx::find_open_escalation(std::int64_t id) {
  static const std::string sql = std::string(escalation_select) + "e.id = ?";
  auto& q = stmt(sql.c_str());
  q.bind(1, id);
  auto found = read_escalations(q);
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

bool tx::resolve_escalation(std::int64_t id, std::int64_t worker_id) {
  require_disk();
  auto& u = stmt("UPDATE escalations SET resolved_at = ? WHERE id = ? AND worker_id = ? AND resolved_at IS NULL");
  u.bind(1, now());
  u.bind(2, id);
  u.bind(3, worker_id);
  return u.exec() == 1;
}

std::int64_t tx::mark_high_calls_told(std::string_view facility) {
  require_disk();
  auto& u = stmt(
      "UPDATE escalations SET notified_at = ? WHERE resolved_at IS NULL AND notified_at IS NULL AND priority = 1"
      " AND worker_id IN (SELECT id FROM users WHERE facility = ?)");
  u.bind(1, now());
  bind_text(u, 2, facility);
  return u.exec();
}

core::unix_ms tx::high_calls_told_at(std::string_view facility) {
  auto& q = stmt(
      "SELECT COALESCE(MAX(notified_at), 0) FROM escalations"
      " WHERE worker_id IN (SELECT id FROM users WHERE facility = ?)");
  bind_text(q, 1, facility);
  const core::unix_ms at = q.executeStep() ? q.getColumn(0).getInt64() : 0;
  q.reset();
  return at;
}

std::int64_t tx::mark_overdue_calls_told(std::string_view facility, core::unix_ms told_before) {
  require_disk();
  auto& u = stmt(
      "UPDATE escalations SET overdue_told_at = ? WHERE resolved_at IS NULL AND priority = 1"
      " AND notified_at <= ? AND overdue_told_at IS NULL AND worker_id IN (SELECT id FROM users WHERE facility = ?)");
  u.bind(1, now());
  u.bind(2, told_before);
  bind_text(u, 3, facility);
  return u.exec();
}

void tx::resolve_series_escalations(std::int64_t series_id) {
  // Every reason but a call the person asked for and one about a medicine not taken.
  auto& u = stmt(
      "UPDATE escalations SET resolved_at = ? WHERE series_id = ? AND resolved_at IS NULL"
      " AND reason NOT IN (?, ?)");
  u.bind(1, now());
  u.bind(2, series_id);
  bind_text(u, 3, call_asked_reason);
  bind_text(u, 4, not_taken_reason);
  u.exec();
}

std::map<std::pair<long long, int>, int> tx::slot_use(std::string_view clinic, std::string_view service,
                                                      long long first_day, long long last_day,
                                                      std::int64_t except_run) {
  auto& q = stmt(
      "SELECT day, window_from, COUNT(*) FROM bookings WHERE clinic = ? AND service = ? AND day BETWEEN ? AND ?"
      " AND (status = 'booked' OR (status = 'held' AND hold_until > ? AND run_id IS NOT ?))"
      " GROUP BY day, window_from");
  bind_text(q, 1, clinic);
  bind_text(q, 2, service);
  q.bind(3, static_cast<std::int64_t>(first_day));
  q.bind(4, static_cast<std::int64_t>(last_day));
  q.bind(5, now());
  q.bind(6, except_run);
  std::map<std::pair<long long, int>, int> out;
  while (q.executeStep()) out[{q.getColumn(0).getInt64(), q.getColumn(1).getInt()}] = q.getColumn(2).getInt();
  q.reset();
  return out;
}

std::optional<booking> tx::take_slot(booking b, int capacity) {
  // The single writer serialises every booking: no lock is needed for the count to hold.
  if (b.run_id != 0) {
    auto& release = stmt("UPDATE bookings SET status = 'released', updated_at = ? WHERE run_id = ? AND status = 'held'");
    release.bind(1, now());
    release.bind(2, b.run_id);
    release.exec();
  }
  if (!closed_clinic_days(b.clinic, b.day, b.day).empty()) return std::nullopt;
  const auto use = slot_use(b.clinic, b.service, b.day, b.day, 0);
  if (auto it = use.find({b.day, b.window_from}); it != use.end() && it->second >= capacity) return std::nullopt;
  auto& count = stmt("SELECT COUNT(*) FROM bookings WHERE clinic = ? AND day = ?");
  bind_text(count, 1, b.clinic);
  count.bind(2, static_cast<std::int64_t>(b.day));
  count.executeStep();
  int n = count.getColumn(0).getInt();
  count.reset();
  auto& taken = stmt("SELECT 1 FROM bookings WHERE clinic = ? AND day = ? AND code = ?");
  for (;; ++n) {
    if (n > 9000 * 2) throw std::runtime_error("no booking code left for " + b.clinic + " that day");
    b.code = booking_code(b.clinic, b.day, n);
    bind_text(taken, 1, b.clinic);
    taken.bind(2, static_cast<std::int64_t>(b.day));
    bind_text(taken, 3, b.code);
    const bool used = taken.executeStep();
    taken.reset();
    if (!used) break;
  }
  auto& i = stmt(
      "INSERT INTO bookings (contact_id, run_id, channel_id, clinic, service, day, window_from, window_to, starts_at,"
      " code, status, for_whom, hold_until, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  i.bind(1, b.contact_id);
  if (b.run_id != 0) {
    i.bind(2, b.run_id);
  } else {
    i.bind(2);
  }
  bind_text(i, 3, b.channel_id);
  bind_text(i, 4, b.clinic);
  bind_text(i, 5, b.service);
  i.bind(6, static_cast<std::int64_t>(b.day));
  i.bind(7, b.window_from);
  i.bind(8, b.window_to);
  i.bind(9, b.starts_at);
  bind_text(i, 10, b.code);
  bind_text(i, 11, to_string(b.status));
  bind_text(i, 12, b.for_whom);
  i.bind(13, b.hold_until);
  i.bind(14, now());
  i.bind(15, now());
  i.exec();
  b.id = db_.getLastInsertRowid();
  if (b.status == booking_status::booked) require_disk();
  return b;
}

std::optional<booking> tx::find_hold(std::int64_t run_id) {
  static const std::string sql = std::string("SELECT ") + booking_columns +
                                 " FROM bookings WHERE run_id = ? AND status = 'held' AND hold_until > ?";
  auto& q = stmt(sql.c_str());
  q.bind(1, run_id);
  q.bind(2, now());
  std::optional<booking> out;
  if (q.executeStep()) out = read_booking(q);
  q.reset();
  return out;
}

std::optional<booking> tx::find_booking(std::int64_t id) {
  static const std::string sql = std::string("SELECT ") + booking_columns + " FROM bookings WHERE id = ?";
  auto& q = stmt(sql.c_str());
  q.bind(1, id);
  std::optional<booking> out;
  if (q.executeStep()) out = read_booking(q);
  q.reset();
  return out;
}

std::int64_t tx::add_token(const api_token& t) {
  require_disk();
  auto& i = stmt(
      "INSERT INTO api_tokens (name, role, facility, hash, created_at, user_id, expires_at)"
      " VALUES (?, ?, ?, ?, ?, NULLIF(?, 0), ?)");
  bind_text(i, 1, t.name);
  bind_text(i, 2, t.role);
  bind_text(i, 3, t.facility);
  bind_text(i, 4, t.hash);
  i.bind(5, now());
  i.bind(6, t.user_id);
  i.bind(7, t.expires_at);
  i.exec();
  return db_.getLastInsertRowid();
}

namespace {

constexpr const char* token_columns =
    "id, name, role, facility, hash, created_at, revoked_at IS NOT NULL, COALESCE(user_id, 0), expires_at";

api_token read_token(SQLite::Statement& q) {
  return api_token{q.getColumn(0).getInt64(),  q.getColumn(1).getString(), q.getColumn(2).getString(),
                   q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getInt64(),
                   q.getColumn(6).getInt() != 0, q.getColumn(7).getInt64(), q.getColumn(8).getInt64()};
}

}  // namespace

std::optional<api_token> tx::find_token(std::string_view hash) {
  static const std::string sql =
      std::string("SELECT ") + token_columns +
      " FROM api_tokens WHERE hash = ? AND revoked_at IS NULL AND (expires_at = 0 OR expires_at > ?)";
  auto& q = stmt(sql.c_str());
  bind_text(q, 1, hash);
  q.bind(2, now());
  std::optional<api_token> out;
  if (q.executeStep()) out = read_token(q);
  q.reset();
  return out;
}

std::vector<api_token> tx::list_tokens() {
  static const std::string sql =
      std::string("SELECT ") + token_columns + " FROM api_tokens WHERE user_id IS NULL ORDER BY id";
  auto& q = stmt(sql.c_str());
  std::vector<api_token> out;
  while (q.executeStep()) out.push_back(read_token(q));
  q.reset();
  return out;
}

bool tx::revoke_token(std::int64_t id) {
  require_disk();
  auto& u = stmt("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
  u.bind(1, now());
  u.bind(2, id);
  return u.exec() == 1;
}

void tx::audit(std::string_view actor, std::string_view action, std::string_view target,
               std::string_view detail_json) {
  require_disk();
  auto& i = stmt("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)");
  i.bind(1, now());
  bind_text(i, 2, actor);
  bind_text(i, 3, action);
  bind_text(i, 4, target);
  bind_text(i, 5, detail_json);
  i.exec();
  ++audits_;
}

namespace {

constexpr const char* message_columns =
    "id, channel_id, to_phone, body, priority, status, COALESCE(programme, ''), COALESCE(error, ''),"
    " COALESCE(broadcast_id, 0), created_at, updated_at";

message_view read_message(SQLite::Statement& q) {
  return message_view{q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                      q.getColumn(3).getString(), q.getColumn(4).getInt(),   q.getColumn(5).getString(),
                      q.getColumn(6).getString(), q.getColumn(7).getString(), q.getColumn(8).getInt64(),
                      q.getColumn(9).getInt64(), q.getColumn(10).getInt64(), {}};
}

}  // namespace

std::vector<audit_entry> tx::audit_page(std::int64_t before, std::size_t limit, std::string_view target) {
  auto& q = stmt("SELECT id, at, actor, action, target, detail FROM audit_log WHERE (?1 = 0 OR id < ?1)"
                 " AND (?3 = '' OR target = ?3) ORDER BY id DESC LIMIT ?2");
  q.bind(1, before);
  q.bind(2, static_cast<std::int64_t>(limit));
  bind_text(q, 3, target);
  std::vector<audit_entry> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                   q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getString()});
  }
  q.reset();
  return out;
}

std::vector<message_view> tx::messages_page(const message_filter& f, std::int64_t before, std::size_t limit) {
  static const std::string sql = std::string("SELECT ") + message_columns +
                                 " FROM outbound_messages WHERE (?1 = 0 OR id < ?1) AND (?2 = '' OR to_phone = ?2)"
                                 " AND (?3 = 0 OR broadcast_id = ?3) AND (?4 = '' OR status = ?4)"
                                 " AND (?6 = 0 OR contact_id = ?6) ORDER BY id DESC LIMIT ?5";
  auto& q = stmt(sql.c_str());
  q.bind(1, before);
  bind_text(q, 2, f.to_phone);
  q.bind(3, f.broadcast_id);
  bind_text(q, 4, f.status);
  q.bind(5, static_cast<std::int64_t>(limit));
  q.bind(6, f.contact_id);
  std::vector<message_view> out;
  while (q.executeStep()) out.push_back(read_message(q));
  q.reset();
  return out;
}

std::optional<message_view> tx::find_message(std::int64_t id) {
  static const std::string sql = std::string("SELECT ") + message_columns + " FROM outbound_messages WHERE id = ?";
  auto& q = stmt(sql.c_str());
  q.bind(1, id);
  if (!q.executeStep()) {
    q.reset();
    return std::nullopt;
  }
  message_view m = read_message(q);
  q.reset();
  auto& e = stmt(
      "SELECT status, source, COALESCE(raw_code, ''), applied, at FROM message_events WHERE message_id = ? ORDER BY id");
  e.bind(1, id);
  while (e.executeStep()) {
    m.history.push_back({e.getColumn(0).getString(), e.getColumn(1).getString(), e.getColumn(2).getString(),
                         e.getColumn(3).getInt() != 0, e.getColumn(4).getInt64()});
  }
  e.reset();
  return m;
}

std::optional<booking> tx::find_booking_by_code(std::string_view clinic, long long day, std::string_view code) {
  static const std::string sql =
      std::string("SELECT ") + booking_columns + " FROM bookings WHERE clinic = ? AND day = ? AND code = ?";
  auto& q = stmt(sql.c_str());
  bind_text(q, 1, clinic);
  q.bind(2, static_cast<std::int64_t>(day));
  bind_text(q, 3, code);
  std::optional<booking> out;
  if (q.executeStep()) out = read_booking(q);
  q.reset();
  return out;
}

std::vector<booking> tx::upcoming_bookings(std::int64_t contact_id) {
  static const std::string sql = std::string("SELECT ") + booking_columns +
                                 " FROM bookings WHERE contact_id = ? AND status = 'booked' AND starts_at > ?"
                                 " ORDER BY starts_at, id";
  auto& q = stmt(sql.c_str());
  q.bind(1, contact_id);
  q.bind(2, now());
  std::vector<booking> out;
  while (q.executeStep()) out.push_back(read_booking(q));
  q.reset();
  return out;
}

std::vector<std::string> tx::visit_clients(std::int64_t contact_id) {
  auto& q = stmt(
      "SELECT for_whom FROM bookings WHERE contact_id = ? AND for_whom <> 'self'"
      " AND status IN ('booked', 'cancelled', 'attended', 'missed')"
      " GROUP BY for_whom ORDER BY MIN(id)");
  q.bind(1, contact_id);
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  q.reset();
  return out;
}

std::vector<std::string> tx::own_visit_services(std::int64_t contact_id, core::unix_ms since) {
  auto& q = stmt(
      "SELECT DISTINCT service FROM bookings WHERE contact_id = ? AND for_whom = 'self'"
      " AND status IN ('booked', 'attended', 'missed') AND starts_at >= ? ORDER BY service");
  q.bind(1, contact_id);
  q.bind(2, since);
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  q.reset();
  return out;
}

std::vector<booking> tx::marked_visits(std::int64_t contact_id, std::string_view service, std::string_view for_whom,
                                       int limit) {
  static const std::string sql = std::string("SELECT ") + booking_columns +
                                 " FROM bookings WHERE contact_id = ? AND service = ? AND for_whom = ?"
                                 " AND status IN ('attended', 'missed') ORDER BY starts_at DESC, id DESC LIMIT ?";
  auto& q = stmt(sql.c_str());
  q.bind(1, contact_id);
  bind_text(q, 2, service);
  bind_text(q, 3, for_whom);
  q.bind(4, limit);
  std::vector<booking> out;
  while (q.executeStep()) out.push_back(read_booking(q));
  q.reset();
  return out;
}

bool tx::booked_again(std::int64_t contact_id, std::string_view service, std::string_view for_whom,
                      std::int64_t after_id) {
  auto& q = stmt(
      "SELECT 1 FROM bookings WHERE contact_id = ? AND service = ? AND for_whom = ? AND id > ?"
      " AND status IN ('booked', 'attended', 'missed') LIMIT 1");
  q.bind(1, contact_id);
  bind_text(q, 2, service);
  bind_text(q, 3, for_whom);
  q.bind(4, after_id);
  const bool found = q.executeStep();
  q.reset();
  return found;
}

std::vector<booking> tx::bookings_on(std::string_view clinic, long long day) {
  static const std::string sql = std::string("SELECT ") + booking_columns +
                                 " FROM bookings WHERE clinic = ? AND day = ? AND status IN"
                                 " ('booked', 'attended', 'missed', 'cancelled') ORDER BY window_from, id";
  auto& q = stmt(sql.c_str());
  bind_text(q, 1, clinic);
  q.bind(2, static_cast<std::int64_t>(day));
  std::vector<booking> out;
  while (q.executeStep()) out.push_back(read_booking(q));
  q.reset();
  return out;
}

bool tx::book_hold(std::int64_t id) {
  require_disk();
  auto& u = stmt("UPDATE bookings SET status = 'booked', updated_at = ? WHERE id = ? AND status = 'held'");
  u.bind(1, now());
  u.bind(2, id);
  return u.exec() == 1;
}

void tx::set_booking_status(std::int64_t id, booking_status st) {
  require_disk();
  auto& u = stmt("UPDATE bookings SET status = ?, updated_at = ? WHERE id = ?");
  bind_text(u, 1, to_string(st));
  u.bind(2, now());
  u.bind(3, id);
  u.exec();
}

void tx::set_reminder_answer(std::int64_t id, std::string_view answer) {
  require_disk();
  auto& u = stmt("UPDATE bookings SET reminder_answer = ?, updated_at = ? WHERE id = ?");
  bind_text(u, 1, answer);
  u.bind(2, now());
  u.bind(3, id);
  u.exec();
}

bool tx::close_clinic_day(std::string_view clinic, long long day, std::string_view by) {
  require_disk();
  auto& i = stmt("INSERT INTO clinic_closures (clinic, day, closed_by, closed_at) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT (clinic, day) DO NOTHING");
  bind_text(i, 1, clinic);
  i.bind(2, static_cast<std::int64_t>(day));
  bind_text(i, 3, by);
  i.bind(4, now());
  if (i.exec() != 1) return false;
  auto& release = stmt("UPDATE bookings SET status = 'released', updated_at = ? WHERE clinic = ? AND day = ? AND status = 'held'");
  release.bind(1, now());
  bind_text(release, 2, clinic);
  release.bind(3, static_cast<std::int64_t>(day));
  release.exec();
  return true;
}

bool tx::reopen_clinic_day(std::string_view clinic, long long day) {
  require_disk();
  auto& d = stmt("DELETE FROM clinic_closures WHERE clinic = ? AND day = ?");
  bind_text(d, 1, clinic);
  d.bind(2, static_cast<std::int64_t>(day));
  return d.exec() == 1;
}

std::vector<long long> tx::closed_clinic_days(std::string_view clinic, long long first_day, long long last_day) {
  auto& q = stmt("SELECT day FROM clinic_closures WHERE clinic = ? AND day BETWEEN ? AND ? ORDER BY day");
  bind_text(q, 1, clinic);
  q.bind(2, static_cast<std::int64_t>(first_day));
  q.bind(3, static_cast<std::int64_t>(last_day));
  std::vector<long long> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getInt64());
  q.reset();
  return out;
}

void tx::set_clinic_hours(std::string_view clinic, std::string_view week, std::string_view by) {
  require_disk();
  auto& s = stmt("INSERT INTO clinic_hours (clinic, week, changed_by, changed_at) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT (clinic) DO UPDATE SET week = excluded.week, changed_by = excluded.changed_by,"
                 " changed_at = excluded.changed_at");
  bind_text(s, 1, clinic);
  bind_text(s, 2, week);
  bind_text(s, 3, by);
  s.bind(4, now());
  s.exec();
}

bool tx::clear_clinic_hours(std::string_view clinic) {
  require_disk();
  auto& d = stmt("DELETE FROM clinic_hours WHERE clinic = ?");
  bind_text(d, 1, clinic);
  return d.exec() == 1;
}

std::optional<clinic_hours> tx::find_clinic_hours(std::string_view clinic) {
  auto& q = stmt("SELECT week, changed_by, changed_at FROM clinic_hours WHERE clinic = ?");
  bind_text(q, 1, clinic);
  std::optional<clinic_hours> out;
  if (q.executeStep()) out = clinic_hours{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt64()};
  q.reset();
  return out;
}

void tx::subscribe(std::int64_t contact_id, std::string_view topic, std::string_view area, std::string_view channel_id,
                   core::unix_ms expires_at, std::string_view district, std::string_view route,
                   std::string_view district_key) {
  require_disk();
  auto& u = stmt(
      "INSERT INTO subscriptions (contact_id, topic, area, channel_id, created_at, expires_at, district, route,"
      " district_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
      " ON CONFLICT (contact_id, topic, area) DO UPDATE SET channel_id = excluded.channel_id,"
      " expires_at = excluded.expires_at,"
      " district = CASE WHEN excluded.district <> '' THEN excluded.district ELSE subscriptions.district END,"
      " district_key = CASE WHEN excluded.district <> '' THEN excluded.district_key ELSE subscriptions.district_key END,"
      " route = CASE WHEN excluded.route <> '' THEN excluded.route ELSE subscriptions.route END");
  u.bind(1, contact_id);
  bind_text(u, 2, topic);
  bind_text(u, 3, area);
  bind_text(u, 4, channel_id);
  u.bind(5, now());
  u.bind(6, expires_at);
  bind_text(u, 7, district);
  bind_text(u, 8, route);
  bind_text(u, 9, district_key);
  u.exec();
}

std::vector<written_district> tx::written_districts() {
  auto& q = stmt(
      "SELECT area, district, district_key, COUNT(*) FROM subscriptions WHERE district <> ''"
      " GROUP BY area, district, district_key ORDER BY area, COUNT(*) DESC, district");
  std::vector<written_district> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                   q.getColumn(3).getInt64()});
  }
  q.reset();
  return out;
}

std::size_t tx::take_district(std::string_view area, std::string_view written, std::string_view district) {
  require_disk();
  auto& u = stmt("UPDATE subscriptions SET district_key = ?3 WHERE area = ?1 AND district = ?2 AND district_key <> ?3");
  bind_text(u, 1, area);
  bind_text(u, 2, written);
  bind_text(u, 3, district);
  return static_cast<std::size_t>(u.exec());
}

std::vector<subscription> tx::subscriptions_of(std::int64_t contact_id) {
  auto& q = stmt(
      "SELECT topic, area, district, route, channel_id, created_at, expires_at, district_key FROM subscriptions"
      " WHERE contact_id = ? ORDER BY topic, area");
  q.bind(1, contact_id);
  std::vector<subscription> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                   q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getInt64(),
                   q.getColumn(6).getInt64(), q.getColumn(7).getString()});
  }
  q.reset();
  return out;
}

std::optional<core::unix_ms> tx::subscription_end(std::int64_t contact_id, std::string_view topic,
                                                  std::string_view area) {
  auto& q = stmt("SELECT expires_at FROM subscriptions WHERE contact_id = ? AND topic = ? AND area = ?");
  q.bind(1, contact_id);
  bind_text(q, 2, topic);
  bind_text(q, 3, area);
  std::optional<core::unix_ms> out;
  if (q.executeStep()) out = q.getColumn(0).getInt64();
  q.reset();
  return out;
}

bool tx::subscribed(std::int64_t contact_id, std::string_view topic) {
  auto& q = stmt("SELECT 1 FROM subscriptions WHERE contact_id = ? AND topic = ? LIMIT 1");
  q.bind(1, contact_id);
  bind_text(q, 2, topic);
  const bool out = q.executeStep();
  q.reset();
  return out;
}

bool tx::end_subscription(std::int64_t contact_id, std::string_view topic, std::string_view area,
                          core::unix_ms expires_at) {
  require_disk();
  auto& d = stmt("DELETE FROM subscriptions WHERE contact_id = ? AND topic = ? AND area = ? AND expires_at = ?");
  d.bind(1, contact_id);
  bind_text(d, 2, topic);
  bind_text(d, 3, area);
  d.bind(4, expires_at);
  return d.exec() == 1;
}

// The subscribers a broadcast reaches, one row per contact (a person subscribed to two areas
// gets an alert to every area once), with the channel they subscribed on.
// Parameters: topic, area ('' for every area), after contact id, up to contact id, ?19 the
// route ('' for any), ?20 the district ('' for any) and ?21 whether those whose district is not
// known count as in it.
#define PAYGHAM_AUDIENCE                                                                                   \
  "SELECT s.contact_id, MIN(s.channel_id) AS channel_id FROM subscriptions s JOIN contacts c ON c.id = s.contact_id" \
  " WHERE s.topic = ?1 AND (?2 = '' OR s.area = ?2) AND s.contact_id > ?3 AND s.contact_id <= ?4"          \
  " AND (?19 = '' OR s.route = ?19)"                                                                       \
  " AND (?20 = '' OR s.district_key = ?20 OR (?21 = 1 AND s.district_key = ''))"                          \
  " AND c.opted_out = 0 AND c.unreachable = 0"                                                             \
  " AND NOT EXISTS (SELECT 1 FROM contact_optouts o WHERE o.contact_id = s.contact_id AND o.programme = ?1)" \
  " GROUP BY s.contact_id"

// A broadcast's text for contact `c`, from the JSON of texts by language B: the person's
// language, else the languages they read after it (their field `languages`, "fa" or "fa,en":
// R-L2; anything else is read as no list, as text::fallback_languages reads it), else F.
#define PAYGHAM_LANGUAGES_FIELD "json_extract(c.fields, '$.languages')"
#define PAYGHAM_THEIR_LANGUAGES                                                                                 \
  "(CASE WHEN c.language <> '' AND " PAYGHAM_LANGUAGES_FIELD " NOT GLOB '*[^a-z,]*' AND " PAYGHAM_LANGUAGES_FIELD \
  " GLOB '[a-z]*[a-z]' AND instr(substr(" PAYGHAM_LANGUAGES_FIELD ", instr(" PAYGHAM_LANGUAGES_FIELD              \
  ", ',') + 1), ',') = 0 THEN " PAYGHAM_LANGUAGES_FIELD " END)"
#define PAYGHAM_BODY_FOR(B, F)                                                                                        \
  "COALESCE(json_extract(" B ", '$.\"' || COALESCE(c.language, '') || '\"'),"                                        \
  " json_extract(" B ", '$.\"' || CASE WHEN instr(" PAYGHAM_THEIR_LANGUAGES ", ',') > 0"                              \
  " THEN substr(" PAYGHAM_THEIR_LANGUAGES ", 1, instr(" PAYGHAM_THEIR_LANGUAGES ", ',') - 1)"                         \
  " ELSE " PAYGHAM_THEIR_LANGUAGES " END || '\"'),"                                                                  \
  " json_extract(" B ", '$.\"' || substr(" PAYGHAM_THEIR_LANGUAGES ", NULLIF(instr(" PAYGHAM_THEIR_LANGUAGES         \
  ", ','), 0) + 1) || '\"'), " F ")"

std::int64_t tx::count_audience(const broadcast& b) {
  auto& q = stmt("SELECT COUNT(*) FROM (" PAYGHAM_AUDIENCE ")");
  bind_text(q, 1, b.topic);
  bind_text(q, 2, b.area);
  q.bind(3, static_cast<std::int64_t>(0));
  q.bind(4, std::numeric_limits<std::int64_t>::max());
  bind_text(q, 19, b.route);
  bind_text(q, 20, b.district);
  q.bind(21, b.unknown_district ? 1 : 0);
  q.executeStep();
  const std::int64_t n = q.getColumn(0).getInt64();
  q.reset();
  return n;
}

std::int64_t tx::add_broadcast(const broadcast& b) {
  require_disk();
  auto& i = stmt(
      "INSERT INTO broadcasts (topic, area, template, priority, not_before, done, cursor, audience, queued,"
      " created_at, updated_at, requested_by, approved_by, expires_at, route, district, unknown_district)"
      " VALUES (?, ?, ?, ?, ?, 0, 0, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)");
  bind_text(i, 1, b.topic);
  bind_text(i, 2, b.area);
  bind_text(i, 3, b.template_key);
  i.bind(4, static_cast<int>(b.prio));
  i.bind(5, b.not_before);
  i.bind(6, b.audience);
  i.bind(7, now());
  i.bind(8, now());
  bind_text(i, 9, b.requested_by);
  bind_text(i, 10, b.approved_by);
  i.bind(11, b.expires_at);
  bind_text(i, 12, b.route);
  bind_text(i, 13, b.district);
  i.bind(14, b.unknown_district ? 1 : 0);
  i.exec();
  return db_.getLastInsertRowid();
}

namespace {

#define PAYGHAM_BROADCAST_COLUMNS                                                                                 \
  "id, topic, area, template, priority, not_before, done, cursor, audience, queued, requested_by, approved_by," \
  " cancelled, expires_at, route, district, unknown_district"

broadcast read_broadcast(SQLite::Statement& q) {
  broadcast b;
  b.id = q.getColumn(0).getInt64();
  b.topic = q.getColumn(1).getString();
  b.area = q.getColumn(2).getString();
  b.template_key = q.getColumn(3).getString();
  b.prio = static_cast<core::priority>(q.getColumn(4).getInt());
  b.not_before = q.getColumn(5).getInt64();
  b.done = q.getColumn(6).getInt() != 0;
  b.cursor = q.getColumn(7).getInt64();
  b.audience = q.getColumn(8).getInt64();
  b.queued = q.getColumn(9).getInt64();
  b.requested_by = q.getColumn(10).getString();
  b.approved_by = q.getColumn(11).getString();
  b.cancelled = q.getColumn(12).getInt() != 0;
  b.expires_at = q.getColumn(13).getInt64();
  b.route = q.getColumn(14).getString();
  b.district = q.getColumn(15).getString();
  b.unknown_district = q.getColumn(16).getInt() != 0;
  return b;
}

}  // namespace

std::optional<broadcast> tx::find_broadcast(std::int64_t id) {
  auto& q = stmt("SELECT " PAYGHAM_BROADCAST_COLUMNS " FROM broadcasts WHERE id = ?");
  q.bind(1, id);
  std::optional<broadcast> out;
  if (q.executeStep()) out = read_broadcast(q);
  q.reset();
  return out;
}

std::vector<broadcast> tx::broadcasts_page(std::int64_t before, std::size_t limit) {
  auto& q = stmt("SELECT " PAYGHAM_BROADCAST_COLUMNS " FROM broadcasts WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC LIMIT ?2");
  q.bind(1, before);
  q.bind(2, static_cast<std::int64_t>(limit));
  std::vector<broadcast> out;
  while (q.executeStep()) out.push_back(read_broadcast(q));
  q.reset();
  return out;
}

bool tx::approve_broadcast(std::int64_t id, std::string_view by) {
  require_disk();
  auto& u = stmt(
      "UPDATE broadcasts SET approved_by = ?, updated_at = ?"
      " WHERE id = ? AND approved_by = '' AND cancelled = 0 AND requested_by <> ? AND (expires_at = 0 OR expires_at > ?)");
  bind_text(u, 1, by);
  u.bind(2, now());
  u.bind(3, id);
  bind_text(u, 4, by);
  u.bind(5, now());
  return u.exec() == 1;
}

std::optional<std::size_t> tx::cancel_broadcast(std::int64_t id) {
  require_disk();
  auto& b = stmt(
      "UPDATE broadcasts SET cancelled = 1, done = 1, updated_at = ? WHERE id = ? AND cancelled = 0 AND (done = 0"
      " OR EXISTS (SELECT 1 FROM outbound_messages WHERE broadcast_id = broadcasts.id AND status IN ('queued', 'retrying')))");
  b.bind(1, now());
  b.bind(2, id);
  if (b.exec() != 1) return std::nullopt;
  // Those in flight finish as they will, but never go again (a retry, a restart): expired now.
  auto& f = stmt("UPDATE outbound_messages SET expires_at = ?1 WHERE broadcast_id = ?2 AND status = 'sending'");
  f.bind(1, now());
  f.bind(2, id);
  f.exec();
  auto& u = stmt(
      "UPDATE outbound_messages SET status = 'cancelled', error = 'the broadcast was stopped', updated_at = ?"
      " WHERE broadcast_id = ? AND status IN ('queued', 'retrying') RETURNING id");
  u.bind(1, now());
  u.bind(2, id);
  return record_moved(u, "cancelled", "broadcast");
}

std::size_t tx::expire_broadcast(std::int64_t id) {
  require_disk();
  auto& b = stmt("UPDATE broadcasts SET done = 1, updated_at = ? WHERE id = ?");
  b.bind(1, now());
  b.bind(2, id);
  b.exec();
  auto& u = stmt(
      "UPDATE outbound_messages SET status = 'expired', error = 'the alert expired before it could be sent',"
      " updated_at = ? WHERE broadcast_id = ? AND status IN ('queued', 'retrying') RETURNING id");
  u.bind(1, now());
  u.bind(2, id);
  return record_moved(u, "expired", "broadcast");
}

broadcasts_part::batch_queued tx::queue_broadcast_batch(std::int64_t id,
                                                       const std::map<std::string, std::string>& bodies,
                                                       std::string_view fallback, std::size_t limit) {
  const auto b = find_broadcast(id);
  if (!b || b->done || limit == 0) return {0, !b || b->done};
  require_disk();
  // The last contact of this batch: `limit` subscriptions on from the cursor, read in index
  // order (a person subscribed to several areas counts once per area here: a batch of an
  // every-area broadcast may be a little smaller).
  auto& end = b->area.empty()
                  ? stmt("SELECT contact_id FROM subscriptions WHERE topic = ? AND contact_id > ?"
                         " ORDER BY contact_id LIMIT 1 OFFSET ?")
                  : stmt("SELECT contact_id FROM subscriptions WHERE topic = ? AND contact_id > ? AND area = ?"
                         " ORDER BY contact_id LIMIT 1 OFFSET ?");
  bind_text(end, 1, b->topic);
  end.bind(2, b->cursor);
  if (!b->area.empty()) bind_text(end, 3, b->area);
  end.bind(b->area.empty() ? 3 : 4, static_cast<std::int64_t>(limit - 1));
  std::int64_t last = end.executeStep() ? end.getColumn(0).getInt64() : 0;
  end.reset();
  if (last == 0) {
    // Fewer than `limit` left: up to the last one.
    auto& tail = b->area.empty() ? stmt("SELECT MAX(contact_id) FROM subscriptions WHERE topic = ?")
                                 : stmt("SELECT MAX(contact_id) FROM subscriptions WHERE topic = ? AND area = ?");
    bind_text(tail, 1, b->topic);
    if (!b->area.empty()) bind_text(tail, 2, b->area);
    tail.executeStep();
    last = tail.getColumn(0).isNull() ? b->cursor : std::max(b->cursor, tail.getColumn(0).getInt64());
    tail.reset();
  }
  const bool more = last > b->cursor;
  std::int64_t n = 0;
  batch_queued out;
  if (more) {
    const std::int64_t before = db_.execAndGet("SELECT COALESCE(MAX(id), 0) FROM outbound_messages").getInt64();
    nlohmann::json by_language = nlohmann::json::object();
    for (const auto& [lang, body] : bodies) by_language[lang] = body;
    // Routine (education) messages count against the frequency cap (R-S9): a person over it
    // gets the message recorded as cancelled, with the reason; alerts are never capped. Only
    // education broadcasts and lessons send routine messages, so the first broadcast of the
    // week of a topic without lessons needs no look at anyone's. A person taking the topic's
    // lessons gets none of its education broadcasts (lessons_first_reason).
    const bool routine = b->prio == core::priority::bulk && topic_had_routine_since(*b, now() - routine_week_ms);
    auto& ins = stmt(routine ? "INSERT INTO outbound_messages (channel_id, contact_id, to_phone, body, priority, status,"
                               " next_at, created_at, updated_at, programme, broadcast_id, error, expires_at)"
                               " SELECT channel_id, id, phone, body, ?8, CASE WHEN why IS NULL THEN 'queued' ELSE 'cancelled' END,"
                               " ?9, ?10, ?10, ?1, ?11, why, ?17 FROM ("
                               " SELECT a.channel_id, c.id, c.phone,"
                               " " PAYGHAM_BODY_FOR("?6", "?7") " AS body,"
                               " CASE WHEN EXISTS (SELECT 1 FROM series s WHERE s.contact_id = c.id AND s.programme = ?1"
                               "  AND s.active = 1 AND s.worker_id IS NULL AND s.flow_id <> '') THEN ?18"
                               " WHEN (SELECT COALESCE(SUM(p.created_at > ?13), 0) >= ?15 OR COUNT(*) >= ?16"
                               "  FROM outbound_messages p WHERE p.contact_id = c.id AND p.programme = ?1 AND p.priority = ?8"
                               "  AND p.status <> 'cancelled' AND p.created_at > ?14) THEN ?12 END AS why"
                               " FROM (" PAYGHAM_AUDIENCE ") a JOIN contacts c ON c.id = a.contact_id) ORDER BY id"
                             : "INSERT INTO outbound_messages (channel_id, contact_id, to_phone, body, priority, status,"
                               " next_at, created_at, updated_at, programme, broadcast_id, expires_at)"
                               " SELECT a.channel_id, c.id, c.phone,"
                               " " PAYGHAM_BODY_FOR("?6", "?7") ","
                               " ?8, 'queued', ?9, ?10, ?10, ?1, ?11, ?17 FROM (" PAYGHAM_AUDIENCE ") a"
                               " JOIN contacts c ON c.id = a.contact_id ORDER BY c.id");
    bind_text(ins, 1, b->topic);
    bind_text(ins, 2, b->area);
    ins.bind(3, b->cursor);
    ins.bind(4, last);
    bind_text(ins, 6, by_language.dump());
    bind_text(ins, 7, fallback);
    ins.bind(8, static_cast<int>(b->prio));
    ins.bind(9, std::max(now(), b->not_before));
    ins.bind(10, now());
    ins.bind(11, id);
    ins.bind(17, b->expires_at);
    bind_text(ins, 19, b->route);
    bind_text(ins, 20, b->district);
    ins.bind(21, b->unknown_district ? 1 : 0);
    if (routine) {
      bind_text(ins, 12, frequency_cap_reason);
      ins.bind(13, static_cast<std::int64_t>(now() - routine_day_ms));
      ins.bind(14, static_cast<std::int64_t>(now() - routine_week_ms));
      ins.bind(15, routine_per_day);
      ins.bind(16, routine_per_week);
      bind_text(ins, 18, lessons_first_reason);
    }
    n = ins.exec();
    auto& ev = stmt(
        "INSERT INTO message_events (message_id, status, source, applied, at)"
        " SELECT id, status, CASE status WHEN 'queued' THEN 'broadcast' ELSE 'frequency-cap' END, 1, ?"
        " FROM outbound_messages WHERE id > ? AND broadcast_id = ?");
    ev.bind(1, now());
    ev.bind(2, before);
    ev.bind(3, id);
    ev.exec();
    if (b->prio != core::priority::alert) {
      auto& own = stmt(
          "SELECT m.id, c.phone, c.quiet_hours FROM outbound_messages m JOIN contacts c ON c.id = m.contact_id"
          " WHERE m.id > ? AND m.broadcast_id = ? AND m.status = 'queued' AND c.quiet_hours IS NOT NULL");
      own.bind(1, before);
      own.bind(2, id);
      while (own.executeStep()) {
        out.own.push_back({own.getColumn(0).getInt64(), own.getColumn(1).getString(), own.getColumn(2).getString()});
      }
      own.reset();
    }
  }
  auto& u = stmt("UPDATE broadcasts SET cursor = ?, queued = queued + ?, done = ?, updated_at = ? WHERE id = ?");
  u.bind(1, last);
  u.bind(2, n);
  u.bind(3, more ? 0 : 1);
  u.bind(4, now());
  u.bind(5, id);
  u.exec();
  out.messages = static_cast<std::size_t>(n);
  out.done = !more;
  out.from_contact = b->cursor;
  out.to_contact = last;
  return out;
}

void tx::hold_message(std::int64_t id, core::unix_ms until) {
  auto& s = stmt("UPDATE outbound_messages SET next_at = MAX(next_at, ?) WHERE id = ? AND status = 'queued'");
  s.bind(1, until);
  s.bind(2, id);
  s.exec();
}

std::vector<std::string> tx::batch_numbers(std::int64_t id, std::int64_t from_contact, std::int64_t to_contact) {
  auto& q = stmt(
      "SELECT MIN(m.to_phone) FROM contacts c JOIN outbound_messages m ON m.contact_id = c.id"
      " WHERE c.id > ? AND c.id <= ? AND c.quiet_hours IS NULL AND m.broadcast_id = ? AND m.status = 'queued'"
      " GROUP BY substr(m.to_phone, 1, ?)");
  q.bind(1, from_contact);
  q.bind(2, to_contact);
  q.bind(3, id);
  q.bind(4, static_cast<std::int64_t>(number_start));
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  q.reset();
  return out;
}

std::size_t tx::hold_broadcast(std::int64_t id, std::int64_t from_contact, std::int64_t to_contact,
                               std::string_view start, core::unix_ms until) {
  auto& s = stmt(
      "UPDATE outbound_messages SET next_at = MAX(next_at, ?1)"
      " WHERE broadcast_id = ?2 AND contact_id > ?3 AND contact_id <= ?4 AND status = 'queued'"
      " AND substr(to_phone, 1, length(?5)) = ?5"
      " AND contact_id IN (SELECT id FROM contacts WHERE id > ?3 AND id <= ?4 AND quiet_hours IS NULL)");
  s.bind(1, until);
  s.bind(2, id);
  s.bind(3, from_contact);
  s.bind(4, to_contact);
  bind_text(s, 5, start);
  return static_cast<std::size_t>(s.exec());
}

void tx::rebody_broadcast(std::int64_t id, std::int64_t from_contact, std::int64_t to_contact,
                          std::string_view phone_prefix, const std::map<std::string, std::string>& bodies,
                          std::string_view fallback) {
  nlohmann::json by_language = nlohmann::json::object();
  for (const auto& [lang, body] : bodies) by_language[lang] = body;
  auto& s = stmt(
      "UPDATE outbound_messages SET body = COALESCE((SELECT " PAYGHAM_BODY_FOR("?1", "?2")
      " FROM contacts c WHERE c.id = outbound_messages.contact_id), ?2)"
      " WHERE broadcast_id = ?3 AND contact_id > ?4 AND contact_id <= ?5 AND status = 'queued'"
      " AND substr(to_phone, 1, length(?6)) = ?6");
  bind_text(s, 1, by_language.dump());
  bind_text(s, 2, fallback);
  s.bind(3, id);
  s.bind(4, from_contact);
  s.bind(5, to_contact);
  bind_text(s, 6, phone_prefix);
  s.exec();
}

#undef PAYGHAM_AUDIENCE
#undef PAYGHAM_BODY_FOR
#undef PAYGHAM_THEIR_LANGUAGES
#undef PAYGHAM_LANGUAGES_FIELD

bool tx::topic_had_routine_since(const broadcast& b, core::unix_ms since) {
  // Another education broadcast of the topic this week, or its lessons (routine_series).
  auto& q = stmt(
      "SELECT EXISTS (SELECT 1 FROM broadcasts WHERE topic = ? AND priority = ? AND created_at > ? AND id <> ?)"
      " OR EXISTS (SELECT 1 FROM series WHERE programme = ?1 AND worker_id IS NULL AND flow_id <> '')");
  bind_text(q, 1, b.topic);
  q.bind(2, static_cast<int>(b.prio));
  q.bind(3, since);
  q.bind(4, b.id);
  const bool out = q.executeStep() && q.getColumn(0).getInt() != 0;
  q.reset();
  return out;
}

messages_part::routine_count tx::routine_sent(std::int64_t contact_id, std::string_view programme) {
  auto& q = stmt(
      "SELECT COALESCE(SUM(created_at > ?), 0), COUNT(*) FROM outbound_messages WHERE contact_id = ? AND programme = ?"
      " AND priority = ? AND status <> 'cancelled' AND created_at > ?");
  q.bind(1, now() - routine_day_ms);
  q.bind(2, contact_id);
  bind_text(q, 3, programme);
  q.bind(4, static_cast<int>(core::priority::bulk));
  q.bind(5, now() - routine_week_ms);
  routine_count out;
  if (q.executeStep()) out = {q.getColumn(0).getInt64(), q.getColumn(1).getInt64()};
  q.reset();
  return out;
}

bool tx::has_waiting(std::int64_t contact_id, std::string_view programme) {
  auto& q = stmt(
      "SELECT EXISTS (SELECT 1 FROM outbound_messages WHERE contact_id = ? AND programme = ?"
      " AND status IN ('queued', 'retrying') AND priority <> ?)");
  q.bind(1, contact_id);
  bind_text(q, 2, programme);
  q.bind(3, static_cast<int>(core::priority::bulk));
  const bool waiting = q.executeStep() && q.getColumn(0).getInt() == 1;
  q.reset();
  return waiting;
}

std::map<std::string, std::int64_t> tx::broadcast_progress(std::int64_t id) {
  auto& q = stmt("SELECT status, COUNT(*) FROM outbound_messages WHERE broadcast_id = ? GROUP BY status");
  q.bind(1, id);
  std::map<std::string, std::int64_t> out;
  while (q.executeStep()) out[q.getColumn(0).getString()] = q.getColumn(1).getInt64();
  q.reset();
  return out;
}

bool tx::add_transfer_code(std::int64_t contact_id, std::string_view topic, std::string_view code,
                           core::unix_ms expires_at) {
  require_disk();
  // A code used up or expired may be drawn again.
  auto& i = stmt(
      "INSERT INTO transfer_codes (code_hash, contact_id, topic, expires_at) VALUES (?, ?, ?, ?)"
      " ON CONFLICT (code_hash) DO UPDATE SET contact_id = excluded.contact_id,"
      " topic = excluded.topic, expires_at = excluded.expires_at, used_at = NULL"
      " WHERE transfer_codes.used_at IS NOT NULL OR transfer_codes.expires_at <= ?");
  bind_text(i, 1, transfer_code_hash(salt(), code));
  i.bind(2, contact_id);
  bind_text(i, 3, topic);
  i.bind(4, expires_at);
  i.bind(5, now());
  return i.exec() == 1;
}

std::optional<moved_subscriptions> tx::use_transfer_code(std::string_view code, std::string_view topic,
                                                          std::int64_t to_contact, std::string_view channel_id) {
  const std::string hash = transfer_code_hash(salt(), code);
  auto& q = stmt(
      "SELECT contact_id FROM transfer_codes"
      " WHERE code_hash = ? AND topic = ? AND used_at IS NULL AND expires_at > ?");
  bind_text(q, 1, hash);
  bind_text(q, 2, topic);
  q.bind(3, now());
  const bool found = q.executeStep();
  const std::int64_t from = found ? q.getColumn(0).getInt64() : 0;
  q.reset();
  if (!found) return std::nullopt;
  if (from == to_contact) return moved_subscriptions{from, {}};  // kept for the new SIM
  require_disk();
  std::vector<std::string> areas;
  std::vector<subscription> moving;
  for (auto& s : subscriptions_of(from)) {
    if (s.topic == topic) moving.push_back(std::move(s));
  }
  // Each keeps its end, district and route: a new SIM is not a renewal.
  for (const auto& s : moving) {
    subscribe(to_contact, topic, s.area, channel_id, s.expires_at, s.district, s.route, s.district_key);
    areas.push_back(s.area);
  }
  auto& d = stmt("DELETE FROM subscriptions WHERE contact_id = ? AND topic = ?");
  d.bind(1, from);
  bind_text(d, 2, topic);
  d.exec();
  auto& u = stmt("UPDATE transfer_codes SET used_at = ? WHERE code_hash = ?");
  u.bind(1, now());
  bind_text(u, 2, hash);
  u.exec();
  return moved_subscriptions{from, std::move(areas)};
}

int tx::transfer_failures(std::int64_t contact_id, core::unix_ms since) {
  auto& q = stmt("SELECT COUNT(*) FROM transfer_failures WHERE contact_id = ? AND at >= ?");
  q.bind(1, contact_id);
  q.bind(2, since);
  q.executeStep();
  const int n = q.getColumn(0).getInt();
  q.reset();
  return n;
}

void tx::add_transfer_failure(std::int64_t contact_id) {
  auto& i = stmt("INSERT INTO transfer_failures (contact_id, at) VALUES (?, ?)");
  i.bind(1, contact_id);
  i.bind(2, now());
  i.exec();
}

void tx::set_reachable(std::int64_t contact_id) {
  auto& s = stmt("UPDATE contacts SET unreachable = 0, failures_in_row = 0, updated_at = ? WHERE id = ?");
  s.bind(1, now());
  s.bind(2, contact_id);
  s.exec();
}

void tx::count_reach(std::int64_t message_id, core::message_status st) {
  const reach_signal signal = reach_signal_of(st);
  if (signal == reach_signal::none) return;
  if (signal == reach_signal::delivered) {
    auto& s = stmt(
        "UPDATE contacts SET failures_in_row = 0 WHERE failures_in_row > 0"
        " AND (id, phone) = (SELECT contact_id, to_phone FROM outbound_messages WHERE id = ?)");
    s.bind(1, message_id);
    s.exec();
    return;
  }
  auto& s = stmt(
      "UPDATE contacts SET failures_in_row = failures_in_row + 1,"
      " unreachable = CASE WHEN failures_in_row + 1 >= ? THEN 1 ELSE unreachable END,"
      " explicit_texts = CASE WHEN failures_in_row + 1 >= ?1 THEN 0 ELSE explicit_texts END, updated_at = ?"
      " WHERE (id, phone) = (SELECT contact_id, to_phone FROM outbound_messages WHERE id = ?)");
  s.bind(1, failures_before_unreachable);
  s.bind(2, now());
  s.bind(3, message_id);
  s.exec();
}

void tx::set_contact_language(std::int64_t contact_id, std::string_view language) {
  auto& s = stmt(
      "UPDATE contacts SET language = ?, language_asked_at = 0, pending_language = NULL, updated_at = ? WHERE id = ?");
  bind_text(s, 1, language);
  s.bind(2, now());
  s.bind(3, contact_id);
  s.exec();
}

void tx::set_language_asked(std::int64_t contact_id, core::unix_ms at, std::string_view pending_language) {
  auto& s = stmt("UPDATE contacts SET language_asked_at = ?, pending_language = ? WHERE id = ?");
  s.bind(1, at);
  bind_opt_text(s, 2, pending_language);
  s.bind(3, contact_id);
  s.exec();
}

bool tx::take_invite(std::int64_t contact_id, core::unix_ms at, core::unix_ms since) {
  auto& s = stmt("UPDATE contacts SET invited_at = ? WHERE id = ? AND (invited_at IS NULL OR invited_at <= ?)");
  s.bind(1, at);
  s.bind(2, contact_id);
  s.bind(3, since);
  return s.exec() == 1;
}

void tx::set_quiet_hours(std::int64_t contact_id, std::string_view quiet_hours) {
  auto& s = stmt("UPDATE contacts SET quiet_hours = ?, updated_at = ? WHERE id = ?");
  if (quiet_hours.empty()) {
    s.bind(1);
  } else {
    bind_text(s, 1, quiet_hours);
  }
  s.bind(2, now());
  s.bind(3, contact_id);
  s.exec();
}

std::optional<run> tx::find_run(std::int64_t run_id) {
  static const std::string sql = std::string("SELECT ") + run_columns + " FROM flow_runs WHERE id = ?";
  auto& s = stmt(sql.c_str());
  s.bind(1, run_id);
  if (!s.executeStep()) return std::nullopt;
  return read_run(s);
}

std::optional<run> tx::find_session_run(std::string_view channel_id, std::string_view session_id) {
  static const std::string sql = std::string("SELECT ") + run_columns +
                                 " FROM flow_runs WHERE channel_id = ? AND session_id = ?";
  auto& s = stmt(sql.c_str());
  bind_text(s, 1, channel_id);
  bind_text(s, 2, session_id);
  if (!s.executeStep()) return std::nullopt;
  return read_run(s);
}

std::optional<run> tx::find_waiting_sms_run(std::int64_t contact_id) {
  static const std::string sql =
      std::string("SELECT ") + run_columns +
      " FROM flow_runs WHERE contact_id = ? AND status = 'waiting' AND medium = 'sms'"
      " ORDER BY id DESC LIMIT 1";
  auto& s = stmt(sql.c_str());
  s.bind(1, contact_id);
  if (!s.executeStep()) return std::nullopt;
  return read_run(s);
}

std::optional<run> tx::find_resumable_run(std::int64_t contact_id, std::string_view flow_id,
                                          std::string_view session_id, core::unix_ms since) {
  static const std::string sql =
      std::string("SELECT ") + run_columns +
      " FROM flow_runs WHERE contact_id = ? AND flow_id = ? AND status = 'active'"
      " AND medium = 'ussd' AND session_id <> ? AND updated_at >= ? ORDER BY id DESC LIMIT 1";
  auto& s = stmt(sql.c_str());
  s.bind(1, contact_id);
  bind_text(s, 2, flow_id);
  bind_text(s, 3, session_id);
  s.bind(4, since);
  if (!s.executeStep()) return std::nullopt;
  return read_run(s);
}

std::vector<run> tx::stale_ussd_runs(core::unix_ms before, std::size_t limit) {
  static const std::string sql =
      std::string("SELECT ") + run_columns +
      " FROM flow_runs WHERE status = 'active' AND medium = 'ussd' AND updated_at < ?"
      " ORDER BY updated_at LIMIT ?";
  auto& s = stmt(sql.c_str());
  s.bind(1, before);
  s.bind(2, static_cast<std::int64_t>(limit));
  std::vector<run> out;
  while (s.executeStep()) out.push_back(read_run(s));
  return out;
}

void tx::expire_series_questions(std::int64_t contact_id, std::int64_t series_id) {
  auto& s = stmt(
      "UPDATE flow_runs SET status = 'expired', state = json_set(state, '$.vars', json('{}')),"
      " updated_at = ? WHERE contact_id = ? AND status = 'waiting'"
      " AND json_extract(state, '$.vars.series') = ?");
  s.bind(1, now());
  s.bind(2, contact_id);
  s.bind(3, std::to_string(series_id));
  s.exec();
}

void tx::expire_waiting_sms_runs(std::int64_t contact_id) {
  auto& s = stmt(
      "UPDATE flow_runs SET status = 'expired', state = json_set(state, '$.vars', json('{}')), updated_at = ?"
      " WHERE contact_id = ? AND status = 'waiting' AND medium = 'sms'");
  s.bind(1, now());
  s.bind(2, contact_id);
  s.exec();
}

std::string tx::attempt(const std::function<void()>& fn) {
  db_.exec("SAVEPOINT attempt");
  try {
    fn();
  } catch (const std::exception& e) {
    db_.exec("ROLLBACK TO attempt");
    db_.exec("RELEASE attempt");
    return e.what()[0] ? e.what() : "failed";
  }
  db_.exec("RELEASE attempt");
  return {};
}

void tx::add_job(std::string_view kind, core::unix_ms due_at, std::string_view payload) {
  auto& s = stmt(
      "INSERT INTO jobs (kind, due_at, payload, status, created_at) VALUES (?, ?, ?, 'pending', ?)");
  bind_text(s, 1, kind);
  s.bind(2, due_at);
  bind_text(s, 3, payload);
  s.bind(4, now());
  s.exec();
}

void tx::add_turn_job(std::string_view kind, core::unix_ms due_at, std::string_view payload,
                      std::int64_t contact_id, core::unix_ms since) {
  auto& s = stmt(
      "INSERT INTO jobs (kind, due_at, payload, status, created_at, turn_of, turn_since)"
      " VALUES (?, ?, ?, 'pending', ?, ?, ?)");
  bind_text(s, 1, kind);
  s.bind(2, due_at);
  bind_text(s, 3, payload);
  s.bind(4, now());
  s.bind(5, contact_id);
  s.bind(6, since);
  s.exec();
}

void tx::wake_turn_jobs(std::int64_t contact_id) {
  auto& s = stmt("UPDATE jobs SET due_at = ? WHERE turn_of = ? AND status = 'pending' AND due_at > ?");
  s.bind(1, now());
  s.bind(2, contact_id);
  s.bind(3, now());
  s.exec();
}

core::unix_ms tx::next_job_due() {
  auto& q = stmt("SELECT COALESCE(MIN(due_at), 0) FROM jobs WHERE status = 'pending'");
  const core::unix_ms at = q.executeStep() ? q.getColumn(0).getInt64() : 0;
  q.reset();
  return at;
}

std::vector<job> tx::take_due_jobs(std::size_t limit) {
  auto& s = stmt(
      "SELECT id, kind, payload, due_at, COALESCE(turn_since, 0) FROM jobs WHERE status = 'pending' AND due_at <= ?"
      " ORDER BY due_at, id LIMIT ?");
  s.bind(1, now());
  s.bind(2, static_cast<std::int64_t>(limit));
  std::vector<job> out;
  while (s.executeStep()) {
    out.push_back(job{s.getColumn(0).getInt64(), s.getColumn(1).getString(), s.getColumn(2).getString(),
                      s.getColumn(3).getInt64(), s.getColumn(4).getInt64()});
  }
  for (const auto& j : out) {
    auto& u = stmt("UPDATE jobs SET status = 'done' WHERE id = ?");
    u.bind(1, j.id);
    u.exec();
  }
  return out;
}

void tx::park_job(std::int64_t job_id, std::string_view why) {
  auto& u = stmt("UPDATE jobs SET status = 'parked', problem = ? WHERE id = ?");
  bind_text(u, 1, why);
  u.bind(2, job_id);
  u.exec();
}

std::int64_t tx::add_inbox(const inbox_item& item) {
  require_disk();
  auto& s = stmt(
      "INSERT INTO inbox (contact_id, run_id, channel_id, flow_id, body, status, created_at, area, "
      "duplicate_of,"
      " someone_hurt, urgent, district, from_phone) VALUES (?, ?, ?, ?, ?, 'new', ?, ?, NULLIF(?, "
      "0), ?, ?, ?,"
      " (SELECT NULLIF(NULLIF(?, ''), phone) FROM contacts WHERE id = ?))");
  s.bind(1, item.contact_id);
  if (item.run_id > 0) {
    s.bind(2, item.run_id);
  } else {
    s.bind(2);
  }
  bind_text(s, 3, item.channel_id);
  bind_opt_text(s, 4, item.flow_id);
  bind_text(s, 5, item.body);
  s.bind(6, now());
  bind_text(s, 7, item.area);
  s.bind(8, item.duplicate_of);
  if (item.someone_hurt) {
    s.bind(9, *item.someone_hurt ? 1 : 0);
  } else {
    s.bind(9);
  }
  s.bind(10, item.urgent ? 1 : 0);
  bind_text(s, 11, item.district);
  bind_text(s, 12, item.from_phone);
  s.bind(13, item.contact_id);
  s.exec();
  return db_.getLastInsertRowid();
}

namespace {

constexpr const char* inbox_columns =
    "i.id, COALESCE(i.contact_id, 0), CASE WHEN c.id IS NULL THEN '' ELSE COALESCE(i.from_phone, "
    "c.phone) END,"
    " i.channel_id, COALESCE(i.flow_id, ''), i.body, i.status,"
    " COALESCE(i.assigned_to, 0), i.created_at, i.area, i.district, COALESCE(i.duplicate_of, 0),"
    " i.someone_hurt, i.urgent, i.may_call FROM inbox i LEFT JOIN contacts c ON c.id = "
    "i.contact_id";

std::optional<bool> optional_flag(const SQLite::Column& c) {
  return c.isNull() ? std::nullopt : std::optional<bool>(c.getInt() != 0);
}

inbox_entry read_inbox(SQLite::Statement& q) {
  return inbox_entry{q.getColumn(0).getInt64(),  q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                     q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getString(),
                     q.getColumn(6).getString(), q.getColumn(7).getInt64(), q.getColumn(8).getInt64(),
                     q.getColumn(9).getString(), q.getColumn(10).getString(), q.getColumn(11).getInt64(),
                     optional_flag(q.getColumn(12)), q.getColumn(13).getInt() != 0, optional_flag(q.getColumn(14))};
}

}  // namespace

std::vector<inbox_entry> tx::inbox_page(const inbox_filter& f, std::int64_t before, std::size_t limit) {
  static const std::string sql = std::string("SELECT ") + inbox_columns +
                                 " WHERE (?1 = 0 OR i.id < ?1) AND (?2 = '' OR i.status = ?2)"
                                 " AND (?3 = '' OR COALESCE(i.flow_id, '') = ?3) ORDER BY i.id DESC LIMIT ?4";
  auto& q = stmt(sql.c_str());
  q.bind(1, before);
  bind_text(q, 2, f.status);
  bind_text(q, 3, f.flow);
  q.bind(4, static_cast<std::int64_t>(limit));
  std::vector<inbox_entry> out;
  while (q.executeStep()) out.push_back(read_inbox(q));
  q.reset();
  return out;
}

std::int64_t tx::inbox_items_since(std::int64_t contact_id, core::unix_ms since, bool urgent_only) {
  auto& q = stmt("SELECT COUNT(*) FROM inbox WHERE contact_id = ? AND created_at >= ? AND urgent >= ?");
  q.bind(1, contact_id);
  q.bind(2, since);
  q.bind(3, urgent_only ? 1 : 0);
  q.executeStep();
  const std::int64_t n = q.getColumn(0).getInt64();
  q.reset();
  return n;
}

std::int64_t tx::first_report_since(std::string_view flow_id, std::string_view area, std::string_view district,
                                    core::unix_ms since) {
  auto& q = stmt(
      "SELECT id FROM inbox WHERE flow_id = ? AND area = ? AND area <> '' AND created_at >= ?"
      " AND (?4 = '' OR district = '' OR district = ?4) ORDER BY id LIMIT 1");
  bind_text(q, 1, flow_id);
  bind_text(q, 2, area);
  q.bind(3, since);
  bind_text(q, 4, district);
  const std::int64_t id = q.executeStep() ? q.getColumn(0).getInt64() : 0;
  q.reset();
  return id;
}

std::optional<inbox_entry> tx::find_inbox(std::int64_t id) {
  static const std::string sql = std::string("SELECT ") + inbox_columns + " WHERE i.id = ?";
  auto& q = stmt(sql.c_str());
  q.bind(1, id);
  std::optional<inbox_entry> out;
  if (q.executeStep()) out = read_inbox(q);
  q.reset();
  return out;
}

void tx::update_inbox(std::int64_t id, std::string_view status, std::int64_t assigned_to) {
  require_disk();
  // done_at: when it was first marked done, and none once reopened (R-D3 counts from it).
  auto& u = stmt(
      "UPDATE inbox SET status = ?1, assigned_to = NULLIF(?2, 0), updated_at = ?3,"
      " done_at = CASE WHEN ?1 = 'done' THEN COALESCE(done_at, ?3) END WHERE id = ?4");
  bind_text(u, 1, status);
  u.bind(2, assigned_to);
  u.bind(3, now());
  u.bind(4, id);
  u.exec();
}

bool tx::set_inbox_may_call(std::int64_t id, std::int64_t contact_id, bool may_call) {
  auto& u = stmt("UPDATE inbox SET may_call = ? WHERE id = ? AND contact_id = ?");
  u.bind(1, may_call ? 1 : 0);
  u.bind(2, id);
  u.bind(3, contact_id);
  return u.exec() == 1;
}

std::size_t tx::mark_reports_hurt(std::int64_t contact_id, std::int64_t run_id) {
  auto& u = stmt(
      "UPDATE inbox SET someone_hurt = 1, urgent = 1 WHERE contact_id = ? AND run_id = ? AND "
      "someone_hurt = 0");
  u.bind(1, contact_id);
  u.bind(2, run_id);
  return static_cast<std::size_t>(u.exec());
}

void tx::save_run(run& r) {
  if (r.id == 0) {
    auto& s = stmt(
        "INSERT INTO flow_runs (contact_id, channel_id, medium, session_id, flow_id, flow_hash,"
        " status, state, last_input, last_reply, created_at, updated_at, prev_input, prev_reply)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, r.contact_id);
    bind_text(s, 2, r.channel_id);
    bind_text(s, 3, to_string(r.medium));
    bind_opt_text(s, 4, r.session_id);
    bind_text(s, 5, r.flow_id);
    bind_text(s, 6, r.flow_hash);
    bind_text(s, 7, to_string(r.status));
    bind_text(s, 8, r.state);
    bind_opt_text(s, 9, r.last_input);
    bind_opt_text(s, 10, r.last_reply);
    s.bind(11, now());
    s.bind(12, now());
    bind_opt_text(s, 13, r.prev_input);
    bind_opt_text(s, 14, r.prev_reply);
    s.exec();
    r.id = db_.getLastInsertRowid();
    return;
  }
  auto& s = stmt(
      "UPDATE flow_runs SET status = ?, state = ?, last_input = ?, last_reply = ?, flow_hash = ?,"
      " medium = ?, session_id = ?, updated_at = ?, prev_input = ?, prev_reply = ?, channel_id = ? WHERE id = ?");
  bind_text(s, 1, to_string(r.status));
  bind_text(s, 2, r.state);
  bind_opt_text(s, 3, r.last_input);
  bind_opt_text(s, 4, r.last_reply);
  bind_text(s, 5, r.flow_hash);
  bind_text(s, 6, to_string(r.medium));
  bind_opt_text(s, 7, r.session_id);
  s.bind(8, now());
  bind_opt_text(s, 9, r.prev_input);
  bind_opt_text(s, 10, r.prev_reply);
  bind_text(s, 11, r.channel_id);  // a session resumed on another route goes on there
  s.bind(12, r.id);
  s.exec();
  r.updated_at = now();
}

std::int64_t tx::queue_message(const new_message& m) {
  // A queued message is a promise to someone: it must survive power loss.
  require_disk();
  std::string why_not;  // why it is recorded as cancelled instead of queued
  if (m.contact_id > 0 && !m.even_if_opted_out) {
    auto& q = stmt(
        // Unreachable is the main number's (R-S13): an answer to another they write from goes.
        "SELECT opted_out, CASE WHEN phone = ? THEN unreachable ELSE 0 END,"
        " EXISTS (SELECT 1 FROM contact_optouts WHERE contact_id = c.id AND programme = ?)"
        " FROM contacts c WHERE id = ?");
    bind_text(q, 1, m.to_phone);
    bind_text(q, 2, m.programme);
    q.bind(3, m.contact_id);
    if (q.executeStep()) {
      why_not = held_back_reason(q.getColumn(0).getInt() != 0, q.getColumn(1).getInt() != 0,
                                 q.getColumn(2).getInt() != 0 ? std::string_view(m.programme) : std::string_view());
    }
    q.reset();
  }
  const bool cancelled = !why_not.empty();
  auto& s = stmt(
      "INSERT INTO outbound_messages (channel_id, contact_id, run_id, to_phone, body, priority,"
      " status, error, next_at, created_at, updated_at, programme, series_id)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  bind_text(s, 1, m.channel_id);
  if (m.contact_id > 0) {
    s.bind(2, m.contact_id);
  } else {
    s.bind(2);
  }
  if (m.run_id > 0) {
    s.bind(3, m.run_id);
  } else {
    s.bind(3);
  }
  bind_text(s, 4, m.to_phone);
  bind_text(s, 5, m.body);
  s.bind(6, static_cast<int>(m.prio));
  s.bind(7, cancelled ? "cancelled" : "queued");
  bind_opt_text(s, 8, why_not);
  s.bind(9, std::max(now(), m.not_before));
  s.bind(10, now());
  s.bind(11, now());
  bind_opt_text(s, 12, m.programme);
  if (m.series_id > 0) {
    s.bind(13, m.series_id);
  } else {
    s.bind(13);
  }
  s.exec();
  const std::int64_t id = db_.getLastInsertRowid();
  add_event(id, cancelled ? "cancelled" : "queued", "runner", {}, true);
  return id;
}

std::size_t tx::expire_unsent(std::string_view channel_id, core::unix_ms before) {
  // Past its validity (a reminder for a visit that is over): never sent.
  auto& u = stmt(
      "UPDATE outbound_messages SET status = 'expired', error = 'validity ended before it could be sent',"
      " updated_at = ?1 WHERE status IN ('queued', 'retrying') AND channel_id = ?2"
      " AND (created_at < ?3 OR (expires_at > 0 AND expires_at <= ?1)) RETURNING id");
  u.bind(1, now());
  bind_text(u, 2, channel_id);
  u.bind(3, before);
  return record_moved(u, "expired", "outbox");
}

std::size_t tx::record_moved(SQLite::Statement& update, std::string_view status, std::string_view source) {
  std::vector<std::int64_t> ids;
  while (update.executeStep()) ids.push_back(update.getColumn(0).getInt64());
  for (const auto id : ids) add_event(id, status, source, {}, true);
  return ids.size();
}

std::vector<claimed_message> tx::claim_due(std::string_view channel_id, std::size_t limit) {
  auto& s = stmt(
      "SELECT id, channel_id, to_phone, body, attempts, priority FROM outbound_messages"
      " WHERE status IN ('queued', 'retrying') AND next_at <= ?1 AND channel_id = ?2"
      " AND (expires_at = 0 OR expires_at > ?1) ORDER BY priority, next_at, id LIMIT ?3");
  s.bind(1, now());
  bind_text(s, 2, channel_id);
  s.bind(3, static_cast<std::int64_t>(limit));
  std::vector<claimed_message> out;
  while (s.executeStep()) {
    out.push_back(claimed_message{s.getColumn(0).getInt64(), s.getColumn(1).getString(),
                                  s.getColumn(2).getString(), s.getColumn(3).getString(),
                                  s.getColumn(4).getInt(), s.getColumn(5).getInt()});
  }
  for (auto& m : out) {
    auto& u = stmt(
        "UPDATE outbound_messages SET status = 'sending', attempts = attempts + 1, updated_at = ?,"
        " lease_owner = ?, lease_until = ? WHERE id = ?");
    u.bind(1, now());
    bind_text(u, 2, opts_.node_id);
    u.bind(3, now() + opts_.lease_ms);
    u.bind(4, m.id);
    u.exec();
    add_event(m.id, "sending", "outbox", {}, true);
    ++m.attempts;
  }
  return out;
}

void tx::add_event(std::int64_t message_id, std::string_view status, std::string_view source,
                   std::string_view raw_code, bool applied) {
  auto& ev = stmt(
      "INSERT INTO message_events (message_id, status, source, raw_code, applied, at)"
      " VALUES (?, ?, ?, ?, ?, ?)");
  ev.bind(1, message_id);
  bind_text(ev, 2, status);
  bind_text(ev, 3, source);
  bind_opt_text(ev, 4, raw_code);
  ev.bind(5, applied ? 1 : 0);
  ev.bind(6, now());
  ev.exec();
}

void tx::record_sent(std::int64_t id, std::string_view external_id, std::string_view raw_code,
                     int parts, std::string_view cost) {
  auto& q = stmt("SELECT status, channel_id FROM outbound_messages WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return;
  const auto status = parse_status(q.getColumn(0).getString());
  const std::string channel = q.getColumn(1).getString();
  q.reset();
  // A report may have moved it on already (delivered before the reply was read).
  const bool forward = status && send_reply_applies(*status);
  auto& u = stmt(
      "UPDATE outbound_messages SET external_id = COALESCE(?, external_id), parts = COALESCE(?, parts),"
      " cost = COALESCE(?, cost), sent_at = COALESCE(sent_at, ?), status = CASE WHEN ? THEN 'sent' ELSE status END,"
      " updated_at = ? WHERE id = ?");
  bind_opt_text(u, 1, external_id);
  if (parts > 0) {
    u.bind(2, parts);
  } else {
    u.bind(2);
  }
  bind_opt_text(u, 3, cost);
  u.bind(4, now());
  u.bind(5, forward ? 1 : 0);
  u.bind(6, now());
  u.bind(7, id);
  u.exec();
  add_event(id, "sent", "send", raw_code, forward);
  // Reports that came before this reply, in the order they came.
  if (external_id.empty()) return;
  auto& w = stmt(
      "SELECT id, reference, status, raw_code, COALESCE(error, '') FROM delivery_reports"
      " WHERE outcome = 'waiting' AND channel_id = ? AND external_id = ? ORDER BY id");
  bind_text(w, 1, channel);
  bind_text(w, 2, external_id);
  std::vector<std::pair<std::int64_t, core::delivery_report>> waiting;
  while (w.executeStep()) {
    core::delivery_report r;
    r.channel_id = channel;
    r.external_id = std::string(external_id);
    r.reference = w.getColumn(1).getString();
    r.raw_code = w.getColumn(3).getString();
    r.error = w.getColumn(4).getString();
    r.status = parse_status(w.getColumn(2).getString()).value_or(core::message_status::sent);
    waiting.emplace_back(w.getColumn(0).getInt64(), std::move(r));
  }
  for (const auto& [report_id, r] : waiting) {
    const report_outcome o = apply_report_to(id, r);
    auto& u2 = stmt("UPDATE delivery_reports SET message_id = ?, outcome = ? WHERE id = ?");
    u2.bind(1, id);
    u2.bind(2, to_string(o));
    u2.bind(3, report_id);
    u2.exec();
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

void tx::record_retry(std::int64_t id, core::unix_ms next_at, std::string_view raw_code,
                      std::string_view error, bool counted) {
  auto& u = stmt(
      "UPDATE outbound_messages SET status = 'retrying', next_at = ?, error = ?, updated_at = ?," PAYGHAM_CURRENT_NUMBER
      " attempts = attempts - ? WHERE id = ? AND status = 'sending'");
  u.bind(1, next_at);
  bind_opt_text(u, 2, error);
  u.bind(3, now());
  u.bind(4, counted ? 0 : 1);
  u.bind(5, id);
  if (u.exec() == 1) add_event(id, "retrying", "send", raw_code, true);
}

report_outcome tx::apply_report_to(std::int64_t message_id, const core::delivery_report& r) {
  auto& q = stmt("SELECT status FROM outbound_messages WHERE id = ?");
  q.bind(1, message_id);
  if (!q.executeStep()) return report_outcome::waiting;
  const auto current = parse_status(q.getColumn(0).getString()).value_or(core::message_status::queued);
  q.reset();
  const char* name = core::to_string(r.status);
  bool seen = false;
  if (current == r.status) {
    // The same state again: a duplicate if this very report is in the history already.
    auto& d = stmt(
        "SELECT COUNT(*) FROM message_events WHERE message_id = ? AND status = ? AND source = 'report'"
        " AND raw_code IS ?");
    d.bind(1, message_id);
    d.bind(2, name);
    bind_opt_text(d, 3, r.raw_code);
    d.executeStep();
    seen = d.getColumn(0).getInt() > 0;
    d.reset();
  }
  const report_outcome o = judge_report(current, r.status, seen);
  if (o == report_outcome::duplicate) return o;
  if (o != report_outcome::applied) {
    add_event(message_id, name, "report", r.raw_code, false);
    return o;
  }
  auto& u = stmt(
      "UPDATE outbound_messages SET status = ?, error = COALESCE(?, error), parts = COALESCE(?, parts),"
      " cost = COALESCE(?, cost), updated_at = ? WHERE id = ?");
  u.bind(1, name);
  // A failure always says why, in the aggregator's words when it gives some.
  bind_opt_text(u, 2, !r.error.empty() || r.status != core::message_status::failed
                          ? r.error
                          : "the aggregator reported " + r.raw_code);
  if (r.parts > 0) {
    u.bind(3, r.parts);
  } else {
    u.bind(3);
  }
  bind_opt_text(u, 4, r.cost);
  u.bind(5, now());
  u.bind(6, message_id);
  u.exec();
  add_event(message_id, name, "report", r.raw_code, true);
  count_reach(message_id, r.status);
  return report_outcome::applied;
}

applied_report tx::apply_report(const core::delivery_report& r) {
  // An aggregator never repeats an acknowledged report, so it must be on disk first.
  require_disk();
  applied_report out;
  std::int64_t& message_id = out.message_id;
  const auto found = [&](SQLite::Statement& q) {
    if (q.executeStep()) {
      message_id = q.getColumn(0).getInt64();
      out.to_phone = q.getColumn(1).getString();
    }
    q.reset();
  };
  if (r.reference.size() > 2 && r.reference.rfind("pg", 0) == 0) {
    auto& q = stmt("SELECT id, to_phone FROM outbound_messages WHERE id = ? AND channel_id = ?");
    q.bind(1, static_cast<std::int64_t>(std::atoll(r.reference.c_str() + 2)));
    bind_text(q, 2, r.channel_id);
    found(q);
  }
  if (message_id == 0 && !r.external_id.empty()) {
    auto& q = stmt("SELECT id, to_phone FROM outbound_messages WHERE channel_id = ? AND external_id = ?");
    bind_text(q, 1, r.channel_id);
    bind_text(q, 2, r.external_id);
    found(q);
  }
  const report_outcome o = message_id ? apply_report_to(message_id, r) : report_outcome::waiting;
  out.outcome = o;
  auto& ins = stmt(
      "INSERT INTO delivery_reports (channel_id, external_id, reference, status, raw_code, error,"
      " message_id, outcome, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  bind_text(ins, 1, r.channel_id);
  bind_text(ins, 2, r.external_id);
  bind_opt_text(ins, 3, r.reference);
  bind_text(ins, 4, core::to_string(r.status));
  bind_text(ins, 5, r.raw_code);
  bind_opt_text(ins, 6, r.error);
  if (message_id) {
    ins.bind(7, message_id);
  } else {
    ins.bind(7);
  }
  ins.bind(8, to_string(o));
  ins.bind(9, now());
  ins.exec();
  return out;
}

std::size_t tx::mark_unconfirmed(std::string_view channel_id, core::unix_ms before) {
  auto& u = stmt(
      "UPDATE outbound_messages SET status = 'unconfirmed', updated_at = ?"
      " WHERE status = 'sent' AND channel_id = ? AND sent_at < ? RETURNING id");
  u.bind(1, now());
  bind_text(u, 2, channel_id);
  u.bind(3, before);
  return record_moved(u, "unconfirmed", "outbox");
}

std::vector<awaiting> tx::awaiting_report(std::string_view channel_id, core::unix_ms since, const awaiting& after,
                                          std::size_t limit) {
  // Each state from its own partial index (outbound_messages_sent, _unconfirmed).
  auto& q = stmt(
      "SELECT sent_at, id, external_id FROM ("
      " SELECT * FROM (SELECT sent_at, id, external_id FROM outbound_messages WHERE status = 'sent'"
      "  AND channel_id = ?1 AND sent_at >= ?2 AND (sent_at, id) > (?3, ?4) AND external_id IS NOT NULL"
      "  ORDER BY sent_at, id LIMIT ?5)"
      " UNION ALL"
      " SELECT * FROM (SELECT sent_at, id, external_id FROM outbound_messages WHERE status = 'unconfirmed'"
      "  AND channel_id = ?1 AND sent_at >= ?2 AND (sent_at, id) > (?3, ?4) AND external_id IS NOT NULL"
      "  ORDER BY sent_at, id LIMIT ?5))"
      " ORDER BY sent_at, id LIMIT ?5");
  bind_text(q, 1, channel_id);
  q.bind(2, std::max(since, after.sent_at));  // where the index search starts
  q.bind(3, after.sent_at);
  q.bind(4, after.id);
  q.bind(5, static_cast<std::int64_t>(limit));
  std::vector<awaiting> out;
  while (q.executeStep()) {
    out.push_back(awaiting{q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getString()});
  }
  return out;
}

std::size_t tx::requeue_in_flight(bool starting) {
  auto& u = stmt(
      "UPDATE outbound_messages SET status = 'retrying', next_at = ?, updated_at = ?, lease_owner = NULL,"
      PAYGHAM_CURRENT_NUMBER " lease_until = NULL WHERE status = 'sending' AND (lease_owner IS NULL OR (? AND lease_owner = ?)"
      " OR lease_until < ?) RETURNING id");
  u.bind(1, now());
  u.bind(2, now());
  u.bind(3, starting ? 1 : 0);
  bind_text(u, 4, opts_.node_id);
  u.bind(5, now());
  return record_moved(u, "retrying", "lease");
}

#undef PAYGHAM_CURRENT_NUMBER

int tx::heartbeat(std::int64_t window_ms) {
  auto& u = stmt(
      "INSERT INTO nodes (id, seen_at, started_at) VALUES (?, ?, ?)"
      " ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at");
  bind_text(u, 1, opts_.node_id);
  u.bind(2, now());
  u.bind(3, now());
  u.exec();
  auto& q = stmt("SELECT COUNT(*) FROM nodes WHERE seen_at >= ?");
  q.bind(1, now() - window_ms);
  q.executeStep();
  const int n = q.getColumn(0).getInt();
  q.reset();
  return n;
}

void tx::pause_channel(std::string_view channel_id, core::unix_ms until, std::string_view reason) {
  auto& u = stmt(
      "INSERT INTO channel_pauses (channel_id, paused_until, reason, node, at) VALUES (?, ?, ?, ?, ?)"
      " ON CONFLICT (channel_id) DO UPDATE SET paused_until = excluded.paused_until, reason = excluded.reason,"
      " node = excluded.node, at = excluded.at WHERE excluded.paused_until > channel_pauses.paused_until");
  bind_text(u, 1, channel_id);
  u.bind(2, until);
  bind_text(u, 3, reason);
  bind_text(u, 4, opts_.node_id);
  u.bind(5, now());
  u.exec();
}

std::map<std::string, core::unix_ms> tx::channel_pauses() {
  auto& q = stmt("SELECT channel_id, paused_until FROM channel_pauses WHERE paused_until > ?");
  q.bind(1, now());
  std::map<std::string, core::unix_ms> out;
  while (q.executeStep()) out[q.getColumn(0).getString()] = q.getColumn(1).getInt64();
  return out;
}

std::size_t tx::prune(core::unix_ms before, std::size_t limit) {
  static constexpr const char* deletes[] = {
      "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status = 'done' AND due_at < ? LIMIT ?)",
      "DELETE FROM delivery_reports WHERE id IN"
      " (SELECT id FROM delivery_reports WHERE received_at < ? LIMIT ?)",
      // Console sessions that ended before then (the audit log names the user, not the session).
      "DELETE FROM api_tokens WHERE id IN (SELECT id FROM api_tokens WHERE user_id IS NOT NULL"
      " AND ((expires_at > 0 AND expires_at < ?1) OR revoked_at < ?1) LIMIT ?2)",
  };
  std::size_t n = 0;
  for (const char* sql : deletes) {
    auto& d = stmt(sql);
    d.bind(1, before);
    d.bind(2, static_cast<std::int64_t>(limit));
    n += static_cast<std::size_t>(d.exec());
  }
  return n;
}

namespace {
// R-D3: the big tables are read in id order from a retention mark: the rows to read (?1 the
// mark, ?2 the limit: id, and when it was written), and what to do up to where all were
// written before the retention (?1 the mark, ?2 that id).
struct marked_table {
  const char* name;
  const char* scan;
  const char* blank;
};
constexpr const char* scan_messages =
    "SELECT id, created_at, status NOT IN ('queued', 'retrying', 'sending') FROM outbound_messages"
    " WHERE id > ?1 ORDER BY id LIMIT ?2";
constexpr marked_table marked_tables[] = {
    // Sent messages, once no longer waiting to be sent: one still to send keeps its words.
    {"outbound_messages", scan_messages,
     "UPDATE outbound_messages SET body = '' WHERE id > ?1 AND id <= ?2 AND body <> ''"
     " AND status NOT IN ('queued', 'retrying', 'sending')"},
    {"inbound_events", "SELECT id, received_at, 1 FROM inbound_events WHERE id > ?1 ORDER BY id LIMIT ?2",
     "UPDATE inbound_events SET body = '' WHERE id > ?1 AND id <= ?2 AND body <> ''"},
    // A finished session's last screens, kept for the aggregator's retries.
    {"flow_runs", "SELECT id, created_at, status IN ('completed', 'expired', 'failed') FROM flow_runs WHERE id > ?1"
     " ORDER BY id LIMIT ?2",
     "UPDATE flow_runs SET last_input = '', last_reply = '', prev_input = '', prev_reply = ''"
     " WHERE id > ?1 AND id <= ?2 AND status IN ('completed', 'expired', 'failed')"
     " AND COALESCE(last_input, '') || COALESCE(last_reply, '') || COALESCE(prev_input, '') || COALESCE(prev_reply, '') <> ''"},
};
// Messages past their delivery retention, once final: their counts stay, then their history,
// reports and themselves go (the last statement's changes are the messages).
constexpr const char* delivery_steps[] = {
    "INSERT INTO delivery_totals (hour, channel_id, status, messages)"
    " SELECT created_at / 3600000 * 3600000, channel_id, status, COUNT(*) FROM outbound_messages"
    " WHERE id > ?1 AND id <= ?2 AND status NOT IN ('queued', 'retrying', 'sending') GROUP BY 1, 2, 3"
    " ON CONFLICT (hour, channel_id, status) DO UPDATE SET messages = delivery_totals.messages + excluded.messages",
    "DELETE FROM message_events WHERE message_id IN (SELECT id FROM outbound_messages"
    " WHERE id > ?1 AND id <= ?2 AND status NOT IN ('queued', 'retrying', 'sending'))",
    "DELETE FROM delivery_reports WHERE message_id IN (SELECT id FROM outbound_messages"
    " WHERE id > ?1 AND id <= ?2 AND status NOT IN ('queued', 'retrying', 'sending'))",
    "DELETE FROM outbound_messages WHERE id > ?1 AND id <= ?2 AND status NOT IN ('queued', 'retrying', 'sending')",
};
}  // namespace

std::pair<std::int64_t, std::int64_t> tx::retention_stretch(const char* mark_name, const char* scan,
                                                            core::unix_ms before, std::int64_t limit) {
  auto& m = stmt("SELECT last_id FROM retention_marks WHERE name = ?");
  m.bind(1, mark_name);
  const std::int64_t mark = m.executeStep() ? m.getColumn(0).getInt64() : 0;
  m.reset();
  auto& q = stmt(scan);
  q.bind(1, mark);
  q.bind(2, limit);
  std::vector<retention_row> rows;
  while (q.executeStep()) rows.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getInt() != 0});
  q.reset();
  const std::int64_t reach = retention_reach(rows, before);
  if (reach > 0) {
    auto& u = stmt(
        "INSERT INTO retention_marks (name, last_id) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id");
    u.bind(1, mark_name);
    u.bind(2, reach);
    u.exec();
  }
  return {mark, reach};
}

std::size_t tx::forget_past(const retention_before& before, std::size_t limit) {
  const auto lim = static_cast<std::int64_t>(limit);
  std::size_t n = 0;
  // A statement of two numbers (?1, ?2); the rows it changed.
  const auto run = [&](const char* sql, std::int64_t first, std::int64_t second) {
    auto& b = stmt(sql);
    b.bind(1, first);
    b.bind(2, second);
    return static_cast<std::size_t>(b.exec());
  };
  if (before.texts > 0) {
    for (const auto& t : marked_tables) {
      const auto [mark, reach] = retention_stretch(t.name, t.scan, before.texts, lim);
      if (reach > 0) n += run(t.blank, mark, reach);
    }
    // Inbox items once done: an open one keeps its words for the person who answers it.
    n += run("UPDATE inbox SET body = '' WHERE id IN"
             " (SELECT id FROM inbox WHERE status = 'done' AND body <> '' AND created_at < ?1 LIMIT ?2)",
             before.texts, lim);
  }
  if (before.deliveries > 0) {
    const auto [mark, reach] = retention_stretch("delivered_messages", scan_messages, before.deliveries, lim);
    std::size_t last = 0;
    if (reach > 0) {
      for (const char* sql : delivery_steps) last = run(sql, mark, reach);
    }
    n += last;
  }
  if (before.reporters > 0) {
    n +=
        run("UPDATE inbox SET contact_id = NULL, from_phone = NULL WHERE id IN (SELECT id FROM "
            "inbox WHERE contact_id IS NOT NULL"
            " AND (area <> '' OR someone_hurt IS NOT NULL) AND COALESCE(may_call, 0) = 0 AND "
            "created_at < ?1"
            " LIMIT ?2)",
            before.reporters, lim);
    // A reporter who agreed to be called back stays while the report is worked on, up to a limit.
    auto& agreed = stmt(
        "UPDATE inbox SET contact_id = NULL, from_phone = NULL WHERE id IN (SELECT id FROM inbox "
        "WHERE contact_id IS NOT NULL"
        " AND may_call = 1 AND (done_at < ?1 OR created_at < ?3) LIMIT ?2)");
    agreed.bind(1, before.reporters);
    agreed.bind(2, lim);
    agreed.bind(3, before.callbacks);
    n += static_cast<std::size_t>(agreed.exec());
  }
  if (before.visits > 0) {
    n += run("DELETE FROM bookings WHERE id IN"
             " (SELECT id FROM bookings WHERE starts_at < ?1 AND status <> 'held' LIMIT ?2)",
             before.visits, lim);
  }
  return n;
}

void tx::set_message_status(std::int64_t id, core::message_status st, std::string_view source,
                            std::string_view raw_code, std::string_view external_id,
                            std::string_view error) {
  const char* name = core::to_string(st);
  auto& u = stmt(
      "UPDATE outbound_messages SET status = ?, external_id = COALESCE(?, external_id),"
      " error = COALESCE(?, error), updated_at = ? WHERE id = ?");
  u.bind(1, name);
  bind_opt_text(u, 2, external_id);
  bind_opt_text(u, 3, error);
  u.bind(4, now());
  u.bind(5, id);
  u.exec();
  add_event(id, name, source, raw_code, true);
}

}  // namespace paygham::store::sqlite
