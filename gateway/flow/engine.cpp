#include "gateway/flow/engine.hpp"

#include <optional>

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

// Guards against a flow whose say nodes loop without ever asking.
constexpr int max_steps = 64;

class renderer {
 public:
  renderer(const context& ctx, const state& s) : ctx_(ctx), s_(s) {}

  // The language the text of `key` will be shown in, or "" when no language has it.
  std::string lang_of(std::string_view key) const {
    const text::entry* e = ctx_.texts->resolve(key, ctx_.langs);
    return e ? e->lang : std::string();
  }

  std::optional<std::string> text(std::string_view key) const {
    const text::entry* e = ctx_.texts->resolve(key, ctx_.langs);
    if (!e) return std::nullopt;
    // Dates and numbers follow the language the text is written in.
    const text::formatter fmt(e->lang, ctx_.timezone);
    std::string out = text::render(
        e->text,
        [&](std::string_view name) -> std::optional<std::string> {
          auto it = s_.vars.find(std::string(name));
          if (it == s_.vars.end()) return std::nullopt;
          return it->second;
        },
        &fmt);
    return e->smart ? text::smart_gsm(out) : out;
  }

 private:
  const context& ctx_;
  const state& s_;
};

// Collects what the steps produce and shapes it for the medium.
struct output {
  std::vector<std::string> parts;

  void add(std::string t) {
    if (!t.empty()) parts.push_back(std::move(t));
  }
};

void fail(outcome& out, const context& ctx, std::string why) {
  renderer r(ctx, out.next);
  out.error = std::move(why);
  out.finished = true;
  const std::string text = r.text(keys::error).value_or(std::string(last_resort));
  out.screen = text;
  out.messages = {text};
}

// "1." in Latin script; "۱-" with Persian digits for fa, prs and ps (R-L5; domain.md appendix).
std::string option_number(std::size_t n, std::string_view lang) {
  const std::string digits = std::to_string(n);
  if (lang != "fa" && lang != "prs" && lang != "ps") return digits + ".";
  std::string out;
  for (char d : digits) out += std::string("\xDB") + static_cast<char>(0xB0 + (d - '0'));
  return out + "-";
}

std::optional<std::string> render_ask(const node& n, const renderer& r, std::string& missing) {
  auto question = r.text(n.text);
  if (!question) {
    missing = n.text;
    return std::nullopt;
  }
  const std::string lang = r.lang_of(n.text);
  std::string body = *question;
  for (std::size_t i = 0; i < n.options.size(); ++i) {
    auto label = r.text(n.options[i].label);
    if (!label) {
      missing = n.options[i].label;
      return std::nullopt;
    }
    body += "\n" + option_number(i + 1, lang) + " " + *label;
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

// Walks from `node_id` through say nodes until an ask (the run waits) or an end.
void advance(const definition& f, std::string node_id, outcome& out, output& o,
             const context& ctx) {
  for (int steps = 0; steps < max_steps; ++steps) {
    const node* n = f.find(node_id);
    if (!n) return fail(out, ctx, "flow '" + f.id + "' has no node '" + node_id + "'");
    renderer r(ctx, out.next);
    switch (n->kind) {
      case node_kind::say: {
        auto t = r.text(n->text);
        if (!t) return fail(out, ctx, "missing text '" + n->text + "'");
        o.add(*t);
        node_id = n->next;
        continue;
      }
      case node_kind::ask: {
        std::string missing;
        auto body = render_ask(*n, r, missing);
        if (!body) return fail(out, ctx, "missing text '" + missing + "'");
        o.add(*body);
        out.next.node = n->id;
        out.next.invalid = 0;
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
                     " nodes without asking anything (a loop of say nodes?)");
}

// The option number a reply chooses ("۱", "(1)", "1 بله" …), or 0 when it chooses none.
std::size_t read_choice(std::string_view input, std::size_t count, const context& ctx) {
  static const text::lexicon no_words;
  const auto v = text::read_choice(text::normalize(input), ctx.words ? *ctx.words : no_words);
  return (v && *v >= 1 && static_cast<std::size_t>(*v) <= count) ? static_cast<std::size_t>(*v) : 0;
}

}  // namespace

outcome start(const definition& f, const context& ctx) {
  outcome out;
  output o;
  advance(f, f.start, out, o, ctx);
  return out;
}

outcome resume(const definition& f, state s, std::string_view input, const context& ctx) {
  outcome out;
  out.next = std::move(s);
  output o;
  const node* n = f.find(out.next.node);
  if (!n || n->kind != node_kind::ask) {
    fail(out, ctx, "run waits at '" + out.next.node + "', which is not an ask of flow '" + f.id + "'");
    return out;
  }
  const std::size_t choice = read_choice(input, n->options.size(), ctx);
  if (choice == 0) {
    renderer r(ctx, out.next);
    if (++out.next.invalid >= max_invalid_replies) {
      auto t = r.text(keys::too_many_invalid);
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
    std::string missing;
    auto prefix = r.text(keys::invalid);
    auto body = render_ask(*n, r, missing);
    if (!prefix || !body) {
      fail(out, ctx, "missing text '" + (prefix ? missing : std::string(keys::invalid)) + "'");
      return out;
    }
    // The same screen again, with a short reason first (R-U10).
    o.add(*prefix + "\n" + *body);
    finish(out, o, ctx);
    return out;
  }
  const option& chosen = n->options[choice - 1];
  if (!n->save.empty()) out.next.vars[n->save] = chosen.value;
  advance(f, chosen.next, out, o, ctx);
  return out;
}

}  // namespace paygham::flow
