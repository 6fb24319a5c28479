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
  // Whether the route carries UCS-2 at all (R-U4): where it does not, Persian script reaches
  // the phone as boxes or question marks, so its screens are drawn in a Latin-script language.
  bool ucs2 = true;
};

struct screen_check {
  // needs_ucs2: a letter outside GSM 7-bit on a route that carries no UCS-2 (R-U4).
  enum verdict { fits, long_warning, too_long, needs_ucs2 } result = fits;
  encoding enc = encoding::gsm7;
  std::size_t units = 0;
  std::size_t limit = 0;  // the hard limit that applies
};

screen_check check_screen(std::string_view utf8, const screen_limits& limits);

// "84 UCS-2 units, over the limit of 80" (or septets; or "UCS-2, which the route does not
// carry"), for a lint message.
std::string over_the_limit(const screen_check& c);

}  // namespace paygham::text
