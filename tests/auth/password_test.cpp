// Console passwords: easy ones refused with the reason, only a hash kept.
#include "gateway/auth/password.hpp"

#include <catch2/catch.hpp>

using namespace paygham;

TEST_CASE("password: short, repeated, login-containing and common passwords are refused with why", "[auth]") {
  CHECK(auth::weak_password("short", "sima") == "it is shorter than 10 characters");
  CHECK(auth::weak_password("aaaaaaaaaaaa", "sima") == "it is one character repeated");
  CHECK(auth::weak_password("my-SIMA-password", "sima") == "it contains the login name");
  CHECK(auth::weak_password("Password123", "sima") == "it is among the first guesses attackers try");
  CHECK(auth::weak_password("\xff\xfe" "aaaaaaaaaaaa", "sima") == "it is not UTF-8 text");
  CHECK(auth::weak_password(std::string(201, 'x') + "y", "sima") == "it is longer than 200 bytes");
  CHECK(auth::weak_password("کلینیک گلشهر باز است", "sima").empty());  // Persian letters count as letters
  CHECK(auth::weak_password("river-lamp-seven", "sima").empty());
}

TEST_CASE("password: only an Argon2id hash is kept, salted afresh each time", "[auth]") {
  const auto h = auth::hash_password("river-lamp-seven");
  CHECK(h.rfind("$argon2id$", 0) == 0);
  CHECK(h.find("river") == std::string::npos);
  CHECK(auth::hash_password("river-lamp-seven") != h);
  CHECK(auth::password_matches(h, "river-lamp-seven"));
  CHECK_FALSE(auth::password_matches(h, "river-lamp-seveN"));
  CHECK_FALSE(auth::password_matches("", "river-lamp-seven"));
}
