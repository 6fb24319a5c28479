#include "gateway/channels/vonage.hpp"

#include <charconv>
#include <cstdlib>

#include "gateway/channels/codec_util.hpp"
#include "gateway/channels/signatures.hpp"
#include "gateway/core/clock.hpp"

namespace paygham::channels {
namespace {

constexpr std::int64_t signature_window_ms = 5 * 60'000;

}  // namespace

core::result<std::unique_ptr<channel>> vonage::make(const settings& s) {
  if (auto it = s.params.find("signature_method"); it != s.params.end()) {
    const std::string& m = it->second;
    if (m != "md5hash" && m != "md5" && m != "sha1" && m != "sha256" && m != "sha512") {
      return core::fail(s.at("signature_method") + ": channel '" + s.id +
                        "' (vonage): signature_method must be md5hash, md5, sha1, sha256 or sha512");
    }
  }
  return std::unique_ptr<channel>(std::make_unique<vonage>(s));
}

bool vonage::accepts(callback_kind k) const { return k == callback_kind::sms || k == callback_kind::status; }

const std::vector<status_row>& vonage::status_table() const {
  // Vonage's documentation.
  static const std::vector<status_row> t = {
      {"delivered", core::message_status::delivered}, {"expired", core::message_status::failed},
      {"failed", core::message_status::failed},       {"rejected", core::message_status::failed},
      {"accepted", core::message_status::sent},       {"buffered", core::message_status::sent},
      {"unknown", core::message_status::sent},
  };
  return t;
}

core::status vonage::authenticate(const core::http_request& req) const {
  if (auto base = channel::authenticate(req); !base) return base;
  const std::string secret = param("signature_secret");
  if (secret.empty()) return core::ok();
  auto f = util::params(req);
  if (!f) return core::fail("unreadable parameters");
  const std::string_view sig = f->get_or_empty("sig");
  const std::string_view ts = f->get_or_empty("timestamp");
  long long seconds = 0;
  auto [p, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), seconds);
  if (sig.empty() || ec != std::errc() || p != ts.data() + ts.size()) return core::fail("missing sig or timestamp");
  if (std::llabs(core::now_ms() - seconds * 1000) > signature_window_ms) return core::fail("stale timestamp");
  const std::string expected = vonage_signature(param("signature_method", "md5hash"), secret, f->pairs);
  if (!equal_hex(sig, expected)) return core::fail("bad sig");
  return core::ok();
}

core::result<callback> vonage::parse(callback_kind k, const core::http_request& req) const {
  auto f = util::params(req);
  if (!f) return core::fail(f.error());
  const core::form& form = f.value();
  callback out;
  auto mid = util::required(form, "messageId");
  if (!mid) return core::fail(mid.error());
  if (k == callback_kind::status) {
    core::delivery_report r;
    r.channel_id = id();
    r.external_id = mid.value();
    r.reference = std::string(form.get_or_empty("client-ref"));
    auto status = util::required(form, "status");
    if (!status) return core::fail(status.error());
    if (auto known = read_status(status.value(), "status", r); !known) return core::fail(known.error());
    const std::string_view err = form.get_or_empty("err-code");
    if (!err.empty() && err != "0") r.error = "err-code " + std::string(err);
    r.cost = std::string(form.get_or_empty("price"));
    out.reports.push_back(std::move(r));
    return out;
  }
  // Each part of a concatenated message arrives on its own (concat-part of concat-total);
  // they are kept as separate messages, each with its own id.
  auto m = util::read_sms(form, {"messageId", "msisdn", "text", "to"}, id(), region());
  if (!m) return core::fail(m.error());
  out.sms.push_back(std::move(m).value());
  return out;
}

core::result<http_call> vonage::build_send(const outbound& m) const {
  const std::string key = param("api_key");
  const std::string secret = param("api_secret");
  if (key.empty() || secret.empty()) return core::fail("channel needs api_key and api_secret to send");
  bool ascii = true;
  for (const char c : m.body) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  http_call c;
  c.url = param("base_url", "https://rest.nexmo.com") + "/sms/json";
  c.headers = {{"Accept", "application/json"}, {"Content-Type", "application/x-www-form-urlencoded"}};
  std::vector<std::pair<std::string, std::string>> form = {
      {"api_key", key},          {"api_secret", secret},          {"from", param("sender")},
      {"to", util::without_plus(m.to)}, {"text", m.body},         {"type", ascii ? "text" : "unicode"},
      {"client-ref", m.reference}};
  if (!m.status_url.empty()) {
    form.emplace_back("status-report-req", "1");
    form.emplace_back("callback", m.status_url);
  }
  c.body = core::encode_form(form);
  return c;
}

send_result vonage::read_send_reply(unsigned status, std::string_view retry_after,
                                    std::string_view body) const {
  send_result r = classify_http(status, retry_after);
  if (r.result != send_result::outcome::accepted) return r;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("messages") || !j["messages"].is_array() || j["messages"].empty()) {
    return unreadable_reply(r);
  }
  // One entry per part; the first part's id names the message.
  const auto& first = j["messages"][0];
  r.raw_code = first.value("status", "");
  if (r.raw_code != "0") {
    // 1 Throttled and 5 Internal Error pass; the rest are about the request or account.
    r.result = r.raw_code == "1" || r.raw_code == "5" ? send_result::outcome::retry
                                                      : send_result::outcome::failed;
    r.error = first.value("error-text", "refused");
    // 7 Number Barred: the recipient is on the barred list; 4 Invalid Credentials, 8 Partner
    // Account Barred, 15 Illegal Sender Address: the account or sender needs an operator.
    if (r.raw_code == "7") r.why = send_result::cause::unsubscribed;
    if (r.raw_code == "4" || r.raw_code == "8" || r.raw_code == "15") r.why = send_result::cause::misconfigured;
    return r;
  }
  r.external_id = first.value("message-id", "");
  r.parts = static_cast<int>(j["messages"].size());
  double price = 0;
  for (const auto& part : j["messages"]) price += std::atof(part.value("message-price", "0").c_str());
  if (price > 0) r.cost = std::to_string(price);
  return r;
}

}  // namespace paygham::channels
