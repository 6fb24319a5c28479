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

}  // namespace

core::result<std::unique_ptr<channel>> make_channel(const settings& s) {
  for (const entry& e : registry()) {
    if (s.type != e.type) continue;
    for (const auto& [key, _] : s.params) {
      const bool common = std::find(std::begin(common_params), std::end(common_params), key) !=
                          std::end(common_params);
      const bool own = std::find(e.params.begin(), e.params.end(), key) != e.params.end();
      if (!common && !own) {
        return core::fail(s.where + ": channel '" + s.id + "' (type " + s.type +
                          ") has an unknown setting '" + key + "'");
      }
    }
    if (auto d = read_delivery(s); !d) return core::fail(d.error());
    const auto auth = s.params.find("auth");
    if (auth != s.params.end() && auth->second != "none") {
      return core::fail(s.where + ": channel '" + s.id + "': auth takes only 'none' (callbacks unchecked, for a demo)");
    }
    auto made = e.make(s);
    if (made && auth == s.params.end() && !made.value()->callbacks_checked()) {
      return core::fail(s.where + ": channel '" + s.id + "' (" + s.type +
                        ") would take callbacks from anyone, who could then speak for any phone number: set "
                        "auth_token, allow_ips or basic_auth (docs/configuration.md), or 'auth: none' for a demo "
                        "on this machine");
    }
    return made;
  }
  std::string known;
  for (const auto& t : known_types()) known += (known.empty() ? "" : ", ") + t;
  return core::fail(s.where + ": channel '" + s.id + "' has unknown type '" + s.type +
                    "' (known: " + known + ")");
}

std::vector<std::string> known_types() {
  std::vector<std::string> out;
  for (const entry& e : registry()) out.emplace_back(e.type);
  return out;
}

}  // namespace paygham::channels
