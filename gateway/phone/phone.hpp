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

// Whether an E.164 number is a mobile number by libphonenumber's metadata (numbering plans
// that do not tell mobile from fixed lines count as mobile). Reminders go to mobiles only;
// lint and the API flag the rest.
bool is_mobile(std::string_view e164);

}  // namespace paygham::phone
