#include "gateway/channels/signatures.hpp"

#include <catch2/catch.hpp>

using namespace paygham::channels;

namespace {

using params = std::vector<std::pair<std::string, std::string>>;

const params twilio_t2 = {{"CallSid", "CA1234567890ABCDE"}, {"Digits", "1234"}, {"From", "+14158675309"},
                          {"To", "+18005551212"}, {"Caller", "+14158675309"}};
const std::string uri = "https://mycompany.com/myapp.php?foo=1&bar=2";

}  // namespace

TEST_CASE("signatures: Twilio's official vectors pass and a changed byte fails", "[channels]") {
  // T1: the worked example of Twilio's webhooks-security page.
  const params t1 = {{"CallSid", "CA1234567890ABCDE"}, {"Caller", "+12349013030"}, {"Digits", "1234"},
                     {"From", "+12349013030"}, {"To", "+18005551212"}};
  CHECK(twilio_signature("12345", uri, t1) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
  // T2–T5: twilio-python's request validator tests.
  CHECK(twilio_signature("12345", uri, twilio_t2) == "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
  const params t3 = {{"Sid", "CA123"}, {"SidAccount", "AC123"}, {"Digits", "5678"}, {"Digits", "1234"}};
  CHECK(twilio_signature("12345", uri, t3) == "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
  CHECK(twilio_signature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", twilio_t2) ==
        "kvajT1Ptam85bY51eRf/AJRuM3w=");
  CHECK(twilio_signature("12345", "http://mycompany.com:1234/myapp.php?foo=1&bar=2", twilio_t2) ==
        "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=");
  CHECK(twilio_signature("12345", "http://mycompany.com:80/myapp.php?foo=1&bar=2", twilio_t2) ==
        "0ZXoZLH/DfblKGATFgpif+LLRf4=");
  // T6: a JSON body is covered by bodySHA256 in the URL; no parameters are appended.
  CHECK(twilio_signature("12345",
                         uri + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620",
                         {}) == "a9nBmqA0ju/hNViExpshrM61xv4=");
  // One changed byte, in a value, the URL or the token, changes the signature.
  params changed = t1;
  changed[2].second = "1235";
  CHECK(twilio_signature("12345", uri, changed) != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
  CHECK(twilio_signature("12345", uri + "3", t1) != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
  CHECK(twilio_signature("12346", uri, t1) != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
}

TEST_CASE("signatures: Twilio's URL forms are the URL without its port and with one", "[channels]") {
  using v = std::vector<std::string>;
  CHECK(twilio_url_forms("https://gw.example.org/channels/tw/sms?token=t") ==
        v{"https://gw.example.org/channels/tw/sms?token=t", "https://gw.example.org:443/channels/tw/sms?token=t"});
  CHECK(twilio_url_forms("HTTP://gw.example.org/x") == v{"HTTP://gw.example.org/x", "HTTP://gw.example.org:80/x"});
  CHECK(twilio_url_forms("https://gw.example.org:8443/x") ==
        v{"https://gw.example.org/x", "https://gw.example.org:8443/x"});
  // The query may hold a colon; a user's password may too; an IPv6 host holds several.
  CHECK(twilio_url_forms("https://h.org/a?t=1:2") == v{"https://h.org/a?t=1:2", "https://h.org:443/a?t=1:2"});
  CHECK(twilio_url_forms("https://u:p@h.org:444/a") == v{"https://u:p@h.org/a", "https://u:p@h.org:444/a"});
  CHECK(twilio_url_forms("https://[::1]/a") == v{"https://[::1]/a", "https://[::1]:443/a"});
  CHECK(twilio_url_forms("https://[::1]:8443") == v{"https://[::1]", "https://[::1]:8443"});
}

TEST_CASE("signatures: Vonage's official vectors pass, hex compared in any case", "[channels]") {
  const params p = {{"a", "1"}, {"b", "2"}, {"timestamp", "1461605396"}};
  CHECK(vonage_signature("md5hash", "secret", p) == "6af838ef94998832dbfc29020b564830");  // V1
  CHECK(vonage_signature("sha1", "secret", p) == "3e19a4e6880fdc2c1426bfd0587c98b9532f0210");  // V2
  CHECK(vonage_signature("sha256", "secret", p) ==
        "a321e824b9b816be7c3f28859a31749a098713d39f613c80d455bbaffae1cd24");  // V3
  CHECK(vonage_signature("sha512", "secret", p) ==
        "812a18f76680fa0fe1b8bd9ee1625466ceb1bd96242e4d050d2cfd9a7b40166c63ed26ec9702168781b6edcf1633db8ff95af9341701004eec3fcf9550572ee8");  // V4
  CHECK(vonage_signature("md5", "secret", p) == "c15c21ced558c93a226c305f58f902f2");
  // `sig` itself is left out; '&' and '=' in values become '_'.
  params with_sig = p;
  with_sig.emplace_back("sig", "whatever");
  CHECK(vonage_signature("md5hash", "secret", with_sig) == "6af838ef94998832dbfc29020b564830");
  const params amp = {{"text", "a&b=c"}, {"to", "447700900000"}, {"timestamp", "1461605396"}};
  CHECK(vonage_signature("md5hash", "secret", amp) == "5f21bd8006c3f7543071a2fbfef0d65f");
  CHECK(equal_hex(vonage_signature("sha256", "secret", amp),
                  "8B6E822AF6FD999E99A6F6BCF8F191CFC6CED99D93A69E888825E9D63BF1092A"));
  params changed = p;
  changed[0].second = "2";
  CHECK(vonage_signature("md5hash", "secret", changed) != "6af838ef94998832dbfc29020b564830");
  CHECK_FALSE(equal_hex("6af838ef94998832dbfc29020b564830", "6af838ef94998832dbfc29020b564831"));
  CHECK(vonage_signature("crc32", "secret", p).empty());
}

TEST_CASE("signatures: android-sms-gateway signs body and timestamp", "[channels]") {
  const std::string body =
      R"({"deviceId":"ffffffffceb0b1db0000018e937c815b","event":"sms:received","id":"Ey6ECgOkVVFjz3CL48B8C","payload":{"messageId":"abc123","message":"Android is always a sweet treat!","phoneNumber":"6505551212","simNumber":1,"receivedAt":"2024-06-22T15:46:11.000+07:00"},"webhookId":"LreFUt-Z3sSq0JufY9uWB"})";
  CHECK(android_signature("my-signing-key", body, "1719046000") ==
        "174f2ee54acee50437b79c85cca3bcec38b66cb3dda0289febe61e76f43efeca");
  CHECK(android_signature("my-signing-key", body, "1719046001") !=
        "174f2ee54acee50437b79c85cca3bcec38b66cb3dda0289febe61e76f43efeca");
}
