#include "gateway/core/duration.hpp"

#include <charconv>
#include <string>

namespace paygham::core {

result<millis> parse_duration(std::string_view text) {
  const auto bad = [&] {
    return fail("'" + std::string(text) + "' is not a duration; write e.g. 500ms, 10s, 15m, 2h or 1d");
  };
  if (text == "0") return millis(0);  // nothing, in any unit
  std::int64_t n = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc{} || p == text.data() || n < 0) return bad();
  const std::string_view unit(p, static_cast<std::size_t>(end - p));
  std::int64_t scale;
  if (unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = 1000;
  } else if (unit == "m") {
    scale = 60'000;
  } else if (unit == "h") {
    scale = 3'600'000;
  } else if (unit == "d") {
    scale = 86'400'000;
  } else {
    return bad();
  }
  if (n > INT64_MAX / scale) return bad();
  return millis(n * scale);
}

}  // namespace paygham::core
