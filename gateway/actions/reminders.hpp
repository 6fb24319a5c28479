// Health reminders that repeat: the job that sends each one, shared by the action that starts a
// series (reminders.cpp) and the runner that applies the job when it falls due.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/clock.hpp"

namespace paygham::store {
class tx;
struct series;
}  // namespace paygham::store

namespace paygham::actions {

// A new series' first occurrence still ahead of `now`: when, and which of an anchored series'
// days it is. over: every day is past; unknown: the time zone cannot be read.
struct first_occurrence {
  enum state_t { unknown, over, ahead } state = unknown;
  core::unix_ms at = 0;
  int step = 0;
};
first_occurrence first_due(const store::series& s, core::unix_ms now);

// A series not anchored to a date: its next occurrence after `after`, the next day (weekly, the
// next of its weekday; a refill, the next day of its cycle) at its time on the person's clock;
// nullopt when the zone is unknown.
std::optional<core::unix_ms> next_repeat(const store::series& s, core::unix_ms after);

// Whether occurrence `step` of a series says its template, asking nothing, rather than start
// its flow: the danger-sign days between the visits of pregnancy care a health worker
// started (R-H5).
bool says_template(const store::series& s, int step);

// R-H4: why a health worker ends a patient's reminders (reminders.end): loss, done, transfer,
// opted_out, death or other.
bool is_end_reason(std::string_view reason);

// A medicine refill's cycle in days (a week's supply to six months'), wherever it is enrolled.
constexpr int min_refill_days = 7;
constexpr int max_refill_days = 180;

// A refill is asked about the day before, at its series' time (phase ask). Still unanswered, it
// is asked again on the refill day at 09:00 (again), and at 20:00 its flow is told (check: the
// health worker hears). `step` in series_due is the phase: 0, 1, 2.
enum refill_phase : int { refill_ask = 0, refill_again = 1, refill_check = 2 };
struct refill_times {
  core::unix_ms day_starts = 0;  // the refill day's midnight: a "tomorrow" held past it is wrong
  core::unix_ms again = 0;
  core::unix_ms check = 0;
};
// The times of the refill of the cycle `asked` falls in (normally the day before it, on the
// person's clock); nullopt when the zone is unknown.
std::optional<refill_times> refill_times_after(const store::series& s, core::unix_ms asked);

struct request;

// R-S13: numbers are reassigned and returnees change SIMs, so every six months the person is
// asked whether the series is still wanted on this phone (the flow of `r` at `node`, with
// {series}), a minute after that day's reminder time: the question then stands until the next
// day's reminder. Nothing when `node` is empty.
void ask_again_later(store::tx& t, const request& r, const store::series& s, const std::string& node);

// Stores the series and queues its first occurrence; returns its id.
std::int64_t start_series(store::tx& t, const store::series& s, const first_occurrence& first);

// A series' occurrence due at `at`: the runner sends it and sets the next. `step`: which of an
// anchored series' days it is (0 for a daily one; a refill's phase). `questions`: how many of
// a refill's questions went to the person this cycle.
struct series_due {
  static constexpr std::string_view kind = "series.due";
  std::int64_t series = 0;
  core::unix_ms at = 0;
  int step = 0;
  int questions = 0;
  std::string json() const {
    nlohmann::json j{{"series", series}, {"at", at}, {"step", step}};
    if (questions != 0) j["questions"] = questions;
    return j.dump();
  }
  static std::optional<series_due> parse(const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    const auto integer_or_none = [&](const char* key) { return !j.contains(key) || j[key].is_number_integer(); };
    if (!j.is_object() || !j.contains("series") || !j["series"].is_number_integer() || !j.contains("at") ||
        !j["at"].is_number_integer() || !integer_or_none("step") || !integer_or_none("questions")) {
      return std::nullopt;
    }
    return series_due{j["series"].get<std::int64_t>(), j["at"].get<core::unix_ms>(), j.value("step", 0),
                      j.value("questions", 0)};
  }
};

}  // namespace paygham::actions
