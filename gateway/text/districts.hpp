// The districts of each area and the ways people write them (R-M1; config `districts:`,
// config/districts.yaml). A person subscribing to mine-safety alerts names their district in
// their own words («انجیل», "Enjil", "injil"); this table says which district that is, so an
// alert can go to one district. Operators keep it: `paygham districts` lists what people wrote
// that no district's spellings match yet.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace paygham::text {

// What two spellings of a place have in common, for matching only: normalize() (scripts'
// letter variants, digits, case), Pashto letters as their Persian neighbours (ګ → گ, ښ → ش,
// ې ۍ ئ → ی: a phone without a Pashto keyboard types those), then only letters and digits
// (spaces, ZWNJ, dashes and punctuation go: "Spin Boldak" and «سپین‌بولدک» each match their
// run-together forms).
std::string place_key(std::string_view utf8);

// A place as the person wrote it, kept for the operators: spaces collapsed, controls and
// direction marks dropped (ZWNJ and ZWJ stay), at most 60 characters (a USSD answer can be 160),
// never cut inside a character. `typed` must be valid UTF-8.
std::string place_as_written(std::string_view typed);

class district_table {
 public:
  // The district of `area` that `written` names (its key: injil), or "" when none does.
  std::string district_of(std::string_view area, std::string_view written) const;
  // The one district of `area` named somewhere in `words` by a whole spelling ("the road to
  // Guzara, by the school": guzara), or "" when none or more than one is: as many words in a
  // row as the spelling has («زنده جان», "Zinda-Jan"), or one word its run-together form
  // ("Zindajan"), never two words run together into a one-word spelling («د امان» is not
  // «دامان»). A guess, for what a wrong guess costs little (which hazard reports may be the same,
  // R-M4: a flag more or less); whom an alert reaches is read by district_of alone.
  std::string district_named_in(std::string_view area, std::string_view words) const;
  bool knows(std::string_view area, std::string_view district) const;
  // The districts of `area`, by key.
  std::vector<std::string> districts(std::string_view area) const;
  std::vector<std::string> areas() const;
  bool empty() const { return spellings_.empty(); }
  bool operator==(const district_table&) const = default;

  // For the loader: false when the spelling already names another district of the area.
  bool add(const std::string& area, const std::string& district, const std::string& spelling);

 private:
  std::map<std::string, std::map<std::string, std::string>, std::less<>> spellings_;  // area → place_key → district
  std::map<std::string, std::map<std::string, std::size_t>, std::less<>> words_;      // area → place_key → its words
  std::map<std::string, std::set<std::string>, std::less<>> districts_;              // area → districts
};

// Reads the districts file: {herat: {injil: [Injil, Enjil, انجیل], …}, …}. Each problem is
// appended as "file:line:column: message".
district_table load_districts(const std::string& file, std::vector<std::string>& problems);

}  // namespace paygham::text
