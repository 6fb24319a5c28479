// Inbound SMS: the whole-message words (STOP, START, HELP, the language), the open question,
// a flow's keyword, or the inbox.
#include "gateway/runner/internal.hpp"
#include "gateway/runner/screens.hpp"

#include <algorithm>
#include <sstream>
#include <utility>

#include "gateway/actions/appointments.hpp"
#include "gateway/actions/calls.hpp"
#include "gateway/actions/privacy.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/suggest.hpp"
#include "gateway/core/utf8.hpp"
#include "gateway/phone/phone.hpp"
#include "gateway/schedule/clinics.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::runner {

using namespace detail;

namespace {
constexpr core::unix_ms language_answer_ms = 24 * 3'600'000;  // a bare number answers the list for a day
// A person who writes again in fear within the hour has had their answer, and their health
// worker the call to make: the new words go to the inbox, marked urgent, and nothing more.
constexpr core::unix_ms urgent_alarm_once_ms = 3'600'000;

// 12 / START takes back one stop alone (R-S5): STOP ALL while it holds, else the programme
// they were just told how to get back (its keyword, texted while stopped), else the programme
// stopped last. Any other programme they stopped stays stopped: a 12 never restarts what they
// stopped on purpose earlier.
// The contact field naming the programme a keyword was answered about ("send 12 to get it
// again"), until the next 12.
constexpr std::string_view restart_offered = "restart_offered";
struct started {
  bool any = false;           // a stop was taken back
  std::string programme;      // the programme whose stop it was; empty: STOP ALL
  bool more_stopped = false;  // some still are: another 12, or the programme's menu, takes back the next
};

// A command mistyped: its first word a flow's keyword but for a letter or two ("ENRL",
// "ENROLE"; one for a keyword of four letters or fewer), or a phone number in it (nine digits
// or more in a row).
bool looks_like_command(const content& c, const std::string& typed) {
  std::size_t run = 0;
  for (const char ch : typed) {
    run = ch >= '0' && ch <= '9' ? run + 1 : 0;
    if (run >= 9) return true;
  }
  const std::u32string first = core::decode_utf8(typed.substr(0, typed.find(' ')));
  if (first.size() < 3) return false;
  for (const auto& f : c.flows.all()) {
    for (const auto& k : f->sms_keywords_normalized) {
      const std::u32string keyword = core::decode_utf8(k);
      if (core::edit_distance(first, keyword) <= (keyword.size() <= 4 ? 1U : 2U)) return true;
    }
  }
  return false;
}

// A flow's keyword starts its flow, unless words of someone in danger follow it ("MINE
// exploded, my son is bleeding", «نوبت می‌خواهم خونریزی دارم»): the message is then free text
// (the emergency number, a person told), not the flow's to read as a code or a request.
const flow::definition* keyword_flow(const content& c, std::string_view text) {
  const flow::definition* f = c.flows.by_keyword(text);
  if (!f || flow::after_keyword(text).empty()) return f;
  return in_danger(c, text) ? nullptr : f;
}

// Words, not only a code or nothing, after the keyword: «ماین در سرک…», «نوبت را لغو کنید».
bool words_after_keyword(std::string_view text) {
  return text::has_letters(text::normalize(flow::after_keyword(text)));
}

started start_again(store::tx& tx, const store::contact& who) {
  auto stopped = tx.stopped_programmes(who.id);
  if (const auto offered = who.fields.find(std::string(restart_offered));
      offered != who.fields.end()) {
    if (const auto it = std::find(stopped.begin(), stopped.end(), offered->second);
        it != stopped.end()) {
      std::rotate(stopped.begin(), it, std::next(it));
    }
    tx.set_contact_fields(who.id, {{std::string(restart_offered), ""}});
  }
  started out;
  if (who.opted_out) {
    tx.set_opted_out(who.id, false);
    out.any = true;
  } else if (!stopped.empty()) {
    tx.set_programme_opt_out(who.id, stopped.front(), false);
    out = {true, std::move(stopped.front())};
    stopped.erase(stopped.begin());
  }
  out.more_stopped = !stopped.empty();
  return out;
}

// A no word of any language («نه», "no", «نخیر،»).
bool words_say_no(const text::lexicon& words, std::string_view word) {
  return words.yes_no(text::strip_punctuation(word)) == std::optional<bool>(false);
}

// The first word of a normalised reply and what follows it, split at a space or at the
// punctuation people type without one ("no,nobody", «نه..هیچ کس»: normalize() folds Arabic
// punctuation to these).
std::pair<std::string_view, std::string_view> first_word(std::string_view typed) {
  typed = text::strip_punctuation(typed);
  const std::size_t end = std::min(typed.find_first_of(" .!?,;:"), typed.size());
  return {typed.substr(0, end), text::strip_punctuation(typed.substr(end))};
}

}  // namespace

struct runner::open_question {
  std::optional<store::run> run;
  const flow::definition* flow = nullptr;  // the version the run started in
  flow::state state;
};

bool runner::global_keyword(store::tx& tx, const content& c, const store::contact& who, const core::inbound_sms& sms,
                            std::string_view typed, text::global_word said, sms_outcome& result) const {
  std::string_view key;
  std::map<std::string, std::string> values;
  std::string reply_programme;  // what a stop right after the reply stops
  bool even_if_opted_out = false;
  started taken;  // what a 12 took back
  // The answer to the person: `programme`, what a stop right after it stops.
  const auto reply = [&](std::string_view text_key, const std::map<std::string, std::string>& fill,
                         std::string programme, bool even_if_stopped) {
    if (std::string body = say(c, text_key, who, fill); !body.empty()) {
      store::new_message m{sms.channel_id, who.id, 0, sms.from, std::move(body), core::priority::reply};
      m.even_if_opted_out = even_if_stopped;
      m.programme = std::move(programme);
      tx.queue_message(m);
      ++result.queued;
    }
  };
  // The visits a stop of `programme` ("": all) leaves standing, as its text names them: how
  // many, the soonest's day and code, in the person's language. None behind a visit PIN (R-S12:
  // whoever holds the phone reads this SMS): the plain reply then.
  const auto standing = [&](std::string_view programme) -> bool {
    const auto visits = standing_visits(tx, c, who, programme);
    if (visits.empty() || !tx.find_visit_pin(who.id).hash.empty()) return false;
    // Nor a counselling visit on a phone others read (as crisis lines are not sent there).
    if (tx.find_contact_record(who.id).shared_phone == "yes" &&
        std::any_of(visits.begin(), visits.end(), [&](const store::booking& b) { return c.clinics.neutral_only(b.service); })) {
      return false;
    }
    const std::string lang = languages_for(who.language, who.fields).front();
    values = actions::booking_vars(visits.front(), &c.clinics, lang, months_of(who.fields, lang, time_zone(who.phone)));
    values["count"] = std::to_string(visits.size());
    return true;
  };
  std::optional<open_question> open;  // read when a word needs it, once
  const auto question = [&]() -> open_question& {
    if (!open) open = open_sms_question(tx, c, who);
    return *open;
  };
  const auto named = [&](std::string_view words) { return names_option(question(), c, who, tx.now(), words); };
  // "Is anyone hurt?" is open (a menu whose yes takes danger).
  const auto hurt_asked = [&] {
    const open_question& q = question();
    return q.flow && flow::option_taking(*q.flow, q.state, flow::option::takes::danger);
  };
  // Words with a stop word in them that "is anyone hurt?" reads as its answer: of danger or a
  // call for help («پا قطع», leg cut off; "help, stop"). Who alone («قطع، پسرم», "STOP ME") is
  // asked about.
  const auto hurt_answer = [&] {
    return hurt_asked() && (in_danger(c, sms.text) || !c.help_words.find(sms.text).empty());
  };
  // A stop that may be an answer: which did they mean? The question goes as the stop would have
  // stopped (`programme`: its 11 stops the same) and reaches a stopped programme's reader too:
  // never silence. Noted on the open question, so the next bare stop is one.
  const auto ask_which = [&](std::string programme, std::optional<flow::named_option> option) {
    note_stop_asked(tx, question());
    if (option) {
      key = flow::keys::stop_or_answer;
      values = {{"option", std::to_string(option->number)}, {"label", std::move(option->label)}};
    } else {
      key = flow::keys::stop_or_reply;
    }
    reply_programme = std::move(programme);
    even_if_opted_out = true;
  };
  // What the person was telling us when they stopped (a hazard report half written) is kept as
  // their silence would keep it, where the question's timeout saves it to the inbox; what the
  // conversation would send after is stopped with the rest.
  bool kept = false;
  const auto keep_what_was_said = [&] {
    if (std::exchange(kept, true)) return;
    const open_question& q = question();
    const flow::node* n = waiting_ask(q);
    const flow::node* then = n && !n->on_timeout.empty() ? q.flow->find(n->on_timeout) : nullptr;
    if (then && then->kind == flow::node_kind::action && then->action == "inbox.save") time_out_left(tx, c, *q.run, true);
  };
  switch (said) {
    case text::global_word::stop:
    case text::global_word::stop_programme: {
      // R-S6: a stop word that also names an option of the open question («لغو» after «۲- لغو
      // نوبت»): which did they mean? Nothing changes until they say; the question stays open.
      // The programme named ("STOP ALERTS", R-S4), else that of the last message on this sender
      // line, when it had one (R-S5); opting out holds at once for everything of it queued or
      // waiting.
      const std::string programme = said == text::global_word::stop_programme
                                        ? text::stopped_programme(typed, c.keywords)
                                        : tx.last_programme(who.id, sms.channel_id);
      // Asked once while this question waits: the next stop is one.
      const bool asked_before = stop_asked(question());
      if (auto asked = asked_before ? std::nullopt : named(text::without_polite(typed, c.keywords))) {
        ask_which(programme, std::move(asked));
        break;
      }
      // To "is anyone hurt?" a bare stop may be its answer: «قطع» (cut off), "11" (eleven
      // people, a key pressed twice). Which did they mean? Nothing stops until they say, and
      // the report waits for its answer.
      if (!asked_before && said == text::global_word::stop && hurt_asked()) {
        ask_which(programme, std::nullopt);
        break;
      }
      // A stop word that may mean cancelling, while a menu waits for the person: «لغو» to "will
      // you come?" may mean the visit (R-S6). Asked once; 11 stops at once.
      if (!asked_before && text::is_cancel_word(typed, c.keywords) && menu_open(question())) {
        ask_which(question().flow->programme.empty() ? programme : question().flow->programme, std::nullopt);
        break;
      }
      // (A stop of another programme leaves the conversation open: it goes on.)
      if (question().flow && question().flow->programme == programme) keep_what_was_said();
      if (!programme.empty() && !who.opted_out) {
        // Asked before the stop cancels what waits to go (its notice may be among it).
        actions::forget_notices(tx, who, programme, sms.channel_id);
        tx.set_programme_opt_out(who.id, programme, true);
        // Its open question would take the next replies in silence (what it sends is stopped):
        // it ends, and a question of another programme waiting its turn goes.
        if (const flow::definition* f = question().flow; f && f->programme == programme) {
          tx.expire_waiting_sms_runs(who.id);
          tx.wake_turn_jobs(who.id);
        }
        key = flow::keys::opted_out_programme;
        // The stop ends a visit's reminders, not the visit: the clinic still expects them
        // («لغو» twice to "will you come?" may have meant it). Said, with its code, so they
        // can cancel it or come.
        if (standing(programme)) key = flow::keys::opted_out_visit;
        even_if_opted_out = true;
        break;
      }
      [[fallthrough]];
    }
    case text::global_word::stop_all:
      keep_what_was_said();
      tx.set_opted_out(who.id, true);
      actions::forget_notices(tx, who, "", "");
      key = flow::keys::opted_out;
      if (standing("")) key = flow::keys::opted_out_all_visit;
      even_if_opted_out = true;
      break;
    case text::global_word::start: {
      // "12" in the words of an option of the open question (a day «۱۲ قوس»): not a START. The
      // question reads it (and asks again: it is not an option's number); with something
      // stopped, once: sent again, it is one. To "is anyone hurt?" it is how many are.
      if (hurt_asked()) return false;
      if (named(typed)) {
        if (!who.opted_out && tx.stopped_programmes(who.id).empty()) return false;
        if (!stop_asked(question())) {
          note_stop_asked(tx, question());
          return false;
        }
      }
      taken = start_again(tx, who);
      key = taken.more_stopped ? flow::keys::opted_in_more : flow::keys::opted_in;
      break;
    }
    case text::global_word::ask_stop: {
      // The words of an option of the open question («لغو نوبت» for «۳- لغو نوبت»): its answer.
      // Read as the question will read them (polite words and all), so it takes them. So are
      // words of danger where an option takes them («قطع پا» to "is anyone hurt?").
      if (named(typed) || hurt_answer()) return false;
      // "stop it", "STOPP": ask, change nothing; a person reads what they wrote. Words of someone
      // in danger («قطع پا») were answered with the emergency number: nothing more.
      if (const free_text read = to_inbox(tx, c, who, sms, 0, "", result); read != free_text::plain) {
        if (read == free_text::urgent_again) reply(flow::keys::unknown_sms, {}, "", true);
        result.flow_id = "@urgent";
        return true;
      }
      even_if_opted_out = true;
      // «قطع شده» (has been cut off? stop?) to "is anyone hurt?": which did they mean?
      if (hurt_asked()) {
        ask_which(question().flow->programme, std::nullopt);
        break;
      }
      // «لغو کنید», "cancel it" while a menu of a programme waits: the visit, or these messages?
      // Asked as a bare «لغو» is (R-S6), so 11 then stops that programme, not every message.
      if (const std::string cancel = text::cancel_word_in(typed, c.keywords);
          !cancel.empty() && menu_open(question()) && !question().flow->programme.empty()) {
        ask_which(question().flow->programme, named(cancel));
        break;
      }
      key = flow::keys::confirm_stop;
      break;
    }
    case text::global_word::help:
    case text::global_word::none: {
      // The keyword of a programme they stopped (MINE after STOP to an alert): its flow would
      // answer in silence, every reply held back by the stop. Not a staff command (a flow that
      // keeps no SMS: a health worker's ENROL names a patient): it runs as ever.
      const flow::definition* keyword = keyword_flow(c, sms.text);
      const bool programme_stopped = !who.opted_out && keyword && keyword->keep_sms &&
                                     !keyword->programme.empty() &&
                                     tx.stopped(who.id, keyword->programme);
      if (!who.opted_out && !programme_stopped) {
        if (said == text::global_word::none) return false;
        // «کمک» to a check-in's «۲- کمک می‌خواهم»: that option, not the help text.
        // "help" to "is anyone hurt?" may be a call for help (urgent.yaml's `help`, not «راهنما»,
        // guide): the question reads it (tells_of_hurt).
        const bool calls_for_help = !c.help_words.find(sms.text).empty();
        if (named(typed) || (calls_for_help && hurt_asked())) return false;
        // To a question that watches for someone hurt (a hazard report's "where is it?", its
        // `on_danger`): a call for help too, answered as one (the emergency number, a person
        // told), the question left open.
        const open_question& q = question();
        if (const flow::node* n = waiting_ask(q); n && !n->on_danger.empty() && calls_for_help) {
          const free_text heard =
              to_inbox(tx, c, who, sms, q.run ? q.run->id : 0, q.flow->id, result, true);
          if (heard == free_text::urgent_again) reply(flow::keys::unknown_sms, {}, "", true);
          result.flow_id = "@urgent";
          return true;
        }
        key = flow::keys::help;
        break;
      }
      // Stopped people are told so, and how to start again: never a menu, never silence.
      // What they wrote, unless a flow's keyword, still reaches a person (a hazard report);
      // words of someone in danger are answered with the emergency number instead.
      // A keyword with words after it («ماین در سرک…») is theirs too.
      // Never the words of a flow that keeps no SMS (a patient's number and medicine).
      const bool read = !keyword || (keyword->keep_sms && words_after_keyword(sms.text));
      const free_text heard = read ? to_inbox(tx, c, who, sms, 0, "", result) : free_text::plain;
      if (heard == free_text::urgent) {
        result.flow_id = "@urgent";
        return true;
      }
      // Their words kept for a person: said so, lest a hazard report seem refused; words of
      // danger again within the hour, with the emergency number, as to anyone.
      key = heard == free_text::urgent_again ? flow::keys::unknown_sms
            : read                           ? flow::keys::stopped_read
                                             : flow::keys::still_opted_out;
      if (programme_stopped) {
        // Of that service alone: a 12 now takes that stop back first.
        if (!read) key = flow::keys::still_stopped_programme;
        reply_programme = keyword->programme;
        tx.set_contact_fields(who.id, {{std::string(restart_offered), keyword->programme}});
      }
      even_if_opted_out = true;
      break;
    }
  }
  reply(key, values, reply_programme, even_if_opted_out);
  // A stop forgot the notices of what it stopped (R-D7): what of it still waits, and comes
  // now, goes after the notice again.
  if (taken.any && notice_again(tx, c, who, sms.from, sms.channel_id, taken.programme, 0))
    ++result.queued;
  result.flow_id = "@" + std::string(key.substr(key.find('.') + 1));
  return true;
}

runner::open_question runner::open_sms_question(store::tx& tx, const content& c, const store::contact& who) {
  open_question q;
  if (who.opted_out) return q;
  q.run = tx.find_waiting_sms_run(who.id);
  if (!q.run) return q;
  q.flow = c.pinned(q.run->flow_id, q.run->flow_hash);
  q.state = state_from_json(q.run->state);
  return q;
}

void runner::note_stop_asked(store::tx& tx, open_question& q) {
  if (!q.run) return;
  q.state.vars[std::string(stop_asked_var)] = std::to_string(q.state.asked);
  q.run->state = to_json(q.state);
  tx.save_run(*q.run);
}

const flow::node* runner::waiting_ask(const open_question& q) {
  const flow::node* n = q.flow ? q.flow->find(q.state.node) : nullptr;
  return n && n->kind == flow::node_kind::ask ? n : nullptr;
}

bool runner::menu_open(const open_question& q) {
  const flow::node* n = waiting_ask(q);
  return n && (n->ask == flow::ask_kind::menu || n->ask == flow::ask_kind::yes_no);
}

bool runner::stop_asked(const open_question& q) {
  const auto it = q.state.vars.find(std::string(stop_asked_var));
  return q.run && it != q.state.vars.end() && it->second == std::to_string(q.state.asked);
}

std::optional<flow::named_option> runner::names_option(const open_question& q, const content& c,
                                                       const store::contact& who, core::unix_ms now,
                                                       std::string_view text) const {
  if (!q.flow) return std::nullopt;
  auto ctx = context_for(c, flow::medium::sms, who, now);
  keep_neutral(ctx, q.state);
  return flow::option_named(*q.flow, q.state, text, ctx);
}

std::string runner::crisis_lines_line(const content& c, const store::contact& who) const {
  const auto numbers = settings_.crisis_lines.find(phone::region_of(who.phone));
  if (numbers == settings_.crisis_lines.end()) return {};
  return say(c, flow::keys::crisis_lines, who, {{"crisis_lines", numbers->second}});
}

std::string runner::crisis_lines_for(store::tx& tx, const content& c, const store::contact& who) const {
  if (!settings_.crisis_lines.count(phone::region_of(who.phone))) return {};
  // Their own visit of the last year: not one booked for someone else on the phone, nor a hold
  // let go; and never on a phone others are known to read (it would say who is in care).
  if (!counselling_client(tx, c, who.id)) return {};
  if (tx.find_contact_record(who.id).shared_phone == "yes") return {};
  return crisis_lines_line(c, who);
}

bool runner::counselling_client(store::tx& tx, const content& c, std::int64_t contact_id) {
  const auto services = tx.own_visit_services(contact_id, tx.now() - counselling_within_ms);
  return std::any_of(services.begin(), services.end(), [&](const auto& s) { return c.clinics.neutral_only(s); });
}

void runner::heed_answer(store::tx& tx, const content& c, const store::contact& who,
                         const flow::definition& f, const flow::node* asked,
                         const core::inbound_sms& answer, std::int64_t run_id,
                         sms_outcome& result) const {
  if (!asked || asked->kind != flow::node_kind::ask || asked->ask != flow::ask_kind::text ||
      asked->secret || !f.keep_sms) {
    return;
  }
  // Words of danger its `on_danger` answers, or denied ("it exploded, nobody is hurt"): no alarm.
  // A call for help to a question that watches for someone hurt ("we need help" to "where is
  // it?"): one.
  const bool self_harm = !c.self_harm_words.find(answer.text).empty();
  // Not words a denial holds ("no ambulance needed").
  const bool help =
      !asked->on_danger.empty() && !c.help_words.find(c.denials.without(answer.text)).empty();
  if (!self_harm && !help && (!asked->on_danger.empty() || !someone_hurt(c, answer.text))) return;
  to_inbox(tx, c, who, answer, run_id, f.id, result, help);
}

namespace {

// `text`, normalised, without the words of being called back (urgent.yaml `calling`): "don't
// call me" leaves nothing, "my son is hurt, call me" leaves "my son is hurt".
std::string without_calling(const content& c, std::string_view text) {
  std::string out;
  std::istringstream words(c.calling_words.without(text));
  for (std::string word; words >> word;) {
    if (word != "·") out += (out.empty() ? "" : " ") + word;  // the gap where words were taken
  }
  return out;
}

// Who or how someone is hurt (urgent.yaml `hurt`: «پسرم», "two people", «ټپي»), not who is
// to be called ("don't call me", «به برادرم زنگ بزنید»).
bool names_someone_hurt(const content& c, std::string_view text) {
  return !c.hurt_words.find(without_calling(c, text)).empty();
}

}  // namespace

bool runner::tells_of_hurt(const content& c, std::string_view text) {
  if (!c.help_words.find(text).empty()) return true;
  // Who or how, with a denial too («پسرم حالش خوب نیست»), in any part of the message but one
  // that says nobody is ("don't call, nobody is hurt").
  for (const auto part : text::clauses_of(text)) {
    if (!c.nobody_words.whole(part) && names_someone_hurt(c, part)) return true;
  }
  // How many, in words not read ("2 casualties", «۲ تا», «۲نفر», "2 yes"): not 2 for no, nor "2
  // no", "2 nobody", "2 thanks", "2 ok thanks", nor "2 dont call" (the words of calling gone).
  const std::string typed = without_calling(c, text);
  const auto [count, after] = text::split_number(typed);
  const std::string_view rest = c.words.without_thanks(after);
  if (!count || *count < 2 || rest.empty() || !text::has_letters(rest)) return false;
  return !words_say_no(c.words, first_word(rest).first) && !c.nobody_words.whole(rest) &&
         !c.words.acknowledges(rest);
}

runner::free_text runner::to_inbox(store::tx& tx, const content& c, const store::contact& who,
                                   const core::inbound_sms& sms, std::int64_t run_id,
                                   const std::string& flow_id, sms_outcome& result,
                                   bool watching_for_hurt) const {
  store::inbox_item item{who.id, run_id, sms.channel_id, flow_id, sms.text};
  item.from_phone = sms.from;
  const bool self_harm = !c.self_harm_words.find(sms.text).empty();
  const bool danger =
      tells_of_danger(c, sms.text) || (watching_for_hurt && tells_of_hurt(c, sms.text));
  item.urgent = self_harm || danger;
  const bool told = item.urgent && tx.inbox_items_since(who.id, tx.now() - urgent_alarm_once_ms, true) > 0;
  const std::int64_t id = tx.add_inbox(item);
  if (!item.urgent) return free_text::plain;
  // Never the words, nor which list matched: they are the person's health.
  core::log::warn("inbox.urgent", {{"inbox", id}, {"contact", who.id}});
  // "My brother is injured" after their report said nobody was: the report says so too, and
  // the operators not yet told of it hear of someone hurt (the flow's `inbox.someone_hurt`).
  if (const std::size_t reports = danger && run_id != 0 ? tx.mark_reports_hurt(who.id, run_id) : 0;
      reports > 0) {
    core::log::info("inbox.report_hurt", {{"inbox", id}, {"reports", reports}});
  }
  if (told) {
    result.queued += raise_urgent(tx, c, who, sms.channel_id, id, true);
    return free_text::urgent_again;
  }
  std::string body = say(c, flow::keys::urgent, who);
  const bool answered = !body.empty();
  if (answered) {
    // The crisis lines answer words of self-harm the person wrote: this is said to nobody else.
    if (const std::string lines = self_harm ? crisis_lines_line(c, who) : ""; !lines.empty()) body += "\n" + lines;
    store::new_message m{sms.channel_id, who.id, 0, sms.from, std::move(body), core::priority::alert};
    m.even_if_opted_out = true;  // a direct answer, now: a stop of our messages is not a stop of this
    tx.queue_message(m);
    ++result.queued;
  }
  result.queued += raise_urgent(tx, c, who, sms.channel_id, id, false);
  return answered ? free_text::urgent : free_text::urgent_again;
}

std::size_t runner::tell_operators(store::tx& tx, const content& c, const std::string& channel,
                                   std::int64_t item) const {
  std::size_t told = 0;
  for (const auto& u : tx.list_users()) {
    // As a hazard report where someone is hurt: every operator with a phone, at once.
    if (u.role != "operator" || u.disabled || u.phone.empty()) continue;
    told += tell_staff(tx, c, u.phone, channel, flow::keys::urgent_inbox, {{"item", std::to_string(item)}});
  }
  return told;
}

std::size_t runner::tell_staff(store::tx& tx, const content& c, const std::string& phone, const std::string& channel,
                               std::string_view key, const std::map<std::string, std::string>& vars,
                               core::priority priority) const {
  const auto staff = tx.upsert_contact(phone);
  std::string body = say(c, key, staff, vars);
  if (body.empty()) return 0;
  const std::string& by = settings_.staff_channel.empty() ? channel : settings_.staff_channel;
  store::new_message m{by, staff.id, 0, staff.phone, std::move(body), priority};
  m.even_if_opted_out = true;  // a work phone that once sent STOP, or failed, still gets this
  tx.queue_message(m);
  return 1;
}

std::function<bool(long long)> runner::clinic_open_days(store::tx& tx, const content& c,
                                                        const std::string& facility) const {
  // Its week (as reception set it), less the days it closed (R-B5).
  auto clinic = actions::clinic_now(tx, &c.clinics, facility);
  return [&tx, clinic = std::move(clinic), facility](long long day) {
    return (!clinic || clinic->open_on(day)) && tx.closed_clinic_days(facility, day, day).empty();
  };
}

std::optional<store::user> runner::colleague_on_duty(
    store::tx& tx, const store::user& worker, std::string_view writer,
    const std::function<bool(long long)>& open) const {
  // A colleague with duty hours who is within them first, else one reachable at any hour.
  std::optional<store::user> any_hour;
  for (auto& u : tx.list_users()) {
    if (u.id == worker.id || u.facility != worker.facility || u.phone == writer ||
        !actions::takes_calls(u))
      continue;
    if (u.duty.empty()) {
      if (!any_hour) any_hour = std::move(u);
    } else if (actions::on_duty(u, tx.now(), time_zone(u.phone), open)) {
      return std::move(u);
    }
  }
  return any_hour;
}

std::size_t runner::raise_urgent(store::tx& tx, const content& c, const store::contact& who, const std::string& channel,
                                 std::int64_t item, bool told_this_hour) const {
  // A health worker writing such words of themselves is not the one to call them.
  if (auto worker = actions::health_worker_of(tx, who.id); worker && worker->phone != who.phone) {
    // One call to make at a time, first on a list (call_priority::urgent): while it is open the
    // clinic's worker who has it was told; once they have called and closed it, new words tell
    // again.
    const auto calls = tx.open_escalations_at(worker->facility);
    if (std::any_of(calls.begin(), calls.end(),
                    [&](const store::escalation& e) { return e.contact_id == who.id && e.reason == "urgent"; })) {
      return 0;
    }
    // R-H3: the health worker on duty makes it: theirs when on duty, else a colleague of the
    // clinic who is; with nobody on duty, theirs, and the operators are told at once.
    bool nobody_on_duty = false;
    // Colleagues are of the same clinic: its open days are read once.
    const auto open = clinic_open_days(tx, c, worker->facility);
    if (!actions::on_duty(*worker, tx.now(), time_zone(worker->phone), open)) {
      if (auto colleague = colleague_on_duty(tx, *worker, who.phone, open)) {
        core::log::info("escalation.to_duty", {{"user", worker->id}, {"to", colleague->id}});
        worker = std::move(colleague);
      } else {
        nobody_on_duty = true;
      }
    }
    const std::int64_t call = tx.escalate(
        store::escalation{0, worker->id, who.id, 0, "urgent", 0, {}, 0, store::call_priority::urgent});
    core::log::info("escalation.urgent",
                    {{"user", worker->id}, {"inbox", item}, {"on_duty", !nobody_on_duty}});
    const std::size_t told = nobody_on_duty ? tell_operators(tx, c, channel, item) : 0;
    if (!worker->phone.empty()) {
      // Not called within the hour: the operators are told (again).
      tx.add_job(urgent_job::kind, tx.now() + urgent_alarm_once_ms, urgent_job{call, worker->id, item}.json());
      return told + tell_staff(tx, c, worker->phone, channel, flow::keys::urgent_call,
                               {{"item", std::to_string(item)}});
    }
    if (nobody_on_duty) return told;
  } else if (told_this_hour) {
    return 0;  // the operators heard of this person within the hour
  }
  return tell_operators(tx, c, channel, item);
}

std::string runner::apply_urgent_unanswered(store::tx& tx, const content& c, const store::job& j,
                                            tick_outcome& done) const {
  const auto p = urgent_job::parse(j.payload);
  if (!p) return "payload is not {escalation, worker, item}";
  // Whoever has the call now (a worker who left handed it to a colleague, actions::disable_user).
  if (!tx.find_open_escalation(p->escalation)) return {};  // called (or the person erased)
  const auto item = tx.find_inbox(p->item);
  core::log::warn("escalation.unanswered", {{"user", p->worker}, {"inbox", p->item}});
  done.reminders += tell_operators(tx, c, item ? item->channel_id : settings_.staff_channel, p->item);
  return {};
}

std::size_t runner::tell_clinic_leads(store::tx& tx, const content& c, const std::string& facility,
                                      std::string_view key, std::int64_t count) const {
  const schedule::clinic* clinic = c.clinics.find(facility);
  const auto tell = [&](const store::user& u) {
    const auto staff = tx.upsert_contact(u.phone);
    const std::string name = clinic ? clinic->name_in(languages_for(staff.language, staff.fields).front()) : facility;
    return tell_staff(tx, c, u.phone, settings_.staff_channel, key,
                      {{"count", std::to_string(count)}, {"clinic", name}}, core::priority::reminder);
  };
  std::size_t told = 0;
  const auto users = tx.list_users();
  for (const auto& u : users) {
    if (u.supervisor && u.role == "health_worker" && u.facility == facility && !u.disabled && !u.phone.empty()) {
      told += tell(u);
    }
  }
  for (const auto& u : users) {
    if (told == 0 && u.role == "operator" && !u.disabled && !u.phone.empty()) told += tell(u);
  }
  return told;
}

std::string runner::clinic_zone(const content& c, std::string_view facility) const {
  const schedule::clinic* clinic = c.clinics.find(facility);
  return clinic && !clinic->time_zone.empty() ? clinic->time_zone : settings_.timezone;
}

bool runner::wait_for_clinic_hours(store::tx& tx, const content& c, const store::job& j,
                                   std::string_view facility) const {
  const core::unix_ms opens = schedule::next_sending_time(tx.now(), clinic_zone(c, facility), settings_.quiet);
  if (opens <= tx.now()) return false;
  tx.add_job(j.kind, opens, j.payload);
  return true;
}

std::string runner::apply_high_call(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const {
  const auto p = actions::high_call::parse(j.payload);
  if (!p) return "payload is not {facility}";
  // Within a working day: within sending hours too, never at night.
  if (wait_for_clinic_hours(tx, c, j, p->facility)) return {};
  // A notice sent since this job fell due counted its calls (several jobs due together: the
  // first tells, the rest end here rather than each waiting another hour for nothing).
  const core::unix_ms told_at = tx.high_calls_told_at(p->facility);
  if (j.due_at < told_at) return {};
  // One SMS an hour at most: the calls raised meanwhile are told of together, then.
  if (told_at != 0 && tx.now() - told_at < actions::high_call_spacing_ms) {
    tx.add_job(actions::high_call::kind, told_at + actions::high_call_spacing_ms, j.payload);
    return {};
  }
  const std::int64_t count = tx.mark_high_calls_told(p->facility);
  if (count == 0) return {};  // told already, or called meanwhile
  const std::size_t told = tell_clinic_leads(tx, c, p->facility, flow::keys::call_soon, count);
  core::log::info("escalation.high", {{"facility", p->facility}, {"calls", count}, {"told", told}});
  done.reminders += told;
  // A working day on, the same hour of the clinic's next open day: those still open, again.
  tx.add_job(actions::high_call::overdue_kind, next_working_day(tx, c, p->facility, tx.now()),
             actions::high_call{p->facility, tx.now()}.json());
  return {};
}

std::string runner::apply_handed_calls(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const {
  const auto p = actions::handed_calls::parse(j.payload);
  if (!p) return "payload is not {worker, calls}";
  const auto worker = tx.find_user(p->worker);
  if (!worker || !actions::takes_calls(*worker)) return {};  // left in turn: their successor is told
  done.reminders += tell_staff(tx, c, worker->phone, settings_.staff_channel, flow::keys::calls_handed_over,
                               {{"count", std::to_string(p->calls)}}, core::priority::reminder);
  return {};
}

bool runner::notice_again(store::tx& tx, const content& c, const store::contact& who,
                          const std::string& to, const std::string& channel,
                          const std::string& programme, core::unix_ms not_before) const {
  if (!actions::notice_again(tx, who.id, programme, time_zone(who.phone))) return false;
  std::string body = say(c, flow::keys::privacy_notice, who);
  if (body.empty()) return false;
  store::new_message m{channel, who.id, 0, to, std::move(body), core::priority::reply};
  m.programme = programme;
  m.not_before = not_before;
  tx.queue_message(m);
  return true;
}

std::string runner::apply_notice(store::tx& tx, const content& c, const store::job& j,
                                 tick_outcome& done) const {
  const auto p = actions::notice_job::parse(j.payload);
  if (!p) return "payload is not {contact, programme, channel}";
  const auto who = tx.find_contact(p->contact);
  if (who && notice_again(tx, c, *who, who->phone, p->channel, p->programme,
                          sending_time(tx.now(), *who, p->programme))) {
    ++done.reminders;
  }
  return {};
}

core::unix_ms runner::next_working_day(store::tx& tx, const content& c, std::string_view facility,
                                       core::unix_ms at) const {
  // The same time of day on the clinic's clock (a day is not always 24 hours where clocks change).
  const auto clinic = actions::clinic_now(tx, &c.clinics, facility);
  const std::string zone = clinic_zone(c, facility);
  const auto today = schedule::local_day(at, zone);
  const auto midnight = today ? schedule::at_local(*today, {0, 0}, zone) : std::nullopt;
  if (!midnight) return at + 86'400'000;
  const auto minute = static_cast<int>((at - *midnight) / 60'000);
  for (long long day = *today + 1; day <= *today + 14; ++day) {
    if (clinic && !clinic->open_on(day)) continue;
    if (const auto next = schedule::at_local(day, {minute / 60, minute % 60}, zone)) return *next;
  }
  return at + 86'400'000;
}

std::string runner::apply_overdue_call(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const {
  const auto p = actions::high_call::parse(j.payload);
  if (!p) return "payload is not {facility}";
  if (wait_for_clinic_hours(tx, c, j, p->facility)) return {};
  // The calls its supervisors were told of then (or before), still not made.
  const std::int64_t count = tx.mark_overdue_calls_told(p->facility, p->told_at);
  if (count == 0) return {};  // made meanwhile, or told of again by an earlier job
  const std::size_t told = tell_clinic_leads(tx, c, p->facility, flow::keys::call_overdue, count);
  core::log::info("escalation.overdue", {{"facility", p->facility}, {"calls", count}, {"told", told}});
  done.reminders += told;
  return {};
}

bool runner::language_change(store::tx& tx, const content& c, store::contact& who,
                             const core::inbound_sms& sms, std::string_view typed, sms_outcome& result) const {
  std::optional<long> n = text::read_language_change(typed, c.hints);
  std::string body;
  const auto answer = [&] {
    tx.queue_message(store::new_message{sms.channel_id, who.id, 0, sms.from, body, core::priority::reply});
    result.queued = 1;
    result.flow_id = "@language";
    return true;
  };
  if (who.language_asked_at != 0) {
    // Only the very next message can answer the list or the letters check (any question sent
    // since ends it), and only as a number with nothing else to mean: "11" stops messages
    // whatever was asked, and any other number ("482913", "112") is read as usual.
    tx.set_language_asked(who.id, 0, {});
    const core::unix_ms asked_at = std::exchange(who.language_asked_at, 0);
    const std::string pending = std::exchange(who.pending_language, {});
    if (!n && tx.now() - asked_at <= language_answer_ms &&
        text::read_global(typed, c.keywords) == text::global_word::none) {
      if (!pending.empty()) {
        // The letters check (R-L1), a yes or no: 1 (or «هو») they show; 2 (or «نه») they do not,
        // and the language they had stays (Dari or the like for none); anything else leaves the
        // language as it was.
        const auto shows = text::read_yes_no(typed, c.words);
        if (shows && !who.opted_out) {
          who.language = *shows ? pending : !who.language.empty() ? who.language : letters_fallback(pending, who.fields);
          tx.set_contact_language(who.id, who.language);
          body = say(c, flow::keys::help, who);
          return answer();
        }
      } else if (const auto chosen = text::read_choice(typed, c.words);
                 chosen && *chosen >= 1 && static_cast<std::size_t>(*chosen) <= settings_.languages.size()) {
        n = chosen;
      }
    }
  }
  if (!n || who.opted_out || settings_.languages.empty()) return false;
  if (*n >= 1 && static_cast<std::size_t>(*n) <= settings_.languages.size()) {
    const std::string& lang = settings_.languages[static_cast<std::size_t>(*n) - 1];
    if (const text::entry* check = lang != who.language ? c.texts.find(lang, flow::keys::letters_check) : nullptr) {
      // Its letters may show as boxes: asked first, in letters every Persian-script phone shows.
      body = check->text;
      tx.set_language_asked(who.id, tx.now(), lang);
      return answer();
    }
    // Chosen: said in the new language, with what the person can do next.
    who.language = lang;
    tx.set_contact_language(who.id, who.language);
    body = say(c, flow::keys::help, who);
  } else {
    // Asked, or «زبان ۹» (none of them): the list (again), and the next SMS may answer.
    body = draw_language_picker(c.texts, settings_.languages, say(c, flow::keys::change_language, who));
    tx.set_language_asked(who.id, tx.now(), {});
  }
  return answer();
}

namespace {

// Nobody hurt, as the no of "is anyone hurt?" takes it: the whole reply is words that say so
// («هیچ کس», "nobody was hurt"), maybe after a no and with thanks ("no, nobody", «نخیر کسی
// نیست», «نه، خدا را شکر هیچ کس»). Never part of a longer message: "nobody came, my son is not
// moving" is not a no.
bool nobody_hurt(const content& c, std::string_view text) {
  const std::string typed = text::normalize(text);
  std::string_view rest = c.words.without_thanks(typed);
  if (c.nobody_words.whole(rest)) return true;  // "no one", before its "no" is read as a no
  // "0 people", «۰ نفر», "0 injured": none.
  if (const auto [count, who] = text::split_number(rest);
      count == 0L && (c.hurt_words.whole(who) || !c.danger_words.find(who).empty())) {
    return true;
  }
  if (const auto [first, after] = first_word(rest);
      !after.empty() && words_say_no(c.words, first)) {
    rest = c.words.without_thanks(after);
  }
  return c.nobody_words.whole(rest);
}

// How many a reply counts, and nothing more: "3", «۵», «سه», "five", «سه تا», "3 ta", "12".
std::optional<long> bare_count(const content& c, std::string_view typed) {
  auto [count, rest] = text::split_number(typed);
  if (!count) {
    const auto [first, after] = first_word(typed);
    count = c.words.number(first);
    rest = after;
  }
  static constexpr std::array<std::string_view, 4> counters{"تا", "ta", "تن", "tan"};
  rest = c.words.without_thanks(rest);
  if (!count ||
      (!rest.empty() && std::find(counters.begin(), counters.end(), rest) == counters.end())) {
    return std::nullopt;
  }
  return count;
}

}  // namespace

std::optional<runner::taken_in_words> runner::option_in_words(const content& c,
                                                              const flow::definition& f,
                                                              const flow::state& st,
                                                              std::string_view text, bool keyed) {
  const std::string typed = text::normalize(text);
  const bool self_harm = !c.self_harm_words.find(text).empty();
  const bool danger = !self_harm && tells_of_danger(c, text);
  const bool denied = denies_hurt(c, text);
  const auto yes = flow::option_taking(f, st, flow::option::takes::danger);
  // To "is anyone hurt?": a whole reply that says nobody is («هیچ کس», "no, nobody", "no
  // injured", though its words are of danger) is its no.
  if (const auto no = yes && !self_harm ? flow::option_saying_no(f, st) : std::nullopt;
      no && nobody_hurt(c, text)) {
    return taken_in_words{*no, false, false};
  }
  if (someone_hurt(c, text)) {
    if (yes) return taken_in_words{*yes, true};
    return std::nullopt;
  }
  // A count no option has to "is anyone hurt? 1 yes 2 no" by SMS ("3", «۵ تا», «سه», "12"):
  // how many are hurt. (1 and 2 are its options; «دو», two, may be either: asked again. A
  // digit keyed at a USSD menu is a slip of the finger: asked again.)
  if (const flow::node* n = f.find(st.node);
      yes && !self_harm && n && !(keyed && text::all_digits(typed))) {
    if (const auto count = bare_count(c, typed);
        count && *count > static_cast<long>(n->options.size())) {
      return taken_in_words{*yes, true};
    }
  }
  // «پسرم», "two people", «ټپي» (hurt) are its yes, words that tell of no one in danger
  // elsewhere ("my back hurts"); not after a no ("no, not me", «نه، پسرم سالمه»), nor of being
  // called ("don't call me", «به برادرم زنگ بزنید»), which a person reads (to_inbox).
  const bool starts_no = words_say_no(c.words, first_word(typed).first);
  if (yes && !self_harm && !denied && !starts_no && names_someone_hurt(c, text)) {
    return taken_in_words{*yes, true};
  }
  // "yes, two people", «بلی، دو نفر», "1 two people": that option, more said than asked.
  if (yes && !self_harm && !denied && flow::leads_with_option(f, st, *yes, typed, c.words)) {
    return taken_in_words{*yes, true};
  }
  // With a number too: «۱ خوب نیستم», «۱ کمک می‌خواهم» say more than 1 («۱ خوبم» is 1 in its
  // own words, lexicon/answers.yaml, and never reaches here).
  if (!danger && !self_harm && text::has_letters(typed)) {
    if (const auto words = flow::option_taking(f, st, flow::option::takes::words)) return taken_in_words{*words, false};
  }
  return std::nullopt;
}

void runner::leave_begun(store::tx& tx, const content& c, const step& open, const flow::state& st,
                         sms_outcome& result) const {
  const flow::node* n = open.f->find(st.node);
  if (!n || n->kind != flow::node_kind::ask || n->on_timeout.empty() || !st.vars.contains(std::string(own_start_var))) {
    return;
  }
  step left{open.f, open.r, open.who, {}, {}};
  time_out_by_sms(tx, c, left, st, false);  // an answer to what the person just sent
  result.queued += commit(tx, left);
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
  // A flow that keeps no SMS (keep_sms: false) lets go of its keyword's message at once,
  // whatever then answers it (a stopped sender is only told so).
  const flow::definition* by_keyword = keyword_flow(*c, sms.text);
  if (by_keyword && !by_keyword->keep_sms) tx.forget_inbound_body(sms.channel_id, sms.external_id);
  if (s.who.unreachable) {
    // They wrote from this number: it works again (R-S13).
    tx.set_reachable(s.who.id);
    s.who.unreachable = false;
  }
  std::string unsure;  // a language guessed whose own letters the phone may not show
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
    if (c->texts.find(s.who.language, flow::keys::letters_check) && !text::has_own_letters(sms.text, s.who.language)) {
      // Pashto by its words (or as the first Persian-script language offered), but no letter
      // only Pashto has: the phone may show them as boxes (R-L1). Answered in Dari meanwhile,
      // never in English; the letters check follows the answer.
      if (std::string other = letters_fallback(s.who.language, s.who.fields); text::persian_script(other)) {
        unsure = std::exchange(s.who.language, std::move(other));
      }
    }
    if (!s.who.language.empty()) tx.set_contact_language(s.who.id, s.who.language);
  }
  const std::string typed = text::normalize(sms.text);
  if (language_change(tx, *c, s.who, sms, typed, result)) return result;
  // A stop among words to a question that takes words («ایستگاه بس», a bus station; «قطع پا»)
  // is its answer. How to stop goes after what follows, in case they meant it ("stop it"),
  // unless they wrote of danger.
  const text::global_word said = text::read_global(typed, c->keywords);
  const bool words_answer = said == text::global_word::ask_stop &&
                            [&] {
                              const flow::node* n = waiting_ask(open_sms_question(tx, *c, s.who));
                              return n && n->ask == flow::ask_kind::text;
                            }();
  if (!words_answer && global_keyword(tx, *c, s.who, sms, typed, said, result)) return result;
  s.ctx = context_for(*c, flow::medium::sms, s.who, tx.now());
  auto waiting = tx.find_waiting_sms_run(s.who.id);
  bool let_go = false;  // a keyword's flow took over the open question
  const auto start = [&](const flow::definition* f) {
    let_go = waiting.has_value();
    tx.expire_waiting_sms_runs(s.who.id);
    s.begin_sms(*f, sms.channel_id);
    std::map<std::string, std::string> vars{{std::string(own_start_var), "1"}};
    if (const auto rest = flow::after_keyword(sms.text); !rest.empty()) {
      // "MINE 2 please", «ماین ۲ لطفا»: the number alone, as a choice or a code is read; so is
      // one said in words and nothing else («ماین دو», "MINE two": lexicon/answers.yaml).
      std::string number = text::without_polite(text::normalize(rest), c->keywords);
      if (const auto said = c->words.number(number)) number = std::to_string(*said);
      vars[std::string(flow::keyword_rest)] = text::all_digits(number) ? number : std::string(rest);
    }
    s.out = flow::start_at(*f, f->start, std::move(vars), s.ctx);
  };
  const flow::definition* waiting_flow = waiting ? c->pinned(waiting->flow_id, waiting->flow_hash) : nullptr;
  bool rejected = false;
  const flow::node* answered = nullptr;  // the open question, when the reply answered it
  if (waiting_flow) {
    // The open question first (R-S3 step 2).
    s.f = waiting_flow;
    s.r = std::move(*waiting);
    flow::state st = state_from_json(s.r.state);
    keep_neutral(s.ctx, st);
    // A flow's keyword alone is that keyword to a menu («نوبت», "VISIT" to "3 Cancel the
    // visit"), never an option of words like it; to a question for words («ماین» to "what did
    // you see?") it may be the answer.
    const flow::node* asked = s.f->find(st.node);
    if (by_keyword && flow::after_keyword(sms.text).empty() && asked && asked->kind == flow::node_kind::ask &&
        asked->ask != flow::ask_kind::text) {
      s.out = flow::outcome{};
      s.out.next = st;
      s.out.rejected = true;
    } else {
      s.out = flow::resume(*s.f, st, sms.text, s.ctx);
    }
    // A reply that answers no option, to a question with an option for it (option_in_words):
    // that option, and the words kept in the inbox beside what it saves.
    if (s.out.rejected && !by_keyword) {
      if (const auto taken = option_in_words(*c, *s.f, st, sms.text)) {
        s.out = flow::resume(*s.f, std::move(st), std::to_string(taken->option), s.ctx);
        if (taken->kept) {
          store::inbox_item item{s.who.id, s.r.id, sms.channel_id, s.f->id, sms.text};
          item.from_phone = sms.from;
          item.urgent = taken->danger;
          tx.add_inbox(item);
        }
      }
    }
    // Not an answer but another flow's keyword: that flow takes over (step 3). Its own keyword
    // with words after it («نوبت را لغو کنید» to a visit's question) speaks of what is open: a
    // person reads it and the question is asked again, not begun anew.
    const bool about_open = by_keyword && by_keyword->id == waiting_flow->id && words_after_keyword(sms.text);
    if (s.out.rejected && by_keyword && !about_open) {
      leave_begun(tx, *c, s, st, result);
      start(by_keyword);
    } else {
      rejected = s.out.rejected;
      if (!rejected) answered = asked;
    }
  } else if (by_keyword) {
    start(by_keyword);
  }
  const auto acknowledge = [&] {
    if (std::string body = say(*c, flow::keys::unknown_sms, s.who); !body.empty()) {
      // R-H8: a counselling client who writes is given the crisis lines, in this answer only.
      if (const std::string lines = crisis_lines_for(tx, *c, s.who); !lines.empty()) body += "\n" + lines;
      tx.queue_message(store::new_message{sms.channel_id, s.who.id, 0, sms.from, std::move(body),
                                          core::priority::reply});
      ++result.queued;
    }
  };
  if (!s.f && looks_like_command(*c, typed) && !in_danger(*c, sms.text)) {
    // A health worker's own phone writing a command no flow reads ("ENRL 0700… MED 8"): it
    // holds a patient's number and care. The inbox is for the people served: not kept, and the
    // worker is told, who would otherwise think the patient enrolled. (Anything else they write,
    // as a patient or to the operators, goes to the inbox as anyone's.)
    if (const auto u = tx.find_user_by_phone(sms.from); u && !u->disabled && u->role == "health_worker") {
      tx.forget_inbound_body(sms.channel_id, sms.external_id);
      if (std::string body = say(*c, flow::keys::staff_not_understood, s.who); !body.empty()) {
        tx.queue_message(store::new_message{sms.channel_id, s.who.id, 0, sms.from, std::move(body), core::priority::reply});
        ++result.queued;
      }
      result.flow_id = "@staff";
      return result;
    }
  }
  if (!s.f || rejected) {
    // Free text is never dropped silently: a person reads the inbox (step 4).
    const free_text read = to_inbox(tx, *c, s.who, sms, s.r.id, s.f ? s.f->id : "", result,
                                    s.f && s.f->watches_for_hurt);
    if (read != free_text::plain) {
      // Words of someone in danger answer no question: one that is open stays as it was, not
      // counted as a wrong reply nor asked again over the emergency number.
      if (read == free_text::urgent_again) acknowledge();
      // A flow that keeps no SMS lets go of it as ever: the inbox item holds the words.
      if (s.f && !s.f->keep_sms) tx.forget_inbound_body(sms.channel_id, sms.external_id);
      result.flow_id = "@urgent";
      return result;
    }
  }
  if (!s.f) {
    acknowledge();
    if (const text::entry* check = unsure.empty() ? nullptr : c->texts.find(unsure, flow::keys::letters_check)) {
      // Nothing else is asked of them: the next SMS may answer whether its letters show.
      tx.queue_message(store::new_message{sms.channel_id, s.who.id, 0, sms.from, check->text, core::priority::reply});
      tx.set_language_asked(s.who.id, tx.now(), unsure);
      ++result.queued;
    }
    return result;
  }
  if (!s.f->keep_sms && s.f != by_keyword) tx.forget_inbound_body(sms.channel_id, sms.external_id);
  heed_answer(tx, *c, s.who, *s.f, answered, sms, s.r.id, result);
  settle(tx, *c, s);
  result.queued += commit(tx, s);
  if (words_answer && !in_danger(*c, sms.text)) {
    if (std::string body = say(*c, flow::keys::confirm_stop, s.who); !body.empty()) {
      store::new_message m{sms.channel_id, s.who.id, 0, sms.from, std::move(body), core::priority::reply};
      m.even_if_opted_out = true;
      tx.queue_message(m);
      ++result.queued;
    }
  }
  // Nothing open any more ("MINE 482913" asks nothing): a question waiting its turn goes now.
  if (let_go && s.r.status != store::run_status::waiting) tx.wake_turn_jobs(s.who.id);
  if (rejected) {
    // Words that answer nothing the question asked, from a counselling client: the crisis
    // lines too, after the question again (R-H8).
    if (std::string lines = crisis_lines_for(tx, *c, s.who); !lines.empty()) {
      tx.queue_message(store::new_message{sms.channel_id, s.who.id, 0, sms.from, std::move(lines), core::priority::reply});
      ++result.queued;
    }
  }
  result.flow_id = s.f->id;
  return result;
}

}  // namespace paygham::runner
