// The clinics file: read strictly, each problem at its line; open days, windows and names.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "gateway/actions/calls.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/schedule/clinics.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/readers.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

long long day(int y, int m, int d) { return text::day_number({y, m, d}); }

}  // namespace

TEST_CASE("clinics: the shipped file loads: Golshahr is shut on Fridays, its own closures and Iran's holidays",
          "[schedule]") {
  std::vector<std::string> problems;
  auto list = schedule::clinic_list::load(std::string(PAYGHAM_SOURCE_DIR) + "/config/clinics.yaml", problems);
  const auto holidays = schedule::load_holidays(
      std::string(PAYGHAM_SOURCE_DIR) + "/config/holidays.yaml", [](const std::string& c) { return c == "IR"; }, problems);
  for (const auto& p : problems) UNSCOPED_INFO(p);
  REQUIRE(problems.empty());
  CHECK(list.find("golshahr")->open_on(day(2027, 3, 21)));  // the clinics file alone knows no holiday
  list.close_on(holidays.holidays);
  // Its Ramadan: 19 Bahman to 18 Esfand 1405 are 8 February to 9 March 2027.
  REQUIRE(holidays.iftar.count("IR") == 1);
  REQUIRE(holidays.iftar.at("IR").size() == 1);
  CHECK(holidays.iftar.at("IR")[0].first_day == day(2027, 2, 8));
  CHECK(holidays.iftar.at("IR")[0].last_day == day(2027, 3, 9));
  const schedule::clinic* g = list.find("golshahr");
  REQUIRE(g);
  CHECK(g->name_in("fa") == "خانه هلال گلشهر");
  CHECK(g->name_in("xx") == "Golshahr Helal House");  // no name in that language: English
  CHECK(g->offers("counselling"));
  CHECK_FALSE(list.find("central")->offers("counselling"));
  CHECK(g->open_on(day(2026, 12, 5)));       // Saturday
  CHECK_FALSE(g->open_on(day(2026, 12, 4)));  // Friday
  CHECK_FALSE(g->open_on(day(2027, 3, 21)));  // 1 Farvardin 1406 (Nowruz), written in Solar Hijri
  CHECK_FALSE(g->open_on(text::day_number(text::read_date("1405/10/16").value())));  // its own closure
  CHECK_FALSE(list.find("central")->open_on(day(2027, 3, 21)));  // in Iran's zone too
  REQUIRE(g->window_at(10 * 60));
  CHECK(g->window_at(10 * 60)->capacity == 10);
  CHECK_FALSE(g->window_at(9 * 60));
}

TEST_CASE("clinics: every broken clinics file is refused with its location and reason", "[schedule]") {
  const auto files = test::fixture_files("clinics/broken", ".yaml");
  REQUIRE(files.size() >= 8);
  for (const auto& file : files) {
    const std::string text = test::read_file(file);
    const std::string first_line = text.substr(0, text.find('\n'));
    REQUIRE(first_line.rfind("# expect: ", 0) == 0);
    std::vector<std::string> problems;
    schedule::clinic_list::load(file, problems);
    INFO(file);
    REQUIRE_FALSE(problems.empty());
    bool found = false;
    for (const auto& p : problems) found = found || (p.rfind(file + ":", 0) == 0 && p.find(first_line.substr(10)) != std::string::npos);
    for (const auto& p : problems) UNSCOPED_INFO(p);
    CHECK(found);
  }
}

TEST_CASE("clinics: ISO weekdays and times of day", "[schedule]") {
  CHECK(schedule::iso_weekday(0) == 4);                  // 1970-01-01: Thursday
  CHECK(schedule::iso_weekday(day(2026, 11, 29)) == 7);  // Sunday
  CHECK(schedule::minute_of_day("08:30") == 510);
  CHECK_FALSE(schedule::minute_of_day("24:00"));
  CHECK_FALSE(schedule::minute_of_day("8:30"));
}

TEST_CASE("clinics: a week as the API writes it reads back the same, and a wrong one says what to fix", "[schedule]") {
  const schedule::week w{{6, 7, 1}, {{480, 600, 10, 2}, {840, 960, 8, 0}}};
  const auto j = schedule::week_json(w);
  CHECK(j.dump() == R"({"open":["sat","sun","mon"],"windows":[{"capacity":10,"from":"08:00","kept":2,"to":"10:00"},)"
                    R"({"capacity":8,"from":"14:00","kept":0,"to":"16:00"}]})");
  const auto back = schedule::read_week(j);
  REQUIRE(std::holds_alternative<schedule::week>(back));
  CHECK(std::get<schedule::week>(back) == w);
  // kept may be left out: none kept for health workers.
  const auto plain = schedule::read_week(nlohmann::json::parse(R"({"open":["fri"],"windows":[{"from":"08:00","to":"09:00","capacity":1}]})"));
  REQUIRE(std::holds_alternative<schedule::week>(plain));
  CHECK(std::get<schedule::week>(plain).windows[0].kept == 0);
  const auto problem = [](const char* text) {
    const auto read = schedule::read_week(nlohmann::json::parse(text));
    return std::holds_alternative<std::string>(read) ? std::get<std::string>(read) : std::string("(read)");
  };
  const char* window = R"([{"from":"08:00","to":"09:00","capacity":1}])";
  CHECK(problem("[]").find("the hours are") != std::string::npos);
  CHECK(problem((std::string(R"({"windows":)") + window + "}").c_str()).rfind("open:", 0) == 0);
  CHECK(problem((std::string(R"({"open":["friday"],"windows":)") + window + "}").c_str()) ==
        R"(open: "friday" is not a weekday (mon tue wed thu fri sat sun))");
  CHECK(problem(R"({"open":["fri"],"windows":[]})").rfind("windows:", 0) == 0);
  CHECK(problem(R"({"open":["fri"],"windows":[{"from":"8","to":"09:00","capacity":1}]})").rfind("windows[0]: from and to", 0) == 0);
  CHECK(problem(R"({"open":["fri"],"windows":[{"from":"08:00","to":"09:00","capacity":0}]})") ==
        "windows[0]: a window's capacity is how many people it takes: 1 to 10000");
  CHECK(problem(R"({"open":["fri"],"windows":[{"from":"08:00","to":"09:00","capacity":1.5}]})").find("whole numbers") !=
        std::string::npos);
  CHECK(problem(R"({"open":["fri"],"windows":[{"from":"08:00","to":"09:00","capacity":3,"keep":1}]})") ==
        "windows[0]: unknown key 'keep' (a window has from, to, capacity and kept)");  // a typo is not 0 kept
  CHECK(problem(R"({"open":["fri"],"windows":["08:00-09:00"]})").rfind("windows[0]: a window is", 0) == 0);
  CHECK(problem(R"({"open":["fri"],"windows":[{"from":"08:00","to":"10:00","capacity":2},)"
                R"({"from":"09:30","to":"11:00","capacity":2}]})") ==
        "windows[1]: windows must be in order of the day and must not overlap");
  // The clinic open that week instead of its file's.
  std::vector<std::string> problems;
  auto list = schedule::clinic_list::load(std::string(PAYGHAM_SOURCE_DIR) + "/config/clinics.yaml", problems);
  REQUIRE(problems.empty());
  const auto changed = list.find("golshahr")->with(w);
  CHECK(changed.windows.size() == 2);
  CHECK(changed.open_on(day(2026, 12, 5)));        // a Saturday
  CHECK_FALSE(changed.open_on(day(2026, 12, 8)));  // a Tuesday: not open now
  CHECK(changed.name_in("en") == "Golshahr Helal House");
}

TEST_CASE(
    "clinics: a health worker is on duty within their hours on the clinic's open days, a night "
    "shift on the "
    "day it starts (R-H3)",
    "[schedule]") {
  std::vector<std::string> problems;
  const auto list = schedule::clinic_list::load(
      std::string(PAYGHAM_SOURCE_DIR) + "/config/clinics.yaml", problems);
  REQUIRE(problems.empty());
  const schedule::clinic* golshahr = list.find("golshahr");  // shut on Fridays
  REQUIRE(golshahr);
  const auto at = [](const char* utc) { return *text::parse_instant(utc); };
  const auto on = [&](const char* duty, const char* utc, std::string_view zone = "Asia/Kabul",
                      const schedule::clinic* clinic = nullptr) {
    store::user u;
    u.duty = duty;
    std::function<bool(long long)> open_on;
    if (clinic) open_on = [&](long long day) { return clinic->open_on(day); };
    return actions::on_duty(u, at(utc), zone, open_on);
  };
  // Kabul is UTC+04:30. Thursday 3 December: 10:00 and 17:00 there.
  CHECK(on("08:00-16:00", "2026-12-03T05:30:00Z", "Asia/Kabul", golshahr));
  CHECK_FALSE(on("08:00-16:00", "2026-12-03T12:30:00Z", "Asia/Kabul", golshahr));
  // Friday 10:00: within the hours, but the clinic is shut; with no clinics file, on duty.
  CHECK_FALSE(on("08:00-16:00", "2026-12-04T05:30:00Z", "Asia/Kabul", golshahr));
  CHECK(on("08:00-16:00", "2026-12-04T05:30:00Z"));
  // A night shift is the day's it starts on: Thursday 23:00 and Friday 03:00 are Thursday's;
  // Friday 23:00 and Saturday 03:00 are Friday's, when the clinic is shut.
  CHECK(on("20:00-06:00", "2026-12-03T18:30:00Z", "Asia/Kabul", golshahr));
  CHECK(on("20:00-06:00", "2026-12-03T22:30:00Z", "Asia/Kabul", golshahr));
  CHECK_FALSE(on("20:00-06:00", "2026-12-04T18:30:00Z", "Asia/Kabul", golshahr));
  CHECK_FALSE(on("20:00-06:00", "2026-12-04T22:30:00Z", "Asia/Kabul", golshahr));
  CHECK_FALSE(on("20:00-06:00", "2026-12-05T02:30:00Z", "Asia/Kabul", golshahr));  // Saturday 07:00
  // A day reception closed the clinic (R-B5) is no day on duty either.
  store::user u;
  u.duty = "08:00-16:00";
  CHECK_FALSE(actions::on_duty(u, at("2026-12-03T05:30:00Z"), "Asia/Kabul",
                               [](long long) { return false; }));
  // No duty hours: reachable at any hour, on any day; so is everyone where the zone is unknown.
  CHECK(on("", "2026-12-04T22:30:00Z", "Asia/Kabul", golshahr));
  CHECK(on("08:00-16:00", "2026-12-03T12:30:00Z", "Mars/Olympus"));
}
