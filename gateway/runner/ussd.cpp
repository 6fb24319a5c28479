// USSD hops: a session stepped one screen at a time, the gateway's own language and resume
// screens, sessions that drop and go on by SMS.
#include "gateway/runner/internal.hpp"
#include "gateway/runner/screens.hpp"

#include <algorithm>
#include <cstdlib>

#include "gateway/actions/privacy.hpp"
#include "gateway/core/log.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"
#include "gateway/text/screen.hpp"

namespace paygham::runner {

using namespace detail;

namespace {

// The newest answer in a hop. Africa's Talking sends every answer so far joined by '*';
// the previous hop's text is a prefix, so the rest is the new answer even when it holds a
// '*' itself. Aggregators that send only the latest answer fall to the last segment.
int parts_in(const std::string& text) {
  return text.empty() ? 0 : static_cast<int>(std::count(text.begin(), text.end(), '*')) + 1;
}

struct answer_part {
  std::string text;
  int part = 0;  // where it is in the aggregator's text, counting '*'-separated parts from 0
};

// The newest answer in an aggregator's text: what follows the previous hop's text (Africa's
// Talking sends every answer so far, joined by '*'), else the last part (aggregators that
// send only the newest).
answer_part newest_answer(const std::string& text, const std::string& previous) {
  if (previous.empty()) return {text, 0};
  if (text.size() > previous.size() && text.compare(0, previous.size(), previous) == 0 &&
      text[previous.size()] == '*') {
    return {text.substr(previous.size() + 1), parts_in(previous)};
  }
  const auto star = text.rfind('*');
  if (star == std::string::npos) return {text, 0};
  return {text.substr(star + 1), parts_in(text) - 1};
}

// The aggregator's text as stored: the parts that answered a secret question (a PIN) blanked,
// so the store never holds them; comparisons with the stored inputs use the same form.
std::string masked(const std::string& text, const std::vector<int>& secret_parts) {
  if (secret_parts.empty()) return text;
  std::string out;
  int part = 0;
  std::size_t pos = 0;
  while (true) {
    const std::size_t star = text.find('*', pos);
    const std::size_t end = star == std::string::npos ? text.size() : star;
    if (std::find(secret_parts.begin(), secret_parts.end(), part) != secret_parts.end()) {
      out += "#";
    } else {
      out.append(text, pos, end - pos);
    }
    if (star == std::string::npos) break;
    out += '*';
    pos = star + 1;
    ++part;
  }
  return out;
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

// A dialled code no flow has, as the log shows it: digits after a flow's code may be a PIN
// dialled with it (*384*16*2580#), so only the flow's code shows ("*384*16*…"); of another,
// its first part ("*384*…").
std::string code_for_log(const flow::flow_set& flows, const std::string& code) {
  for (const auto& f : flows.all()) {
    for (const auto& known : f->ussd_codes) {
      const std::string base = known.substr(0, known.find('#'));
      if (code.size() > base.size() && code.compare(0, base.size(), base) == 0 && code[base.size()] == '*') {
        return base + "*…";
      }
    }
  }
  const auto second = code.find('*', 1);
  return second == std::string::npos ? "…" : code.substr(0, second + 1) + "…";
}

}  // namespace

core::ussd_reply runner::apply_ussd(store::tx& tx, const core::ussd_request& req) const {
  const auto c = current();
  step s;
  // The contact first: with several nodes it holds this person's work until the commit, so
  // the session's run is read after any hop another node is applying.
  s.who = tx.upsert_contact(req.from);
  if (s.who.unreachable) {
    // They dialled from this number: it works again (R-S13).
    tx.set_reachable(s.who.id);
    s.who.unreachable = false;
  }
  auto existing = tx.find_session_run(req.channel_id, req.session_id);
  if (existing && existing->contact_id != s.who.id) {
    // Another number's session id: never continue someone else's conversation.
    core::log::warn("ussd.foreign_session", {{"channel", req.channel_id}, {"from", core::log::phone{req.from}}});
    return core::ussd_reply{true, fallback_text(*c, flow::keys::error, screen_languages(req.channel_id, s.who.language, s.who.fields),
                                                text_unavailable)};
  }
  // The inputs as they are stored and compared: secret answers blanked.
  std::vector<int> secret_parts;
  std::optional<flow::state> existing_state;
  std::string seen = req.text;
  const bool finished = existing && (existing->status == store::run_status::completed ||
                                     existing->status == store::run_status::failed);
  if (finished && !existing->last_reply.empty()) {
    // The session ended with that screen: any hop on it now is the aggregator's retry or a
    // late one (the answers that led there are not kept, forget_answers).
    return reply_from_json(existing->last_reply);
  }
  if (existing) {
    existing_state = state_from_json(existing->state);
    secret_parts = existing_state->secret_parts;
    seen = masked(req.text, secret_parts);
    // A hop answered before (the aggregator retried it, or an older one came late): its own
    // screen again, never a second step. Older still (every answer so far is in the text,
    // joined by '*', so an older hop's text begins the newest's): the current screen.
    if (!existing->last_reply.empty() && seen == existing->last_input) return reply_from_json(existing->last_reply);
    if (!existing->prev_reply.empty() && seen == existing->prev_input) return reply_from_json(existing->prev_reply);
    const std::string& newest = existing->last_input;
    const bool older = newest.size() > seen.size() && newest.compare(0, seen.size(), seen) == 0 &&
                       (seen.empty() || newest[seen.size()] == '*');
    if (older && !existing->last_reply.empty()) return reply_from_json(existing->last_reply);
  }
  s.ctx = context_for(*c, flow::medium::ussd, s.who, tx.now());
  s.ctx.screen = text::route_of(settings_.ussd_routes, req.channel_id).screen;
  // R-U4: a route that carries no UCS-2 shows the menu in Latin script, never Persian script
  // as boxes: the person's SMS stay in their language.
  use_language(s.ctx, s.who.language);
  const auto unavailable = [&] {
    return core::ussd_reply{true, fallback_text(*c, flow::keys::no_service, screen_languages(req.channel_id, s.who.language, s.who.fields),
                                                text_unavailable)};
  };

  std::vector<std::string> answers;  // pre-answers, in order, still to feed to the flow
  int first_part = 0;                // where answers[0] is in the text, counting '*'-parts
  bool resumed = false;
  if (!existing) {
    s.f = c->flows.by_ussd_code(req.service_code);
    if (!s.f) {
      core::log::info("ussd.no_flow", {{"channel", req.channel_id}, {"code", code_for_log(c->flows, req.service_code)}});
      return unavailable();
    }
    // The menu of this flow they asked for by SMS and left unanswered: they use this instead.
    if (auto sms = s.who.created ? std::nullopt : tx.find_waiting_sms_run(s.who.id); sms && sms->flow_id == s.f->id) {
      if (const flow::state st = state_from_json(sms->state); st.trail.empty() && st.vars.contains(std::string(own_start_var))) {
        end_run(*sms, store::run_status::expired);
        tx.save_run(*sms);
        // What waited behind it is not woken: sent now, it would become the open question while
        // the person is in this session, and the SMS this session promises would wait behind it.
      }
    }
    // Digits dialled after the service code (*384*12*1*2#) arrive as the first hop's text:
    // each pre-answers one screen (R-U9), the language picker's first.
    if (!req.text.empty()) answers = split_star(req.text);
    // A plain redial soon after a dropped session offers to continue it (R-U12). A dial with
    // shortcut digits says what the person wants: it starts afresh.
    // (A person met just now has nothing to resume.)
    // A flow that never resumes (behind a PIN) starts afresh.
    auto old = s.who.created || !s.f->resume ? std::nullopt
                             : tx.find_resumable_run(s.who.id, s.f->id, req.session_id,
                                                     tx.now() - settings_.resume_window_ms);
    if (old) {
      const flow::definition* f_old = c->pinned(old->flow_id, old->flow_hash);
      // Read once: as stored (to end the run, or to go on by SMS), and as it is resumed.
      flow::state stored = state_from_json(old->state);
      flow::state st = stored;
      // Dropped again at "continue?": offered again, about the question it was asked about.
      back_from_resume(st);
      if (answers.empty() && f_old && !gateway_node(st.node) && !st.vars.contains(std::string(pin_var))) {
        resumed = true;
        s.f = f_old;
        s.r = std::move(*old);
        s.r.session_id = req.session_id;
        s.r.channel_id = req.channel_id;  // the route dialled now: its timeouts, its sender
        // The old session's hops are not this one's: a "1" here (continue) is not a retry of
        // the "1" that session ended on.
        s.r.last_input.clear();
        s.r.last_reply.clear();
        st.vars[std::string(resume_var)] = st.node;
        st.node = std::string(resume_node);
        st.invalid = 0;
        s.out.next = std::move(st);
      } else if (!time_out_left(tx, *c, *old, stored, true)) {
        // Shortcut digits start afresh: what was begun goes where silence would lead it (a
        // hazard report saved), else it is let go.
        end_run(*old, store::run_status::expired, std::move(stored));
        tx.save_run(*old);
      }
    }
    if (!resumed) {
      s.begin_ussd(*s.f, req.channel_id, req.session_id);
      // The names in the picker are in their own scripts: not on a route without UCS-2.
      s.out.next.node = asks_language(s.who) && s.ctx.screen.ucs2 ? std::string(language_node) : std::string();
    }
  } else {
    s.r = std::move(*existing);
    s.f = c->pinned(s.r.flow_id, s.r.flow_hash);
    if (s.r.status != store::run_status::active || !s.f) return unavailable();
    const bool behind_pin = !s.f->resume || existing_state->vars.contains(std::string(pin_var));
    if (behind_pin && tx.now() - s.r.updated_at > text::route_of(settings_.ussd_routes, s.r.channel_id).session_timeout_ms) {
      // A flow behind a PIN lives as long as the network's session: a hop on it after that
      // is not the person who typed the PIN going on.
      end_run(s.r, store::run_status::expired);
      tx.save_run(s.r);
      return core::ussd_reply{true, fallback_text(*c, flow::keys::try_again, screen_languages(req.channel_id, s.who.language, s.who.fields),
                                                  "Sorry, this is taking too long. Please dial again.")};
    }
    s.out.next = std::move(*existing_state);
    auto newest = newest_answer(seen, s.r.last_input);
    answers.push_back(std::move(newest.text));
    first_part = newest.part;
  }
  // What a menu behind a PIN shows (a patient's number, their care, a person's visits) never
  // waits in an inbox for whoever holds the phone next: on this route it is drawn in Latin script.
  const auto never_by_sms = [&] {
    if (!s.ctx.screen.digits_only()) return;
    s.ctx.screen.without_ucs2 = text::screen_limits::fallback::latin;
    use_language(s.ctx, s.who.language);
  };
  // Nor what follows a choice of counselling (R-H8: a service whose texts stay neutral), where a
  // screen (the offer of a PIN for its visits) would tell whoever reads the inbox what it was;
  // kept once chosen, so that backing out of it invites nobody to finish either (R-U15).
  auto& vars = s.out.next.vars;
  if (std::any_of(vars.begin(), vars.end(),
                  [&](const auto& v) { return c->clinics.neutral_only(v.second); })) {
    vars[std::string(neutral_var)] = "1";
  }
  if (!s.f->resume || !s.f->keep_sms || vars.contains(std::string(pin_var)) ||
      vars.contains(std::string(neutral_var))) {
    never_by_sms();
  }
  // Screens sent by SMS so far (R-U4), also when this hop starts the flow again.
  const auto sent = s.out.next.vars.find(std::string(sms_screens_var));
  const int sms_screens = sent == s.out.next.vars.end() ? 0 : std::atoi(sent->second.c_str());
  std::size_t used = 0;
  const auto next_answer = [&]() -> std::optional<std::string> {
    if (used < answers.size()) return answers[used++];
    return std::nullopt;
  };
  // The gateway's own screen asked now (the language, its letters, "messages stopped"), and
  // where its answer is in the text.
  const std::string own_screen = gateway_node(s.out.next.node) ? s.out.next.node : std::string();
  const int own_part = first_part + static_cast<int>(used);
  const std::size_t used_before = used;
  if (s.out.next.node == language_node) {
    language_step(tx, *c, s, next_answer());
    // Digits dialled on past the language (*384*12*2*1#): someone who knows the menus, and
    // so their phone's letters.
    if (s.out.next.node == letters_node && used < answers.size()) letters_step(tx, *c, s, std::string("1"));
  } else if (s.out.next.node == letters_node) {
    letters_step(tx, *c, s, next_answer());
  } else if (s.out.next.node == resume_node) {
    resume_step(tx, *c, s, resumed ? std::nullopt : next_answer());
  } else if (s.out.next.node == stopped_node) {
    // The stop taken back (STOP ALL, else the programme's) forgot notices (R-D7): the notice
    // goes again now, by SMS, before what still waits. Sent as a `send` of this flow, it is the
    // dialled programme's message also after STOP ALL, when each programme is noted as told by
    // its own: a stop of this programme before it goes forgets this programme's notice alone.
    const std::string taken_back = s.who.opted_out ? "" : s.f->programme;
    if (stopped_step(tx, s, next_answer()) && actions::notice_again(tx, s.who.id, taken_back, s.ctx.timezone)) {
      if (std::string body = say(*c, flow::keys::privacy_notice, s.who); !body.empty()) {
        s.out.sends.push_back({std::move(body)});
      }
    }
  } else if (!existing && answers.empty()) {
    begin_flow(tx, s);
  } else if (!existing) {
    // Shortcut digits answer the flow's own screens, never the stopped-messages question.
    s.out = flow::start(*s.f, s.ctx);
  }
  // An answer that screen did not take, in a flow behind a PIN (a health worker on a new phone):
  // likely the PIN, typed where its prompt was expected. Never stored as typed, nor what was
  // dialled after it.
  if (!own_screen.empty() && used > used_before && s.out.next.node == own_screen && s.f->asks_secret) {
    for (int p = own_part; p < std::max(own_part + 1, parts_in(req.text)); ++p) secret_parts.push_back(p);
  }
  settle(tx, *c, s);
  for (; used < answers.size() && !s.out.finished && !gateway_node(s.out.next.node); ++used) {
    const flow::node* waiting = s.f->find(s.out.next.node);
    // A secret (a PIN) is typed at its prompt, never dialled with the code (*384*16*2580#):
    // the dial string is logged by networks, and it would try several PINs in one hop.
    if (waiting && waiting->secret && !existing) {
      // Left unread, and never stored either.
      for (std::size_t rest = used; rest < answers.size(); ++rest) {
        secret_parts.push_back(first_part + static_cast<int>(rest));
      }
      break;
    }
    if (waiting && waiting->secret) {
      // The newest answer of a hop may hold a '*' the person typed (24*68): each part is blanked.
      const int part = first_part + static_cast<int>(used);
      const int last = existing ? std::max(part, parts_in(req.text) - 1) : part;
      for (int p = part; p <= last; ++p) secret_parts.push_back(p);
      s.out.next.vars[std::string(pin_var)] = "1";
      never_by_sms();
    }
    // Words for an option that takes them («زخمی», "a child is hurt" to "is anyone hurt?"):
    // read as by SMS, the words kept in the inbox.
    std::optional<flow::state> at;
    if (waiting && (flow::option_taking(*s.f, s.out.next, flow::option::takes::danger) ||
                    flow::option_taking(*s.f, s.out.next, flow::option::takes::words))) {
      at = s.out.next;
    }
    s.out = flow::resume(*s.f, std::move(s.out.next), answers[used], s.ctx);
    // What the person typed, read as an SMS of theirs would be (to_inbox, heed_answer).
    const auto words = [&] {
      return core::inbound_sms{req.channel_id, {}, s.who.phone, {}, answers[used], tx.now()};
    };
    sms_outcome told;
    if (s.out.rejected && at) {
      const auto taken = option_in_words(*c, *s.f, *at, answers[used], true);
      if (taken) {
        s.out = flow::resume(*s.f, std::move(*at), std::to_string(taken->option), s.ctx);
        if (taken->kept) {
          store::inbox_item item{s.who.id, s.r.id, req.channel_id, s.f->id, answers[used]};
          item.from_phone = s.who.phone;
          item.urgent = taken->danger;
          tx.add_inbox(item);
        }
      } else {
        // Words of self-harm, or of danger that answer nothing it asked («پسرم حالش خوب نیست»,
        // my son is not well, to "is anyone hurt?"): as by SMS, the emergency number (and the
        // crisis lines) by SMS at once and a person told; the question is asked again.
        const bool hurt_asked =
            flow::option_taking(*s.f, *at, flow::option::takes::danger).has_value();
        if (in_danger(*c, answers[used]) || (hurt_asked && tells_of_hurt(*c, answers[used]))) {
          to_inbox(tx, *c, s.who, words(), s.r.id, s.f->id, told, hurt_asked);
        }
      }
    } else if (s.out.rejected) {
      // Words of danger to a question with no option for them («خونریزی دارم», I am bleeding, to
      // a visit's menu): the same, as by SMS.
      if (in_danger(*c, answers[used]) ||
          (s.f->watches_for_hurt && tells_of_hurt(*c, answers[used]))) {
        to_inbox(tx, *c, s.who, words(), s.r.id, s.f->id, told, s.f->watches_for_hurt);
      }
    } else {
      // Words of self-harm or danger as a question's answer: urgent, as by SMS.
      heed_answer(tx, *c, s.who, *s.f, waiting, words(), s.r.id, told);
    }
    settle(tx, *c, s);
  }
  s.out.next.secret_parts = secret_parts;
  screen_by_sms(s, sms_screens);
  const core::ussd_reply reply{s.out.finished, s.out.screen};
  s.r.prev_input = std::exchange(s.r.last_input, masked(req.text, secret_parts));
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
    use_language(s.ctx, lang);
    // (Never on a route without UCS-2: no picker is shown there.)
    if (const text::entry* check = c.texts.find(lang, flow::keys::letters_check)) {
      // Theirs once the check is answered (letters_var).
      s.out.next.node = std::string(letters_node);
      s.out.next.vars[std::string(letters_var)] = lang;
      s.out.next.invalid = 0;
      s.out.screen = check->text;
      return;
    }
    tx.set_contact_language(s.who.id, lang);
    s.who.language = lang;
    begin_flow(tx, s);
    return;
  }
  // No language yet: what the gateway says is in every offered one, or in digits. 0 or 00 on
  // this first screen leaves (R-U8), as three answers that are not a language do.
  auto& out = s.out;
  const std::string typed = answer ? text::normalize(*answer) : "";
  out.next.invalid += answer ? 1 : 0;
  out.finished = typed == "0" || typed == "00" || out.next.invalid >= flow::max_invalid_replies;
  if (out.finished) {
    out.screen = in_every_language(c.texts, settings_.languages, flow::keys::goodbye);
    return;
  }
  // Not answered yet, or not a language: the picker again, with the reason (R-U10).
  out.screen = flow::with_reason(answer ? numbers_reason(settings_.languages.size()) : "",
                                 draw_language_picker(c.texts, settings_.languages, ""), s.ctx);
}

void runner::letters_step(store::tx& tx, const content& c, step& s, const std::optional<std::string>& answer) const {
  const auto chosen = s.out.next.vars.find(std::string(letters_var));
  const std::string lang = chosen != s.out.next.vars.end() ? chosen->second : s.who.language;
  use_language(s.ctx, lang);
  auto& out = s.out;
  const std::string typed = answer ? text::normalize(*answer) : "";
  // 0 goes back to the picker (R-U8): they may have chosen the wrong language.
  if (typed == "0") {
    out.next.node = std::string(language_node);
    out.next.vars.erase(std::string(letters_var));
    out.next.invalid = 0;
    out.screen = draw_language_picker(c.texts, settings_.languages, "");
    return;
  }
  // A yes or no: 1 or a word for yes (its letters show), 2 or a word for no. Three answers that
  // are neither: the phone may not show the question well either, as a no.
  const auto shows = answer ? text::read_yes_no(typed, c.words) : std::nullopt;
  if (shows || (answer && out.next.invalid + 1 >= flow::max_invalid_replies)) {
    const std::string keep = shows.value_or(false) ? lang : letters_fallback(lang, s.who.fields);
    tx.set_contact_language(s.who.id, keep);
    s.who.language = keep;
    use_language(s.ctx, keep);
    out.next.invalid = 0;
    begin_flow(tx, s);
    return;
  }
  // Not answered yet, or neither: asked again, the reason in digits (the texts of the language
  // checked use the letters in question).
  out.next.node = std::string(letters_node);
  out.next.invalid += answer ? 1 : 0;
  const text::entry* check = c.texts.find(lang, flow::keys::letters_check);
  out.screen = flow::with_reason(answer ? numbers_reason(2) : "", check ? check->text : "", s.ctx);
}

std::string runner::letters_fallback(std::string_view lang, const std::map<std::string, std::string>& fields) const {
  // Boxes for its own letters: the texts in the first other Persian-script language the person
  // reads (R-L2), else the first one offered (Dari), else the deployment's, else English.
  if (const auto own = fields.find(std::string(text::fallback_field)); own != fields.end()) {
    for (const auto& l : text::fallback_languages(own->second)) {
      if (l != lang && text::persian_script(l) && current()->texts.knows(l)) {
        core::log::info("contact.letters_fallback", {{"from", std::string(lang)}, {"to", l}});
        return l;
      }
    }
  }
  std::string keep = settings_.default_language != lang ? settings_.default_language : "en";
  for (auto it = settings_.languages.rbegin(); it != settings_.languages.rend(); ++it) {
    if (*it != lang && text::persian_script(*it)) keep = *it;
  }
  core::log::info("contact.letters_fallback", {{"from", std::string(lang)}, {"to", keep}});
  return keep;
}

std::optional<long> runner::choose_one_of_two(step& s, std::optional<std::string> answer,
                                              const two_choices& screen) const {
  auto& st = s.out.next;
  const std::string typed = answer ? text::normalize(*answer) : std::string();
  const auto choice = answer ? text::read_choice(typed, *s.ctx.words) : std::optional<long>();
  if (choice == 1 || choice == 2) return choice;
  // The texts of the content this hop runs on (the context points at them).
  const auto text = [&](std::string_view key) {
    const text::entry* e = s.ctx.texts->resolve(key, s.ctx.langs, s.ctx.explicit_texts);
    return e ? e->text : std::string(key);
  };
  // The codes that work on every screen (R-U8), never wrong answers: 00 is the menu as it is
  // (the second choice of both: start again, or go on without the messages); 0 on this first
  // screen of the session is leaving; 98 finds no more of two choices.
  if (typed == "00") return 2;
  if (typed == "0") {
    s.out.finished = true;
    s.out.screen = text(flow::keys::goodbye);
    return 0;
  }
  if (typed == "98") answer.reset();
  if (answer && ++st.invalid >= flow::max_invalid_replies) {
    s.out.finished = true;
    s.out.screen = text(flow::keys::too_many_invalid);
    return std::nullopt;
  }
  s.out.screen = flow::with_reason(answer ? text(flow::keys::invalid) : "",
                                   draw_choice(*s.ctx.texts, s.ctx.langs, screen, ""), s.ctx);
  s.out.numbers = {1, 2};
  return std::nullopt;
}

void runner::resume_step(store::tx& tx, const content& c, step& s, const std::optional<std::string>& answer) const {
  const auto choice = choose_one_of_two(s, answer, resume_screen);
  auto& st = s.out.next;
  if (choice == 1) {
    back_from_resume(st);
    s.out = flow::repeat(*s.f, std::move(st), s.ctx);
  } else if (choice == 2 || choice == 0) {
    // What was begun goes where silence would lead it (a hazard report is saved: "2" may be
    // typed from memory for "2 Report a dangerous object"); the new start is a run of its own.
    // Left with 0, the goodbye ends it; else the run, nothing in it kept (end_run's).
    if (time_out_left(tx, c, s.r, true)) {
      const flow::definition* now = c.flows.by_id(s.f->id);
      s.begin_ussd(now ? *now : *s.f, s.r.channel_id, s.r.session_id);
    }
    if (choice == 2) begin_flow(tx, s);
  }
}

bool runner::stopped_for(store::tx& tx, const step& s) const {
  // Not before a PIN: whoever holds the phone learns nothing, and changes nothing.
  return !s.f->programme.empty() && s.f->resume && (s.who.opted_out || tx.stopped(s.who.id, s.f->programme));
}

void runner::begin_flow(store::tx& tx, step& s) const {
  if (!stopped_for(tx, s)) {
    s.out = flow::start(*s.f, s.ctx);
    return;
  }
  s.out.next.node = std::string(stopped_node);
  s.out.next.invalid = 0;
  stopped_step(tx, s, std::nullopt);
}

bool runner::stopped_step(store::tx& tx, step& s, const std::optional<std::string>& answer) const {
  const auto choice = choose_one_of_two(s, answer, stopped_screen);
  if (choice == 1) {
    // As 12 would, for the programme whose menu this is: STOP ALL and its own stop are taken
    // back; another programme's stop stands.
    if (s.who.opted_out) {
      tx.set_opted_out(s.who.id, false);
      s.who.opted_out = false;
    }
    tx.set_programme_opt_out(s.who.id, s.f->programme, false);
    core::log::info("contact.opted_in", {{"programme", s.f->programme}, {"by", "ussd"}});
  }
  if (choice == 1 || choice == 2) s.out = flow::start(*s.f, s.ctx);
  return choice == 1;
}

void runner::screen_by_sms(step& s, int sent_before) const {
  // Kept across screens in Latin script and a start again, so no number is used twice.
  if (sent_before > 0 && !s.out.finished) s.out.next.vars[std::string(sms_screens_var)] = std::to_string(sent_before);
  if (!s.ctx.screen.digits_only() || s.out.screen.empty() ||
      text::check_screen(s.out.screen, s.ctx.screen).result != text::screen_check::needs_ucs2) {
    return;  // the route carries its letters (Latin) as they are
  }
  // "[3] SMS" over the numbers to type: the words come as "[3]" and the screen in their letters.
  const std::string number = std::to_string(sent_before + 1);
  s.out.next.vars[std::string(sms_screens_var)] = number;
  s.screen_sms = "[" + number + "]\n" + s.out.screen;
  s.out.screen = "[" + number + "] SMS";
  if (s.out.finished) return;
  std::string line;
  for (const int n : s.out.numbers) line += (line.empty() ? "" : " ") + std::to_string(n);
  if (!line.empty()) s.out.screen += "\n" + line;
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
  settle(tx, c, s);
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

}  // namespace paygham::runner
