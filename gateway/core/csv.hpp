// CSV as spreadsheets write it (RFC 4180), one line at a time: fields split on commas; a field
// in double quotes may hold commas, and "" stands for a quote. A quoted field that runs past
// the end of its line is refused rather than joined with the next: an import names the line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/result.hpp"

namespace paygham::core {

// The fields of one line (without its line break; a trailing CR is dropped).
result<std::vector<std::string>> csv_fields(std::string_view line);

}  // namespace paygham::core
