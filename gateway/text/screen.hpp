// USSD screen length (R-U1, R-U2). A screen is measured after template expansion:
// GSM-7 in septets (extension characters 2), otherwise UTF-16 code units; a line feed counts
// one, and so do spaces, ZWNJ and bidi marks. The limits are a route's profile from config
// (`ussd_profiles`), never constants elsewhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "gateway/text/segments.hpp"

namespace paygham::text {

struct screen_limits {
  std::size_t gsm7_max = 182;   // hard limit: 160 octets of packed septets
  std::size_t gsm7_warn = 160;  // many handsets cut longer screens
  std::size_t ucs2_max = 80;    // 160 octets of UTF-16 (79 with a language-prefixed DCS)
  // Whether the route carries UCS-2 at all (R-U4): where it does not, Persian script reaches
  // the phone as boxes or question marks, so its screens are drawn another way, as the operator
  // chose (`fallback`).
  bool ucs2 = true;
  // latin: every screen in Latin letters (a Persian-script language's own, templates/<lang>-Latn.yaml,
  // else English). digits: a screen whose letters the
  // route cannot carry shows only its numbers ("[3] SMS\n1 2 3 98 0"), and its words go by SMS
  // in the person's language.
  enum class fallback { latin, digits } without_ucs2 = fallback::latin;

  bool digits_only() const { return !ucs2 && without_ucs2 == fallback::digits; }
};

// A USSD route (operator plus aggregator) as measured (R-U2, R-U7): its screens, how long the
// gateway may take over a hop before answering "try again", and how long the network keeps a
// session without a hop. Config `ussd_profiles`; a channel picks one with `ussd_profile`.
struct ussd_route {
  screen_limits screen;
  std::int64_t hop_deadline_ms = 2'000;
  std::int64_t session_timeout_ms = 60'000;
};

// Each USSD channel's route, by channel id.
using ussd_routes = std::map<std::string, ussd_route, std::less<>>;

// The route of `channel`, or the defaults when it has none of its own.
const ussd_route& route_of(const ussd_routes& routes, std::string_view channel);

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
