// Reading flows/<id>.yaml into a definition, with every problem located by file:line:column.
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include <yaml-cpp/eventhandler.h>

#include "gateway/core/duration.hpp"
#include "gateway/core/suggest.hpp"
#include "gateway/core/yaml.hpp"
#include "gateway/flow/flow.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::flow {

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

namespace {

constexpr std::string_view node_kinds = "say, send, ask, switch, action, end";

std::optional<ask_kind> ask_from(std::string_view s) {
  for (auto k : {ask_kind::menu, ask_kind::yes_no, ask_kind::number, ask_kind::date,
                 ask_kind::text, ask_kind::phone}) {
    if (to_string(k) == s) return k;
  }
  return std::nullopt;
}

// A mapping of names to node ids (switch cases, action outcomes), in file order.
std::vector<std::pair<std::string, std::string>> name_map(core::yaml::reader& r, const YAML::Node& y,
                                                          std::string_view key,
                                                          const std::string& path) {
  std::vector<std::pair<std::string, std::string>> out;
  const YAML::Node m = y[std::string(key)];
  if (!m.IsDefined()) return out;
  if (!m.IsMap()) {
    r.problem(m, "'" + core::yaml::join(path, key) + "' must be a mapping of names to single values");
    return out;
  }
  for (const auto& kv : m) {
    if (!kv.second.IsScalar()) {
      r.problem(kv.second, "'" + core::yaml::join(path, key) + "." + kv.first.Scalar() +
                               "' must be a single value");
      continue;
    }
    out.emplace_back(kv.first.Scalar(), kv.second.Scalar());
  }
  return out;
}

// "today" → 0, "+90d" or "90d" → 90, "-280d" → -280 (at most ten years either way).
std::optional<long> day_offset(std::string_view s) {
  if (s == "today") return 0;
  if (s.size() < 2 || s.back() != 'd') return std::nullopt;
  s.remove_suffix(1);
  const bool negative = s.front() == '-';
  if (s.front() == '+' || s.front() == '-') s.remove_prefix(1);
  long days = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), days);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty() || days > 3660) return std::nullopt;
  return negative ? -days : days;
}

bool parse_ask(core::yaml::reader& r, const std::string& id, const std::string& path,
               const YAML::Node& y, node& n) {
  n.kind = node_kind::ask;
  r.expect_map(y, path,
               {"ask", "text", "save", "options", "options_from", "next", "yes", "no", "min", "max",
                "invalid", "timeout", "on_timeout", "on_too_many", "on_unclear", "on_danger",
                "back", "secret"});
  const std::string kind = r.text(y, "ask", path, true).value_or("");
  const auto k = ask_from(kind);
  if (!k) {
    r.problem(y["ask"], "'" + path + ".ask' is '" + kind +
                            "'; this version knows: menu, yes_no, number, date, text, phone");
    return false;
  }
  n.ask = *k;
  n.text = r.text(y, "text", path, true).value_or("");
  n.save = r.text(y, "save", path).value_or("");
  n.invalid = r.text(y, "invalid", path).value_or("");
  n.back = r.boolean(y, "back", path).value_or(true);
  n.secret = r.boolean(y, "secret", path).value_or(false);
  n.next = r.text(y, "next", path).value_or("");
  n.options_from = r.text(y, "options_from", path).value_or("");
  n.yes = r.text(y, "yes", path).value_or("");
  n.no = r.text(y, "no", path).value_or("");
  const auto only_for = [&](std::string_view key, bool allowed, std::string_view kinds) {
    if (y[std::string(key)].IsDefined() && !allowed) {
      r.problem(y[std::string(key)], "'" + core::yaml::join(path, key) + "' applies to " +
                                         std::string(kinds) + " only, not to '" + kind + "'");
    }
  };
  const bool menu = n.ask == ask_kind::menu;
  only_for("options", menu, "menu");
  only_for("options_from", menu, "menu");
  only_for("yes", n.ask == ask_kind::yes_no, "yes_no");
  only_for("no", n.ask == ask_kind::yes_no, "yes_no");
  only_for("min", n.ask == ask_kind::number || n.ask == ask_kind::date, "number and date");
  only_for("max", n.ask == ask_kind::number || n.ask == ask_kind::date, "number and date");
  only_for("next", !menu || !n.options_from.empty(), "a menu with options_from and the asks other than menu and yes_no");
  // Where a reply leads: the way out of the question.
  const auto need = [&](std::string_view key, const std::string& value) {
    if (value.empty()) {
      r.problem(y, "question '" + id + "' (" + kind + ") needs '" + std::string(key) +
                       "': where the flow goes after an answer");
    }
  };
  switch (n.ask) {
    case ask_kind::menu: {
      const YAML::Node opts = y["options"];
      // A data menu may add fixed options after the action's ("Call me"), each with its own
      // value and next.
      const bool data = !n.options_from.empty();
      if (data) need("next", n.next);
      if (data && !opts.IsDefined()) break;
      if (!opts.IsDefined() || !opts.IsSequence() || opts.size() == 0) {
        r.problem(opts.IsDefined() ? opts : y, "menu '" + id + "' needs a non-empty list 'options'");
        return false;
      }
      for (std::size_t i = 0; i < opts.size(); ++i) {
        const YAML::Node o = opts[i];
        const std::string opath = path + ".options[" + std::to_string(i + 1) + "]";
        if (!r.expect_map(o, opath, {"label", "value", "next", "takes", "exact"})) continue;
        option opt;
        opt.label = r.text(o, "label", opath, true).value_or("");
        opt.value = r.text(o, "value", opath, data).value_or(std::to_string(i + 1));
        // The action's items may have the values 1, 2, …: a fixed option's must differ.
        if (data && !opt.value.empty() && opt.value.find_first_not_of("0123456789") == std::string::npos) {
          r.problem(o["value"], "'" + opath + ".value' is a number, which an item of '" + n.options_from +
                                    "' may have too; give it a word (call)");
        }
        opt.next = r.text(o, "next", opath, true).value_or("");
        opt.exact = r.boolean(o, "exact", opath).value_or(false);
        if (const auto t = r.text(o, "takes", opath, false)) {
          if (*t == "danger") {
            opt.taken = option::takes::danger;
          } else if (*t == "words") {
            opt.taken = option::takes::words;
          } else if (*t == "yes") {
            opt.taken = option::takes::yes;
          } else {
            r.problem(o["takes"],
                      "'" + opath + ".takes' is '" + *t +
                          "': write danger (words of someone in danger choose it), words (any "
                          "words that answer no option do) or yes (a yes of any language does)");
          }
        }
        if (opt.taken != option::takes::nothing && data) {
          r.problem(o["takes"], "menu '" + id + "' takes its options from '" + n.options_from +
                                    "': 'takes' is for a menu of fixed options");
        } else if (opt.taken != option::takes::nothing &&
                   std::any_of(n.options.begin(), n.options.end(),
                               [&](const option& x) { return x.taken == opt.taken; })) {
          const std::string what = opt.taken == option::takes::danger  ? "danger"
                                   : opt.taken == option::takes::words ? "words"
                                                                       : "yes";
          r.problem(o["takes"], "menu '" + id + "' has two options that take " + what + ": a reply can choose only one");
        }
        n.options.push_back(std::move(opt));
      }
      // A menu of Yes and No takes the yes words itself: another option cannot take them too.
      const auto has = [&](auto pred) {
        return std::any_of(n.options.begin(), n.options.end(), pred);
      };
      if (has([](const option& o) { return o.taken == option::takes::yes; }) &&
          has([](const option& o) { return o.label == "common.yes" || o.label == "common.no"; })) {
        r.problem(opts, "menu '" + id +
                            "' has a Yes or No option (common.yes, common.no), which yes words "
                            "choose: no other option may take them (takes: yes)");
      }
      // Options 1-9 keep answers one key long; 0, 00 and 98 are reserved (R-U8), and 11
      // and 12 are the opt-out and opt-in words over SMS (R-S6).
      if (n.options.size() > (data ? 8 : 9)) {
        r.problem(opts, "menu '" + id + "' has more than " + (data ? "8 fixed options (the action's come first)" : std::string("9 options")));
      }
      break;
    }
    case ask_kind::yes_no:
      need("yes", n.yes);
      need("no", n.no);
      break;
    case ask_kind::number: {
      const auto lo = r.integer(y, "min", path, -1'000'000'000, 1'000'000'000);
      const auto hi = r.integer(y, "max", path, -1'000'000'000, 1'000'000'000);
      if (!lo || !hi) {
        r.problem(y, "number question '" + id + "' needs 'min' and 'max'");
        return false;
      }
      n.min = static_cast<long>(*lo);
      n.max = static_cast<long>(*hi);
      if (n.min > n.max) r.problem(y["min"], "number question '" + id + "' has min above max");
      need("next", n.next);
      break;
    }
    case ask_kind::date: {
      // Days from the person's today: `today`, `+90d`, `-280d`.
      const auto day = [&](const char* key) -> std::optional<long> {
        const auto v = r.text(y, key, path);
        if (!v) return std::nullopt;
        if (auto d = day_offset(*v)) return d;
        r.problem(y[key], "'" + core::yaml::join(path, key) + "' is '" + *v +
                              "'; a date limit is today, or days from it: +90d, -280d");
        return std::nullopt;
      };
      n.earliest_day = day("min");
      n.latest_day = day("max");
      if (n.earliest_day && n.latest_day && *n.earliest_day > *n.latest_day) {
        r.problem(y["min"], "date question '" + id + "' has min after max");
      }
      need("next", n.next);
      break;
    }
    case ask_kind::text:
    case ask_kind::phone:
      need("next", n.next);
      break;
  }
  // R-L3: the month names a person reads are one of two sets: a menu whose every option names one.
  if (n.save == "contact.months" &&
      (n.ask != ask_kind::menu || !n.options_from.empty() ||
       !std::all_of(n.options.begin(), n.options.end(),
                    [](const option& o) { return !o.value.empty() && text::parse_month_names(o.value).has_value(); }))) {
    r.problem(y["save"], "question '" + id + "' saves contact.months, the month names the person reads: make it a menu "
                         "whose options each have the value iranian or afghan");
  }
  // R-L2: the languages a person reads after their own are checked where they are written (the
  // API, the console, the import), against the templates: not a flow's to set.
  if (n.save == "contact.languages") {
    r.problem(y["save"], "question '" + id + "' saves contact.languages: the languages a person reads after their "
                         "own are set by an operator (POST /api/v1/contacts, the console, paygham contacts import)");
  }
  n.on_timeout = r.text(y, "on_timeout", path).value_or("");
  n.on_too_many = r.text(y, "on_too_many", path).value_or("");
  n.on_unclear = r.text(y, "on_unclear", path).value_or("");
  if (n.on_unclear == id) {
    r.problem(y["on_unclear"],
              "question '" + id +
                  "' goes to itself after an unclear reply: leave 'on_unclear' out "
                  "to ask it again, or name where the run goes instead");
  }
  n.on_danger = r.text(y, "on_danger", path).value_or("");
  if (!n.on_danger.empty() && n.ask != ask_kind::text) {
    r.problem(y["on_danger"],
              "question '" + id +
                  "' has 'on_danger', which only a question of free words (ask: "
                  "text) takes: a menu's option takes words of danger with 'takes: danger'");
  }
  if (n.on_too_many == id) {
    r.problem(y["on_too_many"], "question '" + id + "' goes to itself after too many unclear replies: it would be "
                                "asked for ever; name where the run goes instead");
  }
  if (auto t = r.text(y, "timeout", path)) {
    auto d = core::parse_duration(*t);
    if (!d) {
      r.problem(y["timeout"], "'" + path + ".timeout': " + d.error());
    } else {
      n.timeout_ms = d.value().count();
    }
  }
  if ((n.timeout_ms > 0) != !n.on_timeout.empty()) {
    r.problem(y, "question '" + id + "' needs both 'timeout' and 'on_timeout', or neither");
  }
  return true;
}

bool parse_node(core::yaml::reader& r, const std::string& id, const YAML::Node& y, node& n) {
  const std::string path = "nodes." + id;
  n.id = id;
  n.where = core::yaml::where(r.file(), y);
  if (!y.IsMap()) {
    r.problem(y, "node '" + id + "' must be a mapping with one of: " + std::string(node_kinds));
    return false;
  }
  const auto place = [&](const YAML::Node& v) {
    if (v.IsDefined() && v.IsScalar()) n.text_where.emplace(v.Scalar(), core::yaml::where(r.file(), v));
  };
  for (const char* k : {"say", "send", "end", "text", "invalid"}) place(y[k]);
  if (y["options"].IsDefined() && y["options"].IsSequence()) {
    for (const auto& o : y["options"]) {
      if (o.IsMap()) place(o["label"]);
    }
  }
  int kinds = 0;
  for (const char* k : {"say", "send", "ask", "switch", "action", "end"}) kinds += y[k].IsDefined() ? 1 : 0;
  if (kinds != 1) {
    r.problem(y, "node '" + id + "' must have exactly one of: " + std::string(node_kinds));
    return false;
  }
  if (id.empty() || id[0] == '@') {
    r.problem(y, "node name '" + id + "' may not start with '@' (the gateway's own)");
    return false;
  }
  if (y["say"].IsDefined()) {
    n.kind = node_kind::say;
    r.expect_map(y, path, {"say", "next"});
    n.text = r.text(y, "say", path, true).value_or("");
    n.next = r.text(y, "next", path, true).value_or("");
    return true;
  }
  if (y["send"].IsDefined()) {
    // An SMS to the person whatever the medium: a USSD booking's confirmation is their record.
    n.kind = node_kind::send;
    r.expect_map(y, path, {"send", "next", "even_if_stopped"});
    n.text = r.text(y, "send", path, true).value_or("");
    n.even_if_stopped = r.boolean(y, "even_if_stopped", path).value_or(false);
    n.next = r.text(y, "next", path, true).value_or("");
    return true;
  }
  if (y["end"].IsDefined()) {
    n.kind = node_kind::end;
    r.expect_map(y, path, {"end"});
    n.text = r.text(y, "end", path).value_or("");
    return true;
  }
  if (y["switch"].IsDefined()) {
    n.kind = node_kind::switch_on;
    r.expect_map(y, path, {"switch", "cases", "default"});
    n.on = r.text(y, "switch", path, true).value_or("");
    n.cases = name_map(r, y, "cases", path);
    // Without a default a value nobody foresaw would strand the run.
    n.next = r.text(y, "default", path, true).value_or("");
    return true;
  }
  if (y["action"].IsDefined()) {
    n.kind = node_kind::action;
    r.expect_map(y, path, {"action", "args", "outcomes"});
    n.action = r.text(y, "action", path, true).value_or("");
    for (auto& [k, v] : name_map(r, y, "args", path)) n.args[k] = v;
    for (auto& [k, v] : name_map(r, y, "outcomes", path)) n.outcomes[k] = v;
    if (n.outcomes.empty()) {
      r.problem(y, "action '" + id + "' needs 'outcomes': where the flow goes after it (ok, error, …)");
    } else if (!n.outcomes.count("error")) {
      r.problem(y, "action '" + id + "' needs an 'error' outcome: an action can always fail");
    }
    return true;
  }
  return parse_ask(r, id, path, y, n);
}

// R-U6: the longest way from `start` to `target` over USSD, in questions (each a screen; a
// `say` shows with the next one), `target` included. A secret question (a PIN, R-S12) is not
// counted: only a person who chose one sees it, and types it from memory in seconds. Ways that
// go round in a circle (a taken slot back to the days) are the person's detours, not the flow's
// length: only simple paths count. A budget shared by the whole flow bounds a pathological file,
// and the walk keeps its own stack, never the thread's: a file never takes a running server down.
void check_screens(core::yaml::reader& r, const YAML::Node& root, const definition& d, const std::string& target,
                   int most, long& budget) {
  if (!d.nodes.count(target)) {
    r.problem(root["screens"], "'screens' names '" + target + "', which is not a node of this flow");
    return;
  }
  if (!d.nodes.count(d.start)) return;  // reported by check_links
  // Where a node leads over USSD, each once (its timeout is SMS-only, unless a reply leads there too).
  const auto leads = [&](const node& n) {
    std::vector<std::string> out;
    for (const auto& t : n.targets()) {
      const bool by_reply = t == n.next || t == n.yes || t == n.no ||
                            std::any_of(n.options.begin(), n.options.end(), [&](const option& o) { return o.next == t; }) ||
                            std::any_of(n.cases.begin(), n.cases.end(), [&](const auto& c) { return c.second == t; }) ||
                            std::any_of(n.outcomes.begin(), n.outcomes.end(), [&](const auto& o) { return o.second == t; });
      if ((t == n.on_timeout && !by_reply) || !d.nodes.count(t) || std::find(out.begin(), out.end(), t) != out.end()) {
        continue;
      }
      out.push_back(t);
    }
    return out;
  };
  struct frame {
    std::string id;
    std::vector<std::string> next;
    std::size_t at = 0;
    bool ask = false;
  };
  std::vector<frame> stack;
  std::set<std::string> on_path;
  std::vector<std::string> path, longest;  // the questions on the way, and on the longest way to target
  const auto enter = [&](const std::string& id) {
    const node& n = d.nodes.at(id);
    const bool ask = n.kind == node_kind::ask && !n.secret;
    if (ask) path.push_back(id);
    if (id == target && path.size() > longest.size()) longest = path;
    on_path.insert(id);
    stack.push_back(frame{id, id == target ? std::vector<std::string>{} : leads(n), 0, ask});
  };
  enter(d.start);
  while (!stack.empty() && budget > 0) {
    frame& top = stack.back();
    if (top.at == top.next.size()) {
      if (top.ask) path.pop_back();
      on_path.erase(top.id);
      stack.pop_back();
      continue;
    }
    const std::string next = top.next[top.at++];
    --budget;
    if (!on_path.count(next)) enter(next);
  }
  if (budget <= 0) {
    r.problem(root["screens"], "too many ways through the flow to count its screens to '" + target + "'");
  } else if (static_cast<int>(longest.size()) > most) {
    std::string shown;
    for (const auto& id : longest) shown += (shown.empty() ? "" : " → ") + id;
    r.problem(root["screens"], "'" + target + "' can take " + std::to_string(longest.size()) +
                                   " screens to reach, more than " + std::to_string(most) + " (R-U6: about 30 s each): " +
                                   shown + "; ask less, or fold two questions into one");
  }
}

// Where in `n` (a node as written) the value `text` is written, to point at the key that names a
// missing node (`next: finsh` inside an option), not at the node; `n` itself when it is not found.
std::optional<YAML::Node> written_at(const YAML::Node& n, const std::string& text) {
  if (n.IsScalar()) return n.Scalar() == text ? std::optional<YAML::Node>(n) : std::nullopt;
  if (n.IsSequence()) {
    for (const auto& item : n) {
      if (auto at = written_at(item, text)) return at;
    }
  } else if (n.IsMap()) {
    for (const auto& kv : n) {
      if (kv.first.Scalar() == "text" || kv.first.Scalar() == "label")
        continue;  // texts' keys, not nodes
      if (auto at = written_at(kv.second, text)) return at;
    }
  }
  return std::nullopt;
}

void check_links(core::yaml::reader& r, const YAML::Node& root, definition& d) {
  std::vector<std::string> names;
  for (const auto& [id, n] : d.nodes) names.push_back(id);
  for (const auto& [id, n] : d.nodes) {
    for (const auto& target : n.targets()) {
      if (!d.nodes.count(target)) {
        const YAML::Node written = root["nodes"][id];
        r.problem(written_at(written, target).value_or(written),
                  "node '" + id + "' leads to '" + target + "', which is not a node of this flow" +
                      core::did_you_mean(target, names));
      }
    }
  }
  if (!d.nodes.count(d.start)) {
    r.problem(root["start"], "start node '" + d.start + "' is not a node of this flow" +
                                 core::did_you_mean(d.start, names));
    return;
  }
  if (!d.home.empty() && !d.nodes.count(d.home)) {
    r.problem(root["home"], "home node '" + d.home + "' is not a node of this flow" +
                                core::did_you_mean(d.home, names));
  }
  for (const auto& e : d.entries) {
    if (!d.nodes.count(e)) {
      r.problem(root["entries"], "entry '" + e + "' is not a node of this flow" + core::did_you_mean(e, names));
    }
  }
  for (const auto& q : d.invite_left_at) {
    const node* n = d.find(q);
    if (!n || n->kind != node_kind::ask) {
      r.problem(root["invite"]["left_at"],
                "'invite.left_at' names '" + q + "', which is not a question of this flow" + core::did_you_mean(q, names));
    }
  }
  // Every node must be reachable from start (or an entry), or it is dead text nobody will see.
  std::vector<std::string> todo{d.start};
  todo.insert(todo.end(), d.entries.begin(), d.entries.end());
  const auto seen = reachable(d, std::move(todo));
  todo.clear();
  for (const auto& [id, n] : d.nodes) {
    if (!seen.count(id)) r.problem(root["nodes"][id], "node '" + id + "' cannot be reached from start (a node the scheduler starts the flow at goes under 'entries:')");
  }
  // From every node an end must be reachable; otherwise people are stuck in a loop of
  // questions with no way out but hanging up.
  std::map<std::string, std::vector<std::string>> into;
  for (const auto& [id, n] : d.nodes) {
    for (const auto& t : n.targets()) into[t].push_back(id);
  }
  std::set<std::string> ends;
  for (const auto& [id, n] : d.nodes) {
    if (n.kind == node_kind::end) todo.push_back(id);
  }
  while (!todo.empty()) {
    const std::string id = todo.back();
    todo.pop_back();
    if (!ends.insert(id).second) continue;
    for (const auto& from : into[id]) todo.push_back(from);
  }
  for (const auto& [id, n] : d.nodes) {
    if (seen.count(id) && !ends.count(id)) {
      r.problem(root["nodes"][id], "node '" + id + "' has no way out: no end can be reached from it");
    }
  }
  long budget = 200'000;  // steps, for every `screens` entry together
  for (const auto& [target, most] : d.most_screens) check_screens(r, root, d, target, most, budget);
  // A number question over SMS must not take 11 or 12: they opt out and back in (R-S6).
  if (d.reaches_sms()) {
    for (const auto& [id, n] : d.nodes) {
      if (n.kind == node_kind::ask && n.ask == ask_kind::number && n.min <= 12 && n.max >= 11) {
        r.problem(root["nodes"][id]["min"], "number question '" + id + "' accepts 11 or 12, which over SMS mean stop and start again (R-S6); narrow the range or keep the flow USSD-only");
      }
    }
  }
}

// The line (from 1) where a second YAML document begins, or 0 for one document. Markers stand at
// the start of a line: "---" begins a document (the first one may begin with it too) and "..."
// ends one. Read from the text, so the YAML is parsed once (yaml-cpp 0.7's LoadAll, which would
// count documents, never ends on some text: a lone ",", found by fuzzing).
int second_document_line(const std::string& text) {
  const auto marker = [](std::string_view line, std::string_view m) {
    return line.substr(0, 3) == m && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
  };
  bool content = false;  // a document has begun
  bool ended = false;    // "..." closed it
  int number = 0;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t nl = std::min(text.find('\n', at), text.size());
    const std::string_view line(text.data() + at, nl - at);
    at = nl + 1;
    ++number;
    const auto first = line.find_first_not_of(" \t\r");
    const bool blank = first == std::string_view::npos || line[first] == '#';
    if (marker(line, "---")) {
      if (content || ended) return number;
      content = true;
    } else if (marker(line, "...")) {
      ended = true;
    } else if (!blank && line[0] != '%') {
      if (ended) return number;
      content = true;
    }
  }
  return 0;
}

}  // namespace

// A flow file's size once its YAML aliases (*name) are read out: an alias of an anchored menu
// counts its values each time. One that would be over `most_values` (a few kilobytes that
// become millions of options, which would hold the checks for minutes), or an alias inside
// the node it names, is refused: the line where it is, else 0.
constexpr std::size_t most_values = 20'000;

class expanded_size : public YAML::EventHandler {
 public:
  int too_big_at = 0;

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override { value(m, a, 1); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t a) override {
    // An alias of a node it is inside (&a [*a]) would never end once read out.
    const bool inside = std::any_of(open_.begin(), open_.end(), [&](const auto& o) { return o.first == a; });
    if (inside && too_big_at == 0) too_big_at = m.line + 1;
    const auto it = sizes_.find(a);
    add(m, it == sizes_.end() ? 1 : it->second);
  }
  // A long text counts as several values (one for each 100 bytes begun), so aliases of one
  // cannot stand for megabytes either.
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t a, const std::string& text) override {
    value(m, a, 1 + text.size() / 100);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a);
  }
  void OnMapEnd() override { close(); }

 private:
  void add(const YAML::Mark& m, std::size_t n) {
    count_ += n;
    if (count_ > most_values && too_big_at == 0) too_big_at = m.line + 1;
  }
  void value(const YAML::Mark& m, YAML::anchor_t a, std::size_t n) {
    add(m, n);
    if (a != 0) sizes_[a] = n;
  }
  void open(const YAML::Mark& m, YAML::anchor_t a) {
    add(m, 1);
    open_.emplace_back(a, count_ - 1);
  }
  void close() {
    if (open_.empty()) return;
    const auto [a, from] = open_.back();
    open_.pop_back();
    if (a != 0) sizes_[a] = count_ - from;
  }

  std::size_t count_ = 0;
  std::vector<std::pair<YAML::anchor_t, std::size_t>> open_;
  std::map<YAML::anchor_t, std::size_t> sizes_;
};

std::shared_ptr<const definition> parse_flow(const std::string& id, const std::string& file,
                                             const std::string& yaml_text,
                                             std::vector<std::string>& problems) {
  const std::size_t before = problems.size();
  YAML::Node root;
  try {
    // One flow a file: a second document after '---' would be kept on disk but never run.
    if (const int line = second_document_line(yaml_text); line != 0) {
      problems.push_back(file + ":" + std::to_string(line) +
                         ":1: one flow a file: a second YAML document ('---') would never be read");
      return nullptr;
    }
    std::istringstream events(yaml_text);
    YAML::Parser parser(events);
    expanded_size size;
    parser.HandleNextDocument(size);
    if (size.too_big_at != 0) {
      problems.push_back(file + ":" + std::to_string(size.too_big_at) + ":1: the flow is too big: over " +
                         std::to_string(most_values) +
                         " values once its YAML aliases (*name) are read out; write a smaller flow, or split it");
      return nullptr;
    }
    root = YAML::Load(yaml_text);
    if (auto twice = core::yaml::duplicate_key(file, root)) {
      problems.push_back(*twice);
      return nullptr;
    }
  } catch (const YAML::Exception& e) {
    problems.push_back(file + ":" + std::to_string(e.mark.line + 1) + ":" +
                       std::to_string(e.mark.column + 1) + ": " + e.msg);
    return nullptr;
  }
  core::yaml::reader r(file, problems);
  if (!r.expect_map(root, "",
                    {"triggers", "start", "home", "entries", "nodes", "continue_by_sms", "resume",
                     "keep_sms", "samples", "programme", "screens", "invite"})) {
    return nullptr;
  }

  auto d = std::make_shared<definition>();
  d->id = id;
  d->file = file;
  d->hash = content_hash(yaml_text);
  const YAML::Node triggers = root["triggers"];
  if (triggers.IsDefined() && r.expect_map(triggers, "triggers", {"ussd", "sms", "api"})) {
    d->ussd_codes = r.text_list(triggers, "ussd", "triggers");
    static const std::regex dialled(R"(\*[0-9]+(\*[0-9]+)*#)");
    for (const auto& code : d->ussd_codes) {
      if (!std::regex_match(code, dialled)) {
        r.problem(triggers["ussd"], "USSD code '" + code + "' is not one a phone dials: *, ASCII digits, * between, # at the end (*384*12#)");
      }
    }
    d->sms_keywords = r.text_list(triggers, "sms", "triggers");
    for (const auto& k : d->sms_keywords) {
      const std::string word(text::strip_punctuation(text::normalize(k)));
      // A keyword is the first word of a message; digits answer questions (1, ۲) in every flow.
      if (word.find(' ') != std::string::npos) {
        r.problem(triggers["sms"], "SMS keyword '" + k + "' is more than one word: a flow starts on the first word of a " +
                                       "message, so write one word ('" + word.substr(0, word.find(' ')) + "')");
      } else if (!text::has_letters(word)) {
        r.problem(triggers["sms"], "SMS keyword '" + k + "' has no letters: numbers answer the questions of every flow "
                                       "(1, ۲); choose a word");
      } else if (!word.empty() && word.back() >= '0' && word.back() <= '9') {
        r.problem(triggers["sms"],
                  "SMS keyword '" + k +
                      "' ends in a digit: a keyword typed with a number after it "
                      "('MINE2') is read as the keyword and the number; end it with a letter");
      }
      d->sms_keywords_normalized.emplace_back(word);
    }
    d->api = r.boolean(triggers, "api", "triggers").value_or(false);
  }
  d->continue_by_sms = r.boolean(root, "continue_by_sms", "").value_or(false);
  d->resume = r.boolean(root, "resume", "").value_or(true);
  d->keep_sms = r.boolean(root, "keep_sms", "").value_or(true);
  if (const YAML::Node invite = root["invite"];
      invite.IsDefined() && r.expect_map(invite, "invite", {"text", "left_at"})) {
    d->invite = r.text(invite, "text", "invite", true).value_or("");
    d->invite_left_at = r.text_list(invite, "left_at", "invite");
    if (d->invite_left_at.empty()) r.problem(invite, "'invite.left_at' must list the questions a person who leaves there is invited back to");
  }
  if (!d->invite.empty() && (d->continue_by_sms || !d->resume || d->ussd_codes.empty())) {
    // Continued by SMS already, or behind a PIN (whoever holds the phone types it again), or
    // never dialled: nothing to invite to.
    r.problem(root["invite"], "'invite' needs a flow people dial (triggers.ussd) that resumes a dropped session: not "
                              "with continue_by_sms or resume: false");
  }
  d->programme = r.text(root, "programme", "").value_or("");
  if (!d->programme.empty() &&
      !std::all_of(d->programme.begin(), d->programme.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; })) {
    r.problem(root["programme"], "'programme' is '" + d->programme + "'; a programme is named in lower-case letters and '_' (mine_safety)");
  }
  for (auto& [k, v] : name_map(r, root, "samples", "")) d->samples[k] = v;
  d->start = r.text(root, "start", "", true).value_or("");
  d->home = r.text(root, "home", "").value_or("");
  d->entries = r.text_list(root, "entries", "");
  for (const auto& [target, most] : name_map(r, root, "screens", "")) {
    const auto n = text::read_integer(most, 1, 20);
    if (!n) {
      r.problem(root["screens"][target], "'screens." + target + "' is '" + most + "'; it must be a number of screens, 1 to 20");
    } else {
      d->most_screens[target] = static_cast<int>(*n);
    }
  }
  const YAML::Node nodes = root["nodes"];
  if (!nodes.IsDefined() || !nodes.IsMap() || nodes.size() == 0) {
    r.problem(nodes.IsDefined() ? nodes : root, "'nodes' must map node names to nodes");
    return nullptr;
  }
  for (const auto& kv : nodes) {
    node n;
    const std::string nid = kv.first.Scalar();
    if (!parse_node(r, nid, kv.second, n)) continue;
    // A dropped session of such a flow goes on by SMS, where a PIN's answer and what it guards
    // would stay in the phone's messages.
    if (n.secret && d->continue_by_sms) {
      r.problem(kv.second["secret"], "question '" + nid + "' is secret (a PIN), in a flow with continue_by_sms: a "
                                     "dropped session would go on by SMS; take one out");
    }
    d->asks_secret = d->asks_secret || n.secret;
    d->watches_for_hurt = d->watches_for_hurt || !n.on_danger.empty() ||
                          std::any_of(n.options.begin(), n.options.end(), [](const option& o) {
                            return o.taken == option::takes::danger;
                          });
    d->nodes.emplace(nid, std::move(n));
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
      // *384*12*1# extends *384*12#: a network may pass digits dialled after the code in it.
      const auto extends = [](const std::string& longer, const std::string& code) {
        const std::string stem = code.substr(0, code.size() - 1) + "*";
        return !code.empty() && code.back() == '#' && longer.rfind(stem, 0) == 0;
      };
      for (const auto& code : a.ussd_codes) {
        for (const auto& other : b.ussd_codes) {
          if (code == other) problems.push_back(a.file + ": USSD code '" + code + "' is also claimed by " + b.file);
          if (extends(code, other) || extends(other, code)) {
            problems.push_back(a.file + ": USSD code '" + code + "' and " + b.file + "'s '" + other +
                               "' start alike: a phone dialling the longer could reach either");
          }
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
