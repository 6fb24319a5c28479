#include "gateway/text/districts.hpp"

#include <algorithm>

#include <unicode/uchar.h>

#include "gateway/core/utf8.hpp"
#include "gateway/core/yaml.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::text {

namespace {

// A Pashto letter as a phone without a Pashto keyboard types it: its Persian neighbour.
char32_t persian_neighbour(char32_t c) {
  switch (c) {
    case U'\u06AB': return U'\u06AF';  // ګ → گ
    case U'\u069A': return U'\u0634';  // ښ → ش
    case U'\u0679': return U'\u062A';  // ټ → ت
    case U'\u0689': return U'\u062F';  // ډ → د
    case U'\u0693': return U'\u0631';  // ړ → ر
    case U'\u06BC': return U'\u0646';  // ڼ → ن
    case U'\u0696': return U'\u0698';  // ږ → ژ
    case U'\u0681': return U'\u0632';  // ځ → ز
    case U'\u0685': return U'\u0686';  // څ → چ
    case U'\u06D0': case U'\u06CD': case U'\u0626': return U'\u06CC';  // ې ۍ ئ → ی
    default: return c;
  }
}

// The keys of the words of `utf8`, in order: runs of letters and digits, each as place_key
// reads it (whatever separates them is dropped, as place_key drops it).
std::vector<std::string> word_keys(std::string_view utf8) {
  std::vector<std::string> out;
  if (!core::valid_utf8(utf8)) return out;
  bool in_word = false;
  for (const char32_t c : core::decode_utf8(normalize(utf8))) {
    const auto cp = static_cast<UChar32>(c);
    const bool kept = u_hasBinaryProperty(cp, UCHAR_ALPHABETIC) || u_isdigit(cp);
    if (kept && !in_word) out.emplace_back();
    if (kept) core::append_utf8(out.back(), persian_neighbour(c));
    in_word = kept;
  }
  return out;
}

}  // namespace

std::string place_key(std::string_view utf8) {
  std::string out;
  for (const auto& word : word_keys(utf8)) out += word;
  return out;
}

std::string place_as_written(std::string_view typed) {
  std::u32string out;
  for (const char32_t c : core::decode_utf8(typed)) {
    const bool space = c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == 0x2028 || c == 0x2029;
    // Controls, and the direction overrides that could show an operator a place reordered
    // (ZWNJ and ZWJ stay: Persian words need them).
    const bool hidden = c < 0x20 || (c >= 0x7F && c < 0xA0) || (c >= 0x202A && c <= 0x202E) ||
                        (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0x061C;
    if (space ? (out.empty() || out.back() == U' ') : hidden) continue;
    out.push_back(space ? U' ' : c);
    if (out.size() == 60) break;
  }
  while (!out.empty() && out.back() == U' ') out.pop_back();
  return core::encode_utf8(out);
}

std::string district_table::district_of(std::string_view area, std::string_view written) const {
  const auto in = spellings_.find(area);
  if (in == spellings_.end()) return {};
  const std::string key = place_key(written);
  if (key.empty()) return {};
  const auto it = in->second.find(key);
  return it == in->second.end() ? std::string() : it->second;
}

std::string district_table::district_named_in(std::string_view area, std::string_view words) const {
  const auto in = spellings_.find(area);
  if (in == spellings_.end()) return {};
  const auto& words_of = words_.find(area)->second;
  std::size_t most = 0;  // the most words in one spelling
  for (const auto& [_, n] : words_of) most = std::max(most, n);
  const auto keys = word_keys(words);
  std::set<std::string> named;
  for (std::size_t first = 0; first < keys.size(); ++first) {
    std::string key;
    for (std::size_t last = first; last < keys.size(); ++last) {
      key += keys[last];
      const auto it = in->second.find(key);
      const std::size_t n = last - first + 1;
      if (it != in->second.end() && (n == 1 || words_of.at(key) == n)) named.insert(it->second);
      if (n >= most) break;
    }
  }
  return named.size() == 1 ? *named.begin() : std::string();
}

bool district_table::knows(std::string_view area, std::string_view district) const {
  const auto in = districts_.find(area);
  return in != districts_.end() && in->second.count(std::string(district)) > 0;
}

std::vector<std::string> district_table::districts(std::string_view area) const {
  const auto in = districts_.find(area);
  if (in == districts_.end()) return {};
  return {in->second.begin(), in->second.end()};
}

std::vector<std::string> district_table::areas() const {
  std::vector<std::string> out;
  for (const auto& [area, _] : districts_) out.push_back(area);
  return out;
}

bool district_table::add(const std::string& area, const std::string& district, const std::string& spelling) {
  districts_[area].insert(district);
  words_[area].emplace(place_key(spelling), word_keys(spelling).size());
  const auto [it, added] = spellings_[area].emplace(place_key(spelling), district);
  return added || it->second == district;
}

district_table load_districts(const std::string& file, std::vector<std::string>& problems) {
  district_table out;
  auto doc = core::yaml::load_file(file);
  if (!doc) {
    problems.push_back(doc.error());
    return out;
  }
  core::yaml::reader r(file, problems);
  const YAML::Node root = doc.value();
  const char* shape = "herat: {injil: [Injil, Enjil, انجیل]}";
  if (!root.IsMap()) {
    r.problem(root, std::string("the districts file maps each area to its districts, and each district to the ways "
                                "people write it: ") + shape);
    return out;
  }
  for (const auto& a : root) {
    const std::string area = a.first.IsScalar() ? a.first.Scalar() : "";
    if (!is_value_name(area)) {
      r.problem(a.first, "'" + area + "' is not an area as flows name it (lower-case letters, digits and _: herat)");
      continue;
    }
    if (!a.second.IsMap() || a.second.size() == 0) {
      r.problem(a.second, "'" + area + "' maps each of its districts to the ways people write it: " + shape);
      continue;
    }
    for (const auto& d : a.second) {
      const std::string district = d.first.IsScalar() ? d.first.Scalar() : "";
      const std::string path = area + "." + district;
      if (!is_value_name(district)) {
        r.problem(d.first, "'" + district + "' in '" + area +
                               "' is not a district's name as operators send alerts by it (lower-case letters, "
                               "digits and _: injil)");
        continue;
      }
      if (!d.second.IsSequence() || d.second.size() == 0) {
        r.problem(d.second, "'" + path + "' lists the ways people write it: [Injil, Enjil, انجیل]");
        continue;
      }
      for (const auto& s : d.second) {
        const std::string spelling = s.IsScalar() ? s.Scalar() : "";
        if (place_key(spelling).empty()) {
          r.problem(s, "'" + path + "' has a spelling with no letter or digit in it");
        } else if (place_key(spelling) == place_key(area)) {
          r.problem(s, "'" + spelling + "' in '" + path +
                           "' is the area's own name: a person who writes only that has not said their district");
        } else if (!out.add(area, district, spelling)) {
          r.problem(s, "'" + spelling + "' in '" + path + "' already names " + out.district_of(area, spelling) +
                           ": a spelling may name one district of an area");
        }
      }
    }
  }
  return out;
}

}  // namespace paygham::text
