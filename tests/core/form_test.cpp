#include "gateway/core/form.hpp"

#include <catch2/catch.hpp>

using paygham::core::parse_form;
using paygham::core::valid_utf8;

TEST_CASE("core: a form body decodes '+' and %-escapes, keeping order and duplicates", "[core]") {
  auto f = parse_form("sessionId=ATUid_1&serviceCode=*384*12%23&phoneNumber=%2B93700000001&text=&a=1&a=2&msg=hi+there");
  REQUIRE(f.ok());
  CHECK(f->get_or_empty("serviceCode") == "*384*12#");
  CHECK(f->get_or_empty("phoneNumber") == "+93700000001");
  CHECK(f->get("text").has_value());
  CHECK(f->get_or_empty("text").empty());
  CHECK(f->get_or_empty("msg") == "hi there");
  CHECK(f->get_or_empty("a") == "1");
  CHECK(f->pairs.size() == 7);
  CHECK_FALSE(f->get("missing").has_value());
}

TEST_CASE("core: a malformed %-escape is an error, not a guess", "[core]") {
  CHECK_FALSE(parse_form("a=%4").ok());
  CHECK_FALSE(parse_form("a=%zz").ok());
  CHECK_FALSE(parse_form("a=1&b=%").ok());
  CHECK(parse_form("a=%41").ok());
  CHECK(parse_form("").ok());
}

TEST_CASE("core: UTF-8 validation accepts Persian and emoji, rejects broken sequences", "[core]") {
  CHECK(valid_utf8("سلام"));
  CHECK(valid_utf8("ښ ځ ۱۲۳ 😀 plain"));
  CHECK_FALSE(valid_utf8("\xC3"));              // truncated
  CHECK_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(valid_utf8("\xED\xA0\x80"));      // UTF-16 surrogate
  CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(valid_utf8("\xFF"));
}
