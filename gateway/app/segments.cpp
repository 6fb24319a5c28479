#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "gateway/app/commands.hpp"
#include "gateway/core/utf8.hpp"
#include "gateway/text/segments.hpp"

namespace paygham::app {

int segments(const std::optional<std::string>& text, bool smart) {
  std::string input;
  if (text) {
    input = *text;
  } else {
    input.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    // A trailing newline from echo or a file is not part of the message.
    if (!input.empty() && input.back() == '\n') input.pop_back();
  }
  if (!core::valid_utf8(input)) {
    std::cerr << "paygham segments: the text is not valid UTF-8\n";
    return exit_user_error;
  }
  if (smart) input = text::smart_gsm(input);
  const auto r = text::measure_sms(input);
  nlohmann::ordered_json out{{"encoding", text::to_string(r.enc)},
                     {"units", r.units},
                     {"unit", r.enc == text::encoding::gsm7 ? "septets" : "utf16_code_units"},
                     {"parts", r.parts},
                     {"per_part", r.per_part},
                     {"part_units", r.part_units},
                     {"non_gsm", r.non_gsm}};
  if (smart) out["text"] = input;
  std::cout << out.dump(2) << "\n";
  return exit_ok;
}

}  // namespace paygham::app
