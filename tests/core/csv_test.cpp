// CSV lines as spreadsheets write them: quoted commas and quotes, and the errors an import
// reports by line.
#include "gateway/core/csv.hpp"

#include <catch2/catch.hpp>

using namespace paygham;

TEST_CASE("csv: fields split on commas, quoted ones keep commas and doubled quotes", "[core]") {
  using v = std::vector<std::string>;
  CHECK(core::csv_fields("phone,language").value() == v{"phone", "language"});
  CHECK(core::csv_fields("+93700000001,prs\r").value() == v{"+93700000001", "prs"});
  CHECK(core::csv_fields("\"0700 000 001\",\"Herat, west\",\"she said \"\"yes\"\"\"").value() ==
        v{"0700 000 001", "Herat, west", "she said \"yes\""});
  CHECK(core::csv_fields("a,,c,").value() == v{"a", "", "c", ""});
  CHECK(core::csv_fields("").value() == v{""});
  CHECK(core::csv_fields("ژبه,پښتو").value() == v{"ژبه", "پښتو"});
}

TEST_CASE("csv: an unclosed quote or a stray one is an error that says what to fix", "[core]") {
  CHECK(core::csv_fields("\"Herat, west").error() == "a quoted field is not closed on its line");
  CHECK(core::csv_fields("\"Herat\" west,x").error() == "text after a closing quote (write \"\" for a quote inside)");
  CHECK(core::csv_fields("He\"rat,x").error() == "a quote inside an unquoted field (quote the whole field)");
}
