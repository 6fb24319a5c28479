#include "gateway/text/format.hpp"

#include <catch2/catch.hpp>

using paygham::text::formatter;

TEST_CASE("text: dates show in the Solar Hijri calendar with each country's month names",
          "[text]") {
  const std::string monday = "2026-11-30T04:30:00Z";  // 09:00 in Kabul
  CHECK(formatter("fa", "Asia/Kabul").apply(monday, "date") == "۹ آذر ۱۴۰۵");
  CHECK(formatter("prs", "Asia/Kabul").apply(monday, "date") == "۹ قوس ۱۴۰۵");
  // R-L3: in English the Solar Hijri day too, the Gregorian one in brackets; the month names
  // of where the person is.
  CHECK(formatter("en", "Asia/Kabul").apply(monday, "date") == "9 Qaws 1405 (30 November 2026)");
  CHECK(formatter("en", "Asia/Tehran").apply(monday, "date") == "9 Azar 1405 (30 November 2026)");
  CHECK(formatter("en", "Asia/Kabul").apply(monday, "day") == "Mon 9 Qaws (30 Nov)");
  CHECK(formatter("fa", "Asia/Kabul").apply(monday, "time") == "۰۹:۰۰");
  CHECK(formatter("fa", "Asia/Kabul").apply(monday, "time:latn") == "09:00");
  CHECK(formatter("en", "Asia/Kabul").apply(monday, "weekday") == "Monday");
  CHECK(formatter("fa", "Asia/Kabul").apply(monday, "weekday") == "دوشنبه");
  CHECK(formatter("ps", "Asia/Kabul").apply(monday, "date") == "۹ لیندۍ ۱۴۰۵");
}

TEST_CASE("text: a day as written and a time of day show as they are, in any time zone", "[text]") {
  // What a health worker typed, said back: the day and the clock time are not instants.
  CHECK(formatter("prs", "Asia/Kabul").apply("2026-11-28", "date") == "۷ قوس ۱۴۰۵");
  CHECK(formatter("en", "America/Los_Angeles").apply("2026-11-28", "date") ==
        "7 Azar 1405 (28 November 2026)");
  CHECK(formatter("prs", "Asia/Kabul").apply("20:00", "time") == "۲۰:۰۰");
  CHECK(formatter("en", "Asia/Tehran").apply("08:30", "time") == "08:30");
  CHECK_FALSE(formatter("en", "Asia/Kabul").apply("25:00", "time"));
  CHECK_FALSE(formatter("en", "Asia/Kabul").apply("20:00", "date"));
  // Ten digits are an instant (unix ms), shown on the contact's clock.
  CHECK(formatter("en", "Asia/Kabul").apply("1000000000", "time") == "18:16");
}

TEST_CASE("text: Dari and Farsi in Latin letters write days, months and numbers as their speakers do (R-U4)", "[text]") {
  const std::string monday = "2026-11-30T04:30:00Z";  // 09:00 in Kabul
  CHECK(formatter("prs-Latn", "Asia/Kabul").apply(monday, "day") == "Dushanbe 9 Qaws");
  CHECK(formatter("prs-Latn", "Asia/Kabul").apply(monday, "date") == "9 Qaws 1405");
  CHECK(formatter("fa-Latn", "Asia/Tehran").apply(monday, "day") == "Doshanbe 9 Azar");
  CHECK(formatter("fa-Latn", "Asia/Tehran").apply(monday, "weekday") == "Doshanbe");
  CHECK(formatter("fa-Latn", "Asia/Kabul").apply(monday, "time") == "09:00");
  CHECK(formatter("prs-Latn", "Asia/Kabul").apply("5713", "number") == "5713");
  CHECK(formatter("prs-Latn", "Asia/Kabul").apply("+93700123456", "phone_masked") == "+93******456");  // no right-to-left mark
}

TEST_CASE("text: Afghan month names as Afghans write them: no combining hamza, Pashto ګ", "[text]") {
  // 1405/6/10 and 1405/3/10, 1405/4/10 in Kabul.
  CHECK(formatter("prs", "Asia/Kabul").apply("2026-09-01T06:00:00Z", "date") == "۱۰ سنبله ۱۴۰۵");
  CHECK(formatter("ps", "Asia/Kabul").apply("2026-05-31T06:00:00Z", "date") == "۱۰ غبرګولی ۱۴۰۵");
  CHECK(formatter("ps", "Asia/Kabul").apply("2026-07-01T06:00:00Z", "date") == "۱۰ چنګاښ ۱۴۰۵");
  for (int month = 0; month < 12; ++month) {
    const std::string day = std::to_string(1774000000000LL + month * 2629800000LL);
    for (const char* lang : {"prs", "fa"}) {
      const auto shown = formatter(lang, "Asia/Kabul").apply(day, "date");
      REQUIRE(shown);
      INFO(lang << " " << *shown);
      CHECK(shown->find("\u0654") == std::string::npos);  // hamza above: a box on feature phones
      CHECK(shown->find("\u064B") == std::string::npos);  // tanwin
    }
  }
}

TEST_CASE("text: a person's own month names, apart from their language (R-L3)", "[text]") {
  using paygham::text::month_names;
  const std::string monday = "2026-11-30T04:30:00Z";
  // An Afghan long in Iran: Dari words, the Iranian month; in Pashto too, with Pashto weekdays.
  CHECK(formatter("prs", "Asia/Tehran", month_names::iranian).apply(monday, "date") == "۹ آذر ۱۴۰۵");
  CHECK(formatter("ps", "Asia/Tehran", month_names::iranian).apply(monday, "date") == "۹ آذر ۱۴۰۵");
  auto pashto_day = formatter("ps", "Asia/Tehran").apply(monday, "day").value_or("");
  REQUIRE(pashto_day.find("لیندۍ") != std::string::npos);
  pashto_day.replace(pashto_day.find("لیندۍ"), std::string("لیندۍ").size(), "آذر");
  CHECK(formatter("ps", "Asia/Tehran", month_names::iranian).apply(monday, "day") == pashto_day);
  // And the other way round.
  CHECK(formatter("fa", "Asia/Kabul", month_names::afghan).apply(monday, "date") == "۹ قوس ۱۴۰۵");
  CHECK(formatter("en", "Asia/Kabul", month_names::iranian).apply(monday, "date") == "9 Azar 1405 (30 November 2026)");
  CHECK(formatter("en", "Asia/Tehran", month_names::afghan).apply(monday, "day") == "Mon 9 Qaws (30 Nov)");
  // In Latin letters, every Afghan month (1405/1/1 is 21 March 2026).
  const char* afghan[] = {"Hamal", "Sawr", "Jawza", "Saratan", "Asad", "Sunbula", "Mizan", "Aqrab", "Qaws", "Jadi", "Dalw", "Hut"};
  for (int month = 0; month < 12; ++month) {
    const std::string mid = std::to_string(1774080000000LL + 15LL * 86'400'000 + month * 2629800000LL);
    const auto shown = formatter("en", "Asia/Kabul").apply(mid, "date");
    REQUIRE(shown);
    CHECK_THAT(*shown, Catch::Contains(afghan[month]));
  }
  CHECK(paygham::text::parse_month_names("afghan") == month_names::afghan);
  CHECK(paygham::text::parse_month_names("") == month_names::by_language);
  CHECK_FALSE(paygham::text::parse_month_names("solar").has_value());
}

TEST_CASE("text: a country with one time zone has it, others fall back", "[text]") {
  CHECK(paygham::text::country_zone("IR") == "Asia/Tehran");
  CHECK(paygham::text::country_zone("AF") == "Asia/Kabul");
  CHECK(paygham::text::country_zone("US").empty());
  CHECK(paygham::text::country_zone("").empty());
}

TEST_CASE("text: numbers use the language's digits, phones are masked", "[text]") {
  CHECK(formatter("prs", "Asia/Kabul").apply("482913", "number") == "۴۸۲۹۱۳");
  CHECK(formatter("prs", "Asia/Kabul").apply("482913", "number:latn") == "482913");
  CHECK(formatter("en", "UTC").apply("12", "number") == "12");
  CHECK(formatter("en", "UTC").apply("+93700123456", "phone_masked") == "+93******456");
  // Right to left, a left-to-right mark keeps the number whole and its + in front.
  CHECK(formatter("prs", "Asia/Kabul").apply("+93700123456", "phone_masked") == "\u200E+93******456");
  CHECK_FALSE(formatter("en", "UTC").apply("not a date", "date").has_value());
  CHECK_FALSE(formatter("en", "UTC").apply("1", "colour").has_value());
}

TEST_CASE("text: the languages a person reads after their own are read in order, at most two, or not at all (R-L2)",
          "[text]") {
  using paygham::text::fallback_languages;
  CHECK(fallback_languages("fa,en") == std::vector<std::string>{"fa", "en"});
  CHECK(fallback_languages("prs") == std::vector<std::string>{"prs"});
  // The store's broadcasts read the field in SQL the same way: anything else is no list.
  for (const char* unread : {"", " fa , en ", ",fa", "fa,", "fa,,en", "fa,en,prs", "FA", "f\"a", "prs-Latn"}) {
    INFO(unread);
    CHECK(fallback_languages(unread).empty());
  }
}

TEST_CASE("text: an instant is read with its zone, and a time without one is refused, never taken as UTC", "[text]") {
  using paygham::text::parse_instant;
  CHECK(parse_instant("1796000000000") == 1'796'000'000'000LL);
  CHECK(parse_instant("2026-12-06T05:30:00Z") == 1'796'535'000'000LL);
  CHECK(parse_instant("2026-12-06T05:30Z") == 1'796'535'000'000LL);
  // 10:00 in Kabul and 09:00 in Tehran are the same instant, 05:30 UTC.
  CHECK(parse_instant("2026-12-06T10:00+04:30") == 1'796'535'000'000LL);
  CHECK(parse_instant("2026-12-06T09:00:00+03:30") == 1'796'535'000'000LL);
  CHECK(parse_instant("2026-12-06T00:30-05:00") == 1'796'535'000'000LL);
  CHECK(parse_instant("2026-12-06") == 1'796'515'200'000LL);  // midnight UTC: a day, for reports
  for (const char* wrong : {"2026-12-06T10:00", "2026-12-06T10:00:00", "2026-12-06 10:00Z", "2026-13-06", "2026-12-06T25:00Z",
                            "2026-12-06T10:00+4:30", "tomorrow", "", "2026-12-06T10:00Zz"}) {
    INFO(wrong);
    CHECK_FALSE(parse_instant(wrong));
  }
}
