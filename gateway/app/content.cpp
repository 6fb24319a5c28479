#include "gateway/app/content.hpp"

#include "gateway/flow/engine.hpp"
#include "gateway/text/lint.hpp"

namespace paygham::app {
std::shared_ptr<runner::content> load_content(const config& c, std::vector<std::string>& problems) {
  auto bundle = std::make_shared<runner::content>();
  bundle->texts = text::catalog::load_dir(c.templates_dir, problems);
  bundle->flows = flow::flow_set::load_dir(c.flows_dir, problems);
  bundle->words = text::lexicon::load(c.lexicon_file, problems);
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

}  // namespace paygham::app
