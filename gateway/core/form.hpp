// application/x-www-form-urlencoded bodies and URL query strings, as aggregators send them.
// Pure; the decoded values are raw bytes: callers check UTF-8 with valid_utf8() where text matters.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/result.hpp"
#include "gateway/core/utf8.hpp"

namespace paygham::core {

// Ordered name/value pairs; a name may repeat (Twilio signs every pair, duplicates included).
class form {
 public:
  std::vector<std::pair<std::string, std::string>> pairs;

  // The first value for a name, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  // The first value for a name, or "" when absent.
  std::string_view get_or_empty(std::string_view name) const;
};

// Decodes `a=1&b=x+y%21`. '+' is a space. Fails on a malformed escape (`%4`, `%zz`).
result<form> parse_form(std::string_view body);

// Encodes name/value pairs as a form body or query: unreserved bytes as they are, space as
// '+', everything else %XX.
std::string encode_form(const std::vector<std::pair<std::string, std::string>>& pairs);
// Percent-encodes one component (space as %20).
std::string percent_encode(std::string_view in);

// Percent-decodes one component; `plus_is_space` for form bodies and queries.
result<std::string> percent_decode(std::string_view in, bool plus_is_space);

}  // namespace paygham::core
