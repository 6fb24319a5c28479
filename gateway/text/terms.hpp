// Words and phrases found whole in a text, in any language, script and letter form: the health
// terms an unasked SMS must never name (lexicon/sensitive.yaml, R-S10, R-H8) and the words of
// someone in danger (lexicon/urgent.yaml, R-H3).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace paygham::text {

class term_list {
 public:
  // How a term's last word may end in a text.
  enum class ending {
    whole,   // as written: «قندهار» does not contain «قند»
    suffix,  // or with letters after it, as Persian and Pashto add them («خونریزیام», "seizures")
  };

  // Reads the file's map of language to terms (`en: [pregnancy, …]`), or the one under `group`
  // (`danger: {en: [bleeding, …]}`); problems are appended as "file:line:column: message".
  static term_list load(const std::string& file, std::vector<std::string>& problems, std::string_view group = {},
                        ending last_word = ending::whole);

  // The first term (as written in the file) found in `text`, its words in order and whole but
  // for the last one's ending, after both are normalised (normalize.hpp); empty when none.
  std::string find(std::string_view text) const;

 private:
  struct term {
    std::string written;
    std::vector<std::string> words;  // normalised
  };
  std::vector<term> terms_;
  ending last_word_ = ending::whole;
};

}  // namespace paygham::text
