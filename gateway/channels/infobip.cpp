#include "gateway/channels/infobip.hpp"

#include "gateway/channels/codec_util.hpp"
#include "gateway/core/clock.hpp"

namespace paygham::channels {

core::result<std::unique_ptr<channel>> infobip::make(const settings& s) {
  return std::unique_ptr<channel>(std::make_unique<infobip>(s));
}

bool infobip::accepts(callback_kind k) const { return k == callback_kind::sms || k == callback_kind::status; }

const std::vector<status_row>& infobip::status_table() const {
  // Infobip's documentation: status groups by name.
  static const std::vector<status_row> t = {
      {"PENDING", core::message_status::sent},
      {"UNDELIVERABLE", core::message_status::failed},
      {"DELIVERED", core::message_status::delivered},
      {"EXPIRED", core::message_status::failed},
      {"REJECTED", core::message_status::failed},
  };
  return t;
}

core::result<callback> infobip::parse(callback_kind k, const core::http_request& req) const {
  auto body = util::json_body(req);
  if (!body) return core::fail(body.error());
  const auto& j = body.value();
  if (!j.contains("results") || !j["results"].is_array()) return core::fail("missing 'results' list");
  callback out;
  for (const auto& item : j["results"]) {
    if (!item.is_object()) return core::fail("a result is not an object");
    auto mid = util::json_text(item, "messageId", true);
    if (!mid) return core::fail(mid.error());
    if (k == callback_kind::status) {
      core::delivery_report r;
      r.channel_id = id();
      r.external_id = mid.value();
      // We send our reference as the messageId.
      if (r.external_id.rfind("pg", 0) == 0) r.reference = r.external_id;
      if (!item.contains("status") || !item["status"].is_object()) return core::fail("missing 'status'");
      const auto& st = item["status"];
      const std::string group = st.value("groupName", "");
      if (auto known = read_status(group, "status group", r); !known) return core::fail(known.error());
      r.raw_code = st.value("name", group);  // the detailed status, when given
      if (item.contains("error") && item["error"].is_object() && item["error"].value("id", 0) != 0) {
        r.error = item["error"].value("name", "");
      }
      if (item.contains("smsCount") && item["smsCount"].is_number()) r.parts = item["smsCount"].get<int>();
      if (item.contains("price") && item["price"].is_object() && item["price"].contains("pricePerMessage")) {
        r.cost = item["price"]["pricePerMessage"].dump() + " " + item["price"].value("currency", "");
      }
      out.reports.push_back(std::move(r));
      continue;
    }
    core::inbound_sms m;
    m.channel_id = id();
    m.external_id = mid.value();
    auto raw_from = util::json_text(item, "from", true);
    if (!raw_from) return core::fail(raw_from.error());
    auto from = util::e164("from", raw_from.value(), region());
    if (!from) return core::fail(from.error());
    m.from = std::move(from).value();
    auto text = util::json_text(item, "text", false);
    if (!text) return core::fail(text.error());
    m.text = std::move(text).value();
    auto to = util::json_text(item, "to", false);
    if (!to) return core::fail(to.error());
    m.to = std::move(to).value();
    m.received_at = core::now_ms();
    out.sms.push_back(std::move(m));
  }
  return out;
}

core::result<http_call> infobip::build_send(const outbound& m) const {
  const std::string key = param("api_key");
  if (key.empty()) return core::fail("channel needs api_key to send");
  http_call c;
  c.url = param("base_url", "https://api.infobip.com") + "/sms/3/messages";
  c.headers = {{"Authorization", "App " + key},
               {"Accept", "application/json"},
               {"Content-Type", "application/json"}};
  nlohmann::json msg = {{"sender", param("sender")},
                        {"destinations", {{{"to", util::without_plus(m.to)}, {"messageId", m.reference}}}},
                        {"content", {{"text", m.body}}}};
  if (!m.status_url.empty()) {
    msg["webhooks"] = {{"delivery", {{"url", m.status_url}, {"intermediateReport", true},
                                     {"contentType", "application/json"}}}};
  }
  c.body = nlohmann::json{{"messages", {msg}}}.dump();
  return c;
}

send_result infobip::read_send_reply(unsigned status, std::string_view retry_after,
                                     std::string_view body) const {
  send_result r = classify_http(status, retry_after);
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (r.result != send_result::outcome::accepted) {
    if (j.is_object() && j.contains("errorCode")) r.raw_code = j.value("errorCode", r.raw_code);
    if (j.is_object() && j.contains("description")) r.error = j.value("description", r.error);
    return r;
  }
  if (!j.is_object() || !j.contains("messages") || !j["messages"].is_array() || j["messages"].empty() ||
      !j["messages"][0].is_object()) {
    return unreadable_reply(r);
  }
  const auto& msg = j["messages"][0];
  const auto st = msg.value("status", nlohmann::json::object());
  const int group = st.is_object() ? st.value("groupId", 0) : 0;
  r.raw_code = st.is_object() ? st.value("name", "") : "";
  r.external_id = msg.value("messageId", "");
  // Pending (1) or delivered (3) is accepted; anything else was refused.
  if (group != 1 && group != 3) {
    r.result = send_result::outcome::failed;
    r.error = st.is_object() ? st.value("description", "refused") : "refused";
  }
  return r;
}

}  // namespace paygham::channels
