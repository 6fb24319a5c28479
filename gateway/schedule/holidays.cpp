#include "gateway/schedule/holidays.hpp"

#include <unicode/timezone.h>

#include "gateway/core/yaml.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::schedule {

namespace {

constexpr long long longest_ramadan = 30;  // days: a range longer than this is a typing slip

std::optional<long long> read_day(core::yaml::reader& r, const YAML::Node& d, const std::string& where) {
  const auto date = d.IsScalar() ? text::read_date(text::normalize(d.Scalar())) : std::nullopt;
  if (!date) {
    r.problem(d, "'" + (d.IsScalar() ? d.Scalar() : std::string("?")) + "' in '" + where +
                     "' is not a date (1406/1/1 or 2027-03-21)");
    return std::nullopt;
  }
  return text::day_number(*date);
}

void read_days(core::yaml::reader& r, const YAML::Node& list, const std::string& country, std::set<long long>& days) {
  if (!list.IsSequence() && !list.IsNull()) {
    r.problem(list, "'" + country + "' lists its holidays: [1405/1/1, 1405/1/2]");
    return;
  }
  for (const auto& d : list) {
    if (const auto day = read_day(r, d, country)) days.insert(*day);  // two holidays may fall on one day
  }
}

// ramadan: [{from: 1405/11/19, to: 1405/12/18, iftar: "17:30-19:30"}, …]
void read_ramadans(core::yaml::reader& r, const YAML::Node& list, const std::string& country,
                   std::vector<iftar_hours>& out) {
  const std::string path = country + ".ramadan";
  const char* shape = "{from: 1405/11/19, to: 1405/12/18, iftar: \"17:30-19:30\"}";
  if (!list.IsSequence()) {
    r.problem(list, "'" + path + "' lists each year's Ramadan: [" + shape + "]");
    return;
  }
  for (const auto& m : list) {
    if (!m.IsMap() || !r.expect_map(m, path, {"from", "to", "iftar"}) || !m["from"] || !m["to"] || !m["iftar"]) {
      r.problem(m, "each Ramadan in '" + path + "' gives its first and last fasting days and the hours around iftar: " +
                       shape);
      continue;
    }
    const auto from = read_day(r, m["from"], path);
    const auto to = read_day(r, m["to"], path);
    const auto hours = m["iftar"].IsScalar() ? day_window(m["iftar"].Scalar()) : std::nullopt;
    if (!hours || hours->first > hours->second) {
      r.problem(m["iftar"], "'" + path + ".iftar' is the hours around iftar on the local clock, within one day: \"17:30-19:30\"");
    }
    if (!from || !to || !hours || hours->first > hours->second) continue;
    if (*to < *from || *to - *from >= longest_ramadan) {
      r.problem(m["to"], "'" + path + "' runs from " + day_text(*from) + " to " + day_text(*to) +
                             ": a Ramadan is 29 or 30 days, from its first fasting day to its last");
      continue;
    }
    out.push_back({*from, *to, hours->first, hours->second});
  }
}

}  // namespace

holidays_file load_holidays(const std::string& file, const std::function<bool(const std::string&)>& known_country,
                            std::vector<std::string>& problems) {
  holidays_file out;
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
    auto& days = out.holidays[country];  // a country listed with no day: none, said on purpose
    if (!kv.second.IsMap()) {
      read_days(r, kv.second, country, days);
      continue;
    }
    if (!r.expect_map(kv.second, country, {"holidays", "ramadan"})) continue;
    if (const YAML::Node list = kv.second["holidays"]) read_days(r, list, country, days);
    if (const YAML::Node ramadan = kv.second["ramadan"]) read_ramadans(r, ramadan, country, out.iftar[country]);
  }
  return out;
}

const iftar_hours* fasting(const std::vector<iftar_hours>& ramadans, long long day) {
  for (const auto& r : ramadans) {
    if (day >= r.first_day && day <= r.last_day) return &r;
  }
  return nullptr;
}

std::string country_of_zone(std::string_view zone) {
  char region[8] = {};
  UErrorCode status = U_ZERO_ERROR;
  const int32_t n = icu::TimeZone::getRegion(icu::UnicodeString::fromUTF8(std::string(zone)), region, sizeof region, status);
  if (U_FAILURE(status) || n != 2) return {};  // "001": no country's
  return std::string(region, 2);
}

}  // namespace paygham::schedule
