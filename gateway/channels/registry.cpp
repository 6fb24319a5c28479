#include "gateway/channels/registry.hpp"

#include <algorithm>

#include "gateway/channels/africastalking.hpp"
#include "gateway/channels/android.hpp"
#include "gateway/channels/console.hpp"
#include "gateway/channels/infobip.hpp"
#include "gateway/channels/kannel.hpp"
#include "gateway/channels/kavenegar.hpp"
#include "gateway/channels/twilio.hpp"
#include "gateway/channels/vonage.hpp"

namespace paygham::channels {
namespace {

struct entry {
  const char* type;
  core::result<std::unique_ptr<channel>> (*make)(const settings&);
  std::vector<std::string_view> params;  // the type's own settings, besides common_params
};

const std::vector<entry>& registry() {
  static const std::vector<entry> r = {
      {"africastalking", &africastalking::make, {"username", "api_key", "sender"}},
      {"android", &android::make, {"username", "password", "signing_key", "send_path"}},
      {"console", &console::make, {}},
      {"infobip", &infobip::make, {"api_key", "sender"}},
      {"kannel", &kannel::make, {"username", "password", "sender", "smsc", "dlr_mask"}},
      {"kavenegar", &kavenegar::make, {"api_key", "sender"}},
      {"twilio", &twilio::make, {"account_sid", "secret", "sender", "messaging_service"}},
      {"vonage", &vonage::make, {"api_key", "api_secret", "sender", "signature_secret", "signature_method"}},
  };
  return r;
}

// allow_ips and basic_auth as the callback check reads them: each address exact (compared with
// the caller's), and a user and a password, neither empty (a variable set to nothing). The
// error names the key's place; empty: fine.
std::string check_access(const settings& s) {
  const auto bad = [&](const std::string& key, const std::string& why) {
    return s.at(key) + ": channel '" + s.id + "': " + why;
  };
  if (const auto it = s.params.find("basic_auth"); it != s.params.end()) {
    const auto colon = it->second.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == it->second.size()) {
      return bad("basic_auth", "basic_auth takes 'user:password', neither of them empty");
    }
  }
  const auto ips = s.params.find("allow_ips");
  if (ips == s.params.end()) return {};
  const auto listed = allowed_addresses(ips->second);
  // An empty entry (an address from a variable set to nothing) would narrow nothing, silently.
  const auto entries = static_cast<std::size_t>(std::count(ips->second.begin(), ips->second.end(), ',')) + 1;
  if (listed.empty() || listed.size() != entries) {
    return bad("allow_ips", "allow_ips has an empty entry (a variable set to nothing?): list each address");
  }
  for (const auto& ip : listed) {
    if (ip.find('/') != std::string::npos) {
      return bad("allow_ips", "allow_ips takes single addresses, not a range such as '" + ip + "': list each address");
    }
    if (core::canonical_address(ip).empty()) {
      return bad("allow_ips", "allow_ips has '" + ip + "', which is not an IPv4 or IPv6 address");
    }
  }
  return {};
}

// R-D4: TLS to every aggregator. An http:// base_url to another machine sends every message,
// numbers and texts, in clear over the network: refused unless the channel says `plain_http:
// true` (an Android phone on the office Wi-Fi serves plain HTTP). This machine is exempt (a
// local Kannel, the fake aggregator). The error names the key's place; empty: fine.
std::string check_transport(const settings& s) {
  const auto plain = s.params.find("plain_http");
  if (plain != s.params.end() && plain->second != "true") {
    return s.at("plain_http") + ": channel '" + s.id + "': plain_http takes only 'true'";
  }
  const auto url = s.params.find("base_url");
  if (url == s.params.end() || plain != s.params.end()) return {};
  std::string lower = url->second;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (lower.rfind("http://", 0) != 0 || names_this_machine(lower)) return {};
  return s.at("base_url") + ": channel '" + s.id + "': base_url '" + url->second +
         "' would send every message, numbers and texts, unencrypted over the network: use https://,"
         " or set 'plain_http: true' for a gateway on a network you trust (an Android phone on the"
         " office Wi-Fi)";
}

}  // namespace

bool names_this_machine(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  const std::size_t from = scheme + 3;
  std::string host(url.substr(from, url.find_first_of("/?#", from) - from));
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (const auto at = host.rfind('@'); at != std::string::npos)
    host.erase(0, at + 1);  // user:password@
  if (host.starts_with('[')) {
    host = host.substr(1, host.find(']') - 1);
  } else if (const auto colon = host.find(':'); colon != std::string::npos) {
    host.resize(colon);
  }
  return is_this_machine(host);
}

bool is_this_machine(std::string_view host) {
  const std::string address = core::canonical_address(std::string(host));  // "" for a name
  return host == "localhost" || address == "::1" || address.starts_with("127.");
}

std::unique_ptr<channel> make_channel(const settings& s, std::vector<std::string>& problems) {
  const std::size_t before = problems.size();
  // Each problem once: a type's own reading may meet one the common checks named.
  const auto say = [&](std::string p) {
    if (!p.empty() && std::find(problems.begin() + static_cast<std::ptrdiff_t>(before),
                                problems.end(), p) == problems.end()) {
      problems.push_back(std::move(p));
    }
  };
  for (const entry& e : registry()) {
    if (s.type != e.type) continue;
    for (const auto& [key, _] : s.params) {
      const bool common = std::find(std::begin(common_params), std::end(common_params), key) !=
                          std::end(common_params);
      const bool own = std::find(e.params.begin(), e.params.end(), key) != e.params.end();
      if (!common && !own) {
        std::string known;
        for (const auto& k : e.params) known += std::string(known.empty() ? "" : ", ") + std::string(k);
        for (const auto& k : common_params) known += ", " + std::string(k);
        say(s.at(key) + ": channel '" + s.id + "' (type " + s.type + ") has an unknown setting '" +
            key + "' (known: " + known + ")");
      }
    }
    say(check_access(s));
    say(check_transport(s));
    std::vector<std::string> delivery;
    read_delivery(s, &delivery);
    for (auto& p : delivery) say(std::move(p));
    const auto auth = s.params.find("auth");
    if (auth != s.params.end() && auth->second != "none") {
      say(s.at("auth") + ": channel '" + s.id +
          "': auth takes only 'none' (callbacks unchecked, for a demo)");
    }
    auto made = e.make(s);
    if (!made) {
      say(made.error());
      return nullptr;
    }
    if (auth == s.params.end() && !made.value()->callbacks_checked()) {
      // The aggregator's own signature, where it signs its callbacks: the surest of them.
      const std::string signature =
          s.type == "android"  ? "signing_key (the app's webhook signing key), "
          : s.type == "vonage" ? "signature_secret (Vonage's signed callbacks), "
                               : "";
      say(s.where + ": channel '" + s.id + "' (" + s.type +
          ") would take callbacks from anyone, who could then speak for any phone number: set " +
          signature +
          "auth_token, allow_ips or basic_auth (docs/configuration.md), or 'auth: none' for a demo "
          "on this machine");
    }
    if (problems.size() > before) return nullptr;
    return std::move(made).value();
  }
  std::string known;
  for (const auto& t : known_types()) known += (known.empty() ? "" : ", ") + t;
  say(s.at("type") + ": channel '" + s.id + "' has unknown type '" + s.type + "' (known: " + known +
      ")");
  return nullptr;
}

core::result<std::unique_ptr<channel>> make_channel(const settings& s) {
  std::vector<std::string> problems;
  auto made = make_channel(s, problems);
  if (!made)
    return core::fail(problems.empty() ? "channel '" + s.id + "' cannot be made"
                                       : problems.front());
  return made;
}

std::vector<std::string> known_types() {
  std::vector<std::string> out;
  for (const entry& e : registry()) out.emplace_back(e.type);
  return out;
}

}  // namespace paygham::channels
