// The web console's files (console/ in the source tree), compiled into the binary at build
// time by gateway/api/embed_console.cmake.
#pragma once

#include <string_view>
#include <vector>

namespace paygham::api {

struct console_asset {
  std::string_view path;  // "app.js", relative to /console/
  std::string_view content_type;
  std::string_view bytes;
};

const std::vector<console_asset>& console_assets();

}  // namespace paygham::api
