#include "gateway/flow/flow.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

// The whole lint, as `paygham lint` runs it, of a config in `dir` with these flows and templates
// folders (the shipped lexicon) and `more` config: its problems.
std::vector<std::string> lint_problems(const test::temp_dir& dir, const std::string& flows, const std::string& templates,
                                       const std::string& more = {}) {
  const std::string src = PAYGHAM_SOURCE_DIR;
  test::write_file(dir.file("paygham.yaml"),
                   "flows: " + flows + "\ntemplates: " + templates + "\nlexicon: " + src + "/lexicon\n" + more);
  auto cfg = app::load_config(dir.file("paygham.yaml"));
  REQUIRE(cfg);
  std::vector<std::string> problems;
  app::load_content(cfg.value(), problems);
  return problems;
}

// What a broken fixture's first line says lint must report: `# expect: <words>`.
std::string expected_problem(const std::string& text) {
  const std::string first_line = text.substr(0, text.find('\n'));
  REQUIRE(first_line.rfind("# expect: ", 0) == 0);
  return first_line.substr(10);
}

}  // namespace

TEST_CASE("flow: every broken flow is refused by lint with its location and reason", "[flow]") {
  const auto files = test::fixture_files("flows/broken", ".yaml");
  REQUIRE(files.size() >= 15);
  const std::string src = PAYGHAM_SOURCE_DIR;
  for (const auto& file : files) {
    const std::string text = test::read_file(file);
    const std::string expected = expected_problem(text);
    // The whole lint, as `paygham lint` runs it: the flow beside the shipped templates.
    test::temp_dir dir;
    std::filesystem::create_directories(dir.file("flows"));
    const std::string copy = dir.file("flows/" + std::filesystem::path(file).filename().string());
    test::write_file(copy, text);
    const auto problems = lint_problems(dir, dir.file("flows"), src + "/templates");
    INFO(file);
    REQUIRE_FALSE(problems.empty());
    bool found = false;
    for (const auto& p : problems) {
      // Every problem starts with the file's path, so an operator can jump to it.
      found = found || (p.rfind(copy, 0) == 0 && p.find(expected) != std::string::npos);
    }
    INFO("problems: " << problems.front());
    CHECK(found);
  }
}

TEST_CASE("flow: lint lets an SMS menu list the services and a health worker's own SMS name the care", "[flow]") {
  // Each flow of tests/fixtures/flows/private alone, beside the shipped templates: no problem
  // in it (this bare config has its own, of the deployment's settings).
  const std::string src = PAYGHAM_SOURCE_DIR;
  const auto files = test::fixture_files("flows/private", ".yaml");
  REQUIRE(files.size() >= 2);
  for (const auto& file : files) {
    test::temp_dir dir;
    std::filesystem::create_directories(dir.file("flows"));
    const std::string copy = dir.file("flows/" + std::filesystem::path(file).filename().string());
    test::write_file(copy, test::read_file(file));
    for (const auto& p : lint_problems(dir, dir.file("flows"), src + "/templates")) {
      INFO(file);
      CHECK(p.rfind(copy, 0) != 0);
    }
  }
}

TEST_CASE(
    "flow: lint refuses a clinic whose name says what its visits are for, naming the clinic and "
    "the word",
    "[flow]") {
  auto cfg = app::load_config(std::string(PAYGHAM_SOURCE_DIR) + "/config/paygham.yaml");
  REQUIRE(cfg);
  const std::string file = test::fixture_path("clinics/named_for_care.yaml");
  cfg.value().clinics_file = file;
  std::vector<std::string> problems;
  app::load_content(cfg.value(), problems);
  std::vector<std::string> about_names;
  for (const auto& p : problems) {
    if (p.find(": clinic '") != std::string::npos) about_names.push_back(p);
  }
  REQUIRE(about_names.size() == 1);
  CHECK(about_names.front().rfind(file + ": clinic 'tabesh': its name in fa", 0) == 0);
  CHECK_THAT(about_names.front(), Catch::Contains("names 'مشاوره' (lexicon/sensitive.yaml)"));
}

TEST_CASE("flow: lint refuses answer words a reply could read two ways, with the file and the word", "[flow]") {
  const auto files = test::fixture_files("lexicon/broken", ".yaml");
  REQUIRE(files.size() >= 8);
  const std::string src = PAYGHAM_SOURCE_DIR;
  for (const auto& file : files) {
    const std::string text = test::read_file(file);
    const std::string expected = expected_problem(text);
    // The shipped config and lexicon, with this answers.yaml.
    test::temp_dir dir;
    std::filesystem::copy(src + "/lexicon", dir.file("lexicon"));
    test::write_file(dir.file("lexicon/answers.yaml"), text);
    auto cfg = app::load_config(src + "/config/paygham.yaml");
    REQUIRE(cfg);
    cfg.value().lexicon_dir = dir.file("lexicon");
    std::vector<std::string> problems;
    app::load_content(cfg.value(), problems);
    INFO(file << "\nproblems: " << (problems.empty() ? "none" : problems.front()));
    REQUIRE_FALSE(problems.empty());
    // Each names the file, so an operator can go to it; one says what is wrong.
    bool found = false;
    for (const auto& p : problems) {
      CHECK(p.rfind(dir.file("lexicon/answers.yaml"), 0) == 0);
      found = found || p.find(expected) != std::string::npos;
    }
    CHECK(found);
  }
}

TEST_CASE("flow: lint refuses a polite word that is also a yes or no, naming keywords.yaml",
          "[flow]") {
  // Polite words are dropped around an answer ("yes please"): one that is a yes would be lost.
  const std::string src = PAYGHAM_SOURCE_DIR;
  test::temp_dir dir;
  std::filesystem::copy(src + "/lexicon", dir.file("lexicon"));
  std::string keywords = test::read_file(src + "/lexicon/keywords.yaml");
  const auto at = keywords.find("polite: [");
  REQUIRE(at != std::string::npos);
  keywords.insert(at + std::string("polite: [").size(), "okay, ");
  test::write_file(dir.file("lexicon/keywords.yaml"), keywords);
  auto cfg = app::load_config(src + "/config/paygham.yaml");
  REQUIRE(cfg);
  cfg.value().lexicon_dir = dir.file("lexicon");
  std::vector<std::string> problems;
  app::load_content(cfg.value(), problems);
  REQUIRE(problems.size() == 1);
  CHECK(problems.front().rfind(dir.file("lexicon/keywords.yaml"), 0) == 0);
  CHECK(problems.front().find("'okay' is also a yes or no word") != std::string::npos);
}

TEST_CASE("flow: lint reports a broken sensitive.yaml once, naming where", "[flow]") {
  const std::string src = PAYGHAM_SOURCE_DIR;
  test::temp_dir dir;
  std::filesystem::copy(src + "/lexicon", dir.file("lexicon"));
  test::write_file(dir.file("lexicon/sensitive.yaml"),
                   "en: [pregnancy\n");  // the list never closed
  auto cfg = app::load_config(src + "/config/paygham.yaml");
  REQUIRE(cfg);
  cfg.value().lexicon_dir = dir.file("lexicon");
  std::vector<std::string> problems;
  app::load_content(cfg.value(), problems);
  REQUIRE(problems.size() == 1);  // read once, for the texts and the clinics' names alike
  CHECK(problems.front().rfind(dir.file("lexicon/sensitive.yaml"), 0) == 0);
}

TEST_CASE("flow: lint refuses a person's name, address, status or a link in a text that can go by SMS, and lets a "
          "USSD screen greet by name (R-L7, R-S10)",
          "[flow]") {
  test::temp_dir dir;
  std::filesystem::create_directories(dir.file("flows"));
  std::filesystem::create_directories(dir.file("templates"));
  const std::string src = PAYGHAM_SOURCE_DIR;
  // The shipped English texts, and three that show a name.
  test::write_file(dir.file("templates/en.yaml"),
                   test::read_file(src + "/templates/en.yaml") +
                       "\nnamed:\n  hello: \"Hello {contact.name}.\"\n  sent: \"Dear {contact.father_name}, see you.\"\n"
                       "  asked: \"Thank you {name}. Anything else?\"\n"
                       "  home: \"The team comes to {contact.home_address} today.\"\n"
                       "  paid: \"Pay the fee at https://pay.example.org/x today.\"\n"
                       "  card: \"Bring your refugee card tomorrow.\"\n");
  test::write_file(dir.file("flows/named.yaml"),
                   "triggers: {ussd: [\"*384*96#\"], sms: [NAMED]}\n"
                   "start: branch\n"
                   "nodes:\n"
                   "  branch:\n"
                   "    switch: medium\n"
                   "    cases: {ussd: greet}\n"
                   "    default: ask\n"
                   "  greet:\n"          // a USSD screen: the person's own, for the moment
                   "    say: named.hello\n"
                   "    next: tell\n"
                   "  tell:\n"           // an SMS, from a USSD session too
                   "    send: named.sent\n"
                   "    next: tell_home\n"
                   "  tell_home:\n"
                   "    send: named.home\n"
                   "    next: tell_fee\n"
                   "  tell_fee:\n"
                   "    send: named.paid\n"
                   "    next: tell_card\n"
                   "  tell_card:\n"
                   "    send: named.card\n"
                   "    next: done\n"
                   "  ask:\n"            // the flow by SMS
                   "    ask: text\n"
                   "    text: named.asked\n"
                   "    save: note\n"
                   "    next: done\n"
                   "  done:\n"
                   "    end: common.goodbye\n");
  const auto problems = lint_problems(dir, dir.file("flows"), dir.file("templates"));
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  INFO(all);
  CHECK_THAT(all, Catch::Contains("text 'named.sent'") && Catch::Contains("shows {contact.father_name}, and it is sent by SMS"));
  CHECK_THAT(all, Catch::Contains("text 'named.asked'") && Catch::Contains("shows {name}, and the flow runs by SMS"));
  CHECK_THAT(all, !Catch::Contains("text 'named.hello'"));
  CHECK_THAT(all, Catch::Contains("text 'named.home'") &&
                      Catch::Contains("shows {contact.home_address}, and it is sent by SMS: never put a home address"));
  CHECK_THAT(all, Catch::Contains("text 'named.paid'") &&
                      Catch::Contains("has the link 'https://pay.example.org/x', and it is sent by SMS"));
  CHECK_THAT(all, Catch::Contains("text 'named.card'") && Catch::Contains("names 'refugee' (lexicon/sensitive.yaml)"));
}

TEST_CASE("flow: a good flow loads with its triggers, nodes and a stable hash", "[flow]") {
  std::vector<std::string> problems;
  const auto set = flow::flow_set::load_dir(test::fixture_path("flows/ok"), problems);
  CHECK(problems.empty());
  REQUIRE(set.size() == 1);
  const flow::definition* f = set.by_ussd_code("*1#");
  REQUIRE(f);
  CHECK(f->id == "survey");
  CHECK(f->hash.size() == 16);
  CHECK(set.by_keyword("survey please") == f);
  CHECK(set.by_keyword("  Survey") == f);
  CHECK(set.by_keyword("نظر") == f);
  CHECK(set.by_keyword("«نظر»") == f);  // as a text showed it: "send «نظر»"
  CHECK(set.by_keyword("“Survey”!") == f);
  CHECK(set.by_keyword("surveys") == nullptr);
  CHECK(set.by_ussd_code("*2#") == nullptr);
  REQUIRE(f->find("rate"));
  CHECK(f->find("rate")->options.size() == 2);
  CHECK(f->find("rate")->options[1].value == "2");  // defaults to the option's number

  std::vector<std::string> again;
  const auto set2 = flow::flow_set::load_dir(test::fixture_path("flows/ok"), again);
  CHECK(set2.by_id("survey")->hash == f->hash);
}

TEST_CASE("flow: a flow file may open with --- and close with ..., one document either way", "[flow]") {
  const std::string flow_text = test::read_file(test::fixture_path("flows/ok/survey.yaml"));
  std::vector<std::string> problems;
  CHECK(flow::parse_flow("survey", "survey.yaml", "# a survey\n---\n" + flow_text + "...\n# the end\n", problems));
  CHECK(problems.empty());
  CHECK(flow::parse_flow("survey", "survey.yaml", flow_text + "---\n", problems) == nullptr);
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::Contains("one flow a file"));
}

TEST_CASE("flow: a keyword or code claimed by two flows is refused", "[flow]") {
  test::temp_dir dir;
  const std::string flow_text = test::read_file(test::fixture_path("flows/ok/survey.yaml"));
  test::write_file(dir.file("a.yaml"), flow_text);
  test::write_file(dir.file("b.yaml"), flow_text);
  std::vector<std::string> problems;
  flow::flow_set::load_dir(dir.path(), problems);
  bool code = false, keyword = false;
  for (const auto& p : problems) {
    code = code || p.find("USSD code '*1#' is also claimed") != std::string::npos;
    keyword = keyword || p.find("SMS keyword 'SURVEY' is also claimed") != std::string::npos;
  }
  CHECK(code);
  CHECK(keyword);
}

TEST_CASE("flow: a .yml file in the flows folder is named, to be renamed, not silently left unread",
          "[flow]") {
  test::temp_dir dir;
  const std::string flow_text = test::read_file(test::fixture_path("flows/ok/survey.yaml"));
  test::write_file(dir.file("survey.yml"), flow_text);
  std::vector<std::string> problems;
  const auto flows = flow::flow_set::load_dir(dir.path(), problems);
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0],
             Catch::Contains("survey.yml: only .yaml files are read here; rename it survey.yaml"));
  CHECK(flows.size() == 0);
}

TEST_CASE("flow: a code that extends another flow's code is refused, as a network may pass both", "[flow]") {
  test::temp_dir dir;
  const std::string flow_text = test::read_file(test::fixture_path("flows/ok/survey.yaml"));
  test::write_file(dir.file("a.yaml"), flow_text);
  std::string longer = flow_text;
  const auto at = longer.find("\"*1#\"");
  REQUIRE(at != std::string::npos);
  longer.replace(at, 5, "\"*1*4#\"");
  const std::string keywords = "sms: [SURVEY, نظر]";
  const auto kw = longer.find(keywords);
  REQUIRE(kw != std::string::npos);
  longer.replace(kw, keywords.size(), "sms: [POLL]");
  test::write_file(dir.file("b.yaml"), longer);
  std::vector<std::string> problems;
  flow::flow_set::load_dir(dir.path(), problems);
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::Contains("USSD code '*1*4#' and " + dir.file("a.yaml") + "'s '*1#' start alike"));
}

namespace {

// The shipped config, templates and flows, with `lang`'s common.invalid replaced by `reason`.
std::vector<std::string> lint_with_reason(const std::string& lang, const std::string& reason) {
  const std::string src = PAYGHAM_SOURCE_DIR;
  test::temp_dir dir;
  std::filesystem::create_directories(dir.file("templates"));
  for (const char* l : {"en", "fa", "prs", "ps"}) {
    std::string text = test::read_file(src + "/templates/" + l + ".yaml");
    if (l == lang) {
      const auto at = text.find("  invalid: ");
      text.replace(at, text.find('\n', at) - at, "  invalid: \"" + reason + "\"");
    }
    test::write_file(dir.file(std::string("templates/") + l + ".yaml"), text);
  }
  return lint_problems(dir, src + "/flows", dir.file("templates"),
                       "clinics: " + src + "/config/clinics.yaml\n"
                       "defaults: {languages: [prs, ps, fa, en], emergency_number: \"112\"}\n");
}

}  // namespace

TEST_CASE("flow: every screen the gateway draws fits the strictest route in every shipped language", "[flow]") {
  // The shipped set: questions asked again with their reason, the language picker and the
  // resume screen after a bad reply, in en, fa, prs and ps (80 UCS-2 units).
  const auto shipped = lint_with_reason("fa", "شماره را بفرستید:");
  for (const auto& p : shipped) UNSCOPED_INFO(p);
  CHECK(shipped.empty());
  // The reason as it was before (84–92 units with the question): every such screen is named.
  const auto old = lint_with_reason("prs", "لطفا نمبر کنار جواب خود را بفرستید و دوباره کوشش کنید.");
  const auto named = [&](const std::string& what) {
    return std::any_of(old.begin(), old.end(), [&](const std::string& p) { return p.find(what) != std::string::npos; });
  };
  CHECK(named("prs.yaml: the language picker after a bad reply"));
  CHECK(named("prs.yaml: the resume screen after a bad reply"));
  CHECK(named("question 'clinic' in prs, asked again after a bad reply with 'common.invalid'"));
  CHECK_FALSE(named("in fa,"));
}

TEST_CASE("flow: a language's screens in Latin letters have every screen text, of the language, and fit a route "
          "without UCS-2 (R-U4)",
          "[flow]") {
  const std::string src = PAYGHAM_SOURCE_DIR;
  const std::string route = "ussd_profiles: {plain: {ucs2: false, fallback: latin}}\n"
                            "clinics: " + src + "/config/clinics.yaml\n"
                            "defaults: {languages: [prs, ps, fa, en], emergency_number: \"112\"}\n";
  test::temp_dir dir;
  const auto shipped = lint_problems(dir, src + "/flows", src + "/templates", route);
  for (const auto& p : shipped) UNSCOPED_INFO(p);
  CHECK(shipped.empty());

  std::filesystem::create_directories(dir.file("templates"));
  for (const char* l : {"en", "fa", "prs", "ps", "fa-Latn"}) {
    test::write_file(dir.file(std::string("templates/") + l + ".yaml"), test::read_file(src + "/templates/" + l + ".yaml"));
  }
  std::string dari = test::read_file(src + "/templates/prs-Latn.yaml");
  const auto change = [&](const std::string& from, const std::string& to) {
    const auto at = dari.find(from);
    REQUIRE(at != std::string::npos);
    dari.replace(at, from.size(), to);
  };
  change("  day: \"Kodam roz?\"", "  dya: \"Kodam roz?\"");                       // a typo: missing, and unknown
  change("  kept: \"Tashakor.", "  kept: \"Tashakor {name}.");                     // a value the Dari text has not
  change("  time: \"Che waqt?\"", "  time: \"Che waqt\u2019?\"");                // not GSM 7-bit
  test::write_file(dir.file("templates/prs-Latn.yaml"), dari);
  test::write_file(dir.file("templates/en-Latn.yaml"), "common:\n  more: \"More\"\n");
  test::write_file(dir.file("templates/prs-Cyrl.yaml"), "common:\n  more: \"x\"\n");
  const auto problems = lint_problems(dir, src + "/flows", dir.file("templates"), route);
  const auto named = [&](const std::string& what) {
    return std::any_of(problems.begin(), problems.end(), [&](const std::string& p) { return p.find(what) != std::string::npos; });
  };
  for (const auto& p : problems) UNSCOPED_INFO(p);
  CHECK(named("prs-Latn.yaml: has no 'appointments.day', which a USSD screen shows"));
  CHECK(named("'appointments.dya' is not a text of prs.yaml (did you mean 'appointments.day'?)"));
  CHECK(named("'appointments.kept' uses {name} but its prs text ("));
  CHECK(named("question 'time' in prs-Latn"));
  CHECK(named("'appointments.time' has \u2019, not GSM 7-bit letters"));
  CHECK(named("en-Latn.yaml: Latin letters are only for a Persian-script language (such as fa, prs, ps), not 'en'"));
  CHECK(named("prs-Cyrl.yaml: a templates file is named after its language (prs.yaml)"));
  CHECK_FALSE(named("fa-Latn"));

  // A clinic's name on such a route: beside its Dari one, in GSM 7-bit letters, under a key
  // that is a language's.
  std::string clinics = test::read_file(src + "/config/clinics.yaml");
  clinics.replace(clinics.find("      prs-Latn: Khana"), 14, "      prs-latn");
  clinics.replace(clinics.find("fa-Latn: Darmangah"), 18, "fa-Latn: D\u00e2rmangah");
  test::write_file(dir.file("clinics.yaml"), clinics);
  std::string with_clinics = route;
  with_clinics.replace(with_clinics.find(src + "/config/clinics.yaml"), src.size() + 20, dir.file("clinics.yaml"));
  const auto named_clinic = lint_problems(dir, src + "/flows", src + "/templates", with_clinics);
  std::string all;
  for (const auto& p : named_clinic) all += p + "\n";
  INFO(all);
  const auto said = [&](const std::string& what) {
    return std::any_of(named_clinic.begin(), named_clinic.end(), [&](const std::string& p) { return p.find(what) != std::string::npos; });
  };
  CHECK(said("clinic 'golshahr' has a name in 'prs-latn', which is neither a language (prs) nor"));
  CHECK(said("clinic 'golshahr' has a prs name but no prs-Latn one"));
  CHECK(said("clinic 'central': its fa-Latn name 'D\u00e2rmangah-e markazi' is not in GSM 7-bit letters"));
  CHECK(named_clinic.size() == 4);  // and that name's length, as of any not in plain ASCII
}

TEST_CASE("flow: a text that writes a number to call is refused, with the placeholder to write (R-H6)", "[flow]") {
  const auto written = lint_with_reason("prs", "دوباره کوشش کنید یا ۱۱۲ را بگیرید.");
  const bool named = std::any_of(written.begin(), written.end(), [](const std::string& p) {
    return p.find("prs.yaml:") != std::string::npos &&
           p.find("'common.invalid' writes 112, a number to call: write {emergency} instead") != std::string::npos;
  });
  for (const auto& p : written) UNSCOPED_INFO(p);
  CHECK(named);
  // The same digits inside a longer number, or a USSD code, are not a number to call.
  const auto grouped = lint_with_reason("en", "As 0700 112 456 or *1*112#:");
  for (const auto& p : grouped) UNSCOPED_INFO(p);
  CHECK(grouped.empty());
}

TEST_CASE("flow: a placeholder nothing sets is named with its template's own line and the nearest name", "[flow]") {
  // A {clinc} typo in every language used to reach phones as "{clinc}".
  test::temp_dir dir;
  std::filesystem::create_directories(dir.file("flows"));
  std::filesystem::create_directories(dir.file("templates"));
  const std::string src = PAYGHAM_SOURCE_DIR;
  test::write_file(dir.file("flows/book.yaml"),
                   "triggers: {sms: [BOOK]}\nstart: clinic\nnodes:\n"
                   "  clinic:\n    ask: menu\n    text: book.which\n    save: clinic\n"
                   "    options:\n      - {label: book.golshahr, value: golshahr, next: done}\n"
                   "  done: {end: book.done}\n");
  test::write_file(dir.file("templates/en.yaml"),
                   test::read_file(src + "/templates/en.yaml") +
                       "book:\n  which: \"Which clinic?\"\n  golshahr: \"Golshahr\"\n  done: \"Booked at {clinc}.\"\n");
  const auto problems = lint_problems(dir, dir.file("flows"), dir.file("templates"), "defaults: {emergency_number: \"112\"}\n");
  const std::string templates = dir.file("templates/en.yaml");
  const bool named = std::any_of(problems.begin(), problems.end(), [&](const std::string& p) {
    return p.find("uses {clinc} in text 'book.done' (" + templates + ":") != std::string::npos &&
           p.find("(did you mean 'clinic'?)") != std::string::npos;
  });
  for (const auto& p : problems) UNSCOPED_INFO(p);
  CHECK(named);
  // Without defaults.emergency_number, the texts that use {emergency} are named once, with
  // what to set, not once a text, a language and a node that shows it.
  const auto bare = lint_problems(dir, dir.file("flows"), src + "/templates");
  const auto emergency = std::count_if(bare.begin(), bare.end(), [](const std::string& p) {
    return p.find("{emergency}") != std::string::npos;
  });
  CHECK(emergency == 1);
  CHECK(std::any_of(bare.begin(), bare.end(), [](const std::string& p) {
    return p.find("defaults.emergency_number is not set, and ") != std::string::npos &&
           p.find("texts use {emergency} (common.help, ") != std::string::npos;
  }));
}

TEST_CASE("flow: a scheduled start that may ask a question is told from one that only tells", "[flow]") {
  std::vector<std::string> problems;
  const auto set = flow::flow_set::load_dir(std::string(PAYGHAM_SOURCE_DIR) + "/flows", problems);
  CHECK(problems.empty());
  const flow::definition* f = set.by_id("appointments");
  REQUIRE(f);
  CHECK(flow::may_ask_by_sms(*f, "day_before"));   // "1 I will come / 2 I cannot" after an action and a switch
  CHECK(flow::may_ask_by_sms(*f, "confirmed"));    // keep, change, cancel
  CHECK_FALSE(flow::may_ask_by_sms(*f, "morning"));  // "we expect you today": nothing to answer
}
