// A run's stored state read back (runner/internal.hpp: to_json writes it).
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "gateway/runner/internal.hpp"

namespace paygham::runner::detail {
namespace {

// The fields as nlohmann's parser meets them (json::sax_parse), into the state at once. Known
// fields must have the type to_json gives them; unknown ones are skipped whole.
class state_reader {
 public:
  explicit state_reader(flow::state& s) : s_(s) {}

  bool null() { return other_value("null"); }
  bool boolean(bool) { return other_value("true or false"); }
  bool number_float(double, const std::string&) { return other_value("a fraction"); }
  bool binary(nlohmann::json::binary_t&) { return other_value("binary"); }
  bool number_unsigned(std::uint64_t v) {
    if (v > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
      return other_value("a number out of range");
    return number(static_cast<int>(v));
  }
  bool number_integer(std::int64_t v) {
    if (v < 0 || v > std::numeric_limits<int>::max()) return other_value("a number out of range");
    return number(static_cast<int>(v));
  }

  bool string(std::string& v) {
    if (depth_ == 1 && field_ == field::node) {
      s_.node = std::move(v);
      seen_node_ = true;
    } else if (depth_ == 2 && field_ == field::vars) {
      s_.vars[var_] = std::move(v);
    } else if (depth_ == 2 && field_ == field::trail) {
      s_.trail.push_back(std::move(v));
    } else {
      return other_value("text");
    }
    return true;
  }

  bool key(std::string& k) {
    if (depth_ == 1) {
      field_ = k == "node"      ? field::node
               : k == "vars"    ? field::vars
               : k == "invalid" ? field::invalid
               : k == "trail"   ? field::trail
               : k == "page"    ? field::page
               : k == "asked"   ? field::asked
               : k == "secret"  ? field::secret
                                : field::unknown;
    } else if (depth_ == 2 && field_ == field::vars) {
      var_ = std::move(k);
    }
    return true;
  }

  bool start_object(std::size_t) {
    if (depth_ == 1 && field_ == field::vars) {
      s_.vars.clear();
      seen_vars_ = true;
    } else if (depth_ != 0 && field_ != field::unknown) {
      return other_value("an object");
    }
    ++depth_;
    return true;
  }
  bool start_array(std::size_t) {
    if (depth_ == 1 && field_ == field::trail) {
      s_.trail.clear();
    } else if (depth_ == 1 && field_ == field::secret) {
      s_.secret_parts.clear();
    } else if (depth_ == 0 || field_ != field::unknown) {
      return other_value("a list");
    }
    ++depth_;
    return true;
  }
  bool end_object() { return --depth_, true; }
  bool end_array() { return --depth_, true; }

  bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception& e) {
    return bad(e.what());
  }

  // After the parse: what every state has.
  void check() const {
    if (!seen_node_ || !seen_vars_ || !seen_invalid_) bad("'node', 'vars' or 'invalid' is missing");
  }

 private:
  enum class field { none, node, vars, invalid, trail, page, asked, secret, unknown };

  bool number(int v) {
    if (depth_ == 1 && field_ == field::invalid) {
      s_.invalid = v;
      seen_invalid_ = true;
    } else if (depth_ == 1 && field_ == field::asked) {
      s_.asked = v;
    } else if (depth_ == 1 && field_ == field::page) {
      s_.page = static_cast<std::size_t>(v);
    } else if (depth_ == 2 && field_ == field::secret) {
      s_.secret_parts.push_back(v);
    } else {
      return other_value("a number");
    }
    return true;
  }
  // A value no known field takes there: skipped inside an unknown field, else refused.
  bool other_value(const char* what) const {
    if (depth_ >= 1 && field_ == field::unknown) return true;
    return bad(std::string(what) + " where the state has none");
  }
  [[noreturn]] static bool bad(const std::string& why) {
    throw std::runtime_error("a run's stored state is not one this version wrote: " + why);
  }

  flow::state& s_;
  int depth_ = 0;  // objects and lists open
  field field_ = field::none;
  std::string var_;  // in vars: the name whose value comes next
  bool seen_node_ = false;
  bool seen_vars_ = false;
  bool seen_invalid_ = false;
};

}  // namespace

flow::state state_from_json(const std::string& text) {
  flow::state s;
  state_reader r(s);
  if (!nlohmann::json::sax_parse(text, &r))
    throw std::runtime_error("a run's stored state could not be read");
  r.check();
  // A visit's run begun before its texts named whose visit it is (a confirmation waiting at an
  // upgrade): its day and time alone, never a placeholder as written.
  if (s.vars.contains("booking")) {
    for (const auto& [whose, plain] :
         {std::pair{"when_whose", "when"}, std::pair{"time_whose", "time"}}) {
      const auto it = s.vars.find(plain);
      if (it != s.vars.end() && !s.vars.contains(whose))
        s.vars[whose] = nlohmann::json{{"label", it->second}}.dump();
    }
  }
  return s;
}

}  // namespace paygham::runner::detail
