// The screens the gateway draws itself (not a flow): the language picker and "continue where
// you left off?", as a basic phone shows them.
#include "gateway/runner/screens.hpp"

#include <catch2/catch.hpp>

#include "gateway/flow/engine.hpp"

using namespace paygham;

namespace {

text::catalog texts() {
  text::catalog t;
  for (const auto& [lang, heading, name] : {std::tuple{"prs", "زبان", "دری"}, {"fa", "زبان", "فارسی"},
                                             {"ps", "ژبه", "پښتو"}, {"en", "Language", "English"}}) {
    t.add(lang, std::string(flow::keys::choose_language), heading);
    t.add(lang, std::string(flow::keys::language_name), name);
  }
  t.add("en", std::string(flow::keys::resume), "Continue where you left off?");
  t.add("en", std::string(flow::keys::resume_continue), "Continue");
  t.add("en", std::string(flow::keys::resume_restart), "Start again");
  t.add("prs", std::string(flow::keys::resume), "ادامه می‌دهید؟");
  t.add("prs", std::string(flow::keys::resume_continue), "ادامه");
  t.add("prs", std::string(flow::keys::resume_restart), "از سر");
  return t;
}

}  // namespace

TEST_CASE("screens: the language picker names each language in its own script, under each heading once",
          "[runner]") {
  const auto t = texts();
  CHECK(runner::draw_language_picker(t, {"prs", "ps", "fa", "en"}, "") ==
        "زبان / ژبه / Language\n1 دری\n2 پښتو\n3 فارسی\n4 English");
  // After a reply it could not read: the reason first, then the same list.
  CHECK(runner::draw_language_picker(t, {"prs", "en"}, "Reply with a number:") ==
        "Reply with a number:\nزبان / Language\n1 دری\n2 English");
  // A language with no name in the texts is shown by its code rather than left out.
  CHECK(runner::draw_language_picker(t, {"en", "uz"}, "") == "Language\n1 English\n2 uz");
}

TEST_CASE("screens: continue-or-start-again is drawn in the person's language with its own digits", "[runner]") {
  const auto t = texts();
  CHECK(runner::draw_choice(t, {"en"}, runner::resume_screen, "") == "Continue where you left off?\n1. Continue\n2. Start again");
  CHECK(runner::draw_choice(t, {"prs", "en"}, runner::resume_screen, "") == "ادامه می‌دهید؟\n۱- ادامه\n۲- از سر");
  // A language without these texts falls back along the person's languages.
  CHECK(runner::draw_choice(t, {"ps", "en"}, runner::resume_screen, "1 or 2") == "1 or 2\nContinue where you left off?\n1. Continue\n2. Start again");
}
