// API tokens for machines that call the REST API: 32 random bytes, shown once as
// "pgm_" + base64url; only a SHA-256 of the token is stored (a token has 256 bits of entropy,
// so a fast hash is enough, unlike a PIN or a password).
#pragma once

#include <string>
#include <string_view>

namespace paygham::auth {

std::string new_token();

// Hex SHA-256 of the token as given.
std::string token_hash(std::string_view token);

}  // namespace paygham::auth
