#include "gateway/phone/phone.hpp"

#include <phonenumbers/phonenumberutil.h>

namespace paygham::phone {

namespace pn = i18n::phonenumbers;

core::result<std::string> parse_e164(std::string_view text, std::string_view default_region) {
  const pn::PhoneNumberUtil& util = *pn::PhoneNumberUtil::GetInstance();
  const std::string input(text);
  if (input.empty()) return core::fail("phone number is empty");
  if (input.size() > 40) return core::fail("phone number is too long");
  pn::PhoneNumber number;
  const auto rc = util.Parse(input, std::string(default_region), &number);
  switch (rc) {
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
  if (!util.IsPossibleNumber(number)) {
    return core::fail("'" + input + "' cannot be a phone number in its country");
  }
  std::string out;
  util.Format(number, pn::PhoneNumberUtil::E164, &out);
  return out;
}

}  // namespace paygham::phone
