#include "gateway/store/sqlite/reader.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include "gateway/store/rules.hpp"
#include "gateway/store/sqlite/database.hpp"

namespace paygham::store::sqlite {

reader::reader(const options& o) : db_(open_read_only(o)) {}
reader::~reader() = default;

std::int64_t reader::outbox_depth() {
  return db_
      ->execAndGet(
          // Each count from its partial index (outbound_messages_unsent_age, _sending).
          "SELECT (SELECT COUNT(*) FROM outbound_messages WHERE status IN ('queued', 'retrying'))"
          " + (SELECT COUNT(*) FROM outbound_messages WHERE status = 'sending')")
      .getInt64();
}

std::string reader::log_key() {
  return log_key_from(db_->execAndGet("SELECT value FROM deployment WHERE name = 'suppression_salt'").getString());
}

std::int64_t reader::unconfirmed() {
  return db_->execAndGet("SELECT COUNT(*) FROM outbound_messages WHERE status = 'unconfirmed'").getInt64();
}

std::vector<reader::outbound_row> reader::outbound_after(std::int64_t after) {
  SQLite::Statement s(*db_,
                      "SELECT id, body, status, COALESCE(error, ''), COALESCE(next_at, 0) FROM outbound_messages"
                      " WHERE id > ? ORDER BY id");
  s.bind(1, after);
  std::vector<outbound_row> out;
  while (s.executeStep()) {
    out.push_back({s.getColumn(0).getInt64(), s.getColumn(1).getString(), s.getColumn(2).getString(),
                   s.getColumn(3).getString(), s.getColumn(4).getInt64()});
  }
  return out;
}

std::vector<reader::delivery_count> reader::delivery_counts(std::int64_t since, std::int64_t until) {
  SQLite::Statement s(*db_,
                      // With the counts older messages left behind them (R-D3).
                      "SELECT channel_id, status, hour, SUM(n) FROM"
                      " (SELECT channel_id, status, created_at / 3600000 * 3600000 AS hour, 1 AS n"
                      " FROM outbound_messages WHERE created_at >= ?1 AND created_at < ?2"
                      " UNION ALL SELECT channel_id, status, hour, messages FROM delivery_totals"
                      " WHERE hour >= ?1 AND hour < ?2)"
                      " GROUP BY hour, channel_id, status ORDER BY hour, channel_id, status");
  s.bind(1, since);
  s.bind(2, until);
  std::vector<delivery_count> out;
  while (s.executeStep()) {
    out.push_back({s.getColumn(0).getString(), s.getColumn(1).getString(), s.getColumn(2).getInt64(),
                   s.getColumn(3).getInt64()});
  }
  return out;
}

std::vector<std::pair<std::string, std::int64_t>> reader::failure_reasons(std::int64_t since, std::int64_t until,
                                                                          std::size_t limit) {
  SQLite::Statement s(*db_,
                      "SELECT error, COUNT(*) AS n FROM outbound_messages WHERE created_at >= ? AND created_at < ?"
                      " AND error IS NOT NULL AND error <> '' GROUP BY error ORDER BY n DESC, error LIMIT ?");
  s.bind(1, since);
  s.bind(2, until);
  s.bind(3, static_cast<std::int64_t>(limit));
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (s.executeStep()) out.emplace_back(s.getColumn(0).getString(), s.getColumn(1).getInt64());
  return out;
}

bool reader::healthy() noexcept {
  try {
    return db_->execAndGet("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").getInt() ==
           latest_version();
  } catch (...) {
    return false;
  }
}

}  // namespace paygham::store::sqlite
