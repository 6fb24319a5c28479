#include "gateway/auth/pin.hpp"

#include "gateway/auth/argon2.hpp"
#include "gateway/core/utf8.hpp"

namespace paygham::auth {
namespace {

// Costs: about 10 ms and 8 MiB on one core. A PIN is checked inside a USSD hop, so the cost
// must stay well under a hop's budget; guessing is stopped by the lockout instead.
constexpr unsigned long long ops = 2;
constexpr std::size_t memory = 8u << 20;

}  // namespace

std::optional<std::string> read_pin(std::string_view typed) {
  if (!core::valid_utf8(typed)) return std::nullopt;
  std::string out;
  for (const char32_t cp : core::decode_utf8(typed)) {
    if (cp == U' ') continue;
    const int digit = core::digit_value(cp);
    if (digit < 0) return std::nullopt;
    out.push_back(static_cast<char>('0' + digit));
  }
  if (out.size() < 4 || out.size() > 6) return std::nullopt;
  return out;
}

std::string weak_pin(std::string_view pin, std::string_view phone) {
  if (pin.find_first_not_of(pin.front()) == std::string_view::npos) return "it is one digit repeated";
  bool up = true, down = true;
  for (std::size_t i = 1; i < pin.size(); ++i) {
    if (pin[i] != pin[i - 1] + 1) up = false;
    if (pin[i] != pin[i - 1] - 1) down = false;
  }
  if (up || down) return "its digits run in order";
  if (phone.size() >= pin.size() && phone.substr(phone.size() - pin.size()) == pin) {
    return "it is the end of the phone's own number";
  }
  return {};
}

std::string hash_pin(std::string_view pin) { return argon2::hash(pin, ops, memory); }

bool pin_matches(const std::string& hash, std::string_view pin) { return argon2::matches(hash, pin); }

pin_try try_pin(const std::string& hash, int failed, std::int64_t locked_until, std::string_view typed,
                std::int64_t now, int lockouts) {
  pin_try t;
  t.failed = failed;
  t.locked_until = locked_until;
  if (pin_blocked(failed, lockouts)) {
    t.outcome = pin_try::result::blocked;
    return t;
  }
  if (locked_until > now) {
    t.outcome = pin_try::result::locked;
    return t;
  }
  const auto pin = read_pin(typed);
  if (pin && !hash.empty() && pin_matches(hash, *pin)) {
    t.outcome = pin_try::result::ok;
    t.changed = failed != 0 || locked_until != 0;
    t.failed = 0;
    t.locked_until = 0;
    return t;
  }
  t.changed = true;
  t.failed = failed + 1;
  t.locked_until = 0;
  if (pin_blocked(t.failed, lockouts)) {
    t.outcome = pin_try::result::blocked;
  } else if (t.failed % pin_tries == 0) {
    t.outcome = pin_try::result::locked;
    t.locked_until = now + pin_lock_ms;
  } else {
    t.tries_left = pin_tries - t.failed % pin_tries;
  }
  return t;
}

}  // namespace paygham::auth
