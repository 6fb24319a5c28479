#include <catch2/catch.hpp>
#include <filesystem>

#include "gateway/flow/flow.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

TEST_CASE("flow: every broken flow is refused with its location and reason", "[flow]") {
  const auto files = test::fixture_files("flows/broken", ".yaml");
  REQUIRE(files.size() >= 15);
  for (const auto& file : files) {
    const std::string text = test::read_file(file);
    const std::string first_line = text.substr(0, text.find('\n'));
    REQUIRE(first_line.rfind("# expect: ", 0) == 0);
    const std::string expected = first_line.substr(10);
    std::vector<std::string> problems;
    const auto id = std::filesystem::path(file).stem().string();
    const auto f = flow::parse_flow(id, file, text, problems);
    INFO(file);
    CHECK(f == nullptr);
    REQUIRE_FALSE(problems.empty());
    // Every problem starts with the file's path, so an operator can jump to it.
    CHECK(problems.front().rfind(file, 0) == 0);
    bool found = false;
    for (const auto& p : problems) found = found || p.find(expected) != std::string::npos;
    INFO("problems: " << problems.front());
    CHECK(found);
  }
}

TEST_CASE("flow: a good flow loads with its triggers, nodes and a stable hash", "[flow]") {
  std::vector<std::string> problems;
  const auto set = flow::flow_set::load_dir(test::fixture_path("flows/ok"), problems);
  CHECK(problems.empty());
  REQUIRE(set.size() == 1);
  const flow::definition* f = set.by_ussd_code("*1#");
  REQUIRE(f);
  CHECK(f->id == "survey");
  CHECK(f->hash.size() == 16);
  CHECK(set.by_keyword("survey please") == f);
  CHECK(set.by_keyword("  Survey") == f);
  CHECK(set.by_keyword("نظر") == f);
  CHECK(set.by_keyword("surveys") == nullptr);
  CHECK(set.by_ussd_code("*2#") == nullptr);
  REQUIRE(f->find("rate"));
  CHECK(f->find("rate")->options.size() == 2);
  CHECK(f->find("rate")->options[1].value == "2");  // defaults to the option's number

  std::vector<std::string> again;
  const auto set2 = flow::flow_set::load_dir(test::fixture_path("flows/ok"), again);
  CHECK(set2.by_id("survey")->hash == f->hash);
}

TEST_CASE("flow: a keyword or code claimed by two flows is refused", "[flow]") {
  test::temp_dir dir;
  const std::string flow_text = test::read_file(test::fixture_path("flows/ok/survey.yaml"));
  test::write_file(dir.file("a.yaml"), flow_text);
  test::write_file(dir.file("b.yaml"), flow_text);
  std::vector<std::string> problems;
  flow::flow_set::load_dir(dir.path(), problems);
  bool code = false, keyword = false;
  for (const auto& p : problems) {
    code = code || p.find("USSD code '*1#' is also claimed") != std::string::npos;
    keyword = keyword || p.find("SMS keyword 'SURVEY' is also claimed") != std::string::npos;
  }
  CHECK(code);
  CHECK(keyword);
}
