// `paygham report deliveries`: what happened to the messages sent in a period, for a programme
// manager's report or a donor's: counts by channel and state with the failure reasons (text),
// or one row a message (CSV, numbers masked: a report leaves the building).
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "gateway/app/commands.hpp"
#include "gateway/app/config.hpp"
#include "gateway/core/log.hpp"
#include "gateway/store/reader.hpp"
#include "gateway/store/writer.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::app {
namespace {

// "2026-11-01" (midnight UTC), "2026-11-29T20:00:00Z", or unix milliseconds.
std::optional<core::unix_ms> read_when(const std::string& given) {
  if (const auto at = text::parse_instant(given)) return *at;
  if (const auto d = text::read_date(text::normalize(given))) return text::day_number(*d) * 86'400'000;
  return std::nullopt;
}

std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

int report_deliveries(const report_options& o) {
  auto loaded = load_config(o.config, channel_secrets::unused);
  if (!loaded) {
    std::cerr << loaded.error() << "\n";
    return exit_user_error;
  }
  const core::unix_ms now = core::now_ms();
  const auto since = o.since.empty() ? std::optional<core::unix_ms>(now - 7 * 86'400'000LL) : read_when(o.since);
  const auto until = o.until.empty() ? std::optional<core::unix_ms>(now) : read_when(o.until);
  if (!since || !until || *since >= *until) {
    std::cerr << "paygham report: --since and --until are dates or times (2026-11-01, 2026-11-29T20:00:00Z), since "
                 "before until\n";
    return exit_usage;
  }
  try {
    const auto writer = store::open_writer(loaded.value().store);
    if (o.format == "csv") {
      // R-D4: an export of people's messages is audited before its first row is written: an
      // export the audit log cannot record is not made.
      const nlohmann::json period{{"since", core::log::utc_text(*since)},
                                  {"until", core::log::utc_text(*until)}};
      store::run_now(*writer, [&](store::tx& t) {
        t.audit("cli", "messages.export", "messages", period.dump());
      });
      std::cout << "id,created_at,updated_at,channel,programme,priority,status,error,broadcast,to\n";
      // Newest first, a page at a time; ids grow with time, so a page wholly before the
      // period ends the search.
      std::int64_t before = 0;
      for (bool more = true; more;) {
        std::vector<store::message_view> page;
        store::run_now(*writer, [&](store::tx& t) { page = t.messages_page({}, before, 1000); });
        std::size_t older = 0;
        for (const auto& m : page) {
          before = m.id;
          if (m.created_at < *since) {
            ++older;
            continue;
          }
          if (m.created_at >= *until) continue;
          std::cout << m.id << "," << core::log::utc_text(m.created_at) << "," << core::log::utc_text(m.updated_at)
                    << "," << csv_field(m.channel_id) << "," << csv_field(m.programme) << "," << m.priority << ","
                    << m.status << "," << csv_field(core::log::mask_phone_like(m.error)) << ","
                    << (m.broadcast_id ? std::to_string(m.broadcast_id) : "") << ","
                    << core::log::mask_phone(m.to_phone) << "\n";
        }
        more = page.size() == 1000 && older < page.size();
      }
      writer->stop();
      return exit_ok;
    }
    const auto reader = store::open_reader(loaded.value().store);
    std::map<std::pair<std::string, std::string>, std::int64_t> by_state;  // (channel, state)
    std::int64_t total = 0;
    for (const auto& c : reader->delivery_counts(*since, *until)) {
      by_state[{c.channel, c.status}] += c.n;
      total += c.n;
    }
    std::cout << "messages created " << core::log::utc_text(*since) << " to " << core::log::utc_text(*until) << ": "
              << total << "\n";
    std::string channel;
    for (const auto& [key, n] : by_state) {
      if (key.first != channel) {
        channel = key.first;
        std::cout << "channel " << channel << "\n";
      }
      std::cout << "  " << key.second << "\t" << n << "\n";
    }
    const auto reasons = reader->failure_reasons(*since, *until, 10);
    if (!reasons.empty()) std::cout << "why messages failed or were not sent\n";
    for (const auto& [why, n] : reasons) std::cout << "  " << n << "\t" << core::log::mask_phone_like(why) << "\n";
    writer->stop();
  } catch (const std::exception& e) {
    std::cerr << "paygham report: " << e.what() << "\n";
    return exit_user_error;
  }
  return exit_ok;
}

}  // namespace paygham::app
