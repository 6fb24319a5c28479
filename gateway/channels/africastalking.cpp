#include "gateway/channels/africastalking.hpp"

#include "gateway/channels/codec_util.hpp"

namespace paygham::channels {

core::result<std::unique_ptr<channel>> africastalking::make(const settings& s) {
  return std::unique_ptr<channel>(std::make_unique<africastalking>(s));
}

bool africastalking::accepts(callback_kind) const { return true; }

const std::vector<status_row>& africastalking::status_table() const {
  // Africa's Talking's documentation; "Expired" as courier reads it.
  static const std::vector<status_row> t = {
      {"Sent", core::message_status::sent},           {"Submitted", core::message_status::sent},
      {"Buffered", core::message_status::sent},       {"Rejected", core::message_status::failed},
      {"Success", core::message_status::delivered},   {"Failed", core::message_status::failed},
      {"Expired", core::message_status::failed},
  };
  return t;
}

core::result<callback> africastalking::parse(callback_kind k, const core::http_request& req) const {
  auto f = util::params(req);
  if (!f) return core::fail(f.error());
  const core::form& form = f.value();
  callback out;
  if (k == callback_kind::ussd) {
    core::ussd_request u;
    u.channel_id = id();
    for (auto [field, into] : {std::pair{"sessionId", &u.session_id}, std::pair{"serviceCode", &u.service_code}}) {
      auto v = util::required(form, field);
      if (!v) return core::fail(v.error());
      *into = std::move(v).value();
    }
    auto from = util::phone_field(form, "phoneNumber", region());
    if (!from) return core::fail(from.error());
    u.from = std::move(from).value();
    auto text = util::optional(form, "text");
    if (!text) return core::fail(text.error());
    u.text = std::move(text).value();
    u.network = std::string(form.get_or_empty("networkCode"));
    out.ussd = std::move(u);
    return out;
  }
  if (k == callback_kind::status) {
    core::delivery_report r;
    r.channel_id = id();
    auto ext = util::required(form, "id");
    if (!ext) return core::fail(ext.error());
    r.external_id = std::move(ext).value();
    auto status = util::required(form, "status");
    if (!status) return core::fail(status.error());
    if (auto known = read_status(status.value(), "status", r); !known) return core::fail(known.error());
    auto reason = util::optional(form, "failureReason");
    if (!reason) return core::fail(reason.error());
    r.error = std::move(reason).value();
    out.reports.push_back(std::move(r));
    return out;
  }
  if (k == callback_kind::events) {
    // The USSD end-of-session notification (Africa's Talking's documentation, fields unverified).
    core::session_end e;
    e.channel_id = id();
    auto session = util::required(form, "sessionId");
    if (!session) return core::fail(session.error());
    e.session_id = std::move(session).value();
    auto from = util::phone_field(form, "phoneNumber", region());
    if (!from) return core::fail(from.error());
    e.from = std::move(from).value();
    e.success = form.get_or_empty("status") == "Success";
    out.ended = std::move(e);
    return out;
  }
  auto m = util::read_sms(form, {"id", "from", "text", "to", requires_message_id()}, id(), region());
  if (!m) return core::fail(m.error());
  out.sms.push_back(std::move(m).value());
  return out;
}

core::http_response africastalking::render_ussd(const core::ussd_reply& r) const {
  // Exactly "CON …" or "END …": a trailing newline would show as an empty line.
  core::http_response resp;
  resp.body = (r.end ? "END " : "CON ") + r.text;
  return resp;
}

core::result<http_call> africastalking::build_send(const outbound& m) const {
  const std::string user = param("username");
  const std::string key = param("api_key");
  if (user.empty() || key.empty()) return core::fail("channel needs username and api_key to send");
  http_call c;
  c.url = param("base_url", "https://api.africastalking.com") + "/version1/messaging";
  c.headers = {{"apiKey", key},
               {"Accept", "application/json"},
               {"Content-Type", "application/x-www-form-urlencoded"}};
  std::vector<std::pair<std::string, std::string>> form = {{"username", user}, {"to", m.to}, {"message", m.body}};
  if (const std::string from = param("sender"); !from.empty()) form.emplace_back("from", from);
  c.body = core::encode_form(form);
  return c;
}

send_result africastalking::read_send_reply(unsigned status, std::string_view retry_after,
                                            std::string_view body) const {
  send_result r = classify_http(status, retry_after);
  if (r.result != send_result::outcome::accepted) return r;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("SMSMessageData")) return unreadable_reply(r);
  const auto& data = j["SMSMessageData"];
  const auto* recipients = data.is_object() && data.contains("Recipients") ? &data["Recipients"] : nullptr;
  if (!recipients || !recipients->is_array() || recipients->empty() || !(*recipients)[0].is_object()) {
    r.result = send_result::outcome::failed;
    r.error = data.is_object() ? data.value("Message", "no recipient accepted") : "no recipient accepted";
    return r;
  }
  const auto& rec = (*recipients)[0];
  const int code = rec.value("statusCode", 0);
  r.raw_code = std::to_string(code);
  r.error = rec.value("status", "");
  // 100 Processed, 101 Sent, 102 Queued; 405 InsufficientBalance and 5xx may pass; the
  // rest are about the number or the account and will not.
  if (code >= 100 && code <= 102) {
    r.result = send_result::outcome::accepted;
    r.external_id = rec.value("messageId", "");
    r.cost = rec.value("cost", "");
    r.error.clear();
  } else if (code == 405 || code >= 500) {
    r.result = send_result::outcome::retry;
  } else {
    r.result = send_result::outcome::failed;
    // 406 UserInBlacklist: the person blocked our messages; 401 RiskHold and 402
    // InvalidSenderId: the account or sender needs an operator.
    if (code == 406) r.why = send_result::cause::unsubscribed;
    if (code == 401 || code == 402) r.why = send_result::cause::misconfigured;
  }
  return r;
}

}  // namespace paygham::channels
