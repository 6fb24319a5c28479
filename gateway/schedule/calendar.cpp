#include "gateway/schedule/calendar.hpp"

#include <unicode/gregocal.h>
#include <unicode/timezone.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "gateway/text/readers.hpp"

namespace paygham::schedule {
namespace {

// A Gregorian calendar in `zone`, or null for a zone ICU does not know.
std::unique_ptr<icu::GregorianCalendar> calendar_in(std::string_view zone) {
  std::unique_ptr<icu::TimeZone> tz(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(std::string(zone))));
  if (!tz || *tz == icu::TimeZone::getUnknown()) return nullptr;
  UErrorCode status = U_ZERO_ERROR;
  auto cal = std::make_unique<icu::GregorianCalendar>(tz.release(), status);  // adopts the zone
  if (U_FAILURE(status)) return nullptr;
  cal->setSkippedWallTimeOption(UCAL_WALLTIME_LAST);     // 02:30 skipped: as late as the skip
  cal->setRepeatedWallTimeOption(UCAL_WALLTIME_FIRST);   // 01:30 twice: the first
  return cal;
}

}  // namespace

std::optional<long long> local_day(core::unix_ms at, std::string_view zone) {
  auto cal = calendar_in(zone);
  if (!cal) return std::nullopt;
  UErrorCode status = U_ZERO_ERROR;
  cal->setTime(static_cast<UDate>(at), status);
  const text::civil_date d{cal->get(UCAL_EXTENDED_YEAR, status), cal->get(UCAL_MONTH, status) + 1,
                           cal->get(UCAL_DATE, status)};
  if (U_FAILURE(status)) return std::nullopt;
  return text::day_number(d);
}

namespace {

std::optional<core::unix_ms> wall_time(icu::Calendar& cal, long long day_number, local_time at) {
  using namespace std::chrono;
  const year_month_day ymd{sys_days{days{day_number}}};
  cal.clear();
  cal.set(static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())) - 1,
          static_cast<int>(static_cast<unsigned>(ymd.day())), at.hour, at.minute, 0);
  UErrorCode status = U_ZERO_ERROR;
  const UDate t = cal.getTime(status);
  if (U_FAILURE(status)) return std::nullopt;
  return static_cast<core::unix_ms>(t);
}

}  // namespace

std::optional<int> minute_of_day(std::string_view hh_mm) {
  if (hh_mm.size() != 5 || hh_mm[2] != ':') return std::nullopt;
  const auto digit = [&](std::size_t i) { return hh_mm[i] >= '0' && hh_mm[i] <= '9' ? hh_mm[i] - '0' : -1; };
  const int h1 = digit(0), h2 = digit(1), m1 = digit(3), m2 = digit(4);
  if (h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0) return std::nullopt;
  const int hour = h1 * 10 + h2, minute = m1 * 10 + m2;
  if (hour > 23 || minute > 59) return std::nullopt;
  return hour * 60 + minute;
}

std::optional<std::pair<int, int>> day_window(std::string_view from_to) {
  if (from_to.size() != 11 || from_to[5] != '-') return std::nullopt;
  const auto from = minute_of_day(from_to.substr(0, 5));
  const auto to = minute_of_day(from_to.substr(6));
  if (!from || !to || *from == *to) return std::nullopt;
  return std::pair{*from, *to};
}

std::string clock_text(int minute) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

std::string day_text(long long day_number) {
  using namespace std::chrono;
  const year_month_day ymd{sys_days{days{day_number}}};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

int iso_weekday(long long day_number) {
  const long long r = ((day_number % 7) + 7) % 7;  // 0 Thursday
  return static_cast<int>((r + 3) % 7) + 1;
}

std::optional<core::unix_ms> at_local(long long day, local_time at, std::string_view zone) {
  auto cal = calendar_in(zone);
  if (!cal) return std::nullopt;
  return wall_time(*cal, day, at);
}

std::optional<core::unix_ms> next_daily(core::unix_ms after, local_time at, std::string_view zone) {
  auto cal = calendar_in(zone);
  if (!cal) return std::nullopt;
  const auto today = local_day(after, zone);
  if (!today) return std::nullopt;
  // Today's time if it is still ahead, else tomorrow's (a zone's day is never two days long).
  for (long long d = *today; d <= *today + 2; ++d) {
    const auto t = wall_time(*cal, d, at);
    if (t && *t > after) return t;
  }
  return std::nullopt;
}

std::optional<core::unix_ms> next_weekly(core::unix_ms after, int weekday, local_time at, std::string_view zone) {
  if (weekday < 1 || weekday > 7) return std::nullopt;
  auto cal = calendar_in(zone);
  if (!cal) return std::nullopt;
  const auto today = local_day(after, zone);
  if (!today) return std::nullopt;
  for (long long d = *today; d <= *today + 8; ++d) {
    if (iso_weekday(d) != weekday) continue;
    const auto t = wall_time(*cal, d, at);
    if (t && *t > after) return t;
  }
  return std::nullopt;
}

std::optional<core::unix_ms> next_every(core::unix_ms after, long long from_day, int every_days, local_time at,
                                        std::string_view zone) {
  if (every_days < 1) return std::nullopt;
  auto cal = calendar_in(zone);
  if (!cal) return std::nullopt;
  const auto today = local_day(after, zone);
  if (!today) return std::nullopt;
  // The cycle's day on or after today (from_day itself when that is still ahead), else the next.
  const long long behind = std::max(0LL, *today - from_day);
  long long d = from_day + (behind + every_days - 1) / every_days * every_days;
  for (int tries = 0; tries < 2; ++tries, d += every_days) {
    const auto t = wall_time(*cal, d, at);
    if (t && *t > after) return t;
  }
  return std::nullopt;
}

std::vector<core::unix_ms> series(long long anchor_day, const std::vector<int>& offset_days, local_time at,
                                  std::string_view zone) {
  std::vector<core::unix_ms> out;
  auto cal = calendar_in(zone);
  if (!cal) return out;
  for (const int offset : offset_days) {
    if (const auto t = wall_time(*cal, anchor_day + offset, at)) out.push_back(*t);
  }
  return out;
}

core::unix_ms next_sending_time(core::unix_ms at, std::string_view time_zone, const sending_hours& hours) {
  const bool window = hours.quiet_from != hours.quiet_to && hours.quiet_from >= 0 && hours.quiet_to >= 0;
  const std::set<long long>* holidays = hours.quiet_holidays && hours.holidays && !hours.holidays->empty() ? hours.holidays : nullptr;
  const std::vector<iftar_hours>* ramadans = hours.quiet_iftar && hours.iftar && !hours.iftar->empty() ? hours.iftar : nullptr;
  if ((!window && hours.quiet_days == 0 && !holidays && !ramadans) || (hours.quiet_days & 0xFEu) == 0xFEu) return at;
  auto cal = calendar_in(time_zone);
  if (!cal) return at;
  const int from = hours.quiet_from, to = hours.quiet_to;
  // Each turn moves to a later instant (the window's end, or the next midnight), and a week
  // holds at least one open day: a few turns at most, and a few more for a run of holidays
  // (Nowruz: four days and a Friday).
  core::unix_ms t = at;
  for (int turn = 0; turn < 48; ++turn) {
    UErrorCode status = U_ZERO_ERROR;
    cal->setTime(static_cast<UDate>(t), status);
    const int minute = cal->get(UCAL_HOUR_OF_DAY, status) * 60 + cal->get(UCAL_MINUTE, status);
    const text::civil_date d{cal->get(UCAL_EXTENDED_YEAR, status), cal->get(UCAL_MONTH, status) + 1,
                             cal->get(UCAL_DATE, status)};
    if (U_FAILURE(status)) return at;
    const long long day = text::day_number(d);
    if (((hours.quiet_days >> iso_weekday(day)) & 1u) || (holidays && holidays->count(day))) {
      const auto next = wall_time(*cal, day + 1, {0, 0});
      if (!next || *next <= t) return at;
      t = *next;
      continue;
    }
    const bool quiet = window && (from < to ? (minute >= from && minute < to) : (minute >= from || minute < to));
    if (quiet) {
      // The window's end: today when it is still ahead, else tomorrow (a window past midnight).
      const auto end = wall_time(*cal, minute >= to ? day + 1 : day, {to / 60, to % 60});
      if (!end || *end <= t) return at;
      t = *end;
      continue;
    }
    const iftar_hours* iftar = ramadans ? fasting(*ramadans, day) : nullptr;
    if (!iftar || minute < iftar->from || minute >= iftar->to) return t;
    const auto end = wall_time(*cal, day, {iftar->to / 60, iftar->to % 60});  // iftar's hours end
    if (!end || *end <= t) return at;
    t = *end;
  }
  return t;
}

namespace {
constexpr std::string_view weekday_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
}  // namespace

std::optional<int> weekday_named(std::string_view name) {
  for (int i = 0; i < 7; ++i) {
    if (name == weekday_names[i]) return i + 1;
  }
  return std::nullopt;
}

std::string_view weekday_name(int iso_weekday) {
  return iso_weekday >= 1 && iso_weekday <= 7 ? weekday_names[iso_weekday - 1] : std::string_view();
}

const anchored_message* anchored_schedule::on(int day) const {
  for (const auto& m : messages) {
    if (m.day == day) return &m;
  }
  return nullptr;
}

const message_group* anchored_schedule::group_of(int day) const {
  const auto* m = on(day);
  if (!m || m->group == 0) return nullptr;
  for (const auto& g : groups) {
    if (g.id == m->group) return &g;
  }
  return nullptr;
}

std::vector<int> anchored_schedule::days() const {
  std::vector<int> out;
  out.reserve(messages.size());
  for (const auto& m : messages) out.push_back(m.day);
  return out;
}

namespace {
anchored_schedule build_antenatal(bool danger_signs) {
  constexpr int week = 7;
  anchored_schedule out;
  int previous = 0;  // the contact before (none: the last period itself)
  for (const int contact : {12, 20, 26, 30, 34, 36, 38, 40}) {
    const int day = contact * week;
    const int group = static_cast<int>(out.groups.size()) + 1;
    out.groups.push_back({group, std::max(previous + week, day - 2 * week)});
    out.messages.push_back({day, true, group});
    previous = day;
  }
  if (danger_signs) {
    for (int w = 29; w <= 39; w += 2) out.messages.push_back({w * week, false, 0});
    std::sort(out.messages.begin(), out.messages.end(),
              [](const anchored_message& a, const anchored_message& b) { return a.day < b.day; });
  }
  return out;
}
}  // namespace

const anchored_schedule& antenatal_schedule(bool danger_signs) {
  static const anchored_schedule with_signs = build_antenatal(true);
  static const anchored_schedule without = build_antenatal(false);
  return danger_signs ? with_signs : without;
}

}  // namespace paygham::schedule
