#include "gateway/core/yaml.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace paygham::core::yaml {

result<YAML::Node> load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    YAML::Node root = YAML::Load(ss.str());
    if (auto twice = duplicate_key(path, root)) return fail(*twice);
    return root;
  } catch (const YAML::Exception& e) {
    return fail(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

std::vector<std::string> list_files(const std::string& dir, std::string_view what,
                                    std::vector<std::string>& problems) {
  std::vector<std::string> files;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    const auto full = std::filesystem::absolute(dir, ec);
    problems.push_back(dir + ": the " + std::string(what) + " folder does not exist" +
                       (ec || full == dir ? std::string() : " (looked for " + full.string() + ")"));
    return files;
  }
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
    // Else never read, and an operator's new file would seem to do nothing.
    if (e.path().extension() == ".yml") {
      problems.push_back(e.path().string() + ": only .yaml files are read here; rename it " +
                         e.path().stem().string() + ".yaml");
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::optional<std::string> duplicate_key(std::string_view file, const YAML::Node& root) {
  // Depth first, with a bound on the nodes visited: aliases may repeat a part many times, and
  // what is too big is refused elsewhere.
  std::vector<YAML::Node> todo{root};
  for (std::size_t visited = 0; !todo.empty() && visited < 200'000; ++visited) {
    const YAML::Node node = todo.back();
    todo.pop_back();
    if (node.IsSequence()) {
      for (const auto& item : node) todo.push_back(item);
    } else if (node.IsMap()) {
      std::map<std::string, YAML::Mark> seen;
      for (const auto& kv : node) {
        if (kv.first.IsScalar()) {
          const auto [first, fresh] = seen.emplace(kv.first.Scalar(), kv.first.Mark());
          if (!fresh) {
            return where(file, kv.first) + ": '" + kv.first.Scalar() + "' is written twice here (first on line " +
                   std::to_string(first->second.line + 1) + "): only one would be read; keep one";
          }
        }
        todo.push_back(kv.second);
      }
    }
  }
  return std::nullopt;
}

std::string where(std::string_view file, const YAML::Node& node) {
  // An absent key's node has no position (and throws if asked for one).
  if (!node.IsDefined()) return std::string(file);
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return std::string(file);
  return std::string(file) + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

std::string join(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

reader::reader(std::string file, std::vector<std::string>& problems)
    : file_(std::move(file)), problems_(problems) {}

void reader::problem(const YAML::Node& at, std::string_view message) {
  problems_.push_back(where(file_, at) + ": " + std::string(message));
}

bool reader::expect_map(const YAML::Node& map, std::string_view path,
                        std::initializer_list<std::string_view> known) {
  if (!map.IsDefined() || !map.IsMap()) {
    problem(map, "'" + std::string(path.empty() ? "(top level)" : path) + "' must be a mapping");
    return false;
  }
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string hint;
      for (std::string_view k : known) hint += (hint.empty() ? "" : ", ") + std::string(k);
      problem(kv.first, "unknown key '" + join(path, key) + "' (expected one of: " + hint + ")");
    }
  }
  return true;
}

std::optional<std::string> reader::text(const YAML::Node& map, std::string_view key,
                                        std::string_view path, bool required) {
  const YAML::Node n = map[std::string(key)];
  if (!n.IsDefined() || n.IsNull()) {
    if (required) problem(map, "missing key '" + join(path, key) + "'");
    return std::nullopt;
  }
  if (!n.IsScalar()) {
    problem(n, "'" + join(path, key) + "' must be a single value");
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<long long> reader::integer(const YAML::Node& map, std::string_view key,
                                         std::string_view path, long long min, long long max) {
  auto t = text(map, key, path);
  if (!t) return std::nullopt;
  long long v = 0;
  auto [p, ec] = std::from_chars(t->data(), t->data() + t->size(), v);
  if (ec != std::errc{} || p != t->data() + t->size() || v < min || v > max) {
    problem(map[std::string(key)], "'" + join(path, key) + "' must be a whole number from " +
                                       std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> reader::boolean(const YAML::Node& map, std::string_view key,
                                    std::string_view path) {
  auto t = text(map, key, path);
  if (!t) return std::nullopt;
  if (*t == "true" || *t == "yes" || *t == "on") return true;
  if (*t == "false" || *t == "no" || *t == "off") return false;
  problem(map[std::string(key)], "'" + join(path, key) + "' must be true or false");
  return std::nullopt;
}

std::vector<std::string> reader::text_list(const YAML::Node& map, std::string_view key,
                                           std::string_view path) {
  std::vector<std::string> out;
  const YAML::Node n = map[std::string(key)];
  if (!n.IsDefined() || n.IsNull()) return out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
    return out;
  }
  if (!n.IsSequence()) {
    problem(n, "'" + join(path, key) + "' must be a list");
    return out;
  }
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      problem(item, "each item of '" + join(path, key) + "' must be a single value");
      continue;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

}  // namespace paygham::core::yaml
