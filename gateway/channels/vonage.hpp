// Vonage (Nexmo) SMS API (Vonage's documentation): inbound SMS (`sms`) and delivery
// receipts (`status`) as GET queries or POST forms; with `signature_secret` set, each must
// carry a valid `sig` (md5hash, or HMAC md5/sha1/sha256/sha512 by `signature_method`) and a
// `timestamp` within 5 minutes. Sends through POST {base_url}/sms/json with client-ref = our
// reference. Settings: api_key, api_secret, sender, signature_secret, signature_method
// (md5hash), base_url (https://rest.nexmo.com).
#pragma once

#include <memory>

#include "gateway/channels/channel.hpp"

namespace paygham::channels {

class vonage : public channel {
 public:
  static core::result<std::unique_ptr<channel>> make(const settings& s);
  explicit vonage(const settings& s) : channel(s) {}

  bool accepts(callback_kind k) const override;
  core::status authenticate(const core::http_request& req) const override;
  bool signs_callbacks() const override { return !param("signature_secret").empty(); }
  core::result<callback> parse(callback_kind k, const core::http_request& req) const override;
  core::result<http_call> build_send(const outbound& m) const override;
  bool reports_to_url() const override { return true; }
  send_result read_send_reply(unsigned status, std::string_view retry_after,
                              std::string_view body) const override;
  const std::vector<status_row>& status_table() const override;
};

}  // namespace paygham::channels
