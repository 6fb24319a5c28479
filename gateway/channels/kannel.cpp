#include "gateway/channels/kannel.hpp"

#include "gateway/channels/codec_util.hpp"

namespace paygham::channels {

core::result<std::unique_ptr<channel>> kannel::make(const settings& s) {
  return std::unique_ptr<channel>(std::make_unique<kannel>(s));
}

bool kannel::accepts(callback_kind k) const { return k == callback_kind::sms || k == callback_kind::status; }

const std::vector<status_row>& kannel::status_table() const {
  // aggregators.md 7.2: the dlr-mask bits, as %d reports them.
  static const std::vector<status_row> t = {
      {"1", core::message_status::delivered}, {"2", core::message_status::failed},
      {"4", core::message_status::sent},      {"8", core::message_status::sent},
      {"16", core::message_status::failed},   {"32", core::message_status::sent},
  };
  return t;
}

core::result<callback> kannel::parse(callback_kind k, const core::http_request& req) const {
  auto f = util::params(req);
  if (!f) return core::fail(f.error());
  const core::form& form = f.value();
  callback out;
  if (k == callback_kind::status) {
    core::delivery_report r;
    r.channel_id = id();
    auto ref = util::required(form, "ref");
    if (!ref) return core::fail(ref.error());
    r.reference = ref.value();
    r.external_id = ref.value();  // Kannel's sendsms reply names no id: ours is the id
    auto type = util::required(form, "type");
    if (!type) return core::fail(type.error());
    if (auto known = read_status(type.value(), "DLR type", r); !known) return core::fail(known.error());
    auto answer = util::optional(form, "answer");
    if (!answer) return core::fail(answer.error());
    if (r.status == core::message_status::failed) r.error = std::move(answer).value();
    out.reports.push_back(std::move(r));
    return out;
  }
  auto m = util::read_sms(form, {"id", "from", "text", "to"}, id(), region());
  if (!m) return core::fail(m.error());
  out.sms.push_back(std::move(m).value());
  return out;
}

core::result<http_call> kannel::build_send(const outbound& m) const {
  bool ascii = true;
  for (const char c : m.body) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  std::vector<std::pair<std::string, std::string>> q = {
      {"username", param("username")}, {"password", param("password")}, {"to", m.to}, {"text", m.body},
      // UTF-8 in, UCS-2 on the air for anything outside ASCII.
      {"charset", "UTF-8"}, {"coding", ascii ? "0" : "2"}};
  if (const std::string from = param("sender"); !from.empty()) q.emplace_back("from", from);
  if (const std::string smsc = param("smsc"); !smsc.empty()) q.emplace_back("smsc", smsc);
  if (!m.status_url.empty()) {
    // Kannel fills %d (report type) and %A (the SMSC's answer) when it calls back.
    const std::string sep = m.status_url.find('?') == std::string::npos ? "?" : "&";
    q.emplace_back("dlr-mask", param("dlr_mask", "31"));
    q.emplace_back("dlr-url", m.status_url + sep + "ref=" + m.reference + "&type=%d&answer=%A");
  }
  http_call c;
  c.method = "GET";
  c.url = param("base_url", "http://127.0.0.1:13013") + "/cgi-bin/sendsms?" + core::encode_form(q);
  return c;
}

send_result kannel::read_send_reply(unsigned status, std::string_view retry_after,
                                    std::string_view body) const {
  send_result r = classify_http(status, retry_after);
  // "0: Accepted for delivery", "3: Queued for later delivery"; 503 "Temporal failure".
  const auto colon = body.find(':');
  if (colon != std::string_view::npos && colon < 3) r.raw_code = std::string(body.substr(0, colon));
  if (r.result == send_result::outcome::accepted) return r;
  const auto b = body.find_first_not_of(" \r\n");
  r.error = b == std::string_view::npos ? r.error : std::string(body.substr(b, body.find_last_not_of(" \r\n") - b + 1));
  return r;
}

}  // namespace paygham::channels
