// The flow model: what an operator's flows/<id>.yaml says once loaded and checked.
// Immutable after loading; a flow_set is shared read-only between threads and replaced
// whole on reload. Format and examples: docs/flows.md.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace paygham::text {
class catalog;
}

namespace paygham::flow {

enum class node_kind { say, ask, end };
enum class ask_kind { menu };

struct option {
  std::string label;  // template key
  std::string value;  // saved into the run's variable; defaults to the option's number
  std::string next;   // node id
};

struct node {
  std::string id;
  node_kind kind = node_kind::end;
  std::string text;  // template key; may be empty for a silent end
  ask_kind ask = ask_kind::menu;
  std::vector<option> options;
  std::string save;  // run variable that receives the answer
  std::string next;  // say: the node after it
  std::string where; // file:line:column of the node, for messages
};

struct definition {
  std::string id;    // the file name without .yaml
  std::string hash;  // content hash: runs are pinned to it
  std::string file;
  std::vector<std::string> ussd_codes;    // e.g. "*384*12#"
  std::vector<std::string> sms_keywords;  // matched case-insensitively on the first word
  std::string start;
  std::map<std::string, node, std::less<>> nodes;

  const node* find(std::string_view id) const;
  // True when `word` is one of the SMS keywords (case-insensitive).
  bool has_keyword(std::string_view word) const;
};

class flow_set {
 public:
  // Loads every *.yaml in `dir`. Each problem is appended as "file:line:column: message";
  // a flow with any problem is left out of the set.
  static flow_set load_dir(const std::string& dir, std::vector<std::string>& problems);

  // Checks that every template key the flows use exists in `lang`.
  void check_texts(const text::catalog& texts, const std::vector<std::string>& langs,
                   std::vector<std::string>& problems) const;

  void add(std::shared_ptr<const definition> d);
  const definition* by_id(std::string_view id) const;
  const definition* by_ussd_code(std::string_view code) const;
  // The flow whose keyword equals `text`'s first word (case-insensitive).
  const definition* by_keyword(std::string_view text) const;
  std::size_t size() const { return flows_.size(); }
  const std::vector<std::shared_ptr<const definition>>& all() const { return flows_; }

 private:
  std::vector<std::shared_ptr<const definition>> flows_;
};

// Parses one flow from YAML text. `id` is the file name's stem; `file` names it in problems.
// Returns nullptr (and appends problems) when the flow is unusable.
std::shared_ptr<const definition> parse_flow(const std::string& id, const std::string& file,
                                             const std::string& yaml_text,
                                             std::vector<std::string>& problems);

}  // namespace paygham::flow
