// Fuzz target: an aggregator's callback as anyone on the network could send it, to each
// codec: the credentials check (URL token, source address, Basic auth, Twilio's and Vonage's
// signatures) and the parser, each on its own (a parser must survive what a forged callback
// would carry), and the aggregator's answer to a send. Input: a byte choosing the channel, a
// byte choosing the callback kind, then query, signature, content type and body split at NULs.
#include <cstdlib>
#include <memory>

#include "gateway/channels/registry.hpp"
#include "gateway/core/utf8.hpp"
#include "tests/fuzz/fuzz.hpp"

using namespace paygham;

namespace {

std::vector<std::unique_ptr<channels::channel>> make_all() {
  const std::vector<std::pair<std::string, std::map<std::string, std::string>>> configs = {
      {"africastalking", {{"auth", "none"}, {"username", "sandbox"}, {"api_key", "k"}, {"sender", "21512"}}},
      {"africastalking",
       {{"auth_token", "s3cret-token"}, {"allow_ips", "127.0.0.1, 10.0.0.8"}, {"basic_auth", "gw:pa55word"},
        {"username", "sandbox"}, {"api_key", "k"}}},
      {"android", {{"auth", "none"}, {"username", "gw"}, {"password", "pa55"}, {"base_url", "http://127.0.0.1:9"}}},
      {"infobip", {{"auth", "none"}, {"api_key", "k"}, {"sender", "RedCrescent"}}},
      {"kannel", {{"auth", "none"}, {"username", "foo"}, {"password", "bar"}, {"sender", "3030"}}},
      {"kavenegar", {{"api_key", "KV-KEY"}, {"sender", "10004346"}}},
      {"twilio", {{"account_sid", "AC123"}, {"secret", "12345"}, {"sender", "+12028831111"}}},
      {"vonage", {{"auth", "none"}, {"api_key", "k"}, {"api_secret", "s"}, {"sender", "RedCrescent"}}},
      {"vonage",
       {{"api_key", "k"}, {"api_secret", "s"}, {"signature_secret", "secret"}, {"signature_method", "sha256"}}},
      {"console", {{"auth", "none"}}},
  };
  std::vector<std::unique_ptr<channels::channel>> out;
  for (const auto& [type, params] : configs) {
    channels::settings s;
    s.id = "c" + std::to_string(out.size());
    s.type = type;
    s.params = params;
    if (!s.params.count("base_url") && type != "console") s.params["base_url"] = "http://127.0.0.1:9";
    s.where = "fuzz";
    s.public_url = "https://gw.example.org";
    auto made = channels::make_channel(s);
    if (!made) std::abort();  // a configuration the fuzzer relies on stopped loading
    out.push_back(std::move(made).value());
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto all = make_all();
  if (size < 2) return 0;
  const auto& ch = *all[data[0] % all.size()];
  constexpr channels::callback_kind kinds[] = {channels::callback_kind::sms, channels::callback_kind::ussd,
                                               channels::callback_kind::status, channels::callback_kind::events};
  const auto kind = kinds[data[1] % 4];
  const auto f = fuzz::fields(data + 2, size - 2, 4);
  core::http_request req;
  req.method = f[3].empty() ? "GET" : "POST";
  req.path = "/channels/" + ch.id() + "/" + channels::to_string(kind);
  req.query = std::string(f[0]);
  req.headers = {{"X-Twilio-Signature", std::string(f[1])},
                 {"Authorization", std::string(f[1])},
                 {"Content-Type", f[2].empty() ? std::string("application/x-www-form-urlencoded") : std::string(f[2])}};
  req.body = std::string(f[3]);
  req.remote_ip = f[1].size() % 2 ? "127.0.0.1" : "192.0.2.7";
  (void)ch.authenticate(req);
  if (ch.accepts(kind)) {
    if (const auto parsed = ch.parse(kind, req)) {
      // What a codec hands on is text a phone can show and a number that parsed.
      for (const auto& m : parsed.value().sms) {
        if (!core::valid_utf8(m.text) || m.from.empty()) std::abort();
      }
      if (const auto& u = parsed.value().ussd; u && (!core::valid_utf8(u->text) || u->from.empty())) std::abort();
    }
  }
  const unsigned status = 100u + static_cast<unsigned>(data[1]) * 2u;
  (void)ch.read_send_reply(status, f[0], f[3]);
  return 0;
}
