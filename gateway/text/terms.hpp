// Words and phrases found whole in a text, in any language, script and letter form: the health
// terms an unasked SMS must never name (lexicon/sensitive.yaml, R-S10, R-H8) and the words of
// someone in danger (lexicon/urgent.yaml, R-H3).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace paygham::text {

// The parts of a message between its marks (. , ; ! ? and a new line, and the Persian comma,
// semicolon and question mark) and the words that join two ("and", "but", «و», «ولی», «اما»,
// Pashto «او», «خو»): "my son is bleeding, nobody came" is two, and what denies one («کسی
// زخمی نشد», "nobody injured") is read with it, not with the other.
std::vector<std::string_view> clauses_of(std::string_view text);

class term_list {
 public:
  // How a text is read against the terms.
  enum class reading {
    strict,    // words as written: «قندهار» does not contain «قند»
    generous,  // the last word of a term may have letters after it, as Persian and Pashto add
               // them («خونریزیام», "seizures"), and Pashto letters read as the Persian ones a
               // Persian keyboard types for them (ښ as ش, ږ as ژ, ې as ی, …) on both sides
    folded,  // words as written, but Pashto letters read as generous reads them
  };

  // Reads the file's map of language to terms (`en: [pregnancy, …]`), or the one under `group`
  // (`danger: {en: [bleeding, …]}`); problems are appended as "file:line:column: message".
  static term_list load(const std::string& file, std::vector<std::string>& problems, std::string_view group = {},
                        reading how = reading::strict);
  // The same terms, read another way (one file read once for two uses).
  term_list read_as(reading how) const;

  // The first term (as written in the file) found in `text`, its words in order and whole but
  // for the last one's ending, after both are normalised (normalize.hpp); empty when none.
  std::string find(std::string_view text) const;
  // Whether `text`, normalised, is one of the terms and nothing else ("no one", «هیچ کس»), its
  // last word read as `find` reads it.
  bool whole(std::string_view text) const;
  // `text`, normalised (and folded as this list reads), without the words of every term found
  // in it: what is left to read with another list ("a shell, not exploded" without "not
  // exploded" has no explosion in it).
  std::string without(std::string_view text) const;

 private:
  struct term {
    std::string written;
    std::vector<std::string> words;  // normalised
  };
  // Whether a word of a text is the term's word (`last`: its last, read as `how_` says).
  bool same(const std::string& in_text, const std::string& in_term, bool last) const;
  // Whether the term's words are the text's from `at` on.
  bool starts_at(const std::vector<std::string>& words, std::size_t at, const term& t) const;

  std::vector<term> terms_;
  reading how_ = reading::strict;
};

}  // namespace paygham::text
