// Shared by the fuzz targets: the input cut into fields at NUL bytes, so one input drives a
// call with several arguments, and the project's folder (fixtures, lexicon) at build time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace paygham::fuzz {

// The input's fields, split at '\0'; missing ones are empty.
inline std::vector<std::string_view> fields(const std::uint8_t* data, std::size_t size, std::size_t count) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> out;
  while (out.size() + 1 < count) {
    const auto cut = rest.find('\0');
    if (cut == std::string_view::npos) break;
    out.push_back(rest.substr(0, cut));
    rest.remove_prefix(cut + 1);
  }
  out.push_back(rest);
  out.resize(count);
  return out;
}

}  // namespace paygham::fuzz
