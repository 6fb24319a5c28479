// USSD screen length (R-U1, R-U2). A screen is measured after template expansion:
// GSM-7 in septets (extension characters 2), otherwise UTF-16 code units; a line feed counts
// one, and so do spaces, ZWNJ and bidi marks. The limits are a route's profile from config
// (`ussd_profiles`), never constants elsewhere.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "gateway/text/segments.hpp"

namespace paygham::text {

struct screen_limits {
  std::size_t gsm7_max = 182;   // hard limit: 160 octets of packed septets
  std::size_t gsm7_warn = 160;  // many handsets cut longer screens
  std::size_t ucs2_max = 80;    // 160 octets of UTF-16 (79 with a language-prefixed DCS)
};

struct screen_check {
  enum verdict { fits, long_warning, too_long } result = fits;
  encoding enc = encoding::gsm7;
  std::size_t units = 0;
  std::size_t limit = 0;  // the hard limit that applies
};

screen_check check_screen(std::string_view utf8, const screen_limits& limits);

// "84 UCS-2 units, over the limit of 80" (or septets), for a lint message.
std::string over_the_limit(const screen_check& c);

}  // namespace paygham::text
