#include "gateway/channels/kavenegar.hpp"

#include "gateway/channels/codec_util.hpp"
#include "gateway/core/clock.hpp"

namespace paygham::channels {
namespace {

// {"return":{"status":200,"message":"…"},"entries":[…]}; the entries, or why not.
core::result<nlohmann::json> entries(std::string_view body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("return") || !j["return"].is_object()) return core::fail("unreadable reply");
  const int status = j["return"].value("status", 0);
  if (status != 200) return core::fail("return.status " + std::to_string(status));
  if (!j.contains("entries") || !j["entries"].is_array()) return nlohmann::json::array();
  return j["entries"];
}

std::string text_of(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return {};
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

}  // namespace

core::result<std::unique_ptr<channel>> kavenegar::make(const settings& s) {
  for (const char* key : {"api_key", "sender"}) {
    if (!s.params.count(key)) return core::fail(s.where + ": channel '" + s.id + "' (kavenegar) needs '" + key + "'");
  }
  return std::unique_ptr<channel>(std::make_unique<kavenegar>(s));
}

const std::vector<status_row>& kavenegar::status_table() const {
  // Kavenegar's documentation (MessageStatus in the official SDK).
  static const std::vector<status_row> t = {
      {"1", core::message_status::sent},       {"2", core::message_status::sent},
      {"4", core::message_status::sent},       {"5", core::message_status::sent},
      {"10", core::message_status::delivered}, {"11", core::message_status::failed},
      {"13", core::message_status::cancelled}, {"14", core::message_status::failed},
      {"100", core::message_status::failed},
  };
  return t;
}

std::string kavenegar::url(std::string_view method) const {
  return param("base_url", "https://api.kavenegar.com") + "/v1/" + param("api_key") + "/sms/" +
         std::string(method) + ".json";
}

core::result<callback> kavenegar::parse(callback_kind, const core::http_request&) const {
  return core::fail("kavenegar takes no callbacks: it is polled");
}

core::result<http_call> kavenegar::build_send(const outbound& m) const {
  http_call c;
  c.url = url("send");
  c.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  c.body = core::encode_form({{"receptor", util::without_plus(m.to)},
                              {"sender", param("sender")},
                              {"message", m.body},
                              {"localid", std::to_string(m.id)}});
  return c;
}

send_result kavenegar::read_send_reply(unsigned status, std::string_view retry_after,
                                       std::string_view body) const {
  send_result r = classify_http(status, retry_after);
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("return") && j["return"].is_object()) {
    r.raw_code = std::to_string(j["return"].value("status", 0));
    // 418: not enough credit, which an operator can fix: worth retrying.
    if (r.raw_code == "418") r.result = send_result::outcome::retry;
  }
  auto e = entries(body);
  if (r.result == send_result::outcome::accepted && !e) return unreadable_reply(r);
  if (r.result != send_result::outcome::accepted || !e) {
    r.error = e ? r.error : e.error();
    return r;
  }
  if (e->empty() || !e.value()[0].is_object()) {
    r.result = send_result::outcome::failed;
    r.error = "no entry in the reply";
    return r;
  }
  const auto& entry = e.value()[0];
  r.external_id = text_of(entry, "messageid");
  r.raw_code = text_of(entry, "status");
  r.cost = text_of(entry, "cost");
  if (const status_row* row = map_status(r.raw_code); row && row->status == core::message_status::failed) {
    r.result = send_result::outcome::failed;
    r.error = text_of(entry, "statustext");
  }
  return r;
}

std::optional<http_call> kavenegar::build_status_poll(const std::vector<std::string>& ids) const {
  if (ids.empty()) return std::nullopt;
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ",") + id;
  http_call c;
  c.method = "GET";
  c.url = url("status") + "?" + core::encode_form({{"messageid", list}});
  return c;
}

core::result<callback> kavenegar::read_status_poll(std::string_view body) const {
  auto e = entries(body);
  if (!e) return core::fail(e.error());
  callback out;
  for (const auto& entry : e.value()) {
    if (!entry.is_object()) continue;
    core::delivery_report r;
    r.channel_id = id();
    r.external_id = text_of(entry, "messageid");
    r.raw_code = text_of(entry, "status");
    const status_row* row = map_status(r.raw_code);
    if (r.external_id.empty() || !row) continue;  // unknown codes stay as they were
    r.status = row->status;
    out.reports.push_back(std::move(r));
  }
  return out;
}

std::optional<http_call> kavenegar::build_inbox_poll() const {
  http_call c;
  c.method = "GET";
  c.url = url("receive") + "?" + core::encode_form({{"linenumber", param("sender")}, {"isread", "0"}});
  return c;
}

core::result<callback> kavenegar::read_inbox_poll(std::string_view body) const {
  auto e = entries(body);
  if (!e) return core::fail(e.error());
  callback out;
  for (const auto& entry : e.value()) {
    if (!entry.is_object()) continue;
    core::inbound_sms m;
    m.channel_id = id();
    m.external_id = text_of(entry, "messageid");
    auto from = util::e164("sender", text_of(entry, "sender"), "IR");
    if (m.external_id.empty() || !from) continue;
    m.from = std::move(from).value();
    m.text = text_of(entry, "message");
    m.to = text_of(entry, "receptor");
    m.received_at = core::now_ms();
    out.sms.push_back(std::move(m));
  }
  return out;
}

}  // namespace paygham::channels
