// How a text travels as SMS: its encoding, its length in the encoding's units, and the parts
// it is split into. Rules (GSM 03.38 and 3GPP TS 23.040):
//  - GSM-7 when every character is in the GSM 03.38 default alphabet, else UCS-2 (UTF-16);
//    one character outside it switches the whole text.
//  - GSM-7 counts septets (extension characters 2); UCS-2 counts UTF-16 code units (an emoji
//    outside the BMP is 2).
//  - One part holds 160 septets or 70 units; a text that needs more is sent in parts of 153
//    or 67 (a 6-octet concatenation header).
//  - A part never splits an escape pair, a surrogate pair or a grapheme cluster (a letter and
//    its marks, an emoji sequence), except CR LF, which may fall on a boundary.
// These are exactly the rules of the oracle the tests compare with (sms-segments-calculator
// 1.3.0), so an operator sees the count the aggregator will bill. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace paygham::text {

enum class encoding { gsm7, ucs2 };
const char* to_string(encoding e);

struct segment_report {
  encoding enc = encoding::gsm7;
  std::size_t units = 0;      // septets (GSM-7) or UTF-16 code units (UCS-2)
  std::size_t parts = 1;      // an empty text is one (empty) part
  std::size_t per_part = 0;   // the capacity that applies: 160/153 (GSM-7), 70/67 (UCS-2)
  std::vector<std::size_t> part_units;
  std::vector<std::size_t> part_starts;  // the code point each part starts at
  std::vector<std::string> non_gsm;     // distinct characters that forced UCS-2, first seen first
};

// `utf8` must be valid UTF-8 (core::valid_utf8); invalid bytes count as U+FFFD.
segment_report measure_sms(std::string_view utf8);

// Only the encoding and the units of measure_sms, without splitting into parts: what a
// USSD screen's length check needs on every hop.
struct text_size {
  encoding enc = encoding::gsm7;
  std::size_t units = 0;
};
text_size measure_units(std::string_view utf8);

// The text of each part, as it will be sent (split where measure_sms splits).
std::vector<std::string> split_sms(std::string_view utf8);

// Replaces typographic characters that would make an English text UCS-2 with GSM-7 ones:
// ‘ ’ ‚ ′ → ', “ ” „ ″ → ", – — − → -, … → ..., NBSP and other spaces → space. Used only where
// a template asks for it; Persian-script text is never touched (it is UCS-2 anyway).
std::string smart_gsm(std::string_view utf8);

}  // namespace paygham::text
