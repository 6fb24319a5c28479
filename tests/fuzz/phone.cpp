// Fuzz target: phone numbers as people and aggregators write them, through libphonenumber
// with the deployment's regions. A number accepted is E.164 and reads back as itself.
#include <cstdlib>

#include "gateway/phone/phone.hpp"
#include "tests/fuzz/fuzz.hpp"

using namespace paygham;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto f = fuzz::fields(data, size, 2);
  for (const std::string_view regions : {std::string_view("AF"), std::string_view("IR,AF"), f[1]}) {
    const auto e164 = phone::parse_e164(f[0], regions);
    if (!e164) continue;
    const std::string& n = e164.value();
    if (n.size() < 2 || n[0] != '+') std::abort();
    const auto again = phone::parse_e164(n, "AF");
    if (!again || again.value() != n) std::abort();
    (void)phone::region_of(n);
    (void)phone::is_mobile(n);
  }
  return 0;
}
