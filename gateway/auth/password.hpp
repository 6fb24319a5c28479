// Console passwords for people (admins, operators, health workers at a clinic's computer).
// Only an Argon2id hash is kept (OWASP's minimum costs: 19 MiB, 2 passes, about 30 ms); wrong
// tries in a row lock the login for a while (api/session.cpp), so guessing is slow both ways.
#pragma once

#include <string>
#include <string_view>

namespace paygham::auth {

// Why `password` is not good enough, or "" when it is: 10 to 200 characters of UTF-8, not
// one character repeated, not containing the login, not one of the passwords every attacker
// tries first.
std::string weak_password(std::string_view password, std::string_view login);

std::string hash_password(std::string_view password);

// True when `password` matches `hash`; false for a wrong one, or an empty or unreadable hash.
bool password_matches(const std::string& hash, std::string_view password);

}  // namespace paygham::auth
