#include "gateway/app/content.hpp"

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <regex>
#include <set>

#include "gateway/flow/engine.hpp"
#include "gateway/actions/action.hpp"
#include "gateway/core/suggest.hpp"
#include "gateway/core/yaml.hpp"
#include "gateway/runner/screens.hpp"
#include "gateway/schedule/clinics.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/lint.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/terms.hpp"
#include "gateway/text/readers.hpp"
#include "gateway/text/segments.hpp"

namespace paygham::app {
namespace {

// The placeholders the gateway fills in one of its own texts besides the deployment's values:
// an alert awaiting approval (which one, whom it reaches), the crisis lines, and the option a
// stop word named (R-S6).
const std::vector<std::string_view>& gateway_filled(std::string_view key) {
  static const std::map<std::string_view, std::vector<std::string_view>> filled = {
      {flow::keys::alert_awaits, {"broadcast", "audience"}},
      {flow::keys::crisis_lines, {"crisis_lines"}},
      {flow::keys::stop_or_answer, {"option", "label"}},
      {flow::keys::opted_out_visit, {"when", "code", "clinic_name", "time", "count"}},  // actions::booking_vars
      {flow::keys::opted_out_all_visit, {"when", "code", "clinic_name", "time", "count"}},
      {flow::keys::urgent_inbox, {"item"}},
      {flow::keys::call_soon, {"count", "clinic"}},
      {flow::keys::call_overdue, {"count", "clinic"}},
      {flow::keys::calls_handed_over, {"count"}},
  };
  static const std::vector<std::string_view> none;
  const auto it = filled.find(key);
  return it == filled.end() ? none : it->second;
}

// `thanks` (lexicon/yes_no.yaml) are dropped as polite words are: "STOP ALL thanks" stops all,
// «لغو، خیلی ممنون» to a menu is asked about as «لغو» alone is (R-S6).
text::keywords load_keywords(const std::string& file, std::vector<std::string>& problems,
                             const std::vector<std::string>& thanks) {
  auto doc = core::yaml::load_file(file);
  if (!doc) {
    problems.push_back(doc.error());
    return {};
  }
  core::yaml::reader r(file, problems);
  if (!r.expect_map(doc.value(), "",
                    {"stop", "stop_all", "start", "help", "polite", "cancel", "not_stop", "no_more",
                     "programmes"})) {
    return {};
  }
  auto polite = r.text_list(doc.value(), "polite", "");
  polite.insert(polite.end(), thanks.begin(), thanks.end());
  text::keywords k(r.text_list(doc.value(), "stop", ""), r.text_list(doc.value(), "start", ""),
                   r.text_list(doc.value(), "help", ""), std::move(polite), r.text_list(doc.value(), "stop_all", ""));
  if (k.stop.written.empty()) r.problem(doc.value(), "'stop' needs at least one word: people must be able to opt out");
  k.set_cancel(r.text_list(doc.value(), "cancel", ""));
  for (std::size_t i = 0; i < k.cancel.normalized.size(); ++i) {
    const auto& stops = k.stop.normalized;
    if (std::find(stops.begin(), stops.end(), k.cancel.normalized[i]) == stops.end()) {
      r.problem(doc.value()["cancel"], "'cancel' has '" + k.cancel.written[i] +
                                           "', which is not a 'stop' word: list there the stop words that may mean "
                                           "cancelling a visit");
    }
  }
  k.set_not_stop(r.text_list(doc.value(), "not_stop", ""));
  k.set_no_more(r.text_list(doc.value(), "no_more", ""));
  if (const YAML::Node programmes = doc.value()["programmes"]; programmes.IsDefined()) {
    if (!programmes.IsMap()) {
      r.problem(programmes, "'programmes' maps a programme (a flow's `programme:`) to the names people call it by");
      return k;
    }
    for (const auto& p : programmes) {
      const std::string id = p.first.as<std::string>();
      k.add_programme(id, r.text_list(programmes, id, "programmes"));
    }
  }
  return k;
}

text::language_hints load_language_hints(const std::string& file, std::vector<std::string>& problems) {
  text::language_hints h;
  auto doc = core::yaml::load_file(file);
  if (!doc) {
    problems.push_back(doc.error());
    return h;
  }
  core::yaml::reader r(file, problems);
  if (!r.expect_map(doc.value(), "", {"change", "words"})) return h;
  for (const auto& w : r.text_list(doc.value(), "change", "")) {
    h.change.emplace_back(text::strip_punctuation(text::normalize(w)));
  }
  const YAML::Node words = doc.value()["words"];
  if (words.IsDefined() && !words.IsMap()) r.problem(words, "'words' maps a language to a list of words");
  if (words.IsMap()) {
    for (const auto& kv : words) {
      const std::string lang = kv.first.Scalar();
      for (const auto& w : r.text_list(words, lang, "words")) {
        h.words.emplace_back(std::string(text::strip_punctuation(text::normalize(w))), lang);
      }
    }
  }
  return h;
}

// The flow as the people it serves meet it: without the ways on from an action that found a
// health worker (its `staff` outcome), whose own phone the run then speaks to.
flow::definition without_staff(const flow::definition& f, const actions::registry& known) {
  flow::definition out = f;
  for (auto& [id, n] : out.nodes) {
    if (n.kind != flow::node_kind::action) continue;
    if (const actions::action* a = known.find(n.action); a && !a->staff.empty()) n.outcomes.erase(std::string(a->staff));
  }
  return out;
}

constexpr const char* conversation_why = "the flow runs by SMS";

// Which conversations by SMS for_sms_texts goes through besides what is sent unasked.
enum class conversations { with_people, all };

// Each text of the flows that can go by SMS, with where it is and why: the invitation to finish,
// a send step, what the scheduler sends (a node reached only from an entry), an action's texts
// (a reminder's template) and every node of a run by SMS (an answer to what the person just
// wrote; where a question's silence leads, which a dropped USSD session reaches by SMS too):
// `with_people` leaves out what a health worker reads once their PIN or number is checked.
// `label`: the text is a menu option's label.
using sms_text_fn =
    std::function<void(const std::string& where, const std::string& key, const char* why, bool label)>;
void for_sms_texts(const runner::content& bundle, const actions::registry& known, conversations talks,
                   const sms_text_fn& fn) {
  for (const auto& f : bundle.flows.all()) {
    if (!f->invite.empty()) fn(f->file, f->invite, "it invites the person back by SMS", false);
    const auto asked = flow::reachable(*f, {f->start});
    std::vector<std::string> from = f->entries;
    if (f->reaches_sms()) from.push_back(f->start);
    for (const auto& [id, n] : f->nodes) {
      if (!n.on_timeout.empty()) from.push_back(n.on_timeout);
    }
    const std::set<std::string> over_sms = talks == conversations::all
                                               ? flow::reachable(*f, from, "sms")
                                               : flow::reachable(without_staff(*f, known), from, "sms");
    for (const auto& [id, n] : f->nodes) {
      const char* why = n.kind == flow::node_kind::send ? "it is sent by SMS"
                        : !asked.count(id)               ? "the scheduler sends it by SMS"
                        : over_sms.count(id)             ? conversation_why
                                                         : nullptr;
      if (why) {
        if (!n.text.empty()) fn(n.where, n.text, why, false);
        if (!n.invalid.empty()) fn(n.where, n.invalid, why, false);
        for (const auto& o : n.options) fn(n.where, o.label, why, true);
      }
      if (n.kind != flow::node_kind::action) continue;
      if (const actions::action* a = known.find(n.action)) {
        for (const std::string_view arg : a->texts) {
          const auto it = n.args.find(std::string(arg));
          if (it != n.args.end()) fn(n.where, it->second, "it is sent by SMS on a schedule", false);
        }
      }
    }
  }
}

// What a text's braces hold, sorted ("code|number", "when"): a translation fills the same
// values with the same formatters.
std::vector<std::string> sorted_braces(std::string_view text) {
  auto out = text::braces(text);
  std::sort(out.begin(), out.end());
  return out;
}

// R-U4: where a route carries no UCS-2, a language's screens in Latin letters
// (templates/prs-Latn.yaml) have every text a USSD screen can show (so no screen is half
// English), each a text of the language itself filled the same way, and nothing else; a clinic
// with a name in the language has one in its Latin letters too, in GSM 7-bit letters.
void check_latin_letters(const config& c, const runner::content& bundle,
                         const std::map<std::string, std::vector<std::string>>& menu_texts,
                         std::vector<std::string>& problems) {
  const auto latin = bundle.texts.latin_letters();
  const bool needed = std::any_of(c.ussd_profiles.begin(), c.ussd_profiles.end(),
                                  [](const auto& p) { return !p.second.screen.ucs2; });
  for (const auto& clinic : bundle.clinics.all()) {
    for (const auto& [lang, name] : clinic.name) {
      if (lang.find('-') != std::string::npos && !text::latin_letters_of(lang)) {
        problems.push_back(c.clinics_file + ": clinic '" + clinic.id + "' has a name in '" + lang +
                           "', which is neither a language (prs) nor a language in Latin letters (prs-Latn)");
      } else if (text::latin_letters_of(lang) && text::measure_sms(name).enc != text::encoding::gsm7) {
        problems.push_back(c.clinics_file + ": clinic '" + clinic.id + "': its " + lang + " name '" + name +
                           "' is not in GSM 7-bit letters, which a route without UCS-2 needs");
      }
    }
    if (!needed) continue;
    for (const auto& lang : latin) {
      const std::string spoken(text::spoken_language(lang));
      if (clinic.name.count(spoken) != 0 && clinic.name.count(lang) == 0) {
        problems.push_back(c.clinics_file + ": clinic '" + clinic.id + "' has a " + spoken + " name but no " + lang +
                           " one: on a route without UCS-2 it would be in English among " + spoken + " in Latin letters");
      }
    }
  }
  if (latin.empty() || !needed) return;
  std::set<std::string> shown = bundle.flows.screen_keys(menu_texts);
  for (const auto key : flow::keys::on_screens) shown.emplace(key);
  for (const auto& lang : latin) {
    const std::string spoken(text::spoken_language(lang));
    const std::string file = c.templates_dir + "/" + lang + ".yaml";
    const auto* own = bundle.texts.keys_of(lang);
    const auto* theirs = bundle.texts.keys_of(spoken);
    if (!own || !theirs) continue;  // a file without its language is the catalog's problem
    std::vector<std::string> known;
    for (const auto& [key, e] : *theirs) known.push_back(key);
    for (const auto& [key, e] : *own) {
      const auto it = theirs->find(key);
      if (it == theirs->end()) {
        problems.push_back(e.where + ": '" + key + "' is not a text of " + spoken + ".yaml" + core::did_you_mean(key, known));
        continue;
      }
      if (const auto want = sorted_braces(it->second.text), have = sorted_braces(e.text); have != want) {
        problems.push_back(e.where + ": '" + key + "' uses " + text::listed_placeholders(have) + " but its " + spoken +
                           " text (" + it->second.where + ") uses " + text::listed_placeholders(want));
      }
      if (const auto m = text::measure_sms(e.text); m.enc != text::encoding::gsm7) {
        std::string letters;
        for (const auto& l : m.non_gsm) letters += (letters.empty() ? "" : " ") + l;
        problems.push_back(e.where + ": '" + key + "' has " + letters +
                           ", not GSM 7-bit letters: a route without UCS-2 cannot show them (write plain ASCII)");
      }
    }
    for (const auto& key : shown) {
      if (theirs->count(key) != 0 && own->count(key) == 0) {
        problems.push_back(file + ": has no '" + key + "', which a USSD screen shows: on a route without UCS-2 (R-U4) it "
                           "would be in English among " + spoken + " in Latin letters");
      }
    }
  }
}

// R-S10: no SMS to the people served names a health condition, treatment or sensitive
// service, a legal or immigration status, or an ethnicity, in any language: the phone may be
// shared. What goes without the person asking at that moment (a send step, what a scheduled
// entry node says, a reminder's template), and every answer of a conversation by SMS. A menu's labels by SMS may list services (to choose one says
// nothing of the person); a health worker's own messages may name the care.
void check_sensitive(const runner::content& bundle, const text::term_list& terms,
                     const actions::registry& known, std::vector<std::string>& problems) {
  const auto langs = bundle.texts.languages();
  for_sms_texts(bundle, known, conversations::with_people, [&](const std::string& where, const std::string& key,
                                                               const char* why, bool label) {
    if (label && std::string_view(why) == conversation_why) return;
    for (const auto& lang : langs) {
      const text::entry* e = bundle.texts.find(lang, key);
      if (!e) continue;
      if (const std::string term = terms.find(e->text); !term.empty()) {
        problems.push_back(where + ": text '" + key + "' (" + e->where + ") names '" + term +
                           "' (lexicon/sensitive.yaml), and " + why +
                           ": the phone may be shared (R-S10); say it without that word");
      }
    }
  });
}

// R-S10: a clinic's name goes in every SMS about a visit there (the confirmation, each
// reminder, a cancellation), so it names no care, status or people either: "Counselling
// centre" would tell whoever reads the phone what the visit is for.
void check_clinic_names(const runner::content& bundle, const std::string& file,
                        const text::term_list& terms, std::vector<std::string>& problems) {
  for (const auto& clinic : bundle.clinics.all()) {
    for (const auto& [lang, name] : clinic.name) {
      if (const std::string term = terms.find(name); !term.empty()) {
        problems.push_back(
            file + ": clinic '" + clinic.id + "': its name in " + lang + " ('" + name +
            "') names '" + term +
            "' (lexicon/sensitive.yaml), and goes in every SMS about a visit there: the " +
            "phone may be shared (R-S10); name the clinic by its place");
      }
    }
  }
}

// What a placeholder reveals of a person that no SMS may show, or nullptr: a name (the
// contact's name fields, `{contact.name}`, `{contact.father_name}`, or a run's `{name}`), or
// where they live (`{address}`, `{contact.home_address}`).
const char* personal_placeholder(std::string_view placeholder) {
  const auto has = [&](std::string_view part) { return placeholder.find(part) != std::string_view::npos; };
  if (placeholder == "name" || (placeholder.rfind("contact.", 0) == 0 && has("name"))) {
    return "never put a person's name in SMS, the phone may be shared (R-L7); a booking code identifies them";
  }
  if (has("address")) return "never put a home address in SMS, the phone may be shared (R-S10)";
  return nullptr;
}

// A link in a text ("https://…", "www.…"), or "" when there is none.
std::string link_in(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  for (const std::string_view mark : {"http://", "https://", "www."}) {
    if (const auto at = lower.find(mark); at != std::string::npos) {
      return std::string(text.substr(at, std::min<std::size_t>(text.find_first_of(" \n", at) - at, 40)));
    }
  }
  return {};
}

// R-L7, R-S10: no SMS names the person or where they live (the phone may be shared, and a
// booking code identifies them), in a conversation by SMS too; USSD screens may greet by name.
// Nor does one carry a link: never a payment link, a basic phone cannot open one, and people
// are rightly taught that links in SMS are fraud.
void check_personal(const runner::content& bundle, const actions::registry& known, std::vector<std::string>& problems) {
  const auto langs = bundle.texts.languages();
  for_sms_texts(bundle, known, conversations::all, [&](const std::string& where, const std::string& key, const char* why, bool) {
    for (const auto& lang : langs) {
      const text::entry* e = bundle.texts.find(lang, key);
      if (!e) continue;
      for (const auto& p : text::placeholders(e->text)) {
        const char* fix = personal_placeholder(p);
        if (!fix) continue;
        problems.push_back(where + ": text '" + key + "' (" + e->where + ") shows {" + p + "}, and " + why + ": " + fix);
        break;
      }
      if (const std::string link = link_in(e->text); !link.empty()) {
        problems.push_back(where + ": text '" + key + "' (" + e->where + ") has the link '" + link + "', and " + why +
                           ": no SMS carries a link (R-S10: never a payment link; a basic phone cannot open one, "
                           "and links in SMS are how fraud reaches people); give a number to call or a code to dial");
      }
    }
  });
}

// R-D2: a flow keeps on a person only the fields the config keeps (name, months and those it
// declares with why): what a question saves anywhere else stays in the run.
void check_contact_fields(const runner::content& bundle, const config& c, std::vector<std::string>& problems) {
  for (const auto& f : bundle.flows.all()) {
    for (const auto& [id, n] : f->nodes) {
      if (!flow::is_contact_field(n.save)) continue;
      const std::string field = n.save.substr(flow::contact_prefix.size());
      if (keeps_contact_field(c, field)) continue;
      problems.push_back(n.where + ": question '" + id + "' saves " + n.save +
                         ", a field Paygham does not keep on a person: keep the answer in the run (save: " + field +
                         "), or declare the field in the config with why it is needed (contact_fields: {" + field +
                         ": …}, R-D2)");
    }
  }
}

// The digit runs of `text` (any digit script) that stand alone as a number to call: not part of
// a longer number written in groups ("0700 123 456"), nor of a USSD code ("*384*112#").
std::vector<std::string> numbers_written(std::string_view text) {
  const std::string t = text::normalize(text);
  const auto digit = [&](std::size_t i) { return i < t.size() && t[i] >= '0' && t[i] <= '9'; };
  // A run next to another across one space or hyphen is a group of a longer number.
  const auto grouped = [&](std::size_t sep, bool before) {
    if (sep >= t.size() || (t[sep] != ' ' && t[sep] != '-')) return false;
    return before ? sep > 0 && digit(sep - 1) : digit(sep + 1);
  };
  std::vector<std::string> out;
  for (std::size_t i = 0; i < t.size();) {
    if (!digit(i)) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (digit(end)) ++end;
    const auto in_code = [&](std::size_t at) { return at < t.size() && (t[at] == '*' || t[at] == '#'); };
    const bool code = (i > 0 && in_code(i - 1)) || in_code(end);
    if (!code && !(i > 0 && grouped(i - 1, true)) && !grouped(end, false)) out.push_back(t.substr(i, end - i));
    i = end;
  }
  return out;
}

// R-H6: the numbers to call are configuration, never written into a text, so a number changed
// in the config reaches every text: a text that writes one is refused, with the placeholder
// to write instead.
void check_numbers_written(const config& c, const text::catalog& texts, const std::vector<std::string>& langs,
                           std::vector<std::string>& problems) {
  std::map<std::string, std::string> placeholder;  // "115" → "{emergency}"
  const auto add = [&](const std::string& value, const char* name) {
    for (const auto& n : numbers_written(value)) placeholder.emplace(n, name);
  };
  add(c.defaults_.emergency_number, "{emergency}");
  for (const auto& [country, number] : c.defaults_.emergency_numbers) add(number, "{emergency}");
  for (const auto& [country, lines] : c.defaults_.crisis_lines) add(lines, "{crisis_lines}");
  if (placeholder.empty()) return;
  for (const auto& lang : langs) {
    const auto* all = texts.keys_of(lang);
    if (!all) continue;
    for (const auto& [key, e] : *all) {
      for (const auto& n : numbers_written(e.text)) {
        const auto it = placeholder.find(n);
        if (it == placeholder.end()) continue;
        problems.push_back(e.where + ": '" + key + "' writes " + n + ", a number to call: write " + it->second +
                           " instead (R-H6: the numbers are configuration, " + c.file +
                           ", so a change reaches every text)");
      }
    }
  }
}

}  // namespace

nlohmann::json located_problem(const std::string& problem) {
  static const std::regex with_place(R"(^(.+?):(\d+):(\d+): (.*)$)");
  static const std::regex with_file(R"(^([^:]+): (.*)$)");
  std::smatch m;
  if (std::regex_match(problem, m, with_place)) {
    return {{"file", m[1]}, {"line", std::stoi(m[2])}, {"column", std::stoi(m[3])}, {"message", m[4]}};
  }
  if (std::regex_match(problem, m, with_file)) {
    return {{"file", m[1]}, {"line", nullptr}, {"column", nullptr}, {"message", m[2]}};
  }
  return {{"file", nullptr}, {"line", nullptr}, {"column", nullptr}, {"message", problem}};
}

namespace {

// A throwaway folder for a copy lint checks, gone with this object whatever happens meanwhile.
struct scratch_folder {
  std::filesystem::path path;
  scratch_folder() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "paygham-validate-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("cannot make a folder to check the change in");
    path = pattern;
  }
  ~scratch_folder() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  scratch_folder(const scratch_folder&) = delete;
  scratch_folder& operator=(const scratch_folder&) = delete;
};

// The problems and warnings name `shown` where they named the copy at `copy`.
void name_as(std::vector<std::string>& problems, std::vector<std::string>& warnings,
             const std::string& copy, const std::string& shown) {
  for (auto* list : {&problems, &warnings}) {
    for (auto& p : *list) {
      for (auto at = p.find(copy); at != std::string::npos; at = p.find(copy))
        p.replace(at, copy.size(), shown);
    }
  }
}

}  // namespace

std::shared_ptr<runner::content> content_with(const config& c, const std::string& file, const std::string& yaml,
                                              std::vector<std::string>& problems, std::vector<std::string>& warnings) {
  namespace fs = std::filesystem;
  // A copy of the flows folder with the file in it, checked as lint checks the real one.
  const scratch_folder scratch;
  const fs::path& dir = scratch.path;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(c.flows_dir, ec)) {
    if (e.path().extension() == ".yaml" && e.path().filename() != file) fs::copy_file(e.path(), dir / e.path().filename(), ec);
  }
  {
    std::ofstream out(dir / file, std::ios::binary);
    out << yaml;
  }
  config checked = c;
  checked.flows_dir = dir.string();
  auto content = load_content(checked, problems, &warnings);
  // The copy's folder is nobody's business: name files as the flows folder has them.
  name_as(problems, warnings, dir.string(), "flows");
  return content;
}

namespace {

nlohmann::json lint_report(const std::vector<std::string>& problems,
                           const std::vector<std::string>& warnings) {
  nlohmann::json out{{"ok", problems.empty()}, {"problems", nlohmann::json::array()}, {"warnings", nlohmann::json::array()}};
  for (const auto& p : problems) out["problems"].push_back(located_problem(p));
  for (const auto& w : warnings) out["warnings"].push_back(located_problem(w));
  return out;
}

}  // namespace

nlohmann::json validate_flow(const config& c, const std::string& file, const std::string& yaml) {
  std::vector<std::string> problems, warnings;
  content_with(c, file, yaml, problems, warnings);
  return lint_report(problems, warnings);
}

namespace {

// What the API may change in the clinics file: a new clinic, and the names of one. An existing
// clinic's week has its own route, which says which visits fall outside a new one; its time
// zone, services and the rest change on the server itself, where whoever changes them sees
// the visits booked.
void only_new_clinics_and_names(const std::string& shown, const YAML::Node& was,
                                const YAML::Node& now, std::vector<std::string>& problems) {
  const auto text = [](const YAML::Node& n) {
    return n.IsDefined() ? YAML::Dump(n) : std::string();
  };
  if (!was.IsMap() || !now.IsMap()) return;  // lint says what is wrong with the file
  for (const auto& key : was) {
    const std::string k = key.first.Scalar();
    if (k == "clinics") continue;
    if (text(key.second) != text(now[k]))
      problems.push_back(shown + ": '" + k + "' changes only in the file on the server");
  }
  for (const auto& key : now) {
    if (!was[key.first.Scalar()].IsDefined()) {
      problems.push_back(shown + ": '" + key.first.Scalar() +
                         "' is added only in the file on the server");
    }
  }
  // A key missing is an invalid node, which throws when asked its type: IsDefined first.
  const YAML::Node before = was["clinics"], after = now["clinics"];
  if (!before.IsDefined() || !before.IsMap()) return;
  const bool listed = after.IsDefined() && after.IsMap();
  for (const auto& clinic : before) {
    const std::string id = clinic.first.Scalar();
    const YAML::Node then = clinic.second,
                     next = listed ? after[id] : YAML::Node(YAML::NodeType::Undefined);
    if (!next.IsDefined()) {
      problems.push_back(
          shown + ": clinic '" + id +
          "' is no longer in it: its visits and changed hours name it. Rename a clinic by its "
          "names, never its id; one closed for good is taken out on the server itself");
      continue;
    }
    if (!then.IsMap() || !next.IsMap()) continue;
    std::set<std::string> keys;
    for (const auto& k : then) keys.insert(k.first.Scalar());
    for (const auto& k : next) keys.insert(k.first.Scalar());
    for (const auto& k : keys) {
      if (k == "name" || text(then[k]) == text(next[k])) continue;
      problems.push_back(
          shown + ": clinic '" + id + "': only its names change here, not its '" + k +
          "' (its week: the console's visits page, PUT /api/v1/clinics/" + id +
          "/hours, which says which visits fall outside it; the rest on the server)");
    }
  }
}

}  // namespace

nlohmann::json validate_clinics(const config& c, const std::string& yaml) {
  namespace fs = std::filesystem;
  std::vector<std::string> problems, warnings;
  if (c.clinics_file.empty()) {
    problems.push_back(
        "the config names no clinics file ('clinics:'): name one there to book visits");
    return lint_report(problems, warnings);
  }
  // Problems name the file, not where it is on the server.
  const std::string shown = fs::path(c.clinics_file).filename().string();
  const scratch_folder scratch;
  const fs::path copy = scratch.path / shown;
  {
    std::ofstream out(copy, std::ios::binary);
    out << yaml;
  }
  config checked = c;
  checked.clinics_file = copy.string();
  load_content(checked, problems, &warnings);
  name_as(problems, warnings, copy.string(), shown);
  const auto was = core::yaml::load_file(c.clinics_file);
  const auto now = core::yaml::load_file(copy.string());
  if (was && now) {
    try {
      only_new_clinics_and_names(shown, was.value(), now.value(), problems);
    } catch (const YAML::Exception& e) {
      problems.push_back(shown + ": could not be compared with the file now: " + e.what());
    }
  }
  return lint_report(problems, warnings);
}

std::shared_ptr<runner::content> load_content(const config& c, std::vector<std::string>& problems,
                                              std::vector<std::string>* warnings) {
  auto bundle = std::make_shared<runner::content>();
  bundle->texts = text::catalog::load_dir(c.templates_dir, problems);
  bundle->flows = flow::flow_set::load_dir(c.flows_dir, problems);
  bundle->words = text::lexicon::load(c.lexicon_dir + "/yes_no.yaml", problems);
  bundle->words.load_answers(c.lexicon_dir + "/answers.yaml", problems);
  bundle->keywords = load_keywords(c.lexicon_dir + "/keywords.yaml", problems, bundle->words.thanks());
  // "yes please", «بله لطفا»: a yes.
  for (const auto& w : bundle->words.add_courtesies(bundle->keywords.polite.normalized)) {
    problems.push_back(c.lexicon_dir + "/keywords.yaml: the polite word '" + w +
                       "' is also a yes or no word (yes_no.yaml): drop it from one list");
  }
  bundle->hints = load_language_hints(c.lexicon_dir + "/languages.yaml", problems);
  // Read generously: «خونریزی‌ام» ("my bleeding") is urgent too.
  constexpr auto generous = text::term_list::reading::generous;
  const std::string urgent = c.lexicon_dir + "/urgent.yaml";
  const std::size_t known_problems = problems.size();
  bundle->danger_words = text::term_list::load(urgent, problems, "danger", generous);
  // A file that cannot be read is said once, not once a list.
  std::error_code ec;
  if (problems.size() == known_problems || std::filesystem::is_regular_file(urgent, ec)) {
    bundle->self_harm_words = text::term_list::load(urgent, problems, "self_harm", generous);
    constexpr auto folded = text::term_list::reading::folded;
    bundle->blast_words = text::term_list::load(urgent, problems, "blast", folded);
    bundle->unexploded = text::term_list::load(urgent, problems, "unexploded", folded);
    bundle->denials = text::term_list::load(urgent, problems, "denial");
    bundle->well_words = text::term_list::load(urgent, problems, "well", folded);
    bundle->hurt_words = text::term_list::load(urgent, problems, "hurt", folded);
    bundle->nobody_words = text::term_list::load(urgent, problems, "nobody", folded);
    bundle->help_words = text::term_list::load(urgent, problems, "help", generous);
    bundle->calling_words = text::term_list::load(urgent, problems, "calling", generous);
  }
  if (!c.clinics_file.empty()) {
    bundle->clinics = schedule::clinic_list::load(c.clinics_file, problems);
    bundle->clinics.close_on(c.holidays);
  }
  if (!c.districts_file.empty()) bundle->districts = text::load_districts(c.districts_file, problems);
  // A flow keyword that is also a global one would never be reached.
  for (const auto& f : bundle->flows.all()) {
    for (std::size_t i = 0; i < f->sms_keywords.size(); ++i) {
      const std::string& k = f->sms_keywords[i];
      const std::string& word = f->sms_keywords_normalized[i];
      const auto said = text::read_global(text::normalize(k), bundle->keywords);
      if (said != text::global_word::none && said != text::global_word::ask_stop) {
        problems.push_back(f->file + ": SMS keyword '" + k +
                           "' is reserved (lexicon/keywords.yaml: stop, stop_all, start or help)");
      } else if (bundle->words.yes_no(word) || bundle->words.number_words().count(word) != 0 ||
                 bundle->words.label_words().count(word) != 0) {
        // It would take a yes, a number or an option's word meant for an open question.
        problems.push_back(f->file + ": SMS keyword '" + k + "' is an answer to questions (lexicon/yes_no.yaml or " +
                           "answers.yaml): a reply meant for a question would start this flow instead; choose another word");
      }
    }
  }
  // R-S4: a name that is itself a global word or a yes/no answer could not say which it is.
  for (const auto& [id, names] : bundle->keywords.programmes) {
    for (std::size_t i = 0; i < names.written.size(); ++i) {
      if (text::read_global(names.normalized[i], bundle->keywords) != text::global_word::none ||
          bundle->words.yes_no(names.normalized[i])) {
        problems.push_back(c.lexicon_dir + "/keywords.yaml: '" + names.written[i] + "', a name of programme '" + id +
                           "', is itself a stop, start or help word or a yes/no answer");
      }
    }
  }
  // Sending hours for a programme nothing sends would be a typo that silently changes nothing.
  if (!c.programmes.empty()) {
    std::set<std::string> named;
    for (const auto& f : bundle->flows.all()) {
      if (!f->programme.empty()) named.insert(f->programme);
    }
    for (const auto& [name, hours] : c.programmes) {
      if (named.count(name) != 0) continue;
      std::string known;
      for (const auto& n : named) known += (known.empty() ? "" : ", ") + n;
      const auto at = c.programme_where.find(name);
      problems.push_back(
          (at == c.programme_where.end() ? c.file : at->second) + ": programmes." + name +
          ": no flow names programme '" + name + "'" +
          core::did_you_mean(name, std::vector<std::string>(named.begin(), named.end())) +
          " (they name: " + (known.empty() ? "none" : known) + ")");
    }
  }
  const auto langs = bundle->texts.languages();
  if (std::find(langs.begin(), langs.end(), "en") == langs.end()) {
    problems.push_back(c.templates_dir + ": templates/en.yaml is missing (the last fallback)");
  }
  for (const auto& offered : c.defaults_.languages) {
    if (text::latin_letters_of(offered)) {
      problems.push_back(c.file + ": defaults.languages offers '" + offered + "', which is " +
                         std::string(text::spoken_language(offered)) +
                         "'s screens on a route without UCS-2, not a language: offer '" +
                         std::string(text::spoken_language(offered)) + "'");
    } else if (std::find(langs.begin(), langs.end(), offered) == langs.end()) {
      problems.push_back(c.file + ": defaults.languages offers '" + offered +
                         "' but templates has no " + offered + ".yaml");
    }
  }
  if (std::find(langs.begin(), langs.end(), c.defaults_.language) == langs.end()) {
    problems.push_back(c.file + ": defaults.language is '" + c.defaults_.language +
                       "' but templates has no " + c.defaults_.language + ".yaml");
  }
  // Values the deployment gives every text; a text that names one the config does not set
  // would reach phones with "{emergency}" in it.
  std::vector<std::string> globals;
  for (const auto& [name, value] : runner::gateway_values(runner_settings(c))) globals.push_back(name);
  if (std::find(globals.begin(), globals.end(), "emergency") == globals.end()) {
    // Said once, for every text that names it: the one fix is the config's.
    std::set<std::string> naming;
    for (const auto& lang : langs) {
      if (const auto* all = bundle->texts.keys_of(lang)) {
        for (const auto& [key, e] : *all) {
          const auto names = text::placeholders(e.text);
          if (std::find(names.begin(), names.end(), "emergency") != names.end()) naming.insert(key);
        }
      }
    }
    if (!naming.empty()) {
      std::string some;
      std::size_t shown = 0;
      for (const auto& key : naming) {
        if (shown++ == 3) break;
        some += (some.empty() ? "" : ", ") + key;
      }
      problems.push_back(
          c.file + ": defaults.emergency_number is not set, and " + std::to_string(naming.size()) +
          (naming.size() == 1 ? " text uses" : " texts use") + " {emergency} (" + some +
          (naming.size() > 3 ? ", …" : "") +
          "): set it to the number people in danger should call (112 reaches emergency "
          "services from any GSM phone)");
    }
    globals.emplace_back("emergency");  // each text's own check would say the same again
  }
  bundle->flows.check_texts(bundle->texts, langs, globals, problems);
  {
    auto every_file = langs;
    for (const auto& l : bundle->texts.latin_letters()) every_file.push_back(l);
    check_numbers_written(c, bundle->texts, every_file, problems);
  }
  for (const auto& lang : langs) {
    const auto* all = bundle->texts.keys_of(lang);
    if (!all) continue;
    for (const auto& [key, e] : *all) {
      if (key.rfind("common.", 0) != 0 && key.rfind("staff.", 0) != 0) continue;
      // What the gateway fills in its own texts: the deployment's values, and what a few of
      // them are sent with (gateway_filled).
      const auto& own = gateway_filled(key);
      for (const auto& name : text::placeholders(e.text)) {
        if (std::find(globals.begin(), globals.end(), name) != globals.end()) continue;
        if (std::find(own.begin(), own.end(), name) != own.end()) continue;
        std::string known;  // "{broadcast}, {audience} and {emergency}"
        for (const auto& n : own) known += (known.empty() ? "{" : ", {") + std::string(n) + "}";
        known += known.empty() ? "{emergency} is known in common texts" : " and {emergency} are known here";
        problems.push_back(e.where + ": '" + key + "' uses {" + name + "}, which the gateway cannot fill" +
                           (name == "emergency" ? ": set defaults.emergency_number in " + c.file
                                                : " (only " + known + ")"));
      }
    }
  }
  // The data menus whose texts are known before they run (appointments.people's).
  std::map<std::string, std::vector<std::string>> menu_texts;
  for (const auto& f : bundle->flows.all()) {
    for (const auto& [id, n] : f->nodes) {
      const actions::action* a =
          n.kind == flow::node_kind::action ? actions::registry::builtin().find(n.action) : nullptr;
      if (!a || a->menu.empty()) continue;
      menu_texts[std::string(a->menu)].assign(a->shows.begin(), a->shows.end());
    }
  }
  // Against the strictest route: a flow may be served on any of them.
  text::screen_limits strictest = c.ussd_profiles.at("default").screen;
  strictest.ucs2 = true;  // a route without UCS-2 is checked in Latin script below
  for (const auto& [name, route] : c.ussd_profiles) {
    strictest.gsm7_max = std::min(strictest.gsm7_max, route.screen.gsm7_max);
    strictest.ucs2_max = std::min(strictest.ucs2_max, route.screen.ucs2_max);
  }
  bundle->flows.check_screens(bundle->texts, langs, strictest, flow::context{}.page_size, menu_texts, problems);
  // R-U4: a route that carries no UCS-2 shows the screens in Latin letters: a Persian-script
  // language's own (templates/prs-Latn.yaml) where templates has them, else English. They must
  // be GSM 7-bit and fit the route's limits.
  check_latin_letters(c, *bundle, menu_texts, problems);
  for (const auto& [name, route] : c.ussd_profiles) {
    const text::screen_limits& l = route.screen;
    if (l.ucs2) continue;
    const auto shown = bundle->texts.in_latin_letters(langs);
    bundle->flows.check_screens(bundle->texts, shown, l, flow::context{}.page_size, menu_texts, problems);
    for (const auto& lang : shown) {
      const text::entry* invalid = bundle->texts.find(lang, flow::keys::invalid);
      for (const auto& [what, screen] : runner::choice_screens) {
        const auto check = text::check_screen(runner::draw_choice(bundle->texts, {lang}, *screen, invalid ? invalid->text : ""), l);
        if (check.result != text::screen_check::fits && check.result != text::screen_check::long_warning) {
          problems.push_back(c.file + ": ussd_profiles." + name + ": " + std::string(what) + " in " + lang +
                             " after a bad reply makes a USSD screen of " + text::over_the_limit(check));
        }
      }
    }
  }
  bundle->flows.check_sms(bundle->texts, langs, problems);
  // The screens the gateway draws itself, with the reason shown after a bad reply, in every
  // language, against the strictest route (R-U1, R-U10).
  for (const auto& lang : langs) {
    const text::entry* invalid = bundle->texts.find(lang, flow::keys::invalid);
    const std::string reason = invalid ? invalid->text : "";
    std::vector<std::pair<std::string, std::string>> screens;
    for (const auto& [what, screen] : runner::choice_screens) {
      screens.emplace_back(what, runner::draw_choice(bundle->texts, {lang}, *screen, reason));
    }
    if (const text::entry* letters = bundle->texts.find(lang, flow::keys::letters_check)) {
      screens.emplace_back("the letters check", reason + "\n" + letters->text);
    }
    if (c.defaults_.languages.size() >= 2) {
      screens.emplace_back("the language picker",
                           runner::draw_language_picker(bundle->texts, c.defaults_.languages, reason));
    }
    for (const auto& [what, screen] : screens) {
      const auto check = text::check_screen(screen, strictest);
      if (check.result != text::screen_check::too_long) continue;
      problems.push_back(c.templates_dir + "/" + lang + ".yaml: " + what + " after a bad reply, with '" +
                         std::string(flow::keys::invalid) + "' above it, makes a USSD screen of " +
                         text::over_the_limit(check) + "; shorten its texts");
    }
  }
  // A yes/no question must never be answerable by an opt-out word (R-S6).
  std::vector<std::string> stop_words = bundle->keywords.stop.written;
  stop_words.insert(stop_words.end(), bundle->keywords.stop_all.written.begin(), bundle->keywords.stop_all.written.end());
  for (const auto& w : stop_words) {
    if (bundle->words.yes_no(text::normalize(w))) {
      problems.push_back(c.lexicon_dir + "/keywords.yaml: stop word '" + w +
                         "' is also a yes/no answer in yes_no.yaml; a reply could not say which");
    }
  }
  // Numbers in words and other words for a label answer a question: never a stop or START
  // (nor a typo of one), and only for a label some language has.
  const auto answer_word = [&](const std::string& word, const std::string& as) {
    if (const auto said = text::read_global(word, bundle->keywords); said != text::global_word::none) {
      problems.push_back(c.lexicon_dir + "/answers.yaml: '" + word + "' (" + as + ") is read as " +
                         text::to_string(said) + " (keywords.yaml) before any question reads it; remove it");
    }
  };
  for (const auto& [word, n] : bundle->words.number_words()) answer_word(word, "the number " + std::to_string(n));
  std::set<std::string> labels, questions;  // the questions: those words are `asked` for
  for (const auto& [word, keys] : bundle->words.label_words()) {
    answer_word(word, keys.front());
    for (const auto& key : keys) {
      const auto at = key.find('@');
      labels.insert(key.substr(0, at));
      if (at != std::string::npos) questions.insert(key.substr(at + 1));
    }
  }
  const auto in_no_templates = [&](const std::string& key) {
    return std::none_of(langs.begin(), langs.end(),
                        [&](const std::string& l) { return bundle->texts.find(l, key); });
  };
  for (const auto& label : labels) {
    if (in_no_templates(label)) {
      problems.push_back(c.lexicon_dir + "/answers.yaml: words for '" + label + "', which no templates file has");
    }
  }
  for (const auto& question : questions) {
    if (in_no_templates(question)) {
      problems.push_back(c.lexicon_dir + "/answers.yaml: words asked by '" + question +
                         "', which no templates file has");
    }
  }
  // Words `asked` by a question of these flows are for a menu of that text offering the label:
  // else they answer nothing, and the person is asked again. (A question of a flow this
  // deployment does not run asks nothing.)
  std::set<std::string> offered;  // "<label>@<question>" of every menu
  std::set<std::string> node_texts;
  for (const auto& f : bundle->flows.all()) {
    for (const auto& [id, n] : f->nodes) {
      node_texts.insert(n.text);
      for (const auto& o :
           n.ask == flow::ask_kind::menu ? n.options : std::vector<flow::option>{}) {
        offered.insert(o.label + "@" + n.text);
      }
    }
  }
  std::set<std::string> said_unoffered;
  for (const auto& [word, keys] : bundle->words.label_words()) {
    for (const auto& key : keys) {
      const auto at = key.find('@');
      if (at == std::string::npos || offered.count(key) || !node_texts.count(key.substr(at + 1)) ||
          !said_unoffered.insert(key).second) {
        continue;
      }
      problems.push_back(c.lexicon_dir + "/answers.yaml: words for '" + key.substr(0, at) +
                         "' asked by '" + key.substr(at + 1) +
                         "', but no menu of that text offers it ('" + word + "')");
    }
  }
  // Nor another option's label, in any language, where both are offered.
  for (const auto& f : bundle->flows.all()) {
    for (const auto& [id, n] : f->nodes) {
      for (std::size_t i = 0; i < n.options.size(); ++i) {
        for (std::size_t j = 0; j < n.options.size(); ++j) {
          const flow::option& a = n.options[i];
          const flow::option& b = n.options[j];
          for (const auto& lang : i == j ? std::vector<std::string>{} : langs) {
            const text::entry* shown = bundle->texts.find(lang, b.label);
            const std::string said = shown ? std::string(text::strip_punctuation(text::normalize(shown->text))) : "";
            if (!said.empty() && bundle->words.says(a.label, said, n.text)) {
              problems.push_back(c.lexicon_dir + "/answers.yaml: '" + said + "', a word for " + a.label +
                                 ", is the label of another option of node '" + id + "' of " + f->file + " (" +
                                 b.label + " in " + lang + "); a reply could not say which");
            }
          }
        }
      }
    }
  }
  const auto& known = actions::registry::builtin();
  for (const auto& f : bundle->flows.all()) {
    for (const auto& lang : f->invite.empty() ? std::vector<std::string>{} : langs) {
      const text::entry* e = bundle->texts.find(lang, f->invite);
      if (!e) {
        problems.push_back(f->file + ": 'invite' names text '" + f->invite + "', which " + lang + ".yaml does not have");
      } else if (e->text.find('{') != std::string::npos) {
        problems.push_back(f->file + ": 'invite' text '" + f->invite + "' (" + e->where +
                           ") has a placeholder, but the invitation is sent as it is written");
      }
    }
    for (const auto& [id, n] : f->nodes) {
      if (n.kind != flow::node_kind::action) continue;
      const actions::action* a = known.find(n.action);
      if (!a) {
        std::string names;
        for (const auto& k : known.all()) names += (names.empty() ? "" : ", ") + std::string(k.name);
        problems.push_back(n.where + ": node '" + id + "' uses action '" + n.action +
                           "', which is not a built-in (known: " + names + ")");
        continue;
      }
      for (const std::string_view need : a->needs) {
        if (!n.args.count(std::string(need))) {
          problems.push_back(n.where + ": node '" + id + "' (action " + n.action + ") needs 'args." +
                             std::string(need) + "'");
        }
      }
      if (!a->needs_one_way.empty()) {
        bool given = false;
        std::string ways;
        for (const auto& way : a->needs_one_way) {
          bool all = true;
          std::string args;
          for (const std::string_view arg : way) {
            all = all && n.args.count(std::string(arg));
            args += (args.empty() ? "'args." : " and 'args.") + std::string(arg) + "'";
          }
          given = given || all;
          ways += (ways.empty() ? "" : ", or ") + args;
        }
        if (!given) problems.push_back(n.where + ": node '" + id + "' (action " + n.action + ") needs " + ways);
      }
      for (const std::string_view arg : a->nodes) {
        const auto it = n.args.find(std::string(arg));
        if (it != n.args.end() &&
            std::find(f->entries.begin(), f->entries.end(), it->second) == f->entries.end()) {
          problems.push_back(n.where + ": node '" + id + "' (action " + n.action + ") starts the flow at '" +
                             it->second + "' (args." + std::string(arg) + "); list that node under 'entries:'");
        }
      }
      if (a->uses_clinics && bundle->clinics.empty()) {
        problems.push_back(n.where + ": node '" + id + "' (action " + n.action +
                           ") books clinics, but the config names no clinics file with a clinic in it (clinics: "
                           "clinics.yaml, docs/appointments.md)");
      }
      for (const std::string_view key : a->shows) {
        for (const auto& lang : langs) {
          if (!bundle->texts.find(lang, key)) {
            problems.push_back(n.where + ": node '" + id + "' (action " + n.action + ") shows text '" +
                               std::string(key) + "' in a menu, which " + lang + ".yaml does not have");
          }
        }
      }
      for (const std::string_view arg : a->texts) {
        const auto it = n.args.find(std::string(arg));
        if (it == n.args.end() || it->second.find('{') != std::string::npos) continue;  // filled at run time
        for (const auto& lang : langs) {
          if (!bundle->texts.find(lang, it->second)) {
            problems.push_back(n.where + ": node '" + id + "' (action " + n.action + ") sends text '" + it->second +
                               "', which " + lang + ".yaml does not have");
          }
        }
      }
    }
  }
  const auto sensitive = text::term_list::load(c.lexicon_dir + "/sensitive.yaml", problems);
  check_sensitive(*bundle, sensitive, known, problems);
  // With endings ("refugees", «مشاوره‌ای»): a name is the clinic's own words, read
  // generously.
  check_clinic_names(*bundle, c.clinics_file, sensitive.read_as(text::term_list::reading::generous),
                     problems);
  check_personal(*bundle, known, problems);
  check_contact_fields(*bundle, c, problems);
  text::lint_templates(bundle->texts, problems, warnings);
  for (const auto& lang : langs) {
    for (std::string_view key : flow::keys::required) {
      if (!bundle->texts.find(lang, key)) {
        problems.push_back(c.templates_dir + "/" + lang + ".yaml: missing '" + std::string(key) +
                           "', which the gateway itself shows");
      }
    }
  }
  return bundle;
}

std::shared_ptr<runner::content> load_checked_content(const config& c, std::string_view command) {
  std::vector<std::string> problems;
  auto content = load_content(c, problems);
  for (const auto& p : problems) std::cerr << p << "\n";
  if (problems.empty()) return content;
  std::cerr << "paygham " << command << ": fix the problems above first (paygham lint)\n";
  return nullptr;
}

runner::settings runner_settings(const config& c) {
  runner::settings s;
  s.contact_fields.insert(own_contact_fields.begin(), own_contact_fields.end());
  for (const auto& [field, why] : c.contact_fields) s.contact_fields.insert(field);
  s.default_language = c.defaults_.language;
  s.timezone = c.defaults_.timezone;
  s.languages = c.defaults_.languages;
  s.region = c.defaults_.region;
  s.emergency_number = c.defaults_.emergency_number;
  s.emergency_numbers.insert(c.defaults_.emergency_numbers.begin(), c.defaults_.emergency_numbers.end());
  s.crisis_lines.insert(c.defaults_.crisis_lines.begin(), c.defaults_.crisis_lines.end());
  s.staff_channel =
      !c.defaults_.staff_channel.empty() ? c.defaults_.staff_channel : default_channel_of(c);
  s.quiet = c.defaults_.quiet;
  s.programme_quiet.insert(c.programmes.begin(), c.programmes.end());
  s.holidays = c.holidays;
  s.iftar = c.iftar;
  for (const auto& ch : c.channels) {
    auto p = ch.params.find("ussd_profile");
    s.ussd_routes[ch.id] = c.ussd_profiles.at(p == ch.params.end() ? std::string("default") : p->second);
  }
  s.resume_window_ms = c.resume_window_ms;
  s.answer_retention_ms = c.store.answer_retention_ms;
  return s;
}

}  // namespace paygham::app
