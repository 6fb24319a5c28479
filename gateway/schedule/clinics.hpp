// Clinics people can book (R-B1): each with its name in every language, its time zone, the
// services it offers and its weekly opening windows with a capacity each, from the clinics
// file operators edit (config `clinics:`, docs/appointments.md). Read strictly, like flows: a
// problem names its file:line:column, and a file with problems never goes live.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gateway/core/clock.hpp"
#include "gateway/schedule/holidays.hpp"

namespace paygham::schedule {

// A time window of the clinic's day (08:00–10:00) and how many people it takes for each
// service. Primary care works on queues, so people book a window, not a minute (R-B1).
struct window {
  int from = 0;  // minutes after midnight, the clinic's clock
  int to = 0;
  int capacity = 0;
  // R-B1: of the capacity, places only a health worker's booking takes (the console, the API);
  // people booking themselves see the window full without them.
  int kept = 0;
  bool operator==(const window&) const = default;
};

// What is wrong with window `w` coming after `earlier` (the clinic's windows before it in the
// day), or "" when nothing is: it ends after it starts, takes at least one person, keeps no more
// places than it has, and starts after the one before ends (R-B1).
std::string window_problem(const std::vector<window>& earlier, const window& w);

// A clinic's week: the weekdays it opens and its windows. The clinics file gives it; reception
// may change it (the API, the console), kept in the store until cleared (R-B1).
struct week {
  std::set<int> open_weekdays;  // ISO: 1 Monday … 7 Sunday
  std::vector<window> windows;  // in order of the day
  bool operator==(const week&) const = default;
};

// As the API writes it: {"open": ["sat", "sun"], "windows": [{"from": "08:00", "to": "10:00",
// "capacity": 10, "kept": 2}]}.
nlohmann::json week_json(const week& w);
// Reads that, or says what is wrong with it (the first problem, naming the field).
std::variant<week, std::string> read_week(const nlohmann::json& j);

// A clinic's name shows on a USSD screen with the visit's day and time (the booking's
// confirmation): in Persian script a screen holds 80 characters, in Latin letters 160.
inline constexpr std::size_t max_name_length = 16;        // any script but plain ASCII
inline constexpr std::size_t max_latin_name_length = 40;  // plain ASCII

struct clinic {
  std::string id;
  std::map<std::string, std::string, std::less<>> name;  // by language; "en" at least
  std::string time_zone;
  std::vector<std::string> services;
  std::set<int> open_weekdays;  // ISO: 1 Monday … 7 Sunday
  std::set<long long> closed_days;  // days since 1970-01-01: holidays, closures
  std::vector<window> windows;  // in order of the day
  int book_ahead_days = 14;     // how far ahead people may book
  // Reception marks visits attended (the health-worker menu): one not marked by 18:00 that
  // day is missed (R-B6). False: nobody marks them, so none counts as missed.
  bool records_visits = false;

  // The name in `lang`, else in English.
  const std::string& name_in(std::string_view lang) const;
  bool offers(std::string_view service) const;
  bool open_on(long long day) const;
  // The window starting at `from` (minutes after midnight), if there is one.
  const window* window_at(int from) const;
  week weekly() const { return {open_weekdays, windows}; }
  // The same clinic, open `w` instead (reception changed its hours).
  clinic with(const week& w) const;
};

class clinic_list {
 public:
  // Reads the clinics file; each problem is appended as "file:line:column: message".
  static clinic_list load(const std::string& file, std::vector<std::string>& problems);

  // Each clinic closes on the public holidays of the country its time zone is (R-B1, R-L4).
  void close_on(const holiday_table& holidays);

  const clinic* find(std::string_view id) const;
  const std::vector<clinic>& all() const { return clinics_; }
  bool empty() const { return clinics_.empty(); }
  // A service whose texts never name the care, even to a person who asked for texts that do
  // (R-H8: counselling, mental health); the file's `neutral_services`.
  bool neutral_only(std::string_view service) const { return neutral_services_.count(service) != 0; }

 private:
  std::vector<clinic> clinics_;
  std::set<std::string, std::less<>> neutral_services_;
};

}  // namespace paygham::schedule
