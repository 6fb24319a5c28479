// PINs typed on a phone (health workers', a person's for their visits): read in any digit
// script, easy guesses refused, only a hash kept, and locked after 5 wrong tries in a row.
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
  CHECK(auth::weak_pin("0900", "+93700000900") == "it is the end of the phone's own number");
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

TEST_CASE("pin: 5 wrong tries in a row lock for 30 minutes, 3 lockouts block until a new PIN, and the right one starts "
          "the count again",
          "[auth]") {
  const auto h = auth::hash_pin("2580");
  const std::int64_t now = 1'795'939'200'000;
  using r = auth::pin_try::result;
  // Wrong: one try fewer each time, stored.
  auto t = auth::try_pin(h, 0, 0, "1111", now);
  CHECK(t.outcome == r::wrong);
  CHECK(t.failed == 1);
  CHECK(t.tries_left == 4);
  CHECK(t.changed);
  t = auth::try_pin(h, 3, 0, "not digits", now);
  CHECK(t.outcome == r::wrong);
  CHECK(t.tries_left == 1);
  // The fifth locks; after the lock the count goes on, 5 more lock again.
  t = auth::try_pin(h, 4, 0, "1111", now);
  CHECK(t.outcome == r::locked);
  CHECK(t.failed == 5);
  CHECK(t.locked_until == now + 30 * 60 * 1000);
  t = auth::try_pin(h, 5, now - 1, "1111", now);
  CHECK(t.outcome == r::wrong);
  CHECK(t.tries_left == 4);
  CHECK(t.locked_until == 0);
  // Locked: even the right PIN is not tried, and nothing changes.
  t = auth::try_pin(h, 5, now + 1000, "2580", now);
  CHECK(t.outcome == r::locked);
  CHECK_FALSE(t.changed);
  // Without a limit on lockouts (a health worker's), the 15th wrong locks for a while again.
  CHECK(auth::try_pin(h, 14, 0, "1111", now).outcome == r::locked);
  // With 3 (a person's visits PIN), it blocks: even the right PIN, until a new one is set.
  t = auth::try_pin(h, 14, 0, "1111", now, 3);
  CHECK(t.outcome == r::blocked);
  CHECK(t.failed == 15);
  CHECK(auth::try_pin(h, 15, 0, "2580", now, 3).outcome == r::blocked);
  CHECK(auth::try_pin(h, 13, 0, "1111", now, 3).outcome == r::wrong);
  // The right PIN, in Persian digits: the wrong ones before are forgotten.
  t = auth::try_pin(h, 7, 0, "۲۵۸۰", now, 3);
  CHECK(t.outcome == r::ok);
  CHECK(t.changed);
  CHECK(t.failed == 0);
  CHECK_FALSE(auth::try_pin(h, 0, 0, "2580", now).changed);
  // No PIN stored matches nothing.
  CHECK(auth::try_pin("", 0, 0, "2580", now).outcome == r::wrong);
}
