#include "gateway/text/format.hpp"

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
  if (lang == "fa") {
    id = "fa_IR@calendar=persian";
  } else if (lang == "prs") {
    id = "fa_AF@calendar=persian";
  } else if (lang == "ps") {
    id = "ps_AF@calendar=persian";
  } else {
    id = std::string(lang.empty() ? "en" : lang);
    id += "@calendar=gregorian";
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
// ګ as گ. Farsi (fa_IR) keeps ICU's Iranian names.
const char* const* afghan_months(std::string_view lang) {
  static const char* const dari[12] = {"حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله",
                                       "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت"};
  static const char* const pashto[12] = {"وری", "غویی", "غبرګولی", "چنګاښ", "زمری", "وږی",
                                         "تله", "لړم", "لیندۍ", "مرغومی", "سلواغه", "کب"};
  if (lang == "prs") return dari;
  if (lang == "ps") return pashto;
  return nullptr;
}

}  // namespace

bool persian_script(std::string_view lang) {
  return lang == "fa" || lang == "prs" || lang == "ps" || lang == "ar" || lang == "ur" || lang == "ckb";
}

std::vector<std::string> latin_script(const std::vector<std::string>& langs) {
  std::vector<std::string> out;
  for (const auto& l : langs) {
    if (!persian_script(l)) out.push_back(l);
  }
  if (out.empty()) out.push_back("en");
  return out;
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

std::optional<long long> parse_instant(std::string_view value) {
  long long ms = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
  if (ec == std::errc{} && p == value.data() + value.size()) return ms;
  // YYYY-MM-DDTHH:MM:SSZ (seconds optional)
  std::tm tm{};
  const std::string s(value);
  int y, mo, d, h = 0, mi = 0, sec = 0;
  char z = 0;
  const int n = std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &z);
  if (n < 3 || (n == 7 && z != 'Z')) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<long long>(timegm(&tm)) * 1000;
}

formatter::formatter(std::string lang, std::string time_zone)
    : lang_(std::move(lang)), timezone_(std::move(time_zone)) {}

bool formatter::known(std::string_view spec) {
  const std::string_view name = spec.substr(0, spec.find(':'));
  return name == "date" || name == "day" || name == "time" || name == "weekday" || name == "number" ||
         name == "phone_masked" || spec == "label";
}

std::optional<std::string> formatter::apply(std::string_view value, std::string_view spec) const {
  const auto colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const bool latin = colon != std::string_view::npos && spec.substr(colon + 1) == "latn";
  const icu::Locale locale(locale_for(lang_, latin).c_str());
  UErrorCode status = U_ZERO_ERROR;

  if (name == "phone_masked") {
    // Country code and the last three digits: enough to recognise, not to reuse.
    if (value.size() <= 7) return std::string(value.size(), '*');
    std::string out(value);
    const std::size_t head = value.front() == '+' ? 3 : 2;
    for (std::size_t i = head; i + 3 < out.size(); ++i) out[i] = '*';
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
  const auto ms = parse_instant(value);
  if (!ms) return std::nullopt;
  icu::SimpleDateFormat fmt(icu::UnicodeString(pattern), locale, status);
  if (U_FAILURE(status)) return std::nullopt;
  if (const char* const* names = afghan_months(lang_)) {
    icu::DateFormatSymbols symbols(*fmt.getDateFormatSymbols());
    icu::UnicodeString months[12];
    for (int i = 0; i < 12; ++i) months[i] = icu::UnicodeString::fromUTF8(names[i]);
    symbols.setMonths(months, 12);
    fmt.setDateFormatSymbols(symbols);
  }
  fmt.adoptTimeZone(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(timezone_)));
  icu::UnicodeString out;
  fmt.format(static_cast<UDate>(*ms), out);
  return to_utf8(out);
}

}  // namespace paygham::text
