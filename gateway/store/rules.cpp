#include "gateway/store/rules.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

#include "gateway/store/tx.hpp"

#include <openssl/evp.h>

namespace paygham::store {

std::string suppression_hash(std::string_view salt, std::string_view e164) {
  // Fetched once: OpenSSL 3 looks the algorithm up again at each EVP_sha256() digest, which
  // was most of a new contact's hash on every first hop.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, sha256, nullptr);
  EVP_DigestUpdate(ctx, salt.data(), salt.size());
  EVP_DigestUpdate(ctx, e164.data(), e164.size());
  EVP_DigestFinal_ex(ctx, digest, &size);
  EVP_MD_CTX_free(ctx);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(2 * size, '0');
  for (unsigned int i = 0; i < size; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 15];
  }
  return out;
}

std::string log_key_from(std::string_view salt) { return suppression_hash(salt, "paygham log pseudonyms"); }

std::string number_pseudonym(std::string_view log_key, std::string_view e164) {
  return suppression_hash(log_key, e164).substr(0, 12);
}

std::string transfer_code_hash(std::string_view salt, std::string_view code) {
  return suppression_hash(salt, "transfer:" + std::string(code));
}

const char* to_string(report_outcome o) {
  switch (o) {
    case report_outcome::applied: return "applied";
    case report_outcome::duplicate: return "duplicate";
    case report_outcome::confirmed: return "confirmed";
    case report_outcome::regression: return "regression";
    case report_outcome::waiting: return "waiting";
  }
  return "waiting";
}

const char* to_string(run_status s) {
  switch (s) {
    case run_status::active: return "active";
    case run_status::waiting: return "waiting";
    case run_status::completed: return "completed";
    case run_status::expired: return "expired";
    case run_status::failed: return "failed";
  }
  return "failed";
}

const char* to_string(medium m) { return m == medium::sms ? "sms" : "ussd"; }

std::optional<run_status> parse_run_status(std::string_view name) {
  for (const auto st : {run_status::active, run_status::waiting, run_status::completed, run_status::expired,
                        run_status::failed}) {
    if (name == to_string(st)) return st;
  }
  return std::nullopt;
}

std::optional<medium> parse_medium(std::string_view name) {
  if (name == "ussd") return medium::ussd;
  if (name == "sms") return medium::sms;
  return std::nullopt;
}

const char* to_string(booking_status s) {
  switch (s) {
    case booking_status::held: return "held";
    case booking_status::released: return "released";
    case booking_status::booked: return "booked";
    case booking_status::cancelled: return "cancelled";
    case booking_status::attended: return "attended";
    case booking_status::missed: return "missed";
  }
  return "cancelled";
}

std::optional<booking_status> parse_booking_status(std::string_view name) {
  for (const auto st : {booking_status::held, booking_status::released, booking_status::booked,
                        booking_status::cancelled, booking_status::attended, booking_status::missed}) {
    if (name == to_string(st)) return st;
  }
  return std::nullopt;
}

std::string booking_code(std::string_view clinic, long long day, int n) {
  // A fixed start per clinic and day, then steps of a number prime to 9000: the first 9000
  // tries are 9000 different codes, and consecutive bookings look unrelated.
  unsigned long long start = static_cast<unsigned long long>(day) * 131u;
  for (const char c : clinic) start = start * 31u + static_cast<unsigned char>(c);
  const unsigned long long v = (start + static_cast<unsigned long long>(n) * 4217u) % 9000u;
  return std::to_string(1000 + v);
}

std::optional<core::message_status> parse_status(std::string_view name) {
  using s = core::message_status;
  static constexpr std::array all = {s::queued, s::sending,   s::sent,      s::delivered,  s::failed,
                                     s::retrying, s::expired, s::cancelled, s::unconfirmed};
  for (const auto st : all) {
    if (name == core::to_string(st)) return st;
  }
  return std::nullopt;
}

report_outcome judge_report(core::message_status current, core::message_status reported, bool seen_before) {
  if (current == reported) return seen_before ? report_outcome::duplicate : report_outcome::confirmed;
  if (core::rank(reported) <= core::rank(current)) return report_outcome::regression;
  return report_outcome::applied;
}

std::map<std::string, std::string> parse_fields(const std::string& json) {
  if (json == "{}") return {};  // most contacts, on every hop: no parse
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return {};
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : j.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

bool send_reply_applies(core::message_status current) {
  return current == core::message_status::sending || current == core::message_status::queued ||
         current == core::message_status::retrying;
}

std::string offsets_to_string(const std::vector<int>& days) { return nlohmann::json(days).dump(); }

std::vector<int> parse_offsets(const std::string& json) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  std::vector<int> out;
  if (!j.is_array()) return out;
  for (const auto& v : j) {
    if (!v.is_number_integer()) return {};
    out.push_back(v.get<int>());
  }
  return out;
}

std::string held_back_reason(bool opted_out, bool unreachable, std::string_view programme_stopped) {
  if (opted_out) return "opted out";
  if (!programme_stopped.empty()) return "opted out of " + std::string(programme_stopped);
  if (unreachable) return "held back: the last 3 messages to this number failed (sent again once the person writes in)";
  return {};
}

reach_signal reach_signal_of(core::message_status st) {
  switch (st) {
    case core::message_status::delivered: return reach_signal::delivered;
    case core::message_status::failed: return reach_signal::failed;
    default: return reach_signal::none;
  }
}

const char* to_string(call_priority p) {
  switch (p) {
    case call_priority::urgent: return "urgent";
    case call_priority::high: return "high";
    case call_priority::normal: return "normal";
    case call_priority::low: return "low";
  }
  return "normal";
}

std::optional<call_priority> parse_call_priority(std::string_view name) {
  for (const auto p : {call_priority::urgent, call_priority::high, call_priority::normal, call_priority::low}) {
    if (name == to_string(p)) return p;
  }
  return std::nullopt;
}

std::string_view series_kind(const series& s) {
  if (s.anchor_day) return "pregnancy";
  if (s.every_days != 0) return "refill";
  return s.weekday != 0 ? "checkin" : "medicine";
}

std::int64_t retention_reach(const std::vector<retention_row>& rows, std::int64_t before) {
  std::int64_t reach = 0;
  for (const auto& r : rows) {
    // Ids follow the time they were written: the first newer row ends the stretch (on several
    // nodes a row a moment out of order waits for the next pass).
    if (r.written >= before || !r.done) break;
    reach = r.id;
  }
  return reach;
}

}  // namespace paygham::store
