#include "gateway/text/catalog.hpp"

#include <catch2/catch.hpp>

#include "tests/support/support.hpp"

using paygham::text::catalog;

TEST_CASE("text: templates load per language with nested keys flattened", "[text]") {
  std::vector<std::string> problems;
  const auto c = catalog::load_dir(paygham::test::fixture_path("templates/ok"), problems);
  CHECK(problems.empty());
  CHECK(c.languages() == std::vector<std::string>{"en", "fa"});
  REQUIRE(c.find("en", "visit.menu"));
  CHECK(c.find("en", "visit.menu")->text == "Visits");
  CHECK(c.find("fa", "visit.menu") == nullptr);
  // The fallback chain: fa lacks visit.menu, en has it.
  REQUIRE(c.resolve("visit.menu", {"fa", "en"}));
  CHECK(c.resolve("visit.menu", {"fa", "en"})->text == "Visits");
  CHECK(c.resolve("common.greeting", {"fa", "en"})->text.rfind("سلام", 0) == 0);
}

TEST_CASE("text: a text's explicit variant is chosen only when asked for, in the language the text is in",
          "[text]") {
  std::vector<std::string> problems;
  const auto c = catalog::load_dir(paygham::test::fixture_path("templates/ok"), problems);
  REQUIRE(problems.empty());
  CHECK(c.resolve("visit.due", {"fa", "en"})->text == "Your reminder for today.");
  CHECK(c.resolve("visit.due", {"fa", "en"}, true)->text == "Time for your medicine.");
  // A text without one stays itself; a language without the variant keeps its neutral text.
  CHECK(c.resolve("visit.menu", {"en"}, true)->text == "Visits");
  auto only_fa_neutral = c;
  only_fa_neutral.add("fa", "visit.due", "یادآوری امروز");
  CHECK(only_fa_neutral.resolve("visit.due", {"fa", "en"}, true)->text == "یادآوری امروز");
}

TEST_CASE("text: broken template files are reported with file and line", "[text]") {
  std::vector<std::string> problems;
  const auto c = catalog::load_dir(paygham::test::fixture_path("templates/broken"), problems);
  REQUIRE(problems.size() == 2);
  CHECK_THAT(problems[0], Catch::Contains("broken/en.yaml:4:") && Catch::Contains("must be text"));
  CHECK_THAT(problems[1], Catch::Contains("broken/fa.yaml:"));
  // What loaded cleanly is still there.
  CHECK(c.find("en", "common.fine"));
}

TEST_CASE("text: placeholders render, unknown ones stay visible, doubled braces are literal",
          "[text]") {
  const auto lookup = [](std::string_view n) -> std::optional<std::string> {
    if (n == "name") return "Maryam";
    return std::nullopt;
  };
  CHECK(paygham::text::render("Hello {name}, at {time}.", lookup) == "Hello Maryam, at {time}.");
  CHECK(paygham::text::render("Use {{curly}} braces", lookup) == "Use {curly} braces");
  CHECK(paygham::text::placeholders("{a} {b} {a} {{c}}") == std::vector<std::string>{"a", "b"});
}
