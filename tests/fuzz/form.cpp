// Fuzz target: what arrives from outside as bytes before any codec reads it: form and
// percent decoding (every aggregator callback), CSV lines (contacts import) and the UTF-8,
// UTF-16 and Latin-1 decoders. Each must answer or refuse, never crash or read out of bounds;
// what it accepts must come back out the same.
#include <cstdlib>

#include "gateway/core/csv.hpp"
#include "gateway/core/form.hpp"
#include "gateway/core/utf8.hpp"
#include "tests/fuzz/fuzz.hpp"

using namespace paygham;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (const auto form = core::parse_form(in)) {
    // Encoding what was read and reading it again gives the same pairs.
    const auto again = core::parse_form(core::encode_form(form.value().pairs));
    if (!again || again.value().pairs != form.value().pairs) std::abort();
  }
  if (const auto decoded = core::percent_decode(in, true)) {
    const auto back = core::percent_decode(core::percent_encode(decoded.value()), false);
    if (!back || back.value() != decoded.value()) std::abort();
  }
  (void)core::csv_fields(in);
  if (core::valid_utf8(in)) {
    if (core::encode_utf8(core::decode_utf8(in)) != in) std::abort();
  }
  (void)core::utf16be_to_utf8(in);
  if (!core::valid_utf8(core::latin1_to_utf8(in))) std::abort();
  std::string json;
  core::append_json_string(json, in);
  return 0;
}
