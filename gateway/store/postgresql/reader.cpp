#include "gateway/store/postgresql/reader.hpp"

#include "gateway/store/postgresql/schema.hpp"
#include "gateway/store/rules.hpp"

namespace paygham::store::postgresql {

connection& reader::conn() {
  if (!conn_.ok()) conn_.reconnect();
  return conn_;
}

std::int64_t reader::outbox_depth() {
  return conn()
      .query("SELECT COUNT(*) FROM outbound_messages WHERE status IN ('queued', 'retrying', 'sending')")
      .int64(0, 0);
}

std::string reader::log_key() {
  return log_key_from(conn().query("SELECT value FROM deployment WHERE name = 'suppression_salt'").text(0, 0));
}

std::int64_t reader::unconfirmed() {
  return conn().query("SELECT COUNT(*) FROM outbound_messages WHERE status = 'unconfirmed'").int64(0, 0);
}

std::vector<reader::outbound_row> reader::outbound_after(std::int64_t after) {
  const auto r = conn().query(
      "SELECT id, body, status, COALESCE(error, ''), next_at FROM outbound_messages WHERE id > $1 ORDER BY id",
      {after});
  std::vector<outbound_row> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.int64(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.int64(i, 4)});
  return out;
}

std::vector<reader::delivery_count> reader::delivery_counts(std::int64_t since, std::int64_t until) {
  const auto r = conn().query(
      // With the counts older messages left behind them (R-D3).
      "SELECT channel_id, status, hour, SUM(n)::bigint FROM"
      " (SELECT channel_id, status, created_at / 3600000 * 3600000 AS hour, 1::bigint AS n"
      " FROM outbound_messages WHERE created_at >= $1 AND created_at < $2"
      " UNION ALL SELECT channel_id, status, hour, messages FROM delivery_totals WHERE hour >= $1 AND hour < $2) AS m"
      " GROUP BY hour, channel_id, status ORDER BY hour, channel_id, status",
      {since, until});
  std::vector<delivery_count> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1), r.int64(i, 2), r.int64(i, 3)});
  return out;
}

std::vector<std::pair<std::string, std::int64_t>> reader::failure_reasons(std::int64_t since, std::int64_t until,
                                                                          std::size_t limit) {
  const auto r = conn().query(
      "SELECT error, COUNT(*) AS n FROM outbound_messages WHERE created_at >= $1 AND created_at < $2"
      " AND error IS NOT NULL AND error <> '' GROUP BY error ORDER BY n DESC, error LIMIT $3",
      {since, until, static_cast<std::int64_t>(limit)});
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0), r.int64(i, 1));
  return out;
}

bool reader::healthy() noexcept {
  try {
    return conn().query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").integer(0, 0) ==
           latest_version();
  } catch (...) {
    return false;
  }
}

}  // namespace paygham::store::postgresql
