// Phone numbers, through libphonenumber. This is the only place that includes it.
// Pure and thread-safe (PhoneNumberUtil is a read-only singleton).
#pragma once

#include <string>
#include <string_view>

#include "gateway/core/result.hpp"

namespace paygham::phone {

// Parses a number as an aggregator or a person writes it: `+93 70 000 0001`, `0093…`,
// a national `0700 000 001` read in `default_region` (ISO 3166 alpha-2, e.g. "AF", "IR").
// Returns E.164 (`+93700000001`) or an error that quotes the input and says why.
core::result<std::string> parse_e164(std::string_view text, std::string_view default_region);

}  // namespace paygham::phone
