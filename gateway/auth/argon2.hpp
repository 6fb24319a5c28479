// Argon2id through libsodium, in its string form (algorithm, costs and salt in the string), for
// the secrets people choose: health workers' PINs (pin.hpp) and console passwords (password.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace paygham::auth::argon2 {

// A fresh salt each time. Throws when the memory cannot be had.
std::string hash(std::string_view secret, unsigned long long ops, std::size_t memory);

// True when `secret` matches `hashed` (its own costs are read from it); false for a wrong
// secret or a string that is not such a hash.
bool matches(const std::string& hashed, std::string_view secret);

}  // namespace paygham::auth::argon2
