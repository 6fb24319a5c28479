// UTF-8 as it arrives from aggregators: validation, decoding to code points, encoding back.
#pragma once

#include <string>
#include <string_view>

namespace paygham::core {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool valid_utf8(std::string_view s);

// Code points of a string already checked with valid_utf8 (invalid bytes become U+FFFD).
std::u32string decode_utf8(std::string_view s);

void append_utf8(std::string& out, char32_t cp);
std::string encode_utf8(std::u32string_view cps);

}  // namespace paygham::core
