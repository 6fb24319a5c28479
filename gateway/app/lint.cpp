#include <iostream>
#include <nlohmann/json.hpp>

#include "gateway/app/commands.hpp"
#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
#include "gateway/channels/registry.hpp"

namespace paygham::app {

int lint(const std::string& config_path, bool json) {
  std::vector<std::string> problems, warnings;
  std::shared_ptr<runner::content> content;
  auto cfg = load_config(config_path);
  if (!cfg) {
    std::string all = cfg.error() + "\n";
    for (std::size_t at = 0, nl; (nl = all.find('\n', at)) != std::string::npos; at = nl + 1) {
      problems.push_back(all.substr(at, nl - at));
    }
  } else {
    for (const auto& s : cfg->channels) {
      if (auto ch = channels::make_channel(s); !ch) problems.push_back(ch.error());
    }
    content = load_content(cfg.value(), problems, &warnings);
    for (const auto& w : config_warnings(cfg.value(), core::now_ms())) warnings.push_back(w.text);
  }
  if (json) {
    nlohmann::json out{{"ok", problems.empty()}, {"problems", nlohmann::json::array()},
                       {"warnings", nlohmann::json::array()}};
    for (const auto& p : problems) out["problems"].push_back(located_problem(p));
    for (const auto& w : warnings) out["warnings"].push_back(located_problem(w));
    if (content) {
      out["flows"] = content->flows.size();
      out["languages"] = content->texts.languages();
      out["channels"] = cfg->channels.size();
    }
    std::cout << out.dump(2) << "\n";
    return problems.empty() ? exit_ok : exit_user_error;
  }
  for (const auto& p : problems) std::cerr << p << "\n";
  for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";
  if (!problems.empty()) {
    std::cerr << problems.size() << (problems.size() == 1 ? " problem" : " problems") << "\n";
    return exit_user_error;
  }
  std::cout << "ok: " << content->flows.size() << " flows, " << content->texts.languages().size()
            << " languages, " << cfg->channels.size() << " channels\n";
  return exit_ok;
}

}  // namespace paygham::app
