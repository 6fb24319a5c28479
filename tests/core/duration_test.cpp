#include "gateway/core/duration.hpp"

#include <catch2/catch.hpp>

using paygham::core::parse_duration;

TEST_CASE("core: durations read the units operators write", "[core]") {
  CHECK(parse_duration("250ms").value().count() == 250);
  CHECK(parse_duration("10s").value().count() == 10'000);
  CHECK(parse_duration("0").value().count() == 0);  // "keep for good" in a retention
  CHECK_FALSE(parse_duration("5").ok());
  CHECK(parse_duration("15m").value().count() == 900'000);
  CHECK(parse_duration("2h").value().count() == 7'200'000);
  CHECK(parse_duration("1d").value().count() == 86'400'000);
}

TEST_CASE("core: a duration without a known unit says what to write", "[core]") {
  for (const char* bad : {"10", "s", "-5s", "10 s", "1w", "", "99999999999999999999d"}) {
    auto r = parse_duration(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().find("e.g. 500ms") != std::string::npos);
  }
}
