// Time as the gateway sees it: unix milliseconds UTC. The engine takes `now` as an argument
// so that tests and `paygham simulate` can step a virtual clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace paygham::core {

using unix_ms = std::int64_t;

inline unix_ms now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace paygham::core
