// Typed readers over a normalised reply (normalize.hpp): what a person meant by "(۱)",
// "بله", "1405/9/7". Each returns nullopt when the reply does not say it clearly; the flow
// then asks again. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paygham::text {

class lexicon;

// A number at the start of a reply and what follows it: "(1) ok" → 1, "ok"; no value when the
// reply does not start with one.
struct numbered {
  std::optional<long> value;
  std::string_view rest;
};
numbered split_number(std::string_view normalized);

// A menu choice: "1", "1.", "1)", "(1)", "1-", "#1", "1،", "1 .", and a number followed only by
// a yes word ("1 ok", "1 بله"). Returns the number; the caller checks it is an option.
std::optional<long> read_choice(std::string_view normalized, const lexicon& words);

// Yes or no: a word from the lexicon of every language, or 1 (yes) / 2 (no) as the question
// shows them, alone or with a word that agrees ("1 بله", "2 no"). A number and a word that
// disagree ("2 بله", "1 no") say nothing clearly: nullopt; so does one that asks back ("1?").
std::optional<bool> read_yes_no(std::string_view normalized, const lexicon& words);
// Whether the message ends in a question mark («بله؟», "ok?", «هان؟»): the person asks back.
bool asks_back(std::string_view normalized);

// A record's number as a URL, a command line or an action's argument gives it ("42"): ASCII
// digits only, at most 18; nullopt for anything else.
std::optional<std::int64_t> read_id(std::string_view s);

// A value a flow's menu and an action name things by (a topic, an area, a route: islam_qala):
// a-z, 0-9 and _, 1 to 40 of them.
bool is_value_name(std::string_view s);

// A whole number within [min, max], digits only (any script, already folded).
std::optional<long> read_integer(std::string_view normalized, long min, long max);

// A calendar day, Gregorian.
struct civil_date {
  int year = 0, month = 0, day = 0;
  bool operator==(const civil_date&) const = default;
};

// A date as people type it: Solar Hijri "1405/9/7" or "7/9/1405" (years 1300–1599), or
// Gregorian "2026-11-28", "28/11/2026" (years 1900–2199); separators / - . are all accepted.
// Impossible days (1405/12/31, 2026-02-30) are refused.
std::optional<civil_date> read_date(std::string_view normalized);

// Days since 1970-01-01 of a (valid) Gregorian day: day_number(b) - day_number(a) counts days.
long long day_number(const civil_date& d);

// `normalized` without punctuation at either end (". ! ? , ; : - ( ) * ~ \" '", Arabic
// punctuation being folded to these by normalize()) and without the spaces around it.
std::string_view strip_punctuation(std::string_view normalized);

// The SMS words that act before any flow (R-S3, R-S5): data in lexicon/keywords.yaml, as
// written there (compared normalised). Entries may be phrases ("STOP ALL", «لغو همه»).
struct keyword_list {
  std::vector<std::string> written;     // as in the file, for messages
  std::vector<std::string> normalized;  // normalize()d, without punctuation at the ends
};
struct keywords {
  keywords() = default;
  keywords(std::vector<std::string> stop, std::vector<std::string> start, std::vector<std::string> help,
           std::vector<std::string> polite, std::vector<std::string> stop_all = {});
  keyword_list stop, start, help;
  keyword_list stop_all;  // "STOP ALL", «لغو همه»: every programme, not only the sender line's
  keyword_list polite;  // "please", «لطفا»: dropped at the start or end first (normalized
                        // longest first, so not in the order of `written`)
  // R-S4: what people call a programme ("ALERTS", «هشدار» for mine_safety), by programme id:
  // a stop word with one of these names stops that programme only.
  std::vector<std::pair<std::string, keyword_list>> programmes;
  void add_programme(std::string id, std::vector<std::string> names);
  // R-S6: stop words that also mean cancelling what a question is about (CANCEL, «لغو»: the
  // visit?). Said alone while a question waits for the person, they are asked which they meant.
  keyword_list cancel;
  void set_cancel(std::vector<std::string> words);
  // Words one letter away from a stop word that are words of their own («قطعا», "definitely",
  // beside «قطع»): never read as its typo.
  keyword_list not_stop;
  void set_not_stop(std::vector<std::string> words);
  // Words that ask for no more messages without a stop word ("no more messages", «دیگه پیام
  // نفرستید»): anywhere in a message, its words in order, they are asked about (ask_stop).
  keyword_list no_more;
  void set_no_more(std::vector<std::string> words);
};

// Whether the message, without punctuation and polite words, is one of `k.cancel`.
bool is_cancel_word(std::string_view normalized, const keywords& k);
// The word of `k.cancel` among the message's words ("cancel it", «لغو کنید»); "" when none.
std::string cancel_word_in(std::string_view normalized, const keywords& k);

// What an SMS says on its own, before any question reads it. Opting out stops health
// reminders and alerts, so it is read conservatively (R-S5):
//  - stop / stop_all / start / help: the whole message, once punctuation and polite words are
//    gone, is one of the entries ("STOP", "۱۱.", "stop please", "STOP ALL", "کمک!");
//  - ask_stop: it looks like an attempt to stop but is not one: two words, one a stop word
//    (not a number: "stop it", «لغو کن», «پیغامونه ودروئ»), or one word a typo away from a
//    stop word ("STOPP", «لغوو»: a letter more; "STP": one less or changed in a stop word of
//    four or more letters). The person is asked; nothing changes;
//  - stop_programme: a stop word (not a number) before or after the name of one programme
//    ("STOP ALERTS", «لغو هشدار», «خبرتیاوې ودروئ»): that programme only (R-S4);
//  - none: anything else, "11 people were injured" and "cancel my visit" included.
enum class global_word { none, stop, stop_all, start, help, ask_stop, stop_programme };
global_word read_global(std::string_view normalized, const keywords& k);
// The programme a stop_programme message names; "" for any other message.
std::string stopped_programme(std::string_view normalized, const keywords& k);
const char* to_string(global_word w);
// The words read_global compares: punctuation and the polite words at either end gone
// ("لطفا لغو!" → "لغو").
std::string without_polite(std::string_view normalized, const keywords& k);

// What tells the language of a number that has chosen none (lexicon/languages.yaml).
struct language_hints {
  std::vector<std::string> change;                        // normalised: LANG, زبان, ژبه
  std::vector<std::pair<std::string, std::string>> words;  // normalised word → language
};

// The language a first SMS is written in, of those `offered`: a hint word in it, else
// Pashto-only letters (ps), else Persian script (the first of `offered` written in it).
// "" when nothing tells (Latin letters, digits alone). `utf8` is the raw message.
std::string guess_language(std::string_view utf8, const std::vector<std::string>& offered,
                           const language_hints& hints);

// Whether `utf8` has letters only `lang` writes (Pashto's ټ ډ ړ ږ ښ ګ ڼ ې ۍ ځ څ): a phone that
// typed them shows them. False for a language without such letters.
bool has_own_letters(std::string_view utf8, std::string_view lang);

// Whether `normalized` has a letter of any script (a word), not only digits and punctuation:
// "MINE 482 913" has none after the keyword, «ماین در سرک» has.
bool has_letters(std::string_view normalized);

// Whether `normalized` is ASCII digits alone (at least one): "11", not "11." or "۱۱" unfolded.
bool all_digits(std::string_view normalized);

// "LANG" alone: 0 (send the list); "زبان ۲": 2; anything else: nullopt.
std::optional<long> read_language_change(std::string_view normalized, const language_hints& hints);

}  // namespace paygham::text
