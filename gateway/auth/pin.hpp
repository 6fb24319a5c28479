// PINs health workers type on a basic phone to open the health-worker menu (MomConnect's
// clinic-registration pattern). Only an Argon2id hash is stored; the PIN itself is never logged
// or kept. A 4-digit PIN has 10,000 values, so what protects it is the lockout after a few
// wrong tries (actions/health.cpp), not the hash alone.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace paygham::auth {

// The PIN as ASCII digits (Persian and Arabic-Indic digits read too, spaces dropped), or
// nullopt when it is not 4 to 6 digits.
std::optional<std::string> read_pin(std::string_view typed);

// Why `pin` (ASCII digits) is too easy to guess, or "" when it is fine: all one digit, a run
// up or down (1234, 9876), or the end of the worker's own number.
std::string weak_pin(std::string_view pin, std::string_view phone);

// An Argon2id hash of the PIN in libsodium's string form (salt and costs included).
std::string hash_pin(std::string_view pin);

// True when `pin` matches `hash`; false for a wrong PIN or a hash that cannot be read.
bool pin_matches(const std::string& hash, std::string_view pin);

}  // namespace paygham::auth
