// Durations as operators write them in config and flows: "250ms", "10s", "15m", "2h", "1d".
#pragma once

#include <chrono>
#include <string_view>

#include "gateway/core/result.hpp"

namespace paygham::core {

using millis = std::chrono::milliseconds;

// Parses a positive integer followed by one unit: ms, s, m, h, d. Fails with a message
// that shows an accepted example.
result<millis> parse_duration(std::string_view text);

}  // namespace paygham::core
