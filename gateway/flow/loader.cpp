// Reading flows/<id>.yaml into a definition, with every problem located by file:line:column.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "gateway/core/yaml.hpp"
#include "gateway/flow/flow.hpp"

namespace paygham::flow {
namespace {

// FNV-1a, 64 bits: a stable identity for a flow's content (not a security hash).
std::string content_hash(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = hex[h & 15];
    h >>= 4;
  }
  return out;
}

bool parse_node(core::yaml::reader& r, const std::string& id, const YAML::Node& y, node& n) {
  const std::string path = "nodes." + id;
  n.id = id;
  n.where = core::yaml::where(r.file(), y);
  if (!y.IsMap()) {
    r.problem(y, "node '" + id + "' must be a mapping with one of: say, ask, end");
    return false;
  }
  const bool has_say = y["say"].IsDefined();
  const bool has_ask = y["ask"].IsDefined();
  const bool has_end = y["end"].IsDefined();
  if (int(has_say) + int(has_ask) + int(has_end) != 1) {
    r.problem(y, "node '" + id + "' must have exactly one of: say, ask, end");
    return false;
  }
  if (has_say) {
    n.kind = node_kind::say;
    r.expect_map(y, path, {"say", "next"});
    n.text = r.text(y, "say", path, true).value_or("");
    n.next = r.text(y, "next", path, true).value_or("");
    return true;
  }
  if (has_end) {
    n.kind = node_kind::end;
    r.expect_map(y, path, {"end"});
    n.text = r.text(y, "end", path).value_or("");
    return true;
  }
  n.kind = node_kind::ask;
  r.expect_map(y, path, {"ask", "text", "save", "options"});
  const std::string kind = r.text(y, "ask", path, true).value_or("");
  if (kind != "menu") {
    r.problem(y["ask"], "'" + path + ".ask' is '" + kind + "'; this version knows: menu");
    return false;
  }
  n.ask = ask_kind::menu;
  n.text = r.text(y, "text", path, true).value_or("");
  n.save = r.text(y, "save", path).value_or("");
  const YAML::Node opts = y["options"];
  if (!opts.IsDefined() || !opts.IsSequence() || opts.size() == 0) {
    r.problem(opts.IsDefined() ? opts : y, "menu '" + id + "' needs a non-empty list 'options'");
    return false;
  }
  for (std::size_t i = 0; i < opts.size(); ++i) {
    const YAML::Node o = opts[i];
    const std::string opath = path + ".options[" + std::to_string(i + 1) + "]";
    if (!r.expect_map(o, opath, {"label", "value", "next"})) continue;
    option opt;
    opt.label = r.text(o, "label", opath, true).value_or("");
    opt.value = r.text(o, "value", opath).value_or(std::to_string(i + 1));
    opt.next = r.text(o, "next", opath, true).value_or("");
    n.options.push_back(std::move(opt));
  }
  // Options 1-9 keep answers one key long; 0, 00 and 98 are reserved (R-U8).
  if (n.options.size() > 9) r.problem(opts, "menu '" + id + "' has more than 9 options");
  return true;
}

void check_links(core::yaml::reader& r, const YAML::Node& root, definition& d) {
  const auto known = [&](const std::string& target) { return d.nodes.count(target) > 0; };
  const auto report = [&](const node& n, const std::string& what, const std::string& target) {
    r.problem(root["nodes"][n.id], "node '" + n.id + "' " + what + " '" + target +
                                       "', which is not a node of this flow");
  };
  for (const auto& [id, n] : d.nodes) {
    if (n.kind == node_kind::say && !n.next.empty() && !known(n.next)) report(n, "goes to", n.next);
    for (const auto& o : n.options) {
      if (!o.next.empty() && !known(o.next)) report(n, "has an option leading to", o.next);
    }
  }
  if (!d.start.empty() && !known(d.start)) {
    r.problem(root["start"], "start node '" + d.start + "' is not a node of this flow");
    return;
  }
  // Every node must be reachable from start, or it is dead text nobody will see.
  std::set<std::string> seen;
  std::vector<std::string> todo{d.start};
  while (!todo.empty()) {
    const std::string id = todo.back();
    todo.pop_back();
    if (!seen.insert(id).second) continue;
    const node* n = d.find(id);
    if (!n) continue;
    if (n->kind == node_kind::say) todo.push_back(n->next);
    for (const auto& o : n->options) todo.push_back(o.next);
  }
  for (const auto& [id, n] : d.nodes) {
    if (!seen.count(id)) r.problem(root["nodes"][id], "node '" + id + "' cannot be reached from start");
  }
}

}  // namespace

std::shared_ptr<const definition> parse_flow(const std::string& id, const std::string& file,
                                             const std::string& yaml_text,
                                             std::vector<std::string>& problems) {
  const std::size_t before = problems.size();
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    problems.push_back(file + ":" + std::to_string(e.mark.line + 1) + ":" +
                       std::to_string(e.mark.column + 1) + ": " + e.msg);
    return nullptr;
  }
  core::yaml::reader r(file, problems);
  if (!r.expect_map(root, "", {"triggers", "start", "nodes"})) return nullptr;

  auto d = std::make_shared<definition>();
  d->id = id;
  d->file = file;
  d->hash = content_hash(yaml_text);
  const YAML::Node triggers = root["triggers"];
  if (triggers.IsDefined() && r.expect_map(triggers, "triggers", {"ussd", "sms"})) {
    d->ussd_codes = r.text_list(triggers, "ussd", "triggers");
    d->sms_keywords = r.text_list(triggers, "sms", "triggers");
  }
  d->start = r.text(root, "start", "", true).value_or("");
  const YAML::Node nodes = root["nodes"];
  if (!nodes.IsDefined() || !nodes.IsMap() || nodes.size() == 0) {
    r.problem(nodes.IsDefined() ? nodes : root, "'nodes' must map node names to nodes");
    return nullptr;
  }
  for (const auto& kv : nodes) {
    node n;
    const std::string nid = kv.first.Scalar();
    if (parse_node(r, nid, kv.second, n)) d->nodes.emplace(nid, std::move(n));
  }
  if (problems.size() == before) check_links(r, root, *d);
  if (problems.size() != before) return nullptr;
  return d;
}

flow_set flow_set::load_dir(const std::string& dir, std::vector<std::string>& problems) {
  flow_set set;
  for (const auto& file : core::yaml::list_files(dir, "flows", problems)) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!in) {
      problems.push_back(file + ": cannot read the file");
      continue;
    }
    const std::string id = std::filesystem::path(file).stem().string();
    if (auto d = parse_flow(id, file, ss.str(), problems)) set.add(d);
  }
  // A code or keyword claimed by two flows would make routing depend on file order.
  for (std::size_t i = 0; i < set.flows_.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const auto& a = *set.flows_[i];
      const auto& b = *set.flows_[j];
      for (const auto& code : a.ussd_codes) {
        if (std::find(b.ussd_codes.begin(), b.ussd_codes.end(), code) != b.ussd_codes.end()) {
          problems.push_back(a.file + ": USSD code '" + code + "' is also claimed by " + b.file);
        }
      }
      for (const auto& k : a.sms_keywords) {
        if (b.has_keyword(k)) {
          problems.push_back(a.file + ": SMS keyword '" + k + "' is also claimed by " + b.file);
        }
      }
    }
  }
  return set;
}

}  // namespace paygham::flow
