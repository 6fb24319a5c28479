// Callback signatures of the aggregators that sign (each aggregator's documentation).
// Pure functions over bytes; callers compare with equal_secret / equal_hex (constant time).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paygham::channels {

// Twilio X-Twilio-Signature: Base64(HMAC-SHA1(auth_token, url + sorted name+value pairs)).
// Pairs are sorted by name, then by value (a repeated name's values sorted too).
std::string twilio_signature(std::string_view auth_token, std::string_view url,
                             std::vector<std::pair<std::string, std::string>> params);

// The URL forms Twilio may have signed for the URL it called, as its own libraries check
// them: without a port, and with one (the scheme's default, 443 or 80, added when the URL
// has none). Other ports stay as they are in the second form.
std::vector<std::string> twilio_url_forms(std::string_view url);

// Vonage SMS API `sig`: the params except `sig`, sorted by name, '&' and '=' in values
// replaced by '_', joined as "&k=v…"; then md5hash: hex(MD5(string + secret)), or
// md5 / sha1 / sha256 / sha512: hex(HMAC(secret, string)). Lower-case hex; empty for an
// unknown method.
std::string vonage_signature(std::string_view method, std::string_view secret,
                             const std::vector<std::pair<std::string, std::string>>& params);

// android-sms-gateway X-Signature: hex(HMAC-SHA256(key, body + timestamp)).
std::string android_signature(std::string_view key, std::string_view body, std::string_view timestamp);

// Hex strings compared case-insensitively, in constant time for equal lengths.
bool equal_hex(std::string_view a, std::string_view b);

std::string base64(std::string_view bytes);
std::string hex(std::string_view bytes);

}  // namespace paygham::channels
