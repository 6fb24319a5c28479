// The flow engine: pure. It takes a run's state and an input and returns the new state and
// what to show or send. No I/O, no clock reads, no store: the runner does all of that, so a
// flow can be tested as data.
//
// One flow serves both media. Over USSD the output is one screen (CON … or END …); over SMS
// it is zero or more messages to queue, and the run waits for the reply.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/flow/flow.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/screen.hpp"

namespace paygham::text {
class catalog;
class lexicon;
}

namespace paygham::flow {

enum class medium { ussd, sms };

// What the runner stores between inputs. Serialised by the runner as JSON.
struct state {
  std::string node;                         // the ask (or action) the run waits at
  std::map<std::string, std::string> vars;  // run variables (saved answers, action results)
  int invalid = 0;                          // invalid replies in a row at this ask
  std::vector<std::string> trail;           // asks answered before this one, for Back
  std::size_t page = 0;                     // USSD: the page of a long menu being shown
  int asked = 0;  // how many times the run has started waiting: names one wait, so a
                  // timeout set for an earlier question never fires on a later one
  // USSD: which '*'-separated parts of the aggregator's text answered a secret question
  // (from 0): the runner stores the inputs with those parts blanked.
  std::vector<int> secret_parts = {};
};

struct context {
  medium via = medium::ussd;
  std::vector<std::string> langs;  // preference order: contact's, those they read after it (R-L2), default, "en"
  // `send` nodes' (SMS): the contact's languages where the screens' are not theirs (a USSD
  // route without UCS-2 shows Latin script, R-U4); empty: `langs`.
  std::vector<std::string> sms_langs = {};
  const text::catalog* texts = nullptr;
  bool explicit_texts = false;  // texts' explicit variants, where they have one (R-S11)
  const text::lexicon* words = nullptr;  // yes/no words for replies; may be null
  // Whether words tell of someone in danger now (lexicon/urgent.yaml's danger, not denied), for
  // a question's `on_danger`; may be empty.
  std::function<bool(std::string_view)> in_danger = {};
  std::string timezone = "UTC";          // for dates and times in texts
  text::month_names months = text::month_names::by_language;  // the person's own (R-L3)
  std::string region = "AF";             // for phone numbers typed without a country code
  std::size_t page_size = 5;             // USSD: options on one screen (R-U8)
  std::int64_t now_ms = 0;               // the clock: unix milliseconds (timeouts)
  // The contact's fields ("district", …: without the "contact." prefix).
  std::map<std::string, std::string> contact = {};
  // Values every text may use, from the deployment's config ("emergency": {emergency}); may
  // be null. Owned by the caller (the runner's settings).
  const std::map<std::string, std::string, std::less<>>* gateway = nullptr;
  // USSD: the route's screen limits (its ussd_profile), so a reason shown above a question
  // never pushes the question off the screen.
  text::screen_limits screen = {};
};

// A built-in the runner must perform before the flow can go on (node kind `action`).
struct action_call {
  std::string name;
  std::map<std::string, std::string> args;  // with {variables} filled in
};

// A `send` step's SMS. `even_if_stopped`: it goes to a person who stopped our messages too.
struct sent_sms {
  std::string body;
  bool even_if_stopped = false;
};

struct outcome {
  state next;
  bool finished = false;              // the run reached an end (or an error ended it)
  std::string screen;                 // USSD: the screen text, without CON/END
  std::vector<int> numbers;           // USSD: the numbers the screen offers, More and Back too
  std::vector<std::string> messages;  // SMS: texts to queue, in order
  std::vector<sent_sms> sends;        // `send` steps: an SMS each, over USSD too, in order
  std::string error;                  // set when a flow authoring problem ended the run
  bool rejected = false;              // the reply did not answer the question (it was re-asked)
  std::optional<action_call> action;  // the run waits for this action's outcome
  std::int64_t timeout_at = 0;        // SMS: when the wait ends without a reply (0: never)
  std::map<std::string, std::string> contact;  // contact fields to set (without prefix)
};

// What an action reports back: which way the flow goes, and values for the run.
struct action_result {
  std::string outcome;                      // "ok", "full", "error", …
  std::map<std::string, std::string> vars;  // set as run variables ("contact." ones too)
};

// Texts the gateway itself shows, under "common." in every language (lint checks they exist).
namespace keys {
// A reply that is not an answer: to a menu or yes/no ("reply with the number…"), and to a
// number, date, text or phone question that has no `invalid` text of its own.
inline constexpr std::string_view invalid = "common.invalid";
inline constexpr std::string_view invalid_answer = "common.invalid_answer";
inline constexpr std::string_view too_many_invalid = "common.too_many_invalid";
// The same by SMS, where the unclear replies went to the inbox: a person will read them.
inline constexpr std::string_view too_many_invalid_sms = "common.too_many_invalid_sms";
inline constexpr std::string_view error = "common.error";
inline constexpr std::string_view no_service = "common.no_service";
// The language picker (runner): the question, and each language's own name for itself.
inline constexpr std::string_view choose_language = "common.choose_language";
inline constexpr std::string_view language_name = "common.language_name";
// USSD navigation (R-U8): 98 More, 0 Back (Exit on the first screen), 00 Home.
inline constexpr std::string_view more = "common.more";
inline constexpr std::string_view back = "common.back";
inline constexpr std::string_view goodbye = "common.goodbye";
// Redial within the resume window (R-U12): "Welcome back. Continue?" 1 Continue, 2 Start again.
inline constexpr std::string_view resume = "common.resume";
inline constexpr std::string_view resume_continue = "common.resume_continue";
inline constexpr std::string_view resume_restart = "common.resume_restart";
// A dial to a flow of a programme the person stopped (R-S5): nothing of it would reach them.
// 1 Get them again, 2 Go on without.
inline constexpr std::string_view stopped = "common.stopped";
inline constexpr std::string_view stopped_restart = "common.stopped_restart";
inline constexpr std::string_view stopped_continue = "common.stopped_continue";
// A hop that could not be answered in time (R-U5).
inline constexpr std::string_view try_again = "common.try_again";
// Global SMS keywords (R-S3, R-S5): opt-out confirmation, opt-in, help.
inline constexpr std::string_view opted_out = "common.opted_out";
// STOP after a message of a programme: that programme stopped, how to rejoin or stop all.
inline constexpr std::string_view opted_out_programme = "common.opted_out_programme";
// The same, to someone with visits still booked: they stand, the next, and how to cancel.
inline constexpr std::string_view opted_out_visit = "common.opted_out_visit";
inline constexpr std::string_view opted_out_all_visit = "common.opted_out_all_visit";
inline constexpr std::string_view opted_in = "common.opted_in";
// 12 took back the newest stop, and messages the person stopped before stay stopped: another
// 12 takes back the next.
inline constexpr std::string_view opted_in_more = "common.opted_in_more";
inline constexpr std::string_view help = "common.help";
// R-D7: who keeps the number, why, how long, how to stop: sent by a flow at an enrolment, and
// by the gateway when a 12 takes back a stop that forgot it.
inline constexpr std::string_view privacy_notice = "privacy.notice";
// "stop it", "STOPP": "To stop all messages, reply 11" (R-S5: never opt out on a guess).
inline constexpr std::string_view confirm_stop = "common.confirm_stop";
// A stop word that is also the words of an option of the open question («لغو» when «۲- لغو
// نوبت» was offered): which did they mean? ({option}: its number, {label}: its words; R-S6).
inline constexpr std::string_view stop_or_answer = "common.stop_or_answer";
// A stop word, not 11, while a question waits for the person («لغو» to "will you come?"): to
// answer, reply its number; to stop, 11 (R-S6).
inline constexpr std::string_view stop_or_reply = "common.stop_or_reply";
// Anything from a person who opted out: they are stopped, and how to start again.
inline constexpr std::string_view still_opted_out = "common.still_opted_out";
inline constexpr std::string_view still_stopped_programme = "common.still_stopped_programme";
// What a person who stopped messages wrote went to the inbox: a person will read it; how to
// restart.
inline constexpr std::string_view stopped_read = "common.stopped_read";
// "زبان" by SMS: how to choose, above the list of languages ("send LANG and a number").
inline constexpr std::string_view change_language = "common.change_language";
// To the other admins and operators: an urgent alert awaits a second person ({broadcast},
// {audience}; R-M3).
inline constexpr std::string_view alert_awaits = "staff.alert_awaits";
// R-H3: free text with the words of someone in danger (lexicon/urgent.yaml): the writer's
// answer ({emergency}); their health worker's call to make; else the operators' ({item}: the
// inbox number).
inline constexpr std::string_view urgent = "common.urgent";
inline constexpr std::string_view urgent_call = "staff.urgent_call";
inline constexpr std::string_view urgent_inbox = "staff.urgent_inbox";
// R-H3: calls became high priority (within one working day): to the supervisors of the clinic,
// else the operators ({count} such calls, at {clinic}).
inline constexpr std::string_view call_soon = "staff.call_soon";
// R-H3: such calls still open a working day later: the same people, once more.
inline constexpr std::string_view call_overdue = "staff.call_overdue";
// A health worker who left handed their calls to this one ({count} of them; actions::disable_user).
inline constexpr std::string_view calls_handed_over = "staff.calls_handed_over";
// A health worker's phone wrote what no flow reads (a mistyped command): not kept, and how to
// write it.
inline constexpr std::string_view staff_not_understood = "staff.not_understood";
inline constexpr std::string_view required[] = {invalid,
                                                invalid_answer,
                                                too_many_invalid,
                                                too_many_invalid_sms,
                                                error,
                                                no_service,
                                                choose_language,
                                                language_name,
                                                more,
                                                back,
                                                goodbye,
                                                resume,
                                                resume_continue,
                                                resume_restart,
                                                stopped,
                                                stopped_restart,
                                                stopped_continue,
                                                try_again,
                                                opted_out,
                                                opted_in,
                                                help,
                                                confirm_stop,
                                                opted_in_more,
                                                still_opted_out,
                                                still_stopped_programme,
                                                stopped_read,
                                                change_language,
                                                opted_out_programme,
                                                opted_out_visit,
                                                opted_out_all_visit,
                                                alert_awaits,
                                                stop_or_answer,
                                                stop_or_reply,
                                                urgent,
                                                urgent_call,
                                                urgent_inbox,
                                                call_soon,
                                                call_overdue,
                                                calls_handed_over,
                                                staff_not_understood,
                                                privacy_notice};
// The gateway's own texts a USSD screen can show (besides a flow's own, flow_set::screen_keys):
// each language's screens in Latin letters must have them too (R-U4).
inline constexpr std::string_view on_screens[] = {
    invalid, invalid_answer, too_many_invalid, error, no_service, more, back, goodbye,
    resume, resume_continue, resume_restart, stopped, stopped_restart, stopped_continue, try_again};
// Only in a language with letters of its own (Pashto): a screen asking whether the phone shows
// them, written without them but for the letters themselves, with 1 yes / 2 no (R-L1). A phone
// that does not gets the first other Persian-script language offered (Dari) instead.
inline constexpr std::string_view letters_check = "script.letters_check";
// Optional: the acknowledgement of an SMS nothing else claims.
inline constexpr std::string_view unknown_sms = "common.unknown_sms";
// Optional: the line under it for a counselling client where crisis lines are configured
// ({crisis_lines}, R-H8).
inline constexpr std::string_view crisis_lines = "common.crisis_lines";
}  // namespace keys

// After this many invalid replies in a row at one ask, the run ends with a help text (R-U10).
inline constexpr int max_invalid_replies = 3;

// Starts `f` at its start node.
outcome start(const definition& f, const context& ctx);

// The option of the menu the run waits at that `input` names by its words, as a reply may
// («لغو» for «۳- لغو نوبت»), or a number only one option's words have ("11" for «چهارشنبه ۱۱
// قوس»): its number as shown (from 1) and its words. nullopt when the run waits at no menu, or
// no option, or more than one, has those words.
struct named_option {
  std::size_t number = 0;
  std::string label;
};
std::optional<named_option> option_named(const definition& f, const state& s, std::string_view input,
                                         const context& ctx);

// The number (from 1) of the option of the menu the run waits at that takes `what` (a reply that
// answers no option: words of someone in danger, «۲ نفر زخمی شدند» to "is anyone hurt?", or any
// words). nullopt when none does.
std::optional<std::size_t> option_taking(const definition& f, const state& s, option::takes what);

// The number (from 1) of the no (common.no) of the menu the run waits at; nullopt when it has none.
std::optional<std::size_t> option_saying_no(const definition& f, const state& s);

// Whether a normalised reply to a menu of yes and no starts with its yes (option `n`: its number
// or a yes word) and says more: "yes help", «آره کمک», "1 two people", «بلی، دو نفر». Not "1
// no", "ok thanks", "1 2", "yes two?"; after a yes that may only say all is well ("ok"), only
// how many and who ("ok 2 people", not "ok I will").
bool leads_with_option(const definition& f, const state& s, std::size_t n, std::string_view typed,
                       const text::lexicon& words);

// Starts `f` at `node` with run variables already set: the scheduler starting a conversation
// about something it knows (a booking's reminder asks "will you come?" with its code).
outcome start_at(const definition& f, const std::string& node, std::map<std::string, std::string> vars,
                 const context& ctx);

// Feeds `input` (what the person typed, raw) to the ask the run waits at. Over USSD the
// reserved answers are always accepted, shown or not: 98 the next page of a long menu, 0 the
// previous page or the previous question (on the first question: exit), 00 the first question.
outcome resume(const definition& f, state s, std::string_view input, const context& ctx);

// The wait at an SMS ask ended without a reply: the run goes to the ask's `on_timeout`.
outcome time_out(const definition& f, state s, const context& ctx);

// The action the run waits at reported `r`: its values are saved and the flow goes on along
// the outcome's branch (an outcome the node does not route goes to `error`, if routed).
outcome after_action(const definition& f, state s, const action_result& r, const context& ctx);

// The question the run waits at, shown again as it was (a resumed session, or a USSD
// session continued by SMS).
outcome repeat(const definition& f, state s, const context& ctx);

// An option's number as shown: "1." in Latin script; "۱-" with Persian digits for fa, prs
// and ps (R-L5; docs/requirements.md).
std::string option_number(std::size_t n, std::string_view lang);

// A screen shown again with the reason first ("Reply with a number:\n…", R-U10). Over USSD,
// when both do not fit the route (ctx.screen), the reason goes and the screen stays whole.
std::string with_reason(std::string_view reason, const std::string& screen, const context& ctx);

// Joins what a later step produced to what an earlier one did, for a hop that went through
// actions: screens and messages add up; the state and the rest are the later step's.
void append(outcome& earlier, outcome later);

}  // namespace paygham::flow
