#include "gateway/flow/engine.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

#include "gateway/core/utf8.hpp"
#include "gateway/phone/phone.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/text/catalog.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/lexicon.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"
#include "gateway/text/segments.hpp"

namespace paygham::flow {
namespace {

// Used only when even common.error is missing from every language.
constexpr std::string_view last_resort = "Sorry, this service is not available now. Please try again later.";

// Guards against a flow whose say, switch and action nodes loop without ever asking.
constexpr int max_steps = 64;

// The yes/no ask is shown as a two-option menu: 1 yes, 2 no (never 11 or 12, R-S6).
constexpr std::string_view yes_key = "common.yes";
constexpr std::string_view no_key = "common.no";

class renderer {
 public:
  // `f`: the flow, whose menus give {name|label} its words (none when failing).
  renderer(const context& ctx, const outcome& out, const definition* f = nullptr) : ctx_(ctx), out_(out), f_(f) {}

  // A variable's value: "contact.x" from the contact (changes of this step first), else
  // the run's.
  std::optional<std::string> value(std::string_view name) const {
    if (is_contact_field(name)) {
      const std::string field(name.substr(contact_prefix.size()));
      if (auto it = out_.contact.find(field); it != out_.contact.end()) return it->second;
      if (auto it = ctx_.contact.find(field); it != ctx_.contact.end()) return it->second;
      return std::nullopt;
    }
    if (name == medium_var) return std::string(ctx_.via == medium::ussd ? "ussd" : "sms");
    if (auto it = out_.next.vars.find(std::string(name)); it != out_.next.vars.end()) return it->second;
    if (ctx_.gateway) {
      if (auto it = ctx_.gateway->find(name); it != ctx_.gateway->end()) return it->second;
    }
    return std::nullopt;
  }

  // The language the text of `key` will be shown in, or "" when no language has it.
  std::string lang_of(std::string_view key) const {
    const text::entry* e = ctx_.texts->resolve(key, ctx_.langs, ctx_.explicit_texts);
    return e ? e->lang : std::string();
  }

  std::optional<std::string> text(std::string_view key) const {
    const text::entry* e = ctx_.texts->resolve(key, ctx_.langs, ctx_.explicit_texts);
    if (!e) return std::nullopt;
    // Dates and numbers follow the language the text is written in.
    const text::formatter fmt(e->lang, ctx_.timezone, ctx_.months);
    std::string out = text::render(
        e->text, [&](std::string_view name) { return value(name); }, &fmt,
        [&](std::string_view name) { return label(name, e->lang); });
    return e->smart ? text::smart_gsm(out) : out;
  }

  // The words the option chosen for `name` is shown with, in the person's language: a menu
  // (or yes/no question) of the flow that saves into `name` and has that value. A list of
  // such values, comma-separated (what an action set: every area a transfer code moved), shows
  // each, joined as the text's language `lang` lists them ("Kabul, Herat"; «کابل، هرات»).
  std::optional<std::string> label(std::string_view name, std::string_view lang) const {
    const auto v = value(name);
    if (!v || !f_) return std::nullopt;
    if (auto one = label_of(name, *v)) return one;
    // A data item an action wrote ({"label", "text", "n"}: a visit's time with whose visit it
    // is), shown as a data menu shows it; never what a person typed (what a question saves, the
    // words after a keyword, a contact's field).
    const auto typed = [&] {
      return name == keyword_rest || is_contact_field(name) ||
             std::any_of(f_->nodes.begin(), f_->nodes.end(),
                         [&](const auto& n) { return n.second.save == name; });
    };
    if (!v->empty() && v->front() == '{' && !typed()) {
      if (const auto item = nlohmann::json::parse(*v, nullptr, false); item.is_object()) {
        return item_label(item);
      }
    }
    if (v->find(',') == std::string::npos) return std::nullopt;
    std::string out;
    std::size_t from = 0;
    while (from <= v->size()) {
      const std::size_t comma = std::min(v->find(',', from), v->size());
      const std::string_view part = std::string_view(*v).substr(from, comma - from);
      from = comma + 1;
      if (part.empty()) continue;
      // A value no question offers (an area taken out of the menu since): as it is stored.
      const std::string shown = label_of(name, part).value_or(std::string(part));
      if (!out.empty()) out += text::persian_script(lang) ? "، " : ", ";
      out += shown;
    }
    return out;
  }

  // The words of the option with the value `v` of a question that saves into `name`.
  std::optional<std::string> label_of(std::string_view name, std::string_view v) const {
    const auto shown = [&](std::string_view key) -> std::optional<std::string> {
      const text::entry* e = ctx_.texts->resolve(key, ctx_.langs, ctx_.explicit_texts);
      if (!e) return std::nullopt;
      const text::formatter fmt(e->lang, ctx_.timezone, ctx_.months);
      return fill(e->text, &fmt);
    };
    for (const auto& [id, n] : f_->nodes) {
      if (n.kind != node_kind::ask || n.save != name) continue;
      if (n.ask == ask_kind::yes_no && (v == "yes" || v == "no")) return shown(v == "yes" ? yes_key : no_key);
      if (!n.options_from.empty()) {
        // A data menu: the chosen item's label, as the action wrote it.
        auto list = nlohmann::json::parse(value(n.options_from).value_or(""), nullptr, false);
        if (!list.is_array()) list = nlohmann::json::array();  // its fixed options are still read
        for (std::size_t i = 0; i < list.size(); ++i) {
          const auto& item = list[i];
          if (item.is_string() && std::to_string(i + 1) == v) return item.get<std::string>();
          if (!item.is_object()) continue;
          const auto& given = item.contains("value") ? item["value"] : nlohmann::json();
          const std::string value_of = given.is_null() ? std::to_string(i + 1)
                                       : given.is_string() ? given.get<std::string>() : given.dump();
          if (value_of == v) return item_label(item);
        }
      }
      for (std::size_t i = 0; i < n.options.size(); ++i) {
        const option& o = n.options[i];
        if ((o.value.empty() ? std::to_string(i + 1) : o.value) == v) return shown(o.label);
      }
    }
    return std::nullopt;
  }

  // How a data menu's item is shown: {"label": …}, the action's words; {"text": key, "n": 2}, a
  // text of the person's language with a number after it ("My child 2": the second of the
  // phone's children); both, the words with the text after them in brackets ("Sun 6 December,
  // 10:00-12:00 (My child 2)"). nullopt: neither, or a text no language has.
  std::optional<std::string> item_label(const nlohmann::json& item) const {
    const bool has_label = item.contains("label") && item["label"].is_string();
    if (!item.contains("text")) {
      return has_label ? std::optional<std::string>(item["label"].get<std::string>()) : std::nullopt;
    }
    if (!item["text"].is_string()) return std::nullopt;
    const std::string key = item["text"].get<std::string>();
    auto shown = text(key);
    if (!shown) return std::nullopt;
    if (item.contains("n") && item["n"].is_number_integer()) {
      const std::string n = std::to_string(item["n"].get<long long>());
      *shown += " " + text::formatter(lang_of(key), ctx_.timezone, ctx_.months).apply(n, "number").value_or(n);
    }
    if (has_label) return item["label"].get<std::string>() + " (" + *shown + ")";
    return shown;
  }

  // `pattern` with its {variables} filled in (an unknown one left as written, to show).
  std::string fill(std::string_view pattern, const text::formatter* fmt) const {
    return text::render(
        pattern, [&](std::string_view name) { return value(name); }, fmt);
  }

  // An action's argument: one not set on the way here is empty (lint has checked each name
  // is the flow's): a province never answered is no province, never the words "{report_area}".
  std::string argument(std::string_view pattern) const {
    return text::render(pattern, [&](std::string_view name) { return value(name).value_or(""); });
  }

 private:
  const context& ctx_;
  const outcome& out_;
  const definition* f_;
};

// Collects what the steps produce and shapes it for the medium.
struct output {
  std::vector<std::string> parts;

  void add(std::string t) {
    if (!t.empty()) parts.push_back(std::move(t));
  }
};

void fail(outcome& out, const context& ctx, std::string why) {
  renderer r(ctx, out);
  out.error = std::move(why);
  out.finished = true;
  out.action.reset();
  out.timeout_at = 0;
  const std::string text = r.text(keys::error).value_or(std::string(last_resort));
  out.screen = text;
  out.messages = {text};
  out.sends.clear();  // nothing half-done goes out
}

// An option as shown: a template key (static menus) or a literal label (data).
struct choice {
  std::string label;
  bool literal = false;
  std::string value;
  std::string next;
  bool exact = false;  // named by its whole label only (option::exact)
  // Takes words of danger (option::takes::danger): the yes of "is anyone hurt?".
  bool danger = false;
  bool takes_yes = false;  // a yes of any language chooses it (option::takes::yes)
};

// The options of a menu or yes/no ask. A data menu reads them from a run variable holding a
// JSON list of strings or of {"label" (or "text" and "n"), "value"} objects (an action puts it
// there).
std::optional<std::vector<choice>> choices(const node& n, const renderer& r, std::string& why) {
  std::vector<choice> out;
  if (n.ask == ask_kind::yes_no) {
    out.push_back({std::string(yes_key), false, "yes", n.yes});
    out.push_back({std::string(no_key), false, "no", n.no});
    return out;
  }
  if (n.ask != ask_kind::menu) return out;
  if (n.options_from.empty()) {
    for (const auto& o : n.options) {
      out.push_back({o.label, false, o.value, o.next, o.exact, o.taken == option::takes::danger,
                     o.taken == option::takes::yes});
    }
    return out;
  }
  const auto data = r.value(n.options_from);
  const auto list = nlohmann::json::parse(data.value_or(""), nullptr, false);
  // The fixed options ("Call me") follow the action's, numbered after them.
  const std::size_t room = 9 - n.options.size();
  if (!list.is_array() || list.empty() || list.size() > room) {
    why = "menu '" + n.id + "' takes its options from '" + n.options_from +
          "', which does not hold a list of 1 to " + std::to_string(room) + " options";
    return std::nullopt;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& item = list[i];
    choice c{"", true, std::to_string(i + 1), n.next};
    if (item.is_string()) {
      c.label = item.get<std::string>();
    } else if (auto label = item.is_object() ? r.item_label(item) : std::nullopt) {
      c.label = std::move(*label);
      if (item.contains("value")) {
        c.value = item["value"].is_string() ? item["value"].get<std::string>() : item["value"].dump();
      }
    } else {
      why = "option " + std::to_string(i + 1) + " in '" + n.options_from + "' has no label" +
            (item.is_object() && item.contains("text") ? " (no language has its text " + item["text"].dump() + ")" : "");
      return std::nullopt;
    }
    out.push_back(std::move(c));
  }
  for (const auto& o : n.options) out.push_back({o.label, false, o.value, o.next, o.exact});
  return out;
}

// An ask as shown: its question, a line per option ("\n1. Me"), and over USSD the pages those
// lines fall into, with the More and Back lines.
struct layout {
  std::string question;
  std::vector<std::string> lines;
  std::vector<std::size_t> starts{0};  // where each page's options start
  std::string more, back;              // "\n98. More", "\n0. Back"

  std::size_t pages() const { return starts.size(); }
};

// Whether more options would still fit: a route without UCS-2 is another matter (R-U4: its
// screens are drawn in Latin script), which paging does not mend.
bool fits_screen(const std::string& screen, const context& ctx) {
  return text::check_screen(screen, ctx.screen).result != text::screen_check::too_long;
}

// Over USSD a menu is shown a page at a time: at most page_size options, and no more than fit
// the route's screen with the question, More and Back (R-U8; a data menu's labels, Persian
// dates or a relative after a visit, are known only when it runs). Option numbers stay the same
// on every page, so a memorised path keeps working. A page holds one option at least. `opts`:
// the ask's options as choices() gave them.
std::optional<layout> lay_out(const node& n, const std::optional<std::vector<choice>>& opts, const renderer& r,
                              std::string& why, const state& st, const context& ctx) {
  layout out;
  auto question = r.text(n.text);
  if (!question) {
    why = "missing text '" + n.text + "'";
    return std::nullopt;
  }
  out.question = std::move(*question);
  if (!opts) return std::nullopt;
  const std::string lang = r.lang_of(n.text);
  const auto line = [&](std::size_t number, std::string_view label, bool literal) -> std::optional<std::string> {
    auto shown = literal ? std::optional<std::string>(label) : r.text(label);
    if (!shown) {
      why = "missing text '" + std::string(label) + "'";
      return std::nullopt;
    }
    return "\n" + option_number(number, lang) + " " + *shown;
  };
  for (std::size_t i = 0; i < opts->size(); ++i) {
    auto l = line(i + 1, (*opts)[i].label, (*opts)[i].literal);
    if (!l) return std::nullopt;
    out.lines.push_back(std::move(*l));
  }
  if (ctx.via != medium::ussd) return out;
  // The navigation lines, which a flow's texts must have only where a screen shows them.
  const auto navigation = [&](std::size_t number, std::string_view key) {
    const std::string before = why;
    auto l = line(number, key, false);
    why = before;
    return l;
  };
  const auto more = navigation(98, keys::more);
  const auto back = navigation(0, keys::back);
  out.more = more.value_or("");
  out.back = back.value_or("");
  const bool back_first = !st.trail.empty() && n.back;
  // Most menus fit one screen whole: measured once, not once an option.
  bool one_page = false;
  if (out.lines.size() <= ctx.page_size) {
    std::string whole = out.question;
    for (const auto& l : out.lines) whole += l;
    one_page = fits_screen(back_first ? whole + out.back : whole, ctx);
  }
  for (std::size_t first = 0; !one_page && ctx.page_size > 0 && first < out.lines.size();) {
    const bool with_back = out.starts.size() > 1 || back_first;
    std::string screen = out.question;
    std::size_t end = first;
    while (end < out.lines.size() && end - first < ctx.page_size) {
      const bool more_after = end + 1 < out.lines.size();
      const std::string tried = screen + out.lines[end] + (more_after ? out.more : "") + (with_back ? out.back : "");
      if (end > first && !fits_screen(tried, ctx)) break;
      screen += out.lines[end++];
    }
    if (end < out.lines.size()) out.starts.push_back(end);
    first = end;
  }
  const bool needs_more = out.pages() > 1, needs_back = out.pages() > 1 || back_first;
  if ((needs_more && !more) || (needs_back && !back)) {
    why = "missing text '" + std::string(needs_more && !more ? keys::more : keys::back) + "'";
    return std::nullopt;
  }
  return out;
}

// The ask's text as shown; `numbers` gets the numbers it offers (options, 98 More, 0 Back).
std::optional<std::string> render_ask(const node& n, const renderer& r, std::string& why,
                                      const state& st, const context& ctx, std::vector<int>& numbers) {
  const auto l = lay_out(n, choices(n, r, why), r, why, st, ctx);
  if (!l) return std::nullopt;
  std::string body = l->question;
  const std::size_t page = std::min<std::size_t>(st.page, l->pages() - 1);
  const std::size_t first = l->starts[page];
  const std::size_t last = page + 1 < l->pages() ? l->starts[page + 1] : l->lines.size();
  numbers.clear();
  for (std::size_t i = first; i < last; ++i) {
    body += l->lines[i];
    numbers.push_back(static_cast<int>(i + 1));
  }
  if (ctx.via == medium::ussd) {
    if (page + 1 < l->pages()) {
      body += l->more;
      numbers.push_back(98);
    }
    if (page > 0 || (!st.trail.empty() && n.back)) {
      body += l->back;
      numbers.push_back(0);
    }
  }
  return body;
}

void finish(outcome& out, const output& o, const context& ctx) {
  if (ctx.via == medium::ussd) {
    std::string screen;
    for (const auto& p : o.parts) screen += (screen.empty() ? "" : "\n") + p;
    out.screen = std::move(screen);
  } else {
    out.messages = o.parts;
  }
}

void store_value(outcome& out, const std::string& name, std::string value) {
  if (name.empty()) return;
  if (is_contact_field(name)) {
    out.contact[name.substr(contact_prefix.size())] = std::move(value);
  } else {
    out.next.vars[name] = std::move(value);
  }
}

// Walks from `node_id` through say, switch and action nodes until an ask (the run waits for
// a reply), an action (the run waits for its outcome) or an end.
void advance(const definition& f, std::string node_id, outcome& out, output& o,
             const context& ctx) {
  for (int steps = 0; steps < max_steps; ++steps) {
    const node* n = f.find(node_id);
    if (!n) return fail(out, ctx, "flow '" + f.id + "' has no node '" + node_id + "'");
    renderer r(ctx, out, &f);
    switch (n->kind) {
      case node_kind::say: {
        auto t = r.text(n->text);
        if (!t) return fail(out, ctx, "missing text '" + n->text + "'");
        o.add(*t);
        node_id = n->next;
        continue;
      }
      case node_kind::send: {
        context in_sms = ctx;
        if (!ctx.sms_langs.empty()) in_sms.langs = ctx.sms_langs;
        auto t = renderer(in_sms, out, &f).text(n->text);
        if (!t) return fail(out, ctx, "missing text '" + n->text + "'");
        out.sends.push_back({std::move(*t), n->even_if_stopped});
        node_id = n->next;
        continue;
      }
      case node_kind::switch_on: {
        const std::string v = r.value(n->on).value_or("");
        // The case equal to the value as written, else as a reply is read: «۲», "2." to a case
        // "2" after a keyword ("MINE 2").
        const std::string normal = text::normalize(v);
        const std::string_view read = text::strip_punctuation(normal);
        const auto is = [&](std::string_view value) {
          return std::find_if(n->cases.begin(), n->cases.end(),
                              [&](const auto& c) { return c.first == value; });
        };
        auto it = is(v);
        if (it == n->cases.end()) it = is(read);
        node_id = it == n->cases.end() ? n->next : it->second;
        continue;
      }
      case node_kind::action: {
        action_call call{n->action, {}};
        for (const auto& [k, v] : n->args) call.args[k] = r.argument(v);
        out.action = std::move(call);
        out.next.node = n->id;
        return finish(out, o, ctx);
      }
      case node_kind::ask: {
        std::string why;
        out.next.node = n->id;
        out.next.invalid = 0;
        out.next.page = 0;
        ++out.next.asked;
        auto body = render_ask(*n, r, why, out.next, ctx, out.numbers);
        if (!body) return fail(out, ctx, why);
        o.add(*body);
        if (ctx.via == medium::sms && n->timeout_ms > 0) out.timeout_at = ctx.now_ms + n->timeout_ms;
        return finish(out, o, ctx);
      }
      case node_kind::end: {
        if (!n->text.empty()) {
          auto t = r.text(n->text);
          if (!t) return fail(out, ctx, "missing text '" + n->text + "'");
          o.add(*t);
        }
        out.next.node.clear();
        out.finished = true;
        return finish(out, o, ctx);
      }
    }
  }
  fail(out, ctx, "flow '" + f.id + "' passed " + std::to_string(max_steps) +
                     " nodes without asking anything (a loop?)");
}

// Shows the ask the run waits at again (another page, or after an invalid reply).
outcome& show(const definition& f, const node& n, outcome& out, const context& ctx, const std::string& prefix) {
  renderer r(ctx, out, &f);
  output o;
  std::string why;
  auto body = render_ask(n, r, why, out.next, ctx, out.numbers);
  if (!body) {
    fail(out, ctx, why);
    return out;
  }
  o.add(with_reason(prefix, *body, ctx));
  finish(out, o, ctx);
  return out;
}

// What a reply answers at ask `n`: the value to save and the node to go to; nullopt when
// the reply does not answer it.
struct answer {
  std::string value;
  std::string next;
};

// Whether `word` stands in `text` as a whole word (spaces or the ends around it).
bool has_word(std::string_view text, std::string_view word) {
  for (std::size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    const std::size_t end = at + word.size();
    if ((at == 0 || text[at - 1] == ' ') && (end == text.size() || text[end] == ' ')) return true;
  }
  return false;
}

// An option's words as shown, normalized, without punctuation at either end.
std::string shown_label(const choice& c, const context& ctx) {
  const text::entry* e = c.literal ? nullptr : ctx.texts->resolve(c.label, ctx.langs, ctx.explicit_texts);
  return std::string(text::strip_punctuation(text::normalize(c.literal ? c.label : e ? e->text : "")));
}

// The option a person named instead of numbering it, in the words it is shown with: the
// whole label («ساعت کار کلینیک»); a word of three or more letters that only one label has
// («کلینیک»); words all of one label, one of them in no other ("cancel visit" for "Cancel the
// visit", «نوبت لغو»); or its number, first or last, with such words («۳ لغو», "cancel 3" for
// «۳- لغو نوبت»). nullptr when no option, or more than one, fits.
const choice* by_label(const std::vector<choice>& opts, const std::string& typed, const context& ctx) {
  const std::string_view said = text::strip_punctuation(typed);
  if (said.empty()) return nullptr;
  std::vector<std::string> labels;
  for (const auto& c : opts) labels.push_back(shown_label(c, ctx));
  // As shown ("۸-۱۰" as a window is), or with a space where the label joins ("می آیم" typed
  // without the ZWNJ of «می‌آیم»).
  const auto joined = [](std::string_view t) {
    std::string out;
    for (char ch : t) {
      if (ch != ' ') out += ch;
    }
    return out;
  };
  for (std::size_t i = 0; i < opts.size(); ++i) {
    if (labels[i] == said) return &opts[i];
  }
  const choice* spaced = nullptr;
  for (std::size_t i = 0; i < opts.size(); ++i) {
    if (joined(labels[i]) != joined(said)) continue;
    if (spaced) return nullptr;  // "Ali Reza" and "Alireza": which one?
    spaced = &opts[i];
  }
  if (spaced) return spaced;
  // Whether every word of `words` is in option `at`'s label and one of them in no other: not
  // «۳ جدی» (a date) on a list of days that all say جدی.
  const auto fits = [&](std::size_t at, std::string_view words) {
    if (opts[at].exact) return false;  // its whole label only
    bool all = true, own = false;
    for (std::size_t from = 0, space; from <= words.size() && all; from = space + 1) {
      space = std::min(words.find(' ', from), words.size());
      const std::string_view word = words.substr(from, space - from);
      if (word.empty()) continue;
      all = has_word(labels[at], word);
      bool elsewhere = false;
      for (std::size_t i = 0; i < opts.size(); ++i) elsewhere = elsewhere || (i != at && has_word(labels[i], word));
      own = own || !elsewhere;
    }
    return all && own;
  };
  const auto numbered = [&](std::optional<long> number, std::string_view rest) -> const choice* {
    if (!number || rest.empty() || *number < 1 || static_cast<std::size_t>(*number) > opts.size()) return nullptr;
    const std::size_t at = static_cast<std::size_t>(*number) - 1;
    return fits(at, rest) ? &opts[at] : nullptr;
  };
  if (const auto [number, rest] = text::split_number(said); const choice* c = numbered(number, rest)) return c;
  const std::size_t last = said.rfind(' ');
  if (last != std::string_view::npos && text::all_digits(said.substr(last + 1))) {
    const auto number = text::split_number(said.substr(last + 1)).value;
    if (const choice* c = numbered(number, text::strip_punctuation(said.substr(0, last)))) return c;
  }
  // A word alone is looked for only when it has three letters or more.
  if (last == std::string_view::npos && core::decode_utf8(said).size() < 3) return nullptr;
  for (std::size_t i = 0; i < opts.size(); ++i) {
    if (fits(i, said)) return &opts[i];  // a word of its own: no other option fits
  }
  return nullptr;
}

// The option whose label a reply says in other words (lexicon/answers.yaml: «میام» for
// «می‌آیم», "coming"), alone or with that option's number first or last («۱ میام»);
// those listed for `question` (the question's text) alone too. `refused` when the number is another
// option's («۲ میام»: which one did they mean?).
struct other_words {
  const choice* option = nullptr;
  bool refused = false;
};
other_words by_other_words(const std::vector<choice>& opts, std::string_view typed,
                           const text::lexicon& words, std::string_view question) {
  if (text::asks_back(typed)) return {};
  const auto said_by = [&](std::string_view s) -> const choice* {
    const choice* found = nullptr;
    for (const auto& c : opts) {
      if (c.literal || !words.says(c.label, s, question)) continue;
      if (found) return nullptr;  // two options with one label: neither is named
      found = &c;
    }
    return found;
  };
  const std::string_view said = text::strip_punctuation(typed);
  if (const choice* c = said_by(said)) return {c, false};
  auto [number, rest] = text::split_number(said);
  if (const std::size_t last = said.rfind(' '); (!number || rest.empty()) && last != std::string_view::npos &&
                                                text::all_digits(said.substr(last + 1))) {
    number = text::split_number(said.substr(last + 1)).value;
    rest = text::strip_punctuation(said.substr(0, last));
  }
  const choice* c = number && !rest.empty() ? said_by(rest) : nullptr;
  if (!c) return {};
  const bool same = *number >= 1 && static_cast<std::size_t>(*number) <= opts.size() &&
                    &opts[static_cast<std::size_t>(*number) - 1] == c;
  return same ? other_words{c, false} : other_words{nullptr, true};
}

// `opts` are the question's options as choices() gave them (nullopt: unusable data).
std::optional<answer> read_answer_as_typed(const node& n, const std::optional<std::vector<choice>>& opts,
                                           std::string_view raw, const std::string& typed, const context& ctx) {
  static const text::lexicon no_words;
  const text::lexicon& words = ctx.words ? *ctx.words : no_words;
  switch (n.ask) {
    case ask_kind::yes_no: {
      // A word of any language, or 1 / 2 as shown; "2 بله" says both and is asked again.
      if (auto yn = text::read_yes_no(typed, words)) {
        return *yn ? answer{"yes", n.yes} : answer{"no", n.no};
      }
      return std::nullopt;
    }
    case ask_kind::menu: {
      if (!opts) return std::nullopt;  // `why` says what is wrong with the data
      // A menu of yes and no (common.yes, common.no) takes the yes and no words of every
      // language, as a yes/no question does: «آره», «بلی», "yeah", «هو»; and, as there, a reply
      // that asks back («هان؟», "1?") is no answer.
      const auto labelled = [&](std::string_view key) {
        const auto it = std::find_if(opts->begin(), opts->end(), [&](const choice& c) { return !c.literal && c.label == key; });
        return it == opts->end() ? nullptr : &*it;
      };
      const choice* yes = labelled(yes_key);
      const choice* no = labelled(no_key);
      // A reply that asks back («هان؟», "2?", "cannot come?") is no answer: which do they mean?
      if (text::asks_back(typed)) return std::nullopt;
      const auto v = text::read_choice(typed, words);
      if (v && *v >= 1 && static_cast<std::size_t>(*v) <= opts->size()) {
        const choice& c = (*opts)[static_cast<std::size_t>(*v) - 1];
        // «۲ بله», "2 yes" to "1 Yes 2 No" says both (to "is anyone hurt?" perhaps two people,
        // yes): asked again, as a yes/no question asks it. Not "2 ok", «۲ باشه»: 2, understood.
        if (const std::string_view rest = text::split_number(typed).rest;
            &c == no && words.yes_no(rest) == std::optional<bool>(true) &&
            !words.acknowledges(rest)) {
          return std::nullopt;
        }
        return answer{c.value, c.next};
      }
      if (v) return std::nullopt;
      if (const choice* c = by_label(*opts, typed, ctx)) return answer{c->value, c->next};
      if (const auto other = by_other_words(*opts, typed, words, n.text); other.option) {
        return answer{other.option->value, other.option->next};
      } else if (other.refused) {
        return std::nullopt;
      }
      if (yes && no) {
        if (const auto said = words.yes_no(text::strip_punctuation(typed))) {
          // «ښه», "ok", «درست» to "is anyone hurt?" may say all is well: no alarm, asked again.
          if (*said && yes->danger && words.acknowledges(typed)) return std::nullopt;
          const choice& c = *said ? *yes : *no;
          return answer{c.value, c.next};
        }
        return std::nullopt;  // «دو» to "is anyone hurt?" is two people, not "no"
      }
      // A menu of one option ("1 Done", "1 I will go"), or its option that takes a yes ("1 Done
      // 2 Not done"), takes a yes of any language as it: "ok", «بلی», «هو». (A no is no answer to
      // it: asked again.) Not a menu of data: the one time free, the one patient, is chosen by
      // its number.
      const auto takes_yes =
          std::find_if(opts->begin(), opts->end(), [](const choice& c) { return c.takes_yes; });
      const choice* yes_option = takes_yes != opts->end()                      ? &*takes_yes
                                 : opts->size() == 1 && n.options_from.empty() ? &opts->front()
                                                                               : nullptr;
      if (yes_option) {
        if (const auto said = words.yes_no(text::strip_punctuation(typed)); said && *said) {
          return answer{yes_option->value, yes_option->next};
        }
      }
      // The number in words («دو», "two"), where no label shows a number: «یک» to "۸:۰۰ / ۱۴:۰۰"
      // may be one o'clock.
      if (const auto said = words.number(typed); said && static_cast<std::size_t>(*said) <= opts->size() &&
                                                 std::none_of(opts->begin(), opts->end(), [&](const choice& c) {
                                                   const std::string label = shown_label(c, ctx);
                                                   return label.find_first_of("0123456789") != std::string::npos;
                                                 })) {
        const choice& c = (*opts)[static_cast<std::size_t>(*said) - 1];
        return answer{c.value, c.next};
      }
      return std::nullopt;
    }
    case ask_kind::number: {
      if (auto v = text::read_integer(typed, n.min, n.max)) return answer{std::to_string(*v), n.next};
      // «دو», "five": lexicon/answers.yaml says one to nine.
      if (const auto v = words.number(typed); v && *v >= n.min && *v <= n.max) return answer{std::to_string(*v), n.next};
      return std::nullopt;
    }
    case ask_kind::date: {
      const auto d = text::read_date(typed);
      if (!d) return std::nullopt;
      if (n.earliest_day || n.latest_day) {
        // Counted from the day it is where the person is.
        const auto today = schedule::local_day(ctx.now_ms, ctx.timezone);
        if (!today) return std::nullopt;
        const long long offset = text::day_number(*d) - *today;
        if ((n.earliest_day && offset < *n.earliest_day) || (n.latest_day && offset > *n.latest_day)) return std::nullopt;
      }
      return answer{schedule::day_text(text::day_number(*d)), n.next};
    }
    case ask_kind::text: {
      // Kept as the person wrote it (trimmed), for the human who reads it.
      const auto b = raw.find_first_not_of(" \t\r\n");
      if (typed.empty() || b == std::string_view::npos) return std::nullopt;
      const auto e = raw.find_last_not_of(" \t\r\n");
      // «پسرم خونریزی دارد» to "what did you see?": saved, and the run goes where the injured come
      // first.
      const bool danger = !n.on_danger.empty() && ctx.in_danger && ctx.in_danger(raw);
      return answer{std::string(raw.substr(b, e - b + 1)), danger ? n.on_danger : n.next};
    }
    case ask_kind::phone: {
      auto p = phone::parse_e164(typed, ctx.region);
      if (!p) return std::nullopt;
      return answer{p.value(), n.next};
    }
  }
  return std::nullopt;
}

// As typed, else without thanks before or after it («میام ممنون», «مننه ۱», "coming thanks"):
// thanks says nothing either way. Not when what is left only acknowledges ("ok thanks" to "is
// anyone hurt?").
std::optional<answer> read_answer(const node& n, const std::optional<std::vector<choice>>& opts,
                                  std::string_view raw, const std::string& typed, const context& ctx) {
  if (auto got = read_answer_as_typed(n, opts, raw, typed, ctx)) return got;
  if (!ctx.words || (n.ask != ask_kind::menu && n.ask != ask_kind::yes_no) || text::asks_back(typed)) {
    return std::nullopt;
  }
  const std::string_view rest = ctx.words->without_thanks(typed);
  if (rest.empty() || rest == text::strip_punctuation(typed)) return std::nullopt;
  // "ok" read as a yes (a yes/no question, a menu of yes and no, of one option or with an
  // option that takes a yes) only acknowledges with thanks; an option whose own words it is
  // («سمه ده») is still named.
  const auto offers_yes = [&] {
    return std::any_of(opts->begin(), opts->end(), [](const choice& c) {
      return c.takes_yes || (!c.literal && c.label == yes_key);
    });
  };
  const bool as_yes = n.ask == ask_kind::yes_no || (opts && (opts->size() == 1 || offers_yes()));
  if (ctx.words->acknowledges(rest) && as_yes) return std::nullopt;
  return read_answer_as_typed(n, opts, raw, std::string(rest), ctx);
}

const node* waiting_ask(const definition& f, outcome& out, const context& ctx) {
  const node* n = f.find(out.next.node);
  if (!n || n->kind != node_kind::ask) {
    fail(out, ctx, "run waits at '" + out.next.node + "', which is not a question of flow '" + f.id + "'");
    return nullptr;
  }
  return n;
}

}  // namespace

std::optional<named_option> option_named(const definition& f, const state& s, std::string_view input,
                                         const context& ctx) {
  outcome out;
  out.next = s;
  const node* n = f.find(s.node);
  if (!n || n->kind != node_kind::ask || n->ask != ask_kind::menu) return std::nullopt;
  renderer r(ctx, out, &f);
  std::string why;
  const auto opts = choices(*n, r, why);
  if (!opts) return std::nullopt;
  const std::string typed = text::normalize(input);
  const choice* c = by_label(*opts, typed, ctx);
  if (const std::string_view said = text::strip_punctuation(typed); !c && text::all_digits(said)) {
    // A number in one option's words: "11" on a list of days with «چهارشنبه ۱۱ قوس».
    for (const auto& o : *opts) {
      if (!has_word(shown_label(o, ctx), said)) continue;
      if (c) return std::nullopt;
      c = &o;
    }
  }
  if (!c) return std::nullopt;
  auto label = c->literal ? std::optional<std::string>(c->label) : r.text(c->label);
  if (!label) return std::nullopt;
  return named_option{static_cast<std::size_t>(c - opts->data()) + 1, std::move(*label)};
}

std::optional<std::size_t> option_taking(const definition& f, const state& s, option::takes what) {
  const node* n = f.find(s.node);
  if (!n || n->kind != node_kind::ask || n->ask != ask_kind::menu || !n->options_from.empty()) return std::nullopt;
  for (std::size_t i = 0; i < n->options.size(); ++i) {
    if (n->options[i].taken == what) return i + 1;
  }
  return std::nullopt;
}

std::optional<std::size_t> option_saying_no(const definition& f, const state& s) {
  const node* n = f.find(s.node);
  if (!n || n->kind != node_kind::ask || n->ask != ask_kind::menu || !n->options_from.empty()) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < n->options.size(); ++i) {
    if (n->options[i].label == no_key) return i + 1;
  }
  return std::nullopt;
}

bool leads_with_option(const definition& f, const state& s, std::size_t n, std::string_view typed,
                       const text::lexicon& words) {
  const node* q = f.find(s.node);
  if (!q || q->kind != node_kind::ask || q->ask != ask_kind::menu || n < 1 || n > q->options.size() ||
      q->options[n - 1].label != yes_key || text::asks_back(typed)) {
    return false;
  }
  // Its number or a yes word first, then more words: "yes help", «آره کمک», "1 two people".
  // Not "1 no", "ok thanks", "1 2"; after a yes that may only say all is well ("ok I will"),
  // only how many and who.
  std::string_view rest;
  bool only_count = false;
  if (const auto [number, after] = text::split_number(typed); number) {
    if (*number != static_cast<long>(n)) return false;
    rest = text::strip_punctuation(after);
  } else if (const std::size_t space = typed.find(' ');
             space != std::string_view::npos && words.yes_no(typed.substr(0, space)) == std::optional<bool>(true)) {
    rest = text::strip_punctuation(typed.substr(space + 1));
    only_count = words.acknowledges(typed.substr(0, space));
  }
  if (rest.empty() || !text::has_letters(rest) || words.is_thanks(rest)) return false;
  std::size_t from = 0;
  while (from < rest.size()) {
    const std::size_t end = std::min(rest.find(' ', from), rest.size());
    const std::string_view word = text::strip_punctuation(rest.substr(from, end - from));
    if (words.yes_no(word) == std::optional<bool>(false)) return false;
    from = end + 1;
  }
  if (!only_count) return true;
  const std::size_t space = rest.find(' ');
  if (space == std::string_view::npos) return false;
  const std::string_view count = rest.substr(0, space);
  return text::all_digits(count) || words.number(count).has_value();
}

std::string option_number(std::size_t n, std::string_view lang) {
  const std::string digits = std::to_string(n);
  if (lang != "fa" && lang != "prs" && lang != "ps") return digits + ".";
  std::string out;
  for (char d : digits) out += std::string("\xDB") + static_cast<char>(0xB0 + (d - '0'));
  return out + "-";
}

std::string with_reason(std::string_view reason, const std::string& screen, const context& ctx) {
  if (reason.empty()) return screen;
  std::string both = std::string(reason) + "\n" + screen;
  if (ctx.via == medium::ussd && text::check_screen(both, ctx.screen).result == text::screen_check::too_long) {
    return screen;
  }
  return both;
}

outcome start(const definition& f, const context& ctx) {
  outcome out;
  output o;
  advance(f, f.start, out, o, ctx);
  return out;
}

outcome start_at(const definition& f, const std::string& node, std::map<std::string, std::string> vars,
                 const context& ctx) {
  outcome out;
  out.next.vars = std::move(vars);
  output o;
  advance(f, node, out, o, ctx);
  return out;
}

outcome resume(const definition& f, state s, std::string_view input, const context& ctx) {
  outcome out;
  out.next = std::move(s);
  output o;
  const node* n = waiting_ask(f, out, ctx);
  if (!n) return out;
  renderer r(ctx, out, &f);
  // Replies are read the way people type them (R-S2), once; the options are worked out once.
  const std::string typed = text::normalize(input);
  std::string why;
  const auto opts = choices(*n, r, why);
  // USSD navigation first: these answers are never options (R-U8).
  if (ctx.via == medium::ussd) {
    // Only More needs the pages, drawn from the options already worked out.
    const auto page_count = [&] {
      const auto shown = lay_out(*n, opts, r, why, out.next, ctx);
      return shown ? shown->pages() : std::size_t{1};
    };
    if (typed == "98" && out.next.page + 1 < page_count()) {
      ++out.next.page;
      return show(f, *n, out, ctx, "");
    }
    if (typed == "98" && (n->ask == ask_kind::menu || n->ask == ask_kind::yes_no)) {
      // Nothing more to show (a one-page menu, its last page): the same screen, not a wrong
      // answer. (Where words or a number are asked, 98 may be one.)
      return show(f, *n, out, ctx, "");
    }
    if (typed == "0" && out.next.page > 0) {
      --out.next.page;
      return show(f, *n, out, ctx, "");
    }
    if (typed == "0" && !out.next.trail.empty() && n->back) {
      const std::string previous = out.next.trail.back();
      out.next.trail.pop_back();
      advance(f, previous, out, o, ctx);
      return out;
    }
    if (typed == "0" && !n->back && !n->on_timeout.empty()) {
      // Leaving a question that says where silence leads (a saved report's "may the team call
      // you?"): there, as if no answer came, so the person leaves with what it says.
      out.next.trail.push_back(n->id);
      advance(f, n->on_timeout, out, o, ctx);
      return out;
    }
    if (typed == "0") {
      // Back from the first question (or one that cannot go back): the person is leaving.
      o.add(r.text(keys::goodbye).value_or(""));
      out.finished = true;
      out.next.node.clear();
      finish(out, o, ctx);
      return out;
    }
    if (typed == "00") {
      // The main menu, once this run has been there: never past a PIN not yet answered.
      const auto& trail = out.next.trail;
      const bool been_home =
          !f.home.empty() &&
          (out.next.node == f.home || std::find(trail.begin(), trail.end(), f.home) != trail.end());
      out.next.trail.clear();
      advance(f, been_home ? f.home : f.start, out, o, ctx);
      return out;
    }
  }
  const auto got = read_answer(*n, opts, input, typed, ctx);
  if (!opts) {
    fail(out, ctx, why);
    return out;
  }
  if (!got) {
    out.rejected = true;
    if (ctx.via == medium::sms && !n->on_unclear.empty()) {
      // Not asked again (the message after a loss: "no thanks" is no cause to send it twice);
      // the words reach a person as every unclear reply does.
      out.next.invalid = 0;
      out.next.trail.push_back(n->id);
      advance(f, n->on_unclear, out, o, ctx);
      return out;
    }
    if (++out.next.invalid >= max_invalid_replies && !n->on_too_many.empty()) {
      // Not ended: a report saved as it stands, a reminder left unanswered (the reply still
      // reaches a person, as every unclear one does).
      out.next.invalid = 0;
      out.next.trail.push_back(n->id);
      advance(f, n->on_too_many, out, o, ctx);
      return out;
    }
    if (out.next.invalid >= max_invalid_replies) {
      // By SMS each unclear reply reached the inbox: a person reads them (no "start again",
      // which a reminder the scheduler sent gives nothing to start again by).
      auto t = ctx.via == medium::sms ? r.text(keys::too_many_invalid_sms) : std::nullopt;
      if (!t) t = r.text(keys::too_many_invalid);
      if (!t) {
        fail(out, ctx, "missing text '" + std::string(keys::too_many_invalid) + "'");
        return out;
      }
      o.add(*t);
      out.finished = true;
      out.next.node.clear();
      finish(out, o, ctx);
      return out;
    }
    const bool numbered = n->ask == ask_kind::menu || n->ask == ask_kind::yes_no;
    const std::string_view key = !n->invalid.empty() ? std::string_view(n->invalid)
                                 : numbered          ? keys::invalid
                                                     : keys::invalid_answer;
    auto prefix = r.text(key);
    if (!prefix) {
      fail(out, ctx, "missing text '" + std::string(key) + "'");
      return out;
    }
    // The same screen again, with a short reason first (R-U10).
    return show(f, *n, out, ctx, *prefix);
  }
  store_value(out, n->save, got->value);
  out.next.trail.push_back(n->id);
  advance(f, got->next, out, o, ctx);
  return out;
}

outcome time_out(const definition& f, state s, const context& ctx) {
  outcome out;
  out.next = std::move(s);
  const node* n = waiting_ask(f, out, ctx);
  if (!n) return out;
  if (n->on_timeout.empty()) {
    fail(out, ctx, "question '" + n->id + "' timed out but has no on_timeout");
    return out;
  }
  output o;
  out.next.trail.push_back(n->id);
  advance(f, n->on_timeout, out, o, ctx);
  return out;
}

outcome after_action(const definition& f, state s, const action_result& result,
                     const context& ctx) {
  outcome out;
  out.next = std::move(s);
  const node* n = f.find(out.next.node);
  if (!n || n->kind != node_kind::action) {
    fail(out, ctx, "run waits at '" + out.next.node + "', which is not an action of flow '" + f.id + "'");
    return out;
  }
  for (const auto& [name, value] : result.vars) store_value(out, name, value);
  auto it = n->outcomes.find(result.outcome);
  if (it == n->outcomes.end()) it = n->outcomes.find("error");
  if (it == n->outcomes.end()) {
    fail(out, ctx, "action '" + n->action + "' at node '" + n->id + "' reported '" +
                       result.outcome + "', which the node does not route");
    return out;
  }
  output o;
  advance(f, it->second, out, o, ctx);
  return out;
}

outcome repeat(const definition& f, state s, const context& ctx) {
  outcome out;
  out.next = std::move(s);
  const node* n = waiting_ask(f, out, ctx);
  if (!n) return out;
  out.next.page = 0;
  out.next.invalid = 0;
  // A new wait: a timeout set for the question before is not this one's.
  ++out.next.asked;
  if (ctx.via == medium::sms && n->timeout_ms > 0) out.timeout_at = ctx.now_ms + n->timeout_ms;
  return show(f, *n, out, ctx, "");
}

void append(outcome& earlier, outcome later) {
  if (!later.error.empty()) {
    // The apology replaces what the earlier step showed: nothing half-done is shown.
    earlier.screen.clear();
    earlier.messages.clear();
    earlier.sends.clear();
  }
  if (!later.screen.empty()) {
    earlier.screen += (earlier.screen.empty() ? "" : "\n") + later.screen;
  }
  for (auto& m : later.messages) earlier.messages.push_back(std::move(m));
  for (auto& m : later.sends) earlier.sends.push_back(std::move(m));
  for (auto& [k, v] : later.contact) earlier.contact[k] = std::move(v);
  earlier.next = std::move(later.next);
  earlier.finished = later.finished;
  earlier.error = std::move(later.error);
  earlier.rejected = later.rejected;
  earlier.numbers = std::move(later.numbers);
  earlier.action = std::move(later.action);
  earlier.timeout_at = later.timeout_at;
}

}  // namespace paygham::flow
