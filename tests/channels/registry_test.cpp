#include "gateway/channels/registry.hpp"

#include <catch2/catch.hpp>

using namespace paygham;

TEST_CASE("channels: the registry builds known types and names what is wrong", "[channels]") {
  channels::settings s;
  s.id = "at";
  s.type = "africastalking";
  s.where = "paygham.yaml:12:5";
  auto ok = channels::make_channel(s);
  REQUIRE(ok.ok());
  CHECK(ok.value()->type() == "africastalking");

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
  CHECK_THAT(typo.error(), Catch::Contains("unknown setting 'pasword'"));
}
