#include "gateway/text/format.hpp"

#include <utility>

#include <unicode/calendar.h>
#include <unicode/datefmt.h>
#include <unicode/dtfmtsym.h>
#include <unicode/numfmt.h>
#include <unicode/smpdtfmt.h>
#include <unicode/strenum.h>
#include <unicode/timezone.h>

#include <charconv>
#include <ctime>
#include <memory>

namespace paygham::text {
namespace {

std::string locale_for(std::string_view lang, bool latin_digits) {
  std::string id;
  if (latin_letters_of(lang)) {
    // Latin letters and digits; the names of the months and days are ours (use_names).
    id = "en@calendar=persian";
  } else if (lang == "fa") {
    id = "fa_IR@calendar=persian";
  } else if (lang == "prs") {
    id = "fa_AF@calendar=persian";
  } else if (lang == "ps") {
    id = "ps_AF@calendar=persian";
  } else {
    // Other languages show the Solar Hijri date, the Gregorian one in brackets (gregorian_of).
    id = std::string(lang.empty() ? "en" : lang);
    id += "@calendar=persian";
  }
  if (latin_digits) id += ";numbers=latn";
  return id;
}

std::string to_utf8(const icu::UnicodeString& u) {
  std::string out;
  u.toUTF8String(out);
  return out;
}

// The solar months as Afghans write them, where CLDR differs (R-L4): ICU's fa_AF names carry
// a combining hamza («سنبلهٔ») that feature phones show as a box, and its Pashto names spell
// ګ as گ; in Latin letters, as Afghan English-language papers write them.
const char* const* afghan_months(std::string_view lang) {
  static const char* const dari[12] = {"حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله",
                                       "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت"};
  static const char* const pashto[12] = {"وری", "غویی", "غبرګولی", "چنګاښ", "زمری", "وږی",
                                         "تله", "لړم", "لیندۍ", "مرغومی", "سلواغه", "کب"};
  static const char* const latin[12] = {"Hamal", "Sawr", "Jawza", "Saratan", "Asad", "Sunbula",
                                        "Mizan", "Aqrab", "Qaws", "Jadi", "Dalw", "Hut"};
  if (lang == "ps") return pashto;
  if (persian_script(lang)) return dari;
  return latin;
}

// The days of the week in Latin letters as Iranians and Afghans write them (Sunday first);
// nullptr for the others (English names).
const char* const* latin_weekdays(std::string_view lang) {
  static const char* const farsi[7] = {"Yekshanbe", "Doshanbe", "Seshanbe", "Chaharshanbe",
                                       "Panjshanbe", "Jome", "Shanbe"};
  static const char* const dari[7] = {"Yakshanbe", "Dushanbe", "Seshanbe", "Chaharshanbe",
                                      "Panjshanbe", "Juma", "Shanbe"};
  if (!latin_letters_of(lang)) return nullptr;
  if (spoken_language(lang) == "fa") return farsi;
  if (spoken_language(lang) == "prs") return dari;
  return nullptr;
}

// Puts the names of days and months into `fmt` where its locale's are not ours: in Latin
// letters for Farsi or Dari, the days as they say them; the twelve months of `set`: Afghan
// names always (ours, above), Iranian ones in Persian script other than Farsi's own (ICU's
// Farsi names).
void use_names(icu::SimpleDateFormat& fmt, std::string_view lang, month_names set) {
  if (const char* const* days = latin_weekdays(lang)) {
    icu::UnicodeString names[8];  // ICU counts from 1, Sunday
    for (int i = 0; i < 7; ++i) names[i + 1] = icu::UnicodeString::fromUTF8(days[i]);
    icu::DateFormatSymbols symbols(*fmt.getDateFormatSymbols());
    symbols.setWeekdays(names, 8);
    symbols.setShortWeekdays(names, 8);
    fmt.setDateFormatSymbols(symbols);
  }
  icu::UnicodeString months[12];
  if (set == month_names::afghan) {
    const char* const* names = afghan_months(lang);
    for (int i = 0; i < 12; ++i) months[i] = icu::UnicodeString::fromUTF8(names[i]);
  } else if (persian_script(lang) && lang != "fa") {
    UErrorCode status = U_ZERO_ERROR;
    const icu::DateFormatSymbols farsi(icu::Locale("fa_IR"), "persian", status);
    if (U_FAILURE(status)) return;
    int32_t count = 0;
    const icu::UnicodeString* names = farsi.getMonths(count);
    if (count != 12) return;
    for (int i = 0; i < 12; ++i) months[i] = names[i];
  } else {
    return;
  }
  icu::DateFormatSymbols symbols(*fmt.getDateFormatSymbols());
  symbols.setMonths(months, 12);
  fmt.setDateFormatSymbols(symbols);
}

}  // namespace

month_names resolve_months(month_names chosen, std::string_view lang, std::string_view zone) {
  if (chosen != month_names::by_language) return chosen;
  lang = spoken_language(lang);
  if (lang == "fa") return month_names::iranian;
  if (lang == "prs" || lang == "ps") return month_names::afghan;
  return zone == "Asia/Kabul" ? month_names::afghan : month_names::iranian;
}

std::optional<month_names> parse_month_names(std::string_view s) {
  if (s.empty()) return month_names::by_language;
  if (s == "iranian") return month_names::iranian;
  if (s == "afghan") return month_names::afghan;
  return std::nullopt;
}

const char* to_string(month_names m) {
  switch (m) {
    case month_names::iranian: return "iranian";
    case month_names::afghan: return "afghan";
    case month_names::by_language: break;
  }
  return "";
}

bool persian_script(std::string_view lang) {
  return lang == "fa" || lang == "prs" || lang == "ps" || lang == "ar" || lang == "ur" || lang == "ckb";
}

std::string country_zone(std::string_view region) {
  if (region.size() != 2) return {};
  UErrorCode status = U_ZERO_ERROR;
  const std::string code(region);
  std::unique_ptr<icu::StringEnumeration> zones(
      icu::TimeZone::createTimeZoneIDEnumeration(UCAL_ZONE_TYPE_CANONICAL_LOCATION, code.c_str(), nullptr, status));
  if (U_FAILURE(status) || !zones || zones->count(status) != 1) return {};
  const icu::UnicodeString* id = zones->snext(status);
  return U_FAILURE(status) || !id ? std::string() : to_utf8(*id);
}

std::vector<std::string> fallback_languages(std::string_view field) {
  std::vector<std::string> out;
  std::string one;
  for (const char ch : field) {
    if (ch == ',') {
      if (one.empty()) return {};
      out.push_back(std::exchange(one, {}));
    } else if (ch >= 'a' && ch <= 'z') {
      one += ch;
    } else {
      return {};
    }
  }
  if (one.empty()) return {};
  out.push_back(std::move(one));
  if (out.size() > most_fallbacks) return {};
  return out;
}

std::optional<long long> parse_instant(std::string_view value) {
  long long ms = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
  if (ec == std::errc{} && p == value.data() + value.size()) return ms;
  // YYYY-MM-DD (midnight UTC), or YYYY-MM-DDTHH:MM[:SS] with its zone: Z or ±HH:MM. A time
  // without a zone is refused, never taken as UTC (10:00 in Kabul is 05:30Z).
  const auto number = [&](std::size_t at, std::size_t digits) -> std::optional<int> {
    if (at + digits > value.size()) return std::nullopt;
    int out = 0;
    for (std::size_t i = at; i < at + digits; ++i) {
      if (value[i] < '0' || value[i] > '9') return std::nullopt;
      out = out * 10 + (value[i] - '0');
    }
    return out;
  };
  const auto y = number(0, 4), mo = number(5, 2), d = number(8, 2);
  if (!y || !mo || !d || value[4] != '-' || value[7] != '-' || *mo < 1 || *mo > 12 || *d < 1 || *d > 31) {
    return std::nullopt;
  }
  int h = 0, mi = 0, sec = 0;
  long long offset_minutes = 0;
  if (value.size() > 10) {
    const auto hh = number(11, 2), mm = number(14, 2);
    if (value[10] != 'T' || !hh || !mm || value[13] != ':' || *hh > 23 || *mm > 59) return std::nullopt;
    h = *hh;
    mi = *mm;
    std::size_t at = 16;
    if (at < value.size() && value[at] == ':') {
      const auto ss = number(at + 1, 2);
      if (!ss || *ss > 59) return std::nullopt;
      sec = *ss;
      at += 3;
    }
    if (at + 1 == value.size() && value[at] == 'Z') {
      // UTC
    } else if (at + 6 == value.size() && (value[at] == '+' || value[at] == '-') && value[at + 3] == ':') {
      const auto oh = number(at + 1, 2), om = number(at + 4, 2);
      if (!oh || !om || *oh > 14 || *om > 59) return std::nullopt;
      offset_minutes = (value[at] == '-' ? -1 : 1) * (*oh * 60LL + *om);
    } else {
      return std::nullopt;
    }
  }
  std::tm tm{};
  tm.tm_year = *y - 1900;
  tm.tm_mon = *mo - 1;
  tm.tm_mday = *d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return (static_cast<long long>(timegm(&tm)) - offset_minutes * 60) * 1000;
}

formatter::formatter(std::string lang, std::string time_zone, month_names months)
    : lang_(std::move(lang)), timezone_(std::move(time_zone)), months_(months) {}

bool formatter::known(std::string_view spec) {
  const std::string_view name = spec.substr(0, spec.find(':'));
  return name == "date" || name == "day" || name == "time" || name == "weekday" ||
         name == "number" || name == "phone" || name == "phone_masked" || spec == "label";
}

std::optional<std::string> formatter::apply(std::string_view value, std::string_view spec) const {
  const auto colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const bool latin = colon != std::string_view::npos && spec.substr(colon + 1) == "latn";
  const icu::Locale locale(locale_for(lang_, latin).c_str());
  UErrorCode status = U_ZERO_ERROR;

  if (name == "phone" || name == "phone_masked") {
    // Masked: the country code and the last three digits, enough to recognise, not to reuse.
    // Whole where the person who typed it checks it (a confirmation behind a PIN).
    std::string out(value);
    if (name == "phone_masked") {
      if (value.size() <= 7) return std::string(value.size(), '*');
      const std::size_t head = value.front() == '+' ? 3 : 2;
      for (std::size_t i = head; i + 3 < out.size(); ++i) out[i] = '*';
    }
    // In right-to-left text a phone shows its digit groups swapped and the + at the end
    // ("456******93+"); a left-to-right mark before it keeps it whole, as typed.
    if (persian_script(lang_)) out.insert(0, "\u200E");
    return out;
  }
  if (name == "number") {
    double v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc{} || p != value.data() + value.size()) return std::nullopt;
    std::unique_ptr<icu::NumberFormat> nf(icu::NumberFormat::createInstance(locale, status));
    if (U_FAILURE(status)) return std::nullopt;
    nf->setGroupingUsed(false);
    icu::UnicodeString out;
    nf->format(v, out);
    return to_utf8(out);
  }
  const char* pattern = name == "date"      ? "d MMMM y"
                        : name == "day"     ? "EEE d MMMM"
                        : name == "time"    ? "HH:mm"
                        : name == "weekday" ? "EEEE"
                                            : nullptr;
  if (!pattern) return std::nullopt;
  // A day as written (2026-11-28) or a time of day (20:00) is the same in every zone: shown
  // as it is, not moved into the contact's.
  const bool clock = name == "time" && value.size() == 5 && value[2] == ':';
  const bool floating = clock || (value.size() == 10 && value[4] == '-' && value[7] == '-');
  const auto ms =
      clock ? parse_instant("1970-01-01T" + std::string(value) + "Z") : parse_instant(value);
  if (!ms) return std::nullopt;
  const auto format = [&](const char* with, const icu::Locale& in, bool solar) -> std::optional<std::string> {
    UErrorCode err = U_ZERO_ERROR;
    icu::SimpleDateFormat fmt(icu::UnicodeString(with), in, err);
    if (U_FAILURE(err)) return std::nullopt;
    if (solar) use_names(fmt, lang_, resolve_months(months_, lang_, timezone_));
    fmt.adoptTimeZone(
        icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(floating ? "UTC" : timezone_)));
    icu::UnicodeString out;
    fmt.format(static_cast<UDate>(*ms), out);
    return to_utf8(out);
  };
  auto solar = format(pattern, locale, true);
  // Beside the Solar Hijri day, in a language other than Farsi, Dari and Pashto (in either
  // letters), the Gregorian one, which a reader of English may know better (R-L3): "9 Azar 1405
  // (30 November 2026)".
  const bool with_gregorian = (name == "date" || name == "day") && !persian_script(spoken_language(lang_));
  if (!solar || !with_gregorian) return solar;
  std::string id = lang_.empty() ? "en" : lang_;
  id += latin ? "@calendar=gregorian;numbers=latn" : "@calendar=gregorian";
  const auto gregorian = format(name == "date" ? "d MMMM y" : "d MMM", icu::Locale(id.c_str()), false);
  if (!gregorian) return std::nullopt;
  return *solar + " (" + *gregorian + ")";
}

}  // namespace paygham::text
