#include "gateway/text/lexicon.hpp"

#include "gateway/core/yaml.hpp"
#include "gateway/text/normalize.hpp"

namespace paygham::text {

lexicon lexicon::load(const std::string& file, std::vector<std::string>& problems) {
  lexicon lx;
  auto doc = core::yaml::load_file(file);
  if (!doc) {
    problems.push_back(doc.error());
    return lx;
  }
  core::yaml::reader r(file, problems);
  if (!doc->IsMap()) {
    r.problem(doc.value(), "the lexicon maps languages to {yes: [...], no: [...]}");
    return lx;
  }
  for (const auto& kv : doc.value()) {
    const std::string lang = kv.first.Scalar();
    if (!r.expect_map(kv.second, lang, {"yes", "no"})) continue;
    for (const auto& w : r.text_list(kv.second, "yes", lang)) lx.add(true, w);
    for (const auto& w : r.text_list(kv.second, "no", lang)) lx.add(false, w);
  }
  return lx;
}

void lexicon::add(bool yes, std::string_view word) {
  (yes ? yes_ : no_).insert(normalize(word));
}

std::optional<bool> lexicon::yes_no(std::string_view normalized) const {
  // A trailing full stop or exclamation mark is how some people end every message.
  while (!normalized.empty() && (normalized.back() == '.' || normalized.back() == '!')) {
    normalized.remove_suffix(1);
  }
  if (yes_.count(normalized)) return true;
  if (no_.count(normalized)) return false;
  return std::nullopt;
}

}  // namespace paygham::text
