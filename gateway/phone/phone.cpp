#include "gateway/phone/phone.hpp"

#include <phonenumbers/phonenumberutil.h>

#include <optional>
#include <unordered_map>
#include <vector>

namespace paygham::phone {

namespace pn = i18n::phonenumbers;

namespace {

// Aggregators send numbers already in E.164 ("+93700000001"). For those the country code is
// read straight from libphonenumber's metadata and the length checked with IsPossibleNumber,
// which skips Parse's regular expressions (tens of microseconds a number). Anything else, or
// anything this path doubts, goes through the full Parse.
std::optional<std::string> canonical_e164(const pn::PhoneNumberUtil& util, std::string_view in) {
  if (in.size() < 8 || in.size() > 16 || in[0] != '+' || in[1] == '0') return std::nullopt;
  for (std::size_t i = 1; i < in.size(); ++i) {
    if (in[i] < '0' || in[i] > '9') return std::nullopt;
  }
  // Country calling codes are a prefix code of one to three digits.
  for (std::size_t len = 1; len <= 3; ++len) {
    const int cc = std::stoi(std::string(in.substr(1, len)));
    std::string region;
    util.GetRegionCodeForCountryCode(cc, &region);
    if (region == "ZZ") continue;
    const std::string_view national = in.substr(1 + len);
    if (national.empty() || national[0] == '0') return std::nullopt;  // leading zeros: Parse
    pn::PhoneNumber number;
    number.set_country_code(cc);
    number.set_national_number(std::stoull(std::string(national)));
    if (!util.IsPossibleNumber(number)) return std::nullopt;  // Parse says why
    return std::string(in);
  }
  return std::nullopt;
}

// One reading of `input` in `region` into `number`; the error says why it is not a number there.
core::status parse_in(const pn::PhoneNumberUtil& util, const std::string& input, const std::string& region,
                      pn::PhoneNumber& number) {
  switch (util.Parse(input, region, &number)) {
    case pn::PhoneNumberUtil::NO_PARSING_ERROR: break;
    case pn::PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return core::fail("'" + input + "' has no valid country code (write it as +<country><number>)");
    case pn::PhoneNumberUtil::TOO_SHORT_NSN:
    case pn::PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
      return core::fail("'" + input + "' is too short to be a phone number");
    case pn::PhoneNumberUtil::TOO_LONG_NSN:
      return core::fail("'" + input + "' is too long to be a phone number");
    default:
      return core::fail("'" + input + "' is not a phone number");
  }
  if (!util.IsPossibleNumber(number)) return core::fail("'" + input + "' cannot be a phone number in its country");
  return core::ok();
}

core::result<std::string> parse_uncached(std::string_view text, std::string_view regions) {
  const pn::PhoneNumberUtil& util = *pn::PhoneNumberUtil::GetInstance();
  if (auto fast = canonical_e164(util, text)) return *std::move(fast);
  const std::string input(text);
  if (input.empty()) return core::fail("phone number is empty");
  if (input.size() > 40) return core::fail("phone number is too long");
  std::vector<std::string> tried;
  for (std::size_t at = 0; at <= regions.size();) {
    const std::size_t comma = std::min(regions.find(',', at), regions.size());
    if (comma > at) tried.emplace_back(regions.substr(at, comma - at));
    at = comma + 1;
  }
  if (tried.empty()) tried.emplace_back("ZZ");
  // A national number ("09121234567", "0700000001") is read in each region in turn: the first
  // where it is a valid number wins. With one region, a number of a possible length will do
  // (numbering plans change faster than metadata).
  std::string first_error;
  for (const auto& region : tried) {
    pn::PhoneNumber number;
    const auto read = parse_in(util, input, region, number);
    if (read && (tried.size() == 1 || util.IsValidNumber(number))) {
      std::string out;
      util.Format(number, pn::PhoneNumberUtil::E164, &out);
      // A number is one contact only if its E.164 form reads back as itself: "+880 0 20…"
      // loses a national prefix once written, then another when read again (found by fuzzing).
      pn::PhoneNumber again;
      std::string back;
      if (!canonical_e164(util, out) &&
          (!parse_in(util, out, "ZZ", again) || (util.Format(again, pn::PhoneNumberUtil::E164, &back), back != out))) {
        return core::fail("'" + input + "' is not a phone number (its digits read two ways: write it as dialled from abroad)");
      }
      return out;
    }
    if (first_error.empty()) first_error = read ? "'" + input + "' is not a valid phone number" : read.error();
  }
  if (tried.size() == 1) return core::fail(first_error);
  std::string names;
  for (const auto& r : tried) names += (names.empty() ? "" : ", ") + r;
  return core::fail(first_error + " (read as international, and as national in " + names + ")");
}

}  // namespace

core::result<std::string> parse_e164(std::string_view text, std::string_view regions) {
  // Parsing is a pure function of (text, region) that costs tens of microseconds of regex
  // work, and every hop of a USSD session repeats the number: recent answers are kept per
  // thread (no lock), in a table that is emptied when it reaches its bound.
  constexpr std::size_t max_entries = 8192;
  thread_local std::unordered_map<std::string, core::result<std::string>> recent;
  std::string key;
  key.reserve(regions.size() + 1 + text.size());
  key.append(regions).push_back('|');
  key.append(text);
  if (auto it = recent.find(key); it != recent.end()) return it->second;
  if (recent.size() >= max_entries) recent.clear();
  return recent.emplace(std::move(key), parse_uncached(text, regions)).first->second;
}

std::string region_of(std::string_view e164) {
  // The country calling code's main region, straight from the metadata: called on every hop
  // (a contact's time zone), so no Parse and its regular expressions.
  const pn::PhoneNumberUtil& util = *pn::PhoneNumberUtil::GetInstance();
  if (e164.size() < 3 || e164[0] != '+') return {};
  int cc = 0;
  for (std::size_t len = 1; len <= 3 && len < e164.size(); ++len) {
    const char d = e164[len];
    if (d < '0' || d > '9') return {};
    cc = cc * 10 + (d - '0');
    std::string region;
    util.GetRegionCodeForCountryCode(cc, &region);
    if (region != "ZZ") return region;
  }
  return {};
}

bool numbers_tell_region(std::string_view region) {
  const pn::PhoneNumberUtil& util = *pn::PhoneNumberUtil::GetInstance();
  const int cc = util.GetCountryCodeForRegion(std::string(region));
  if (cc == 0) return false;
  std::string main;
  util.GetRegionCodeForCountryCode(cc, &main);
  return main == region;
}

std::string calling_code(std::string_view region) {
  const int cc = pn::PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(std::string(region));
  return cc == 0 ? std::string() : "+" + std::to_string(cc);
}

bool is_mobile(std::string_view e164) {
  const pn::PhoneNumberUtil& util = *pn::PhoneNumberUtil::GetInstance();
  pn::PhoneNumber number;
  if (util.Parse(std::string(e164), "ZZ", &number) != pn::PhoneNumberUtil::NO_PARSING_ERROR) {
    return false;
  }
  const auto type = util.GetNumberType(number);
  return type == pn::PhoneNumberUtil::MOBILE || type == pn::PhoneNumberUtil::FIXED_LINE_OR_MOBILE;
}

}  // namespace paygham::phone
