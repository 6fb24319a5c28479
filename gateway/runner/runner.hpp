// The runner applies one inbound event, or the due work of the clock, inside the store's
// current transaction: find or create the contact and the run, step the flow engine, perform
// the actions it asks for, and write the new run state, contact fields, timeouts and every
// message the step queued. The caller (api) answers the aggregator only after the
// transaction commits, so an acknowledged event is never lost.
//
// Runs on the store's writer thread, which keeps each number's events in order; flows and
// texts are read from an immutable bundle that reload() swaps whole, so a run in flight
// never sees half a reload.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/clock.hpp"
#include "gateway/core/event.hpp"
#include "gateway/flow/engine.hpp"
#include "gateway/flow/flow.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/schedule/holidays.hpp"
#include "gateway/schedule/clinics.hpp"
#include "gateway/text/catalog.hpp"
#include "gateway/text/districts.hpp"
#include "gateway/text/lexicon.hpp"
#include "gateway/text/readers.hpp"
#include "gateway/text/terms.hpp"

namespace paygham::actions {
class registry;
struct series_due;
}

namespace paygham::store {
class tx;
struct contact;
struct broadcast;
struct written_district;
struct job;
struct series;
struct booking;
struct run;
struct user;
}  // namespace paygham::store

namespace paygham::runner {

struct two_choices;  // a gateway screen (screens.hpp)

// Flows and the texts they use, loaded and checked together.
struct content {
  flow::flow_set flows;
  text::catalog texts;
  text::lexicon words;  // yes/no replies in every language
  text::keywords keywords;  // the SMS words that act before any flow (lexicon/keywords.yaml)
  text::language_hints hints;  // a first SMS's language (lexicon/languages.yaml)
  // Free text from someone who may be in danger (lexicon/urgent.yaml, R-H3): the emergency
  // number; and for self-harm, the crisis lines too.
  text::term_list danger_words;  // of someone hurt
  text::term_list blast_words;   // of what happened («انفجار»): taken back by well_words
  text::term_list unexploded;    // what names an explosive, no explosion ("not exploded")
  text::term_list self_harm_words;
  text::term_list denials;  // words that say nobody is hurt («نشده», "nobody"): not a yes to danger
  text::term_list well_words;  // that all is well ("we are fine"): deny all but danger_words
  // Read only as replies to "is anyone hurt?" (a menu whose yes takes danger): words that say
  // someone is when asked («پسرم», "two people", «ټپي»), and whole replies that say nobody is
  // («هیچ کس», "no one was hurt"); calls for help («کمک کنید») there and to a question with
  // `on_danger` ("where is it?").
  text::term_list hurt_words;
  text::term_list nobody_words;
  text::term_list help_words;
  // Of being called back ("call me", "don't call", «به برادرم زنگ بزنید»): taken out before
  // words of who is hurt are read ("me", «برادرم» there are no one hurt).
  text::term_list calling_words;
  schedule::clinic_list clinics;  // clinics people can book (config `clinics:`)
  text::district_table districts;  // each area's districts, as people write them (config `districts:`)
  // Earlier versions of flows, by content hash, kept across reloads so that a run finishes on
  // the version it started on (reload() fills it).
  std::map<std::string, std::shared_ptr<const flow::definition>, std::less<>> versions;

  // The flow a run is pinned to: its version by hash, else the current flow of that id.
  const flow::definition* pinned(std::string_view id, std::string_view hash) const;
};

struct settings {
  std::string default_language = "en";
  std::string timezone = "UTC";  // dates and times in texts
  // Offered, in this order, to a number that has not chosen a language yet, before any flow.
  // Fewer than two: nobody is asked.
  std::vector<std::string> languages;
  std::string region = "AF";  // phone numbers typed without a country code ("IR,AF": both)
  std::string emergency_number = {};  // {emergency} in every text (R-H6); empty: not set
  // R-H6: by the country of the person's number (IR), {emergency} there ("115"); others get
  // emergency_number.
  std::map<std::string, std::string, std::less<>> emergency_numbers = {};
  // R-H8: by the country of the person's number (IR), {crisis_lines} ("123 / 1480") in the
  // answer to a counselling client's own message (common.crisis_lines); none: never said.
  std::map<std::string, std::string, std::less<>> crisis_lines = {};
  // The channel for SMS to staff that no conversation started (an urgent alert awaiting
  // approval); empty: none is sent.
  std::string staff_channel = {};
  // Sending hours (R-S8): messages nobody is waiting for (a question's timeout, a reminder)
  // are held in the quiet window of the person's local day; a programme may have its own
  // (`programmes.<name>` in config), and a person their own window (store::contact).
  schedule::sending_hours quiet = {};
  std::map<std::string, schedule::sending_hours, std::less<>> programme_quiet = {};
  // Public holidays by country: quiet for a programme whose hours say so (R-S8).
  schedule::holiday_table holidays = {};
  // Ramadan by country: the hours around iftar, quiet for a programme whose hours say so (R-S8).
  schedule::iftar_table iftar = {};
  // Each USSD channel's route (its ussd_profile): screen limits, and how long a session with
  // no hop lives (R-U7, R-U12); others get the defaults.
  text::ussd_routes ussd_routes = {};
  // How long a dropped session's answers are kept for "continue / start again" (R-U12).
  core::unix_ms resume_window_ms = 15 * 60'000;
  // R-D3: how long an SMS question with no timeout of its own waits, with the answers before
  // it, before it is let go (timeout_job::let_go_kind); 0: for good.
  core::unix_ms answer_retention_ms = 24 * 3'600'000;
  // R-D2: the contact fields the deployment keeps on a person (app::keeps_contact_field).
  std::set<std::string, std::less<>> contact_fields = {};
};

// The sending hours of `programme`: its own (config `programmes`) or the defaults'.
schedule::sending_hours sending_hours_of(const settings& s, std::string_view programme);

struct sms_outcome {
  bool duplicate = false;   // seen before: acknowledged, nothing else done
  std::size_t queued = 0;   // messages queued in reply
  std::string flow_id;      // the flow that answered, if any
};

// What one tick of the clock did.
struct tick_outcome {
  std::size_t timeouts = 0;   // SMS questions whose wait ended
  std::size_t continued = 0;  // dropped USSD sessions continued by SMS
  std::size_t expired = 0;    // dropped USSD sessions past the resume window
  std::size_t invited = 0;    // of those, people invited by SMS to dial again (R-U15)
  std::size_t reminders = 0;  // occurrences of a series queued, and visits reminded of
  std::size_t broadcast = 0;  // broadcast messages queued
  bool more = false;          // more is due now (a broadcast's next batch, a full batch of jobs):
                              // tick again at once, not in a second

  // Messages may wait for the outbox (a timed-out question, a continued session, a reminder).
  bool queued() const { return timeouts + continued + invited + reminders + broadcast > 0; }
  // Anything done, or more due now: a caller that loops ticks until nothing is left stops on false.
  bool any() const { return queued() || expired > 0 || more; }
};


// What every text may name from the config, by name ("emergency" → {emergency}): for the
// runner's texts and for lint, which refuses a name the config leaves unset.
std::map<std::string, std::string, std::less<>> gateway_values(const settings& s);

// Stores a broadcast and, unless it awaits a second person's approval (an urgent alert,
// R-M3), schedules its first batch: the scheduler then queues its messages in batches
// (broadcast_batch_size a transaction), so USSD hops never wait behind a million inserts; its
// messages carry its expiry, after which none is sent. Returns its id.
std::int64_t start_broadcast(store::tx& tx, const store::broadcast& b);
// What a new broadcast is asked for with: its priority by name (alert P1, area P2, education P3),
// from when it may go, and when what is unsent then never goes: an instant (`expires_at`) or a
// time from when it may go (`valid_for`); 0 for none, except an alert's default.
struct broadcast_request {
  std::string priority;
  core::unix_ms at = 0;
  core::unix_ms expires_at = 0;
  core::unix_ms valid_for = 0;
  std::string by;  // who asks, as the audit log names people
};
// What was wrong with a request: the field and why.
struct broadcast_refusal {
  std::string field;
  std::string message;
};
// A new broadcast's rules (R-M3, R-S8), the same from the API and the command line: an alert goes
// at any hour, once a second person approves it, and expires 24 hours after (72 at most); area
// and education go within sending hours, approved by whoever asks. Fills b's priority, not_before,
// requested_by, approved_by and expires_at, or says what is wrong.
std::optional<broadcast_refusal> plan_broadcast(store::broadcast& b, const broadcast_request& r, const settings& s);
// A broadcast to one district (R-M1) names its area too, and the districts file knows that
// district there; the refusal names the districts it knows.
std::optional<broadcast_refusal> check_district(const store::broadcast& b, const text::district_table& known);
// The topics, areas and routes the flows give to people who subscribe (the `subscriptions.add`
// steps, and the menus that fill their area and route), read once: an import checks every line
// against one. For a broadcast that finds nobody and an imported subscription.
class subscription_names {
 public:
  explicit subscription_names(const flow::flow_set& flows);
  // A typo ("heratt", "mine-safety") refused, naming the nearest and what the flows give. An
  // area or route filled from data, not a menu, is not checked.
  std::optional<broadcast_refusal> check(std::string_view topic, std::string_view area,
                                         std::string_view route) const;

 private:
  // A topic's areas or routes; `open`: one is filled from data (or typed), so anything goes.
  struct names {
    std::set<std::string> values;
    bool open = false;
  };
  std::map<std::string, std::pair<names, names>, std::less<>> topics_;
  bool any_topic_ = false;  // a topic from data: anything goes
};
// A broadcast's text says the same to everyone: a placeholder other than the gateway's own
// ({emergency}) has nothing to fill it and would go out as written ("Code {code}"). The refusal
// names the placeholder and the file.
std::optional<broadcast_refusal> check_broadcast_text(std::string_view key, const text::catalog& texts,
                                                      const settings& s);
// The ways subscribers wrote their district that `known` reads otherwise than stored, each with
// the district it names now ("" for none) and how many wrote it so.
std::vector<store::written_district> read_otherwise(store::tx& tx, const text::district_table& known);
// Takes every way subscribers wrote their district for the district `known` says it names now
// (after the districts file changed: at start and on reload); returns how many subscriptions
// changed.
std::size_t take_districts(store::tx& tx, const text::district_table& known);
// A programme's quiet days hold its routine broadcasts (education), never an alert or an area
// alert (R-S8).
bool quiet_days_hold(const store::broadcast& b);
// A broadcast priority's name (alert, area, education).
std::string_view broadcast_priority_name(core::priority p);

// The second person's approval (`by`, as the audit log names people): the broadcast goes now.
// False, and nothing changes, when it awaits no approval or `by` asked for it.
bool approve_broadcast(store::tx& tx, std::int64_t id, std::string_view by);
// A broadcast found wrong, refused before its approval or stopped under way (`by` and `via`,
// "api" or "cli", go to the audit log): how many of its messages not yet sent were cancelled, or
// nothing when nothing was left to stop.
std::optional<std::size_t> cancel_broadcast(store::tx& tx, const store::broadcast& b, std::string_view by,
                                            std::string_view via);
inline constexpr std::size_t broadcast_batch_size = 2000;
// How long an urgent alert may still go unless told otherwise: a hazard alert a day late is
// more confusing than none (R-M3).
inline constexpr core::unix_ms alert_validity_ms = 24LL * 3600'000;
inline constexpr core::unix_ms alert_validity_most_ms = 72LL * 3600'000;  // the longest one may ask

class runner {
 public:
  runner(std::shared_ptr<const content> c, settings s,
         const actions::registry* actions = nullptr);  // nullptr: the built-ins

  // Replaces flows and texts for runs that step from now on. Runs already under way keep
  // stepping on the flow version they started on.
  void reload(std::shared_ptr<content> c);
  std::shared_ptr<const content> current() const;
  const settings& config() const { return settings_; }
  // The text `key` in the contact's language (the default language's where theirs lacks it),
  // {emergency} and the like filled; empty when no language has it.
  std::string text_for(const store::contact& who, std::string_view key) const;

  // One USSD hop: returns the screen to answer with. A repeated hop (the aggregator retrying
  // the same input) gets the same screen again and changes nothing.
  core::ussd_reply apply_ussd(store::tx& tx, const core::ussd_request& req) const;

  // One inbound SMS, stored once per (channel, external id). Matching order (R-S3): global
  // keywords (stop, start, help), the open question, flow keywords, the human inbox.
  sms_outcome apply_sms(store::tx& tx, const core::inbound_sms& sms) const;

  // The aggregator says a USSD session ended (Africa's Talking's notification). A session
  // that ended with a question still open dropped: a flow with continue_by_sms goes on by
  // SMS now; otherwise the run waits for a redial (resume). True when SMS was queued.
  bool end_session(store::tx& tx, const core::session_end& e) const;

  // The clock's work that is due at tx.now(): SMS questions that timed out, USSD sessions
  // that dropped (continued by SMS where the flow says so), dropped sessions past the resume
  // window. Bounded per call; call again while it finds work. `jobs_only`: the due jobs alone
  // (a broadcast's next batch, at once), not the sweep of dropped sessions (once a second).
  tick_outcome tick(store::tx& tx, bool jobs_only = false) const;

  // The apology shown on `channel` when a step could not be stored (common.error, default
  // language; in Latin script on a route without UCS-2).
  std::string error_text(std::string_view channel) const;
  // The short END for a hop that could not be answered in time (R-U5), the same way.
  std::string try_again_text(std::string_view channel) const;

  // A number's time zone: its country's when it has one, else settings.timezone.
  std::string time_zone(std::string_view e164) const;
  // R-S8: `at`, or the first instant after it, when a message of `programme` nobody is waiting
  // for may reach `who`: within the person's own quiet hours if they have them, else the
  // programme's, else the defaults', and never on one of the programme's quiet days (unless
  // `quiet_days` is false: an area alert); in `zone`, or where their number is when none is given.
  core::unix_ms sending_time(core::unix_ms at, const store::contact& who, std::string_view programme,
                             std::string_view zone = {}, bool quiet_days = true) const;

  // A flow's action run outside any session (the REST API, the console), as if the person at
  // `phone` (E.164; "" for nobody in particular, to read free places) had reached `flow_id`:
  // a health worker acting on a patient passes their own phone and `worker` in `args`, as
  // after their PIN; booking for a patient passes the patient's. Messages go on `channel_id`.
  // What it wrote is undone alone when it throws ("error").
  flow::action_result act_as(store::tx& tx, const std::string& phone, std::string_view flow_id, std::string_view action,
                             std::map<std::string, std::string> args, const std::string& channel_id) const;

 private:
  struct step;  // one run being stepped (runner.cpp)
  // When the messages of a conversation a job starts go: within the person's sending hours
  // (R-S8); at once, an answer to what the person just did (a booking's confirmation, while
  // they still hold the phone); or urgent: at once at any hour, first in the outbox.
  enum class timing { in_hours, now, urgent };

  // The person's language, the languages they read after it (their contact field `languages`,
  // R-L2), the deployment's default, English.
  std::vector<std::string> languages_for(const std::string& contact_language,
                                         const std::map<std::string, std::string>& fields = {}) const;
  // The languages a USSD screen on `channel` is drawn in: languages_for(), in Latin script only
  // where the route carries no UCS-2 (R-U4; with `fallback: digits`, the gateway's own apologies).
  std::vector<std::string> screen_languages(std::string_view channel, const std::string& contact_language,
                                            const std::map<std::string, std::string>& fields = {}) const;
  // Sets the context's languages for `contact_language`: its screens' by its route, its SMS'
  // the person's own.
  void use_language(flow::context& ctx, const std::string& contact_language) const;
  flow::context context_for(const content& c, flow::medium via, const store::contact& who,
                            core::unix_ms now) const;
  bool asks_language(const store::contact& who) const;
  // The language picker: each language named in its own script (common.language_name),
  // under a header that joins every language's common.choose_language.
  std::string chosen_language(const content& c, std::string_view answer) const;
  void language_step(store::tx& tx, const content& c, step& s, const std::optional<std::string>& answer) const;
  // R-L1: right after choosing a language with letters of its own (script.letters_check in it:
  // Pashto), can the phone show them? 1 keeps it; 2 makes the first other Persian-script language
  // offered (Dari) the person's, else the default language, else English.
  void letters_step(store::tx& tx, const content& c, step& s, const std::optional<std::string>& answer) const;
  // The language for a phone that cannot show `lang`'s own letters (letters_step's 2).
  std::string letters_fallback(std::string_view lang, const std::map<std::string, std::string>& fields) const;
  // A gateway screen of two choices: 1 or 2 as answered (00, the menu, is 2); 0 when the person
  // leaves (the goodbye drawn, the session ended); else nothing, and the screen is drawn again
  // with the reason (none for 98), or the session ends after too many bad replies.
  std::optional<long> choose_one_of_two(step& s, std::optional<std::string> answer,
                                        const two_choices& screen) const;
  // "Continue / start again" for a redial within the resume window (R-U12).
  void resume_step(store::tx& tx, const content& c, step& s, const std::optional<std::string>& answer) const;
  // Whether the person stopped the programme of the flow they dialled (or everything), and the
  // question that follows: 1 starts their messages again as START would (true), 2 goes on without.
  bool stopped_for(store::tx& tx, const step& s) const;
  bool stopped_step(store::tx& tx, step& s, const std::optional<std::string>& answer) const;
  // The flow from its start, after that question when the person stopped its programme: the
  // one place that decides whether it is asked (R-S5).
  void begin_flow(store::tx& tx, step& s) const;
  // R-U4, a route with `fallback: digits`: a screen its letters cannot reach the phone in is
  // queued as an SMS in the person's language, and the screen keeps only its numbers. The
  // session had sent `sent_before` such screens before this hop.
  void screen_by_sms(step& s, int sent_before) const;
  // Moves a USSD run that dropped with a question open to SMS: the question is sent as a
  // message and the reply answers it. False when the run cannot continue that way.
  bool continue_by_sms(store::tx& tx, const content& c, step& s) const;
  // A flow's keyword, to a question of a conversation the person began by SMS (a hazard
  // report's "is anyone hurt?"): before that flow begins, what they began goes where
  // silence would lead it (`on_timeout`: the report saved as it stands). Not a conversation the
  // scheduler began (a reminder: silence there is a miss). `open` is the run at the question.
  void leave_begun(store::tx& tx, const content& c, const step& open, const flow::state& st,
                   sms_outcome& result) const;
  // A reply, by SMS or USSD, that answers no option of the question the run waits at (`st`)
  // but says what one is for: words of someone in danger («۲ نفر زخمی شدند», "a child got hurt")
  // or a yes with how many ("yes, two people") to "is anyone hurt?" (the option that `takes:
  // danger`; who or how, «پسرم», «ټپي», read as hurt only there), words to a question with an
  // option that `takes: words` («کمک لازم دارم» to "I am well / I need help"); and a whole
  // reply that says nobody is hurt («هیچ کس», "no, nobody") as the no beside that yes. Not words
  // that deny it in part («شاید کسی زخمی نشده»), nor of self-harm: those are answered as other
  // words of danger are.
  struct taken_in_words {
    std::size_t option;  // its number, as typed
    bool danger;         // of someone in danger: urgent in the inbox
    bool kept = true;    // the words go to the inbox beside it (not a no said in words)
  };
  // `keyed`: keys pressed at a USSD menu, where a digit no option has is a slip of the finger,
  // not how many are hurt.
  static std::optional<taken_in_words> option_in_words(const content& c, const flow::definition& f,
                                                       const flow::state& st, std::string_view text,
                                                       bool keyed = false);
  // The jobs the runner schedules (registered in tick()): each returns why it cannot apply
  // its payload (the job is then parked), or empty.
  std::optional<step> job_step(store::tx& tx, const content& c, std::int64_t run_id) const;
  std::string apply_timeout(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  std::string apply_let_go(store::tx& tx, const content& c, const store::job& j,
                           tick_outcome& done) const;
  // The run `s` goes where the question it waits at (`st`) says silence leads (`on_timeout`),
  // by SMS, its actions done; `unprompted` messages wait for sending hours. The caller commits.
  void time_out_by_sms(store::tx& tx, const content& c, step& s, flow::state st, bool unprompted) const;
  std::string apply_drop(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  // R-U15: a session left after an answer, whose resume window has ended: one SMS inviting
  // the person to dial again (the flow's `invite`), unless that could say too much or too often.
  bool invite_to_finish(store::tx& tx, const content& c, const store::run& r) const;
  // A USSD run left at a question that says where silence leads (`on_timeout`: a hazard
  // report's "is anyone hurt?"): dropped and not dialled again within the resume window, or
  // started again from "continue?". The run goes there as it would by SMS, its messages by
  // SMS, instead of its answers being let go. `on_line`: the person is in a session now (its
  // messages are answers, not held for sending hours). False when it cannot.
  bool time_out_left(store::tx& tx, const content& c, const store::run& r, bool on_line) const;
  // The same with the run's state read already (a hop reads it once).
  bool time_out_left(store::tx& tx, const content& c, const store::run& r, flow::state st,
                     bool on_line) const;
  std::string apply_series_due(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  // A refill series' phase (actions::refill_phase): the job `j` (its payload `p`) of the cycle
  // asked at p.at.
  std::string apply_refill(store::tx& tx, const content& c, const store::job& j, const store::series& s,
                           const store::contact& who, const actions::series_due& p, tick_outcome& done) const;
  std::string apply_booking_reminder(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  // A series' occurrence as a plain text (a reminder the person asked for themself), and the
  // job for its next occurrence after the one due at `due_at` (its `day_index`th day).
  std::string queue_series_text(store::tx& tx, const content& c, const store::series& s,
                                const store::contact& who) const;
  std::string schedule_next(store::tx& tx, const store::series& s, core::unix_ms due_at, int day_index) const;
  std::string apply_booking_missed(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  std::string apply_booking_cancelled(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  // A question of flow `flow_id` still open on the contact's phone about visit `booking`, now
  // cancelled (by the clinic, or changed for another), is moot: it is let go, so news of a visit
  // does not wait its turn behind it, and a reply to it is not read as one about the visit. The
  // caller holds the contact's lock.
  void let_go_visit_question(store::tx& tx, std::int64_t contact_id, const std::string& flow_id,
                             std::int64_t booking) const;
  std::string apply_booking_watch(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  std::string apply_erase(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  std::string apply_flow_start(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  // Starts flow `flow_id` at `node` for the contact by SMS on `channel_id`, with the run
  // variables `vars` gives for them, unless they stopped the flow's programme (then nothing).
  // `when` its messages go (urgent: a hazard report with someone hurt, told to the operators). `neutral_only`: never a text's explicit variant, even
  // to a person who asked for them (a counselling visit, R-H8). A question that waits its turn
  // (waits_turn) puts job `j` back for later, unless `may_wait` is false (news that cannot wait
  // an hour: it takes over). Returns why it cannot (the job is parked), or empty.
  std::string start_for(store::tx& tx, const content& c, const store::job& j, std::int64_t contact_id,
                        const std::string& flow_id,
                        const std::string& node, const std::string& channel_id,
                        const std::function<std::map<std::string, std::string>(const store::contact&)>& vars,
                        tick_outcome& done, timing when = timing::in_hours, bool neutral_only = false,
                        bool may_wait = true) const;
  static bool neutral_visit(const content& c, const store::booking& b);
  // The visits still booked, soonest first, of a person stopping `programme` ("": every
  // programme), when its flows book visits.
  static std::vector<store::booking> standing_visits(store::tx& tx, const content& c, const store::contact& who,
                                                     std::string_view programme);
  // What texts about a booking show, in the contact's language (actions::booking_vars), and
  // {visit_is}: whether a message of flow `flow_id` started `now` reaches them the day before.
  std::function<std::map<std::string, std::string>(const store::contact&)> booking_values(
      const content& c, const store::booking& b, core::unix_ms now, std::string flow_id) const;
  // One question at a time on a phone, so a reply answers the question the person read: a
  // question (not `urgent`) that flow `f` started at `node` by job `j` would ask while another
  // waits for the person's answer waits its turn, for `turn_ms` (an hour) at most from when
  // that one reached the phone, and as long in all. Then `j` is put back, due when that answer
  // comes (commit wakes it) or the time is up (then the newer question takes over), and this
  // returns true; false: the question goes now (also when its wait would end in the person's
  // night, or after `deadline` when one is given: news of a visit must reach the person before
  // it).
  static constexpr core::unix_ms question_turn_ms = 3'600'000;
  bool waits_turn(store::tx& tx, const content& c, const flow::definition& f, const std::string& node,
                  const store::contact& who, bool urgent, const store::job& j,
                  core::unix_ms turn_ms = question_turn_ms, core::unix_ms deadline = 0) const;
  // Starts flow `f` at `node` for `who` by SMS on `channel_id` (a reminder, a welcome): its
  // question takes over the phone from any older one (once it has waited its turn: the
  // caller asks waits_turn). `when` as start_for; `series_id`: the
  // reminder series whose occurrence it is (its messages say so, for pause and end), and
  // `routine` whether it is education (store::routine_series). Returns why it cannot, or empty.
  std::string start_by_sms(store::tx& tx, const content& c, store::contact who, const flow::definition& f,
                           const std::string& node, const std::map<std::string, std::string>& vars,
                           const std::string& channel_id, timing when = timing::in_hours, std::int64_t series_id = 0,
                           bool routine = false) const;
  std::string apply_broadcast_batch(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  std::string apply_broadcast_approval(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  std::string apply_urgent_unanswered(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  // R-H3: calls of a clinic became high priority: its supervisors are told how many
  // (staff.call_soon), or every operator with a phone where it has none; an SMS an hour at most.
  std::string apply_high_call(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  // R-H3: a working day after the supervisors were told, the calls still open are told of once
  // more (staff.call_overdue), the same way.
  std::string apply_overdue_call(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  // Calls handed over from a health worker who left: one SMS to whoever has them now.
  std::string apply_handed_calls(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  // R-D7: a programme the notice of a stopped one told goes on: its notice, if still owed, in
  // the person's sending hours (held in the queue, so what cancels the programme's queue, a
  // death, cancels it too).
  std::string apply_notice(store::tx& tx, const content& c, const store::job& j,
                           tick_outcome& done) const;
  // R-D7: when the notices owed to `who` reach them again (actions::notice_again, of
  // `programme`), the privacy notice is queued to `to` on `channel` as `programme`'s message,
  // to go no earlier than `not_before`; true then.
  bool notice_again(store::tx& tx, const content& c, const store::contact& who,
                    const std::string& to, const std::string& channel, const std::string& programme,
                    core::unix_ms not_before) const;
  // The clinic's supervisors (health workers made supervisors), else every operator with a phone,
  // get `key` with {count} and {clinic}, at reminder priority; returns how many were told.
  std::size_t tell_clinic_leads(store::tx& tx, const content& c, const std::string& facility, std::string_view key,
                                std::int64_t count) const;
  // The clinic's time zone, else the deployment's.
  std::string clinic_zone(const content& c, std::string_view facility) const;
  // A notice about the clinic outside sending hours there: the job `j` is put off until they
  // open (true), else false.
  bool wait_for_clinic_hours(store::tx& tx, const content& c, const store::job& j, std::string_view facility) const;
  // A day after `at`, moved on past the days the clinic is closed (its weekdays, as reception
  // may have changed them, and closure days).
  core::unix_ms next_working_day(store::tx& tx, const content& c, std::string_view facility, core::unix_ms at) const;
  std::string apply_subscription_ask(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  std::string apply_subscription_end(store::tx& tx, const content& c, const store::job& j, tick_outcome& done) const;
  // Performs the actions the run waits for, feeding each outcome back to the engine.
  void settle(store::tx& tx, const content& c, step& s) const;
  // An action that sets `contact.language` (a transfer: the old number's) changes the person's
  // language, and the rest of the step speaks it.
  void adopt_language(store::tx& tx, step& s, flow::action_result& result) const;
  // Writes the run, its contact fields, its timeout job and (over SMS) its messages.
  std::size_t commit(store::tx& tx, step& s) const;
  // `typed` is the SMS's text normalised (text::normalize), once for both readers.
  // `said` is text::read_global of it, read once by the caller.
  bool global_keyword(store::tx& tx, const content& c, const store::contact& who, const core::inbound_sms& sms,
                      std::string_view typed, text::global_word said, sms_outcome& result) const;
  // The SMS question open for the person, read once for what a stop, start or help word may
  // mean (sms.cpp); none when they stopped everything.
  struct open_question;
  static open_question open_sms_question(store::tx& tx, const content& c, const store::contact& who);
  // The option of that question their words name (flow::option_named: a stop or help word that
  // is also an option's); nullopt when none does, or nothing is open.
  std::optional<flow::named_option> names_option(const open_question& q, const content& c, const store::contact& who,
                                                 core::unix_ms now, std::string_view text) const;
  // Notes on the question that a stop was asked about (stop_or_answer), so the next is one.
  static void note_stop_asked(store::tx& tx, open_question& q);
  // Whether the person was asked so while the question open now waits.
  static bool stop_asked(const open_question& q);
  // The question's node; nullptr when none waits.
  static const flow::node* waiting_ask(const open_question& q);
  // Whether it is a menu (or a yes/no question).
  static bool menu_open(const open_question& q);
  // R-H8: the line naming the crisis lines for a counselling client (a booking of one of the
  // clinics file's neutral_services) whose number's country has them; "" otherwise.
  std::string crisis_lines_for(store::tx& tx, const content& c, const store::contact& who) const;
  // A counselling client (R-H8): their own visit of a neutral-only service within the last year.
  static bool counselling_client(store::tx& tx, const content& c, std::int64_t contact_id);
  // The line naming the crisis lines of the person's number's country; "" when it has none.
  std::string crisis_lines_line(const content& c, const store::contact& who) const;
  // Free text for a person to read (R-S3). With the words of someone in danger
  // (lexicon/urgent.yaml, R-H3) it is marked urgent and their health worker gets an urgent call
  // to make (raise_urgent); unless the person wrote such words in the last hour, they get the
  // emergency number at once (with the crisis lines for self-harm). So too, as a reply to "is
  // anyone hurt?" or a question with `on_danger` (`watching_for_hurt`), who or how with a denial
  // («پسرم حالش خوب نیست», my son is not well), which answers no option of it, a call for help
  // ("help", «کمک کنید»: not the help text) or a count (tells_of_hurt). Messages queued are counted
  // in `result`.
  enum class free_text {
    plain,         // the caller answers as usual
    urgent,        // the person has their answer: nothing more is said
    urgent_again,  // told within the hour (or no text for it): the caller acknowledges it
  };
  // An answer a question for words took (`asked`, `ask: text`) that holds words of danger or
  // self-harm ("I want to die" to "what did you see?"): urgent as free text is (to_inbox: the
  // emergency number, the crisis lines for self-harm, a person told) while the flow goes on;
  // not words of danger the question's `on_danger` took (it answers them) or denied, nor in a
  // flow that keeps no SMS (a staff command).
  void heed_answer(store::tx& tx, const content& c, const store::contact& who,
                   const flow::definition& f, const flow::node* asked,
                   const core::inbound_sms& answer, std::int64_t run_id, sms_outcome& result) const;
  // Who or how someone is hurt (lexicon/urgent.yaml `hurt`), a call for help (`help`), or a
  // count with words ("2 casualties", «۲نفر»): to "is anyone hurt?", urgent even when it
  // answers no option. Not words of being called back ("don't call me", `calling`), but for help.
  static bool tells_of_hurt(const content& c, std::string_view text);
  free_text to_inbox(store::tx& tx, const content& c, const store::contact& who,
                     const core::inbound_sms& sms, std::int64_t run_id, const std::string& flow_id,
                     sms_outcome& result, bool watching_for_hurt = false) const;
  // R-H3: the person's health worker (raise_urgent: actions::health_worker_of) gets the call to
  // make first on their list, by SMS at once; when they are off duty (actions::on_duty), a
  // colleague of their clinic on duty gets it instead (colleague_on_duty), and with nobody on duty
  // they get it and every operator with a phone hears of inbox item `item` at once too. With
  // nobody's health worker known, or one without a phone, the operators hear of it. With a health
  // worker, that happens once while an urgent call about the person is open at the clinic; without,
  // the operators hear of a person at most once an hour (`told_this_hour`).
  // Whether `facility` is open on a day (actions::on_duty's open days): its week, as reception
  // set it, less the days it closed. Reads the store; valid while `tx` is.
  std::function<bool(long long)> clinic_open_days(store::tx& tx, const content& c,
                                                  const std::string& facility) const;
  // A health worker of `worker`'s clinic (open on the days `open` says), other than them and
  // the person who wrote (`writer`), who takes calls and is on duty now: one whose duty hours
  // hold now first, else one without duty hours; nullopt when none.
  std::optional<store::user> colleague_on_duty(store::tx& tx, const store::user& worker,
                                               std::string_view writer,
                                               const std::function<bool(long long)>& open) const;
  std::size_t raise_urgent(store::tx& tx, const content& c, const store::contact& who, const std::string& channel,
                           std::int64_t item, bool told_this_hour) const;
  // Every operator with a phone hears of inbox item `item` (staff.urgent_inbox), at once
  // (tell_staff); returns how many were told.
  std::size_t tell_operators(store::tx& tx, const content& c, const std::string& channel, std::int64_t item) const;
  // One SMS to a member of staff at `phone`: the text `key` with `vars`, at `priority` (alert:
  // at any hour), by defaults.staff_channel, else `channel`.
  std::size_t tell_staff(store::tx& tx, const content& c, const std::string& phone, const std::string& channel,
                         std::string_view key, const std::map<std::string, std::string>& vars,
                         core::priority priority = core::priority::alert) const;
  // "زبان": the list of languages by SMS; "زبان ۲": the second one, remembered. The SMS right
  // after the list, within a day, may be the number alone ("۲", as people reply). A language
  // with letters of its own (Pashto) is the person's once they say the phone shows them (R-L1):
  // the same question as over USSD, answered by the next SMS within a day.
  bool language_change(store::tx& tx, const content& c, store::contact& who,
                       const core::inbound_sms& sms, std::string_view typed, sms_outcome& result) const;
  // The text `key` in the contact's language; `values` fill its placeholders besides the
  // gateway's own ({emergency}).
  std::string say(const content& c, std::string_view key, const store::contact& who,
                  const std::map<std::string, std::string>& values = {}) const;

  mutable std::mutex mu_;  // guards content_ (swapped by reload from another thread)
  std::shared_ptr<const content> content_;
  settings settings_;
  // What every text may name from the config ({emergency}), built once: for everyone, and
  // for the numbers of each country that has its own (R-H6).
  std::map<std::string, std::string, std::less<>> gateway_values_;
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> regional_values_;
  const std::map<std::string, std::string, std::less<>>& gateway_values_for(std::string_view phone) const;
  const actions::registry* actions_;
};

}  // namespace paygham::runner
