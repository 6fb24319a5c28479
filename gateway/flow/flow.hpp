// The flow model: what an operator's flows/<id>.yaml says once loaded and checked.
// Immutable after loading; a flow_set is shared read-only between threads and replaced
// whole on reload. Format and examples: docs/flows.md.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paygham::text {
class catalog;
struct screen_limits;
}

namespace paygham::flow {

enum class node_kind { say, send, ask, switch_on, action, end };
enum class ask_kind { menu, yes_no, number, date, text, phone };

std::string_view to_string(ask_kind k);

struct option {
  std::string label;  // template key
  std::string value;  // saved into the run's variable; defaults to the option's number
  std::string next;   // node id
  // What a reply that answers no option may still mean: `danger`, words of someone in danger
  // ("is anyone hurt?": yes); `words`, any words («کمک لازم دارم» to "1 I am well 2 I need help");
  // `yes`, a yes of any language ("ok", «بلی» to "1 Done 2 Not done").
  enum class takes { nothing, danger, words, yes } taken = takes::nothing;
  // Named only by its number, its whole label or its other words (lexicon/answers.yaml), never
  // by a word of its label alone: «راتلای» ("to come") of «نشم راتلای» ("I cannot come").
  bool exact = false;
};

// A node of a flow. Which fields matter depends on `kind` (and `ask`); the loader fills the
// rest with their defaults.
struct node {
  std::string id;
  node_kind kind = node_kind::end;
  std::string text;   // say / send / ask / end: template key; may be empty for a silent end
  std::string next;   // say, send, switch default, the non-menu asks, and a menu from data
  std::string where;  // file:line:column of the node, for messages
  // send: the SMS goes to a person who stopped our messages too (whom to call for the injured)
  bool even_if_stopped = false;
  // file:line:column of each text key the node names (say, text, invalid, an option's label):
  // a missing text is reported where it is written.
  std::map<std::string, std::string, std::less<>> text_where;

  // ask
  ask_kind ask = ask_kind::menu;
  std::vector<option> options;  // menu: static options
  std::string options_from;     // menu: a run variable holding the options as data (JSON)
  std::string save;             // where the answer goes: "name" (run) or "contact.name"
  std::string yes, no;          // yes_no: where each answer leads
  long min = 0, max = 0;        // number: the accepted range
  // date: the accepted days, counted from the person's today (0 today, -280 forty weeks ago);
  // unset: no limit on that side
  std::optional<long> earliest_day, latest_day;
  std::string invalid;          // template key shown before the question after a bad reply
  bool back = true;             // USSD: 0 goes back to the question before (false: 0 leaves)
  bool secret = false;          // the answer (a PIN) is never stored as typed (USSD inputs)
  std::int64_t timeout_ms = 0;  // SMS: how long the run waits for a reply (0: no limit)
  std::string on_timeout;       // SMS: where the run goes when nobody replied in time
  std::string on_too_many;      // where the run goes after too many unclear replies (else it ends)
  std::string on_unclear;       // SMS: where an unclear reply leads, not asking again
  std::string
      on_danger;  // text: where the answer goes, saved, when it holds words of someone in danger

  // switch: the first case equal to the variable's value, else `next`
  std::string on;
  std::vector<std::pair<std::string, std::string>> cases;  // value → node

  // action: a built-in the runner performs; its outcome names where the flow goes
  std::string action;
  std::map<std::string, std::string> args;      // text with {variables}
  std::map<std::string, std::string> outcomes;  // outcome → node

  // Every node this node may lead to, for reachability and link checks.
  std::vector<std::string> targets() const;
};

// FNV-1a, 64 bits, in hex: a stable identity for a flow file's content (runs are pinned to it;
// the editor publishes over the version it opened). Not a security hash.
std::string content_hash(std::string_view s);

struct definition {
  std::string id;    // the file name without .yaml
  std::string hash;  // content hash: runs are pinned to it
  std::string file;
  std::vector<std::string> ussd_codes;    // e.g. "*384*12#"
  std::vector<std::string> sms_keywords;  // as written; matched on the first word, normalised
  std::vector<std::string> sms_keywords_normalized;  // the same, normalised once at load
  bool api = false;                       // may be started through the API (#7)
  // A USSD session that drops mid-flow continues over SMS: the question waiting is sent
  // as a message and the reply answers it.
  bool continue_by_sms = false;
  // A redial within the resume window offers to continue a dropped session (R-U12); false
  // starts afresh every time (a menu behind a PIN: whoever holds the phone next types it again).
  bool resume = true;
  // A question of it is secret (a PIN): an answer typed before it, at the gateway's own
  // screens, may be the PIN typed too early.
  bool asks_secret = false;
  // A question of it watches for someone hurt (`on_danger`, an option that takes words of
  // danger: a hazard report): words of someone hurt that answer none of its questions (the
  // province, whether to call back) reach the operators as urgent all the same.
  bool watches_for_hurt = false;
  // R-U15: the text (a key) of one SMS inviting a person who left the flow over USSD at one of
  // the nodes `invite_left_at` (booking half done) to dial again; sent when the resume window
  // ends. Empty: none.
  std::string invite;
  std::vector<std::string> invite_left_at;
  // False: what people write to the flow by SMS is not kept once read (the record of each SMS
  // keeps its sender and time): a health worker's command names a patient and their care.
  bool keep_sms = true;
  // The programme the flow's messages belong to ("appointments", "mine_safety"): a person may
  // stop one programme and keep the others (R-S5). Empty: none of them.
  std::string programme;
  // Longest values the flow's variables may take, for screen and SMS length checks.
  std::map<std::string, std::string> samples;
  std::string start;
  // Where 00 leads over USSD (R-U8) once the run has been there: the main menu, past a PIN
  // asked at `start` (before it, 00 leads to `start`); empty: `start`.
  std::string home;
  // Nodes the scheduler may start the flow at, besides `start` (a visit's reminder).
  std::vector<std::string> entries;
  // R-U6: the most USSD screens (questions) a dial may show up to and including a node
  // (booking's confirmation: 6), by any way from `start` that does not go round in a circle.
  std::map<std::string, int> most_screens;
  std::map<std::string, node, std::less<>> nodes;

  const node* find(std::string_view id) const;
  // True when `word` is one of the SMS keywords (after normalisation).
  bool has_keyword(std::string_view word) const;
  // True when the flow can run over SMS (keywords, API, or continuation).
  bool reaches_sms() const;
};

// What follows an SMS's first word (its keyword), trimmed: "MINE 482913" → "482913". A flow
// started by a keyword sees it as {keyword_rest}.
std::string_view after_keyword(std::string_view text);
inline constexpr std::string_view keyword_rest = "keyword_rest";
// Every run sees how the person is reached as {medium}: "ussd" or "sms" (a `switch` on it says
// over SMS only what a USSD screen must add by SMS).
inline constexpr std::string_view medium_var = "medium";

// The nodes a run can reach from the nodes `from`; with `medium` ("ussd" or "sms"), a run on
// that medium only (a `switch: medium` leads one way).
std::set<std::string> reachable(const definition& f, std::vector<std::string> from, std::string_view medium = {});
// True when a run started at `node` by SMS may ask a question on some way (a visit's reminder:
// "1 I will come"), false when it only tells (the morning of a visit).
bool may_ask_by_sms(const definition& f, const std::string& node);

class flow_set {
 public:
  // Loads every *.yaml in `dir`. Each problem is appended as "file:line:column: message";
  // a flow with any problem is left out of the set.
  static flow_set load_dir(const std::string& dir, std::vector<std::string>& problems);

  // Checks that every template key the flows use exists in every language of `langs` (with
  // the nearest key when it does not), and that every placeholder of those texts and of
  // action arguments can have a value: an answer some question saves, a contact field, a
  // value named in the flow's `samples` (what actions set), or one of `globals`
  // (the deployment's: "emergency").
  void check_texts(const text::catalog& texts, const std::vector<std::string>& langs,
                   const std::vector<std::string>& globals, std::vector<std::string>& problems) const;

  // Checks that every question and end of a flow with USSD codes fits a screen under `limits` in
  // every language of `langs`: the say texts leading to it, the question and a page of its
  // options with More and Back, placeholders filled with the flow's `samples` or long
  // defaults (text::expand_with_samples).
  // `menu_texts`: the texts a data menu of a variable shows ("people": an action's own texts,
  // each perhaps with a number after it); other data menus are known only when they run.
  void check_screens(const text::catalog& texts, const std::vector<std::string>& langs,
                     const text::screen_limits& limits, std::size_t page_size,
                     const std::map<std::string, std::vector<std::string>>& menu_texts,
                     std::vector<std::string>& problems) const;

  // The text keys a USSD screen of a flow with USSD codes can show: its questions, says and ends
  // (with options, yes/no and `invalid` texts) a dial can reach, and the texts `menu_texts`
  // names for its data menus. Not what goes by SMS (`send`, scheduled entries).
  std::set<std::string> screen_keys(const std::map<std::string, std::vector<std::string>>& menu_texts) const;

  // Checks that every question a run can ask by SMS (a keyword's, the API's, a scheduled
  // entry's) fits its text's SMS budget (text::sms_budget) in every language of `langs`, with
  // all its options and placeholders filled as check_screens fills them; also when asked
  // again with the reason above it. Options an action fills are not known until it runs.
  void check_sms(const text::catalog& texts, const std::vector<std::string>& langs,
                 std::vector<std::string>& problems) const;

  void add(std::shared_ptr<const definition> d);
  const definition* by_id(std::string_view id) const;
  const definition* by_ussd_code(std::string_view code) const;
  // The flow whose keyword equals `text`'s first word (after normalisation).
  const definition* by_keyword(std::string_view text) const;
  std::size_t size() const { return flows_.size(); }
  const std::vector<std::shared_ptr<const definition>>& all() const { return flows_; }

 private:
  std::vector<std::shared_ptr<const definition>> flows_;
};

// Parses one flow from YAML text. `id` is the file name's stem; `file` names it in problems.
// Returns nullptr (and appends problems) when the flow is unusable.
std::shared_ptr<const definition> parse_flow(const std::string& id, const std::string& file,
                                             const std::string& yaml_text,
                                             std::vector<std::string>& problems);

// Variables: "contact.<field>" names a field of the contact, kept across runs; any other
// name is a variable of the run. Names starting with '@' are the gateway's own.
inline constexpr std::string_view contact_prefix = "contact.";
inline bool is_contact_field(std::string_view name) { return name.rfind(contact_prefix, 0) == 0; }

}  // namespace paygham::flow
