#include "gateway/channels/africastalking.hpp"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "gateway/channels/console.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

channels::settings at_settings() {
  channels::settings s;
  s.id = "at";
  s.type = "africastalking";
  return s;
}

core::http_request request_from(const YAML::Node& fx) {
  core::http_request req;
  req.method = "POST";
  req.path = "/channels/at/" + fx["kind"].as<std::string>();
  req.headers.push_back(
      {"Content-Type", fx["content_type"].as<std::string>("application/x-www-form-urlencoded")});
  req.body = fx["body"].as<std::string>();
  req.remote_ip = "127.0.0.1";
  return req;
}

}  // namespace

TEST_CASE("channels: Africa's Talking callbacks parse as their fixtures say", "[channels]") {
  const channels::africastalking at(at_settings());
  const auto files = test::fixture_files("channels/africastalking", ".yaml");
  REQUIRE(files.size() >= 10);
  for (const auto& file : files) {
    INFO(file);
    const YAML::Node fx = YAML::LoadFile(file);
    const auto kind = channels::parse_callback_kind(fx["kind"].as<std::string>());
    REQUIRE(kind);
    const auto parsed = at.parse(*kind, request_from(fx));
    if (fx["expect_error"]) {
      REQUIRE_FALSE(parsed.ok());
      CHECK_THAT(parsed.error(), Catch::Contains(fx["expect_error"].as<std::string>()));
      continue;
    }
    REQUIRE(parsed.ok());
    const YAML::Node e = fx["expect"];
    if (*kind == channels::callback_kind::ussd) {
      const auto& u = std::get<core::ussd_request>(parsed.value());
      CHECK(u.channel_id == "at");
      CHECK(u.session_id == e["session_id"].as<std::string>());
      CHECK(u.service_code == e["service_code"].as<std::string>());
      CHECK(u.from == e["from"].as<std::string>());
      CHECK(u.text == e["text"].as<std::string>());
      CHECK(u.network == e["network"].as<std::string>());
    } else {
      const auto& m = std::get<core::inbound_sms>(parsed.value());
      CHECK(m.channel_id == "at");
      CHECK(m.external_id == e["external_id"].as<std::string>());
      CHECK(m.from == e["from"].as<std::string>());
      CHECK(m.to == e["to"].as<std::string>());
      CHECK(m.text == e["text"].as<std::string>());
    }
  }
}

TEST_CASE("channels: USSD replies start with CON or END as AT requires", "[channels]") {
  const channels::africastalking at(at_settings());
  auto con = at.render_ussd({false, "Menu\n1. A"});
  CHECK(con.status == 200);
  CHECK(con.body.rfind("CON Menu\n1. A", 0) == 0);
  CHECK_THAT(con.content_type, Catch::StartsWith("text/plain"));
  CHECK(at.render_ussd({true, "Bye"}).body.rfind("END Bye", 0) == 0);
  CHECK_FALSE(at.accepts(channels::callback_kind::status));
}

TEST_CASE("channels: a console SMS may omit its id and gets a local one", "[channels]") {
  channels::settings s = at_settings();
  s.id = "console";
  s.type = "console";
  const channels::console c(s);
  core::http_request req;
  req.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  req.body = "from=%2B93700000001&text=INFO";
  const auto a = c.parse(channels::callback_kind::sms, req);
  const auto b = c.parse(channels::callback_kind::sms, req);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(std::get<core::inbound_sms>(a.value()).external_id !=
        std::get<core::inbound_sms>(b.value()).external_id);
  CHECK(c.local_delivery());
}

TEST_CASE("channels: a URL token and an address allow-list guard callbacks", "[channels]") {
  channels::settings s = at_settings();
  s.params["auth_token"] = "s3cret-token";
  s.params["allow_ips"] = "127.0.0.1, 10.0.0.5";
  const channels::africastalking at(s);
  core::http_request req;
  req.remote_ip = "127.0.0.1";
  CHECK_FALSE(at.authenticate(req).ok());
  req.query = "token=wrong-token!";
  CHECK_FALSE(at.authenticate(req).ok());
  req.query = "token=s3cret-token";
  CHECK(at.authenticate(req).ok());
  req.remote_ip = "10.0.0.6";
  CHECK_FALSE(at.authenticate(req).ok());
  CHECK(at.authenticate(req).error().find("s3cret") == std::string::npos);
}
