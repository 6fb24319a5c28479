// Health workers' PINs: read in any digit script, easy guesses refused, only a hash kept.
#include "gateway/auth/pin.hpp"

#include <catch2/catch.hpp>

using namespace paygham;

TEST_CASE("pin: 4 to 6 digits in any script are read as ASCII, anything else is not a PIN", "[auth]") {
  CHECK(auth::read_pin("2580") == "2580");
  CHECK(auth::read_pin("۲۵۸۰") == "2580");
  CHECK(auth::read_pin("٢٥٨٠") == "2580");
  CHECK(auth::read_pin(" 25 80 ") == "2580");
  CHECK(auth::read_pin("258036") == "258036");
  CHECK_FALSE(auth::read_pin("258"));
  CHECK_FALSE(auth::read_pin("2580361"));
  CHECK_FALSE(auth::read_pin("25a0"));
  CHECK_FALSE(auth::read_pin(""));
  CHECK_FALSE(auth::read_pin("\xff\xfe\x32\x35"));
}

TEST_CASE("pin: a repeated digit, a run, or the end of the worker's number is refused", "[auth]") {
  CHECK(auth::weak_pin("1111", "+93700000900") == "it is one digit repeated");
  CHECK(auth::weak_pin("1234", "+93700000900") == "its digits run in order");
  CHECK(auth::weak_pin("9876", "+93700000900") == "its digits run in order");
  CHECK(auth::weak_pin("0900", "+93700000900") == "it is the end of the worker's phone number");
  CHECK(auth::weak_pin("2580", "+93700000900").empty());
}

TEST_CASE("pin: only a salted Argon2id hash is kept, and it matches the PIN alone", "[auth]") {
  const auto h = auth::hash_pin("2580");
  CHECK(h.rfind("$argon2id$", 0) == 0);
  CHECK(h.find("2580") == std::string::npos);
  CHECK(auth::hash_pin("2580") != h);  // a fresh salt each time
  CHECK(auth::pin_matches(h, "2580"));
  CHECK_FALSE(auth::pin_matches(h, "2581"));
  CHECK_FALSE(auth::pin_matches("", "2580"));
  CHECK_FALSE(auth::pin_matches("not a hash", "2580"));
}
