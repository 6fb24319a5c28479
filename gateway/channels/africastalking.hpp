// Africa's Talking (its USSD and SMS API documentation): USSD hops, inbound SMS,
// delivery reports and the USSD end-of-session notification (kind `events`), all as
// application/x-www-form-urlencoded POSTs; USSD answers are text/plain "CON …"/"END …".
// Sends through POST {base_url}/version1/messaging with the `apiKey` header.
// AT documents no callback signature: protect the URLs with `auth_token` and `allow_ips`.
// Settings: username, api_key, sender (optional), base_url (https://api.africastalking.com).
#pragma once

#include <memory>

#include "gateway/channels/channel.hpp"

namespace paygham::channels {

class africastalking : public channel {
 public:
  static core::result<std::unique_ptr<channel>> make(const settings& s);
  explicit africastalking(const settings& s) : channel(s) {}

  bool accepts(callback_kind k) const override;
  core::result<callback> parse(callback_kind k, const core::http_request& req) const override;
  core::http_response render_ussd(const core::ussd_reply& r) const override;
  core::result<http_call> build_send(const outbound& m) const override;
  send_result read_send_reply(unsigned status, std::string_view retry_after,
                              std::string_view body) const override;
  const std::vector<status_row>& status_table() const override;

 protected:
  // The console channel speaks the same format but may omit the message id.
  virtual bool requires_message_id() const { return true; }
};

}  // namespace paygham::channels
