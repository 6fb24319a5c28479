// The yes/no words people reply with, per language: data an operator edits
// (lexicon/yes_no.yaml), not code. Words are stored normalised (normalize.hpp), so
// "نمی‌خوام" matches "نمیخوام". Immutable after loading; thread-safe.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paygham::text {

class lexicon {
 public:
  // Loads `file`: `<lang>: {yes: [..], no: [..]}`. Problems are appended as
  // "file:line:column: message".
  static lexicon load(const std::string& file, std::vector<std::string>& problems);

  void add(bool yes, std::string_view word);

  // True/false when `normalized` is a yes/no word of any language; nullopt otherwise.
  std::optional<bool> yes_no(std::string_view normalized) const;

  bool empty() const { return yes_.empty() && no_.empty(); }

  // Every word, normalised, with true for yes (for tests and lint).
  std::vector<std::pair<std::string, bool>> entries() const;

 private:
  std::set<std::string, std::less<>> yes_, no_;
};

}  // namespace paygham::text
