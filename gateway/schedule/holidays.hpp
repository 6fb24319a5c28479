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

// Reads the holidays file: {IR: [1405/1/1, 2027-03-21, …]} (Solar Hijri or Gregorian, any
// digits). `known_country` says whether a two-letter code is a country numbers are read as.
// Each problem is appended as "file:line:column: message".
holiday_table load_holidays(const std::string& file, const std::function<bool(const std::string&)>& known_country,
                            std::vector<std::string>& problems);

// The country whose clock `zone` keeps (Asia/Tehran → IR), by ICU; "" for none (UTC).
std::string country_of_zone(std::string_view zone);

}  // namespace paygham::schedule
