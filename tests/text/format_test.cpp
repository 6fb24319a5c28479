#include "gateway/text/format.hpp"

#include <catch2/catch.hpp>

using paygham::text::formatter;

TEST_CASE("text: dates show in the Solar Hijri calendar with each country's month names",
          "[text]") {
  const std::string monday = "2026-11-30T04:30:00Z";  // 09:00 in Kabul
  CHECK(formatter("fa", "Asia/Kabul").apply(monday, "date") == "۹ آذر ۱۴۰۵");
  CHECK(formatter("prs", "Asia/Kabul").apply(monday, "date") == "۹ قوس ۱۴۰۵");
  CHECK(formatter("en", "Asia/Kabul").apply(monday, "date") == "30 November 2026");
  CHECK(formatter("fa", "Asia/Kabul").apply(monday, "time") == "۰۹:۰۰");
  CHECK(formatter("fa", "Asia/Kabul").apply(monday, "time:latn") == "09:00");
  CHECK(formatter("en", "Asia/Kabul").apply(monday, "weekday") == "Monday");
  CHECK(formatter("fa", "Asia/Kabul").apply(monday, "weekday") == "دوشنبه");
  const auto ps = formatter("ps", "Asia/Kabul").apply(monday, "date");
  REQUIRE(ps);
  CHECK(ps->find("۱۴۰۵") != std::string::npos);
}

TEST_CASE("text: numbers use the language's digits; phones are masked", "[text]") {
  CHECK(formatter("prs", "Asia/Kabul").apply("482913", "number") == "۴۸۲۹۱۳");
  CHECK(formatter("prs", "Asia/Kabul").apply("482913", "number:latn") == "482913");
  CHECK(formatter("en", "UTC").apply("12", "number") == "12");
  CHECK(formatter("en", "UTC").apply("+93700123456", "phone_masked") == "+93******456");
  CHECK_FALSE(formatter("en", "UTC").apply("not a date", "date").has_value());
  CHECK_FALSE(formatter("en", "UTC").apply("1", "colour").has_value());
}
