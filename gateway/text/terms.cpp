#include "gateway/text/terms.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

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

// Pashto letters as a Persian keyboard types them: many Pashto speakers in Iran write on one.
std::string persian_keyboard(std::string s) {
  static constexpr std::pair<std::string_view, std::string_view> folds[] = {
      {"ښ", "ش"}, {"ږ", "ژ"}, {"ړ", "ر"}, {"ګ", "گ"}, {"ټ", "ت"}, {"ډ", "د"},
      {"ې", "ی"}, {"ۍ", "ی"}, {"ئ", "ی"}, {"ځ", "ز"}, {"ڼ", "ن"},
  };
  for (const auto& [from, to] : folds) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  }
  return s;
}

std::string comparable(std::string_view text, term_list::reading how) {
  std::string out = normalize(text);
  return how == term_list::reading::strict ? out : persian_keyboard(std::move(out));
}

}  // namespace

std::vector<std::string_view> clauses_of(std::string_view text) {
  static constexpr std::string_view marks[] = {".", ",", ";", "!", "?", "\n", "،", "؛", "؟"};
  // Words that join two parts, each with its own subject: "my son is bleeding and I am not
  // hurt", «... ولی خودم زخمی نشدم», Pashto «او», «خو».
  static constexpr std::string_view joins[] = {"and",  "but", "و",   "ولی", "اما", "لیکن",
                                               "لېکن", "مگر", "مګر", "او",  "خو"};
  std::vector<std::string_view> out;
  const auto part = [&](std::size_t from, std::size_t to) {
    while (from < to && text[from] == ' ') ++from;
    while (to > from && text[to - 1] == ' ') --to;
    if (to > from) out.push_back(text.substr(from, to - from));
  };
  std::size_t from = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t mark = 0;
    for (const auto m : marks) {
      if (text.substr(i, m.size()) == m) mark = m.size();
    }
    // A joining word, alone between spaces (any case of "and", "But").
    if (mark == 0 && (i == 0 || text[i - 1] == ' ')) {
      for (const auto j : joins) {
        const auto word = text.substr(i, j.size());
        const bool same =
            std::equal(word.begin(), word.end(), j.begin(), j.end(), [](char x, char y) {
              return std::tolower(static_cast<unsigned char>(x)) == static_cast<unsigned char>(y);
            });
        if (same && i + j.size() < text.size() && text[i + j.size()] == ' ') mark = j.size();
      }
    }
    if (mark == 0) {
      ++i;
      continue;
    }
    part(from, i);
    i += mark;
    from = i;
  }
  part(from, text.size());
  return out;
}

term_list term_list::load(const std::string& file, std::vector<std::string>& problems, std::string_view group,
                          reading how) {
  term_list out;
  out.how_ = how;
  auto doc = core::yaml::load_file(file);
  if (!doc) {
    problems.push_back(doc.error());
    return out;
  }
  core::yaml::reader r(file, problems);
  YAML::Node languages = doc.value();
  if (!group.empty()) {
    if (!languages.IsMap() || !languages[std::string(group)]) {
      r.problem(languages, "no '" + std::string(group) + ":' here: each group maps languages to terms");
      return out;
    }
    languages = languages[std::string(group)];
  }
  if (!languages.IsMap()) {
    r.problem(languages, "each language maps to a list of terms: en: [pregnancy, …]");
    return out;
  }
  for (const auto& kv : languages) {
    for (const auto& t : r.text_list(languages, kv.first.Scalar(), "")) {
      auto words = words_of(comparable(t, how));
      if (words.empty()) continue;
      out.terms_.push_back({t, std::move(words)});
    }
  }
  return out;
}

term_list term_list::read_as(reading how) const {
  term_list out;
  out.how_ = how;
  for (const auto& t : terms_)
    out.terms_.push_back({t.written, words_of(comparable(t.written, how))});
  return out;
}

bool term_list::same(const std::string& in_text, const std::string& in_term, bool last) const {
  if (last && how_ == reading::generous) return in_text.starts_with(in_term);
  return in_text == in_term;
}

bool term_list::starts_at(const std::vector<std::string>& words, std::size_t at,
                          const term& t) const {
  if (at + t.words.size() > words.size()) return false;
  for (std::size_t k = 0; k < t.words.size(); ++k) {
    if (!same(words[at + k], t.words[k], k + 1 == t.words.size())) return false;
  }
  return true;
}

std::string term_list::find(std::string_view text) const {
  const auto words = words_of(comparable(text, how_));
  for (const auto& t : terms_) {
    for (std::size_t at = 0; at < words.size(); ++at) {
      if (starts_at(words, at, t)) return t.written;
    }
  }
  return {};
}

std::string term_list::without(std::string_view text) const {
  const auto words = words_of(comparable(text, how_));
  std::vector<bool> taken(words.size(), false);
  for (const auto& t : terms_) {
    for (std::size_t at = 0; at < words.size(); ++at) {
      if (!starts_at(words, at, t)) continue;
      for (std::size_t k = 0; k < t.words.size(); ++k) taken[at + k] = true;
    }
  }
  // A word no term has («·») where words were taken: no phrase reads across the gap.
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (!out.empty()) out += ' ';
    out += taken[i] ? "·" : words[i];
  }
  return out;
}

bool term_list::whole(std::string_view text) const {
  const auto words = words_of(comparable(text, how_));
  return std::any_of(terms_.begin(), terms_.end(), [&](const term& t) {
    if (t.words.size() != words.size()) return false;
    for (std::size_t k = 0; k < words.size(); ++k) {
      if (!same(words[k], t.words[k], k + 1 == words.size())) return false;
    }
    return true;
  });
}

}  // namespace paygham::text
