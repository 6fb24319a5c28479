#include "gateway/core/log.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/support.hpp"

namespace plog = paygham::core::log;

TEST_CASE("core: a log line is one JSON object with the event and its fields", "[core]") {
  const auto line = plog::format(plog::level::warn, "callback.forbidden",
                                {{"channel", "at"}, {"count", 3}}, plog::level::info);
  const auto j = nlohmann::json::parse(line);
  CHECK(j["event"] == "callback.forbidden");
  CHECK(j["level"] == "warn");
  CHECK(j["channel"] == "at");
  CHECK(j["count"] == 3);
  CHECK(line.find('\n') == std::string::npos);
}

TEST_CASE("core: phone numbers are masked and bodies hidden at info", "[core]") {
  const auto line = plog::format(
      plog::level::info, "sms.received",
      {{"from", plog::phone{"+93700123456"}}, {"body", plog::body{"my pregnancy visit"}}},
      plog::level::info);
  CHECK(line.find("+93700123456") == std::string::npos);
  CHECK(line.find("pregnancy") == std::string::npos);
  const auto j = nlohmann::json::parse(line);
  CHECK(j["from"] == "+93******456");
  CHECK(j["body"] == "<18 bytes>");
}

TEST_CASE("core: with a pseudonym set, each masked number carries it beside", "[core]") {
  // R-D4: the gateway sets store::number_pseudonym at start; here a stand-in.
  plog::set_pseudonym([](std::string_view e164) { return "p" + std::to_string(e164.size()); });
  const auto line = plog::format(plog::level::info, "outbox.send", {{"to", plog::phone{"+93700123456"}}},
                                 plog::level::info);
  plog::set_pseudonym(nullptr);
  const auto j = nlohmann::json::parse(line);
  CHECK(j["to"] == "+93******456");
  CHECK(j["to_id"] == "p12");
  // Unset again: masked only.
  const auto plain = nlohmann::json::parse(
      plog::format(plog::level::info, "outbox.send", {{"to", plog::phone{"+93700123456"}}}, plog::level::info));
  CHECK_FALSE(plain.contains("to_id"));
}

TEST_CASE("core: bodies are shown only when the threshold is debug", "[core]") {
  const auto line = plog::format(plog::level::info, "x", {{"body", plog::body{"hello"}}},
                                plog::level::debug);
  CHECK(nlohmann::json::parse(line)["body"] == "hello");
}

TEST_CASE("core: invalid UTF-8 in a field does not break the line", "[core]") {
  const auto line = plog::format(plog::level::info, "x", {{"v", "\xFF\xFE"}}, plog::level::info);
  CHECK_NOTHROW(nlohmann::json::parse(line));
}

TEST_CASE("core: a number inside free text is masked whatever the field", "[core]") {
  // A malformed phone quoted by a parse error, in a warn line.
  const auto line = plog::format(
      plog::level::warn, "callback.malformed",
      {{"reason", "phoneNumber: '+93 700 123 456x' is not a phone number"}, {"remote", "127.0.0.1"},
       {"other", "0799-123-456 or ۰۹۱۲۱۲۳۴۵۶۷ on 2026-11-29, id pg12"}},
      plog::level::info);
  const auto j = nlohmann::json::parse(line);
  CHECK(j["reason"] == "phoneNumber: '+93 7** *** 456x' is not a phone number");
  CHECK(j["remote"] == "127.0.0.1");
  CHECK(j["other"] == "079*-***-456 or ۰۹۱*****۵۶۷ on 2026-11-29, id pg12");
}

TEST_CASE("core: lines held while work may be rolled back are written once kept, or never",
          "[core]") {
  paygham::test::stderr_capture captured;
  std::string seen_while_held;
  {
    plog::held_lines kept;
    plog::info("kept.one");
    plog::info("kept.two");
    seen_while_held = captured.text();
    kept.write_out();
  }
  {
    plog::held_lines dropped;
    plog::info("rolled.back");
  }
  plog::info("after");
  CHECK(seen_while_held.empty());
  const std::string all = captured.text();
  CHECK(all.find("kept.one") < all.find("kept.two"));
  CHECK(all.find("kept.two") < all.find("after"));
  CHECK(all.find("rolled.back") == std::string::npos);
}
