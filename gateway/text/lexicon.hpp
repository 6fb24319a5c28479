// The words people reply with, per language: data an operator edits, not code. Yes and no
// (lexicon/yes_no.yaml); numbers said in words and other words for a menu option's label
// (lexicon/answers.yaml). Words are stored normalised (normalize.hpp), so "نمی‌خوام" matches
// "نمیخوام". Immutable after loading; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paygham::text {

class lexicon {
 public:
  // Loads `file`: `<lang>: {yes: [..], no: [..], thanks: [..], acknowledge: [..]}` (the last
  // two optional). Problems are
  // appended as "file:line:column: message".
  static lexicon load(const std::string& file, std::vector<std::string>& problems);

  // Adds `file` (lexicon/answers.yaml): `numbers: {<lang>: {1: [..], ..}}` and
  // `labels: [{for: [<text key>, ..], asked: [<text key>, ..], <lang>: [..]}, ..]` (`asked`
  // optional: the questions the words answer; any by default). A word listed twice, or also a
  // yes/no word, is a problem: a reply could not say which it meant.
  void load_answers(const std::string& file, std::vector<std::string>& problems);

  void add(bool yes, std::string_view word);
  // Adds words said around an answer as thanks are, normalised ("please", «لطفا»: the polite
  // words of lexicon/keywords.yaml), so "yes please" is a yes. Returns those it could not add,
  // being a yes or a no word.
  std::vector<std::string> add_courtesies(const std::vector<std::string>& normalized);

  // True/false when `normalized` is a yes/no word of any language, alone or with thanks before
  // or after it («هو مننه», "no thanks"); nullopt otherwise (thanks alone says neither, nor a
  // yes that may only acknowledge the message: "ok thanks" to "is anyone hurt?").
  std::optional<bool> yes_no(std::string_view normalized) const;
  // `normalized` without punctuation and one word of thanks at its start or end ("1 ممنون" →
  // "1"); as it was (without punctuation) when it has none, or is nothing else.
  std::string_view without_thanks(std::string_view normalized) const;
  // Whether `normalized`, without punctuation, is a word of thanks and nothing else.
  bool is_thanks(std::string_view normalized) const;
  // Whether `normalized`, without punctuation, is a yes that may only acknowledge ("ok").
  bool acknowledges(std::string_view normalized) const;

  // The number `normalized` says in words, in any language: «یک», «دوم», "two"; nullopt otherwise.
  std::optional<long> number(std::string_view normalized) const;

  // Whether `normalized` is one of the other words of the option labelled with text `label`,
  // in any language: «میام» for appointments.will_come («می‌آیم»); with `question`, the
  // text of the question offering it, also those listed for that question alone (`asked`).
  bool says(std::string_view label, std::string_view normalized,
            std::string_view question = {}) const;

  bool empty() const { return yes_.empty() && no_.empty(); }

  // Every word, normalised, with true for yes (for tests and lint).
  std::vector<std::pair<std::string, bool>> entries() const;
  const std::vector<std::string>& thanks() const { return thanks_; }
  // Every number word with its number, and every label's other words, normalised.
  const std::map<std::string, long, std::less<>>& number_words() const { return numbers_; }
  const std::map<std::string, std::vector<std::string>, std::less<>>& label_words() const { return labels_; }

 private:
  std::set<std::string, std::less<>> yes_, no_;
  std::vector<std::string> thanks_;  // and courtesies; longest first: "thank you" before "thank"
  std::set<std::string, std::less<>> acknowledge_;  // yes words that may only say "I read it"
  std::map<std::string, long, std::less<>> numbers_;         // word → number
  // word → the labels' text keys, "<label>@<question>" for those of one question
  std::map<std::string, std::vector<std::string>, std::less<>> labels_;
};

}  // namespace paygham::text
