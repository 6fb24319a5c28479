// Real replies as people type them, labelled, one file per language:
// tests/fixtures/replies/<lang>.tsv (context, reply, what it must be read as, a gloss).
// Each is read the way the runner reads an SMS: the words that act on any SMS first
// (lexicon/keywords.yaml), then the open question of tests/fixtures/flows/replies/replies.yaml
// in that language with the shipped texts and lexicon. A new case is a new line.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
#include "gateway/flow/engine.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

struct shipped {
  std::shared_ptr<runner::content> content;
  flow::flow_set questions;

  shipped() {
    auto cfg = app::load_config(std::string(PAYGHAM_SOURCE_DIR) + "/config/paygham.yaml");
    REQUIRE(cfg.ok());
    std::vector<std::string> problems;
    content = app::load_content(cfg.value(), problems);
    questions = flow::flow_set::load_dir(test::fixture_path("flows/replies"), problems);
    INFO(problems.size() << " problems, the first: " << (problems.empty() ? "" : problems.front()));
    REQUIRE(problems.empty());
  }

  // What `reply` is read as in `context` by a contact whose language is `lang`.
  std::string read(const std::string& lang, const std::string& context, const std::string& reply) const {
    const auto said = text::read_global(text::normalize(reply), content->keywords);
    if (said == text::global_word::stop_programme) {
      return "stop:" + text::stopped_programme(text::normalize(reply), content->keywords);
    }
    if (said != text::global_word::none) return text::to_string(said);
    if (context == "sms") return "none";
    const flow::definition* f = questions.by_id("replies");
    flow::context ctx{.via = flow::medium::sms, .langs = {lang, "en"}, .texts = &content->texts,
                      .words = &content->words};
    flow::state st;
    st.node = context;
    const auto out = flow::resume(*f, st, reply, ctx);
    if (!out.error.empty()) return "error: " + out.error;
    if (out.rejected) return "invalid";
    const std::string answer = out.next.vars.count("answer") ? out.next.vars.at("answer") : "";
    return context == "number" || context == "date" ? "=" + answer : answer;
  }
};

const shipped& ship() {
  static const shipped s;
  return s;
}

struct line {
  std::string context, reply, expect, note;
  int number = 0;
};

std::vector<line> read_tsv(const std::string& lang) {
  std::ifstream in(test::fixture_path("replies/" + lang + ".tsv"));
  std::vector<line> out;
  std::string text;
  for (int n = 1; std::getline(in, text); ++n) {
    if (text.empty() || text.front() == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(text);
    for (std::string col; std::getline(ss, col, '\t');) cols.push_back(col);
    INFO(lang << ".tsv:" << n << ": " << text);
    REQUIRE(cols.size() >= 3);
    out.push_back({cols[0], cols[1], cols[2], cols.size() > 3 ? cols[3] : "", n});
  }
  return out;
}

const std::vector<std::string> languages = {"en", "fa", "prs", "ps"};

}  // namespace

TEST_CASE("replies: every labelled real-world reply is read as labelled, in every language", "[flow]") {
  for (const auto& lang : languages) {
    const auto lines = read_tsv(lang);
    INFO("tests/fixtures/replies/" << lang << ".tsv");
    CHECK(lines.size() >= 80);
    for (const auto& l : lines) {
      INFO(lang << ".tsv:" << l.number << ": [" << l.context << "] «" << l.reply << "» (" << l.note << ")");
      CHECK(ship().read(lang, l.context, l.reply) == l.expect);
    }
  }
}

TEST_CASE("replies: each lexicon entry acts alone as what it is listed as, and is in a fixture", "[flow]") {
  const auto& k = ship().content->keywords;
  std::set<std::string> replies;  // every labelled reply, normalised, without its punctuation
  for (const auto& lang : languages) {
    for (const auto& l : read_tsv(lang)) {
      replies.insert(std::string(text::strip_punctuation(text::normalize(l.reply))));
    }
  }
  for (const auto& [list, what] :
       {std::pair{&k.stop, "stop"}, {&k.stop_all, "stop_all"}, {&k.start, "start"}, {&k.help, "help"}}) {
    for (std::size_t i = 0; i < list->written.size(); ++i) {
      INFO("lexicon/keywords.yaml " << what << ": " << list->written[i]);
      CHECK(text::to_string(text::read_global(text::normalize(list->written[i]), k)) == std::string(what));
      CHECK(replies.count(list->normalized[i]) == 1);
    }
  }
  // Each way of asking for no more messages, alone: how to stop is said, nothing stops.
  for (std::size_t i = 0; i < k.no_more.written.size(); ++i) {
    INFO("lexicon/keywords.yaml no_more: " << k.no_more.written[i]);
    CHECK(text::read_global(text::normalize(k.no_more.written[i]), k) ==
          text::global_word::ask_stop);
  }
  // Each name of a programme, after every stop word (one word, not a number: R-S4).
  for (const auto& [id, names] : k.programmes) {
    for (const auto& name : names.normalized) {
      for (const auto& stop : k.stop.normalized) {
        if (stop.find_first_of(" 0123456789") != std::string::npos) continue;
        INFO("lexicon/keywords.yaml programmes: " << stop << " " << name);
        CHECK(text::stopped_programme(stop + " " + name, k) == id);
        CHECK(text::read_global(name, k) == text::global_word::none);
      }
    }
  }
  // Each yes/no word, through a question in its own language.
  const auto& words = ship().content->words;
  for (const auto& [word, yes] : words.entries()) {
    INFO("lexicon/yes_no.yaml: " << word);
    CHECK(text::read_yes_no(word, words) == std::optional<bool>(yes));
    CHECK(text::read_global(word, k) == text::global_word::none);
    CHECK(replies.count(word) == 1);
  }
  // Each number in words and each other word for a label (lexicon/answers.yaml): what the
  // fixtures read it as is checked above; here, that one reads it, and that no SMS word takes it.
  for (const auto& [word, n] : words.number_words()) {
    INFO("lexicon/answers.yaml numbers: " << word);
    CHECK(words.number(word) == std::optional<long>(n));
    CHECK(text::read_global(word, k) == text::global_word::none);
    CHECK(replies.count(word) == 1);
  }
  for (const auto& [word, labels] : words.label_words()) {
    INFO("lexicon/answers.yaml labels: " << word);
    CHECK(words.says(labels.front(), word));
    CHECK(text::read_global(word, k) == text::global_word::none);
    CHECK(replies.count(word) == 1);
  }
}
