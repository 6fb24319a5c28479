// Typed readers over a normalised reply (normalize.hpp): what a person meant by "(۱)",
// "بله", "1405/9/7". Each returns nullopt when the reply does not say it clearly; the flow
// then asks again. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paygham::text {

class lexicon;

// A menu choice: "1", "1.", "1)", "(1)", "1-", "#1", and a number followed only by a yes word
// ("1 ok", "1 بله"). Returns the number; the caller checks it is an option.
std::optional<long> read_choice(std::string_view normalized, const lexicon& words);

// Yes or no, from the lexicon of every language.
std::optional<bool> read_yes_no(std::string_view normalized, const lexicon& words);

// A whole number within [min, max], digits only (any script, already folded).
std::optional<long> read_integer(std::string_view normalized, long min, long max);

// A calendar day, Gregorian.
struct civil_date {
  int year = 0, month = 0, day = 0;
  bool operator==(const civil_date&) const = default;
};

// A date as people type it: Solar Hijri "1405/9/7" or "7/9/1405" (years 1300–1599), or
// Gregorian "2026-11-28", "28/11/2026" (years 1900–2199); separators / - . are all accepted.
// Impossible days (1405/12/31, 2026-02-30) are refused.
std::optional<civil_date> read_date(std::string_view normalized);

// Keyword matching (R-S4): the reply equals a keyword or starts with one and a space.
struct keyword_match {
  enum kind { none, exact, near } how = none;
  std::string keyword;  // for exact and near: the keyword (as given)
};
// `keywords` as written by operators; both sides are compared normalised. A first word one
// edit away from a keyword of three or more letters is a near miss: ask, do not act.
keyword_match match_keyword(std::string_view normalized, const std::vector<std::string>& keywords);

}  // namespace paygham::text
