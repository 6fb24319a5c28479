// What sending costs (R-S1): the price of one SMS part on a channel's route, in each
// encoding, as the aggregator's price list gives it (`tariff:` of a channel). In Iran a Latin
// (GSM-7) part is reported to cost about twice a Persian (UCS-2) one, so each encoding has its
// own price. The editor shows, beside a text's parts, what 1,000 recipients of it cost on every
// priced channel. An estimate: aggregators bill what they count.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace paygham::channels {

struct tariff {
  std::string channel;   // the channel's id
  std::string currency;  // ISO 4217, e.g. IRR, AFN, USD
  double gsm7 = 0;       // one part of a GSM-7 text
  double ucs2 = 0;       // one part of a UCS-2 text (any Persian-script letter makes one)
};

// What 1,000 recipients of a text of `parts` parts cost at `t`, to the cent.
double per_thousand(const tariff& t, bool ucs2, std::size_t parts);

// [{"channel", "currency", "per_1000"}], one for each tariff, in their order.
nlohmann::json costs_json(const std::vector<tariff>& tariffs, bool ucs2, std::size_t parts);

}  // namespace paygham::channels
