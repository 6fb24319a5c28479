#include "gateway/text/screen.hpp"

namespace paygham::text {

screen_check check_screen(std::string_view utf8, const screen_limits& limits) {
  const text_size m = measure_units(utf8);
  screen_check c;
  c.enc = m.enc;
  c.units = m.units;
  if (m.enc == encoding::gsm7) {
    c.limit = limits.gsm7_max;
    c.result = m.units > limits.gsm7_max    ? screen_check::too_long
               : m.units > limits.gsm7_warn ? screen_check::long_warning
                                            : screen_check::fits;
  } else if (!limits.ucs2) {
    c.result = screen_check::needs_ucs2;
  } else {
    c.limit = limits.ucs2_max;
    c.result = m.units > limits.ucs2_max ? screen_check::too_long : screen_check::fits;
  }
  return c;
}

std::string over_the_limit(const screen_check& c) {
  if (c.result == screen_check::needs_ucs2) {
    return std::to_string(c.units) + " UCS-2 units, on a route that carries no UCS-2 (a letter outside GSM 7-bit)";
  }
  return std::to_string(c.units) + (c.enc == encoding::gsm7 ? " septets" : " UCS-2 units") + ", over the limit of " +
         std::to_string(c.limit);
}

const ussd_route& route_of(const ussd_routes& routes, std::string_view channel) {
  static const ussd_route defaults;
  const auto it = routes.find(channel);
  return it == routes.end() ? defaults : it->second;
}

}  // namespace paygham::text
