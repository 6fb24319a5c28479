#include "gateway/channels/android.hpp"

#include <charconv>
#include <cstdlib>

#include "gateway/channels/codec_util.hpp"
#include "gateway/channels/signatures.hpp"
#include "gateway/core/clock.hpp"

namespace paygham::channels {
namespace {

constexpr std::int64_t signature_window_ms = 5 * 60'000;

}  // namespace

core::result<std::unique_ptr<channel>> android::make(const settings& s) {
  if (!s.params.count("base_url")) {
    return core::fail(s.where + ": channel '" + s.id + "' (android) needs 'base_url': the phone or its server");
  }
  return std::unique_ptr<channel>(std::make_unique<android>(s));
}

bool android::accepts(callback_kind k) const { return k == callback_kind::events; }

const std::vector<status_row>& android::status_table() const {
  // android-sms-gateway's documentation: the events that report on a message we sent.
  static const std::vector<status_row> t = {
      {"sms:sent", core::message_status::sent},
      {"sms:delivered", core::message_status::delivered},
      {"sms:failed", core::message_status::failed},
      {"sms:cancelled", core::message_status::cancelled},
  };
  return t;
}

core::status android::authenticate(const core::http_request& req) const {
  if (auto base = channel::authenticate(req); !base) return base;
  const std::string key = param("signing_key");
  if (key.empty()) return core::ok();
  const std::string_view sig = req.header("X-Signature");
  const std::string_view ts = req.header("X-Timestamp");
  long long seconds = 0;
  auto [p, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), seconds);
  if (sig.empty() || ec != std::errc() || p != ts.data() + ts.size()) {
    return core::fail("missing X-Signature or X-Timestamp");
  }
  if (std::llabs(core::now_ms() - seconds * 1000) > signature_window_ms) return core::fail("stale X-Timestamp");
  if (!equal_hex(sig, android_signature(key, req.body, ts))) return core::fail("bad X-Signature");
  return core::ok();
}

core::result<callback> android::parse(callback_kind, const core::http_request& req) const {
  auto body = util::json_body(req);
  if (!body) return core::fail(body.error());
  const auto& j = body.value();
  auto event = util::json_text(j, "event", true);
  if (!event) return core::fail(event.error());
  callback out;
  if (event.value() == "system:ping" || event.value() == "app:started") return out;
  if (!j.contains("payload") || !j["payload"].is_object()) return core::fail("missing 'payload'");
  const auto& p = j["payload"];
  if (event.value() == "sms:received") {
    core::inbound_sms m;
    m.channel_id = id();
    // payload.messageId is derived from the content and not unique; the envelope id is.
    auto eid = util::json_text(j, "id", true);
    if (!eid) return core::fail(eid.error());
    m.external_id = eid.value();
    auto raw = util::json_text(p, "sender", false);
    if (!raw) return core::fail(raw.error());
    if (raw->empty()) raw = util::json_text(p, "phoneNumber", true);
    if (!raw) return core::fail(raw.error());
    auto from = util::e164("sender", raw.value(), region());
    if (!from) return core::fail(from.error());
    m.from = std::move(from).value();
    auto text = util::json_text(p, "message", false);
    if (!text) return core::fail(text.error());
    m.text = std::move(text).value();
    m.received_at = core::now_ms();
    out.sms.push_back(std::move(m));
    return out;
  }
  core::delivery_report r;
  r.channel_id = id();
  if (auto known = read_status(event.value(), "event", r); !known) return core::fail(known.error());
  auto mid = util::json_text(p, "messageId", true);
  if (!mid) return core::fail(mid.error());
  r.external_id = mid.value();
  if (r.external_id.rfind("pg", 0) == 0) r.reference = r.external_id;  // ours, as sent
  auto reason = util::json_text(p, "reason", false);
  if (!reason) return core::fail(reason.error());
  r.error = std::move(reason).value();
  out.reports.push_back(std::move(r));
  return out;
}

core::result<http_call> android::build_send(const outbound& m) const {
  http_call c;
  c.url = param("base_url") + param("send_path", "/3rdparty/v1/messages");
  c.headers = {{"Authorization", util::basic(param("username"), param("password"))},
               {"Content-Type", "application/json"}};
  c.body = nlohmann::json{{"id", m.reference},
                          {"textMessage", {{"text", m.body}}},
                          {"phoneNumbers", {m.to}},
                          {"withDeliveryReport", true}}
               .dump();
  return c;
}

send_result android::read_send_reply(unsigned status, std::string_view retry_after,
                                     std::string_view body) const {
  send_result r = classify_http(status, retry_after);
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (r.result != send_result::outcome::accepted) {
    if (j.is_object() && j.contains("message") && j["message"].is_string()) r.error = j["message"].get<std::string>();
    return r;
  }
  if (!j.is_object() || !j.contains("id") || !j["id"].is_string()) {
    return unreadable_reply(r);
  }
  r.external_id = j["id"].get<std::string>();
  r.raw_code = j.value("state", "");
  if (r.raw_code == "Failed") {
    r.result = send_result::outcome::failed;
    r.error = "the phone could not send it";
  }
  return r;
}

}  // namespace paygham::channels
