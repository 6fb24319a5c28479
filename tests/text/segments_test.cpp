#include "gateway/text/segments.hpp"

#include <catch2/catch.hpp>

using paygham::text::encoding;
using paygham::text::measure_sms;

namespace {

std::string rep(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("text: segment boundaries for GSM-7 and UCS-2", "[text]") {
  struct row {
    std::string text;
    encoding enc;
    std::size_t units, parts;
  };
  const row rows[] = {
      {"", encoding::gsm7, 0, 1},
      {rep("a", 160), encoding::gsm7, 160, 1},
      {rep("a", 161), encoding::gsm7, 161, 2},
      {rep("a", 306), encoding::gsm7, 306, 2},
      {rep("a", 307), encoding::gsm7, 307, 3},
      {rep("{", 80), encoding::gsm7, 160, 1},
      {rep("{", 81), encoding::gsm7, 162, 2},
      // An escape pair is never split: the 153rd septet would be half of '{'.
      {rep("a", 152) + "{" + rep("a", 152), encoding::gsm7, 306, 3},
      {rep("a", 159) + "€", encoding::gsm7, 161, 2},
      {rep("ж", 70), encoding::ucs2, 70, 1},
      {rep("ж", 71), encoding::ucs2, 71, 2},
      {rep("ж", 134), encoding::ucs2, 134, 2},
      {rep("ж", 135), encoding::ucs2, 135, 3},
      {rep("😀", 35), encoding::ucs2, 70, 1},
      {rep("😀", 36), encoding::ucs2, 72, 2},
      // A surrogate pair is never split either.
      {rep("ж", 66) + "😀" + rep("ж", 66), encoding::ucs2, 134, 3},
      {"ç", encoding::ucs2, 1, 1},
      {"Ç", encoding::gsm7, 1, 1},
      {"$@_", encoding::gsm7, 3, 1},
      // The ends of the tables, and a letter just past them.
      {"ΩΨ€", encoding::gsm7, 4, 1},
      {"Ωω", encoding::ucs2, 2, 1},
      {"سلام €", encoding::ucs2, 6, 1},
  };
  for (const auto& r : rows) {
    INFO(r.text.substr(0, 40) << " (" << r.text.size() << " bytes)");
    const auto m = measure_sms(r.text);
    CHECK(m.enc == r.enc);
    CHECK(m.units == r.units);
    CHECK(m.parts == r.parts);
    // The quick count a USSD screen's check uses agrees with the full measure.
    const auto quick = paygham::text::measure_units(r.text);
    CHECK(quick.enc == r.enc);
    CHECK(quick.units == r.units);
  }
}

TEST_CASE("text: a part ends where the oracle ends it, and parts rebuild the text", "[text]") {
  const std::string text = rep("a", 152) + "{" + rep("a", 152);
  const auto m = measure_sms(text);
  REQUIRE(m.part_units == std::vector<std::size_t>{152, 153, 1});
  std::string joined;
  for (const auto& p : paygham::text::split_sms(text)) joined += p;
  CHECK(joined == text);
}

TEST_CASE("text: one Persian letter makes the whole text UCS-2 and is named", "[text]") {
  const auto m = measure_sms("Your visit is tomorrow at 10. سلام");
  CHECK(m.enc == encoding::ucs2);
  CHECK(m.non_gsm == std::vector<std::string>{"س", "ل", "ا", "م"});
  const auto persian = measure_sms("سلام، نوبت شما فردا ساعت ۱۰ است");
  CHECK(persian.enc == encoding::ucs2);
  CHECK(persian.units == 31);
  CHECK(persian.parts == 1);
  CHECK(persian.per_part == 70);
}

TEST_CASE("text: letters with their marks and emoji sequences stay whole", "[text]") {
  // e + combining acute is one grapheme of two units.
  const auto m = measure_sms(rep("ж", 66) + "e\u0301" + rep("ж", 10));
  CHECK(m.enc == encoding::ucs2);
  CHECK(m.part_units.at(0) == 66);
  // A family emoji (man ZWJ woman ZWJ girl) is 8 units and one grapheme.
  const auto fam = measure_sms(rep("ж", 62) + "👨‍👩‍👧" + "ж");
  CHECK(fam.units == 71);
  CHECK(fam.part_units == std::vector<std::size_t>{62, 9});
}

TEST_CASE("text: smart replacements keep English in GSM-7, invisible characters are named",
          "[text]") {
  const std::string typographic = "It’s “ready” – see you…\u00A0soon";
  CHECK(measure_sms(typographic).enc == encoding::ucs2);
  const std::string smart = paygham::text::smart_gsm(typographic);
  CHECK(smart == "It's \"ready\" - see you... soon");
  CHECK(measure_sms(smart).enc == encoding::gsm7);
  CHECK(measure_sms("Hello\u200F world").non_gsm == std::vector<std::string>{"U+200F"});
}
