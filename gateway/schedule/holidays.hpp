// Public holidays by country (R-L4, R-S8): the days a country's clinics close, and the days a
// programme with `quiet_days: [holidays]` sends nothing routine to that country's numbers.
// Lunar holidays move every year and each country declares its own, so operators keep the
// table (config `holidays:`, config/holidays.yaml); nothing computes it.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace paygham::schedule {

// Country (IR) → its holidays, as days since 1970-01-01.
using holiday_table = std::map<std::string, std::set<long long>, std::less<>>;

// One Ramadan in a country (R-S8): its fasting days, as the country announces them, and the
// local hours around iftar in which a programme with `quiet_days: [iftar]` sends nothing routine.
struct iftar_hours {
  long long first_day = 0, last_day = 0;  // days since 1970-01-01, both fasting days
  int from = 0, to = 0;                   // minutes after midnight, from < to
};
// Country (IR) → its Ramadans.
using iftar_table = std::map<std::string, std::vector<iftar_hours>, std::less<>>;

struct holidays_file {
  holiday_table holidays;
  iftar_table iftar;
};

// Reads the holidays file (Solar Hijri or Gregorian dates, any digits). Each country is a list
// of its holidays, {IR: [1405/1/1, 2027-03-21, …]}, or a map with that list and its Ramadans:
// {IR: {holidays: […], ramadan: [{from: 1405/11/19, to: 1405/12/18, iftar: "17:30-19:30"}]}}.
// `known_country` says whether a two-letter code is a country numbers are read as. Each
// problem is appended as "file:line:column: message".
holidays_file load_holidays(const std::string& file, const std::function<bool(const std::string&)>& known_country,
                            std::vector<std::string>& problems);

// The hours around iftar of `day` in `ramadans` (a country's), or none when it is no fasting day.
const iftar_hours* fasting(const std::vector<iftar_hours>& ramadans, long long day);

// The country whose clock `zone` keeps (Asia/Tehran → IR), by ICU; "" for none (UTC).
std::string country_of_zone(std::string_view zone);

}  // namespace paygham::schedule
