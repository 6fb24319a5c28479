// Health terms that must never reach a shared phone by SMS unasked (R-S10, R-H8), per
// language, from lexicon/sensitive.yaml; lint checks every such text against all of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace paygham::text {

class sensitive_terms {
 public:
  // Reads the file; problems are appended as "file:line:column: message".
  static sensitive_terms load(const std::string& file, std::vector<std::string>& problems);

  // The first term (as written in the file) found in `text` as whole words, after both are
  // normalised (normalize.hpp); empty when none. «قندهار» does not contain «قند».
  std::string find(std::string_view text) const;

 private:
  struct term {
    std::string written;
    std::vector<std::string> words;  // normalised
  };
  std::vector<term> terms_;
};

}  // namespace paygham::text
