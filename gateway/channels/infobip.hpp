// Infobip (Infobip's documentation): inbound SMS (`sms`) and delivery reports (`status`) as
// JSON `results[]` batches; sends through POST {base_url}/sms/3/messages with
// `Authorization: App <key>`, our reference as the messageId (so a report names our message
// even before the send reply is read). Infobip's per-request webhooks carry no signature:
// protect them with `auth_token` (and `basic_auth` if configured in Infobip).
// Settings: api_key, sender, base_url (https://api.infobip.com).
#pragma once

#include <memory>

#include "gateway/channels/channel.hpp"

namespace paygham::channels {

class infobip : public channel {
 public:
  static core::result<std::unique_ptr<channel>> make(const settings& s);
  explicit infobip(const settings& s) : channel(s) {}

  bool accepts(callback_kind k) const override;
  core::result<callback> parse(callback_kind k, const core::http_request& req) const override;
  core::result<http_call> build_send(const outbound& m) const override;
  bool reports_to_url() const override { return true; }
  send_result read_send_reply(unsigned status, std::string_view retry_after,
                              std::string_view body) const override;
  const std::vector<status_row>& status_table() const override;
};

}  // namespace paygham::channels
