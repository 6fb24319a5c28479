// A channel is one configured connection to an aggregator (`channels:` in the config).
// Its codec is pure: it turns an aggregator's HTTP callback into canonical events and a
// canonical reply into the aggregator's HTTP answer. Sockets live in gateway/http, retries
// in gateway/jobs. Rules every codec follows:
//  1. MUST authenticate a callback before parsing it (authenticate()); a failure stores nothing.
//  2. MUST reject what is not the aggregator's format with a short reason (400), never guess.
//  3. MUST check that texts are valid UTF-8 and numbers parse (gateway/phone).
//  4. MUST NOT log message bodies or secrets; the caller logs the outcome.
//  5. SHOULD answer the aggregator exactly as its documentation expects.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/core/event.hpp"
#include "gateway/core/http_message.hpp"
#include "gateway/core/result.hpp"

namespace paygham::channels {

// The {kind} part of POST /channels/{channel-id}/{kind}.
enum class callback_kind { sms, ussd, status, events };
std::optional<callback_kind> parse_callback_kind(std::string_view s);
const char* to_string(callback_kind k);

using inbound = std::variant<core::inbound_sms, core::ussd_request>;

// What the config says of a channel: id, type, and the type's own settings (strings, with
// ${ENV} already substituted). `where` is "file:line:column" for messages.
struct settings {
  std::string id;
  std::string type;
  std::map<std::string, std::string> params;
  std::string where;
  std::string default_region = "AF";
};

class channel {
 public:
  explicit channel(const settings& s);
  virtual ~channel() = default;
  channel(const channel&) = delete;
  channel& operator=(const channel&) = delete;

  const std::string& id() const { return id_; }
  const std::string& type() const { return type_; }

  // Which callback kinds this channel accepts; others answer 404.
  virtual bool accepts(callback_kind k) const = 0;

  // Checks the callback's credentials: the URL token (`?token=`) and source address when
  // configured. Codecs with signatures add theirs. Error text is safe to show the caller.
  virtual core::status authenticate(const core::http_request& req) const;

  // Parses a callback into a canonical event; an error is a 400 with its message.
  virtual core::result<inbound> parse(callback_kind k, const core::http_request& req) const = 0;

  // The HTTP answer to a USSD hop.
  virtual core::http_response render_ussd(const core::ussd_reply& r) const = 0;

  // The HTTP answer once an inbound SMS is durably stored (or recognised as a duplicate).
  virtual core::http_response ack_sms() const = 0;

  // True for channels whose messages the outbox delivers itself (console).
  virtual bool local_delivery() const { return false; }

 protected:
  const std::string& region() const { return region_; }

 private:
  std::string id_;
  std::string type_;
  std::string region_;
  std::string token_;                 // empty: no URL token required
  std::vector<std::string> allow_ips_;  // empty: any source address
};

// Settings every channel type understands; a type's factory accepts these plus its own.
inline constexpr std::string_view common_params[] = {"auth_token", "allow_ips", "ussd_profile"};

// Constant-time comparison for secrets.
bool equal_secret(std::string_view a, std::string_view b);

}  // namespace paygham::channels
