#include <iostream>

#include "gateway/app/commands.hpp"
#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
#include "gateway/channels/registry.hpp"

namespace paygham::app {

int lint(const std::string& config_path) {
  auto cfg = load_config(config_path);
  if (!cfg) {
    std::cerr << cfg.error() << "\n";
    return exit_user_error;
  }
  std::vector<std::string> problems;
  for (const auto& s : cfg->channels) {
    if (auto ch = channels::make_channel(s); !ch) problems.push_back(ch.error());
  }
  const auto content = load_content(cfg.value(), problems);
  for (const auto& p : problems) std::cerr << p << "\n";
  if (!problems.empty()) {
    std::cerr << problems.size() << (problems.size() == 1 ? " problem" : " problems") << "\n";
    return exit_user_error;
  }
  std::cout << "ok: " << content->flows.size() << " flows, " << content->texts.languages().size()
            << " languages, " << cfg->channels.size() << " channels\n";
  return exit_ok;
}

}  // namespace paygham::app
