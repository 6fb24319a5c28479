// `paygham contacts import FILE.csv`: people from a spreadsheet (a partner's beneficiary list)
// added or updated in bulk. Every line is checked first; good lines go in batches, bad ones are
// listed with their line number and why. Importing never opts anyone in: a person who stopped
// messages (or whose number's stop outlived an erasure) stays stopped.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <tuple>

#include "gateway/app/commands.hpp"
#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
#include "gateway/core/csv.hpp"
#include "gateway/core/utf8.hpp"
#include "gateway/phone/phone.hpp"
#include "gateway/runner/runner.hpp"
#include "gateway/store/writer.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/districts.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::app {
namespace {

constexpr std::size_t batch_lines = 1000;
constexpr std::size_t errors_shown = 100;

struct person {
  std::size_t line = 0;
  std::string phone;
  std::string language;
  std::string topic, area, route;
  std::string district, district_key;  // as written, and the district it names (the districts file)
  std::map<std::string, std::string> fields;
};

struct columns {
  int phone = -1, language = -1, topic = -1, area = -1, route = -1, district = -1;
  std::vector<std::pair<int, std::string>> fields;  // other columns: contact fields
  std::size_t count = 0;
};

// The header's columns, or why it cannot be read.
// Other columns are contact fields: only those the config keeps (R-D2).
core::result<columns> read_header(const std::string& line, const config& cfg) {
  const auto names = core::csv_fields(line);
  if (!names) return core::fail("line 1: " + names.error());
  columns c;
  c.count = names.value().size();
  std::string undeclared;  // the first column the config does not keep on a person
  std::set<std::string> seen;
  for (std::size_t i = 0; i < names.value().size(); ++i) {
    std::string n = names.value()[i];
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (!seen.insert(n).second) return core::fail("line 1: the column '" + n + "' is named twice");
    const int at = static_cast<int>(i);
    if (n == "phone") c.phone = at;
    else if (n == "language") c.language = at;
    else if (n == "topic") c.topic = at;
    else if (n == "area") c.area = at;
    else if (n == "route") c.route = at;
    else if (n == "district") c.district = at;
    else if (!contact_field_name(n)) return core::fail("line 1: the column '" + n + "' is not a name flows can use (a-z, 0-9 and _)");
    else if (keeps_contact_field(cfg, n)) c.fields.emplace_back(at, n);
    else if (undeclared.empty()) undeclared = n;
  }
  if (c.phone < 0) return core::fail("line 1: no 'phone' column (the first line names the columns: phone,language,…)");
  if (!undeclared.empty()) {
    return core::fail("line 1: the column '" + undeclared +
                      "' is not a field Paygham keeps on a person: leave it out of the file, or declare it with why "
                      "it is needed (contact_fields: in the config, R-D2)");
  }
  if ((c.area >= 0 || c.route >= 0) && c.topic < 0) {
    return core::fail("line 1: an 'area' or 'route' column needs a 'topic' column (mine_safety)");
  }
  if (c.district >= 0 && c.area < 0) return core::fail("line 1: a 'district' column needs an 'area' column (herat)");
  return c;
}

// Progress on stderr: a bar redrawn in place at a terminal, else a line every 10 %.
class progress {
 public:
  explicit progress(std::size_t total) : total_(std::max<std::size_t>(total, 1)), tty_(isatty(STDERR_FILENO) != 0) {}
  // `done` people imported, up to line `line` of the file.
  void at(std::size_t done, std::size_t line) {
    const std::size_t pct = done * 100 / total_;
    if (tty_) {
      const std::size_t filled = pct / 5;
      std::cerr << "\r[" << std::string(filled, '#') << std::string(20 - filled, ' ') << "] " << pct << "% " << done
                << "/" << total_ << " (to line " << line << ")" << std::flush;
      if (done >= total_) std::cerr << "\n";
    } else if (pct / 10 > shown_ / 10 || done >= total_) {
      std::cerr << "imported " << done << " of " << total_ << " (" << pct << "%), to line " << line << "\n";
      shown_ = pct;
    }
  }

 private:
  std::size_t total_;
  bool tty_;
  std::size_t shown_ = 0;
};

}  // namespace

int contacts_import(const contacts_options& o) {
  auto loaded = load_config(o.config, channel_secrets::unused);
  if (!loaded) {
    std::cerr << loaded.error() << "\n";
    return exit_user_error;
  }
  const config& cfg = loaded.value();
  const auto content = load_checked_content(cfg, "contacts");
  if (!content) return exit_user_error;
  std::ifstream in(o.file, std::ios::binary);
  if (!in) {
    std::cerr << "paygham contacts: cannot read " << o.file << "\n";
    return exit_user_error;
  }
  std::string channel = o.channel;
  if (channel.empty()) channel = default_channel_of(cfg);
  if (std::none_of(cfg.channels.begin(), cfg.channels.end(), [&](const auto& c) { return c.id == channel; })) {
    std::cerr << "paygham contacts: no channel '" << channel << "' in " << o.config << "\n";
    return exit_user_error;
  }
  const auto langs = content->texts.languages();
  const runner::subscription_names subscribable(content->flows);
  std::string known_list;
  for (const auto& l : langs) known_list += (known_list.empty() ? "" : ", ") + l;
  std::string line;
  if (!std::getline(in, line)) {
    std::cerr << "paygham contacts: " << o.file << " is empty (the first line names the columns: phone,language,…)\n";
    return exit_user_error;
  }
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // a spreadsheet's byte order mark
  const auto header = read_header(line, cfg);
  if (!header) {
    std::cerr << "paygham contacts: " << o.file << ":" << header.error() << "\n";
    return exit_user_error;
  }
  const columns& cols = header.value();

  // Every line checked before anything is written.
  std::vector<person> good;
  std::vector<std::string> bad;
  // Imported, but to check with the person: numbers that are fixed lines (R-L6).
  std::vector<std::string> landlines;
  std::size_t lines = 1;
  while (std::getline(in, line)) {
    ++lines;
    if (lines < o.from_line) continue;
    if (line.empty() || line == "\r") continue;
    const auto why = [&](const std::string& reason) { bad.push_back("line " + std::to_string(lines) + ": " + reason); };
    if (!core::valid_utf8(line)) {
      why("not UTF-8 text (save the file as CSV UTF-8)");
      continue;
    }
    const auto fields = core::csv_fields(line);
    if (!fields) {
      why(fields.error());
      continue;
    }
    const auto& f = fields.value();
    if (f.size() != cols.count) {
      why(std::to_string(f.size()) + " fields where the first line names " + std::to_string(cols.count));
      continue;
    }
    person p;
    p.line = lines;
    const auto phone = phone::parse_e164(f[static_cast<std::size_t>(cols.phone)], cfg.defaults_.region);
    if (!phone) {
      why("phone '" + f[static_cast<std::size_t>(cols.phone)] + "': " + phone.error());
      continue;
    }
    p.phone = phone.value();
    if (cols.language >= 0) {
      p.language = f[static_cast<std::size_t>(cols.language)];
      if (!p.language.empty() && !content->texts.knows(p.language)) {
        why("language '" + p.language + "' has no texts (" + known_list + ")");
        continue;
      }
    }
    // A subscription's names as the flows' menus give them (R-M1: the route, islam_qala).
    bool named = true;
    for (const auto& [at, out, what] : {std::tuple{cols.topic, &p.topic, "topic"}, std::tuple{cols.area, &p.area, "area"},
                                        std::tuple{cols.route, &p.route, "route"}}) {
      if (at < 0) continue;
      *out = f[static_cast<std::size_t>(at)];
      if (!out->empty() && !text::is_value_name(*out)) {
        why(std::string(what) + " '" + *out + "' is not a name a flow gives (a-z, 0-9 and _: islam_qala)");
        named = false;
        break;
      }
    }
    if (!named) continue;
    // A topic, area or route the flows do not give ("heratt") would reach nobody, ever.
    if (!p.topic.empty()) {
      if (const auto wrong = subscribable.check(p.topic, p.area, p.route)) {
        why(wrong->message);
        continue;
      }
    }
    // R-M1: the district in the person's words, as a flow keeps it, and the district those name.
    if (cols.district >= 0) {
      p.district = f[static_cast<std::size_t>(cols.district)];
      if (core::decode_utf8(p.district).size() > 60 || core::has_control(p.district, false)) {
        why("district is more than 60 letters, or has a control or direction character: the place in words");
        continue;
      }
      if (!p.district.empty() && p.area.empty()) {
        why("district '" + p.district + "' without an area: a district is in an area");
        continue;
      }
      p.district = text::place_as_written(p.district);  // as a flow keeps what a person types
      p.district_key = content->districts.district_of(p.area, p.district);
    }
    // What is kept on a person is checked as the API checks a name: at most 100 letters, and
    // nothing that is not text (controls, marks that reorder right-to-left text).
    bool readable = true;
    for (const auto& [at, name] : cols.fields) {
      const std::string& value = f[static_cast<std::size_t>(at)];
      if (core::decode_utf8(value).size() > 100 || core::has_control(value, false)) {
        why(name + " is more than 100 letters, or has a control or direction character: only letters, digits and "
                   "signs");
        readable = false;
        break;
      }
      if (!value.empty()) p.fields[name] = value;
    }
    if (!readable) continue;
    // R-L3: the month names they read, one of the two sets (lower case, as the API takes them).
    if (const auto m = p.fields.find("months"); m != p.fields.end() && !text::parse_month_names(m->second)) {
      why("months '" + m->second + "' is iranian, afghan, or empty for those of their language");
      continue;
    }
    // R-L2: the languages they read after their own, in order: "fa,en" (or "fa en", "FA; en").
    if (const auto l = p.fields.find(std::string(text::fallback_field)); l != p.fields.end()) {
      std::string spaced = l->second;
      for (auto& ch : spaced) {
        ch = ch == ',' || ch == ';' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      }
      std::string list;
      std::istringstream words(spaced);
      for (std::string one; words >> one;) list += (list.empty() ? "" : ",") + one;
      const auto read = text::fallback_languages(list);
      const bool known = std::all_of(read.begin(), read.end(), [&](const std::string& one) { return content->texts.knows(one); });
      if (read.empty() || !known || (read.size() == 2 && read[0] == read[1])) {
        why("languages '" + l->second + "' is at most " + std::to_string(text::most_fallbacks) +
            " languages with texts, in order, such as fa,en (" + known_list + ")");
        continue;
      }
      l->second = list;
    }
    if (!phone::is_mobile(p.phone)) landlines.push_back("line " + std::to_string(lines));
    good.push_back(std::move(p));
  }

  std::size_t added = 0;
  if (!o.dry_run && !good.empty()) {
    try {
      const auto writer = store::open_writer(cfg.store);
      progress bar(good.size());
      for (std::size_t from = 0; from < good.size(); from += batch_lines) {
        const std::size_t to = std::min(good.size(), from + batch_lines);
        store::run_now(*writer, [&](store::tx& t) {
          for (std::size_t i = from; i < to; ++i) {
            const auto& p = good[i];
            const auto c = t.upsert_contact(p.phone);
            if (c.created) ++added;
            if (!p.language.empty()) t.set_contact_language(c.id, p.language);
            t.set_contact_fields(c.id, p.fields);
            if (!p.topic.empty()) t.subscribe(c.id, p.topic, p.area, channel, 0, p.district, p.route, p.district_key);
          }
          if (to == good.size()) {
            t.audit("cli", "contacts.import", "file:" + o.file,
                    nlohmann::json{{"imported", good.size()}, {"new", added}, {"bad_lines", bad.size()}}.dump());
          }
        });
        bar.at(to, good[to - 1].line);
      }
      writer->stop();
    } catch (const std::exception& e) {
      std::cerr << "paygham contacts: " << e.what() << "\n";
      return exit_user_error;
    }
  }
  for (std::size_t i = 0; i < bad.size() && i < errors_shown; ++i) std::cerr << o.file << ": " << bad[i] << "\n";
  if (bad.size() > errors_shown) std::cerr << "… and " << bad.size() - errors_shown << " more bad lines\n";
  if (!landlines.empty()) {
    const bool one = landlines.size() == 1;
    std::cerr << o.file << ": warning: " << landlines.size()
              << (one ? " number is not a mobile (a fixed line, say) by its country's numbering plan: SMS to it may "
                        "never arrive; check it with the person ("
                      : " numbers are not mobiles (fixed lines, say) by their country's numbering plan: SMS to them "
                        "may never arrive; check them with the people (");
    for (std::size_t i = 0; i < landlines.size() && i < errors_shown; ++i) std::cerr << (i ? ", " : "") << landlines[i];
    std::cerr << (landlines.size() > errors_shown ? ", …" : "") << ")\n";
  }
  std::cout << (o.dry_run ? "would import " : "imported ") << good.size() << (good.size() == 1 ? " person" : " people");
  if (!o.dry_run) std::cout << " (" << added << " new)";
  std::cout << "; " << bad.size() << (bad.size() == 1 ? " bad line" : " bad lines") << "\n";
  return bad.empty() ? exit_ok : exit_user_error;
}

}  // namespace paygham::app
