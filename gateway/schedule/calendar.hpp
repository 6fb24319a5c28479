// When scheduled messages fall due: local times of day in a person's time zone, daily and
// weekly repeats, and series of days counted from an anchor (a last menstrual period, an
// appointment). Pure functions over ICU's zone data; the scheduler stores what they return.
#pragma once

#include <optional>
#include <set>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/clock.hpp"
#include "gateway/schedule/holidays.hpp"

namespace paygham::schedule {

// A time of day on the wall clock where the person is.
struct local_time {
  int hour = 0;
  int minute = 0;
};

// The day it is at `at` in `zone`, as days since 1970-01-01 (text::day_number's count);
// nullopt for a zone ICU does not know.
std::optional<long long> local_day(core::unix_ms at, std::string_view zone);

// The instant `day` (days since 1970-01-01, a local calendar day) shows `at` in `zone`.
// A time the clocks skip that day (spring forward) comes as late as the skip (02:30 → 03:30);
// a time they show twice (fall back) is the first. nullopt for a zone ICU does not know.
std::optional<core::unix_ms> at_local(long long day, local_time at, std::string_view zone);

// "08:30" → 510 (minutes after midnight); nullopt for anything else.
std::optional<int> minute_of_day(std::string_view hh_mm);
// "08:00-16:00" → {480, 960}: a window of the day (it may span midnight, "20:00-06:00");
// nullopt for anything else, or an empty window.
std::optional<std::pair<int, int>> day_window(std::string_view from_to);
// 510 → "08:30": the inverse.
std::string clock_text(int minute);
// A day number (days since 1970-01-01) as ISO 8601: "2026-12-01".
std::string day_text(long long day_number);

// ISO weekday (1 Monday … 7 Sunday) of a day number (days since 1970-01-01).
int iso_weekday(long long day_number);

// Every day at `at`: the first such instant after `after`.
std::optional<core::unix_ms> next_daily(core::unix_ms after, local_time at, std::string_view zone);

// Every week on `weekday` (1 Monday … 7 Sunday) at `at`: the first such instant after `after`.
std::optional<core::unix_ms> next_weekly(core::unix_ms after, int weekday, local_time at, std::string_view zone);

// Every `every_days` days counted from `from_day` (days since 1970-01-01; a refill's cycle), at
// `at`: the first such instant after `after`, never before `from_day`. nullopt for an unknown
// zone or an interval below 1.
std::optional<core::unix_ms> next_every(core::unix_ms after, long long from_day, int every_days, local_time at,
                                        std::string_view zone);

// Days counted from `anchor_day` (days since 1970-01-01), each at `at` in `zone`, in order;
// an empty list for an unknown zone.
std::vector<core::unix_ms> series(long long anchor_day, const std::vector<int>& offset_days, local_time at,
                                  std::string_view zone);

// Sending hours (R-S8): when a message nobody is waiting for may go. The quiet window
// [quiet_from, quiet_to) of each local day (minutes after midnight; it may span midnight,
// 21:00-08:00; equal: none), and whole days that are quiet (bit d for ISO weekday d, 1 Monday …
// 7 Sunday: a Friday off is 1 << 5). With quiet_holidays (config `quiet_days: [holidays]`),
// the days of `holidays` are quiet too: the recipient's country's (holidays.hpp), which the
// runner points it at; it outlives the hours. With quiet_iftar (`quiet_days: [iftar]`), so are
// the hours around iftar on the fasting days of `iftar`, the country's Ramadans, likewise.
struct sending_hours {
  int quiet_from = 0, quiet_to = 0;
  unsigned quiet_days = 0;
  bool quiet_holidays = false;
  const std::set<long long>* holidays = nullptr;
  bool quiet_iftar = false;
  const std::vector<iftar_hours>* iftar = nullptr;
};
// `at` itself when it is in sending hours in `time_zone`, else the first instant after it that
// is: the window's end, on the first day that is not quiet. `at` for an unknown zone.
core::unix_ms next_sending_time(core::unix_ms at, std::string_view time_zone, const sending_hours& hours);
// "fri" → 5 (ISO weekday, 1 Monday … 7 Sunday); nullopt for anything else. The names are
// config's: mon tue wed thu fri sat sun.
std::optional<int> weekday_named(std::string_view name);
// 5 → "fri": the name weekday_named reads; "" outside 1–7.
std::string_view weekday_name(int iso_weekday);

// R-H1: a schedule anchored to a day (pregnancy care: the first day of the last menstrual
// period), declared as its messages and the groups they belong to (CHT's schedule groups). A
// message goes `day` days after the anchor, and asks (a reminder the person acknowledges) or says
// (a text that asks nothing). A group is what one event silences: an event after the group's
// `from_day` keeps each message of the group from going when it is due, and answers one waiting
// for its answer. A message in no group (0) always goes.
struct anchored_message {
  int day = 0;
  bool asks = true;
  int group = 0;
};
struct message_group {
  int id = 0;
  int from_day = 0;
};
struct anchored_schedule {
  std::vector<anchored_message> messages;  // in order of day, one a day at most
  std::vector<message_group> groups;
  // The message of `day`, or nullptr when none goes that day.
  const anchored_message* on(int day) const;
  // The group the message of `day` belongs to, or nullptr when it is in none (or no message
  // goes that day): nothing silences it.
  const message_group* group_of(int day) const;
  std::vector<int> days() const;
};
// The WHO antenatal schedule: the 8 contacts (by week 12, then weeks 20, 26, 30, 34, 36, 38 and
// 40), each a group of its one reminder, silenced by a pregnancy visit in the two weeks before its
// day but not in the week the contact before asked for (late in pregnancy the contacts are two
// weeks apart: one visit is one contact). With `danger_signs`, R-H5's texts too: third-trimester
// danger signs at most once every 2 weeks, the odd weeks 29 to 39, between the contacts, in no
// group (a visit does not silence them).
const anchored_schedule& antenatal_schedule(bool danger_signs);

}  // namespace paygham::schedule
