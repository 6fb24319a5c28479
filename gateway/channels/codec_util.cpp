#include "gateway/channels/codec_util.hpp"

#include <atomic>

#include "gateway/channels/signatures.hpp"
#include "gateway/core/clock.hpp"
#include "gateway/core/utf8.hpp"
#include "gateway/phone/phone.hpp"

namespace paygham::channels::util {

core::result<core::form> params(const core::http_request& req) {
  if (req.method == "GET") return core::parse_form(req.query);
  const std::string_view type = req.header("Content-Type");
  if (type.find("application/x-www-form-urlencoded") == std::string_view::npos) {
    return core::fail("expected Content-Type application/x-www-form-urlencoded");
  }
  return core::parse_form(req.body);
}

core::result<nlohmann::json> json_body(const core::http_request& req) {
  if (req.header("Content-Type").find("application/json") == std::string_view::npos) {
    return core::fail("expected Content-Type application/json");
  }
  if (!core::valid_utf8(req.body)) return core::fail("body is not valid UTF-8");
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return core::fail("body is not a JSON object");
  return j;
}

core::result<std::string> required(const core::form& f, std::string_view name) {
  auto v = f.get(name);
  if (!v || v->empty()) return core::fail("missing field '" + std::string(name) + "'");
  if (!core::valid_utf8(*v)) return core::fail("field '" + std::string(name) + "' is not valid UTF-8");
  return std::string(*v);
}

core::result<std::string> optional(const core::form& f, std::string_view name) {
  const std::string_view v = f.get_or_empty(name);
  if (!core::valid_utf8(v)) return core::fail("field '" + std::string(name) + "' is not valid UTF-8");
  return std::string(v);
}

core::result<std::string> json_text(const nlohmann::json& j, std::string_view name, bool required) {
  const std::string key(name);
  if (!j.contains(key) || j[key].is_null()) {
    if (required) return core::fail("missing field '" + key + "'");
    return std::string();
  }
  if (j[key].is_number()) return j[key].dump();
  if (!j[key].is_string()) return core::fail("field '" + key + "' must be a string");
  std::string v = j[key].get<std::string>();
  if (required && v.empty()) return core::fail("missing field '" + key + "'");
  return v;
}

core::result<std::string> e164(std::string_view field, std::string_view raw, std::string_view region) {
  auto p = phone::parse_e164(raw, region);
  if (!p && !raw.empty() && raw.front() != '+' && raw.front() != '0') {
    // "2349067554729": international without the plus, as several aggregators write it.
    if (auto intl = phone::parse_e164("+" + std::string(raw), region)) return intl;
  }
  if (!p) return core::fail(std::string(field) + ": " + p.error());
  return p;
}

core::result<std::string> phone_field(const core::form& f, std::string_view name, std::string_view region) {
  auto raw = required(f, name);
  if (!raw) return core::fail(raw.error());
  return e164(name, raw.value(), region);
}

core::result<core::inbound_sms> read_sms(const core::form& f, const sms_fields& names,
                                         std::string_view channel_id, std::string_view region) {
  core::inbound_sms m;
  m.channel_id = std::string(channel_id);
  auto ext = names.id_required ? required(f, names.id) : optional(f, names.id);
  if (!ext) return core::fail(ext.error());
  m.external_id = ext->empty() ? local_id() : std::move(ext).value();
  auto from = phone_field(f, names.from, region);
  if (!from) return core::fail(from.error());
  m.from = std::move(from).value();
  auto text = optional(f, names.text);
  if (!text) return core::fail(text.error());
  m.text = std::move(text).value();
  auto to = optional(f, names.to);
  if (!to) return core::fail(to.error());
  m.to = std::move(to).value();
  m.received_at = core::now_ms();
  return m;
}

std::string without_plus(std::string_view e164) {
  return std::string(!e164.empty() && e164.front() == '+' ? e164.substr(1) : e164);
}

std::string local_id() {
  static std::atomic<std::uint64_t> counter{0};
  return "local-" + std::to_string(core::now_ms()) + "-" + std::to_string(++counter);
}

std::string basic(std::string_view user, std::string_view password) {
  return "Basic " + base64(std::string(user) + ":" + std::string(password));
}

}  // namespace paygham::channels::util
