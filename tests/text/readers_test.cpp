#include "gateway/text/readers.hpp"

#include <catch2/catch.hpp>

#include "gateway/text/lexicon.hpp"
#include "gateway/text/normalize.hpp"
#include "tests/support/support.hpp"

using namespace paygham::text;

namespace {

const lexicon& words() {
  static const lexicon lx = [] {
    std::vector<std::string> problems;
    auto l = lexicon::load(std::string(PAYGHAM_SOURCE_DIR) + "/lexicon/yes_no.yaml", problems);
    REQUIRE(problems.empty());
    return l;
  }();
  return lx;
}

}  // namespace

TEST_CASE("text: menu choices are read through their decorations", "[text]") {
  for (const char* raw : {"1", "۱", "١", "1.", "(1)", "1)", "۱-", "#1", " 1 ", "1 ok", "1 بله", "1 OK!"}) {
    INFO(raw);
    CHECK(read_choice(normalize(raw), words()) == 1L);
  }
  for (const char* raw : {"", "one", "1 no", "1 2", "1 نه", "x1", "1 maybe"}) {
    INFO(raw);
    CHECK_FALSE(read_choice(normalize(raw), words()).has_value());
  }
  CHECK(read_choice(normalize("۱۲"), words()) == 12L);
}

TEST_CASE("text: yes and no in every shipped language", "[text]") {
  for (const char* yes : {"بله", "بلی", "آره", "yes", "Y", "ok", "هو", "bale", "درست", "بله."}) {
    INFO(yes);
    CHECK(read_yes_no(normalize(yes), words()) == std::optional<bool>(true));
  }
  for (const char* no : {"نه", "خیر", "نمی‌خوام", "no", "N", "nakheir", "نا"}) {
    INFO(no);
    CHECK(read_yes_no(normalize(no), words()) == std::optional<bool>(false));
  }
  CHECK_FALSE(read_yes_no(normalize("maybe"), words()).has_value());
}

TEST_CASE("text: integers in a range", "[text]") {
  CHECK(read_integer(normalize("۲۴"), 1, 42) == 24L);
  CHECK_FALSE(read_integer(normalize("43"), 1, 42).has_value());
  CHECK_FALSE(read_integer(normalize("2 4"), 1, 42).has_value());
  CHECK_FALSE(read_integer(normalize("-3"), -5, 5).has_value());
}

TEST_CASE("text: dates typed as Solar Hijri or Gregorian", "[text]") {
  const civil_date nov28{2026, 11, 28};
  CHECK(read_date(normalize("1405/9/7")) == nov28);
  CHECK(read_date(normalize("۱۴۰۵/۹/۷")) == nov28);
  CHECK(read_date(normalize("7/9/1405")) == nov28);
  CHECK(read_date(normalize("2026-11-28")) == nov28);
  CHECK(read_date(normalize("28.11.2026")) == nov28);
  CHECK(read_date(normalize("1405/1/1")) == civil_date{2026, 3, 21});
  CHECK_FALSE(read_date(normalize("1405/12/31")).has_value());  // Esfand has 29 days in 1405
  CHECK_FALSE(read_date(normalize("2026-02-30")).has_value());
  CHECK_FALSE(read_date(normalize("7/9")).has_value());
  CHECK_FALSE(read_date(normalize("tomorrow")).has_value());
}

TEST_CASE("text: keywords match exactly or by prefix; one edit away asks", "[text]") {
  const std::vector<std::string> keys{"MINE", "ماین", "STOP"};
  CHECK(match_keyword(normalize("mine"), keys).how == keyword_match::exact);
  CHECK(match_keyword(normalize("MINE near the school"), keys).keyword == "MINE");
  CHECK(match_keyword(normalize("ماین"), keys).how == keyword_match::exact);
  CHECK(match_keyword(normalize("mines"), keys).how == keyword_match::near);
  const auto typo = match_keyword(normalize("STOPP"), keys);
  CHECK(typo.how == keyword_match::near);
  CHECK(typo.keyword == "STOP");
  CHECK(match_keyword(normalize("hello"), keys).how == keyword_match::none);
  CHECK(match_keyword(normalize("minefield"), keys).how == keyword_match::none);
}
