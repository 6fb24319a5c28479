#include "gateway/flow/flow.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>

#include "gateway/core/suggest.hpp"
#include "gateway/core/utf8.hpp"
#include "gateway/flow/engine.hpp"
#include "gateway/text/catalog.hpp"
#include "gateway/text/lint.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"
#include "gateway/text/screen.hpp"
#include "gateway/text/segments.hpp"

namespace paygham::flow {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The bytes of the digits `word` ends with, in any script phones type (core::digit_value).
std::size_t trailing_digits(std::string_view word) {
  const std::u32string cps = core::decode_utf8(word);
  std::size_t bytes = 0;
  for (auto it = cps.rbegin(); it != cps.rend() && core::digit_value(*it) >= 0; ++it)
    bytes += *it < 0x80 ? 1 : 2;
  return bytes;
}

// The keyword's word: the first word, without the digits it ends with ("MINE2", «ماین۲»: the
// keyword and 2, typed without a space; a keyword never ends in a digit, lint sees to it).
std::string_view first_word(std::string_view s) {
  std::size_t b = 0;
  while (b < s.size() && is_space(s[b])) ++b;
  std::size_t e = b;
  while (e < s.size() && !is_space(s[e])) ++e;
  const std::string_view word = s.substr(b, e - b);
  const std::size_t digits = trailing_digits(word);
  return digits < word.size() ? word.substr(0, word.size() - digits) : word;
}

}  // namespace

std::string_view after_keyword(std::string_view text) {
  const std::string_view word = first_word(text);
  std::size_t b = static_cast<std::size_t>(word.data() + word.size() - text.data());
  std::size_t e = text.size();
  while (b < e && is_space(text[b])) ++b;
  while (e > b && is_space(text[e - 1])) --e;
  return text.substr(b, e - b);
}

std::string_view to_string(ask_kind k) {
  switch (k) {
    case ask_kind::menu: return "menu";
    case ask_kind::yes_no: return "yes_no";
    case ask_kind::number: return "number";
    case ask_kind::date: return "date";
    case ask_kind::text: return "text";
    case ask_kind::phone: return "phone";
  }
  return "?";
}

const node* definition::find(std::string_view node_id) const {
  auto it = nodes.find(node_id);
  return it == nodes.end() ? nullptr : &it->second;
}

bool definition::has_keyword(std::string_view word) const {
  // "INFO?", «معلومات؟»: the punctuation people add is no part of the keyword.
  const std::string normalized = text::normalize(word);
  const std::string_view w = text::strip_punctuation(normalized);
  return std::find(sms_keywords_normalized.begin(), sms_keywords_normalized.end(), w) !=
         sms_keywords_normalized.end();
}

bool definition::reaches_sms() const {
  return !sms_keywords.empty() || api || continue_by_sms;
}

std::vector<std::string> node::targets() const {
  std::vector<std::string> out;
  const auto add = [&](const std::string& t) {
    if (!t.empty()) out.push_back(t);
  };
  add(next);
  add(yes);
  add(no);
  add(on_timeout);
  add(on_too_many);
  add(on_unclear);
  add(on_danger);
  for (const auto& o : options) add(o.next);
  for (const auto& c : cases) add(c.second);
  for (const auto& o : outcomes) add(o.second);
  return out;
}

void flow_set::add(std::shared_ptr<const definition> d) { flows_.push_back(std::move(d)); }

const definition* flow_set::by_id(std::string_view id) const {
  for (const auto& f : flows_) {
    if (f->id == id) return f.get();
  }
  return nullptr;
}

const definition* flow_set::by_ussd_code(std::string_view code) const {
  for (const auto& f : flows_) {
    if (std::find(f->ussd_codes.begin(), f->ussd_codes.end(), code) != f->ussd_codes.end()) {
      return f.get();
    }
  }
  return nullptr;
}

const definition* flow_set::by_keyword(std::string_view text) const {
  const std::string_view word = first_word(text);
  if (word.empty()) return nullptr;
  for (const auto& f : flows_) {
    if (f->has_keyword(word)) return f.get();
  }
  return nullptr;
}

void flow_set::check_texts(const text::catalog& texts, const std::vector<std::string>& langs,
                           const std::vector<std::string>& globals, std::vector<std::string>& problems) const {
  for (const auto& f : flows_) {
    // What a placeholder of this flow can name.
    std::vector<std::string> known = globals;
    known.emplace_back(medium_var);
    // A flow started by a keyword sees the words after it.
    if (!f->sms_keywords.empty()) known.emplace_back(keyword_rest);
    for (const auto& [id, n] : f->nodes) {
      if (!n.save.empty()) known.push_back(n.save);
    }
    for (const auto& [name, value] : f->samples) known.push_back(name);
    const auto check_names = [&](const node& n, const std::string& where_used, std::string_view text) {
      for (const auto& name : text::placeholders(text)) {
        if (is_contact_field(name) || std::find(known.begin(), known.end(), name) != known.end()) continue;
        problems.push_back(n.where + ": node '" + n.id + "' uses {" + name + "} in " + where_used +
                           ", but nothing in flow '" + f->id + "' sets it" + core::did_you_mean(name, known) +
                           "; a placeholder names an answer a question saves, contact.<field>, a value in "
                           "the flow's samples (what an action sets), or {emergency}");
      }
    };
    for (const auto& [id, n] : f->nodes) {
      for (const auto& [arg, value] : n.args) check_names(n, "argument '" + arg + "'", value);
    }
    for (const auto& [id, n] : f->nodes) {
      std::vector<std::string> keys;
      if (!n.text.empty()) keys.push_back(n.text);
      if (!n.invalid.empty()) keys.push_back(n.invalid);
      if (n.kind == node_kind::ask && n.ask == ask_kind::yes_no) {
        keys.insert(keys.end(), {"common.yes", "common.no"});
      }
      for (const auto& o : n.options) keys.push_back(o.label);
      for (const auto& key : keys) {
        for (const auto& lang : langs) {
          const text::entry* e = texts.find(lang, key);
          if (e) {
            check_names(n, "text '" + key + "' (" + e->where + ")", e->text);
            continue;
          }
          std::vector<std::string> names;
          if (const auto* all = texts.keys_of(lang)) {
            for (const auto& [k, v] : *all) names.push_back(k);
          }
          const auto at = n.text_where.find(key);
          problems.push_back((at == n.text_where.end() ? n.where : at->second) + ": node '" + id + "' uses text '" +
                             key + "', which templates/" + lang +
                             ".yaml does not have" + core::did_you_mean(key, names));
        }
      }
    }
  }
}

namespace {

// The longest run of say texts that can come right before `target` on one screen.
std::vector<const node*> longest_lead(const definition& f, const std::string& target,
                                      const std::function<std::size_t(const node&)>& size,
                                      std::set<std::string>& seen) {
  std::vector<const node*> best;
  std::size_t best_size = 0;
  for (const auto& [id, n] : f.nodes) {
    if (n.kind != node_kind::say || n.next != target || !seen.insert(id).second) continue;
    auto lead = longest_lead(f, id, size, seen);
    lead.push_back(&n);
    std::size_t total = 0;
    for (const node* x : lead) total += size(*x);
    if (total > best_size) {
      best_size = total;
      best = std::move(lead);
    }
    seen.erase(id);
  }
  return best;
}

}  // namespace

namespace {

// The text `key` in `lang` (its explicit variant when asked and it has one) as long as it can
// get: the flow's samples first, then long defaults.
std::string longest_text(const text::catalog& texts, const definition& f, const std::string& lang,
                         std::string_view key, bool explicit_texts = false) {
  const text::entry* e = texts.resolve(key, {lang}, explicit_texts);
  if (!e) return {};
  // A sample stands for a value and for its label alike ({when_whose|label}: what an action wrote).
  const text::lookup_fn sample = [&](std::string_view name) -> std::optional<std::string> {
    auto it = f.samples.find(std::string(name));
    if (it == f.samples.end()) return std::nullopt;
    return it->second;
  };
  const std::string filled = text::render(e->text, sample, nullptr, sample);
  return text::expand_with_samples(filled, lang);
}

// The labels of a question's options, each as long as it can get (none for a menu an action
// fills: unknown until it runs).
std::vector<std::string> longest_labels(const text::catalog& texts, const definition& f, const std::string& lang,
                                        const node& n, const std::map<std::string, std::vector<std::string>>& menu_texts) {
  if (n.ask == ask_kind::yes_no) return {longest_text(texts, f, lang, "common.yes"), longest_text(texts, f, lang, "common.no")};
  std::vector<std::string> labels;
  if (const auto data = menu_texts.find(n.options_from); !n.options_from.empty() && data != menu_texts.end()) {
    // Each with the number ("My child 2") an item may have after it.
    for (const auto& key : data->second) labels.push_back(longest_text(texts, f, lang, key) + " 8");
  }
  for (const auto& o : n.options) labels.push_back(longest_text(texts, f, lang, o.label));
  return labels;
}

// The reason a question is asked again with after a bad reply (R-U10).
std::string reason_key(const node& n) {
  if (!n.invalid.empty()) return n.invalid;
  return n.ask == ask_kind::menu || n.ask == ask_kind::yes_no ? std::string(keys::invalid) : std::string(keys::invalid_answer);
}

// Where a run on `medium` may go from `n` ("": on any).
std::vector<std::string> targets_over(const node& n, std::string_view medium) {
  if (medium.empty() || n.kind != node_kind::switch_on || n.on != medium_var) return n.targets();
  for (const auto& [value, next] : n.cases) {
    if (value == medium) return {next};
  }
  return {n.next};
}

}  // namespace

std::set<std::string> reachable(const definition& f, std::vector<std::string> from, std::string_view medium) {
  std::set<std::string> seen;
  while (!from.empty()) {
    const std::string id = std::move(from.back());
    from.pop_back();
    if (!seen.insert(id).second) continue;
    if (const node* n = f.find(id)) {
      for (const auto& t : targets_over(*n, medium)) from.push_back(t);
    }
  }
  return seen;
}

bool may_ask_by_sms(const definition& f, const std::string& node) {
  const auto on_way = reachable(f, {node}, "sms");
  return std::any_of(on_way.begin(), on_way.end(), [&](const std::string& id) {
    const flow::node* n = f.find(id);
    return n && n->kind == node_kind::ask;
  });
}

std::set<std::string> flow_set::screen_keys(const std::map<std::string, std::vector<std::string>>& menu_texts) const {
  std::set<std::string> keys;
  for (const auto& f : flows_) {
    if (f->ussd_codes.empty()) continue;
    for (const auto& id : reachable(*f, {f->start}, "ussd")) {
      const node* n = f->find(id);
      if (!n || (n->kind != node_kind::ask && n->kind != node_kind::say && n->kind != node_kind::end)) continue;
      for (const std::string* key : {&n->text, &n->invalid}) {
        if (!key->empty()) keys.insert(*key);
      }
      for (const auto& o : n->options) keys.insert(o.label);
      if (n->kind == node_kind::ask && n->ask == ask_kind::yes_no) keys.insert({"common.yes", "common.no"});
      if (const auto data = menu_texts.find(n->options_from); !n->options_from.empty() && data != menu_texts.end()) {
        keys.insert(data->second.begin(), data->second.end());
      }
    }
  }
  return keys;
}

void flow_set::check_screens(const text::catalog& texts, const std::vector<std::string>& langs,
                             const text::screen_limits& limits, std::size_t page_size,
                             const std::map<std::string, std::vector<std::string>>& menu_texts,
                             std::vector<std::string>& problems) const {
  for (const auto& f : flows_) {
    if (f->ussd_codes.empty()) continue;
    // Nodes only an entry leads to are sent by SMS (the scheduler starts them), never shown
    // on a USSD screen.
    const auto over_ussd = reachable(*f, {f->start}, "ussd");
    // The questions a session can open with (start, or past switches, says and actions): no
    // Back line is shown on them.
    std::set<std::string> first_asks;
    {
      std::vector<std::string> todo{f->start};
      std::set<std::string> seen;
      while (!todo.empty()) {
        const std::string id = todo.back();
        todo.pop_back();
        const node* n = f->find(id);
        if (!n || !seen.insert(id).second) continue;
        if (n->kind == node_kind::ask) {
          first_asks.insert(id);
        } else {
          for (const auto& t : targets_over(*n, "ussd")) todo.push_back(t);
        }
      }
    }
    for (const auto& lang : langs) {
      const auto longest = [&](std::string_view key) { return longest_text(texts, *f, lang, key); };
      const auto say_size = [&](const node& n) { return longest(n.text).size(); };
      for (const auto& [id, n] : f->nodes) {
        if ((n.kind != node_kind::ask && n.kind != node_kind::end) || !over_ussd.count(id)) continue;
        std::set<std::string> seen{id};
        std::string lead;
        for (const node* say : longest_lead(*f, id, say_size, seen)) lead += longest(say->text) + "\n";
        std::string screen = longest(n.text);
        std::vector<std::string> labels = n.kind == node_kind::ask ? longest_labels(texts, *f, lang, n, menu_texts)
                                                                   : std::vector<std::string>{};
        // The page with the longest labels, and both navigation lines. A data menu's pages hold
        // as many as fit (engine.cpp), so each of its known labels (menu_texts, fixed options)
        // must fit alone; what an action writes itself is known only when it runs (a screen
        // still too long is logged then: ussd.screen_too_long).
        std::sort(labels.begin(), labels.end(),
                  [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
        const bool data = !n.options_from.empty();
        const bool paged = data || labels.size() > page_size;
        if (paged) labels.resize(std::min(labels.size(), data ? std::size_t{1} : page_size));
        for (std::size_t i = 0; i < labels.size(); ++i) {
          screen += "\n" + option_number(i + 1, lang) + " " + labels[i];
        }
        if (paged) screen += "\n" + option_number(98, lang) + " " + longest("common.more");
        if (n.kind == node_kind::ask && n.back && !first_asks.count(id)) screen += "\n" + option_number(0, lang) + " " + longest("common.back");
        const auto c = text::check_screen(lead + screen, limits);
        if (c.result == text::screen_check::too_long || c.result == text::screen_check::needs_ucs2) {
          problems.push_back(n.where + ": " + (n.kind == node_kind::end ? "end '" : "question '") + id + "' in " +
                             lang + " can make a USSD screen of " + text::over_the_limit(c) +
                             " (with the longest sample values); " +
                             (c.result == text::screen_check::needs_ucs2
                                  ? "write its texts in GSM 7-bit letters (no curly quotes, no other scripts)"
                                  : "shorten its texts or split the question"));
          continue;
        }
        if (n.kind != node_kind::ask) continue;
        // Asked again after a bad reply: the reason, then the question (R-U10). A reason that
        // does not fit is dropped at run time, so the person would not learn what went wrong.
        const std::string reason = reason_key(n);
        const auto again = text::check_screen(longest(reason) + "\n" + screen, limits);
        if (again.result == text::screen_check::too_long) {
          problems.push_back(n.where + ": question '" + id + "' in " + lang + ", asked again after a bad reply with '" +
                             reason + "' above it, makes a USSD screen of " + text::over_the_limit(again) +
                             "; shorten '" + reason + "' (templates/" + lang + ".yaml) or the question");
        }
      }
    }
  }
}

void flow_set::check_sms(const text::catalog& texts, const std::vector<std::string>& langs,
                         std::vector<std::string>& problems) const {
  for (const auto& f : flows_) {
    // What goes by SMS: a run started by a keyword or the API, and every entry
    // the scheduler starts.
    std::vector<std::string> from = f->entries;
    if (f->reaches_sms()) from.push_back(f->start);
    const auto over_sms = reachable(*f, from, "sms");
    for (const auto& lang : langs) {
      for (const auto& [id, n] : f->nodes) {
        if (n.kind != node_kind::ask || !over_sms.count(id)) continue;
        const text::entry* neutral = texts.resolve(n.text, {lang});
        if (!neutral) continue;  // check_texts names it
        const auto labels = longest_labels(texts, *f, lang, n, {});
        const std::string reason = reason_key(n);
        // Its neutral text, and its explicit variant (often the longer) when it has one.
        for (const bool named : {false, true}) {
          const text::entry* e = texts.resolve(n.text, {lang}, named);
          if (named && e == neutral) continue;
          // One SMS: the question and every option (no pages by SMS); after a bad reply, the
          // same with the reason above it.
          std::string sms = longest_text(texts, *f, lang, n.text, named);
          for (std::size_t i = 0; i < labels.size(); ++i) sms += "\n" + option_number(i + 1, lang) + " " + labels[i];
          const std::size_t budget = text::sms_budget(*e, n.text);
          const std::string key = named ? n.text + std::string(text::explicit_suffix) : n.text;
          const std::pair<std::string, std::string> bodies[] = {
              {"", sms}, {", asked again with '" + reason + "' above it,", longest_text(texts, *f, lang, reason) + "\n" + sms}};
          for (const auto& [what, body] : bodies) {
            const auto m = text::measure_sms(body);
            if (m.parts <= budget) continue;
            problems.push_back(n.where + ": question '" + id + "' in " + lang + what + " takes " +
                               std::to_string(m.parts) + " SMS parts by SMS with its options (" + text::to_string(m.enc) +
                               ", " + std::to_string(m.units) + " units with the longest sample values); the budget of '" +
                               key + "' is " + std::to_string(budget) +
                               ": shorten the question or its options, or give it parts: " + std::to_string(m.parts) +
                               " in templates/" + lang + ".yaml");
            break;
          }
        }
      }
    }
  }
}

}  // namespace paygham::flow
