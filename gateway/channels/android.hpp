// android-sms-gateway (an Android phone as the gateway; android-sms-gateway's documentation): every
// webhook (sms:received, sms:sent, sms:delivered, sms:failed, system:ping) posts JSON to
// kind `events`; with `signing_key` set each must carry X-Signature = hex HMAC-SHA256(key,
// body + X-Timestamp) with a timestamp within 5 minutes. Sends through POST
// {base_url}{send_path} with Basic auth and our reference as the message id, so the phone's
// reports name our message. Settings: username, password, signing_key, base_url (the phone
// or the cloud server), send_path (/3rdparty/v1/messages; /message for a phone's local server).
#pragma once

#include <memory>

#include "gateway/channels/channel.hpp"

namespace paygham::channels {

class android : public channel {
 public:
  static core::result<std::unique_ptr<channel>> make(const settings& s);
  explicit android(const settings& s) : channel(s) {}

  bool accepts(callback_kind k) const override;
  core::status authenticate(const core::http_request& req) const override;
  bool signs_callbacks() const override { return !param("signing_key").empty(); }
  core::result<callback> parse(callback_kind k, const core::http_request& req) const override;
  core::result<http_call> build_send(const outbound& m) const override;
  send_result read_send_reply(unsigned status, std::string_view retry_after,
                              std::string_view body) const override;
  const std::vector<status_row>& status_table() const override;
};

}  // namespace paygham::channels
