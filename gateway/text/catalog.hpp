// Message texts by language: templates/<lang>.yaml maps keys to texts. Keys are
// "<flow>.<name>"; a file may nest them (`welcome: {menu: …}` is the key "welcome.menu").
// Placeholders are {name}; "{{" and "}}" are literal braces.
// A text may carry options by being a mapping with a `text` key:
//   reminder: {text: "It’s time…", smart: true, parts: 2}
// `smart` sends it through smart_gsm (typographic marks → GSM-7, segments.hpp); `parts`
// overrides the SMS budget lint applies to it. `explicit` is a variant that may name the
// person's care, for those who asked for it on a phone nobody else reads (R-S11):
//   medicine_due: {text: "Your reminder for today.", explicit: "Time for your medicine."}
// The text itself stays the neutral one everybody else gets. The variant is the key
// "<key>.explicit" of the catalog, with the same options.
// templates/<lang>-Latn.yaml ("prs-Latn": Dari in Latin letters, "Finglish") holds the screens of
// a Persian-script language for a USSD route that carries no UCS-2 (R-U4, `fallback: latin`). It
// is not a language of its own: people choose Dari, and see its Latin letters only on such a route.
// A catalog is immutable once loaded and safe to share between threads.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paygham::text {

struct entry {
  std::string text;
  std::string where;  // "file:line:column", for lint messages
  std::string lang;   // the language file it came from
  bool smart = false;  // apply smart_gsm after rendering
  int parts = 0;       // SMS budget override; 0: by the key's name (lint.hpp)
};

class formatter;

// The suffix of a text's explicit variant: "health.medicine_due.explicit".
inline constexpr std::string_view explicit_suffix = ".explicit";

class catalog {
 public:
  // Loads every <lang>.yaml in `dir`. Problems (syntax, a value that is not text) are
  // appended as "file:line:column: message"; what loaded cleanly is kept.
  static catalog load_dir(const std::string& dir, std::vector<std::string>& problems);

  // Adds or replaces one text; for tests and simulations.
  void add(std::string lang, std::string key, std::string text);

  const entry* find(std::string_view lang, std::string_view key) const;

  // The text of `key` in the first language of `langs` that has it; with `explicit_texts`, its
  // explicit variant in that language when it has one.
  const entry* resolve(std::string_view key, const std::vector<std::string>& langs, bool explicit_texts = false) const;

  // The languages people can have ("prs"), without the Latin-letter screens ("prs-Latn").
  std::vector<std::string> languages() const;
  // The Latin-letter screens loaded ("fa-Latn", "prs-Latn").
  std::vector<std::string> latin_letters() const;
  // What a route without UCS-2 shows for `langs` (R-U4): each Persian-script language in its
  // Latin letters where templates has them (else left out), each other language as it is; {"en"}
  // when that leaves none.
  std::vector<std::string> in_latin_letters(const std::vector<std::string>& langs) const;
  // True when `lang` is a language of languages(), with a file of texts ("prs", not "Dari",
  // nor "prs-Latn").
  bool knows(std::string_view lang) const;
  const std::map<std::string, entry, std::less<>>* keys_of(std::string_view lang) const;

 private:
  std::map<std::string, std::map<std::string, entry, std::less<>>, std::less<>> by_lang_;
};

// Replaces each {name} with lookup(name), each {name|spec} with the value formatted by `fmt`
// (format.hpp), and each {name|label} with label_of(name): the words a chosen option is shown
// with, not its stored value. An unknown name or a value the formatter refuses is left as
// written, so the mistake shows rather than vanishing; lint reports them before a flow goes live.
using lookup_fn = std::function<std::optional<std::string>(std::string_view)>;
std::string render(std::string_view text, const lookup_fn& lookup, const formatter* fmt = nullptr,
                   const lookup_fn& label_of = nullptr);

// What each {…} of `text` holds, in order ("code|number", "when"); "{{" and "}}" are literal.
std::vector<std::string> braces(std::string_view text);

// The placeholder names a text uses (without their formatter), in order of first use.
std::vector<std::string> placeholders(std::string_view text);

}  // namespace paygham::text
