#include "gateway/text/normalize.hpp"

#include <catch2/catch.hpp>

using paygham::text::normalize;

TEST_CASE("text: replies are normalised the way R-S2 lists", "[text]") {
  struct row {
    const char* raw;
    const char* want;
  };
  const row rows[] = {
      {"۱", "1"},                        // Persian digit
      {"١٢", "12"},                      // Arabic-Indic digits
      {"१", "1"},                        // any decimal digit script
      {"  YES\t please ", "yes please"}, // case, spaces
      {"ﻻ", "لا"},                      // presentation form (NFKC)
      {"علي", "علی"},                    // Arabic yeh → Farsi yeh
      {"كمك", "کمک"},                    // Arabic kaf → keheh
      {"نمی‌خوام", "نمیخوام"},           // ZWNJ removed
      {"سلامـــت", "سلامت"},             // tatweel
      {"مَرحَبا", "مرحبا"},              // harakat
      {"آره", "اره"},                    // alef madda folded for matching
      {"خانۀ", "خانه"},
      {"ښه ګډ", "ښه ګډ"},                // Pashto letters stay
      {"بله؟", "بله?"},
      {"1\u00A0\u2003ok", "1 ok"},       // NBSP and em space
      {"\u200Fبله\u200E", "بله"},        // bidi marks
      {"STRASSE ß", "strasse ss"},       // full case folding
  };
  for (const auto& r : rows) {
    INFO(r.raw);
    CHECK(normalize(r.raw) == r.want);
  }
}
