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

// Over USSD a menu longer than a screen's page is shown a page at a time.
bool paged(const node& n, const context& ctx) {
  return ctx.via == medium::ussd && ctx.page_size > 0 && n.options.size() > ctx.page_size;
}

std::size_t pages(const node& n, const context& ctx) {
  return paged(n, ctx) ? (n.options.size() + ctx.page_size - 1) / ctx.page_size : 1;
}

std::optional<std::string> render_ask(const node& n, const renderer& r, std::string& missing,
                                      const state& st, const context& ctx) {
  auto question = r.text(n.text);
  if (!question) {
    missing = n.text;
    return std::nullopt;
  }
  const std::string lang = r.lang_of(n.text);
  std::string body = *question;
  // Option numbers stay the same on every page, so a memorised path keeps working.
  const std::size_t first = paged(n, ctx) ? st.page * ctx.page_size : 0;
  const std::size_t last = paged(n, ctx) ? std::min(first + ctx.page_size, n.options.size())
                                         : n.options.size();
  const auto line = [&](std::size_t number, std::string_view key) {
    auto label = r.text(key);
    if (!label) {
      missing = std::string(key);
      return false;
    }
    body += "\n" + option_number(number, lang) + " " + *label;
    return true;
  };
  for (std::size_t i = first; i < last; ++i) {
    if (!line(i + 1, n.options[i].label)) return std::nullopt;
  }
  if (ctx.via == medium::ussd) {
    if (st.page + 1 < pages(n, ctx) && !line(98, keys::more)) return std::nullopt;
    if ((st.page > 0 || !st.trail.empty()) && !line(0, keys::back)) return std::nullopt;
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
        out.next.node = n->id;
        out.next.invalid = 0;
        out.next.page = 0;
        auto body = render_ask(*n, r, missing, out.next, ctx);
        if (!body) return fail(out, ctx, "missing text '" + missing + "'");
        o.add(*body);
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

// The option number a normalised reply chooses ("1", "(1)", "1 بله" …), or 0 when it
// chooses none.
std::size_t read_choice(std::string_view typed, std::size_t count, const context& ctx) {
  static const text::lexicon no_words;
  const auto v = text::read_choice(typed, ctx.words ? *ctx.words : no_words);
  return (v && *v >= 1 && static_cast<std::size_t>(*v) <= count) ? static_cast<std::size_t>(*v) : 0;
}

// Shows the ask the run waits at again (another page, or after an invalid reply).
outcome& show(const node& n, outcome& out, output& o, const context& ctx, const std::string& prefix) {
  renderer r(ctx, out.next);
  std::string missing;
  auto body = render_ask(n, r, missing, out.next, ctx);
  if (!body) {
    fail(out, ctx, "missing text '" + missing + "'");
    return out;
  }
  o.add(prefix.empty() ? *body : prefix + "\n" + *body);
  finish(out, o, ctx);
  return out;
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
  // Replies are read the way people type them (R-S2), once.
  const std::string typed = text::normalize(input);
  // USSD navigation first: these answers are never options (R-U8).
  if (ctx.via == medium::ussd) {
    if (typed == "98" && out.next.page + 1 < pages(*n, ctx)) {
      ++out.next.page;
      return show(*n, out, o, ctx, "");
    }
    if (typed == "0" && out.next.page > 0) {
      --out.next.page;
      return show(*n, out, o, ctx, "");
    }
    if (typed == "0" && !out.next.trail.empty()) {
      const std::string previous = out.next.trail.back();
      out.next.trail.pop_back();
      advance(f, previous, out, o, ctx);
      return out;
    }
    if (typed == "0") {
      // Back from the first question: the person is leaving.
      renderer r(ctx, out.next);
      o.add(r.text(keys::goodbye).value_or(""));
      out.finished = true;
      out.next.node.clear();
      finish(out, o, ctx);
      return out;
    }
    if (typed == "00") {
      out.next.trail.clear();
      advance(f, f.start, out, o, ctx);
      return out;
    }
  }
  const std::size_t choice = read_choice(typed, n->options.size(), ctx);
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
    auto prefix = r.text(keys::invalid);
    if (!prefix) {
      fail(out, ctx, "missing text '" + std::string(keys::invalid) + "'");
      return out;
    }
    // The same screen again, with a short reason first (R-U10).
    return show(*n, out, o, ctx, *prefix);
  }
  const option& chosen = n->options[choice - 1];
  if (!n->save.empty()) out.next.vars[n->save] = chosen.value;
  out.next.trail.push_back(n->id);
  advance(f, chosen.next, out, o, ctx);
  return out;
}

}  // namespace paygham::flow
