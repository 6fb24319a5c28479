// Africa's Talking: USSD hops and inbound SMS as application/x-www-form-urlencoded POSTs
// (shared/reference/aggregators.md section 1). USSD answers are text/plain "CON …"/"END …".
// AT documents no callback signature: protect the URL with `auth_token` and `allow_ips`.
#pragma once

#include <memory>

#include "gateway/channels/channel.hpp"

namespace paygham::channels {

class africastalking : public channel {
 public:
  static core::result<std::unique_ptr<channel>> make(const settings& s);
  explicit africastalking(const settings& s) : channel(s) {}

  bool accepts(callback_kind k) const override;
  core::result<inbound> parse(callback_kind k, const core::http_request& req) const override;
  core::http_response render_ussd(const core::ussd_reply& r) const override;
  core::http_response ack_sms() const override;

 protected:
  // The console channel speaks the same format but may omit the message id.
  virtual bool requires_message_id() const { return true; }
};

}  // namespace paygham::channels
