#include "gateway/auth/password.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "gateway/auth/argon2.hpp"
#include "gateway/core/utf8.hpp"

namespace paygham::auth {
namespace {

constexpr unsigned long long ops = 2;
constexpr std::size_t memory = 19u << 20;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::string weak_password(std::string_view password, std::string_view login) {
  if (!core::valid_utf8(password)) return "it is not UTF-8 text";
  const auto letters = core::decode_utf8(password);
  if (letters.size() < 10) return "it is shorter than 10 characters";
  if (password.size() > 200) return "it is longer than 200 bytes";
  if (std::all_of(letters.begin(), letters.end(), [&](char32_t c) { return c == letters.front(); })) {
    return "it is one character repeated";
  }
  const std::string pw = lower(password);
  if (!login.empty() && pw.find(lower(login)) != std::string::npos) return "it contains the login name";
  static constexpr std::array<std::string_view, 12> common = {
      "1234567890", "12345678910", "0123456789", "qwertyuiop", "password12", "password123",
      "password1234", "iloveyou12", "paygham123", "paygham2026", "admin12345", "1q2w3e4r5t"};
  if (std::find(common.begin(), common.end(), pw) != common.end()) return "it is among the first guesses attackers try";
  return {};
}

std::string hash_password(std::string_view password) { return argon2::hash(password, ops, memory); }

bool password_matches(const std::string& hash, std::string_view password) { return argon2::matches(hash, password); }

}  // namespace paygham::auth
