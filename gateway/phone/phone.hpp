// Phone numbers, through libphonenumber. This is the only place that includes it.
// Pure and thread-safe (PhoneNumberUtil is a read-only singleton).
#pragma once

#include <string>
#include <string_view>

#include "gateway/core/result.hpp"

namespace paygham::phone {

// Parses a number as an aggregator or a person writes it: `+93 70 000 0001`, `0093…`, or a
// national `0700 000 001` / `0912 123 4567` read in `regions`: one ISO 3166 alpha-2 code
// ("AF") or several separated by commas ("IR,AF"), tried in order; the first region where
// the number is valid wins (then the first where it is possible). Returns E.164
// (`+93700000001`) or an error that quotes the input, says why and names the regions tried.
core::result<std::string> parse_e164(std::string_view text, std::string_view regions);

// The country an E.164 number belongs to (ISO 3166 alpha-2, "IR" for +98…; for a calling code
// several countries share, its main one: "US" for +1), or "" when unknown.
std::string region_of(std::string_view e164);

// Whether region_of can name `region` (ISO 3166 alpha-2): a country libphonenumber knows that is
// the main one of its calling code. "IR" yes; "KZ" no (+7 is "RU"); "XX" no.
bool numbers_tell_region(std::string_view region);

// "+98" for "IR": how every number of the region begins; "" for a region libphonenumber does
// not know.
std::string calling_code(std::string_view region);

// Whether an E.164 number is a mobile number by libphonenumber's metadata (numbering plans
// that do not tell mobile from fixed lines count as mobile). Reminders go to mobiles only;
// lint and the API flag the rest.
bool is_mobile(std::string_view e164);

}  // namespace paygham::phone
