// Placeholder formatters for templates: "{slot|date}", "{slot|weekday}", "{count|number}",
// "{phone|phone_masked}"; a ":latn" suffix keeps ASCII digits ("{code|number:latn}").
//
// Dates go through ICU, in the contact's time zone and language:
//   fa  → fa_IR@calendar=persian   "۹ آذر ۱۴۰۵"      (Iranian month names)
//   prs → fa_AF@calendar=persian   "۹ قوس ۱۴۰۵"      (Afghan month names, as Afghans spell them)
//   ps  → ps_AF@calendar=persian   Pashto month names (with ګ: غبرګولی، چنګاښ)
//   en  → Solar Hijri, Gregorian in brackets (R-L3)   "9 Azar 1405 (30 November 2026)"
// Which month names a person knows is their own setting, apart from their language (R-L3): an
// Afghan who has long lived in Iran may know the Iranian ones better. By default fa has the
// Iranian names, prs and ps the Afghan ones, and English those of the person's time zone
// (Kabul: Hamal … Hut; elsewhere Farvardin … Esfand).
// Persian-script languages use Persian digits unless ":latn" is given (R-L5). Right-to-left
// text is never reordered: the handset shapes and orders it.
// Date and time values are unix milliseconds ("1764468000000") or ISO 8601 UTC
// ("2026-11-30T05:30:00Z"). Thread-safe (ICU formatters are built per call).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paygham::text {

// The set of solar month names a person reads (contacts.months).
enum class month_names { by_language, iranian, afghan };
// "iranian", "afghan", "" (by language); nullopt for anything else.
std::optional<month_names> parse_month_names(std::string_view s);
// The set a reader of `lang` in time zone `zone` gets: `chosen` when they chose one, else fa the
// Iranian names, prs and ps the Afghan ones, and any other language those of the zone (Kabul:
// Afghan; elsewhere Iranian).
month_names resolve_months(month_names chosen, std::string_view lang, std::string_view zone);
const char* to_string(month_names m);

class formatter {
 public:
  formatter(std::string lang, std::string time_zone, month_names months = month_names::by_language);

  // Applies `spec` ("date", "day" (weekday, day and month: a visit's day), "time", "weekday",
  // "number", "phone", "phone_masked", optionally with ":latn") to `value`. nullopt when the
  // spec is unknown or the value does not fit it.
  std::optional<std::string> apply(std::string_view value, std::string_view spec) const;

  // The formatter names apply() knows, and "label" (text::render draws it), for lint.
  static bool known(std::string_view spec);

 private:
  std::string lang_;
  std::string timezone_;
  month_names months_;
};

// Languages written right to left in the Perso-Arabic script, among those a deployment may offer.
bool persian_script(std::string_view lang);

// A Persian-script language written in Latin letters for a route without UCS-2 (R-U4):
// "prs-Latn" is Dari in Latin letters ("Finglish").
inline constexpr std::string_view latin_tag = "-Latn";
inline bool latin_letters_of(std::string_view lang) {
  return lang.size() > latin_tag.size() && lang.substr(lang.size() - latin_tag.size()) == latin_tag;
}
// The language a text is in, whatever its letters: "prs" for "prs-Latn".
inline std::string_view spoken_language(std::string_view lang) {
  return latin_letters_of(lang) ? lang.substr(0, lang.size() - latin_tag.size()) : lang;
}

// R-L2: the languages a person reads after their own, in order, as kept in their contact field
// `languages`: "fa" or "fa,en" (lower-case letters, at most two, comma-separated); anything
// else is no list. The store's broadcasts read it the same way in SQL. Whether each is a
// language with templates is checked where it is written (the API, the import).
inline constexpr std::string_view fallback_field = "languages";
inline constexpr std::size_t most_fallbacks = 2;
std::vector<std::string> fallback_languages(std::string_view field);

// The time zone of a country that has only one ("IR" → "Asia/Tehran", "AF" → "Asia/Kabul"),
// from ICU's data; "" for a country with several (the caller falls back to its default).
std::string country_zone(std::string_view region);

// Parses "1764468000000", "2026-11-30" (midnight UTC), "2026-11-30T05:30:00Z" or
// "2026-11-30T10:00+04:30" (seconds optional) to unix milliseconds; a time without its zone is
// nothing.
std::optional<long long> parse_instant(std::string_view value);

}  // namespace paygham::text
