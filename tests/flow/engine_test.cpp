#include "gateway/flow/engine.hpp"

#include <catch2/catch.hpp>
#include <tuple>

#include "gateway/text/catalog.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

// One fixture flow from tests/fixtures/<dir>, with the texts a test gives it.
struct fixture {
  flow::flow_set set;
  text::catalog texts;
  const flow::definition* f = nullptr;

  fixture(const char* dir, const char* id,
          std::initializer_list<std::tuple<const char*, const char*, const char*>> lang_key_text) {
    std::vector<std::string> problems;
    set = flow::flow_set::load_dir(test::fixture_path(dir), problems);
    REQUIRE(problems.empty());
    f = set.by_id(id);
    REQUIRE(f);
    for (const auto& [lang, key, text] : lang_key_text) texts.add(lang, key, text);
  }

  flow::context ctx(flow::medium m = flow::medium::ussd, std::vector<std::string> langs = {"en"}) const {
    return flow::context{.via = m, .langs = std::move(langs), .texts = &texts};
  }
};

fixture survey() {
  return fixture("flows/ok", "survey",
                 {{"en", "survey.intro", "Thank you for visiting."},
                  {"en", "survey.rate", "How was your visit?"},
                  {"en", "survey.good", "Good"},
                  {"en", "survey.bad", "Bad"},
                  {"en", "survey.thanks", "Glad to hear it ({rating})."},
                  {"en", "survey.sorry", "We are sorry. A nurse will call you."},
                  {"en", "common.invalid", "Sorry, reply with a number."},
                  {"en", "common.too_many_invalid", "Please dial again later."},
                  {"en", "common.error", "Service unavailable."},
                  {"fa", "survey.rate", "ویزیت شما چطور بود؟"}});
}

// Seven districts: more than one USSD page of five.
fixture districts() {
  return fixture("flows/paging", "districts",
                 {{"en", "d.which", "District?"}, {"en", "d.a", "A"}, {"en", "d.b", "B"},
                  {"en", "d.c", "C"}, {"en", "d.d", "D"}, {"en", "d.e", "E"}, {"en", "d.f", "F"},
                  {"en", "d.g", "G"}, {"en", "d.sure", "Sure?"}, {"en", "d.yes", "Yes"},
                  {"en", "d.done", "Done ({district})."}, {"en", "common.more", "More"},
                  {"en", "common.back", "Back"}, {"en", "common.goodbye", "Goodbye."},
                  {"en", "common.invalid", "Sorry."}, {"en", "common.too_many_invalid", "Dial again."}});
}

}  // namespace

TEST_CASE("flow: over USSD, says and the first ask make one screen", "[flow]") {
  auto fx = survey();
  const auto out = flow::start(*fx.f, fx.ctx(flow::medium::ussd));
  CHECK_FALSE(out.finished);
  CHECK(out.error.empty());
  CHECK(out.screen == "Thank you for visiting.\nHow was your visit?\n1. Good\n2. Bad");
  CHECK(out.messages.empty());
  CHECK(out.next.node == "rate");
}

TEST_CASE("flow: a reason that would push the question off the route's screen is dropped, never the question",
          "[flow]") {
  auto fx = survey();
  auto ctx = fx.ctx(flow::medium::ussd);
  ctx.screen.gsm7_max = 50;  // a tight route: the question (35 septets) fits, with the reason it does not
  auto out = flow::start(*fx.f, ctx);
  out = flow::resume(*fx.f, out.next, "7", ctx);
  CHECK(out.screen == "How was your visit?\n1. Good\n2. Bad");
  CHECK(out.next.invalid == 1);
  ctx.screen.gsm7_max = 182;
  out = flow::resume(*fx.f, out.next, "8", ctx);
  CHECK(out.screen == "Sorry, reply with a number.\nHow was your visit?\n1. Good\n2. Bad");
  // Over SMS nothing is cut: a message may take two parts.
  auto sms = fx.ctx(flow::medium::sms);
  sms.screen.gsm7_max = 10;
  CHECK(flow::with_reason("Why", "Question", sms) == "Why\nQuestion");
}

TEST_CASE("flow: over SMS, each say and ask is its own message", "[flow]") {
  auto fx = survey();
  const auto out = flow::start(*fx.f, fx.ctx(flow::medium::sms));
  REQUIRE(out.messages.size() == 2);
  CHECK(out.messages[0] == "Thank you for visiting.");
  CHECK(out.messages[1] == "How was your visit?\n1. Good\n2. Bad");
}

TEST_CASE("flow: a choice saves its value and leads to its node", "[flow]") {
  auto fx = survey();
  auto ctx = fx.ctx(flow::medium::ussd);
  auto out = flow::start(*fx.f, ctx);
  out = flow::resume(*fx.f, out.next, " 1 ", ctx);
  CHECK(out.finished);
  CHECK(out.screen == "Glad to hear it (good).");
  CHECK(out.next.vars.at("rating") == "good");
}

TEST_CASE("flow: an invalid reply re-shows the same screen with a reason, three end the run",
          "[flow]") {
  auto fx = survey();
  auto ctx = fx.ctx(flow::medium::ussd);
  auto out = flow::start(*fx.f, ctx);
  out = flow::resume(*fx.f, out.next, "7", ctx);
  CHECK_FALSE(out.finished);
  CHECK(out.screen == "Sorry, reply with a number.\nHow was your visit?\n1. Good\n2. Bad");
  CHECK(out.next.invalid == 1);
  out = flow::resume(*fx.f, out.next, "yes", ctx);
  CHECK_FALSE(out.finished);
  out = flow::resume(*fx.f, out.next, "", ctx);
  CHECK(out.finished);
  CHECK(out.screen == "Please dial again later.");
  // A valid answer after an invalid one resets the count.
  out = flow::start(*fx.f, ctx);
  out = flow::resume(*fx.f, out.next, "x", ctx);
  out = flow::resume(*fx.f, out.next, "2", ctx);
  CHECK(out.finished);
  CHECK(out.screen == "We are sorry. A nurse will call you.");
}

TEST_CASE("flow: texts come from the first language that has them", "[flow]") {
  auto fx = survey();
  const auto out = flow::start(*fx.f, fx.ctx(flow::medium::ussd, {"fa", "en"}));
  // The question is Farsi, so its options are numbered in Persian digits.
  CHECK(out.screen == "Thank you for visiting.\nویزیت شما چطور بود؟\n۱- Good\n۲- Bad");
}

TEST_CASE("flow: a missing text ends the run with the error text, not a crash", "[flow]") {
  auto fx = survey();
  text::catalog sparse;
  sparse.add("en", "common.error", "Service unavailable.");
  const flow::context ctx{.via = flow::medium::ussd, .langs = {"en"}, .texts = &sparse};
  const auto out = flow::start(*fx.f, ctx);
  CHECK(out.finished);
  CHECK(out.screen == "Service unavailable.");
  CHECK_THAT(out.error, Catch::Contains("survey.intro"));
}

TEST_CASE("flow: a template marked smart is sent with GSM-7 quotes and dashes", "[flow]") {
  std::vector<std::string> problems;
  const auto texts = text::catalog::load_dir(test::fixture_path("templates/lint"), problems);
  const auto f = flow::parse_flow("smart", "smart.yaml",
                                  "start: bye\nnodes:\n  bye:\n    end: options.smart_quotes\n",
                                  problems);
  REQUIRE(problems.empty());
  REQUIRE(texts.find("en", "options.smart_quotes")->smart);
  CHECK(texts.find("en", "options.long_but_allowed")->parts == 2);
  const auto out = flow::start(*f, flow::context{.via = flow::medium::sms, .langs = {"en"}, .texts = &texts});
  REQUIRE(out.messages.size() == 1);
  CHECK(out.messages[0] == "It's time - see you...");
}


TEST_CASE("flow: a long USSD menu pages with 98 More and 0 Back", "[flow]") {
  auto fx = districts();
  auto out = flow::start(*fx.f, fx.ctx());
  CHECK(out.screen == "District?\n1. A\n2. B\n3. C\n4. D\n5. E\n98. More");
  // The numbers offered, for a route that shows only them (R-U4).
  CHECK(out.numbers == std::vector<int>{1, 2, 3, 4, 5, 98});
  out = flow::resume(*fx.f, out.next, "98", fx.ctx());
  CHECK(out.screen == "District?\n6. F\n7. G\n0. Back");
  CHECK(out.numbers == std::vector<int>{6, 7, 0});
  // No third page: the same page again, never a wrong answer (three would end the session).
  for (int i = 0; i < 3; ++i) {
    out = flow::resume(*fx.f, out.next, "98", fx.ctx());
    CHECK(out.screen == "District?\n6. F\n7. G\n0. Back");
    CHECK(out.numbers == std::vector<int>{6, 7, 0});
    CHECK_FALSE(out.rejected);
    CHECK(out.next.invalid == 0);
  }
  out = flow::resume(*fx.f, out.next, "0", fx.ctx());
  CHECK(out.screen == "District?\n1. A\n2. B\n3. C\n4. D\n5. E\n98. More");
  // Numbers stay the same on every page: 7 works from the first page.
  out = flow::resume(*fx.f, out.next, "7", fx.ctx());
  CHECK(out.screen == "Sure?\n1. Yes\n0. Back");
  out = flow::resume(*fx.f, out.next, "1", fx.ctx());
  CHECK(out.finished);
  CHECK(out.screen == "Done (7).");
}

TEST_CASE("flow: 0 goes back a question, 00 home, and 0 on the first question exits", "[flow]") {
  auto fx = districts();
  auto out = flow::start(*fx.f, fx.ctx());
  out = flow::resume(*fx.f, out.next, "2", fx.ctx());
  CHECK(out.screen == "Sure?\n1. Yes\n0. Back");
  out = flow::resume(*fx.f, out.next, "0", fx.ctx());
  CHECK(out.screen == "District?\n1. A\n2. B\n3. C\n4. D\n5. E\n98. More");
  out = flow::resume(*fx.f, out.next, "3", fx.ctx());
  out = flow::resume(*fx.f, out.next, "00", fx.ctx());  // accepted though not shown
  CHECK(out.screen == "District?\n1. A\n2. B\n3. C\n4. D\n5. E\n98. More");
  CHECK(out.next.trail.empty());
  out = flow::resume(*fx.f, out.next, "0", fx.ctx());
  CHECK(out.finished);
  CHECK(out.screen == "Goodbye.");
}

TEST_CASE("flow: a question with back false shows no Back line and 0 there leaves", "[flow]") {
  fixture fx("flows/paging", "no_back",
             {{"en", "d.which", "District?"}, {"en", "d.a", "A"}, {"en", "d.b", "B"}, {"en", "d.sure", "Sure?"},
              {"en", "d.yes", "Yes"}, {"en", "d.done", "Done."}, {"en", "common.back", "Back"},
              {"en", "common.goodbye", "Goodbye."}, {"en", "common.invalid", "Sorry."}});
  auto out = flow::start(*fx.f, fx.ctx());
  out = flow::resume(*fx.f, out.next, "1", fx.ctx());
  CHECK(out.screen == "Sure?\n1. Yes");
  out = flow::resume(*fx.f, out.next, "0", fx.ctx());
  CHECK(out.finished);
  CHECK(out.screen == "Goodbye.");
}

TEST_CASE("flow: over SMS a long menu is one message and 98 is just a wrong answer", "[flow]") {
  auto fx = districts();
  const flow::context sms{.via = flow::medium::sms, .langs = {"en"}, .texts = &fx.texts};
  auto out = flow::start(*fx.f, sms);
  REQUIRE(out.messages.size() == 1);
  CHECK(out.messages[0] == "District?\n1. A\n2. B\n3. C\n4. D\n5. E\n6. F\n7. G");
  out = flow::resume(*fx.f, out.next, "98", sms);
  CHECK(out.messages.at(0).rfind("Sorry.", 0) == 0);
}

TEST_CASE("engine: an action stops the step, its outcome routes and its data makes a menu",
          "[flow]") {
  fixture fx("flows/data", "pick",
             {{"en", "pick.which", "Which clinic?"},
              {"en", "pick.done", "Booked at {clinic} ({clinic|label})."},
              {"en", "pick.closed", "No clinic is open."},
              {"en", "common.error", "Service unavailable."}});
  const auto ctx = fx.ctx();
  auto out = flow::start(*fx.f, ctx);
  REQUIRE(out.action);
  CHECK(out.action->name == "clinics.list");
  CHECK_FALSE(out.finished);
  CHECK(out.next.node == "load");

  // Data options: literal labels, their own values, numbered like any menu.
  const flow::action_result found{
      "ok", {{"clinics", R"([{"label":"Golshahr","value":"c7"},"Central"])"}}};
  auto menu = flow::after_action(*fx.f, out.next, found, ctx);
  CHECK(menu.screen == "Which clinic?\n1. Golshahr\n2. Central");
  // {clinic|label}: the chosen item's words, as the action wrote them.
  CHECK(flow::resume(*fx.f, menu.next, "1", ctx).screen == "Booked at c7 (Golshahr).");
  CHECK(flow::resume(*fx.f, menu.next, "2", ctx).screen == "Booked at 2 (Central).");
  CHECK(flow::resume(*fx.f, menu.next, "3", ctx).rejected);

  // An outcome the node routes; one it does not goes to `error`.
  CHECK(flow::after_action(*fx.f, out.next, {"none", {}}, ctx).screen == "No clinic is open.");
  CHECK(flow::after_action(*fx.f, out.next, {"surprise", {}}, ctx).screen == "No clinic is open.");

  // Data that is not a list of options is an authoring error, shown as the apology.
  const auto bad = flow::after_action(*fx.f, out.next, {"ok", {{"clinics", "{}"}}}, ctx);
  CHECK(bad.finished);
  CHECK_THAT(bad.error, Catch::Contains("does not hold a list of 1 to 9 options"));
  CHECK(bad.screen == "Service unavailable.");
}

TEST_CASE("engine: a data menu's items may be texts of the person's language, with a number after them",
          "[flow]") {
  fixture fx("flows/data", "pick",
             {{"en", "pick.which", "Which clinic?"},
              {"fa", "pick.which", "کدام؟"},
              {"en", "pick.done", "Booked ({clinic|label})."},
              {"fa", "pick.done", "ثبت شد ({clinic|label})."},
              {"en", "pick.child", "My child"},
              {"fa", "pick.child", "فرزندم"},
              {"en", "pick.closed", "No clinic is open."},
              {"en", "common.error", "Service unavailable."}});
  const auto people = R"([{"text":"pick.child","n":2,"value":"child-2"},{"text":"pick.child","value":"child"},)"
                      R"({"label":"Tue 1 December","text":"pick.child","n":1,"value":"b7"}])";
  const flow::action_result found{"ok", {{"clinics", people}}};
  const auto out = flow::start(*fx.f, fx.ctx());
  // In Persian script the number is in Persian digits, as the text's language writes it.
  const auto fa = flow::after_action(*fx.f, out.next, found, fx.ctx(flow::medium::ussd, {"fa", "en"}));
  CHECK(fa.screen == "کدام؟\n۱- فرزندم ۲\n۲- فرزندم\n۳- Tue 1 December (فرزندم ۱)");
  const auto en = flow::after_action(*fx.f, out.next, found, fx.ctx());
  CHECK(en.screen == "Which clinic?\n1. My child 2\n2. My child\n3. Tue 1 December (My child 1)");
  // {clinic|label} names the chosen item as it was shown; a reply may name it in words too.
  CHECK(flow::resume(*fx.f, en.next, "1", fx.ctx()).screen == "Booked (My child 2).");
  CHECK(flow::resume(*fx.f, fa.next, "۲", fx.ctx(flow::medium::ussd, {"fa", "en"})).screen == "ثبت شد (فرزندم).");
  // A text no language has is an authoring error that names it, shown as the apology.
  const auto bad = flow::after_action(*fx.f, out.next, {"ok", {{"clinics", R"([{"text":"pick.nobody"}])"}}}, fx.ctx());
  CHECK(bad.finished);
  CHECK_THAT(bad.error, Catch::Contains("pick.nobody"));
  CHECK(bad.screen == "Service unavailable.");
}

TEST_CASE("engine: a variable no answer set is empty in an action's arguments, never its name",
          "[flow]") {
  fixture fx("flows/data", "unanswered",
             {{"en", "unanswered.which", "Which province?"},
              {"en", "unanswered.herat", "Herat"},
              {"en", "unanswered.done", "Thank you."},
              {"en", "common.invalid", "Send 1."},
              {"en", "common.error", "Service unavailable."}});
  const auto ctx = fx.ctx(flow::medium::sms);
  auto out = flow::start(*fx.f, ctx);
  for (int i = 0; i < 3 && !out.action; ++i) out = flow::resume(*fx.f, out.next, "Kabul road", ctx);
  REQUIRE(out.action);
  CHECK(out.action->name == "inbox.save");
  CHECK(out.action->args.at("area").empty());
  CHECK(out.action->args.at("where") == " road");
  CHECK(out.action->args.at("text") == "a shell");
}

TEST_CASE(
    "engine: a variable an action filled with a data item shows as the item, never one a person "
    "typed",
    "[flow]") {
  fixture fx("flows/data", "item",
             {{"en", "item.where", "Where?"},
              {"en", "item.done", "Visit at {where|label}. You wrote: {place|label}"},
              {"fa", "item.done", "نوبت در {where|label}"},
              {"en", "pick.child", "My child"},
              {"fa", "pick.child", "فرزندم"},
              {"en", "common.error", "Service unavailable."}});
  const auto out = flow::start(*fx.f, fx.ctx());
  const flow::action_result found{
      "ok", {{"where", R"({"label":"Central clinic","text":"pick.child","n":2})"}}};
  const auto asked = flow::after_action(*fx.f, out.next, found, fx.ctx());
  REQUIRE(asked.screen == "Where?");
  const auto done =
      flow::resume(*fx.f, asked.next, R"({"label":"Evil","text":"pick.child"})", fx.ctx());
  CHECK_THAT(done.screen, Catch::StartsWith("Visit at Central clinic (My child 2). You wrote: "));
  CHECK_THAT(done.screen, !Catch::Contains("Evil ("));
  // In the person's language and digits.
  const auto fa = fx.ctx(flow::medium::ussd, {"fa", "en"});
  const auto asked_fa = flow::after_action(*fx.f, out.next, found, fa);
  CHECK(flow::resume(*fx.f, asked_fa.next, "x", fa).screen == "نوبت در Central clinic (فرزندم ۲)");
  // The person's own visit: the label alone.
  const auto own = flow::after_action(
      *fx.f, out.next, {"ok", {{"where", R"({"label":"Central clinic"})"}}}, fx.ctx());
  CHECK_THAT(flow::resume(*fx.f, own.next, "x", fx.ctx()).screen,
             Catch::StartsWith("Visit at Central clinic. "));
}

TEST_CASE("engine: a USSD page holds only the options that fit the route's screen, numbers kept", "[flow]") {
  fixture fx("flows/data", "pick",
             {{"en", "pick.which", "Which day?"},
              {"en", "pick.done", "Booked ({clinic|label})."},
              {"en", "pick.closed", "No clinic is open."},
              {"en", "common.more", "More"},
              {"en", "common.back", "Back"},
              {"en", "common.invalid", "Sorry."},
              {"en", "common.error", "Service unavailable."}});
  auto ctx = fx.ctx();
  ctx.screen.gsm7_max = 64;  // a route that cuts screens at 64 letters
  const flow::action_result found{"ok", {{"clinics", R"(["Monday 30 November", "Tuesday 1 December",)"
                                                     R"( "Wednesday 2 December", "Sat 5 Dec"])"}}};
  const auto out = flow::start(*fx.f, ctx);
  auto menu = flow::after_action(*fx.f, out.next, found, ctx);
  CHECK(menu.screen == "Which day?\n1. Monday 30 November\n2. Tuesday 1 December\n98. More");
  menu = flow::resume(*fx.f, menu.next, "98", ctx);
  CHECK(menu.screen == "Which day?\n3. Wednesday 2 December\n4. Sat 5 Dec\n0. Back");
  CHECK(menu.screen.size() <= 64);
  // Any option's number works on any page.
  menu = flow::resume(*fx.f, menu.next, "0", ctx);
  CHECK(flow::resume(*fx.f, menu.next, "4", ctx).screen == "Booked (Sat 5 Dec).");
  // On a route with room for all of them, one page as before.
  const auto wide = flow::after_action(*fx.f, out.next, found, fx.ctx());
  CHECK(wide.screen == "Which day?\n1. Monday 30 November\n2. Tuesday 1 December\n3. Wednesday 2 December\n4. Sat 5 Dec");
}

TEST_CASE("engine: a data menu's fixed options follow the action's, with their own next and words",
          "[flow]") {
  fixture fx("flows/data", "pick_or_call",
             {{"en", "pick.which", "Which clinic?"},
              {"en", "pick.call", "Call me"},
              {"en", "pick.done", "Booked at {clinic|label}."},
              {"en", "pick.will_call", "We will call you ({clinic|label})."},
              {"en", "pick.closed", "No clinic is open."},
              {"en", "common.error", "Service unavailable."}});
  const auto ctx = fx.ctx();
  const auto out = flow::start(*fx.f, ctx);
  const flow::action_result found{"ok", {{"clinics", R"([{"label":"Golshahr","value":"c7"},"Central"])"}}};
  const auto menu = flow::after_action(*fx.f, out.next, found, ctx);
  CHECK(menu.screen == "Which clinic?\n1. Golshahr\n2. Central\n3. Call me");
  CHECK(flow::resume(*fx.f, menu.next, "1", ctx).screen == "Booked at Golshahr.");
  CHECK(flow::resume(*fx.f, menu.next, "3", ctx).screen == "We will call you (Call me).");
  CHECK(flow::resume(*fx.f, menu.next, "call me", ctx).screen == "We will call you (Call me).");
  CHECK(flow::resume(*fx.f, menu.next, "4", ctx).rejected);
  // With the fixed option, the action may give 8 at most.
  const auto nine = R"(["a","b","c","d","e","f","g","h","i"])";
  const auto bad = flow::after_action(*fx.f, out.next, {"ok", {{"clinics", nine}}}, ctx);
  CHECK_THAT(bad.error, Catch::Contains("does not hold a list of 1 to 8 options"));
}

TEST_CASE("engine: a send step queues an SMS over USSD, and {name|label} shows the chosen option's words",
          "[flow]") {
  const fixture fx("flows/send", "visit",
                   {{"en", "visit.which", "Which clinic?"},
                    {"en", "visit.golshahr", "Golshahr Helal House"},
                    {"en", "visit.mashhad", "Mashhad clinic"},
                    {"fa", "visit.golshahr", "خانه هلال گلشهر"},
                    {"en", "visit.sure", "Book at {clinic|label}?"},
                    {"en", "visit.sms", "Booked: {clinic|label}. Answer was {sure|label}."},
                    {"fa", "visit.sms", "نوبت: {clinic|label}"},
                    {"en", "visit.booked", "Booked. An SMS is on its way."},
                    {"en", "visit.cancelled", "Not booked."},
                    {"en", "common.yes", "Yes"},
                    {"en", "common.no", "No"},
                    {"en", "common.back", "Back"}});
  auto ctx = fx.ctx();
  auto out = flow::start(*fx.f, ctx);
  out = flow::resume(*fx.f, out.next, "1", ctx);
  INFO(out.error);
  CHECK_THAT(out.screen, Catch::StartsWith("Book at Golshahr Helal House?"));
  CHECK(out.sends.empty());
  out = flow::resume(*fx.f, out.next, "1", ctx);
  CHECK(out.finished);
  CHECK(out.screen == "Booked. An SMS is on its way.");
  REQUIRE(out.sends.size() == 1);
  CHECK(out.sends[0].body == "Booked: Golshahr Helal House. Answer was Yes.");

  // In the person's language, where the label has a translation.
  auto fa = fx.ctx(flow::medium::ussd, {"fa", "en"});
  auto o2 = flow::start(*fx.f, fa);
  o2 = flow::resume(*fx.f, o2.next, "۱", fa);
  o2 = flow::resume(*fx.f, o2.next, "1", fa);
  REQUIRE(o2.sends.size() == 1);
  CHECK(o2.sends[0].body == "نوبت: خانه هلال گلشهر");

  // A route without UCS-2 (R-U4): the screens in Latin script, the SMS still in Farsi.
  auto latin = fx.ctx(flow::medium::ussd, {"en"});
  latin.sms_langs = {"fa", "en"};
  auto o4 = flow::start(*fx.f, latin);
  o4 = flow::resume(*fx.f, o4.next, "1", latin);
  CHECK_THAT(o4.screen, Catch::StartsWith("Book at Golshahr Helal House?"));
  o4 = flow::resume(*fx.f, o4.next, "1", latin);
  REQUIRE(o4.sends.size() == 1);
  CHECK(o4.sends[0].body == "نوبت: خانه هلال گلشهر");

  // Saying no sends nothing.
  auto o3 = flow::start(*fx.f, ctx);
  o3 = flow::resume(*fx.f, o3.next, "2", ctx);
  o3 = flow::resume(*fx.f, o3.next, "2", ctx);
  CHECK(o3.screen == "Not booked.");
  CHECK(o3.sends.empty());
}

TEST_CASE("engine: a date question takes only days within its limits, counted from the person's today",
          "[flow]") {
  const fixture fx("flows/dates", "visit_date",
                   {{"en", "d.when", "Which day?"},
                    {"en", "d.invalid", "Give a day from today to 90 days ahead."},
                    {"en", "d.done", "Booked for {day}."},
                    {"en", "common.back", "Back"},
                    {"en", "common.too_many_invalid", "Please dial again later."}});
  auto ctx = fx.ctx();
  ctx.timezone = "Asia/Kabul";
  ctx.now_ms = 1'795'982'400'000;  // 2026-11-29 20:00 UTC: already 30 November in Kabul
  const auto answer = [&](const char* reply) {
    return flow::resume(*fx.f, flow::start(*fx.f, ctx).next, reply, ctx);
  };
  const auto rejected = answer("2026-11-29");  // yesterday, in Kabul
  CHECK(rejected.rejected);
  CHECK_THAT(rejected.screen, Catch::StartsWith("Give a day from today to 90 days ahead."));
  CHECK(answer("۱۴۰۵/۹/۹").screen == "Booked for 2026-11-30.");  // 9 Azar 1405: today
  CHECK(answer("2027-02-28").screen == "Booked for 2027-02-28.");  // 90 days ahead
  CHECK(answer("2027-03-01").rejected);                           // 91
}
