#include "gateway/text/lint.hpp"

#include <catch2/catch.hpp>

#include "gateway/text/catalog.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/screen.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

bool has(const std::vector<std::string>& problems, const std::string& a, const std::string& b) {
  return std::any_of(problems.begin(), problems.end(), [&](const std::string& p) {
    return p.find(a) != std::string::npos && p.find(b) != std::string::npos;
  });
}

}  // namespace

TEST_CASE("text: template lint names each broken rule with its place", "[text]") {
  std::vector<std::string> problems;
  const auto c = text::catalog::load_dir(test::fixture_path("templates/lint"), problems);
  REQUIRE(problems.empty());
  text::lint_templates(c, problems);
  for (const auto& p : problems) UNSCOPED_INFO(p);
  CHECK(has(problems, "fa.yaml: missing 'common.only_in_english'", "en.yaml:3:"));
  CHECK(has(problems, "fa.yaml:2:", "'common.visit' uses {day} but"));
  CHECK(has(problems, "en.yaml:5:", "unknown formatter 'colour'"));
  CHECK(has(problems, "en.yaml:6:", "UCS-2 only because of U+00A0"));
  CHECK(has(problems, "en.yaml:8:", "'appt.reminder_long' takes 2 SMS parts"));
  CHECK(has(problems, "en.yaml:8:", "its budget is 1"));
  CHECK(has(problems, "en.yaml:18:", "the explicit variant of 'options.named' uses {when} but its text uses {time}"));
  CHECK(has(problems, "fa.yaml:12:", "the explicit variant of 'options.named' uses {when}"));
  CHECK(problems.size() == 8);  // fa's colour repeats the unknown formatter
}

TEST_CASE("text: a placeholder never closed, or a lone brace, is refused, and doubled braces are braces", "[text]") {
  text::catalog c;
  c.add("en", "common.unclosed", "Families registered. Emergency: {emergency.");
  c.add("en", "common.lone", "Reply 1} to confirm.");
  c.add("en", "common.nested", "Call {emer{gency}.");
  c.add("en", "common.doubled", "Write {{name}} as it is; call {emergency}.");
  std::vector<std::string> problems;
  text::lint_templates(c, problems);
  for (const auto& p : problems) UNSCOPED_INFO(p);
  CHECK(has(problems, "'common.unclosed' has a brace that is not closed", "{{ or }}"));
  CHECK(has(problems, "'common.lone' has a brace", "{name}"));
  CHECK(has(problems, "'common.nested' has a brace", "{name}"));
  CHECK(problems.size() == 3);
}

TEST_CASE("text: a combining mark in a Dari or Farsi text is a warning with its place", "[text]") {
  text::catalog c;
  c.add("fa", "common.please", "لطفاً صبر کنید");  // tanwin
  c.add("prs", "common.month", "سنبلهٔ");          // hamza above
  c.add("ps", "common.please", "مهرباني وکړئ");
  c.add("en", "common.please", "Please wait");
  c.add("en", "common.month", "Virgo");
  std::vector<std::string> problems, warnings;
  text::lint_templates(c, problems, &warnings);
  for (const auto& w : warnings) UNSCOPED_INFO(w);
  CHECK(warnings.size() == 2);
  CHECK(has(warnings, "'common.please' has the combining mark U+064B (tanwin)", "feature phones"));
  CHECK(has(warnings, "'common.month' has the combining mark U+0654 (hamza above)", "box"));
}

TEST_CASE("text: the shipped templates pass lint, without warnings", "[text]") {
  std::vector<std::string> problems, warnings;
  const auto c = text::catalog::load_dir(std::string(PAYGHAM_SOURCE_DIR) + "/templates", problems);
  text::lint_templates(c, problems, &warnings);
  CHECK(problems.empty());
  CHECK(warnings.empty());
}

TEST_CASE("text: budgets follow the key's name", "[text]") {
  CHECK(text::sms_budget("appt.reminder_24h") == 1);
  CHECK(text::sms_budget("appt.confirmed") == 2);
  CHECK(text::sms_budget("mine.alert_area") == 2);
  CHECK(text::sms_budget("welcome.menu") == 3);
}

TEST_CASE("text: USSD screens are checked against the route's limits", "[text]") {
  const text::screen_limits limits;  // 182 / 160 / 80
  CHECK(text::check_screen(std::string(160, 'a'), limits).result == text::screen_check::fits);
  CHECK(text::check_screen(std::string(161, 'a'), limits).result == text::screen_check::long_warning);
  CHECK(text::check_screen(std::string(182, 'a'), limits).result == text::screen_check::long_warning);
  CHECK(text::check_screen(std::string(183, 'a'), limits).result == text::screen_check::too_long);
  std::string persian;
  for (int i = 0; i < 80; ++i) persian += "س";
  CHECK(text::check_screen(persian, limits).result == text::screen_check::fits);
  CHECK(text::check_screen(persian + "\n", limits).result == text::screen_check::too_long);
  const auto c = text::check_screen(std::string(91, '{'), limits);  // 182 septets
  CHECK(c.units == 182);
  CHECK(c.result == text::screen_check::long_warning);
  const text::screen_limits strict{182, 160, 79};
  CHECK(text::check_screen(persian, strict).result == text::screen_check::too_long);
  // R-U4: a route without UCS-2 takes GSM 7-bit only; one Persian letter (or a curly quote)
  // would reach the phone as a box.
  text::screen_limits latin;
  latin.ucs2 = false;
  CHECK(text::check_screen(std::string(160, 'a'), latin).result == text::screen_check::fits);
  CHECK(text::check_screen("س", latin).result == text::screen_check::needs_ucs2);
  CHECK(text::check_screen("Don\u2019t", latin).result == text::screen_check::needs_ucs2);
  CHECK_THAT(text::over_the_limit(text::check_screen("س", latin)), Catch::Contains("carries no UCS-2"));
}

TEST_CASE("lint: a route without UCS-2 shows a language's Latin letters where templates has them, else the next "
          "language's, else English",
          "[text]") {
  text::catalog texts;
  for (const char* lang : {"en", "fa", "prs", "ps", "prs-Latn"}) texts.add(lang, "common.more", "x");
  CHECK(texts.in_latin_letters({"prs", "fa", "en"}) == std::vector<std::string>{"prs-Latn", "en"});
  CHECK(texts.in_latin_letters({"ps", "prs", "en"}) == std::vector<std::string>{"prs-Latn", "en"});
  CHECK(texts.in_latin_letters({"ps"}) == std::vector<std::string>{"en"});
  // Dari in Latin letters is not a language a person can be given.
  CHECK(texts.languages() == std::vector<std::string>{"en", "fa", "prs", "ps"});
  CHECK(texts.latin_letters() == std::vector<std::string>{"prs-Latn"});
  CHECK_FALSE(texts.knows("prs-Latn"));  // the API, the import and the simulator refuse it as a person's language
}
