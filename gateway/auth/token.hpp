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

// The anti-CSRF value for a console session: a browser script of the console reads it from
// the login answer and sends it as X-CSRF-Token with every change; another site's page cannot
// learn it (it cannot read the HttpOnly cookie it derives from). Hex SHA-256 of a fixed
// prefix and the session token.
std::string csrf_token(std::string_view session_token);

// Compares two strings in time that depends only on their lengths.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace paygham::auth
