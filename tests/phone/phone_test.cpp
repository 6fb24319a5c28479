#include "gateway/phone/phone.hpp"

#include <catch2/catch.hpp>

using paygham::phone::parse_e164;

TEST_CASE("phone: numbers as aggregators and people write them become E.164", "[phone]") {
  struct row {
    const char* in;
    const char* region;
    const char* out;
  };
  const row rows[] = {
      {"+93700000001", "AF", "+93700000001"},
      {"+93 70 000 0001", "AF", "+93700000001"},
      {"0093700000001", "AF", "+93700000001"},
      {"0700000001", "AF", "+93700000001"},
      {"09121234567", "IR", "+989121234567"},
      {"+254711000000", "AF", "+254711000000"},
      {"۰۷۰۰۰۰۰۰۰۱", "AF", "+93700000001"},  // Persian digits
      {"+390612345678", "AF", "+390612345678"},  // Italy keeps its leading zero
      {"+16502530000", "IR", "+16502530000"},
      {"+982188776655", "AF", "+982188776655"},
      // R-L6: dashes, brackets, no trunk 0, Arabic-Indic digits, as people write them.
      {"0700-000-001", "AF", "+93700000001"},
      {"(0700) 000 001", "AF", "+93700000001"},
      {"+93 (70) 000-0001", "AF", "+93700000001"},
      {"700000001", "AF", "+93700000001"},
      {"912 123 4567", "IR", "+989121234567"},
      {"٠٧٠٠٠٠٠٠٠١", "AF", "+93700000001"},
  };
  for (const auto& r : rows) {
    INFO(r.in);
    auto e = parse_e164(r.in, r.region);
    REQUIRE(e.ok());
    CHECK(e.value() == r.out);
  }
}

TEST_CASE("phone: what cannot be a number is an error that quotes it", "[phone]") {
  for (const char* bad : {"", "hello", "+1", "+999123456789", "12"}) {
    INFO(bad);
    auto e = parse_e164(bad, "AF");
    REQUIRE_FALSE(e.ok());
  }
  CHECK(parse_e164("hello", "AF").error().find("'hello'") != std::string::npos);
}

TEST_CASE("phone: a number whose digits read two ways is refused, never stored as two people", "[phone]") {
  // Found by fuzzing: written as E.164 it lost a national prefix, and read again it lost another.
  const auto e = parse_e164("+8800020202002", "AF");
  REQUIRE_FALSE(e.ok());
  CHECK_THAT(e.error(), Catch::Contains("read two ways"));
  // Every number accepted reads back as itself.
  for (const char* good : {"+39 06 1234 5678", "0700 000 001", "+98 912 123 4567", "+8801712345678"}) {
    INFO(good);
    const auto once = parse_e164(good, "AF");
    REQUIRE(once.ok());
    CHECK(parse_e164(once.value(), "AF").value() == once.value());
  }
}

TEST_CASE("phone: mobile numbers are told from fixed lines", "[phone]") {
  CHECK(paygham::phone::is_mobile("+93700123456"));
  CHECK(paygham::phone::is_mobile("+989121234567"));
  CHECK_FALSE(paygham::phone::is_mobile("+982188776655"));  // a Tehran landline
  CHECK_FALSE(paygham::phone::is_mobile("not a number"));
}

TEST_CASE("phone: national numbers of several countries, each read where it is valid", "[phone]") {
  using paygham::phone::parse_e164;
  // Refugees in Iran (09…) and those who moved home to Afghanistan (07…), one config.
  CHECK(parse_e164("09121234567", "IR,AF").value() == "+989121234567");
  CHECK(parse_e164("0912 123 4567", "AF,IR").value() == "+989121234567");
  CHECK(parse_e164("0700000001", "IR,AF").value() == "+93700000001");
  CHECK(parse_e164("۰۷۰۰۰۰۰۰۰۱", "IR,AF").value() == "+93700000001");
  CHECK(parse_e164("+93700000001", "IR,AF").value() == "+93700000001");
  const auto bad = parse_e164("0812", "IR,AF");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error(), Catch::Contains("'0812'") && Catch::Contains("IR, AF"));
  CHECK(paygham::phone::region_of("+989121234567") == "IR");
  CHECK(paygham::phone::region_of("+93700000001") == "AF");
}
