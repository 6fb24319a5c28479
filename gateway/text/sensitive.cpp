#include "gateway/text/sensitive.hpp"

#include <algorithm>

#include "gateway/core/yaml.hpp"
#include "gateway/text/normalize.hpp"

namespace paygham::text {
namespace {

// Whole words of normalised text: anything but letters and digits separates them (ASCII
// punctuation and spaces, and the Persian comma, semicolon, question mark and quotes).
std::vector<std::string> words_of(std::string_view normalized) {
  static constexpr std::string_view persian_marks[] = {"،", "؛", "؟", "«", "»", "…"};
  std::vector<std::string> out;
  std::string word;
  for (std::size_t i = 0; i < normalized.size();) {
    const unsigned char c = static_cast<unsigned char>(normalized[i]);
    std::size_t mark = 0;
    for (const auto m : persian_marks) {
      if (normalized.substr(i, m.size()) == m) mark = m.size();
    }
    const bool separator = mark > 0 || (c < 0x80 && !std::isalnum(c));
    if (separator) {
      if (!word.empty()) out.push_back(std::exchange(word, {}));
      i += mark > 0 ? mark : 1;
    } else {
      word += normalized[i];
      ++i;
    }
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

}  // namespace

sensitive_terms sensitive_terms::load(const std::string& file, std::vector<std::string>& problems) {
  sensitive_terms out;
  auto doc = core::yaml::load_file(file);
  if (!doc) {
    problems.push_back(doc.error());
    return out;
  }
  core::yaml::reader r(file, problems);
  if (!doc.value().IsMap()) {
    r.problem(doc.value(), "each language maps to a list of terms: en: [pregnancy, …]");
    return out;
  }
  for (const auto& kv : doc.value()) {
    for (const auto& t : r.text_list(doc.value(), kv.first.Scalar(), "")) {
      auto words = words_of(normalize(t));
      if (words.empty()) continue;
      out.terms_.push_back({t, std::move(words)});
    }
  }
  return out;
}

std::string sensitive_terms::find(std::string_view text) const {
  const auto words = words_of(normalize(text));
  for (const auto& t : terms_) {
    if (std::search(words.begin(), words.end(), t.words.begin(), t.words.end()) != words.end()) return t.written;
  }
  return {};
}

}  // namespace paygham::text
