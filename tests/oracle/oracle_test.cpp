// Paygham's SMS part count against the npm package sms-segments-calculator 1.3.0 on
// generated strings: GSM-7, extension characters at part boundaries, Persian, Pashto,
// emoji, CR LF and mixes, every length from 0 to 500. tools/test installs the package.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "gateway/text/segments.hpp"
#include "tests/support/support.hpp"

namespace test = paygham::test;

namespace {

// Character pools, as UTF-8 pieces; each piece is one character (or one emoji sequence).
const std::vector<std::string> gsm_basic = {"a", "b", "Z", "0", "9", " ", ".", ",", "@", "$", "_",
                                            "é", "Ñ", "ß", "Ω", "\n", "!", "?", "£", "¥"};
const std::vector<std::string> gsm_ext = {"{", "}", "[", "]", "~", "\\", "^", "|", "€"};
const std::vector<std::string> persian = {"س", "ل", "ا", "م", "ن", "و", "ب", "ت", "ش", "ی", "ک", "گ",
                                          "پ", "چ", "ژ", "آ", "ه", "۰", "۱", "۵", "۹", "،", "؟", " ",
                                          "\u200C", "\u064E", "\u0650"};
const std::vector<std::string> pashto = {"ټ", "ډ", "ړ", "ږ", "ښ", "ګ", "ڼ", "ې", "ۍ", "ځ", "څ", "ه", " "};
const std::vector<std::string> emoji = {"😀", "👍🏽", "👨‍👩‍👧", "🇦🇫", "❤️", "✅", "🙏"};
const std::vector<std::string> other = {"ç", "’", "–", "…", "\u00A0", "ж", "e\u0301", "\r\n"};

std::string pick(std::mt19937& rng, const std::vector<std::string>& pool) {
  return pool[std::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(rng)];
}

// A string of `length` pieces in the style `kind`.
std::string generate(std::mt19937& rng, int kind, int length) {
  std::string s;
  for (int i = 0; i < length; ++i) {
    const int roll = std::uniform_int_distribution<int>(0, 99)(rng);
    switch (kind) {
      case 0: s += pick(rng, gsm_basic); break;
      case 1: s += roll < 15 ? pick(rng, gsm_ext) : pick(rng, gsm_basic); break;
      case 2: s += pick(rng, persian); break;
      case 3: s += roll < 50 ? pick(rng, pashto) : pick(rng, persian); break;
      case 4: s += roll < 30 ? pick(rng, emoji) : pick(rng, persian); break;
      case 5: s += roll < 5 ? pick(rng, other) : roll < 10 ? pick(rng, emoji) : pick(rng, gsm_basic); break;
      default: s += roll < 2 ? pick(rng, persian) : roll < 20 ? pick(rng, gsm_ext) : pick(rng, gsm_basic);
    }
  }
  return s;
}

}  // namespace

TEST_CASE("text: part counts agree with sms-segments-calculator on generated strings",
          "[text][oracle]") {
  const std::string oracle = PAYGHAM_ORACLE_DIR;
  INFO("the oracle is installed by tools/test into " << oracle);
  REQUIRE(std::filesystem::exists(oracle + "/node_modules/sms-segments-calculator"));

  std::mt19937 rng(20261129);
  std::vector<std::string> texts;
  for (int round = 0; round < 3; ++round) {
    for (int kind = 0; kind < 7; ++kind) {
      for (int length = 0; length <= 500; ++length) texts.push_back(generate(rng, kind, length));
    }
  }
  // Extension characters and emoji exactly at part boundaries.
  for (int k = 140; k <= 160; ++k) {
    texts.push_back(std::string(static_cast<std::size_t>(k), 'a') + "{" + std::string(200, 'a'));
    for (int j = 60; j <= 70; ++j) {
      std::string s;
      for (int i = 0; i < j; ++i) s += "ж";
      texts.push_back(s + (k % 2 ? "😀" : "👨‍👩‍👧") + std::string(static_cast<std::size_t>(k - 100), 'b'));
    }
  }
  test::temp_dir dir;
  {
    std::ostringstream lines;
    for (const auto& t : texts) lines << nlohmann::json(t).dump() << "\n";
    test::write_file(dir.file("in.jsonl"), lines.str());
  }
  const std::string cmd = "NODE_PATH='" + oracle + "/node_modules' node '" +
                          std::string(PAYGHAM_SOURCE_DIR) + "/tests/oracle/segments.js' < '" +
                          dir.file("in.jsonl") + "' > '" + dir.file("out.jsonl") + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::istringstream out(test::read_file(dir.file("out.jsonl")));
  std::string line;
  std::size_t compared = 0, differ = 0;
  for (const auto& t : texts) {
    REQUIRE(std::getline(out, line));
    const auto want = nlohmann::json::parse(line);
    const auto got = paygham::text::measure_sms(t);
    ++compared;
    if (want["enc"] != paygham::text::to_string(got.enc) || want["parts"] != got.parts) {
      if (++differ <= 5) {
        UNSCOPED_INFO("differs: " << nlohmann::json(t).dump() << " oracle " << line << " ours "
                                  << paygham::text::to_string(got.enc) << " " << got.parts);
      }
    }
  }
  const std::string report = "sms-segments-calculator 1.3.0 oracle: " + std::to_string(compared) +
                             " strings compared, " + std::to_string(differ) + " differ\n";
  std::cout << report;
  test::write_file(oracle + "/report.txt", report);  // tools/test prints it
  CHECK(compared >= 10000);
  CHECK(differ == 0);
}
