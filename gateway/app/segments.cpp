#include <iomanip>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "gateway/app/commands.hpp"
#include "gateway/app/config.hpp"
#include "gateway/channels/tariff.hpp"
#include "gateway/core/utf8.hpp"
#include "gateway/text/catalog.hpp"
#include "gateway/text/lint.hpp"
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

int template_segments(const std::string& config_path) {
  auto cfg = load_config(config_path, channel_secrets::unused);
  if (!cfg) {
    std::cerr << cfg.error() << "\n";
    return exit_user_error;
  }
  std::vector<std::string> problems;
  const auto texts = text::catalog::load_dir(cfg->templates_dir, problems);
  if (!problems.empty()) {
    for (const auto& p : problems) std::cerr << p << "\n";
    return exit_user_error;
  }
  // R-S1: every text in every language as it is sent, its placeholders filled with long values
  // (the worst case lint checks against the budget), and what 1,000 recipients of it cost on
  // each priced channel.
  std::cout << "key\tlanguage\tencoding\tunits\tparts\tbudget\tper 1,000\n";
  for (const auto& lang : texts.languages()) {
    for (const auto& [key, e] : *texts.keys_of(lang)) {
      const std::string sent = e.smart ? text::smart_gsm(e.text) : e.text;
      const auto m = text::measure_sms(text::expand_with_samples(sent, lang));
      std::string costs;
      for (const auto& t : cfg->tariffs) {
        std::ostringstream cost;
        cost << std::fixed << std::setprecision(2)
             << channels::per_thousand(t, m.enc == text::encoding::ucs2, m.parts);
        costs += (costs.empty() ? "" : ", ") + t.channel + " " + cost.str() + " " + t.currency;
      }
      std::cout << key << "\t" << lang << "\t" << text::to_string(m.enc) << "\t" << m.units << "\t"
                << m.parts << "\t" << text::sms_budget(e, key) << "\t"
                << (costs.empty() ? "-" : costs) << "\n";
    }
  }
  return exit_ok;
}

}  // namespace paygham::app
