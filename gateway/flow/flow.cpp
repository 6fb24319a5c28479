#include "gateway/flow/flow.hpp"

#include <algorithm>
#include <cctype>

#include "gateway/text/catalog.hpp"

namespace paygham::flow {
namespace {

std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view first_word(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::size_t b = 0;
  while (b < s.size() && is_space(s[b])) ++b;
  std::size_t e = b;
  while (e < s.size() && !is_space(s[e])) ++e;
  return s.substr(b, e - b);
}

}  // namespace

const node* definition::find(std::string_view node_id) const {
  auto it = nodes.find(node_id);
  return it == nodes.end() ? nullptr : &it->second;
}

bool definition::has_keyword(std::string_view word) const {
  const std::string w = upper_ascii(word);
  return std::any_of(sms_keywords.begin(), sms_keywords.end(),
                     [&](const std::string& k) { return upper_ascii(k) == w; });
}

void flow_set::add(std::shared_ptr<const definition> d) { flows_.push_back(std::move(d)); }

const definition* flow_set::by_id(std::string_view id) const {
  for (const auto& f : flows_) {
    if (f->id == id) return f.get();
  }
  return nullptr;
}

const definition* flow_set::by_ussd_code(std::string_view code) const {
  for (const auto& f : flows_) {
    if (std::find(f->ussd_codes.begin(), f->ussd_codes.end(), code) != f->ussd_codes.end()) {
      return f.get();
    }
  }
  return nullptr;
}

const definition* flow_set::by_keyword(std::string_view text) const {
  const std::string_view word = first_word(text);
  if (word.empty()) return nullptr;
  for (const auto& f : flows_) {
    if (f->has_keyword(word)) return f.get();
  }
  return nullptr;
}

void flow_set::check_texts(const text::catalog& texts, const std::vector<std::string>& langs,
                           std::vector<std::string>& problems) const {
  for (const auto& f : flows_) {
    for (const auto& [id, n] : f->nodes) {
      std::vector<std::string> keys;
      if (!n.text.empty()) keys.push_back(n.text);
      for (const auto& o : n.options) keys.push_back(o.label);
      for (const auto& key : keys) {
        for (const auto& lang : langs) {
          if (!texts.find(lang, key)) {
            problems.push_back(n.where + ": node '" + id + "' uses text '" + key +
                               "', which templates/" + lang + ".yaml does not have");
          }
        }
      }
    }
  }
}

}  // namespace paygham::flow
