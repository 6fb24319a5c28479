#include "gateway/text/lexicon.hpp"

#include "gateway/core/yaml.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"

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
  // A word that says both would be read as whichever list came first: refuse it.
  for (const auto& w : lx.yes_) {
    if (lx.no_.count(w)) r.problem(doc.value(), "'" + w + "' is both a yes and a no word");
  }
  return lx;
}

std::vector<std::pair<std::string, bool>> lexicon::entries() const {
  std::vector<std::pair<std::string, bool>> out;
  for (const auto& w : yes_) out.emplace_back(w, true);
  for (const auto& w : no_) out.emplace_back(w, false);
  return out;
}

void lexicon::add(bool yes, std::string_view word) {
  (yes ? yes_ : no_).insert(normalize(word));
}

std::optional<bool> lexicon::yes_no(std::string_view normalized) const {
  // "بله؟", «هان؟» ("huh?"), "ok?": a question back, not an answer ("yes" to erasing
  // everything must be meant). Readers that strip punctuation first check asks_back themselves.
  if (asks_back(normalized)) return std::nullopt;
  // "بله!", "ok.": punctuation is how some people end every message.
  normalized = strip_punctuation(normalized);
  if (yes_.count(normalized)) return true;
  if (no_.count(normalized)) return false;
  return std::nullopt;
}

}  // namespace paygham::text
