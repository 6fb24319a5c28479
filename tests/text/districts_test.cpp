#include "gateway/text/districts.hpp"

#include <catch2/catch.hpp>

#include "tests/support/support.hpp"

using namespace paygham;

TEST_CASE("districts: a place matches however it is typed, but not another place", "[text]") {
  // Case, ZWNJ, spaces, dashes, Arabic letter variants and harakat do not make another place.
  CHECK(text::place_key("Zinda Jan") == text::place_key("zindajan"));
  CHECK(text::place_key("Zinda-Jan.") == text::place_key("ZINDA JAN"));
  CHECK(text::place_key("زنده‌جان") == text::place_key("زنده جان"));
  CHECK(text::place_key("سپين بولدك") == text::place_key("سپین بولدک"));  // Arabic yeh and kaf
  CHECK(text::place_key("«انجیل»") == text::place_key("انجیل"));
  CHECK(text::place_key("Guzara 2") == text::place_key("guzara ۲"));  // digits of any script
  CHECK(text::place_key("Guzara 2") != text::place_key("Guzara 3"));
  CHECK(text::place_key("انجیل") != text::place_key("انجیر"));
  // Pashto letters as a phone without them types them (R-L1).
  CHECK(text::place_key("ګذره") == text::place_key("گذره"));
  CHECK(text::place_key("د کندهار ښار") == text::place_key("د کندهار شار"));
  CHECK(text::place_key("ولسوالۍ") == text::place_key("ولسوالی"));
  CHECK(text::place_key("پنجوائی") == text::place_key("پنجوایی"));
  CHECK(text::place_key(" -- ").empty());
  CHECK(text::place_key("\xff\xfe").empty());  // not UTF-8: matches nothing
}

TEST_CASE("districts: the file says which district a person's words name, in their area only", "[text]") {
  std::vector<std::string> problems;
  const auto table = text::load_districts(test::fixture_path("districts/herat.yaml"), problems);
  REQUIRE(problems.empty());
  CHECK(table.district_of("herat", "انجیل") == "injil");
  CHECK(table.district_of("herat", "ENJIL") == "injil");
  CHECK(table.district_of("herat", "زنده‌جان") == "zinda_jan");
  CHECK(table.district_of("herat", "near the bridge in Injil").empty());  // whole words only: asked, not guessed
  CHECK(table.district_of("herat", "Herat").empty());  // the area's own name is no district
  CHECK(table.district_of("nimroz", "Injil").empty());  // Injil is in Herat
  CHECK(table.district_of("kabul", "Injil").empty());   // an area the file does not list
  CHECK(table.district_of("herat", "").empty());
  CHECK(table.knows("herat", "zinda_jan"));
  CHECK_FALSE(table.knows("nimroz", "injil"));
  CHECK(table.districts("herat") == std::vector<std::string>{"injil", "zinda_jan"});
  CHECK(table.areas() == std::vector<std::string>{"herat", "nimroz"});
}

TEST_CASE("districts: a hazard report's place names a district when one spelling of one district is in its words", "[text]") {
  std::vector<std::string> problems;
  const auto table = text::load_districts(std::string(PAYGHAM_SOURCE_DIR) + "/config/districts.yaml", problems);
  REQUIRE(problems.empty());
  CHECK(table.district_named_in("herat", "Road to Guzara, by the school") == "guzara");
  CHECK(table.district_named_in("herat", "نزدیک مکتب در انجیل") == "injil");
  CHECK(table.district_named_in("herat", "نزدیک مکتب در «انجيل»") == "injil");  // Arabic yeh, quotes
  CHECK(table.district_named_in("herat", "past Shahr-e Herat, the east gate") == "herat_city");  // three words
  CHECK(table.district_named_in("herat", "زنده‌جان، کنار جوی") == "zinda_jan");  // ZWNJ inside the name
  CHECK(table.district_named_in("herat", "Zinda-Jan canal") == "zinda_jan");
  CHECK(table.district_named_in("kandahar", "د سپین بولدک لاره") == "spin_boldak");
  // One word may be a spelling's words run together; two words are never one word's spelling.
  CHECK(table.district_named_in("herat", "Zindajan canal") == "zinda_jan");
  CHECK(table.district_named_in("kandahar", "د دامان سړک") == "daman");
  CHECK(table.district_named_in("kandahar", "د امان کلی").empty());  // «د امان», "of peace", is not «دامان»
  // Whole words only: a district's name inside another word names nothing.
  CHECK(table.district_named_in("nimroz", "Kangaroo hill").empty());
  CHECK(table.district_named_in("herat", "Guzaratown").empty());
  // Two districts named: which one is not guessed.
  CHECK(table.district_named_in("herat", "between Injil and Guzara").empty());
  // The province's own name, another province's district, an area the file does not list.
  CHECK(table.district_named_in("herat", "the Herat road").empty());
  CHECK(table.district_named_in("nimroz", "Guzara").empty());
  CHECK(table.district_named_in("other", "Guzara").empty());
  CHECK(table.district_named_in("herat", "\xffGuzara").empty());  // not UTF-8: names nothing
  CHECK(table.district_named_in("herat", "").empty());
  // A person subscribing is read by the whole of what they wrote, never guessed.
  CHECK(table.district_of("herat", "Road to Guzara").empty());
}

TEST_CASE("districts: every broken districts file is refused with its location and reason", "[text]") {
  const auto files = test::fixture_files("districts/broken", ".yaml");
  REQUIRE(files.size() >= 7);
  for (const auto& file : files) {
    const std::string text = test::read_file(file);
    const std::string first_line = text.substr(0, text.find('\n'));
    REQUIRE(first_line.rfind("# expect: ", 0) == 0);
    std::vector<std::string> problems;
    text::load_districts(file, problems);
    INFO(file);
    for (const auto& p : problems) UNSCOPED_INFO(p);
    bool found = false;
    for (const auto& p : problems) found = found || (p.rfind(file + ":", 0) == 0 && p.find(first_line.substr(10)) != std::string::npos);
    CHECK(found);
  }
}

TEST_CASE("districts: the shipped districts file loads", "[text]") {
  std::vector<std::string> problems;
  const auto table = text::load_districts(std::string(PAYGHAM_SOURCE_DIR) + "/config/districts.yaml", problems);
  for (const auto& p : problems) UNSCOPED_INFO(p);
  CHECK(problems.empty());
  CHECK(table.district_of("herat", "اسلام قلعه") == "kohsan");
  CHECK(table.district_of("nangarhar", "Torkham") == "mohmand_dara");
}
