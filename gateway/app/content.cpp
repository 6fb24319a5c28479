#include "gateway/app/content.hpp"

#include "gateway/flow/engine.hpp"
#include "gateway/actions/action.hpp"
#include "gateway/core/yaml.hpp"
#include "gateway/text/lint.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::app {
namespace {

text::keywords load_keywords(const std::string& file, std::vector<std::string>& problems) {
  auto doc = core::yaml::load_file(file);
  if (!doc) {
    problems.push_back(doc.error());
    return {};
  }
  core::yaml::reader r(file, problems);
  if (!r.expect_map(doc.value(), "", {"stop", "start", "help", "polite"})) return {};
  text::keywords k(r.text_list(doc.value(), "stop", ""), r.text_list(doc.value(), "start", ""),
                   r.text_list(doc.value(), "help", ""), r.text_list(doc.value(), "polite", ""));
  if (k.stop.written.empty()) r.problem(doc.value(), "'stop' needs at least one word: people must be able to opt out");
  return k;
}

text::language_hints load_language_hints(const std::string& file, std::vector<std::string>& problems) {
  text::language_hints h;
  auto doc = core::yaml::load_file(file);
  if (!doc) {
    problems.push_back(doc.error());
    return h;
  }
  core::yaml::reader r(file, problems);
  if (!r.expect_map(doc.value(), "", {"change", "words"})) return h;
  for (const auto& w : r.text_list(doc.value(), "change", "")) {
    h.change.emplace_back(text::strip_punctuation(text::normalize(w)));
  }
  const YAML::Node words = doc.value()["words"];
  if (words.IsDefined() && !words.IsMap()) r.problem(words, "'words' maps a language to a list of words");
  if (words.IsMap()) {
    for (const auto& kv : words) {
      const std::string lang = kv.first.Scalar();
      for (const auto& w : r.text_list(words, lang, "words")) {
        h.words.emplace_back(std::string(text::strip_punctuation(text::normalize(w))), lang);
      }
    }
  }
  return h;
}

}  // namespace

std::shared_ptr<runner::content> load_content(const config& c, std::vector<std::string>& problems) {
  auto bundle = std::make_shared<runner::content>();
  bundle->texts = text::catalog::load_dir(c.templates_dir, problems);
  bundle->flows = flow::flow_set::load_dir(c.flows_dir, problems);
  bundle->words = text::lexicon::load(c.lexicon_dir + "/yes_no.yaml", problems);
  bundle->keywords = load_keywords(c.lexicon_dir + "/keywords.yaml", problems);
  bundle->hints = load_language_hints(c.lexicon_dir + "/languages.yaml", problems);
  // A flow keyword that is also a global one would never be reached.
  for (const auto& f : bundle->flows.all()) {
    for (const auto& k : f->sms_keywords) {
      const auto said = text::read_global(text::normalize(k), bundle->keywords);
      if (said != text::global_word::none && said != text::global_word::ask_stop) {
        problems.push_back(f->file + ": SMS keyword '" + k +
                           "' is reserved (lexicon/keywords.yaml: stop, start or help)");
      }
    }
  }
  const auto langs = bundle->texts.languages();
  if (std::find(langs.begin(), langs.end(), "en") == langs.end()) {
    problems.push_back(c.templates_dir + ": templates/en.yaml is missing (the last fallback)");
  }
  for (const auto& offered : c.defaults_.languages) {
    if (std::find(langs.begin(), langs.end(), offered) == langs.end()) {
      problems.push_back(c.file + ": defaults.languages offers '" + offered +
                         "' but templates has no " + offered + ".yaml");
    }
  }
  if (std::find(langs.begin(), langs.end(), c.defaults_.language) == langs.end()) {
    problems.push_back(c.file + ": defaults.language is '" + c.defaults_.language +
                       "' but templates has no " + c.defaults_.language + ".yaml");
  }
  bundle->flows.check_texts(bundle->texts, langs, problems);
  // Against the strictest route: a flow may be served on any of them.
  text::screen_limits strictest = c.ussd_profiles.at("default");
  for (const auto& [name, l] : c.ussd_profiles) {
    strictest.gsm7_max = std::min(strictest.gsm7_max, l.gsm7_max);
    strictest.ucs2_max = std::min(strictest.ucs2_max, l.ucs2_max);
  }
  bundle->flows.check_screens(bundle->texts, langs, strictest, flow::context{}.page_size, problems);
  // A yes/no question must never be answerable by an opt-out word (R-S6).
  for (const auto& w : bundle->keywords.stop.written) {
    if (bundle->words.yes_no(text::normalize(w))) {
      problems.push_back(c.lexicon_dir + "/keywords.yaml: stop word '" + w +
                         "' is also a yes/no answer in yes_no.yaml; a reply could not say which");
    }
  }
  const auto& known = actions::registry::builtin();
  for (const auto& f : bundle->flows.all()) {
    for (const auto& [id, n] : f->nodes) {
      if (n.kind != flow::node_kind::action || known.find(n.action)) continue;
      std::string names;
      for (const auto& a : known.all()) names += (names.empty() ? "" : ", ") + std::string(a.name);
      problems.push_back(n.where + ": node '" + id + "' uses action '" + n.action +
                         "', which is not a built-in (known: " + names + ")");
    }
  }
  text::lint_templates(bundle->texts, problems);
  for (const auto& lang : langs) {
    for (std::string_view key : flow::keys::required) {
      if (!bundle->texts.find(lang, key)) {
        problems.push_back(c.templates_dir + "/" + lang + ".yaml: missing '" + std::string(key) +
                           "', which the gateway itself shows");
      }
    }
  }
  return bundle;
}

runner::settings runner_settings(const config& c) {
  runner::settings s;
  s.default_language = c.defaults_.language;
  s.timezone = c.defaults_.timezone;
  s.languages = c.defaults_.languages;
  s.region = c.defaults_.region;
  s.emergency_number = c.defaults_.emergency_number;
  s.session_timeout_ms = c.session_timeout_ms;
  s.resume_window_ms = c.resume_window_ms;
  return s;
}

}  // namespace paygham::app
