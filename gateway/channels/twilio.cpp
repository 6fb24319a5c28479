#include "gateway/channels/twilio.hpp"

#include <cstdlib>

#include "gateway/channels/codec_util.hpp"
#include "gateway/channels/signatures.hpp"

namespace paygham::channels {

core::result<std::unique_ptr<channel>> twilio::make(const settings& s) {
  for (const char* key : {"account_sid", "secret"}) {
    if (!s.params.count(key)) return core::fail(s.where + ": channel '" + s.id + "' (twilio) needs '" + key + "'");
  }
  if (s.public_url.empty()) {
    return core::fail(s.where + ": channel '" + s.id +
                      "' (twilio) needs server.public_url: signatures cover the URL Twilio called");
  }
  return std::unique_ptr<channel>(std::make_unique<twilio>(s));
}

twilio::twilio(const settings& s) : channel(s), public_url_(s.public_url) {
  while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
}

bool twilio::accepts(callback_kind k) const { return k == callback_kind::sms || k == callback_kind::status; }

const std::vector<status_row>& twilio::status_table() const {
  // Twilio's documentation (MessageStatus). partially_delivered is unverified: not final.
  static const std::vector<status_row> t = {
      {"queued", core::message_status::sent},      {"accepted", core::message_status::sent},
      {"scheduled", core::message_status::sent},   {"sending", core::message_status::sent},
      {"sent", core::message_status::sent},        {"delivered", core::message_status::delivered},
      {"undelivered", core::message_status::failed}, {"failed", core::message_status::failed},
      {"read", core::message_status::delivered},   {"canceled", core::message_status::cancelled},
      {"partially_delivered", core::message_status::sent},
  };
  return t;
}

core::status twilio::authenticate(const core::http_request& req) const {
  if (auto base = channel::authenticate(req); !base) return base;
  auto f = util::params(req);
  if (!f) return core::fail("unreadable parameters");
  // The URL exactly as Twilio called it: our public address, the path and the query.
  const std::string url = public_url_ + req.path + (req.query.empty() ? "" : "?" + req.query);
  std::vector<std::pair<std::string, std::string>> signed_params;
  if (req.method != "GET") signed_params = f->pairs;
  // Twilio signs the URL with or without its port ("https://host:443/…"); its libraries
  // accept both, and so do we.
  const std::string_view given = req.header("X-Twilio-Signature");
  for (const auto& form : twilio_url_forms(url)) {
    if (equal_secret(given, twilio_signature(param("secret"), form, signed_params))) return core::ok();
  }
  return core::fail("bad X-Twilio-Signature");
}

core::result<callback> twilio::parse(callback_kind k, const core::http_request& req) const {
  auto f = util::params(req);
  if (!f) return core::fail(f.error());
  const core::form& form = f.value();
  callback out;
  auto sid = util::required(form, "MessageSid");
  if (!sid) return core::fail(sid.error());
  if (k == callback_kind::status) {
    core::delivery_report r;
    r.channel_id = id();
    r.external_id = sid.value();
    auto status = util::required(form, "MessageStatus");
    if (!status) return core::fail(status.error());
    if (auto known = read_status(status.value(), "MessageStatus", r); !known) return core::fail(known.error());
    r.error = std::string(form.get_or_empty("ErrorCode"));
    out.reports.push_back(std::move(r));
    return out;
  }
  auto m = util::read_sms(form, {"MessageSid", "From", "Body", "To"}, id(), region());
  if (!m) return core::fail(m.error());
  out.sms.push_back(std::move(m).value());
  return out;
}

core::http_response twilio::ack(callback_kind k) const {
  if (k != callback_kind::sms) return channel::ack(k);
  // Empty TwiML: the reply goes out through the API, with its own history.
  core::http_response r;
  r.content_type = "text/xml";
  r.body = R"(<?xml version="1.0" encoding="UTF-8"?><Response/>)";
  return r;
}

core::result<http_call> twilio::build_send(const outbound& m) const {
  const std::string sid = param("account_sid");
  http_call c;
  c.url = param("base_url", "https://api.twilio.com") + "/2010-04-01/Accounts/" + sid + "/Messages.json";
  c.headers = {{"Authorization", util::basic(sid, param("secret"))},
               {"Accept", "application/json"},
               {"Content-Type", "application/x-www-form-urlencoded"}};
  std::vector<std::pair<std::string, std::string>> form = {{"To", m.to}, {"Body", m.body}};
  if (const std::string svc = param("messaging_service"); !svc.empty()) {
    form.emplace_back("MessagingServiceSid", svc);
  } else {
    form.emplace_back("From", param("sender"));
  }
  if (!m.status_url.empty()) form.emplace_back("StatusCallback", m.status_url);
  c.body = core::encode_form(form);
  return c;
}

send_result twilio::read_send_reply(unsigned status, std::string_view retry_after,
                                    std::string_view body) const {
  send_result r = classify_http(status, retry_after);
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return r.result == send_result::outcome::accepted ? unreadable_reply(r) : r;
  if (r.result == send_result::outcome::accepted) {
    r.external_id = j.value("sid", "");
    r.raw_code = j.value("status", "");
    if (j.contains("num_segments") && j["num_segments"].is_string()) {
      r.parts = std::atoi(j["num_segments"].get<std::string>().c_str());
    }
    if (j.contains("price") && j["price"].is_string()) r.cost = j["price"].get<std::string>();
    return r.external_id.empty() ? unreadable_reply(r) : r;
  }
  // {"code":21211,"message":"…","status":400}; 20429 is Twilio's throttling.
  if (j.contains("code") && j["code"].is_number()) {
    r.raw_code = std::to_string(j["code"].get<long>());
    if (j["code"] == 20429) {
      r.result = send_result::outcome::retry;
      r.why = send_result::cause::throttled;
    }
    // 21610: the recipient replied STOP to this sender; 20003: our Account SID or token is wrong.
    if (j["code"] == 21610) r.why = send_result::cause::unsubscribed;
    if (j["code"] == 20003) r.why = send_result::cause::misconfigured;
  }
  if (j.contains("message") && j["message"].is_string()) r.error = j["message"].get<std::string>();
  return r;
}

}  // namespace paygham::channels
