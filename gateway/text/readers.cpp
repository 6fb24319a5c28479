#include "gateway/text/readers.hpp"

#include <unicode/calendar.h>
#include <unicode/gregocal.h>
#include <unicode/locid.h>
#include <unicode/timezone.h>

#include <algorithm>
#include <charconv>
#include <memory>

#include "gateway/core/utf8.hpp"
#include "gateway/text/lexicon.hpp"
#include "gateway/text/normalize.hpp"

namespace paygham::text {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

// Digits only: no sign, no spaces; at most nine, so it fits.
std::optional<long> to_long(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  for (char c : s) {
    if (!digit(c)) return std::nullopt;
  }
  long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::size_t edit_distance(const std::u32string& a, const std::u32string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// Converts a Solar Hijri day to Gregorian through ICU's Persian calendar; nullopt when the
// day does not exist.
std::optional<civil_date> from_persian(int y, int m, int d) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::Calendar> persian(icu::Calendar::createInstance(
      icu::TimeZone::getGMT()->clone(), icu::Locale("fa_IR@calendar=persian"), status));
  if (U_FAILURE(status)) return std::nullopt;
  persian->setLenient(false);
  persian->clear();
  persian->set(y, m - 1, d);
  const UDate when = persian->getTime(status);
  if (U_FAILURE(status)) return std::nullopt;
  icu::GregorianCalendar greg(*icu::TimeZone::getGMT(), status);
  greg.setTime(when, status);
  civil_date out{greg.get(UCAL_YEAR, status), greg.get(UCAL_MONTH, status) + 1,
                 greg.get(UCAL_DATE, status)};
  if (U_FAILURE(status)) return std::nullopt;
  return out;
}

std::optional<civil_date> gregorian(int y, int m, int d) {
  UErrorCode status = U_ZERO_ERROR;
  icu::GregorianCalendar greg(*icu::TimeZone::getGMT(), status);
  greg.setLenient(false);
  greg.clear();
  greg.set(y, m - 1, d);
  greg.getTime(status);  // a non-lenient calendar refuses 30 February here
  if (U_FAILURE(status)) return std::nullopt;
  return civil_date{y, m, d};
}

}  // namespace

std::optional<long> read_choice(std::string_view normalized, const lexicon& words) {
  std::string_view s = trim(normalized);
  if (!s.empty() && (s.front() == '#' || s.front() == '(')) s.remove_prefix(1);
  std::size_t n = 0;
  while (n < s.size() && digit(s[n])) ++n;
  if (n == 0) return std::nullopt;
  const auto value = to_long(s.substr(0, n));
  std::string_view rest = s.substr(n);
  while (!rest.empty() && (rest.front() == ')' || rest.front() == '.' || rest.front() == '-')) {
    rest.remove_prefix(1);
  }
  rest = trim(rest);
  if (rest.empty()) return value;
  // "1 ok", "1 بله": the number stands when the rest only agrees.
  if (words.yes_no(rest) == std::optional<bool>(true)) return value;
  return std::nullopt;
}

std::optional<bool> read_yes_no(std::string_view normalized, const lexicon& words) {
  return words.yes_no(trim(normalized));
}

std::optional<long> read_integer(std::string_view normalized, long min, long max) {
  const auto v = to_long(trim(normalized));
  if (!v || *v < min || *v > max) return std::nullopt;
  return v;
}

std::optional<civil_date> read_date(std::string_view normalized) {
  const std::string_view s = trim(normalized);
  std::vector<int> parts;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && digit(s[j])) ++j;
    if (j == i || j - i > 4) return std::nullopt;
    parts.push_back(static_cast<int>(*to_long(s.substr(i, j - i))));
    if (j == s.size()) break;
    if (s[j] != '/' && s[j] != '-' && s[j] != '.') return std::nullopt;
    i = j + 1;
    if (i == s.size()) return std::nullopt;
  }
  if (parts.size() != 3) return std::nullopt;
  // The year is the four-digit end; which calendar it is follows from its size.
  int y, m, d;
  if (parts[0] >= 1000) {
    y = parts[0], m = parts[1], d = parts[2];
  } else if (parts[2] >= 1000) {
    d = parts[0], m = parts[1], y = parts[2];
  } else {
    return std::nullopt;
  }
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  if (y >= 1300 && y <= 1599) return from_persian(y, m, d);
  if (y >= 1900 && y <= 2199) return gregorian(y, m, d);
  return std::nullopt;
}

keyword_match match_keyword(std::string_view normalized, const std::vector<std::string>& keywords) {
  const std::string_view s = trim(normalized);
  const std::string_view first = s.substr(0, s.find(' '));
  keyword_match near;
  for (const auto& k : keywords) {
    const std::string nk = normalize(k);
    if (nk.empty()) continue;
    if (s == nk || (s.size() > nk.size() && s.compare(0, nk.size(), nk) == 0 && s[nk.size()] == ' ')) {
      return {keyword_match::exact, k};
    }
    const std::u32string a = core::decode_utf8(first), b = core::decode_utf8(nk);
    if (near.how == keyword_match::none && b.size() >= 3 && edit_distance(a, b) == 1) {
      near = {keyword_match::near, k};
    }
  }
  return near;
}

}  // namespace paygham::text
