#include "gateway/text/lexicon.hpp"

#include <algorithm>

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
    if (!r.expect_map(kv.second, lang, {"yes", "no", "thanks", "acknowledge"})) continue;
    for (const auto& w : r.text_list(kv.second, "yes", lang)) lx.add(true, w);
    for (const auto& w : r.text_list(kv.second, "no", lang)) lx.add(false, w);
    if (kv.second["thanks"]) {
      for (const auto& w : r.text_list(kv.second, "thanks", lang)) {
        std::string t(strip_punctuation(normalize(w)));
        if (!t.empty()) lx.thanks_.push_back(std::move(t));
      }
    }
  }
  // A word that says both would be read as whichever list came first: refuse it.
  for (const auto& w : lx.yes_) {
    if (lx.no_.count(w)) r.problem(doc.value(), "'" + w + "' is both a yes and a no word");
  }
  for (const auto& kv : doc.value()) {
    if (!kv.second.IsMap() || !kv.second["acknowledge"]) continue;
    for (const auto& w : r.text_list(kv.second, "acknowledge", kv.first.Scalar())) {
      std::string a(strip_punctuation(normalize(w)));
      if (!lx.yes_.count(a)) r.problem(kv.second["acknowledge"], "'" + w + "' is in acknowledge but not in yes");
      lx.acknowledge_.insert(std::move(a));
    }
  }
  // Thanks is dropped before yes or no is read: one that is itself a yes or a no would say it.
  for (const auto& t : lx.thanks_) {
    if (lx.yes_.count(t) || lx.no_.count(t)) r.problem(doc.value(), "'" + t + "' is thanks and a yes or no word");
  }
  lx.add_courtesies({});
  return lx;
}

std::vector<std::string> lexicon::add_courtesies(const std::vector<std::string>& normalized) {
  std::vector<std::string> refused;
  for (const auto& w : normalized) {
    if (w.empty() || std::find(thanks_.begin(), thanks_.end(), w) != thanks_.end()) continue;
    if (yes_.count(w) || no_.count(w)) {
      refused.push_back(w);
    } else {
      thanks_.push_back(w);
    }
  }
  std::stable_sort(thanks_.begin(), thanks_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return refused;
}

void lexicon::load_answers(const std::string& file, std::vector<std::string>& problems) {
  auto doc = core::yaml::load_file(file);
  if (!doc) {
    problems.push_back(doc.error());
    return;
  }
  core::yaml::reader r(file, problems);
  if (!r.expect_map(doc.value(), "", {"numbers", "labels"})) return;
  // A word that says two things would be read as whichever came first: refuse it.
  const auto taken = [&](const YAML::Node& at, const std::string& word, const std::string& as) {
    std::string other;
    if (yes_.count(word) || no_.count(word)) other = "a yes/no word (yes_no.yaml)";
    if (const auto n = numbers_.find(word); n != numbers_.end()) other = "the number " + std::to_string(n->second);
    if (const auto l = labels_.find(word); l != labels_.end()) other = "a word for " + l->second.front();
    if (other.empty()) return false;
    r.problem(at, "'" + word + "' for " + as + " is already " + other + "; a reply could not say which");
    return true;
  };
  // `numbers` maps languages, and each language its numbers, to lists of words.
  const auto part = [&](const YAML::Node& map, const std::string& path, std::string_view what) {
    if (!map.IsDefined() || map.IsNull()) return false;
    if (map.IsMap()) return true;
    r.problem(map, "'" + path + "' maps " + std::string(what));
    return false;
  };
  const YAML::Node numbers = doc.value()["numbers"];
  for (const auto& lang : part(numbers, "numbers", "languages to their numbers") ? numbers : YAML::Node()) {
    const std::string path = "numbers." + lang.first.Scalar();
    if (!part(lang.second, path, "each number (1 to 9) to its words")) continue;
    for (const auto& kv : lang.second) {
      const std::string key = kv.first.Scalar();
      if (key.size() != 1 || key[0] < '1' || key[0] > '9') {
        r.problem(kv.first, "'" + path + "." + key + "': the numbers are 1 to 9");
        continue;
      }
      const long n = key[0] - '0';
      for (const auto& w : r.text_list(lang.second, key, path)) {
        const std::string word = std::string(strip_punctuation(normalize(w)));
        if (word.empty()) {
          r.problem(kv.second, "an empty word for the number " + key);
        } else if (const auto same = numbers_.find(word); same != numbers_.end() && same->second == n) {
          continue;  // the same word in two languages («دو»)
        } else if (!taken(kv.second, word, "the number " + key)) {
          numbers_.emplace(word, n);
        }
      }
    }
  }
  // `labels`: a list of {for: [text keys], <lang>: [words]}; one meaning, maybe several labels
  // («می‌آیم» to a visit's day-before question and to a refill's).
  const YAML::Node labels = doc.value()["labels"];
  if (labels.IsDefined() && !labels.IsNull() && !labels.IsSequence()) {
    r.problem(labels, "'labels' is a list of {for: [texts of labels], <language>: [words]}");
  }
  for (const auto& entry : labels.IsSequence() ? labels : YAML::Node()) {
    if (!entry.IsMap()) {
      r.problem(entry, "each item of 'labels' maps 'for' and languages to lists of words");
      continue;
    }
    const auto labelled = r.text_list(entry, "for", "labels");
    if (labelled.empty()) {
      r.problem(entry, "an item of 'labels' without 'for': which option's label do its words say?");
      continue;
    }
    // `asked`: only where a question of those texts offers the label ("don't call" is no to
    // "may the team call you?", never to "is anyone hurt?"), kept as "<label>@<question>".
    const auto asked = entry["asked"].IsDefined() ? r.text_list(entry, "asked", "labels")
                                                  : std::vector<std::string>{};
    if (entry["asked"].IsDefined() && asked.empty()) {
      // Left empty, its words would answer every question: "don't call" a no to "is anyone hurt?".
      r.problem(
          entry["asked"],
          "'asked' names no question: list the texts of those its words answer, or remove it");
      continue;
    }
    std::vector<std::string> keys;
    for (const auto& k : labelled) {
      if (asked.empty()) keys.push_back(k);
      for (const auto& q : asked) keys.push_back(k + "@" + q);
    }
    std::string as;
    for (const auto& k : keys) as += (as.empty() ? "" : ", ") + k;
    for (const auto& lang : entry) {
      if (lang.first.Scalar() == "for" || lang.first.Scalar() == "asked") continue;
      for (const auto& w : r.text_list(entry, lang.first.Scalar(), "labels")) {
        const std::string word = std::string(strip_punctuation(normalize(w)));
        if (word.empty()) {
          r.problem(lang.second, "an empty word for " + as);
        } else if (const auto same = labels_.find(word); same != labels_.end() && same->second == keys) {
          continue;  // the same word in two languages («میام»)
        } else if (!taken(lang.second, word, as)) {
          labels_.emplace(word, keys);
        }
      }
    }
  }
}

std::optional<long> lexicon::number(std::string_view normalized) const {
  if (asks_back(normalized)) return std::nullopt;
  const auto it = numbers_.find(strip_punctuation(normalized));
  return it == numbers_.end() ? std::nullopt : std::optional<long>(it->second);
}

bool lexicon::says(std::string_view label, std::string_view normalized,
                   std::string_view question) const {
  if (asks_back(normalized)) return false;
  const auto it = labels_.find(strip_punctuation(normalized));
  if (it == labels_.end()) return false;
  const auto has = [&](const std::string& key) {
    return std::find(it->second.begin(), it->second.end(), key) != it->second.end();
  };
  return has(std::string(label)) ||
         (!question.empty() && has(std::string(label) + "@" + std::string(question)));
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
  // «هو مننه», "yes, thank you", «مرسی، نه»: thanks says nothing either way.
  if (const std::string_view rest = without_thanks(normalized); rest != normalized) {
    if (yes_.count(rest) && !acknowledges(rest)) return true;
    if (no_.count(rest)) return false;
  }
  return std::nullopt;
}

bool lexicon::acknowledges(std::string_view normalized) const {
  return acknowledge_.count(strip_punctuation(normalized)) != 0;
}

bool lexicon::is_thanks(std::string_view normalized) const {
  const std::string_view s = strip_punctuation(normalized);
  return std::find(thanks_.begin(), thanks_.end(), s) != thanks_.end();
}

std::string_view lexicon::without_thanks(std::string_view normalized) const {
  const std::string_view s = strip_punctuation(normalized);
  // A word of its own: a space or a mark between it and the rest ("ok,thanks"), never part of
  // another word.
  const auto apart = [](char c) { return c == ' ' || c == ',' || c == '.' || c == '!' || c == '-'; };
  for (const auto& t : thanks_) {
    if (s.size() <= t.size() + 1) continue;
    if (s.substr(s.size() - t.size()) == t && apart(s[s.size() - t.size() - 1])) {
      return strip_punctuation(s.substr(0, s.size() - t.size()));
    }
    if (s.substr(0, t.size()) == t && apart(s[t.size()])) return strip_punctuation(s.substr(t.size()));
  }
  return s;
}

}  // namespace paygham::text
