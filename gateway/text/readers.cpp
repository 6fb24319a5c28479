#include "gateway/text/readers.hpp"

#include <unicode/calendar.h>
#include <unicode/gregocal.h>
#include <unicode/locid.h>
#include <unicode/timezone.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>

#include "gateway/core/suggest.hpp"
#include "gateway/core/utf8.hpp"
#include "gateway/text/format.hpp"
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

numbered split_number(std::string_view normalized) {
  std::string_view s = strip_punctuation(normalized);
  if (!s.empty() && s.front() == '#') s.remove_prefix(1);
  std::size_t n = 0;
  while (n < s.size() && digit(s[n])) ++n;
  if (n == 0) return {};
  return {to_long(s.substr(0, n)), strip_punctuation(s.substr(n))};
}

std::optional<long> read_choice(std::string_view normalized, const lexicon& words) {
  const auto [value, rest] = split_number(normalized);
  if (!value) return std::nullopt;
  if (rest.empty()) return value;
  // "1 ok", "1 بله", "1 ممنون": the number stands when the rest only agrees, or thanks.
  if (words.yes_no(rest) == std::optional<bool>(true)) return value;
  if (words.is_thanks(rest)) return value;
  return std::nullopt;
}

bool asks_back(std::string_view normalized) {
  const auto end = normalized.find_last_not_of(' ');
  return end != std::string_view::npos && normalized[end] == '?';
}

std::optional<bool> read_yes_no(std::string_view normalized, const lexicon& words) {
  if (asks_back(normalized)) return std::nullopt;  // "1?": which did they mean?
  const std::string_view s = strip_punctuation(normalized);
  if (auto word = words.yes_no(s)) return word;
  const auto [value, rest] = split_number(s);
  if (value != 1L && value != 2L) return std::nullopt;
  const bool yes = value == 1L;
  if (rest.empty() || words.yes_no(rest) == std::optional<bool>(yes) || words.is_thanks(rest)) return yes;
  return std::nullopt;  // "2 بله": which one?
}

std::string_view strip_punctuation(std::string_view s) {
  static constexpr std::string_view marks = " .!?,;:-()*~\"'";
  const auto b = s.find_first_not_of(marks);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(marks) - b + 1);
}

namespace {

std::vector<std::string_view> words_of(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t j = std::min(s.find(' ', i), s.size());
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool listed(std::string_view s, const keyword_list& entries) {
  return std::find(entries.normalized.begin(), entries.normalized.end(), s) != entries.normalized.end();
}

keyword_list prepare(std::vector<std::string> written) {
  keyword_list l;
  for (const auto& w : written) l.normalized.emplace_back(strip_punctuation(normalize(w)));
  l.written = std::move(written);
  return l;
}

// Polite phrases longest first, so «مهرباني وکړئ» goes whole before «مهربانی» is tried.
keyword_list prepare_polite(std::vector<std::string> written) {
  keyword_list l = prepare(std::move(written));
  std::stable_sort(l.normalized.begin(), l.normalized.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return l;
}

}  // namespace

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return digit(c); });
}

keywords::keywords(std::vector<std::string> stop_words, std::vector<std::string> start_words,
                   std::vector<std::string> help_words, std::vector<std::string> polite_words,
                   std::vector<std::string> stop_all_words)
    : stop(prepare(std::move(stop_words))),
      start(prepare(std::move(start_words))),
      help(prepare(std::move(help_words))),
      stop_all(prepare(std::move(stop_all_words))),
      polite(prepare_polite(std::move(polite_words))) {}

void keywords::add_programme(std::string id, std::vector<std::string> names) {
  programmes.emplace_back(std::move(id), prepare(std::move(names)));
}

void keywords::set_cancel(std::vector<std::string> words) { cancel = prepare(std::move(words)); }
void keywords::set_not_stop(std::vector<std::string> words) { not_stop = prepare(std::move(words)); }
void keywords::set_no_more(std::vector<std::string> words) { no_more = prepare(std::move(words)); }

namespace {

// The message without its punctuation and polite words, word by word (each word without
// punctuation of its own: "stop," is "stop").
std::vector<std::string_view> core_words(std::string_view normalized, const keywords& k) {
  std::vector<std::string_view> w = words_of(strip_punctuation(normalized));
  for (auto& x : w) x = strip_punctuation(x);
  bool dropped = true;
  while (dropped && w.size() > 1) {
    dropped = false;
    for (const auto& np : k.polite.normalized) {
      const std::vector<std::string_view> pw = words_of(np);
      if (pw.empty() || pw.size() >= w.size()) continue;
      if (std::equal(pw.begin(), pw.end(), w.begin())) {
        w.erase(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(pw.size()));
        dropped = true;
      } else if (std::equal(pw.begin(), pw.end(), w.end() - static_cast<std::ptrdiff_t>(pw.size()))) {
        w.erase(w.end() - static_cast<std::ptrdiff_t>(pw.size()), w.end());
        dropped = true;
      }
      if (dropped) break;
    }
  }
  return w;
}

std::string joined(const std::vector<std::string_view>& w) {
  std::string whole;
  for (const auto& x : w) whole += (whole.empty() ? "" : " ") + std::string(x);
  return whole;
}

// R-S4: a stop word (not a number: "11 mines" is news) first or last, and the rest the name of
// a programme.
std::string programme_named(const std::vector<std::string_view>& w, const keywords& k) {
  if (w.size() < 2) return {};
  const auto named = [&](std::vector<std::string_view> rest) -> std::string {
    const std::string name = joined(rest);
    for (const auto& [id, names] : k.programmes) {
      if (listed(name, names)) return id;
    }
    return {};
  };
  const auto stop_word = [&](std::string_view word) { return !all_digits(word) && listed(word, k.stop); };
  if (stop_word(w.front())) {
    if (auto id = named({w.begin() + 1, w.end()}); !id.empty()) return id;
  }
  if (stop_word(w.back())) return named({w.begin(), w.end() - 1});
  return {};
}

}  // namespace

std::string without_polite(std::string_view normalized, const keywords& k) { return joined(core_words(normalized, k)); }

bool is_cancel_word(std::string_view normalized, const keywords& k) {
  return listed(joined(core_words(normalized, k)), k.cancel);
}

std::string cancel_word_in(std::string_view normalized, const keywords& k) {
  for (const auto word : core_words(normalized, k)) {
    if (listed(word, k.cancel)) return std::string(word);
  }
  return {};
}

std::string stopped_programme(std::string_view normalized, const keywords& k) {
  return programme_named(core_words(normalized, k), k);
}

global_word read_global(std::string_view normalized, const keywords& k) {
  const std::vector<std::string_view> w = core_words(normalized, k);
  if (w.empty()) return global_word::none;
  const std::string whole = joined(w);
  if (listed(whole, k.stop_all)) return global_word::stop_all;
  if (listed(whole, k.stop)) return global_word::stop;
  if (listed(whole, k.start)) return global_word::start;
  if (listed(whole, k.help)) return global_word::help;
  if (!programme_named(w, k).empty()) return global_word::stop_programme;
  // Two words, one of them a stop word: "stop it", «لغو کن», and verb-last Pashto «پیغامونه ودروئ».
  if (w.size() == 2) {
    for (const auto& word : w) {
      if (!all_digits(word) && listed(word, k.stop)) return global_word::ask_stop;
    }
  }
  // "Please don't send me messages any more", «دیگه پیام نفرستید»: how to stop, asked.
  for (const auto& phrase : k.no_more.normalized) {
    const std::vector<std::string_view> pw = words_of(phrase);
    if (!pw.empty() && std::search(w.begin(), w.end(), pw.begin(), pw.end()) != w.end())
      return global_word::ask_stop;
  }
  if (w.size() == 1 && !listed(whole, k.not_stop)) {
    // A typo of a stop word: a letter too many ("STOPP", «لغوو»), or one missing or changed in
    // a word long enough that the rest still says it ("STP"; but "bad" is not "bas").
    const std::u32string typed = core::decode_utf8(whole);
    for (const auto& e : k.stop.normalized) {
      const std::u32string word = core::decode_utf8(e);
      if (word.size() < 3 || word.find(U' ') != std::u32string::npos || core::edit_distance(typed, word) != 1) continue;
      if (typed.size() > word.size() || word.size() >= 4) return global_word::ask_stop;
    }
  }
  return global_word::none;
}

namespace {

bool offers(const std::vector<std::string>& offered, std::string_view lang) {
  return std::find(offered.begin(), offered.end(), lang) != offered.end();
}

}  // namespace

std::string guess_language(std::string_view utf8, const std::vector<std::string>& offered,
                           const language_hints& hints) {
  const std::string typed = normalize(utf8);
  for (const auto& w : words_of(typed)) {
    const std::string_view word = strip_punctuation(w);
    for (const auto& [hint, lang] : hints.words) {
      if (hint == word && offers(offered, lang)) return lang;
    }
  }
  bool arabic = false;
  for (const char32_t c : core::decode_utf8(utf8)) {
    // Letters only: Persian digits and punctuation («۲», «؟») say nothing of the language.
    arabic = arabic || (c >= 0x0620 && c <= 0x064A) || (c >= 0x066E && c <= 0x06D5) ||
             (c >= 0x06FA && c <= 0x06FF) || (c >= 0xFB50 && c <= 0xFDFF) || (c >= 0xFE70 && c <= 0xFEFC);
  }
  if (has_own_letters(utf8, "ps") && offers(offered, "ps")) return "ps";
  if (arabic) {
    for (const auto& lang : offered) {
      if (persian_script(lang)) return lang;
    }
  }
  return {};
}

bool has_letters(std::string_view normalized) {
  return std::any_of(normalized.begin(), normalized.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z');
  });
}

bool has_own_letters(std::string_view utf8, std::string_view lang) {
  if (lang != "ps") return false;
  for (const char32_t c : core::decode_utf8(utf8)) {
    // ټ ځ څ ډ ړ ږ ښ ګ ڼ ۍ ې
    for (const char32_t p : {U'\u067C', U'\u0681', U'\u0685', U'\u0689', U'\u0693', U'\u0696', U'\u069A',
                             U'\u06AB', U'\u06BC', U'\u06CD', U'\u06D0'}) {
      if (c == p) return true;
    }
  }
  return false;
}

std::optional<long> read_language_change(std::string_view normalized, const language_hints& hints) {
  const auto w = words_of(strip_punctuation(normalized));
  if (w.empty() || w.size() > 2) return std::nullopt;
  if (std::find(hints.change.begin(), hints.change.end(), strip_punctuation(w.front())) == hints.change.end()) {
    return std::nullopt;
  }
  if (w.size() == 1) return 0L;
  const std::string_view n = strip_punctuation(w[1]);
  if (!all_digits(n) || n.size() > 2) return std::nullopt;
  return to_long(n);
}

const char* to_string(global_word w) {
  switch (w) {
    case global_word::none: return "none";
    case global_word::stop: return "stop";
    case global_word::stop_all: return "stop_all";
    case global_word::start: return "start";
    case global_word::help: return "help";
    case global_word::ask_stop: return "ask_stop";
    case global_word::stop_programme: return "stop_programme";
  }
  return "none";
}

std::optional<std::int64_t> read_id(std::string_view s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool is_value_name(std::string_view s) {
  return !s.empty() && s.size() <= 40 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::optional<long> read_integer(std::string_view normalized, long min, long max) {
  const auto v = to_long(trim(normalized));
  if (!v || *v < min || *v > max) return std::nullopt;
  return v;
}

long long day_number(const civil_date& d) {
  using namespace std::chrono;
  const sys_days days{year{d.year} / month{static_cast<unsigned>(d.month)} / std::chrono::day{static_cast<unsigned>(d.day)}};
  return days.time_since_epoch().count();
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

}  // namespace paygham::text
