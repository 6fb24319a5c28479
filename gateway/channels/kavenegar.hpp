// Kavenegar (Iran; Kavenegar's documentation): sends through {base_url}/v1/{api_key}/sms/send.json
// (the key is in the URL path: never logged); delivery states and inbound messages are
// polled (sms/status.json, sms/receive.json) every `poll_interval` (30s), as Kavenegar pushes
// neither. Settings: api_key, sender (the line number), base_url (https://api.kavenegar.com).
#pragma once

#include <memory>

#include "gateway/channels/channel.hpp"

namespace paygham::channels {

class kavenegar : public channel {
 public:
  static core::result<std::unique_ptr<channel>> make(const settings& s);
  explicit kavenegar(const settings& s) : channel(s) {}

  bool accepts(callback_kind) const override { return false; }
  core::result<callback> parse(callback_kind k, const core::http_request& req) const override;
  core::result<http_call> build_send(const outbound& m) const override;
  send_result read_send_reply(unsigned status, std::string_view retry_after,
                              std::string_view body) const override;
  bool polled() const override { return true; }
  std::optional<http_call> build_status_poll(const std::vector<std::string>& external_ids) const override;
  core::result<callback> read_status_poll(std::string_view body) const override;
  std::optional<http_call> build_inbox_poll() const override;
  core::result<callback> read_inbox_poll(std::string_view body) const override;
  const std::vector<status_row>& status_table() const override;

 private:
  std::string url(std::string_view method) const;
};

}  // namespace paygham::channels
