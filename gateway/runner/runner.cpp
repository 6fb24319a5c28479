#include "gateway/runner/runner.hpp"

#include <nlohmann/json.hpp>

#include "gateway/core/log.hpp"
#include "gateway/flow/engine.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::runner {
namespace {

constexpr std::string_view text_unavailable = "This service is not available.";
// The run's place while the language picker is shown; '@' cannot start a YAML node name.
constexpr std::string_view language_node = "@language";

std::string to_json(const flow::state& s) {
  nlohmann::json j;
  j["node"] = s.node;
  j["vars"] = s.vars;
  j["invalid"] = s.invalid;
  j["trail"] = s.trail;
  j["page"] = s.page;
  return j.dump();
}

flow::state state_from_json(const std::string& text) {
  flow::state s;
  const auto j = nlohmann::json::parse(text);
  s.node = j.at("node").get<std::string>();
  s.vars = j.at("vars").get<std::map<std::string, std::string>>();
  s.invalid = j.at("invalid").get<int>();
  s.trail = j.value("trail", std::vector<std::string>{});
  s.page = j.value("page", std::size_t{0});
  return s;
}

std::string reply_to_json(const core::ussd_reply& r) {
  return nlohmann::json{{"end", r.end}, {"text", r.text}}.dump();
}

core::ussd_reply reply_from_json(const std::string& text) {
  const auto j = nlohmann::json::parse(text);
  return core::ussd_reply{j.at("end").get<bool>(), j.at("text").get<std::string>()};
}

// The newest answer in a hop. Africa's Talking sends every answer so far joined by '*';
// the previous hop's text is a prefix, so the rest is the new answer even when it holds a
// '*' itself. Aggregators that send only the latest answer fall to the last segment.
std::string newest_answer(const std::string& text, const std::string& previous) {
  if (previous.empty()) return text;
  if (text.size() > previous.size() && text.compare(0, previous.size(), previous) == 0 &&
      text[previous.size()] == '*') {
    return text.substr(previous.size() + 1);
  }
  const auto star = text.rfind('*');
  return star == std::string::npos ? text : text.substr(star + 1);
}

std::vector<std::string> split_star(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t star = text.find('*', pos);
    if (star == std::string::npos) star = text.size();
    out.push_back(text.substr(pos, star - pos));
    pos = star + 1;
  }
  return out;
}

std::string fallback_text(const content& c, std::string_view key,
                          const std::vector<std::string>& langs, std::string_view last_resort) {
  if (const text::entry* e = c.texts.resolve(key, langs)) return e->text;
  return std::string(last_resort);
}

}  // namespace

runner::runner(std::shared_ptr<const content> c, settings s)
    : content_(std::move(c)), settings_(std::move(s)) {}

const flow::definition* content::pinned(std::string_view id, std::string_view hash) const {
  if (auto it = versions.find(hash); it != versions.end() && it->second->id == id) {
    return it->second.get();
  }
  return flows.by_id(id);
}

void runner::reload(std::shared_ptr<content> c) {
  std::lock_guard lock(mu_);
  // Every version a run may still be on stays reachable by its hash.
  c->versions = content_->versions;
  for (const auto& f : content_->flows.all()) c->versions.emplace(f->hash, f);
  content_ = std::move(c);
}

std::shared_ptr<const content> runner::current() const {
  std::lock_guard lock(mu_);
  return content_;
}

std::vector<std::string> runner::languages_for(const std::string& contact_language) const {
  std::vector<std::string> langs;
  for (const std::string& l : {contact_language, settings_.default_language, std::string("en")}) {
    if (!l.empty() && std::find(langs.begin(), langs.end(), l) == langs.end()) langs.push_back(l);
  }
  return langs;
}

core::ussd_reply runner::apply_ussd(store::tx& tx, const core::ussd_request& req) const {
  const auto c = current();
  auto existing = tx.find_session_run(req.channel_id, req.session_id);
  if (existing && existing->last_input == req.text && !existing->last_reply.empty()) {
    // The aggregator retried a hop we already answered: same screen, no second step.
    return reply_from_json(existing->last_reply);
  }
  const store::contact who = tx.upsert_contact(req.from);
  flow::context ctx{flow::medium::ussd, languages_for(who.language), &c->texts, &c->words,
                    settings_.timezone};

  flow::outcome out;
  store::run r;
  const flow::definition* f = nullptr;
  std::vector<std::string> answers;  // pre-answers, in order, still to feed to the flow
  if (!existing) {
    f = c->flows.by_ussd_code(req.service_code);
    if (!f) {
      core::log::info("ussd.no_flow", {{"channel", req.channel_id}, {"code", req.service_code}});
      return core::ussd_reply{true, fallback_text(*c, flow::keys::no_service, ctx.langs, text_unavailable)};
    }
    // Digits dialled after the service code (*384*12*1*2#) arrive as the first hop's text:
    // each pre-answers one screen (R-U9), the language picker's first.
    if (!req.text.empty()) answers = split_star(req.text);
    r.contact_id = who.id;
    r.channel_id = req.channel_id;
    r.medium = "ussd";
    r.session_id = req.session_id;
    r.flow_id = f->id;
    r.flow_hash = f->hash;
    out.next.node = asks_language(who) ? std::string(language_node) : std::string();
  } else {
    r = std::move(*existing);
    f = c->pinned(r.flow_id, r.flow_hash);
    if (r.status != "active" || !f) {
      return core::ussd_reply{true, fallback_text(*c, flow::keys::no_service, ctx.langs, text_unavailable)};
    }
    out.next = state_from_json(r.state);
    answers.push_back(newest_answer(req.text, r.last_input));
  }
  std::size_t used = 0;
  if (out.next.node == language_node) {
    const std::optional<std::string> answer =
        used < answers.size() ? std::optional<std::string>(answers[used++]) : std::nullopt;
    language_step(tx, *c, *f, who.id, answer, ctx, out);
  } else if (!existing) {
    out = flow::start(*f, ctx);
  }
  for (; used < answers.size() && !out.finished && out.next.node != language_node; ++used) {
    out = flow::resume(*f, std::move(out.next), answers[used], ctx);
  }
  if (!out.error.empty()) {
    core::log::error("flow.error", {{"flow", r.flow_id}, {"error", out.error}});
  }
  const core::ussd_reply reply{out.finished, out.screen};
  r.status = out.error.empty() ? (out.finished ? "completed" : "active") : "failed";
  r.state = to_json(out.next);
  r.last_input = req.text;
  r.last_reply = reply_to_json(reply);
  tx.save_run(r);
  return reply;
}

bool runner::asks_language(const store::contact& who) const {
  return who.language.empty() && settings_.languages.size() >= 2;
}

std::string runner::language_screen(const content& c, const std::string& reason) const {
  std::string header;
  for (const auto& lang : settings_.languages) {
    const text::entry* e = c.texts.find(lang, flow::keys::choose_language);
    if (e && header.find(e->text) == std::string::npos) {
      header += (header.empty() ? "" : " / ") + e->text;
    }
  }
  std::string screen = reason.empty() ? header : reason + "\n" + header;
  for (std::size_t i = 0; i < settings_.languages.size(); ++i) {
    const text::entry* name = c.texts.find(settings_.languages[i], flow::keys::language_name);
    screen += "\n" + std::to_string(i + 1) + " " + (name ? name->text : settings_.languages[i]);
  }
  return screen;
}

std::string runner::chosen_language(const content& c, std::string_view answer) const {
  const auto n = text::read_choice(text::normalize(answer), c.words);
  if (!n || *n < 1 || static_cast<std::size_t>(*n) > settings_.languages.size()) return {};
  return settings_.languages[static_cast<std::size_t>(*n) - 1];
}

void runner::language_step(store::tx& tx, const content& c, const flow::definition& f,
                           std::int64_t contact_id, const std::optional<std::string>& answer,
                           flow::context& ctx, flow::outcome& out) const {
  const std::string lang = answer ? chosen_language(c, *answer) : "";
  if (!lang.empty()) {
    tx.set_contact_language(contact_id, lang);
    ctx.langs = languages_for(lang);
    out = flow::start(f, ctx);
    return;
  }
  // Not answered yet, or not a language: the picker again, with the reason (R-U10).
  out.next.invalid += answer ? 1 : 0;
  out.finished = out.next.invalid >= flow::max_invalid_replies;
  const text::entry* why =
      c.texts.resolve(out.finished ? flow::keys::too_many_invalid : flow::keys::invalid, ctx.langs);
  out.screen = out.finished ? (why ? why->text : "")
                            : language_screen(c, answer && why ? why->text : "");
}

std::string runner::error_text() const {
  return fallback_text(*current(), flow::keys::error, languages_for(""),
                       "Sorry, something went wrong. Please try again later.");
}

sms_outcome runner::apply_sms(store::tx& tx, const core::inbound_sms& sms) const {
  const auto c = current();
  const store::contact who = tx.upsert_contact(sms.from);
  sms_outcome result;
  if (!tx.record_inbound(sms.channel_id, sms.external_id, "sms", who.id, sms.text)) {
    result.duplicate = true;
    return result;
  }
  flow::context ctx{flow::medium::sms, languages_for(who.language), &c->texts, &c->words,
                    settings_.timezone};

  std::vector<std::string> replies;
  store::run r;
  flow::outcome out;
  const flow::definition* f = nullptr;
  if (auto waiting = tx.find_waiting_sms_run(who.id);
      waiting && (f = c->pinned(waiting->flow_id, waiting->flow_hash))) {
    r = std::move(*waiting);
    out = flow::resume(*f, state_from_json(r.state), sms.text, ctx);
  } else if ((f = c->flows.by_keyword(sms.text))) {
    out = flow::start(*f, ctx);
    r.contact_id = who.id;
    r.channel_id = sms.channel_id;
    r.medium = "sms";
    r.flow_id = f->id;
    r.flow_hash = f->hash;
  }
  if (f) {
    if (!out.error.empty()) {
      core::log::error("flow.error", {{"flow", f->id}, {"error", out.error}});
    }
    r.status = out.error.empty() ? (out.finished ? "completed" : "waiting") : "failed";
    r.state = to_json(out.next);
    tx.save_run(r);
    replies = std::move(out.messages);
    result.flow_id = f->id;
  } else if (const text::entry* e = c->texts.resolve(flow::keys::unknown_sms, ctx.langs)) {
    // Nothing claims the text: it stays in the inbox, and the sender learns it arrived.
    replies.push_back(e->text);
  }
  for (auto& body : replies) {
    tx.queue_message(store::new_message{sms.channel_id, who.id, r.id, sms.from, std::move(body),
                                        core::priority::reply});
  }
  result.queued = replies.size();
  return result;
}

}  // namespace paygham::runner
