// The health terms an unasked SMS must not name (R-S10): whole words and phrases, in any
// script and letter form, from the shipped lexicon.
#include "gateway/text/sensitive.hpp"

#include <catch2/catch.hpp>

#include "tests/support/support.hpp"

using namespace paygham;

namespace {

text::sensitive_terms shipped() {
  std::vector<std::string> problems;
  auto t = text::sensitive_terms::load(std::string(PAYGHAM_SOURCE_DIR) + "/lexicon/sensitive.yaml", problems);
  for (const auto& p : problems) UNSCOPED_INFO(p);
  REQUIRE(problems.empty());
  return t;
}

}  // namespace

TEST_CASE("sensitive terms: whole words and phrases are found, in any letter form and case", "[text]") {
  const auto terms = shipped();
  CHECK(terms.find("Your PREGNANCY check is tomorrow.") == "pregnancy");
  CHECK(terms.find("نوبت بارداری شما فردا است") == "بارداری");
  CHECK(terms.find("your blood pressure visit") == "blood pressure");
  CHECK(terms.find("د وینې فشار") == "د وینې فشار");
  // Arabic letter forms read as Persian ones (ي for ی), and punctuation ends a word.
  CHECK(terms.find("نوبت بارداري،") == "بارداری");
}

TEST_CASE("sensitive terms: a word that only contains a term is not it", "[text]") {
  const auto terms = shipped();
  CHECK(terms.find("هشدار مین برای قندهار") == "");   // Kandahar is not «قند»
  CHECK(terms.find("سلام، نوبت شما فردا است") == "");  // «سلام» is not «سل»
  CHECK(terms.find("Red Crescent: your visit is tomorrow, 10:00-12:00.") == "");
  CHECK(terms.find("blood test") == "");  // one word of a phrase is not the phrase
}
