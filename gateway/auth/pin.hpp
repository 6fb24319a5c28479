// PINs typed on a basic phone: health workers' to open the health-worker menu (MomConnect's
// clinic-registration pattern), and a person's own to see their visits (R-S12). Only an
// Argon2id hash is stored; the PIN itself is never logged or kept. A 4-digit PIN has 10,000
// values, so what protects it is the lockout after a few wrong tries (try_pin), not the hash
// alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace paygham::auth {

// The PIN as ASCII digits (Persian and Arabic-Indic digits read too, spaces dropped), or
// nullopt when it is not 4 to 6 digits.
std::optional<std::string> read_pin(std::string_view typed);

// Why `pin` (ASCII digits) is too easy to guess, or "" when it is fine: all one digit, a run
// up or down (1234, 9876), or the end of the phone's own number (`phone`).
std::string weak_pin(std::string_view pin, std::string_view phone);

// An Argon2id hash of the PIN in libsodium's string form (salt and costs included).
std::string hash_pin(std::string_view pin);

// True when `pin` matches `hash`; false for a wrong PIN or a hash that cannot be read.
bool pin_matches(const std::string& hash, std::string_view pin);

// Wrong PINs in a row before a PIN locks, and for how long.
inline constexpr int pin_tries = 5;
inline constexpr std::int64_t pin_lock_ms = 30 * 60 * 1000;

// One try of a typed PIN against a stored hash, with the wrong tries in a row so far and the
// end of a lockout (ms since the epoch; 0: none). Every `pin_tries` wrong in a row lock it for
// `pin_lock_ms`; with `lockouts` above 0, that many lockouts in a row block it until a new PIN
// is set (the wrong tries keep counting across lockouts until the right PIN).
struct pin_try {
  enum class result { ok, wrong, locked, blocked };
  result outcome = result::wrong;
  int failed = 0;                  // wrong tries in a row now: what to store
  std::int64_t locked_until = 0;   // what to store
  int tries_left = 0;              // wrong: before it locks
  bool changed = false;            // failed or locked_until differ from what was stored
};
pin_try try_pin(const std::string& hash, int failed, std::int64_t locked_until, std::string_view typed,
                std::int64_t now, int lockouts = 0);

// A person's own PIN for their visits (R-S12) blocks after this many lockouts in a row, until an
// operator clears it: 15 guesses, not 240 a day. (A health worker's only ever locks for a while.)
inline constexpr int visit_pin_lockouts = 3;
inline bool pin_blocked(int failed, int lockouts) { return lockouts > 0 && failed >= pin_tries * lockouts; }

}  // namespace paygham::auth
