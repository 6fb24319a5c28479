#include "gateway/channels/channel.hpp"

#include <openssl/crypto.h>

#include <sstream>

#include "gateway/core/form.hpp"

namespace paygham::channels {

std::optional<callback_kind> parse_callback_kind(std::string_view s) {
  if (s == "sms") return callback_kind::sms;
  if (s == "ussd") return callback_kind::ussd;
  if (s == "status") return callback_kind::status;
  if (s == "events") return callback_kind::events;
  return std::nullopt;
}

const char* to_string(callback_kind k) {
  switch (k) {
    case callback_kind::sms: return "sms";
    case callback_kind::ussd: return "ussd";
    case callback_kind::status: return "status";
    case callback_kind::events: return "events";
  }
  return "sms";
}

bool equal_secret(std::string_view a, std::string_view b) {
  // The length is not secret; the content is compared without early exit.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

channel::channel(const settings& s) : id_(s.id), type_(s.type), region_(s.default_region) {
  if (auto it = s.params.find("auth_token"); it != s.params.end()) token_ = it->second;
  if (auto it = s.params.find("allow_ips"); it != s.params.end()) {
    std::istringstream in(it->second);
    std::string ip;
    while (std::getline(in, ip, ',')) {
      const auto b = ip.find_first_not_of(' ');
      const auto e = ip.find_last_not_of(' ');
      if (b != std::string::npos) allow_ips_.push_back(ip.substr(b, e - b + 1));
    }
  }
}

core::status channel::authenticate(const core::http_request& req) const {
  if (!allow_ips_.empty()) {
    bool allowed = false;
    for (const auto& ip : allow_ips_) allowed = allowed || ip == req.remote_ip;
    if (!allowed) return core::fail("source address not allowed for this channel");
  }
  if (!token_.empty()) {
    auto q = core::parse_form(req.query);
    const std::string_view given = q ? q->get_or_empty("token") : std::string_view{};
    if (!equal_secret(given, token_)) return core::fail("missing or wrong token");
  }
  return core::ok();
}

}  // namespace paygham::channels
