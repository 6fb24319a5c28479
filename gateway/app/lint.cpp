#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "gateway/app/commands.hpp"
#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
#include "gateway/channels/registry.hpp"

namespace paygham::app {

deployment_check check_deployment(const std::string& config_path, core::unix_ms now) {
  deployment_check out;
  auto read = read_config(config_path, channel_secrets::needed);
  if (!read) {
    out.problems.push_back(read.error());
    return out;
  }
  out.problems = std::move(read->problems);
  const config& cfg = out.cfg.emplace(std::move(read->cfg));
  for (const auto& s : cfg.channels) {
    if (read->channels_unread.count(s.id)) continue;  // its own problems said; the rest would echo them
    if (auto ch = channels::make_channel(s, out.problems)) out.channels.push_back(std::move(ch));
  }
  if (!read->content_checkable) {
    out.warnings.push_back(cfg.file + ": flows and texts are checked once the config's problems above are mended");
    return out;
  }
  out.content = load_content(cfg, out.problems, &out.warnings);
  if (!out.problems.empty()) return out;
  out.config_warnings = config_warnings(cfg, now);
  // A channel that takes callbacks but lacks what sending needs (an API key): its messages
  // would wait, the channel paused, until it is given them.
  const channels::outbound probe{0, "+93700000000", "probe", "pg0", ""};
  for (const auto& s : cfg.channels) {
    const auto ch = std::find_if(out.channels.begin(), out.channels.end(),
                                 [&](const auto& c) { return c->id() == s.id; });
    if (ch == out.channels.end() || (*ch)->local_delivery()) continue;
    if (const auto call = (*ch)->build_send(probe); !call) {
      out.config_warnings.push_back(
          {"channel.cannot_send", s.where + ": channel '" + s.id +
                                      "' cannot send: " + call.error() +
                                      "; what is queued for it waits, the channel paused, "
                                      "until it is given them"});
    } else if ((*ch)->reports_to_url() && cfg.public_url.empty()) {
      out.config_warnings.push_back(
          {"channel.no_reports",
           s.where + ": channel '" + s.id + "' (" + s.type +
               ") asks for each message's delivery report at server.public_url, which is not "
               "set: no report will come, and its messages end unconfirmed after "
               "receipt_deadline. Set server.public_url to the address the aggregator reaches "
               "this server at"});
    }
  }
  // Behind a proxy on this machine every caller is the proxy: an allow list of this machine's
  // address then lets anyone through, unless the proxy is trusted to name them.
  if (!cfg.public_url.empty() && !channels::names_this_machine(cfg.public_url) &&
      cfg.server.trusted_proxies.empty()) {
    for (const auto& s : cfg.channels) {
      const auto ips = s.params.find("allow_ips");
      if (ips == s.params.end()) continue;
      const auto listed = channels::allowed_addresses(ips->second);
      const auto local = std::find_if(listed.begin(), listed.end(), [](const std::string& ip) {
        return channels::is_this_machine(ip);
      });
      if (local == listed.end() || s.type == "console") continue;
      out.config_warnings.push_back(
          {"channel.allow_ips_behind_proxy",
           s.at("allow_ips") + ": channel '" + s.id + "' takes callbacks from " + *local +
               " (allow_ips), but aggregators reach this server at " + cfg.public_url +
               ": behind a proxy on this machine every caller is " + *local +
               ", so the list lets anyone through. List the proxy in server.trusted_proxies "
               "(it then names each caller) and the aggregator's addresses in allow_ips"});
    }
  }
  return out;
}

int lint(const std::string& config_path, bool json) {
  auto checked = check_deployment(config_path, core::now_ms());
  const auto& problems = checked.problems;
  auto& warnings = checked.warnings;
  for (const auto& w : checked.config_warnings) warnings.push_back(w.text);
  const auto& content = checked.content;
  const auto& cfg = checked.cfg;
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
