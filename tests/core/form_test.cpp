#include "gateway/core/form.hpp"
#include "gateway/core/utf8.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

using paygham::core::parse_form;
using paygham::core::valid_utf8;
using paygham::core::latin1_to_utf8;
using paygham::core::utf16be_to_utf8;

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

TEST_CASE("core: UTF-16BE from an SMSC becomes UTF-8, broken units are refused", "[core]") {
  using namespace std::string_literals;
  // «اطلاعات» as a phone sends it in UCS-2, and گ ک ی, whose bytes are not UTF-8.
  CHECK(utf16be_to_utf8("\x06\x27\x06\x37\x06\x44\x06\x27\x06\x39\x06\x27\x06\x2A"s) == "اطلاعات");
  CHECK(utf16be_to_utf8("\x06\xAF\x06\xA9\x06\xCC"s) == "گکی");
  CHECK(utf16be_to_utf8("\x00\x31\x00\x31\x00 \x06\x46"s) == "11 ن");
  CHECK(utf16be_to_utf8("\xD8\x3D\xDE\x00"s) == "😀");  // a surrogate pair
  CHECK(utf16be_to_utf8("") == "");
  CHECK_FALSE(utf16be_to_utf8("\x06\x27\x06"s));         // odd length
  CHECK_FALSE(utf16be_to_utf8("\xD8\x3D\x00\x41"s));     // high surrogate, no low one
  CHECK_FALSE(utf16be_to_utf8("\xDE\x00"s));             // low surrogate alone
  CHECK(latin1_to_utf8("caf\xE9 \xA3""5") == "café £5");
}

TEST_CASE("core: a JSON string written directly reads back as the text, as nlohmann writes it", "[core]") {
  std::string every_ascii;
  for (int c = 0; c < 128; ++c) every_ascii += static_cast<char>(c);
  for (const std::string& text : {std::string(), every_ascii, std::string("سلام «۱۱» \"quoted\" \\ back"),
                                  std::string("ښ 😀\u200F")}) {
    std::string out;
    paygham::core::append_json_string(out, text);
    CHECK(out == nlohmann::json(text).dump());
    CHECK(nlohmann::json::parse(out).get<std::string>() == text);
  }
  // Bytes that are not UTF-8 become U+FFFD: the JSON stays readable.
  std::string out;
  paygham::core::append_json_string(out, "a\xff" "b");
  CHECK(nlohmann::json::parse(out).get<std::string>() == "a\uFFFD" "b");
}
