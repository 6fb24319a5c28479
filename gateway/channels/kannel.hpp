// Kannel's HTTP interface (Kannel's documentation): MO messages from an sms-service whose
// get-url points at kind `sms` (GET query, or POST form) with
//   ?from=%p&to=%P&text=%b&coding=%c&charset=%C&id=%I
// (the message's bytes and their charset: UCS-2 arrives as UTF-16BE and is decoded here,
// whatever smsbox's mo-recode says), answered with an empty body so smsbox sends nothing
// back; and delivery reports at kind `status` through the dlr-url we give with each message
// (type=%d, our reference). Sends with GET {base_url}/cgi-bin/sendsms. Kannel has no
// signatures: use `auth_token` and `allow_ips`. Settings: username, password, sender,
// smsc (optional), base_url (http://127.0.0.1:13013), dlr_mask (31).
#pragma once

#include <memory>

#include "gateway/channels/channel.hpp"

namespace paygham::channels {

class kannel : public channel {
 public:
  static core::result<std::unique_ptr<channel>> make(const settings& s);
  explicit kannel(const settings& s) : channel(s) {}

  bool accepts(callback_kind k) const override;
  core::http_response ack(callback_kind k) const override;
  core::result<callback> parse(callback_kind k, const core::http_request& req) const override;
  core::result<http_call> build_send(const outbound& m) const override;
  bool reports_to_url() const override { return true; }
  send_result read_send_reply(unsigned status, std::string_view retry_after,
                              std::string_view body) const override;
  const std::vector<status_row>& status_table() const override;
};

}  // namespace paygham::channels
