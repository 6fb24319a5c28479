// When scheduled messages fall due, on a virtual clock: local times in Kabul and Tehran, a
// daylight-saving change where there is one (Europe/Berlin), none where ICU says there is none
// (Iran since 2022), weekly repeats and the antenatal series.
#include "gateway/schedule/calendar.hpp"
#include "gateway/schedule/holidays.hpp"

#include <algorithm>
#include <set>
#include <catch2/catch.hpp>

#include "gateway/text/format.hpp"
#include "gateway/text/readers.hpp"

using namespace paygham;
using schedule::local_time;

namespace {
constexpr core::unix_ms hour = 3'600'000;
constexpr core::unix_ms evening_29_nov = 1'795'982'400'000;  // 2026-11-29 20:00 UTC
}  // namespace

TEST_CASE("schedule: a daily time is the person's wall clock, in their own zone", "[schedule]") {
  // 23:30 on the 29th in Tehran (+3:30), 00:30 on the 30th in Kabul (+4:30): 10:00 on the 30th in both.
  CHECK(schedule::next_daily(evening_29_nov, {10, 0}, "Asia/Tehran") == 1'796'020'200'000);  // 06:30 UTC
  CHECK(schedule::next_daily(evening_29_nov, {10, 0}, "Asia/Kabul") == 1'796'016'600'000);   // 05:30 UTC
  // Today's time when it is still ahead: 00:45 in Kabul is after 00:30.
  CHECK(schedule::next_daily(evening_29_nov, {0, 45}, "Asia/Kabul") == evening_29_nov + 15 * 60'000);
  CHECK_FALSE(schedule::next_daily(evening_29_nov, {10, 0}, "Mars/Olympus"));
}

TEST_CASE("schedule: Tehran keeps +3:30 through March, as ICU's zone data says since 2022", "[schedule]") {
  // Day after day from 21 March 2026 (when clocks used to go forward): always 06:30 UTC.
  core::unix_ms t = 1'774'051'200'000;  // 2026-03-21 00:00 UTC
  std::vector<core::unix_ms> due;
  for (int i = 0; i < 4; ++i) {
    t = *schedule::next_daily(t, {10, 0}, "Asia/Tehran");
    due.push_back(t);
  }
  CHECK(due[0] == 1'774'074'600'000);  // 2026-03-21 06:30 UTC
  for (std::size_t i = 1; i < due.size(); ++i) CHECK(due[i] - due[i - 1] == 24 * hour);
}

TEST_CASE("schedule: across a daylight-saving change the wall time holds, and skipped or doubled times are defined",
          "[schedule]") {
  // Berlin springs forward on 2026-03-29: 09:00 comes 23 hours after the day before's.
  const auto sat = schedule::next_daily(1'774'612'800'000, {9, 0}, "Europe/Berlin");  // from 2026-03-27 12:00 UTC
  REQUIRE(sat);
  CHECK(*sat == 1'774'684'800'000);  // 2026-03-28 09:00 CET = 08:00 UTC
  CHECK(schedule::next_daily(*sat, {9, 0}, "Europe/Berlin") == *sat + 23 * hour);
  // 02:30 does not exist that day: as late as the skip, 03:30 CEST.
  CHECK(schedule::at_local(20'541, {2, 30}, "Europe/Berlin") == 1'774'747'800'000);
  // 02:30 happens twice on 2026-10-25: the first.
  CHECK(schedule::at_local(20'751, {2, 30}, "Europe/Berlin") == 1'792'888'200'000);
}

TEST_CASE("schedule: a weekly day and time, this week or the next", "[schedule]") {
  // From Monday 30 Nov 00:30 in Kabul: Friday 4 December 09:00 Kabul.
  CHECK(schedule::next_weekly(evening_29_nov, 5, {9, 0}, "Asia/Kabul") == 1'796'358'600'000);
  // On that Friday at 08:00 local, the same day; at 09:00 exactly, a week later.
  CHECK(schedule::next_weekly(1'796'355'000'000, 5, {9, 0}, "Asia/Kabul") == 1'796'358'600'000);
  CHECK(schedule::next_weekly(1'796'358'600'000, 5, {9, 0}, "Asia/Kabul") == 1'796'358'600'000 + 7 * 24 * hour);
  CHECK_FALSE(schedule::next_weekly(evening_29_nov, 8, {9, 0}, "Asia/Kabul"));
}

TEST_CASE("schedule: a refill's cycle of days, from its first day on", "[schedule]") {
  // Every 30 days from Tuesday 1 December 2026 (day 20'788), 10:00 in Kabul (05:30 UTC).
  constexpr long long first = 20'788;
  const core::unix_ms first_at = 1'796'103'000'000;
  REQUIRE(schedule::at_local(first, {10, 0}, "Asia/Kabul") == first_at);
  // Before it (from 29 November): that first day, not a cycle counted back from it.
  CHECK(schedule::next_every(evening_29_nov, first, 30, {10, 0}, "Asia/Kabul") == first_at);
  // At 10:00 that day exactly, and on any day after it: the next of its cycle.
  CHECK(schedule::next_every(first_at, first, 30, {10, 0}, "Asia/Kabul") == first_at + 30 * 24 * hour);
  CHECK(schedule::next_every(first_at + 29 * 24 * hour, first, 30, {10, 0}, "Asia/Kabul") == first_at + 30 * 24 * hour);
  CHECK(schedule::next_every(first_at + 31 * 24 * hour, first, 30, {10, 0}, "Asia/Kabul") == first_at + 60 * 24 * hour);
  // Earlier on a cycle's day: that day.
  CHECK(schedule::next_every(first_at + 90 * 24 * hour - hour, first, 90, {10, 0}, "Asia/Kabul") ==
        first_at + 90 * 24 * hour);
  // Across Berlin's spring change the wall time holds (10:00 CEST after 10:00 CET).
  const auto berlin = schedule::at_local(20'520, {10, 0}, "Europe/Berlin");  // 2026-03-08
  REQUIRE(berlin);
  CHECK(schedule::next_every(*berlin, 20'520, 30, {10, 0}, "Europe/Berlin") == *berlin + (30 * 24 - 1) * hour);
  CHECK_FALSE(schedule::next_every(evening_29_nov, first, 0, {10, 0}, "Asia/Kabul"));
  CHECK_FALSE(schedule::next_every(evening_29_nov, first, 30, {10, 0}, "Mars/Olympus"));
}

TEST_CASE("schedule: the antenatal series counts days from the last menstrual period", "[schedule]") {
  const auto days = schedule::antenatal_schedule(false).days();
  CHECK(days == std::vector<int>{84, 140, 182, 210, 238, 252, 266, 280});
  // LMP 2026-06-01 (day 20605), reminders at 10:00 in Kabul.
  const auto due = schedule::series(20'605, days, {10, 0}, "Asia/Kabul");
  REQUIRE(due.size() == 8);
  CHECK(due.front() == 1'787'549'400'000);  // 2026-08-24 05:30 UTC: week 12
  CHECK(due.back() - due.front() == 196 * 24 * hour);  // Kabul has no daylight saving
  CHECK(schedule::series(20'605, days, {10, 0}, "Mars/Olympus").empty());
}

TEST_CASE("schedule: each antenatal contact is a group a visit silences, and danger signs are in none",
          "[schedule]") {
  const auto plan = schedule::antenatal_schedule(true);
  // R-H5: danger signs every other week of the third trimester, between the contacts, asking
  // nothing.
  CHECK(plan.days() ==
        std::vector<int>{84, 140, 182, 203, 210, 217, 231, 238, 245, 252, 259, 266, 273, 280});
  for (const int day : {203, 217, 231, 245, 259, 273}) {
    REQUIRE(plan.on(day));
    CHECK_FALSE(plan.on(day)->asks);
    CHECK_FALSE(plan.group_of(day));  // a visit never keeps them from going
  }
  // R-H1: a visit silences a contact's reminder from two weeks before its day (week 12: from
  // week 10), but not in the week the contact before asked for (week 36: from week 35, since
  // week 34 asked "come this week").
  const auto silenced_from = [&](int week) {
    const auto* g = plan.group_of(week * 7);
    REQUIRE(g);
    CHECK(plan.on(week * 7)->asks);
    return g->from_day;
  };
  CHECK(silenced_from(12) == 70);
  CHECK(silenced_from(20) == 126);
  CHECK(silenced_from(30) == 196);
  CHECK(silenced_from(36) == 245);
  CHECK(silenced_from(40) == 273);
  // One group a contact: one visit answers one contact.
  CHECK(plan.groups.size() == 8);
  CHECK(plan.group_of(84)->id != plan.group_of(140)->id);
  // No message that day: nothing to silence or say.
  CHECK_FALSE(plan.on(85));
  CHECK_FALSE(plan.group_of(85));
}

TEST_CASE("schedule: sending hours hold a message until the window ends where the person is", "[schedule]") {
  using paygham::text::parse_instant;
  const schedule::sending_hours hours{21 * 60, 8 * 60};
  const auto next = [&](long long at, const char* zone) { return schedule::next_sending_time(at, zone, hours); };
  // 20:00Z is 00:30 in Kabul and 23:30 in Tehran: both quiet; each morning is its own.
  const long long night = *parse_instant("2026-11-29T20:00:00Z");
  CHECK(next(night, "Asia/Kabul") == *parse_instant("2026-11-30T03:30:00Z"));
  CHECK(next(night, "Asia/Tehran") == *parse_instant("2026-11-30T04:30:00Z"));
  // 16:00Z is 20:30 in Kabul (sent now) and 19:30 in Tehran.
  const long long evening = *parse_instant("2026-11-29T16:00:00Z");
  CHECK(next(evening, "Asia/Kabul") == evening);
  // 17:00Z is 21:30 in Kabul: held until the next morning, not this one.
  CHECK(next(*parse_instant("2026-11-29T17:00:00Z"), "Asia/Kabul") == *parse_instant("2026-11-30T03:30:00Z"));
  // A window within one day, and none at all.
  CHECK(schedule::next_sending_time(*parse_instant("2026-11-29T12:00:00Z"), "UTC", {11 * 60, 13 * 60}) ==
        *parse_instant("2026-11-29T13:00:00Z"));
  CHECK(schedule::next_sending_time(night, "Asia/Kabul", {}) == night);
  CHECK(next(night, "Mars/Olympus") == night);
}

TEST_CASE("schedule: on holidays a programme that keeps them waits for the next working day's window",
          "[schedule]") {
  using paygham::text::parse_instant;
  // Nowruz 1406: 1 to 4 Farvardin (Sunday 21 to Wednesday 24 March 2027), then Friday is quiet too.
  std::set<long long> nowruz;
  for (int d = 1; d <= 4; ++d) nowruz.insert(text::day_number(*text::read_date("1406/1/" + std::to_string(d))));
  schedule::sending_hours hours{21 * 60, 8 * 60, 1u << 5, true, &nowruz};
  const auto next = [&](const char* at) { return schedule::next_sending_time(*parse_instant(at), "Asia/Tehran", hours); };
  // Saturday 20 March, 20:00 in Tehran: before the holidays, it goes.
  CHECK(next("2027-03-20T16:30:00Z") == *parse_instant("2027-03-20T16:30:00Z"));
  // Saturday 21:30 and Monday noon wait for Thursday 25 March, 08:00 in Tehran.
  CHECK(next("2027-03-20T18:00:00Z") == *parse_instant("2027-03-25T04:30:00Z"));
  CHECK(next("2027-03-22T08:30:00Z") == *parse_instant("2027-03-25T04:30:00Z"));
  // Without quiet_holidays the same days are working days.
  hours.quiet_holidays = false;
  CHECK(next("2027-03-22T08:30:00Z") == *parse_instant("2027-03-22T08:30:00Z"));
  // A clinic's country is its time zone's.
  CHECK(schedule::country_of_zone("Asia/Tehran") == "IR");
  CHECK(schedule::country_of_zone("Asia/Kabul") == "AF");
  CHECK(schedule::country_of_zone("UTC").empty());
  CHECK(schedule::country_of_zone("Mars/Olympus").empty());
}

TEST_CASE("schedule: in Ramadan a programme that keeps iftar quiet waits for its hours to end", "[schedule]") {
  using paygham::text::parse_instant;
  // Ramadan 1448 as Iran might announce it: 8 February to 9 March 2027, iftar 17:30-19:30.
  const std::vector<schedule::iftar_hours> ramadan{{text::day_number({2027, 2, 8}), text::day_number({2027, 3, 9}),
                                                    17 * 60 + 30, 19 * 60 + 30}};
  schedule::sending_hours hours{21 * 60, 8 * 60, 1u << 5, false, nullptr, true, &ramadan};
  const auto next = [&](const char* at) { return schedule::next_sending_time(*parse_instant(at), "Asia/Tehran", hours); };
  // Wednesday 10 February: 17:29 in Tehran goes; 17:30 and 19:29 wait for 19:30; 19:30 goes.
  CHECK(next("2027-02-10T13:59:00Z") == *parse_instant("2027-02-10T13:59:00Z"));
  CHECK(next("2027-02-10T14:00:00Z") == *parse_instant("2027-02-10T16:00:00Z"));
  CHECK(next("2027-02-10T15:59:00Z") == *parse_instant("2027-02-10T16:00:00Z"));
  CHECK(next("2027-02-10T16:00:00Z") == *parse_instant("2027-02-10T16:00:00Z"));
  // Its first and last days keep it; the day after Ramadan does not.
  CHECK(next("2027-02-08T14:30:00Z") == *parse_instant("2027-02-08T16:00:00Z"));
  CHECK(next("2027-03-09T14:30:00Z") == *parse_instant("2027-03-09T16:00:00Z"));
  CHECK(next("2027-03-10T14:30:00Z") == *parse_instant("2027-03-10T14:30:00Z"));
  // Thursday's iftar ends on Thursday evening, before the quiet Friday.
  CHECK(next("2027-02-11T14:30:00Z") == *parse_instant("2027-02-11T16:00:00Z"));
  // Hours that end in the night window wait for the morning, not for the window's end alone.
  const std::vector<schedule::iftar_hours> late{{text::day_number({2027, 2, 8}), text::day_number({2027, 3, 9}),
                                                 20 * 60 + 30, 21 * 60 + 30}};
  hours.iftar = &late;
  CHECK(next("2027-02-10T17:15:00Z") == *parse_instant("2027-02-11T04:30:00Z"));
  // Without quiet_iftar the evening is an evening.
  hours.quiet_iftar = false;
  CHECK(next("2027-02-10T17:15:00Z") == *parse_instant("2027-02-10T17:15:00Z"));
}

TEST_CASE("schedule: a quiet Friday holds a message until Saturday morning where the person is", "[schedule]") {
  using paygham::text::parse_instant;
  const schedule::sending_hours hours{21 * 60, 8 * 60, 1u << *schedule::weekday_named("fri")};
  const auto next = [&](long long at, const char* zone) { return schedule::next_sending_time(at, zone, hours); };
  const long long saturday_morning_kabul = *parse_instant("2026-11-28T03:30:00Z");
  // Thursday 20:30 in Kabul goes; Thursday 21:30 waits past the whole Friday.
  CHECK(next(*parse_instant("2026-11-26T16:00:00Z"), "Asia/Kabul") == *parse_instant("2026-11-26T16:00:00Z"));
  CHECK(next(*parse_instant("2026-11-26T17:00:00Z"), "Asia/Kabul") == saturday_morning_kabul);
  // Friday noon, and Friday 23:00, in Kabul.
  CHECK(next(*parse_instant("2026-11-27T07:30:00Z"), "Asia/Kabul") == saturday_morning_kabul);
  CHECK(next(*parse_instant("2026-11-27T18:30:00Z"), "Asia/Kabul") == saturday_morning_kabul);
  // 20:00Z on Friday is already Saturday 00:30 in Kabul but still Friday 23:30 in Tehran:
  // each waits for its own Saturday 08:00.
  CHECK(next(*parse_instant("2026-11-27T20:00:00Z"), "Asia/Kabul") == saturday_morning_kabul);
  CHECK(next(*parse_instant("2026-11-27T20:00:00Z"), "Asia/Tehran") == *parse_instant("2026-11-28T04:30:00Z"));
  // Quiet days alone: Friday in UTC ends at Saturday's midnight.
  CHECK(schedule::next_sending_time(*parse_instant("2026-11-27T10:00:00Z"), "UTC", {0, 0, 1u << 5}) ==
        *parse_instant("2026-11-28T00:00:00Z"));
  // Two quiet days in a row (Thursday and Friday): Wednesday night waits for Saturday.
  CHECK(schedule::next_sending_time(*parse_instant("2026-11-25T22:00:00Z"), "UTC",
                                    {21 * 60, 8 * 60, (1u << 4) | (1u << 5)}) == *parse_instant("2026-11-28T08:00:00Z"));
  CHECK(schedule::weekday_named("friday") == std::nullopt);
  CHECK(schedule::weekday_named("sun") == 7);
}

TEST_CASE("schedule: the day it is depends on where the person is, with ICU's zone data", "[schedule]") {
  using paygham::text::civil_date;
  using paygham::text::day_number;
  using paygham::schedule::local_day;
  // 2026-11-29 20:00 UTC: 00:30 the next day in Kabul (+4:30), 23:30 the same day in Tehran (+3:30).
  const long long evening = 1'795'982'400'000;
  CHECK(local_day(evening, "UTC") == day_number(civil_date{2026, 11, 29}));
  CHECK(local_day(evening, "Asia/Kabul") == day_number(civil_date{2026, 11, 30}));
  CHECK(local_day(evening, "Asia/Tehran") == day_number(civil_date{2026, 11, 29}));
  // Iran keeps +3:30 all year since 2022: 2026-06-21 20:15 UTC is 23:45 there, not 00:45.
  const long long june = 1'782'072'900'000;
  CHECK(local_day(june, "Asia/Tehran") == day_number(civil_date{2026, 6, 21}));
  CHECK(day_number(civil_date{1970, 1, 1}) == 0);
  CHECK(day_number(civil_date{2024, 3, 1}) - day_number(civil_date{2024, 2, 28}) == 2);  // a leap year
  CHECK_FALSE(local_day(evening, "Mars/Olympus"));
}
