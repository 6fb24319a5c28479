// Twilio Programmable Messaging (Twilio's documentation): inbound SMS (`sms`) and status
// callbacks (`status`) as form POSTs signed with X-Twilio-Signature (HMAC-SHA1 over the
// public URL and the sorted parameters); sends through the Messages API with Basic auth and a
// per-message StatusCallback. Settings: account_sid, secret (the account's Auth Token),
// sender or messaging_service, base_url (https://api.twilio.com). Needs server.public_url.
#pragma once

#include <memory>

#include "gateway/channels/channel.hpp"

namespace paygham::channels {

class twilio : public channel {
 public:
  static core::result<std::unique_ptr<channel>> make(const settings& s);
  explicit twilio(const settings& s);

  bool accepts(callback_kind k) const override;
  core::status authenticate(const core::http_request& req) const override;
  bool signs_callbacks() const override { return true; }  // X-Twilio-Signature, always checked
  core::result<callback> parse(callback_kind k, const core::http_request& req) const override;
  core::http_response ack(callback_kind k) const override;
  core::result<http_call> build_send(const outbound& m) const override;
  bool reports_to_url() const override { return true; }
  send_result read_send_reply(unsigned status, std::string_view retry_after,
                              std::string_view body) const override;
  const std::vector<status_row>& status_table() const override;

 private:
  std::string public_url_;
};

}  // namespace paygham::channels
