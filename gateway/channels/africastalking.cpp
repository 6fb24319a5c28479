#include "gateway/channels/africastalking.hpp"

#include <atomic>

#include "gateway/core/clock.hpp"
#include "gateway/core/form.hpp"
#include "gateway/phone/phone.hpp"

namespace paygham::channels {
namespace {

// Reads a required field, checking that it is present, non-empty and valid UTF-8.
core::result<std::string> required(const core::form& f, std::string_view name) {
  auto v = f.get(name);
  if (!v || v->empty()) return core::fail("missing field '" + std::string(name) + "'");
  if (!core::valid_utf8(*v)) return core::fail("field '" + std::string(name) + "' is not valid UTF-8");
  return std::string(*v);
}

core::result<std::string> optional_text(const core::form& f, std::string_view name) {
  const std::string_view v = f.get_or_empty(name);
  if (!core::valid_utf8(v)) return core::fail("field '" + std::string(name) + "' is not valid UTF-8");
  return std::string(v);
}

core::result<core::form> form_body(const core::http_request& req) {
  const std::string_view type = req.header("Content-Type");
  if (type.find("application/x-www-form-urlencoded") == std::string_view::npos) {
    return core::fail("expected Content-Type application/x-www-form-urlencoded");
  }
  return core::parse_form(req.body);
}

// A locally unique id for a console message that came without one.
std::string local_id() {
  static std::atomic<std::uint64_t> counter{0};
  return "local-" + std::to_string(core::now_ms()) + "-" + std::to_string(++counter);
}

}  // namespace

core::result<std::unique_ptr<channel>> africastalking::make(const settings& s) {
  return std::unique_ptr<channel>(std::make_unique<africastalking>(s));
}

bool africastalking::accepts(callback_kind k) const {
  return k == callback_kind::sms || k == callback_kind::ussd;
}

core::result<inbound> africastalking::parse(callback_kind k, const core::http_request& req) const {
  auto f = form_body(req);
  if (!f) return core::fail(f.error());
  if (k == callback_kind::ussd) {
    core::ussd_request u;
    u.channel_id = id();
    for (auto [field, out] : {std::pair{"sessionId", &u.session_id},
                              std::pair{"serviceCode", &u.service_code}}) {
      auto v = required(f.value(), field);
      if (!v) return core::fail(v.error());
      *out = std::move(v).value();
    }
    auto number = required(f.value(), "phoneNumber");
    if (!number) return core::fail(number.error());
    auto e164 = phone::parse_e164(number.value(), region());
    if (!e164) return core::fail("phoneNumber: " + e164.error());
    u.from = std::move(e164).value();
    auto text = optional_text(f.value(), "text");
    if (!text) return core::fail(text.error());
    u.text = std::move(text).value();
    u.network = std::string(f->get_or_empty("networkCode"));
    return inbound(std::move(u));
  }
  core::inbound_sms m;
  m.channel_id = id();
  auto from = required(f.value(), "from");
  if (!from) return core::fail(from.error());
  auto e164 = phone::parse_e164(from.value(), region());
  if (!e164) return core::fail("from: " + e164.error());
  m.from = std::move(e164).value();
  auto text = optional_text(f.value(), "text");
  if (!text) return core::fail(text.error());
  m.text = std::move(text).value();
  auto to = optional_text(f.value(), "to");
  if (!to) return core::fail(to.error());
  m.to = std::move(to).value();
  if (requires_message_id()) {
    auto ext = required(f.value(), "id");
    if (!ext) return core::fail(ext.error());
    m.external_id = std::move(ext).value();
  } else {
    auto ext = optional_text(f.value(), "id");
    if (!ext) return core::fail(ext.error());
    m.external_id = ext->empty() ? local_id() : std::move(ext).value();
  }
  m.received_at = core::now_ms();
  return inbound(std::move(m));
}

core::http_response africastalking::render_ussd(const core::ussd_reply& r) const {
  return core::text_response(200, (r.end ? "END " : "CON ") + r.text);
}

core::http_response africastalking::ack_sms() const { return core::text_response(200, "OK"); }

}  // namespace paygham::channels
