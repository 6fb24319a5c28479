#include "gateway/core/csv.hpp"

namespace paygham::core {

result<std::vector<std::string>> csv_fields(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> out;
  std::string field;
  std::size_t i = 0;
  while (true) {
    field.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        field.push_back(line[i++]);
      }
      if (!closed) return fail("a quoted field is not closed on its line");
      if (i < line.size() && line[i] != ',') return fail("text after a closing quote (write \"\" for a quote inside)");
    } else {
      while (i < line.size() && line[i] != ',') {
        if (line[i] == '"') return fail("a quote inside an unquoted field (quote the whole field)");
        field.push_back(line[i++]);
      }
    }
    out.push_back(field);
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return out;
}

}  // namespace paygham::core
