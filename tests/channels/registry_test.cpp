#include "gateway/channels/registry.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace paygham;

TEST_CASE("channels: the registry builds known types and names what is wrong", "[channels]") {
  channels::settings s;
  s.id = "at";
  s.type = "africastalking";
  s.where = "paygham.yaml:12:5";
  // Callbacks nobody checks are refused unless the config says so.
  auto open = channels::make_channel(s);
  REQUIRE_FALSE(open.ok());
  CHECK_THAT(open.error(), Catch::Contains("paygham.yaml:12:5") && Catch::Contains("would take callbacks from anyone") &&
                               Catch::Contains("auth_token, allow_ips or basic_auth"));
  s.params["auth"] = "off";
  CHECK_THAT(channels::make_channel(s).error(), Catch::Contains("auth takes only 'none'"));
  s.params.erase("auth");
  s.params["allow_ips"] = "10.0.0.5";
  CHECK(channels::make_channel(s).ok());
  s.params.erase("allow_ips");
  s.params["auth"] = "none";
  auto ok = channels::make_channel(s);
  REQUIRE(ok.ok());
  CHECK(ok.value()->type() == "africastalking");
  // Where the aggregator signs its callbacks, its key is named first.
  channels::settings android;
  android.id = "phone";
  android.type = "android";
  android.params = {{"username", "u"}, {"password", "p"}, {"base_url", "https://sms.example.org"}};
  CHECK_THAT(
      channels::make_channel(android).error(),
      Catch::Contains(
          "set signing_key (the app's webhook signing key), auth_token, allow_ips or basic_auth"));
  // Lint names every problem of a channel at once, not the first alone.
  channels::settings many;
  many.id = "tw";
  many.type = "twilio";
  many.params = {{"account_sid", "AC1"}, {"rate", "fast"}, {"validity", "soon"}, {"colour", "red"}};
  std::vector<std::string> problems;
  CHECK(channels::make_channel(many, problems) == nullptr);
  REQUIRE(problems.size() == 4);
  CHECK_THAT(problems[0], Catch::Contains("unknown setting 'colour'"));
  CHECK_THAT(problems[1], Catch::Contains("'rate' must be messages a second"));
  CHECK_THAT(problems[2], Catch::Contains("'validity' must be a duration"));
  CHECK_THAT(problems[3], Catch::Contains("needs 'secret'"));
  CHECK(channels::make_channel(many).error() == problems[0]);  // one at a time elsewhere
  // A channel that signs its callbacks checks them itself; one that takes none needs nothing.
  channels::settings twilio;
  twilio.id = "tw";
  twilio.type = "twilio";
  twilio.public_url = "https://gateway.example.org";
  twilio.params = {{"account_sid", "AC1"}, {"secret", "s"}};
  CHECK(channels::make_channel(twilio).ok());
  channels::settings polled;
  polled.id = "kv";
  polled.type = "kavenegar";
  polled.params = {{"api_key", "k"}, {"sender", "1000"}};
  CHECK(channels::make_channel(polled).ok());

  s.type = "smoke-signals";
  auto unknown = channels::make_channel(s);
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.error(), Catch::Contains("paygham.yaml:12:5") &&
                                  Catch::Contains("unknown type 'smoke-signals'") &&
                                  Catch::Contains("console"));

  s.type = "console";
  s.params["pasword"] = "x";
  auto typo = channels::make_channel(s);
  REQUIRE_FALSE(typo.ok());
  CHECK_THAT(typo.error(), Catch::Contains("unknown setting 'pasword'") && Catch::Contains("known: ") &&
                              Catch::Contains("allow_ips"));
}

TEST_CASE("channels: messages go out over TLS unless the channel trusts its network (R-D4)",
          "[channels]") {
  channels::settings s;
  s.id = "phone";
  s.type = "android";
  s.where = "paygham.yaml:20:5";
  s.key_where["base_url"] = "paygham.yaml:23:15";
  s.params = {{"signing_key", "k"}};
  const auto made_with = [&](const std::string& url) {
    s.params["base_url"] = url;
    return channels::make_channel(s);
  };
  // Another machine over plain HTTP: every number and text in clear on the network.
  for (const char* url :
       {"http://192.168.1.20:8080", "HTTP://gateway.example.org", "http://user:pw@10.0.0.5/",
        "http://[2001:db8::5]:8080", "http://127.example.org"}) {
    INFO(url);
    const auto refused = made_with(url);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error(), Catch::StartsWith("paygham.yaml:23:15: channel 'phone'") &&
                                    Catch::Contains("unencrypted") &&
                                    Catch::Contains("plain_http: true"));
  }
  // HTTPS anywhere, and plain HTTP on this machine (a local Kannel, the fake aggregator).
  for (const char* url : {"https://api.sms-gate.app", "http://127.0.0.1:13013",
                          "http://localhost:8080", "http://[::1]:9000", "http://user@127.0.0.1"}) {
    INFO(url);
    CHECK(made_with(url).ok());
  }
  // Said on purpose: a phone's local server on a network the operator trusts.
  s.params["plain_http"] = "true";
  CHECK(made_with("http://192.168.1.20:8080").ok());
  s.params["plain_http"] = "yes";
  CHECK_THAT(made_with("http://192.168.1.20:8080").error(),
             Catch::Contains("plain_http takes only 'true'"));
}

TEST_CASE("channels: allow_ips and basic_auth that no callback could ever pass are refused, saying why",
          "[channels]") {
  channels::settings s;
  s.id = "at";
  s.type = "africastalking";
  s.where = "paygham.yaml:12:5";
  const auto error_with = [&](const char* key, const char* value) {
    s.params = {{key, value}};
    const auto made = channels::make_channel(s);
    return made.ok() ? std::string("ok") : made.error();
  };
  CHECK_THAT(error_with("allow_ips", "203.0.113.0/24"),
             Catch::Contains("paygham.yaml:12:5") && Catch::Contains("not a range such as '203.0.113.0/24'"));
  CHECK_THAT(error_with("allow_ips", "10.0.0.5, not an ip"),
             Catch::Contains("'not an ip', which is not an IPv4 or IPv6 address"));
  CHECK_THAT(error_with("basic_auth", "gateway-secret"), Catch::Contains("basic_auth takes 'user:password'"));
  // Variables set to nothing: "Basic Og==" (":") would pass a check of nothing.
  CHECK_THAT(error_with("basic_auth", ":"), Catch::Contains("neither of them empty"));
  CHECK_THAT(error_with("basic_auth", "at:"), Catch::Contains("neither of them empty"));
  CHECK_THAT(error_with("allow_ips", ""), Catch::Contains("allow_ips has an empty entry"));
  CHECK_THAT(error_with("allow_ips", ","), Catch::Contains("allow_ips has an empty entry"));
  CHECK_THAT(error_with("allow_ips", "10.0.0.5,"), Catch::Contains("allow_ips has an empty entry"));
  CHECK(error_with("allow_ips", "10.0.0.5, ::1") == "ok");
  CHECK(error_with("basic_auth", "at:s3cret") == "ok");
  // Kannel reads the credentials from the URL it calls back, raw: what would break them there.
  s.type = "kannel";
  CHECK_THAT(error_with("basic_auth", "kb:pa@ss"), Catch::Contains("Kannel reads Basic credentials from the URL"));
  CHECK_THAT(error_with("basic_auth", "kb:pa:ss"), Catch::Contains("Kannel reads Basic credentials from the URL"));
  CHECK_THAT(error_with("basic_auth", "kb:pässword"), Catch::Contains("Kannel reads Basic credentials from the URL"));
  CHECK_THAT(error_with("basic_auth", "kb:pass\r"), Catch::Contains("Kannel reads Basic credentials from the URL"));
  CHECK(error_with("basic_auth", "kb:pa55-word") == "ok");
  s.type = "africastalking";
  // An address written another way still matches the caller's as the server reports it.
  s.params = {{"allow_ips", "0:0:0:0:0:0:0:1"}};
  const auto made = channels::make_channel(s);
  REQUIRE(made.ok());
  core::http_request from_v6;
  from_v6.remote_ip = "::1";
  core::http_request from_v4;
  from_v4.remote_ip = "127.0.0.1";
  CHECK(made.value()->authenticate(from_v6).ok());
  CHECK_FALSE(made.value()->authenticate(from_v4).ok());
  s.params = {{"allow_ips", "::ffff:127.0.0.1"}};  // an IPv4 address written as IPv6
  const auto mapped = channels::make_channel(s);
  REQUIRE(mapped.ok());
  CHECK(mapped.value()->authenticate(from_v4).ok());
}

TEST_CASE("channels: people's messages go by the first channel that reaches phones when nothing names one",
          "[channels]") {
  struct item {
    std::string id, type;
  };
  const auto pick = [](const std::vector<item>& list) {
    return channels::default_channel(
        list, [](const item& i) { return i.id; }, [](const item& i) { return i.type; });
  };
  // The shipped config lists its console first, for trying flows: staff SMS, imports and the
  // API's messages still go to phones.
  CHECK(pick({{"console", "console"}, {"at", "africastalking"}, {"tw", "twilio"}}) == "at");
  CHECK(pick({{"tw", "twilio"}, {"at", "africastalking"}}) == "tw");
  CHECK(pick({{"console", "console"}}) == "console");  // a demo with nothing else
  CHECK(pick({}).empty());
}
