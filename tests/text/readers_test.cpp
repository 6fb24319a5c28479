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
    l.load_answers(std::string(PAYGHAM_SOURCE_DIR) + "/lexicon/answers.yaml", problems);
    REQUIRE(problems.empty());
    return l;
  }();
  return lx;
}

}  // namespace

TEST_CASE("text: menu choices are read through their decorations", "[text]") {
  for (const char* raw : {"1", "۱", "١", "1.", "(1)", "1)", "۱-", "#1", " 1 ", "1 ok", "1 بله", "1 OK!", "1،", "1,", "1 .", "۱ ."}) {
    INFO(raw);
    CHECK(read_choice(normalize(raw), words()) == 1L);
  }
  // Numbers in words are the flow's to read (lexicon/answers.yaml), where they are safe: never a
  // yes/no («دو» people hurt is not "no"), nor a language or a screen of the gateway's own.
  for (const char* raw : {"", "one", "دو", "1 no", "1 2", "1 نه", "x1", "1 maybe"}) {
    INFO(raw);
    CHECK_FALSE(read_choice(normalize(raw), words()).has_value());
  }
  CHECK(read_choice(normalize("۱۲"), words()) == 12L);
  for (const auto& [raw, n] : {std::pair{"One", 1L}, {"دو", 2L}, {"دوم!", 2L}, {"اول", 1L}, {"درې", 3L}, {"yek", 1L}}) {
    INFO(raw);
    CHECK(words().number(normalize(raw)) == n);
  }
  for (const char* raw : {"نه", "دو؟", "one two", "do"}) {
    INFO(raw);
    CHECK_FALSE(words().number(normalize(raw)).has_value());
  }
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

TEST_CASE("text: a stop word acts only as the whole message, a sentence that starts with one never", "[text]") {
  const keywords k({"STOP", "11", "لغو", "STOP ALL"}, {"START", "12"}, {"HELP", "کمک"}, {"please", "لطفا"});
  const auto read = [&](const char* raw) { return std::string(to_string(read_global(normalize(raw), k))); };
  for (const char* stop : {"STOP", "stop.", " Stop! ", "۱۱", "١١", "11؟", "لغو", "لغو،", "please stop", "stop please",
                           "لطفا لغو", "STOP ALL", "stop all!"}) {
    INFO(stop);
    CHECK(read(stop) == "stop");
  }
  CHECK(read("12") == "start");
  CHECK(read("start!") == "start");
  CHECK(read("help?") == "help");
  CHECK(read("کمک!") == "help");
  // Hazard reports, questions and sentences are read by the flow or a person.
  for (const char* sentence : {"۱۱ نفر زخمی شدند", "11 people were injured", "stop sending me these", "12 kids",
                               "help me please there is a mine", "لغو نوبت فردا", "please", "", "11 11 11"}) {
    INFO(sentence);
    CHECK(read(sentence) == "none");
  }
  // What looks like an attempt to stop is asked about, never acted on.
  for (const char* unsure : {"stop it", "STOPP", "لغوو", "لغو کن", "please stop it", "stopp!"}) {
    INFO(unsure);
    CHECK(read(unsure) == "ask_stop");
  }
  CHECK(read("11 it") == "none");  // a number starts many sentences
  CHECK(read("111") == "none");     // one edit from 11, but numbers are not guessed
  CHECK(read("hello") == "none");
  // The words compared, which an open question's options are read against too (R-S6).
  CHECK(without_polite(normalize("لطفا لغو!"), k) == "لغو");
  CHECK(without_polite(normalize("Please, cancel the visit please"), k) == "cancel the visit");
  CHECK(without_polite(normalize("please"), k) == "please");  // never left with nothing
}

TEST_CASE("text: a word of its own beside a stop word is no typo of it, and a cancel word is found among words",
          "[text]") {
  keywords k({"STOP", "11", "لغو", "قطع", "CANCEL"}, {"START"}, {"HELP"}, {"please", "لطفا"});
  k.set_cancel({"CANCEL", "لغو"});
  const auto read = [&](const char* raw) { return std::string(to_string(read_global(normalize(raw), k))); };
  CHECK(read("قطعا") == "ask_stop");  // a letter more than «قطع»: maybe a typo
  k.set_not_stop({"قطعاً"});         // «قطعا», "definitely", written with its tanwin
  CHECK(read("قطعا") == "none");
  CHECK(read("قطعا!") == "none");
  CHECK(read("قطعع") == "ask_stop");  // other typos are still asked about
  CHECK(cancel_word_in(normalize("لطفا لغو کنید"), k) == "لغو");
  CHECK(cancel_word_in(normalize("Cancel it please"), k) == "cancel");
  CHECK(cancel_word_in(normalize("stop it"), k).empty());  // a stop word, not one that may mean cancelling
  CHECK(cancel_word_in(normalize("لغوو"), k).empty());
}

TEST_CASE("text: a yes or no that asks back is no answer", "[text]") {
  lexicon words;
  words.add(true, "بله");
  words.add(true, "ok");
  words.add(false, "نه");
  for (const char* asked : {"بله؟", "ok?", "1?", "۱ ؟", "نه?"}) {
    INFO(asked);
    CHECK_FALSE(read_yes_no(normalize(asked), words).has_value());
    CHECK(asks_back(normalize(asked)));
  }
  CHECK(read_yes_no(normalize("بله!"), words) == std::optional<bool>(true));
  CHECK(read_yes_no(normalize("۲."), words) == std::optional<bool>(false));
  CHECK_FALSE(asks_back(normalize("کی نوبت دارم؟ بله")));
}

TEST_CASE("text: yes and no with numbers: 1 agrees with yes, 2 with no, a mix is not guessed", "[text]") {
  CHECK(read_yes_no(normalize("1"), words()) == std::optional<bool>(true));
  CHECK(read_yes_no(normalize("۲"), words()) == std::optional<bool>(false));
  CHECK(read_yes_no(normalize("1 بله"), words()) == std::optional<bool>(true));
  CHECK(read_yes_no(normalize("2 نه"), words()) == std::optional<bool>(false));
  CHECK(read_yes_no(normalize("بله!"), words()) == std::optional<bool>(true));
  CHECK_FALSE(read_yes_no(normalize("2 بله"), words()).has_value());
  CHECK_FALSE(read_yes_no(normalize("1 no"), words()).has_value());
  CHECK_FALSE(read_yes_no(normalize("3"), words()).has_value());
}

TEST_CASE("readers: a record's number is ASCII digits only, at most 18", "[text]") {
  CHECK(read_id("42") == 42);
  CHECK(read_id("999999999999999999") == 999'999'999'999'999'999LL);
  CHECK_FALSE(read_id("9999999999999999999"));  // 19 digits: past int64
  CHECK_FALSE(read_id(""));
  CHECK_FALSE(read_id("-1"));
  CHECK_FALSE(read_id(" 4"));
  CHECK_FALSE(read_id("۴۲"));  // an id is not typed by a person
  CHECK_FALSE(read_id("1%2F.."));
}

TEST_CASE("text: a phone that typed Pashto's own letters shows them, and only Pashto has such letters",
          "[text]") {
  CHECK(has_own_letters("زه معلومات غواړم", "ps"));
  CHECK(has_own_letters("ښه", "ps"));
  CHECK_FALSE(has_own_letters("زه معلومات غوارم", "ps"));  // the same words, typed on a Persian keyboard
  CHECK_FALSE(has_own_letters("۱۲ ؟", "ps"));               // digits and marks say nothing
  CHECK_FALSE(has_own_letters("زه معلومات غواړم", "prs"));  // Dari has no letters of its own
}
