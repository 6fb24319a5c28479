#include "gateway/schedule/holidays.hpp"

#include <unicode/timezone.h>

#include "gateway/core/yaml.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::schedule {

holiday_table load_holidays(const std::string& file, const std::function<bool(const std::string&)>& known_country,
                            std::vector<std::string>& problems) {
  holiday_table out;
  auto doc = core::yaml::load_file(file);
  if (!doc) {
    problems.push_back(doc.error());
    return out;
  }
  core::yaml::reader r(file, problems);
  const YAML::Node root = doc.value();
  if (!root.IsMap()) {
    r.problem(root, "the holidays file maps a country's two-letter code to its holidays: IR: [1405/1/1, 1405/1/2]");
    return out;
  }
  for (const auto& kv : root) {
    const std::string country = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (!known_country(country)) {
      r.problem(kv.first, "'" + country + "' is not a country's two-letter code that numbers are read as (IR, AF)");
      continue;
    }
    if (out.count(country)) {
      r.problem(kv.first, "'" + country + "' is listed twice; keep one list of its holidays");
      continue;
    }
    auto& days = out[country];  // a country listed with no day: none, said on purpose
    const YAML::Node list = kv.second;
    if (!list.IsSequence() && !list.IsNull()) {
      r.problem(list, "'" + country + "' lists its holidays: [1405/1/1, 1405/1/2]");
      continue;
    }
    for (const auto& d : list) {
      const auto date = d.IsScalar() ? text::read_date(text::normalize(d.Scalar())) : std::nullopt;
      if (!date) {
        r.problem(d, "'" + (d.IsScalar() ? d.Scalar() : std::string("?")) + "' in '" + country +
                         "' is not a date (1406/1/1 or 2027-03-21)");
      } else {
        days.insert(text::day_number(*date));  // two holidays may fall on one day
      }
    }
  }
  return out;
}

std::string country_of_zone(std::string_view zone) {
  char region[8] = {};
  UErrorCode status = U_ZERO_ERROR;
  const int32_t n = icu::TimeZone::getRegion(icu::UnicodeString::fromUTF8(std::string(zone)), region, sizeof region, status);
  if (U_FAILURE(status) || n != 2) return {};  // "001": no country's
  return std::string(region, 2);
}

}  // namespace paygham::schedule
