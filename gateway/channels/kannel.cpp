#include "gateway/channels/kannel.hpp"

#include <algorithm>
#include <cctype>

#include "gateway/channels/codec_util.hpp"

namespace paygham::channels {

core::result<std::unique_ptr<channel>> kannel::make(const settings& s) {
  // Kannel calls the dlr-url with the Basic credentials written into it (user:password@host),
  // as it reads them: up to the first ':' and the first '@', raw.
  if (const auto it = s.params.find("basic_auth"); it != s.params.end()) {
    const std::string& basic = it->second;
    const bool odd = std::any_of(basic.begin(), basic.end(), [](char ch) {
      const auto u = static_cast<unsigned char>(ch);
      return u < 0x21 || u >= 0x7F;
    });
    if (odd || basic.find_first_of("@/?#%") != std::string::npos || basic.find(':') != basic.rfind(':')) {
      return core::fail(s.at("basic_auth") + ": channel '" + s.id +
                        "': Kannel reads Basic credentials from the URL it calls back, where '@', '/', '?', '#', "
                        "'%', ':', spaces and letters outside ASCII break them: choose a user and password without them");
    }
  }
  return std::unique_ptr<channel>(std::make_unique<kannel>(s));
}

bool kannel::accepts(callback_kind k) const { return k == callback_kind::sms || k == callback_kind::status; }

const std::vector<status_row>& kannel::status_table() const {
  // Kannel's documentation: the dlr-mask bits, as %d reports them.
  static const std::vector<status_row> t = {
      {"1", core::message_status::delivered}, {"2", core::message_status::failed},
      {"4", core::message_status::sent},      {"8", core::message_status::sent},
      {"16", core::message_status::failed},   {"32", core::message_status::sent},
  };
  return t;
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// An MO's text as UTF-8. With text=%b Kannel hands on the message's bytes exactly: UTF-16BE
// for UCS-2 (%c 2, %C "UTF-16BE"), UTF-8 for GSM-7 (%c 0) and after smsbox's mo-recode,
// ISO-8859-1 where an sms-service sets alt-charset to it, and 8-bit data (%C "8-BIT") that
// holds no text. %C decides; %c alone when the get-url passes no charset.
core::result<std::string> mo_text(const core::form& f) {
  const std::string_view raw = f.get_or_empty("text");
  const std::string charset = lower(f.get_or_empty("charset"));
  const std::string_view coding = f.get_or_empty("coding");
  const bool ucs2 = charset == "utf-16be" || charset == "utf16-be" || charset == "utf-16" ||
                    charset == "ucs-2" || charset == "ucs2" || (charset.empty() && coding == "2");
  if (ucs2) {
    auto text = core::utf16be_to_utf8(raw);
    if (!text) return core::fail("field 'text' is not valid UTF-16BE (UCS-2)");
    return std::move(*text);
  }
  if (charset == "iso-8859-1" || charset == "latin1" || charset == "iso8859-1") return core::latin1_to_utf8(raw);
  if (charset == "8-bit" || charset == "binary" || (charset.empty() && coding == "1")) {
    return core::fail("8-bit data messages carry no text");
  }
  if (!charset.empty() && charset != "utf-8" && charset != "utf8") {
    return core::fail("unknown charset: expected UTF-16BE, UTF-8 or ISO-8859-1 (%C)");
  }
  if (!core::valid_utf8(raw)) {
    return core::fail("field 'text' is not valid UTF-8: add charset=%C&coding=%c to the get-url");
  }
  return std::string(raw);
}

}  // namespace

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
  auto text = mo_text(form);
  if (!text) return core::fail(text.error());
  core::form decoded = form;
  for (auto& [name, value] : decoded.pairs) {
    if (name == "text") value = text.value();
  }
  auto m = util::read_sms(decoded, {"id", "from", "text", "to"}, id(), region());
  if (!m) return core::fail(m.error());
  out.sms.push_back(std::move(m).value());
  return out;
}

core::http_response kannel::ack(callback_kind k) const {
  // smsbox sends a get-url's answer on to the phone as an SMS (unless the sms-service says
  // max-messages = 0): an empty body, so nothing is sent even then. Replies go through
  // sendsms, where their delivery is tracked.
  if (k == callback_kind::sms) return core::text_response(200, "");
  return channel::ack(k);
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
    std::string url = m.status_url;
    // Callbacks checked by Basic auth: Kannel sends the credentials written into the URL.
    if (const std::string basic = param("basic_auth"); !basic.empty()) {
      if (const auto scheme = url.find("://"); scheme != std::string::npos) url.insert(scheme + 3, basic + "@");
    }
    q.emplace_back("dlr-url", url + sep + "ref=" + m.reference + "&type=%d&answer=%A");
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
  // 403 "Authorization failed for sendsms": our username or password (403 "Not routable" is
  // about the message).
  if (status == 403 && body.find("Authorization failed") != std::string_view::npos) {
    r.why = send_result::cause::misconfigured;
  }
  const auto b = body.find_first_not_of(" \r\n");
  r.error = b == std::string_view::npos ? r.error : std::string(body.substr(b, body.find_last_not_of(" \r\n") - b + 1));
  return r;
}

}  // namespace paygham::channels
