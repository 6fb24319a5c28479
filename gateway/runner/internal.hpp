// What the runner's parts share (runner.cpp, ussd.cpp, sms.cpp, jobs.cpp): the run being
// stepped, the run state's JSON form, the gateway's own node names. Not for other modules.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/utf8.hpp"
#include "gateway/flow/engine.hpp"
#include "gateway/runner/runner.hpp"
#include "gateway/store/tx.hpp"

namespace paygham::runner {

// Words of an explosion (lexicon/urgent.yaml `blast`), not inside words of none ("not exploded").
inline bool tells_of_blast(const content& c, std::string_view text) {
  return !c.blast_words.find(c.unexploded.without(text)).empty();
}

// Words of danger: of someone hurt, or of what happened («انفجار»).
inline bool tells_of_danger(const content& c, std::string_view text) {
  return !c.danger_words.find(text).empty() || tells_of_blast(c, text);
}

// Words of someone in danger, or of self-harm.
inline bool in_danger(const content& c, std::string_view text) {
  return tells_of_danger(c, text) || !c.self_harm_words.find(text).empty();
}

// Words that nobody is hurt, or that all is well.
inline bool denies_hurt(const content& c, std::string_view text) {
  return !c.denials.find(text).empty() || !c.well_words.find(text).empty();
}

// Someone hurt, as the yes of "is anyone hurt?" and a question's `on_danger` take it, unless
// of self-harm (a person reads those): words of someone hurt not denied in their own part of
// the message («کسی زخمی نشده», "nobody injured"; but "my son is bleeding, I am not hurt",
// "nobody came, my son is bleeding" are someone hurt, and so is "…, I am fine": that all is
// well never takes them back); or of what happened ("it exploded") that nothing in the message
// denies or says all is well of ("it exploded, nobody hurt", "…, we are all fine").
inline bool someone_hurt(const content& c, std::string_view text) {
  if (!c.self_harm_words.find(text).empty()) return false;
  for (const auto part : text::clauses_of(text)) {
    if (!c.danger_words.find(part).empty() && c.denials.find(part).empty()) return true;
  }
  return tells_of_blast(c, text) && c.denials.find(text).empty() && c.well_words.find(text).empty();
}

// The solar month names a person reads (R-L3): their contact field `months` ("iranian" or
// "afghan"), else those of their own language `lang` (not of a screen drawn in Latin script),
// else of their own time zone `zone` (not a clinic's): one person sees one set.
inline text::month_names months_of(const std::map<std::string, std::string>& fields, std::string_view lang,
                                   std::string_view zone) {
  const auto it = fields.find("months");
  const auto chosen = it == fields.end() ? std::nullopt : text::parse_month_names(it->second);
  return text::resolve_months(chosen.value_or(text::month_names::by_language), lang, zone);
}

// One run being stepped: the flow, the stored row, the person and what the engine said.
struct runner::step {
  const flow::definition* f = nullptr;
  store::run r;
  store::contact who;
  flow::context ctx;
  flow::outcome out;
  bool unprompted = false;  // not an answer to the person: sending hours apply
  bool urgent = false;      // at once at any hour, first in the outbox (core::priority::alert)
  bool routine = false;     // education (a lesson): last in the outbox, counted under R-S9's cap
  std::int64_t series_id = 0;  // the reminder series whose occurrence this is; 0: none
  // R-U4, `fallback: digits`: the screen's words, sent as the person's answer in the session
  // they are in, also to a number that stopped messages.
  std::string screen_sms = {};

  // A new USSD run of flow `flow` with `who`, in session `session_id` on `channel_id` (not
  // stored yet).
  void begin_ussd(const flow::definition& flow, std::string channel_id, std::string session_id) {
    begin(flow, std::move(channel_id), store::medium::ussd);
    r.session_id = std::move(session_id);
  }

  // A new SMS conversation of flow `flow` with `who`, on `channel_id` (not stored yet).
  void begin_sms(const flow::definition& flow, std::string channel_id) {
    begin(flow, std::move(channel_id), store::medium::sms);
  }

 private:
  void begin(const flow::definition& flow, std::string channel_id, store::medium medium) {
    f = &flow;
    r = store::run{};
    r.contact_id = who.id;
    r.channel_id = std::move(channel_id);
    r.medium = medium;
    r.flow_id = flow.id;
    r.flow_hash = flow.hash;
    out.next = flow::state{};
  }
};

namespace detail {

inline constexpr std::string_view text_unavailable = "This service is not available.";
// The run's place while the gateway itself asks something; '@' cannot start a node name.
inline constexpr std::string_view language_node = "@language";
inline constexpr std::string_view resume_node = "@resume";
// R-S5: "you stopped our messages: get them again?" before a flow of a programme they stopped.
inline constexpr std::string_view stopped_node = "@stopped";
// R-L1: whether the phone shows the letters of the language just chosen (Pashto's ښ ځ ړ …).
inline constexpr std::string_view letters_node = "@letters";
// Where a resumed run was, while "continue / start again" is shown.
inline constexpr std::string_view resume_var = "@resume";
// The language chosen, while the letters check asks about it: it is the person's only once
// answered, so a session dropped there asks for the language again on the next dial.
inline constexpr std::string_view letters_var = "@language";
// R-U4, `fallback: digits`: how many screens of this session went by SMS, each numbered so its
// digits-only screen and its SMS match ("[3]").
inline constexpr std::string_view sms_screens_var = "@sms_screens";
// Set once a PIN (a secret question) was answered in the run: like a flow with `resume: false`,
// it is never resumed on a redial, lives no longer than the network's session, and its screens
// never wait in an SMS inbox (R-S12).
inline constexpr std::string_view pin_var = "@pin";

inline bool gateway_node(std::string_view node) { return !node.empty() && node[0] == '@'; }

// A run at "continue?" back at the question it was asked about. False when that question is
// not known: the run stays where it is.
inline bool back_from_resume(flow::state& st) {
  if (st.node != resume_node) return true;
  const auto back = st.vars.find(std::string(resume_var));
  if (back == st.vars.end()) return false;
  st.node = back->second;
  st.vars.erase(back);
  return true;
}

// Written directly, not through a JSON document: this runs on every hop. The keys in
// nlohmann::json's order, so a stored state reads the same either way.
inline std::string to_json(const flow::state& s) {
  std::string out;
  out.reserve(96);
  out += "{\"asked\":";
  out += std::to_string(s.asked);
  out += ",\"invalid\":";
  out += std::to_string(s.invalid);
  out += ",\"node\":";
  core::append_json_string(out, s.node);
  out += ",\"page\":";
  out += std::to_string(s.page);
  if (!s.secret_parts.empty()) {
    out += ",\"secret\":[";
    for (std::size_t i = 0; i < s.secret_parts.size(); ++i) {
      if (i > 0) out += ',';
      out += std::to_string(s.secret_parts[i]);
    }
    out += ']';
  }
  out += ",\"trail\":[";
  for (std::size_t i = 0; i < s.trail.size(); ++i) {
    if (i > 0) out += ',';
    core::append_json_string(out, s.trail[i]);
  }
  out += "],\"vars\":{";
  bool first = true;
  for (const auto& [k, v] : s.vars) {
    if (!std::exchange(first, false)) out += ',';
    core::append_json_string(out, k);
    out += ':';
    core::append_json_string(out, v);
  }
  out += "}}";
  return out;
}

// What to_json wrote (throws on anything else), read without a JSON document: most hops read
// a run's state, and nlohmann::json's document cost some 20,000 instructions a read.
flow::state state_from_json(const std::string& text);

// A run that ends keeps where it ended, never what was answered in it (a patient's number, the
// first day of a last period) nor the screens that showed it: what a flow means to keep it
// saves in the contact's fields, and a person's erasure (R-D6) cannot reach into a health
// worker's runs. A run that finished keeps its last screen (an END), the answer to any hop the
// aggregator sends again on that session; `end_run` is for runs let go unfinished.
// A run started for a visit whose texts must stay neutral (a counselling visit, R-H8; one
// booked for someone else on a shared phone, R-B4) carries this variable: none of its steps
// uses a text's explicit variant, whatever the person asked for.
inline constexpr std::string_view neutral_var = "@neutral";
// A run the person started by SMS themselves (a flow's keyword): until they answer its first
// question, dialling the same flow lets it go (they book by USSD instead), so what follows,
// a booking's confirmation, need not wait its turn behind it (runner::waits_turn).
inline constexpr std::string_view own_start_var = "@own";
// A stop that named an option of the open question was asked about (which did they mean?) at
// the wait this variable holds (state.asked): the next stop while it waits is a stop.
inline constexpr std::string_view stop_asked_var = "@stop_asked";
// A counselling visit of the last year (of those still kept, store.visit_retention) makes a
// counselling client: crisis lines when they write, no invitations (R-H8, R-U15).
inline constexpr core::unix_ms counselling_within_ms = 365LL * 86'400'000;
inline void keep_neutral(flow::context& ctx, const flow::state& st) {
  if (st.vars.count(std::string(neutral_var)) != 0) ctx.explicit_texts = false;
}

inline void forget_answers(store::run& r) {
  r.last_input.clear();
  r.prev_input.clear();
  r.prev_reply.clear();
}
// `st`: the run's state as stored (a caller that has read it already passes it).
inline void end_run(store::run& r, store::run_status how, flow::state st) {
  st.vars.clear();
  r.state = to_json(st);
  r.status = how;
  forget_answers(r);
  r.last_reply.clear();
}
inline void end_run(store::run& r, store::run_status how) {
  end_run(r, how, state_from_json(r.state));
}

inline std::string reply_to_json(const core::ussd_reply& r) {
  std::string out = r.end ? "{\"end\":true,\"text\":" : "{\"end\":false,\"text\":";
  core::append_json_string(out, r.text);
  out += '}';
  return out;
}

inline core::ussd_reply reply_from_json(const std::string& text) {
  const auto j = nlohmann::json::parse(text);
  return core::ussd_reply{j.at("end").get<bool>(), j.at("text").get<std::string>()};
}

inline std::string fallback_text(const content& c, std::string_view key,
                          const std::vector<std::string>& langs, std::string_view last_resort) {
  if (const text::entry* e = c.texts.resolve(key, langs)) return e->text;
  return std::string(last_resort);
}

// The jobs the runner schedules, each kind with its payload as a type (stored as JSON).
// An SMS question's wait ended: only the wait it was set for counts.
struct timeout_job {
  static constexpr std::string_view kind = "flow.timeout";
  // R-D3: the same for an SMS question without a timeout of its own, still unanswered after
  // settings::answer_retention_ms: it is let go with what was answered before it (the run ends
  // `expired`), and nothing is sent.
  static constexpr std::string_view let_go_kind = "flow.let_go";
  std::int64_t run = 0;
  int asked = -1;  // the question's ask counter when the wait was set
  // Asked in answer to the person, with a wait of at most reply_wait_ms: what silence brings
  // answers them too and goes at once, at any hour (a hazard report's "whom to call if anyone is
  // hurt"); otherwise it waits for their sending hours (R-S8).
  bool reply = false;
  std::string json() const {
    nlohmann::json j{{"run", run}, {"asked", asked}};
    if (reply) j["reply"] = true;
    return j.dump();
  }
  static std::optional<timeout_job> parse(const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || !j.contains("run") || !j["run"].is_number_integer() || !j.contains("asked") ||
        !j["asked"].is_number_integer()) {
      return std::nullopt;
    }
    const bool reply = j.contains("reply") && j["reply"].is_boolean() && j["reply"].get<bool>();
    return timeout_job{j["run"].get<std::int64_t>(), j["asked"].get<int>(), reply};
  }
};
// The longest wait after the person's own message whose end still answers them (timeout_job).
inline constexpr core::unix_ms reply_wait_ms = 2 * 3'600'000;
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

// The next batch of a broadcast's recipients is due (runner::start_broadcast adds the first).
struct broadcast_job {
  static constexpr std::string_view kind = "broadcast.batch";
  // An urgent alert awaits a second person (R-M3): the other admins and operators are told.
  static constexpr std::string_view approval_kind = "broadcast.approval";
  std::int64_t broadcast = 0;
  std::string json() const { return nlohmann::json{{"broadcast", broadcast}}.dump(); }
  static std::optional<broadcast_job> parse(const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || !j.contains("broadcast") || !j["broadcast"].is_number_integer()) return std::nullopt;
    return broadcast_job{j["broadcast"].get<std::int64_t>()};
  }
};

// R-H3: an urgent call a health worker was given (`escalation` on `worker`'s list, for inbox
// item `item`) still open an hour later: the operators are told too.
struct urgent_job {
  static constexpr std::string_view kind = "urgent.unanswered";
  std::int64_t escalation = 0, worker = 0, item = 0;
  std::string json() const {
    return nlohmann::json{{"escalation", escalation}, {"worker", worker}, {"item", item}}.dump();
  }
  static std::optional<urgent_job> parse(const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    for (const char* key : {"escalation", "worker", "item"}) {
      if (!j.contains(key) || !j[key].is_number_integer()) return std::nullopt;
    }
    return urgent_job{j["escalation"].get<std::int64_t>(), j["worker"].get<std::int64_t>(), j["item"].get<std::int64_t>()};
  }
};

}  // namespace detail
}  // namespace paygham::runner
