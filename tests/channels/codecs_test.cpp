// Table tests for every codec, one fixture file per case under tests/fixtures/channels/<type>/
// (payloads from each aggregator's documentation). _channel.yaml gives the channel's settings;
// each other file is one of:
//   a callback   kind, method, content_type, query, headers, body → expect | expect_error |
//                expect_forbidden; expect_ack: the body of the answer once stored
//   a send       send: {id, to, body, status_url} → expect_request: {method, url, headers, body | json}
//   a reply      reply: {status, retry_after, body} → expect_result: {outcome, external_id, …,
//                cause: unsubscribed | misconfigured (default none)}
//   statuses     statuses: {raw: ours}: must list exactly the codec's status table
#include "gateway/channels/channel.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "gateway/channels/registry.hpp"
#include "gateway/channels/signatures.hpp"
#include "gateway/core/clock.hpp"
#include "gateway/core/form.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

std::string text(const YAML::Node& n, const char* key, const std::string& fallback = "") {
  return n[key] ? n[key].as<std::string>() : fallback;
}

std::unique_ptr<channels::channel> make(const std::string& dir) {
  const YAML::Node c = YAML::LoadFile(dir + "/_channel.yaml");
  channels::settings s;
  s.id = c["id"].as<std::string>();
  s.type = c["type"].as<std::string>();
  s.where = dir + "/_channel.yaml";
  s.public_url = text(c, "public_url", "https://gw.example.org");
  s.default_region = text(c, "region", "AF");
  for (const auto& kv : c["params"]) s.params[kv.first.as<std::string>()] = kv.second.as<std::string>();
  auto ch = channels::make_channel(s);
  if (!ch) FAIL(ch.error());
  return std::move(ch).value();
}

core::http_request request_from(const YAML::Node& fx, const std::string& channel_id) {
  core::http_request req;
  req.method = text(fx, "method", "POST");
  req.path = "/channels/" + channel_id + "/" + fx["kind"].as<std::string>();
  req.query = text(fx, "query");
  if (req.method != "GET") {
    req.headers.push_back({"Content-Type", text(fx, "content_type", "application/x-www-form-urlencoded")});
  }
  for (const auto& h : fx["headers"]) req.headers.push_back({h.first.as<std::string>(), h.second.as<std::string>()});
  req.body = text(fx, "body");
  req.remote_ip = "127.0.0.1";
  return req;
}

void check_callback(const channels::channel& ch, const YAML::Node& fx) {
  const auto kind = channels::parse_callback_kind(fx["kind"].as<std::string>());
  REQUIRE(kind);
  CHECK(ch.accepts(*kind));
  const auto req = request_from(fx, ch.id());
  const auto auth = ch.authenticate(req);
  if (fx["expect_forbidden"]) {
    REQUIRE_FALSE(auth.ok());
    CHECK_THAT(auth.error(), Catch::Contains(fx["expect_forbidden"].as<std::string>()));
    return;
  }
  REQUIRE(auth.ok());
  if (fx["expect_ack"]) {
    // What the aggregator reads back once the callback is stored (Kannel sends it on as an SMS).
    const auto ack = ch.ack(*kind);
    CHECK(ack.status == 200);
    CHECK(ack.body == fx["expect_ack"].as<std::string>());
  }
  const auto parsed = ch.parse(*kind, req);
  if (fx["expect_error"]) {
    REQUIRE_FALSE(parsed.ok());
    CHECK_THAT(parsed.error(), Catch::Contains(fx["expect_error"].as<std::string>()));
    return;
  }
  REQUIRE(parsed.ok());
  const auto& got = parsed.value();
  const YAML::Node e = fx["expect"];
  CHECK(got.sms.size() == (e["sms"] ? e["sms"].size() : 0));
  for (std::size_t i = 0; i < got.sms.size() && e["sms"] && i < e["sms"].size(); ++i) {
    const auto& m = got.sms[i];
    const YAML::Node x = e["sms"][i];
    CHECK(m.channel_id == ch.id());
    CHECK(m.from == x["from"].as<std::string>());
    CHECK(m.text == x["text"].as<std::string>());
    if (x["external_id"]) CHECK(m.external_id == x["external_id"].as<std::string>());
    if (x["to"]) CHECK(m.to == x["to"].as<std::string>());
  }
  CHECK(got.reports.size() == (e["reports"] ? e["reports"].size() : 0));
  for (std::size_t i = 0; i < got.reports.size() && e["reports"] && i < e["reports"].size(); ++i) {
    const auto& r = got.reports[i];
    const YAML::Node x = e["reports"][i];
    CHECK(r.channel_id == ch.id());
    CHECK(r.external_id == x["external_id"].as<std::string>());
    CHECK(core::to_string(r.status) == x["status"].as<std::string>());
    CHECK(r.raw_code == x["raw_code"].as<std::string>());
    CHECK(r.reference == text(x, "reference"));
    CHECK(r.error == text(x, "error"));
    if (x["parts"]) CHECK(r.parts == x["parts"].as<int>());
    if (x["cost"]) CHECK(r.cost == x["cost"].as<std::string>());
  }
  CHECK(got.ussd.has_value() == static_cast<bool>(e["ussd"]));
  if (got.ussd && e["ussd"]) {
    CHECK(got.ussd->session_id == e["ussd"]["session_id"].as<std::string>());
    CHECK(got.ussd->service_code == e["ussd"]["service_code"].as<std::string>());
    CHECK(got.ussd->from == e["ussd"]["from"].as<std::string>());
    CHECK(got.ussd->text == e["ussd"]["text"].as<std::string>());
    CHECK(got.ussd->network == e["ussd"]["network"].as<std::string>());
  }
  CHECK(got.ended.has_value() == static_cast<bool>(e["ended"]));
  if (got.ended && e["ended"]) {
    CHECK(got.ended->session_id == e["ended"]["session_id"].as<std::string>());
    CHECK(got.ended->from == e["ended"]["from"].as<std::string>());
    CHECK(got.ended->success == e["ended"]["success"].as<bool>());
  }
}

void check_send(const channels::channel& ch, const YAML::Node& fx) {
  const YAML::Node m = fx["send"];
  channels::outbound out{m["id"].as<std::int64_t>(), m["to"].as<std::string>(), m["body"].as<std::string>(),
                         "pg" + m["id"].as<std::string>(), text(m, "status_url")};
  const auto call = ch.build_send(out);
  if (fx["expect_error"]) {
    REQUIRE_FALSE(call.ok());
    CHECK_THAT(call.error(), Catch::Contains(fx["expect_error"].as<std::string>()));
    return;
  }
  REQUIRE(call.ok());
  const YAML::Node e = fx["expect_request"];
  CHECK(call->method == e["method"].as<std::string>());
  CHECK(call->url == e["url"].as<std::string>());
  for (const auto& h : e["headers"]) {
    bool found = false;
    for (const auto& have : call->headers) {
      found = found || (have.name == h.first.as<std::string>() && have.value == h.second.as<std::string>());
    }
    INFO("header " << h.first.as<std::string>());
    CHECK(found);
  }
  if (e["body"]) CHECK(call->body == e["body"].as<std::string>());
  if (e["json"]) CHECK(nlohmann::json::parse(call->body) == nlohmann::json::parse(e["json"].as<std::string>()));
}

void check_reply(const channels::channel& ch, const YAML::Node& fx) {
  const YAML::Node r = fx["reply"];
  const auto got = ch.read_send_reply(r["status"].as<unsigned>(), text(r, "retry_after"), text(r, "body"));
  const YAML::Node e = fx["expect_result"];
  const char* outcome = got.result == channels::send_result::outcome::accepted ? "accepted"
                        : got.result == channels::send_result::outcome::retry  ? "retry"
                                                                               : "failed";
  CHECK(outcome == e["outcome"].as<std::string>());
  if (e["external_id"]) CHECK(got.external_id == e["external_id"].as<std::string>());
  if (e["raw_code"]) CHECK(got.raw_code == e["raw_code"].as<std::string>());
  if (e["error"]) CHECK(got.error == e["error"].as<std::string>());
  if (e["parts"]) CHECK(got.parts == e["parts"].as<int>());
  if (e["cost"]) CHECK(got.cost == e["cost"].as<std::string>());
  if (e["retry_after_ms"]) CHECK(got.retry_after_ms == e["retry_after_ms"].as<std::int64_t>());
  // What the answer says beyond the message: unsubscribed, misconfigured, throttled, or nothing.
  const char* why = got.why == channels::send_result::cause::unsubscribed    ? "unsubscribed"
                    : got.why == channels::send_result::cause::misconfigured ? "misconfigured"
                    : got.why == channels::send_result::cause::throttled     ? "throttled"
                                                                             : "none";
  CHECK(why == text(e, "cause", "none"));
}

void check_statuses(const channels::channel& ch, const YAML::Node& fx) {
  const YAML::Node table = fx["statuses"];
  CHECK(table.size() == ch.status_table().size());
  for (const auto& kv : table) {
    const auto* row = ch.map_status(kv.first.as<std::string>());
    INFO("status " << kv.first.as<std::string>());
    REQUIRE(row);
    CHECK(core::to_string(row->status) == kv.second.as<std::string>());
  }
}

}  // namespace

TEST_CASE("channels: every codec reads, builds and maps as its fixtures say", "[channels]") {
  const std::string root = test::fixture_path("channels");
  std::vector<std::string> types;
  for (const auto& e : std::filesystem::directory_iterator(root)) types.push_back(e.path().filename().string());
  std::sort(types.begin(), types.end());
  for (const std::string type : {"africastalking", "android", "infobip", "kannel", "kavenegar", "twilio", "vonage"}) {
    INFO("tests/fixtures/channels/" << type << " is missing");
    CHECK(std::find(types.begin(), types.end(), type) != types.end());
  }
  for (const auto& type : types) {
    const std::string dir = root + "/" + type;
    const auto ch = make(dir);
    bool has_statuses = false;
    for (const auto& file : test::fixture_files("channels/" + type, ".yaml")) {
      if (std::filesystem::path(file).filename() == "_channel.yaml") continue;
      INFO(file);
      const YAML::Node fx = YAML::LoadFile(file);
      if (fx["send"]) {
        check_send(*ch, fx);
      } else if (fx["reply"]) {
        check_reply(*ch, fx);
      } else if (fx["statuses"]) {
        has_statuses = true;
        check_statuses(*ch, fx);
      } else {
        check_callback(*ch, fx);
      }
    }
    // A folder named after its type maps the whole status table; others (twilio-8443) only
    // vary one setting.
    INFO(type << " has no statuses.yaml");
    CHECK((has_statuses || ch->status_table().empty() || type != ch->type()));
  }
}

TEST_CASE("channels: USSD replies are exactly CON or END and the text", "[channels]") {
  const auto at = make(test::fixture_path("channels/africastalking"));
  auto con = at->render_ussd({false, "Menu\n1. A"});
  CHECK(con.status == 200);
  CHECK(con.body == "CON Menu\n1. A");
  CHECK_THAT(con.content_type, Catch::StartsWith("text/plain"));
  CHECK(at->render_ussd({true, "Bye"}).body == "END Bye");
}

TEST_CASE("channels: a console SMS may omit its id and gets a local one", "[channels]") {
  channels::settings s;
  s.id = "console";
  s.type = "console";
  s.params["auth"] = "none";
  const auto c = channels::make_channel(s);
  REQUIRE(c);
  core::http_request req;
  req.method = "POST";
  req.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  req.body = "from=%2B93700000001&text=INFO";
  const auto a = c.value()->parse(channels::callback_kind::sms, req);
  const auto b = c.value()->parse(channels::callback_kind::sms, req);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->sms.at(0).external_id != b->sms.at(0).external_id);
  CHECK(c.value()->local_delivery());
}

TEST_CASE("channels: a URL token, an address allow-list and Basic auth guard callbacks", "[channels]") {
  channels::settings s;
  s.id = "at";
  s.type = "africastalking";
  s.params["auth_token"] = "s3cret-token";
  s.params["allow_ips"] = "127.0.0.1, 10.0.0.5";
  s.params["basic_auth"] = "gw:pa55word";
  const auto made = channels::make_channel(s);
  REQUIRE(made);
  const auto& at = *made.value();
  core::http_request req;
  req.remote_ip = "127.0.0.1";
  CHECK_FALSE(at.authenticate(req).ok());
  req.query = "token=wrong-token!";
  CHECK_FALSE(at.authenticate(req).ok());
  req.query = "token=s3cret-token";
  CHECK_FALSE(at.authenticate(req).ok());  // no Basic credentials yet
  req.headers.push_back({"Authorization", "Basic Z3c6cGE1NXdvcmQ="});  // gw:pa55word
  CHECK(at.authenticate(req).ok());
  req.remote_ip = "10.0.0.6";
  CHECK_FALSE(at.authenticate(req).ok());
  CHECK(at.authenticate(req).error().find("s3cret") == std::string::npos);
}

TEST_CASE("channels: bad delivery settings are refused with the key", "[channels]") {
  channels::settings s;
  s.id = "at";
  s.type = "africastalking";
  s.where = "paygham.yaml:9:5";
  s.params["auth"] = "none";
  s.params["rate"] = "fast";
  auto made = channels::make_channel(s);
  REQUIRE_FALSE(made);
  CHECK_THAT(made.error(), Catch::Contains("paygham.yaml:9:5") && Catch::Contains("'rate'"));
  s.params["rate"] = "25";
  s.params["validity"] = "6h";
  made = channels::make_channel(s);
  REQUIRE(made);
  CHECK(made.value()->delivery().rate == 25);
  CHECK(made.value()->delivery().validity_ms == 6 * 3600'000);
}

TEST_CASE("channels: signed Vonage and Android callbacks pass only fresh and unchanged", "[channels]") {
  const std::string now = std::to_string(core::now_ms() / 1000);
  const std::string stale = std::to_string(core::now_ms() / 1000 - 600);

  channels::settings v;
  v.id = "vg";
  v.type = "vonage";
  v.params = {{"signature_secret", "secret"}, {"signature_method", "sha256"}};
  const auto vg = channels::make_channel(v);
  REQUIRE(vg);
  const auto vonage_request = [&](const std::string& ts, const std::string& text) {
    const std::vector<std::pair<std::string, std::string>> p = {
        {"msisdn", "2349067554729"}, {"to", "2020"}, {"messageId", "m1"}, {"text", text}, {"timestamp", ts}};
    core::http_request req;
    req.method = "GET";
    auto signed_params = p;
    signed_params.emplace_back("sig", channels::vonage_signature("sha256", "secret", p));
    req.query = core::encode_form(signed_params);
    return req;
  };
  CHECK(vg.value()->authenticate(vonage_request(now, "Join")).ok());
  CHECK(vg.value()->authenticate(vonage_request(stale, "Join")).error() == "stale timestamp");
  auto changed = vonage_request(now, "Join");
  changed.query.replace(changed.query.find("Join"), 4, "Joim");
  CHECK(vg.value()->authenticate(changed).error() == "bad sig");

  channels::settings a;
  a.id = "phone";
  a.type = "android";
  a.params = {{"base_url", "http://127.0.0.1:9"}, {"signing_key", "my-signing-key"}};
  const auto phone = channels::make_channel(a);
  REQUIRE(phone);
  const auto android_request = [&](const std::string& ts, const std::string& body) {
    core::http_request req;
    req.method = "POST";
    req.headers = {{"Content-Type", "application/json"},
                   {"X-Timestamp", ts},
                   {"X-Signature", channels::android_signature("my-signing-key", body, ts)}};
    req.body = body;
    return req;
  };
  const std::string body = R"({"event":"system:ping","id":"p1","payload":{"health":"pass"}})";
  CHECK(phone.value()->authenticate(android_request(now, body)).ok());
  CHECK(phone.value()->authenticate(android_request(stale, body)).error() == "stale X-Timestamp");
  auto tampered = android_request(now, body);
  tampered.body[tampered.body.size() - 3] = 'x';
  CHECK(phone.value()->authenticate(tampered).error() == "bad X-Signature");
  core::http_request unsigned_req;
  unsigned_req.body = body;
  CHECK_FALSE(phone.value()->authenticate(unsigned_req).ok());
}
