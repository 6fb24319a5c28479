#include "gateway/runner/runner.hpp"

#include <nlohmann/json.hpp>

#include "gateway/actions/action.hpp"
#include "gateway/core/log.hpp"
#include "gateway/flow/engine.hpp"
#include "gateway/phone/phone.hpp"
#include "gateway/text/format.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::runner {
namespace {

constexpr std::string_view text_unavailable = "This service is not available.";
// The run's place while the gateway itself asks something; '@' cannot start a node name.
constexpr std::string_view language_node = "@language";
constexpr std::string_view resume_node = "@resume";
// Where a resumed run was, while "continue / start again" is shown.
constexpr std::string_view resume_var = "@resume";
// Job kinds.
// The jobs the runner schedules, each kind with its payload as a type (stored as JSON).
// An SMS question's wait ended: only the wait it was set for counts.
struct timeout_job {
  static constexpr std::string_view kind = "flow.timeout";
  std::int64_t run = 0;
  int asked = -1;  // the question's ask counter when the wait was set
  std::string json() const { return nlohmann::json{{"run", run}, {"asked", asked}}.dump(); }
  static std::optional<timeout_job> parse(const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || !j.contains("run") || !j["run"].is_number_integer() || !j.contains("asked") ||
        !j["asked"].is_number_integer()) {
      return std::nullopt;
    }
    return timeout_job{j["run"].get<std::int64_t>(), j["asked"].get<int>()};
  }
};
// A USSD session may have dropped with a question open: only if no hop came since `at`.
struct drop_job {
  static constexpr std::string_view kind = "ussd.drop";
  std::int64_t run = 0;
  core::unix_ms at = 0;  // the run's updated_at when the job was set
  std::string json() const { return nlohmann::json{{"run", run}, {"at", at}}.dump(); }
  static std::optional<drop_job> parse(const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || !j.contains("run") || !j["run"].is_number_integer() || !j.contains("at") ||
        !j["at"].is_number_integer()) {
      return std::nullopt;
    }
    return drop_job{j["run"].get<std::int64_t>(), j["at"].get<core::unix_ms>()};
  }
};
// Work done by one tick, at most, so one tick never holds the writer long.
constexpr std::size_t tick_batch = 128;

bool gateway_node(std::string_view node) { return !node.empty() && node[0] == '@'; }

std::string to_json(const flow::state& s) {
  nlohmann::json j;
  j["node"] = s.node;
  j["vars"] = s.vars;
  j["invalid"] = s.invalid;
  j["trail"] = s.trail;
  j["page"] = s.page;
  j["asked"] = s.asked;
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
  s.asked = j.value("asked", 0);
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

std::string draw_language_picker(const text::catalog& texts, const std::vector<std::string>& offered,
                                 std::string_view reason) {
  std::string header;
  for (const auto& lang : offered) {
    const text::entry* e = texts.find(lang, flow::keys::choose_language);
    if (e && header.find(e->text) == std::string::npos) header += (header.empty() ? "" : " / ") + e->text;
  }
  std::string screen = reason.empty() ? header : std::string(reason) + "\n" + header;
  for (std::size_t i = 0; i < offered.size(); ++i) {
    const text::entry* name = texts.find(offered[i], flow::keys::language_name);
    screen += "\n" + std::to_string(i + 1) + " " + (name ? name->text : offered[i]);
  }
  return screen;
}

std::string draw_resume(const text::catalog& texts, const std::vector<std::string>& langs, std::string_view reason) {
  const auto text = [&](std::string_view key) {
    const text::entry* e = texts.resolve(key, langs);
    return e ? e->text : std::string(key);
  };
  const text::entry* e = texts.resolve(flow::keys::resume, langs);
  const std::string lang = e ? e->lang : "en";
  return (reason.empty() ? "" : std::string(reason) + "\n") + text(flow::keys::resume) + "\n" +
         flow::option_number(1, lang) + " " + text(flow::keys::resume_continue) + "\n" +
         flow::option_number(2, lang) + " " + text(flow::keys::resume_restart);
}

// One run being stepped: the flow, the stored row, the person and what the engine said.
struct runner::step {
  const flow::definition* f = nullptr;
  store::run r;
  store::contact who;
  flow::context ctx;
  flow::outcome out;
  bool unprompted = false;  // not an answer to the person: sending hours apply
};

runner::runner(std::shared_ptr<const content> c, settings s, const actions::registry* actions)
    : content_(std::move(c)),
      settings_(std::move(s)),
      gateway_values_(gateway_values(settings_)),
      actions_(actions ? actions : &actions::registry::builtin()) {}

std::map<std::string, std::string, std::less<>> gateway_values(const settings& s) {
  std::map<std::string, std::string, std::less<>> values;
  if (!s.emergency_number.empty()) values.emplace("emergency", s.emergency_number);
  return values;
}

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

flow::context runner::context_for(const content& c, flow::medium via, const store::contact& who,
                                  core::unix_ms now) const {
  flow::context ctx;
  ctx.via = via;
  ctx.langs = languages_for(who.language);
  ctx.texts = &c.texts;
  ctx.words = &c.words;
  ctx.timezone = time_zone(who.phone);
  ctx.region = settings_.region;
  ctx.now_ms = now;
  ctx.contact = who.fields;
  ctx.gateway = &gateway_values_;
  return ctx;
}

std::string runner::time_zone(std::string_view e164) const {
  // A number's own country, when it has one zone (+98 Tehran, +93 Kabul): a person who moved
  // home has their clock with them.
  const std::string region = phone::region_of(e164);
  thread_local std::map<std::string, std::string> zones;
  auto it = zones.find(region);
  if (it == zones.end()) it = zones.emplace(region, text::country_zone(region)).first;
  return it->second.empty() ? settings_.timezone : it->second;
}

std::string runner::say(const content& c, std::string_view key, const store::contact& who) const {
  const text::entry* e = c.texts.resolve(key, languages_for(who.language));
  if (!e) return {};
  const text::formatter fmt(e->lang, time_zone(who.phone));
  return text::render(
      e->text,
      [&](std::string_view name) -> std::optional<std::string> {
        if (auto it = gateway_values_.find(name); it != gateway_values_.end()) return it->second;
        return std::nullopt;
      },
      &fmt);
}

void runner::settle(store::tx& tx, step& s) const {
  while (s.out.action && s.out.error.empty()) {
    const flow::action_call call = *s.out.action;
    if (s.r.id == 0) {
      // An action may refer to the run (the inbox does): it must exist first.
      s.r.status = store::run_status::active;
      s.r.state = to_json(s.out.next);
      tx.save_run(s.r);
    }
    flow::action_result result{"error", {}};
    if (const actions::action* a = actions_->find(call.name)) {
      const actions::request req{call.args, s.who.id, s.who.phone, s.r.id, s.r.channel_id, s.f->id};
      const std::string failed = tx.attempt([&] { result = a->run(tx, req); });
      if (!failed.empty()) {
        result = {"error", {}};
        core::log::error("action.failed", {{"flow", s.f->id}, {"action", call.name}, {"error", failed}});
      }
    } else {
      core::log::error("action.unknown", {{"flow", s.f->id}, {"action", call.name}});
    }
    for (const auto& [k, v] : s.out.contact) s.ctx.contact[k] = v;
    flow::append(s.out, flow::after_action(*s.f, s.out.next, result, s.ctx));
  }
}

std::size_t runner::commit(store::tx& tx, step& s) const {
  if (!s.out.error.empty()) {
    core::log::error("flow.error", {{"flow", s.f->id}, {"error", s.out.error}});
  }
  const bool sms = s.r.medium == store::medium::sms;
  s.r.status = !s.out.error.empty() ? store::run_status::failed
               : s.out.finished     ? store::run_status::completed
               : sms                ? store::run_status::waiting
                                    : store::run_status::active;
  s.r.state = to_json(s.out.next);
  tx.set_contact_fields(s.who.id, s.out.contact);
  tx.save_run(s.r);
  if (s.out.timeout_at > 0) {
    // A promise to come back to the person: it must survive power loss.
    tx.require_disk();
    tx.add_job(timeout_job::kind, s.out.timeout_at, timeout_job{s.r.id, s.out.next.asked}.json());
  }
  if (!sms && !s.out.finished && s.f->continue_by_sms) {
    // If no hop comes before the session would have dropped, the question goes by SMS.
    tx.add_job(drop_job::kind, tx.now() + settings_.session_timeout_ms, drop_job{s.r.id, s.r.updated_at}.json());
  }
  if (!sms) return 0;
  // A reply goes at once; what nobody is waiting for waits for the contact's morning (R-S8).
  const core::unix_ms not_before =
      s.unprompted ? text::after_quiet_hours(tx.now(), time_zone(s.who.phone), settings_.quiet_from, settings_.quiet_to) : 0;
  for (auto& body : s.out.messages) {
    store::new_message m{s.r.channel_id, s.who.id, s.r.id, s.who.phone, std::move(body), core::priority::reply};
    m.not_before = not_before;
    tx.queue_message(m);
  }
  return s.out.messages.size();
}

core::ussd_reply runner::apply_ussd(store::tx& tx, const core::ussd_request& req) const {
  const auto c = current();
  step s;
  // The contact first: with several nodes it holds this person's work until the commit, so
  // the session's run is read after any hop another node is applying.
  s.who = tx.upsert_contact(req.from);
  auto existing = tx.find_session_run(req.channel_id, req.session_id);
  if (existing && existing->contact_id != s.who.id) {
    // Another number's session id: never continue someone else's conversation.
    core::log::warn("ussd.foreign_session", {{"channel", req.channel_id}, {"from", core::log::phone{req.from}}});
    return core::ussd_reply{true, fallback_text(*c, flow::keys::error, languages_for(s.who.language),
                                                text_unavailable)};
  }
  if (existing) {
    // A hop answered before (the aggregator retried it, or an older one came late): its own
    // screen again, never a second step. Older still (every answer so far is in the text,
    // joined by '*', so an older hop's text begins the newest's): the current screen.
    if (!existing->last_reply.empty() && req.text == existing->last_input) return reply_from_json(existing->last_reply);
    if (!existing->prev_reply.empty() && req.text == existing->prev_input) return reply_from_json(existing->prev_reply);
    const std::string& newest = existing->last_input;
    const bool older = newest.size() > req.text.size() && newest.compare(0, req.text.size(), req.text) == 0 &&
                       (req.text.empty() || newest[req.text.size()] == '*');
    if (older && !existing->last_reply.empty()) return reply_from_json(existing->last_reply);
  }
  s.ctx = context_for(*c, flow::medium::ussd, s.who, tx.now());
  if (auto it = settings_.ussd_limits.find(req.channel_id); it != settings_.ussd_limits.end()) s.ctx.screen = it->second;
  const auto unavailable = [&] {
    return core::ussd_reply{true, fallback_text(*c, flow::keys::no_service, s.ctx.langs, text_unavailable)};
  };

  std::vector<std::string> answers;  // pre-answers, in order, still to feed to the flow
  bool resumed = false;
  if (!existing) {
    s.f = c->flows.by_ussd_code(req.service_code);
    if (!s.f) {
      core::log::info("ussd.no_flow", {{"channel", req.channel_id}, {"code", req.service_code}});
      return unavailable();
    }
    // Digits dialled after the service code (*384*12*1*2#) arrive as the first hop's text:
    // each pre-answers one screen (R-U9), the language picker's first.
    if (!req.text.empty()) answers = split_star(req.text);
    // A plain redial soon after a dropped session offers to continue it (R-U12). A dial with
    // shortcut digits says what the person wants: it starts afresh.
    auto old = tx.find_resumable_run(s.who.id, s.f->id, req.session_id,
                                     tx.now() - settings_.resume_window_ms);
    if (old) {
      const flow::definition* f_old = c->pinned(old->flow_id, old->flow_hash);
      flow::state st = state_from_json(old->state);
      if (answers.empty() && f_old && !gateway_node(st.node)) {
        resumed = true;
        s.f = f_old;
        s.r = std::move(*old);
        s.r.session_id = req.session_id;
        st.vars[std::string(resume_var)] = st.node;
        st.node = std::string(resume_node);
        st.invalid = 0;
        s.out.next = std::move(st);
      } else {
        old->status = store::run_status::expired;
        tx.save_run(*old);
      }
    }
    if (!resumed) {
      s.r.contact_id = s.who.id;
      s.r.channel_id = req.channel_id;
      s.r.medium = store::medium::ussd;
      s.r.session_id = req.session_id;
      s.r.flow_id = s.f->id;
      s.r.flow_hash = s.f->hash;
      s.out.next.node = asks_language(s.who) ? std::string(language_node) : std::string();
    }
  } else {
    s.r = std::move(*existing);
    s.f = c->pinned(s.r.flow_id, s.r.flow_hash);
    if (s.r.status != store::run_status::active || !s.f) return unavailable();
    s.out.next = state_from_json(s.r.state);
    answers.push_back(newest_answer(req.text, s.r.last_input));
  }
  std::size_t used = 0;
  const auto next_answer = [&]() -> std::optional<std::string> {
    if (used < answers.size()) return answers[used++];
    return std::nullopt;
  };
  if (s.out.next.node == language_node) {
    language_step(tx, *c, s, next_answer());
  } else if (s.out.next.node == resume_node) {
    resume_step(s, resumed ? std::nullopt : next_answer());
  } else if (!existing) {
    s.out = flow::start(*s.f, s.ctx);
  }
  settle(tx, s);
  for (; used < answers.size() && !s.out.finished && !gateway_node(s.out.next.node); ++used) {
    s.out = flow::resume(*s.f, std::move(s.out.next), answers[used], s.ctx);
    settle(tx, s);
  }
  const core::ussd_reply reply{s.out.finished, s.out.screen};
  s.r.prev_input = std::exchange(s.r.last_input, req.text);
  s.r.prev_reply = std::exchange(s.r.last_reply, reply_to_json(reply));
  commit(tx, s);
  return reply;
}

bool runner::asks_language(const store::contact& who) const {
  return who.language.empty() && settings_.languages.size() >= 2;
}

std::string runner::chosen_language(const content& c, std::string_view answer) const {
  const auto n = text::read_choice(text::normalize(answer), c.words);
  if (!n || *n < 1 || static_cast<std::size_t>(*n) > settings_.languages.size()) return {};
  return settings_.languages[static_cast<std::size_t>(*n) - 1];
}

void runner::language_step(store::tx& tx, const content& c, step& s,
                           const std::optional<std::string>& answer) const {
  const std::string lang = answer ? chosen_language(c, *answer) : "";
  if (!lang.empty()) {
    tx.set_contact_language(s.who.id, lang);
    s.who.language = lang;
    s.ctx.langs = languages_for(lang);
    s.out = flow::start(*s.f, s.ctx);
    return;
  }
  // Not answered yet, or not a language: the picker again, with the reason (R-U10).
  auto& out = s.out;
  out.next.invalid += answer ? 1 : 0;
  out.finished = out.next.invalid >= flow::max_invalid_replies;
  const text::entry* why =
      c.texts.resolve(out.finished ? flow::keys::too_many_invalid : flow::keys::invalid, s.ctx.langs);
  out.screen = out.finished ? (why ? why->text : "")
                            : flow::with_reason(answer && why ? why->text : "",
                                                draw_language_picker(c.texts, settings_.languages, ""), s.ctx);
}

void runner::resume_step(step& s, const std::optional<std::string>& answer) const {
  auto& st = s.out.next;
  const auto choice = answer ? text::read_choice(text::normalize(*answer), *s.ctx.words)
                             : std::optional<long>();
  if (choice == 1) {
    st.node = st.vars[std::string(resume_var)];
    st.vars.erase(std::string(resume_var));
    s.out = flow::repeat(*s.f, std::move(st), s.ctx);
    return;
  }
  if (choice == 2) {
    s.out = flow::start(*s.f, s.ctx);
    return;
  }
  // The texts of the content this hop runs on (the context points at them).
  const auto text = [&](std::string_view key) {
    const text::entry* e = s.ctx.texts->resolve(key, s.ctx.langs);
    return e ? e->text : std::string(key);
  };
  if (answer && ++st.invalid >= flow::max_invalid_replies) {
    s.out.finished = true;
    s.out.screen = text(flow::keys::too_many_invalid);
    return;
  }
  s.out.screen = flow::with_reason(answer ? text(flow::keys::invalid) : "",
                                   draw_resume(*s.ctx.texts, s.ctx.langs, ""), s.ctx);
}

std::string runner::error_text() const {
  return fallback_text(*current(), flow::keys::error, languages_for(""),
                       "Sorry, something went wrong. Please try again later.");
}

std::string runner::try_again_text() const {
  return fallback_text(*current(), flow::keys::try_again, languages_for(""),
                       "Sorry, this is taking too long. Please dial again.");
}

bool runner::global_keyword(store::tx& tx, const content& c, const store::contact& who,
                            const core::inbound_sms& sms, std::string_view typed, sms_outcome& result) const {
  const text::global_word said = text::read_global(typed, c.keywords);
  std::string_view key;
  bool even_if_opted_out = false;
  switch (said) {
    case text::global_word::stop:
      // Opting out holds at once for everything queued or waiting (R-S5).
      tx.set_opted_out(who.id, true);
      key = flow::keys::opted_out;
      even_if_opted_out = true;
      break;
    case text::global_word::start:
      tx.set_opted_out(who.id, false);
      key = flow::keys::opted_in;
      break;
    case text::global_word::ask_stop:
      // "stop it", "STOPP": ask, change nothing; a person reads what they wrote.
      tx.add_inbox(store::inbox_item{who.id, 0, sms.channel_id, "", sms.text});
      key = flow::keys::confirm_stop;
      even_if_opted_out = true;
      break;
    case text::global_word::help:
    case text::global_word::none:
      if (!who.opted_out) {
        if (said == text::global_word::none) return false;
        key = flow::keys::help;
        break;
      }
      // Stopped people are told so, and how to start again: never a menu, never silence.
      // What they wrote, unless a flow's keyword, still reaches a person (a hazard report).
      if (!c.flows.by_keyword(sms.text)) tx.add_inbox(store::inbox_item{who.id, 0, sms.channel_id, "", sms.text});
      key = flow::keys::still_opted_out;
      even_if_opted_out = true;
      break;
  }
  if (std::string body = say(c, key, who); !body.empty()) {
    store::new_message m{sms.channel_id, who.id, 0, sms.from, std::move(body), core::priority::reply};
    m.even_if_opted_out = even_if_opted_out;
    tx.queue_message(m);
    result.queued = 1;
  }
  result.flow_id = "@" + std::string(key.substr(key.find('.') + 1));
  return true;
}

bool runner::language_change(store::tx& tx, const content& c, store::contact& who,
                             const core::inbound_sms& sms, std::string_view typed, sms_outcome& result) const {
  const auto n = text::read_language_change(typed, c.hints);
  if (!n || who.opted_out || settings_.languages.empty()) return false;
  std::string body;
  if (*n >= 1 && static_cast<std::size_t>(*n) <= settings_.languages.size()) {
    // Chosen: said in the new language, with what the person can do next.
    who.language = settings_.languages[static_cast<std::size_t>(*n) - 1];
    tx.set_contact_language(who.id, who.language);
    body = say(c, flow::keys::help, who);
  } else {
    body = draw_language_picker(c.texts, settings_.languages, say(c, flow::keys::change_language, who));
  }
  tx.queue_message(store::new_message{sms.channel_id, who.id, 0, sms.from, body, core::priority::reply});
  result.queued = 1;
  result.flow_id = "@language";
  return true;
}

sms_outcome runner::apply_sms(store::tx& tx, const core::inbound_sms& sms) const {
  const auto c = current();
  sms_outcome result;
  step s;
  s.who = tx.upsert_contact(sms.from);
  if (!tx.record_inbound(sms.channel_id, sms.external_id, "sms", s.who.id, sms.text)) {
    result.duplicate = true;
    return result;
  }
  if (s.who.language.empty()) {
    // A first SMS is answered in its own language (guessed from its words and script), never
    // in English for Persian script; the guess holds for USSD too and "زبان" changes it.
    // A message that does not tell (Latin letters, digits) is answered in the default language
    // and the next one is read again.
    std::vector<std::string> offered = settings_.languages;
    if (offered.empty()) {
      offered = c->texts.languages();
      offered.insert(offered.begin(), settings_.default_language);
    }
    s.who.language = text::guess_language(sms.text, offered, c->hints);
    if (!s.who.language.empty()) tx.set_contact_language(s.who.id, s.who.language);
  }
  const std::string typed = text::normalize(sms.text);
  if (language_change(tx, *c, s.who, sms, typed, result)) return result;
  if (global_keyword(tx, *c, s.who, sms, typed, result)) return result;
  s.ctx = context_for(*c, flow::medium::sms, s.who, tx.now());
  const flow::definition* by_keyword = c->flows.by_keyword(sms.text);
  const auto start = [&](const flow::definition* f) {
    tx.expire_waiting_sms_runs(s.who.id);
    s.f = f;
    s.r = store::run{};
    s.r.contact_id = s.who.id;
    s.r.channel_id = sms.channel_id;
    s.r.medium = store::medium::sms;
    s.r.flow_id = f->id;
    s.r.flow_hash = f->hash;
    s.out = flow::start(*f, s.ctx);
  };
  auto waiting = tx.find_waiting_sms_run(s.who.id);
  const flow::definition* waiting_flow = waiting ? c->pinned(waiting->flow_id, waiting->flow_hash) : nullptr;
  bool rejected = false;
  if (waiting_flow) {
    // The open question first (R-S3 step 2).
    s.f = waiting_flow;
    s.r = std::move(*waiting);
    s.out = flow::resume(*s.f, state_from_json(s.r.state), sms.text, s.ctx);
    // Not an answer but another flow's keyword: that flow takes over (step 3).
    if (s.out.rejected && by_keyword) {
      start(by_keyword);
    } else {
      rejected = s.out.rejected;
    }
  } else if (by_keyword) {
    start(by_keyword);
  }
  if (!s.f || rejected) {
    // Free text is never dropped silently: a person reads the inbox (step 4).
    tx.add_inbox(store::inbox_item{s.who.id, s.r.id, sms.channel_id, s.f ? s.f->id : "", sms.text});
  }
  if (!s.f) {
    if (std::string body = say(*c, flow::keys::unknown_sms, s.who); !body.empty()) {
      tx.queue_message(store::new_message{sms.channel_id, s.who.id, 0, sms.from, std::move(body),
                                          core::priority::reply});
      result.queued = 1;
    }
    return result;
  }
  settle(tx, s);
  result.queued = commit(tx, s);
  result.flow_id = s.f->id;
  return result;
}

bool runner::continue_by_sms(store::tx& tx, const content& c, step& s) const {
  flow::state st = state_from_json(s.r.state);
  if (!s.f->continue_by_sms || s.r.status != store::run_status::active || s.r.medium != store::medium::ussd || gateway_node(st.node)) {
    return false;
  }
  s.r.medium = store::medium::sms;
  s.r.session_id.clear();
  s.ctx = context_for(c, flow::medium::sms, s.who, tx.now());
  s.out = flow::repeat(*s.f, std::move(st), s.ctx);
  tx.require_disk();
  settle(tx, s);
  commit(tx, s);
  return true;
}

bool runner::end_session(store::tx& tx, const core::session_end& e) const {
  const auto c = current();
  auto r = tx.find_session_run(e.channel_id, e.session_id);
  if (!r || r->status != store::run_status::active) return false;
  const flow::definition* f = c->pinned(r->flow_id, r->flow_hash);
  auto who = tx.find_contact(r->contact_id);
  if (!f || !who) return false;
  step s{f, std::move(*r), std::move(*who), {}, {}};
  return continue_by_sms(tx, *c, s);
}

// The step a job's run is at, if the run, its flow version and its contact are all still there.
std::optional<runner::step> runner::job_step(store::tx& tx, const content& c, std::int64_t run_id) const {
  auto r = tx.find_run(run_id);
  if (!r) return std::nullopt;
  const flow::definition* f = c.pinned(r->flow_id, r->flow_hash);
  auto who = tx.find_contact(r->contact_id);
  if (!f || !who) return std::nullopt;
  return step{f, std::move(*r), std::move(*who), {}, {}};
}

std::string runner::apply_timeout(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const {
  const auto p = timeout_job::parse(j.payload);
  if (!p) return "payload is not {run, asked}";
  auto s = job_step(tx, c, p->run);
  if (!s) return {};  // the run is gone: nothing to do
  flow::state st = state_from_json(s->r.state);
  // Only the wait it was set for: an answered or re-asked question ignores it.
  if (s->r.status != store::run_status::waiting || st.asked != p->asked) return {};
  s->ctx = context_for(c, flow::medium::sms, s->who, tx.now());
  s->out = flow::time_out(*s->f, std::move(st), s->ctx);
  s->unprompted = true;
  ++done.timeouts;
  tx.require_disk();
  settle(tx, *s);
  commit(tx, *s);
  return {};
}

std::string runner::apply_drop(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const {
  const auto p = drop_job::parse(j.payload);
  if (!p) return "payload is not {run, at}";
  auto s = job_step(tx, c, p->run);
  // Only if no hop came since: the session dropped with a question open.
  if (s && s->r.updated_at == p->at && continue_by_sms(tx, c, *s)) ++done.continued;
  return {};
}

tick_outcome runner::tick(store::tx& tx) const {
  using handler = std::string (runner::*)(store::tx&, const content&, const store::job&, tick_outcome&) const;
  static const std::map<std::string_view, handler> handlers = {
      {timeout_job::kind, &runner::apply_timeout},
      {drop_job::kind, &runner::apply_drop},
  };
  const auto c = current();
  tick_outcome done;
  for (const auto& j : tx.take_due_jobs(tick_batch)) {
    const auto h = handlers.find(j.kind);
    const std::string problem = h == handlers.end() ? "no handler for this kind" : (this->*(h->second))(tx, *c, j, done);
    if (problem.empty()) continue;
    // Kept for a person (or a newer build) to look at, never taken again, never lost.
    tx.park_job(j.id, problem);
    core::log::warn("job.parked", {{"job", j.id}, {"kind", j.kind}, {"problem", problem}});
  }
  // Dropped sessions nobody came back to within the window: their answers are let go.
  for (auto& r : tx.stale_ussd_runs(tx.now() - settings_.resume_window_ms, tick_batch)) {
    r.status = store::run_status::expired;
    tx.save_run(r);
    ++done.expired;
  }
  return done;
}

}  // namespace paygham::runner
