#include "gateway/store/tx.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <unordered_map>

#include "gateway/store/statement_cache.hpp"

namespace paygham::store {
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
  r.medium = s.getColumn(3).getString();
  r.session_id = s.getColumn(4).getString();
  r.flow_id = s.getColumn(5).getString();
  r.flow_hash = s.getColumn(6).getString();
  r.status = s.getColumn(7).getString();
  r.state = s.getColumn(8).getString();
  r.last_input = s.getColumn(9).getString();
  r.last_reply = s.getColumn(10).getString();
  return r;
}

constexpr const char* run_columns =
    "id, contact_id, channel_id, medium, session_id, flow_id, flow_hash, status, state, "
    "last_input, last_reply";

}  // namespace

tx::tx(SQLite::Database& db, statement_cache& cache, core::unix_ms now)
    : db_(db), cache_(cache), now_(now) {}

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
  s.bind(6, now_);
  return s.exec() == 1;
}

contact tx::upsert_contact(std::string_view phone) {
  auto& find = stmt("SELECT id, COALESCE(language, '') FROM contacts WHERE phone = ?");
  bind_text(find, 1, phone);
  if (find.executeStep()) {
    return contact{find.getColumn(0).getInt64(), std::string(phone), find.getColumn(1).getString()};
  }
  auto& ins = stmt("INSERT INTO contacts (phone, created_at, updated_at) VALUES (?, ?, ?)");
  bind_text(ins, 1, phone);
  ins.bind(2, now_);
  ins.bind(3, now_);
  ins.exec();
  return contact{db_.getLastInsertRowid(), std::string(phone), {}};
}

void tx::set_contact_language(std::int64_t contact_id, std::string_view language) {
  auto& s = stmt("UPDATE contacts SET language = ?, updated_at = ? WHERE id = ?");
  bind_text(s, 1, language);
  s.bind(2, now_);
  s.bind(3, contact_id);
  s.exec();
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

void tx::save_run(run& r) {
  if (r.id == 0) {
    auto& s = stmt(
        "INSERT INTO flow_runs (contact_id, channel_id, medium, session_id, flow_id, flow_hash,"
        " status, state, last_input, last_reply, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, r.contact_id);
    bind_text(s, 2, r.channel_id);
    bind_text(s, 3, r.medium);
    bind_opt_text(s, 4, r.session_id);
    bind_text(s, 5, r.flow_id);
    bind_text(s, 6, r.flow_hash);
    bind_text(s, 7, r.status);
    bind_text(s, 8, r.state);
    bind_opt_text(s, 9, r.last_input);
    bind_opt_text(s, 10, r.last_reply);
    s.bind(11, now_);
    s.bind(12, now_);
    s.exec();
    r.id = db_.getLastInsertRowid();
    return;
  }
  auto& s = stmt(
      "UPDATE flow_runs SET status = ?, state = ?, last_input = ?, last_reply = ?, flow_hash = ?,"
      " updated_at = ? WHERE id = ?");
  bind_text(s, 1, r.status);
  bind_text(s, 2, r.state);
  bind_opt_text(s, 3, r.last_input);
  bind_opt_text(s, 4, r.last_reply);
  bind_text(s, 5, r.flow_hash);
  s.bind(6, now_);
  s.bind(7, r.id);
  s.exec();
}

std::int64_t tx::queue_message(const new_message& m) {
  // A queued message is a promise to someone: it must survive power loss.
  require_disk();
  auto& s = stmt(
      "INSERT INTO outbound_messages (channel_id, contact_id, run_id, to_phone, body, priority,"
      " status, next_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)");
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
  s.bind(7, now_);
  s.bind(8, now_);
  s.bind(9, now_);
  s.exec();
  const std::int64_t id = db_.getLastInsertRowid();
  auto& ev = stmt(
      "INSERT INTO message_events (message_id, status, source, at) VALUES (?, 'queued', 'runner', ?)");
  ev.bind(1, id);
  ev.bind(2, now_);
  ev.exec();
  return id;
}

std::vector<claimed_message> tx::claim_due(std::string_view channel_id, std::size_t limit) {
  auto& s = stmt(
      "SELECT id, channel_id, to_phone, body, attempts FROM outbound_messages"
      " WHERE status IN ('queued', 'retrying') AND next_at <= ? AND channel_id = ?"
      " ORDER BY priority, next_at, id LIMIT ?");
  s.bind(1, now_);
  bind_text(s, 2, channel_id);
  s.bind(3, static_cast<std::int64_t>(limit));
  std::vector<claimed_message> out;
  while (s.executeStep()) {
    out.push_back(claimed_message{s.getColumn(0).getInt64(), s.getColumn(1).getString(),
                                  s.getColumn(2).getString(), s.getColumn(3).getString(),
                                  s.getColumn(4).getInt()});
  }
  for (auto& m : out) {
    auto& u = stmt(
        "UPDATE outbound_messages SET status = 'sending', attempts = attempts + 1, updated_at = ?"
        " WHERE id = ?");
    u.bind(1, now_);
    u.bind(2, m.id);
    u.exec();
    auto& ev = stmt(
        "INSERT INTO message_events (message_id, status, source, at)"
        " VALUES (?, 'sending', 'outbox', ?)");
    ev.bind(1, m.id);
    ev.bind(2, now_);
    ev.exec();
    ++m.attempts;
  }
  return out;
}

std::size_t tx::requeue_in_flight() {
  auto& ev = stmt(
      "INSERT INTO message_events (message_id, status, source, at)"
      " SELECT id, 'retrying', 'restart', ? FROM outbound_messages WHERE status = 'sending'");
  ev.bind(1, now_);
  ev.exec();
  auto& u = stmt(
      "UPDATE outbound_messages SET status = 'retrying', next_at = ?, updated_at = ?"
      " WHERE status = 'sending'");
  u.bind(1, now_);
  u.bind(2, now_);
  return static_cast<std::size_t>(u.exec());
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
  u.bind(4, now_);
  u.bind(5, id);
  u.exec();
  auto& ev = stmt(
      "INSERT INTO message_events (message_id, status, source, raw_code, at) VALUES (?, ?, ?, ?, ?)");
  ev.bind(1, id);
  ev.bind(2, name);
  bind_text(ev, 3, source);
  bind_opt_text(ev, 4, raw_code);
  ev.bind(5, now_);
  ev.exec();
}

}  // namespace paygham::store
