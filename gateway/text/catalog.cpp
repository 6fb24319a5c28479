#include "gateway/text/catalog.hpp"

#include <algorithm>
#include <filesystem>

#include "gateway/core/yaml.hpp"
#include "gateway/text/format.hpp"

namespace paygham::text {
namespace {

void flatten(const YAML::Node& node, const std::string& prefix, const std::string& file,
             const std::string& lang, std::map<std::string, entry, std::less<>>& out,
             std::vector<std::string>& problems) {
  for (const auto& kv : node) {
    const std::string key = core::yaml::join(prefix, kv.first.Scalar());
    if (kv.second.IsMap() && kv.second["text"].IsDefined()) {
      // A text with options.
      core::yaml::reader r(file, problems);
      if (!r.expect_map(kv.second, key, {"text", "smart", "parts", "explicit"})) continue;
      entry e{r.text(kv.second, "text", key, true).value_or(""), core::yaml::where(file, kv.second),
              lang};
      e.smart = r.boolean(kv.second, "smart", key).value_or(false);
      e.parts = static_cast<int>(r.integer(kv.second, "parts", key, 1, 10).value_or(0));
      if (kv.second["explicit"].IsDefined()) {
        entry variant = e;
        variant.text = r.text(kv.second, "explicit", key, true).value_or("");
        variant.where = core::yaml::where(file, kv.second["explicit"]);
        out[key + std::string(explicit_suffix)] = std::move(variant);
      }
      out[key] = std::move(e);
    } else if (kv.second.IsMap()) {
      flatten(kv.second, key, file, lang, out, problems);
    } else if (kv.second.IsScalar()) {
      out[key] = entry{kv.second.Scalar(), core::yaml::where(file, kv.second), lang};
    } else {
      problems.push_back(core::yaml::where(file, kv.second) + ": template '" + key +
                         "' must be text");
    }
  }
}

}  // namespace

catalog catalog::load_dir(const std::string& dir, std::vector<std::string>& problems) {
  catalog c;
  for (const auto& file : core::yaml::list_files(dir, "templates", problems)) {
    const std::filesystem::path path(file);
    auto doc = core::yaml::load_file(file);
    if (!doc) {
      problems.push_back(doc.error());
      continue;
    }
    if (doc->IsNull()) continue;
    if (!doc->IsMap()) {
      problems.push_back(path.string() + ": a templates file maps keys to texts");
      continue;
    }
    const std::string lang = path.stem().string();
    const auto dash = lang.find('-');
    if (dash != std::string::npos && (!latin_letters_of(lang) || lang.find('-', dash + 1) != std::string::npos)) {
      problems.push_back(path.string() + ": a templates file is named after its language (prs.yaml), or a "
                         "Persian-script language's screens in Latin letters (prs-Latn.yaml)");
      continue;
    }
    flatten(doc.value(), "", path.string(), lang, c.by_lang_[lang], problems);
  }
  for (const auto& lang : c.latin_letters()) {
    const std::string spoken(spoken_language(lang));
    if (!persian_script(spoken)) {
      problems.push_back(dir + "/" + lang + ".yaml: Latin letters are only for a Persian-script language (such as fa, prs, ps), not '" +
                         spoken + "'");
    } else if (!c.knows(spoken)) {
      problems.push_back(dir + "/" + lang + ".yaml: its language has no file (" + spoken + ".yaml)");
    }
  }
  return c;
}

void catalog::add(std::string lang, std::string key, std::string text) {
  by_lang_[lang][std::move(key)] = entry{std::move(text), "(added)", lang};
}

const entry* catalog::find(std::string_view lang, std::string_view key) const {
  auto l = by_lang_.find(lang);
  if (l == by_lang_.end()) return nullptr;
  auto k = l->second.find(key);
  return k == l->second.end() ? nullptr : &k->second;
}

const entry* catalog::resolve(std::string_view key, const std::vector<std::string>& langs, bool explicit_texts) const {
  for (const auto& lang : langs) {
    const entry* e = find(lang, key);
    if (!e) continue;
    if (explicit_texts) {
      if (const entry* v = find(lang, std::string(key) + std::string(explicit_suffix))) return v;
    }
    return e;
  }
  return nullptr;
}

std::vector<std::string> catalog::languages() const {
  std::vector<std::string> out;
  for (const auto& [lang, _] : by_lang_) {
    if (!latin_letters_of(lang)) out.push_back(lang);
  }
  return out;
}

bool catalog::knows(std::string_view lang) const {
  return !latin_letters_of(lang) && by_lang_.find(lang) != by_lang_.end();
}

std::vector<std::string> catalog::latin_letters() const {
  std::vector<std::string> out;
  for (const auto& [lang, _] : by_lang_) {
    if (latin_letters_of(lang)) out.push_back(lang);
  }
  return out;
}

std::vector<std::string> catalog::in_latin_letters(const std::vector<std::string>& langs) const {
  std::vector<std::string> out;
  for (const auto& l : langs) {
    const bool own_letters = persian_script(l);
    std::string shown = own_letters ? l + std::string(latin_tag) : l;
    if (own_letters && by_lang_.find(shown) == by_lang_.end()) continue;
    if (std::find(out.begin(), out.end(), shown) == out.end()) out.push_back(std::move(shown));
  }
  if (out.empty()) out.emplace_back("en");
  return out;
}

const std::map<std::string, entry, std::less<>>* catalog::keys_of(std::string_view lang) const {
  auto l = by_lang_.find(lang);
  return l == by_lang_.end() ? nullptr : &l->second;
}

std::string render(std::string_view text, const lookup_fn& lookup, const formatter* fmt,
                   const lookup_fn& label_of) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      out.push_back(c);
      ++i;
      continue;
    }
    if (c == '{') {
      const std::size_t close = text.find('}', i + 1);
      if (close != std::string_view::npos) {
        const std::string_view inside = text.substr(i + 1, close - i - 1);
        const auto bar = inside.find('|');
        const std::string_view name = inside.substr(0, bar);
        if (bar != std::string_view::npos && inside.substr(bar + 1) == "label") {
          if (auto shown = label_of ? label_of(name) : std::nullopt) {
            out += *shown;
            i = close;
            continue;
          }
        } else if (auto v = lookup(name)) {
          if (bar == std::string_view::npos) {
            out += *v;
            i = close;
            continue;
          }
          if (auto formatted = fmt ? fmt->apply(*v, inside.substr(bar + 1)) : std::nullopt) {
            out += *formatted;
            i = close;
            continue;
          }
        }
      }
    }
    out.push_back(c);
  }
  return out;
}

std::vector<std::string> braces(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == text[i]) {
      ++i;
      continue;
    }
    if (text[i] != '{') continue;
    const std::size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) break;
    out.emplace_back(text.substr(i + 1, close - i - 1));
    i = close;
  }
  return out;
}

std::vector<std::string> placeholders(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& inside : braces(text)) {
    std::string name = inside.substr(0, inside.find('|'));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  }
  return out;
}

}  // namespace paygham::text
