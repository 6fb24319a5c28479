#include "gateway/channels/channel.hpp"

#include <openssl/crypto.h>

#include <charconv>
#include <sstream>

#include "gateway/channels/signatures.hpp"
#include "gateway/core/duration.hpp"
#include "gateway/core/form.hpp"

namespace paygham::channels {

std::optional<callback_kind> parse_callback_kind(std::string_view s) {
  if (s == "sms") return callback_kind::sms;
  if (s == "ussd") return callback_kind::ussd;
  if (s == "status") return callback_kind::status;
  if (s == "events") return callback_kind::events;
  return std::nullopt;
}

const char* to_string(callback_kind k) {
  switch (k) {
    case callback_kind::sms: return "sms";
    case callback_kind::ussd: return "ussd";
    case callback_kind::status: return "status";
    case callback_kind::events: return "events";
  }
  return "sms";
}

bool equal_secret(std::string_view a, std::string_view b) {
  // The length is not secret; the content is compared without early exit.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

delivery_settings read_delivery(const settings& s, std::vector<std::string>* problems) {
  delivery_settings d;
  const auto get = [&](const char* key) -> std::optional<std::string> {
    auto it = s.params.find(key);
    if (it == s.params.end()) return std::nullopt;
    return it->second;
  };
  const auto bad = [&](const char* key, const char* want) {
    if (problems)
      problems->push_back(s.at(key) + ": channel '" + s.id + "': '" + key + "' must be " + want);
  };
  if (auto v = get("rate")) {
    double r = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), r);
    if (ec != std::errc() || p != v->data() + v->size() || r <= 0 || r > 100000) {
      bad("rate", "messages a second, above 0 (e.g. 20 or 0.5)");
    } else {
      d.rate = r;
    }
  }
  const auto whole = [&](const char* key, long long lo, long long hi, long long& out) {
    auto v = get(key);
    if (!v) return true;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    return ec == std::errc() && p == v->data() + v->size() && out >= lo && out <= hi;
  };
  long long n = static_cast<long long>(d.concurrency);
  if (!whole("concurrency", 1, 256, n)) {
    bad("concurrency", "a whole number from 1 to 256");
  } else {
    d.concurrency = static_cast<std::size_t>(n);
  }
  n = d.max_attempts;
  if (!whole("max_attempts", 1, 100, n)) {
    bad("max_attempts", "a whole number from 1 to 100");
  } else {
    d.max_attempts = static_cast<int>(n);
  }
  for (auto [key, into] : {std::pair{"validity", &d.validity_ms},
                           std::pair{"receipt_deadline", &d.receipt_deadline_ms},
                           std::pair{"retry_base", &d.backoff_base_ms}, std::pair{"retry_cap", &d.backoff_cap_ms},
                           std::pair{"poll_interval", &d.poll_interval_ms},
                           std::pair{"misconfigured_pause", &d.misconfigured_pause_ms}}) {
    if (auto v = get(key)) {
      if (auto ms = core::parse_duration(*v)) {
        *into = ms.value().count();
      } else {
        bad(key, "a duration such as 15m, 6h or 2d");
      }
    }
  }
  return d;
}

std::vector<std::string> allowed_addresses(const std::string& list) {
  std::vector<std::string> out;
  std::istringstream in(list);
  std::string ip;
  while (std::getline(in, ip, ',')) {
    const auto b = ip.find_first_not_of(' ');
    const auto e = ip.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(ip.substr(b, e - b + 1));
  }
  return out;
}

channel::channel(const settings& s)
    : id_(s.id), type_(s.type), region_(s.default_region), public_url_(s.public_url), params_(s.params) {
  if (auto it = s.params.find("auth_token"); it != s.params.end()) token_ = it->second;
  if (auto it = s.params.find("basic_auth"); it != s.params.end()) basic_ = it->second;
  if (auto it = s.params.find("allow_ips"); it != s.params.end()) {
    for (const auto& ip : allowed_addresses(it->second)) allow_ips_.push_back(core::canonical_address(ip));
  }
  delivery_ = read_delivery(s);  // make_channel refused bad values
}

std::string channel::param(std::string_view name, std::string_view fallback) const {
  auto it = params_.find(std::string(name));
  return it == params_.end() ? std::string(fallback) : it->second;
}

std::string channel::callback_url(callback_kind k) const {
  if (public_url_.empty()) return {};
  std::string url = public_url_;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/channels/" + id_ + "/" + to_string(k);
  if (!token_.empty()) url += "?token=" + token_;
  return url;
}

core::status channel::authenticate(const core::http_request& req) const {
  if (!allow_ips_.empty()) {
    bool allowed = false;
    for (const auto& ip : allow_ips_) allowed = allowed || ip == req.remote_ip;
    if (!allowed) return core::fail("source address not allowed for this channel");
  }
  if (!token_.empty()) {
    auto q = core::parse_form(req.query);
    const std::string_view given = q ? q->get_or_empty("token") : std::string_view{};
    if (!equal_secret(given, token_)) return core::fail("missing or wrong token");
  }
  if (!basic_.empty()) {
    const std::string_view h = req.header("Authorization");
    if (h.rfind("Basic ", 0) != 0 || !equal_secret(h.substr(6), base64(basic_))) {
      return core::fail("missing or wrong Basic credentials");
    }
  }
  return core::ok();
}

bool channel::callbacks_checked() const {
  bool takes_any = false;
  for (const auto k : {callback_kind::sms, callback_kind::ussd, callback_kind::status, callback_kind::events}) {
    takes_any = takes_any || accepts(k);
  }
  return !takes_any || !allow_ips_.empty() || !token_.empty() || !basic_.empty() || signs_callbacks();
}

core::http_response channel::render_ussd(const core::ussd_reply&) const {
  return core::text_response(404, "this channel does not serve USSD");
}

core::http_response channel::ack(callback_kind) const { return core::text_response(200, "OK"); }

core::result<http_call> channel::build_send(const outbound&) const {
  return core::fail("channel type '" + type_ + "' cannot send messages");
}

std::optional<http_call> channel::build_status_poll(const std::vector<std::string>&) const {
  return std::nullopt;
}

core::result<callback> channel::read_status_poll(std::string_view) const {
  return core::fail("channel type '" + type_ + "' is not polled");
}

std::optional<http_call> channel::build_inbox_poll() const { return std::nullopt; }

core::result<callback> channel::read_inbox_poll(std::string_view) const {
  return core::fail("channel type '" + type_ + "' is not polled");
}

const std::vector<status_row>& channel::status_table() const {
  static const std::vector<status_row> none;
  return none;
}

const status_row* channel::map_status(std::string_view raw) const {
  for (const auto& row : status_table()) {
    if (row.raw == raw) return &row;
  }
  return nullptr;
}

core::status channel::read_status(std::string_view raw, std::string_view what,
                                  core::delivery_report& r) const {
  const status_row* row = map_status(raw);
  if (!row) return core::fail("unknown " + std::string(what) + " '" + std::string(raw) + "'");
  r.status = row->status;
  r.raw_code = std::string(raw);
  return core::ok();
}

send_result unreadable_reply(send_result r) {
  r.result = send_result::outcome::retry;
  r.error = "unreadable reply";
  return r;
}

send_result classify_http(unsigned status, std::string_view retry_after) {
  send_result r;
  r.raw_code = "HTTP " + std::to_string(status);
  if (status >= 200 && status < 300) {
    r.result = send_result::outcome::accepted;
    return r;
  }
  if (status == 429 || status >= 500 || status == 408) {
    r.result = send_result::outcome::retry;
    r.error = status == 429 ? "throttled by the aggregator" : "aggregator error";
    if (status == 429) r.why = send_result::cause::throttled;
    long long seconds = 0;
    auto [p, ec] = std::from_chars(retry_after.data(), retry_after.data() + retry_after.size(), seconds);
    if (ec == std::errc() && p == retry_after.data() + retry_after.size() && seconds > 0) {
      r.retry_after_ms = std::min<long long>(seconds, 3600) * 1000;
    }
    return r;
  }
  r.result = send_result::outcome::failed;
  r.error = "refused by the aggregator";
  if (status == 401) {
    r.why = send_result::cause::misconfigured;
    r.error = "the aggregator refused our credentials";
  }
  return r;
}

send_result channel::read_send_reply(unsigned status, std::string_view retry_after,
                                     std::string_view) const {
  return classify_http(status, retry_after);
}

}  // namespace paygham::channels
