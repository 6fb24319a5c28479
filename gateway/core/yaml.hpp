// Reading operator-written YAML (config, flows, templates) strictly, with every problem
// reported as "file:line:column: message" so the operator can go straight to it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/result.hpp"

namespace paygham::core::yaml {

// Parses a file. A syntax error comes back as "file:line:column: message".
result<YAML::Node> load_file(const std::string& path);

// The *.yaml files of `dir`, sorted by name. A missing folder is a problem named after `what`
// ("flows", "templates"), and so is a *.yml file (never read: it is to be renamed).
std::vector<std::string> list_files(const std::string& dir, std::string_view what,
                                    std::vector<std::string>& problems);

// A key written twice in one mapping, as "file:line:column: message", or nothing. YAML readers
// keep one of the two silently (the first, or the last): an operator's edit would be ignored.
std::optional<std::string> duplicate_key(std::string_view file, const YAML::Node& root);

// "file:line:column" of a node (1-based), or just "file" for a node with no position.
std::string where(std::string_view file, const YAML::Node& node);

// Collects problems for one file; never throws on a wrong type or a missing key.
class reader {
 public:
  reader(std::string file, std::vector<std::string>& problems);

  const std::string& file() const { return file_; }
  void problem(const YAML::Node& at, std::string_view message);
  std::size_t problem_count() const { return problems_.size(); }

  // Reports each key of `map` that is not in `known`, as "unknown key 'path.key'".
  // Returns false (after reporting) when `map` is not a map.
  bool expect_map(const YAML::Node& map, std::string_view path,
                  std::initializer_list<std::string_view> known);

  // The scalar at map[key]; reports when required and absent, or when not a scalar.
  std::optional<std::string> text(const YAML::Node& map, std::string_view key,
                                  std::string_view path, bool required = false);
  std::optional<long long> integer(const YAML::Node& map, std::string_view key,
                                   std::string_view path, long long min, long long max);
  std::optional<bool> boolean(const YAML::Node& map, std::string_view key, std::string_view path);
  // A sequence of scalars; a lone scalar is taken as a list of one.
  std::vector<std::string> text_list(const YAML::Node& map, std::string_view key,
                                     std::string_view path);

 private:
  std::string file_;
  std::vector<std::string>& problems_;
};

// Joins a key path: join("server", "limits") == "server.limits"; join("", "x") == "x".
std::string join(std::string_view path, std::string_view key);

}  // namespace paygham::core::yaml
