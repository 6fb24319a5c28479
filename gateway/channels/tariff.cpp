#include "gateway/channels/tariff.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

namespace paygham::channels {

double per_thousand(const tariff& t, bool ucs2, std::size_t parts) {
  const double cost = (ucs2 ? t.ucs2 : t.gsm7) * static_cast<double>(parts) * 1000.0;
  return std::round(cost * 100.0) / 100.0;
}

nlohmann::json costs_json(const std::vector<tariff>& tariffs, bool ucs2, std::size_t parts) {
  auto out = nlohmann::json::array();
  for (const auto& t : tariffs) {
    out.push_back({{"channel", t.channel}, {"currency", t.currency}, {"per_1000", per_thousand(t, ucs2, parts)}});
  }
  return out;
}

}  // namespace paygham::channels
