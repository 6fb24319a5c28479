// UTF-8 as it arrives from aggregators: validation, decoding to code points, encoding back.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace paygham::core {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool valid_utf8(std::string_view s);

// Code points of a string already checked with valid_utf8 (invalid bytes become U+FFFD).
std::u32string decode_utf8(std::string_view s);

// The code point at s[i] (i < s.size()) into `cp` and the bytes it takes: what decode_utf8
// gives, one at a time, for a caller that needs no copy (an invalid byte is U+FFFD, 1 byte).
std::size_t decode_at(std::string_view s, std::size_t i, char32_t& cp);

void append_utf8(std::string& out, char32_t cp);

// The value of a digit as phones type it: ASCII, Persian (۰–۹) or Arabic-Indic (٠–٩); -1 for
// anything else.
inline int digit_value(char32_t cp) {
  if (cp >= U'0' && cp <= U'9') return static_cast<int>(cp - U'0');
  if (cp >= 0x06F0 && cp <= 0x06F9) return static_cast<int>(cp - 0x06F0);
  if (cp >= 0x0660 && cp <= 0x0669) return static_cast<int>(cp - 0x0660);
  return -1;
}
std::string encode_utf8(std::u32string_view cps);

// Control characters (NUL, escape, …) are not text a phone or a page shows; new lines may be.
// Nor are the marks that reorder right-to-left text (U+202A–202E, U+2066–2069): a name could
// hide another.
bool has_control(std::string_view text, bool new_lines_ok);

// UTF-16BE bytes (UCS-2 as SMSCs deliver it, surrogate pairs allowed) as UTF-8; nullopt for
// an odd length or an unpaired surrogate.
std::optional<std::string> utf16be_to_utf8(std::string_view bytes);

// `s` as a JSON string, quotes included, appended to `out`: '"', '\\' and control characters
// escaped as nlohmann::json writes them, other text as it is; invalid bytes become U+FFFD.
// For JSON written on every hop without building a document first.
void append_json_string(std::string& out, std::string_view s);

// ISO-8859-1 bytes as UTF-8 (every byte is a character).
std::string latin1_to_utf8(std::string_view bytes);

}  // namespace paygham::core
