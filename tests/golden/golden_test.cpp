// Golden transcripts: each tests/fixtures/golden/*.txt is a conversation with the real config
// loader, runner, engine and store (a temporary file), on a clock that starts at
// 2026-11-29T08:00:00Z and steps one second per line. The lines starting with ">" are what
// people do; everything else is written by this test. A transcript that differs fails;
// PAYGHAM_UPDATE_GOLDEN=1 rewrites them instead (review the diff before committing).
//
// Header lines ("# key: value") before the first ">":
//   # flows: flows/welcome.yaml tests/fixtures/flows/golden/kinds.yaml   (required)
//   # templates: tests/fixtures/golden/templates   texts added to the shipped ones, in the
//                languages that folder has (only those are loaded)
//   # languages: prs ps fa en                       offered to a new number first
//   # default_language: prs                          the deployment's language (defaults.language:
//                                                     a new number's, when none is offered)
//   # region: IR AF                                 defaults.region (default AF): national numbers
//                                                     read, and the countries a health worker
//                                                     enrols in
//   # quiet_hours: 21:00-08:00                      sending hours (defaults.quiet_hours)
//   # programmes: {reminders: {quiet_days: [tue]}}   a programme's own sending hours (config
//   `programmes`) # clinics: config/clinics.yaml                  the clinics people can book #
//   holidays: tests/fixtures/holidays/x.yaml       public holidays by country (config `holidays`)
//   # districts: config/districts.yaml               each area's districts as people write them
//   # workers: +93700000900@golshahr:2580           health workers: phone, clinic, PIN, and
//              +93700000901@golshahr:2581@08:00-12:00  duty hours (R-H3's roster)
//   # supervisors: +93700000950@golshahr            health workers who supervise a clinic (told of
//                                                     calls due within a working day)
//   # operators: +93700000800 +93700000801@09:00-12:00   operators with a phone (told of hazard
//                                                     reports), one with duty hours
//   # own_quiet_hours: +93700000061@21:00-10:00     a person's own quiet hours (as the API sets
//   them) # shared_phone: +93700000302                    others read SMS on this phone (as a
//   health worker
//                                                     records it, R-S11)
//   # months: +93700000072@iranian                  the month names a person reads (as the API sets
//   them) # reads: +93700000071@fa,en                     the languages a person reads after their
//   own (R-L2) # ussd_route: {ucs2: false, fallback: digits}   the USSD route every dial comes by
//   (the
//                                                     `ussd_profiles` entry of the channel "at")
// Inputs:
//   > ussd *384*12# from +93700000001 (session s1)   a dial (shortcut digits allowed)
//   > "1"                                             a reply in the current USSD session
//   > sms "INFO" from +93700000002                    an inbound SMS ({transfer_code}: the newest
//                                                     transfer code, drawn at random; shown so too;
//                                                     {first_transfer_code}: the oldest)
//   > wait 25h                                        the clock moves on; due work runs, each job
//   at its time > wait 182d, counted                              the same, each line shown once
//   with how many times
//                                                     it came (jobs without their times): months of
//                                                     a daily reminder in a few lines
//   > reload tests/fixtures/flows/golden/v2/x.yaml    a new version of flow x goes live
//   > session ends                                    the aggregator says the USSD session ended
//   > clinic cancels 5713                             reception cancels the visit of that code (the
//                                                     console, the API: actions::cancel_by_clinic)
//   > clinic herat closes 2026-11-30                  reception closes a clinic for a day
//                                                     (actions::close_clinic_day)
//   > worker +93700000900 leaves                      an admin disables a health worker's account
//   (their
//                                                     patients go to a colleague,
//                                                     actions::disable_user)
//   > broadcast mine_safety herat mine_safety.alert_floods   an urgent broadcast to an area's
//   subscribers > broadcast mine_safety herat mine_safety.x education   an education broadcast
//   (routine, R-S9) > broadcast mine_safety herat mine_safety.x area   an area alert (within
//   sending hours) > broadcast mine_safety herat mine_safety.x district injil   to one district of
//   the area, and
//                                                     those whose district is not known
//   > broadcast mine_safety herat mine_safety.x district injil, known only   not them
// Output:
//   < CON … / < END …          the screen (new lines as \n)
//   = sms to N (enc, parts): … a message queued ("cancelled" when it will not be sent,
//                              "held until T" when sending hours keep it back, "series N" when it
//                              is an occurrence of reminder series N); once due, it is sent (as
//                              the outbox would mark it) after the step that queued it
//   = job KIND at TIME         work scheduled
//   = inbox from N: …          for the human inbox ("from N, someone hurt" / "nobody hurt": a
//   hazard
//                              report's answer; ", urgent": the words of someone in danger)
//   = contact N: k=v …         contact fields after a change
//   = booking CODE: …          a booking made or changed (clinic, day, window, status; ", will
//   come" or
//                              ", unconfirmed": the day-before reminder's answer, or none in time)
//   = escalation N: …          a patient on a health worker's call list ("high": within a working
//                              day, "low"), and when it closes
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "gateway/actions/appointments.hpp"
#include "gateway/actions/calls.hpp"
#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
#include "gateway/auth/pin.hpp"
#include "gateway/core/duration.hpp"
#include "gateway/flow/engine.hpp"
#include "gateway/flow/flow.hpp"
#include "gateway/runner/runner.hpp"
#include "gateway/store/rules.hpp"
#include "gateway/store/writer.hpp"
#include "gateway/text/catalog.hpp"
#include "gateway/text/readers.hpp"
#include "gateway/text/segments.hpp"
#include "tests/support/store_support.hpp"
#include "tests/support/support.hpp"

using namespace paygham;
namespace fs = std::filesystem;

namespace {

constexpr core::unix_ms clock_start = 1'795'939'200'000;  // 2026-11-29T08:00:00Z

std::string src(const std::string& rel) { return std::string(PAYGHAM_SOURCE_DIR) + "/" + rel; }

std::string one_line(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string iso(core::unix_ms ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

struct transcript {
  std::map<std::string, std::string> header;
  std::vector<std::string> header_lines;  // as written
  std::vector<std::string> inputs;        // without "> "
};

transcript read_transcript(const std::string& path) {
  transcript t;
  std::istringstream in(test::read_file(path));
  bool body = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("> ", 0) == 0) {
      body = true;
      t.inputs.push_back(line.substr(2));
    } else if (!body && line.rfind("#", 0) == 0) {
      t.header_lines.push_back(line);
      const auto colon = line.find(':');
      if (line.rfind("# ", 0) == 0 && colon != std::string::npos) {
        const auto value_at = line.find_first_not_of(' ', colon + 1);
        t.header[line.substr(2, colon - 2)] = value_at == std::string::npos ? "" : line.substr(value_at);
      }
    }
  }
  return t;
}

// One conversation: a temporary config, store and runner on a virtual clock.
class player {
 public:
  explicit player(const transcript& t) : t_(t) {
    fs::create_directories(dir_.file("flows"));
    for (const auto& f : words(t.header.at("flows"))) {
      fs::copy_file(src(f), dir_.file("flows/" + fs::path(f).filename().string()));
    }
    std::string templates = src("templates");
    if (auto it = t.header.find("templates"); it != t.header.end()) {
      templates = dir_.file("templates");
      fs::create_directories(templates);
      // Each text of the fixture added to (or in place of) the shipped one of its key.
      for (const auto& e : fs::directory_iterator(src(it->second))) {
        const std::string name = e.path().filename().string();
        YAML::Node texts = YAML::LoadFile(src("templates/" + name));
        for (const auto& section : YAML::LoadFile(e.path().string())) {
          for (const auto& text : section.second) texts[section.first.Scalar()][text.first.Scalar()] = text.second;
        }
        YAML::Emitter merged;
        merged << texts;
        test::write_file(templates + "/" + name, merged.c_str());
      }
    }
    std::string quiet;
    if (auto it = t.header.find("quiet_hours"); it != t.header.end()) quiet = ", quiet_hours: \"" + it->second + "\"";
    std::string more;  // top-level config the header adds
    if (auto it = t.header.find("clinics"); it != t.header.end()) more = "clinics: " + src(it->second) + "\n";
    if (auto it = t.header.find("programmes"); it != t.header.end()) more += "programmes: " + it->second + "\n";
    if (auto it = t.header.find("holidays"); it != t.header.end()) more += "holidays: " + src(it->second) + "\n";
    if (auto it = t.header.find("districts"); it != t.header.end()) more += "districts: " + src(it->second) + "\n";
    if (auto it = t.header.find("ussd_route"); it != t.header.end()) {
      more += "ussd_profiles: {route: " + it->second + "}\n"
              "channels: [{id: at, type: africastalking, allow_ips: [127.0.0.1], ussd_profile: route}]\n";
    }
    std::string languages;
    if (auto it = t.header.find("languages"); it != t.header.end()) {
      for (const auto& l : words(it->second)) languages += (languages.empty() ? "" : ", ") + l;
    }
    const auto default_language = t.header.find("default_language");
    // The countries whose numbers are national and served (a health worker enrols their mobiles).
    std::string region = "AF";
    if (auto it = t.header.find("region"); it != t.header.end()) {
      region.clear();
      for (const auto& r : words(it->second)) region += (region.empty() ? "[" : ", ") + r;
      region += "]";
    }
    test::write_file(dir_.file("paygham.yaml"),
                     "store: {path: " + dir_.file("golden.db") +
                         ", synchronous: normal}\n"
                         "defaults: {region: " +
                         region + ", timezone: Asia/Kabul, language: " +
                         (default_language == t.header.end() ? "en" : default_language->second) +
                         ", emergency_number: \"112\","
                         " emergency_numbers: {IR: \"115\"}, crisis_lines: {IR: [123, 1480]}" +
                         quiet + ", languages: [" + languages +
                         "]}\n"
                         "flows: " +
                         dir_.file("flows") +
                         "\n"
                         "templates: " +
                         templates +
                         "\n"
                         "lexicon: " +
                         src("lexicon") +
                         "\n"
                         // What tests/fixtures/flows/golden keeps on a person (R-D2).
                         "contact_fields: {camp: \"where the outreach team finds them\","
                         " alt_phone: \"another number to reach them\"}\n" +
                         more);
    auto cfg = app::load_config(dir_.file("paygham.yaml"));
    REQUIRE(cfg);
    cfg_ = cfg.value();
    std::vector<std::string> problems;
    auto content = app::load_content(cfg_, problems);
    for (const auto& p : problems) UNSCOPED_INFO(p);
    REQUIRE(problems.empty());
    if (test::engine_under_test() == store::backend::postgresql) {
      cfg_.store.engine = store::backend::postgresql;
      cfg_.store.url = test::fresh_postgresql_database();
    }
    cfg_.store.clock = [this] { return now_.load(); };
    writer_ = store::open_writer(cfg_.store);
    runner_ = std::make_unique<runner::runner>(content, app::runner_settings(cfg_));
    if (auto it = t.header.find("workers"); it != t.header.end()) {
      static const std::regex worker(R"re((\+\d+)@(\w+):(\d+)(?:@(\d\d:\d\d-\d\d:\d\d))?)re");
      for (const auto& w : words(it->second)) {
        std::smatch m;
        REQUIRE(std::regex_match(w, m, worker));
        store::user u;
        u.name = "Worker " + std::string(m[1]).substr(std::string(m[1]).size() - 3);
        u.role = "health_worker";
        u.phone = m[1];
        u.facility = m[2];
        u.pin_hash = auth::hash_pin(std::string(m[3]));
        u.duty = m[4];
        test::in_tx(*writer_, [&](store::tx& tx) { tx.add_user(u); });
      }
    }
    if (auto it = t.header.find("supervisors"); it != t.header.end()) {
      // +93700000950@golshahr: a health worker of the clinic who supervises it (no PIN).
      for (const auto& word : words(it->second)) {
        const auto at = word.find('@');
        REQUIRE(at != std::string::npos);
        store::user u;
        u.name = "Supervisor " + word.substr(at - 3, 3);
        u.role = "health_worker";
        u.phone = word.substr(0, at);
        u.facility = word.substr(at + 1);
        u.supervisor = true;
        test::in_tx(*writer_, [&](store::tx& tx) { tx.add_user(u); });
      }
    }
    if (auto it = t.header.find("operators"); it != t.header.end()) {
      for (const auto& word : words(it->second)) {
        // +93700000800, or +93700000801@09:00-12:00 for one with duty hours.
        const auto at = word.find('@');
        store::user u;
        u.name = "Operator";
        u.role = "operator";
        u.phone = word.substr(0, at);
        if (at != std::string::npos) u.duty = word.substr(at + 1);
        test::in_tx(*writer_, [&](store::tx& tx) { tx.add_user(u); });
      }
    }
    // A person's own fields, as the API sets them: the month names they read, and the
    // languages they read after their own (R-L2).
    for (const auto& [header, field] : {std::pair{"months", "months"}, std::pair{"reads", "languages"}}) {
      if (auto it = t.header.find(header); it != t.header.end()) {
        for (const auto& word : words(it->second)) {
          const auto at = word.find('@');
          test::in_tx(*writer_, [&, field = field](store::tx& tx) {
            tx.set_contact_fields(tx.upsert_contact(word.substr(0, at)).id, {{field, word.substr(at + 1)}});
          });
        }
      }
    }
    if (auto it = t.header.find("shared_phone"); it != t.header.end()) {
      for (const auto& phone : words(it->second)) {
        test::in_tx(*writer_, [&](store::tx& tx) {
          tx.set_phone_privacy(tx.upsert_contact(phone).id, "yes", false, "user:1");
        });
      }
    }
    if (auto it = t.header.find("own_quiet_hours"); it != t.header.end()) {
      for (const auto& word : words(it->second)) {
        const auto at = word.find('@');
        test::in_tx(*writer_, [&](store::tx& tx) {
          tx.set_quiet_hours(tx.upsert_contact(word.substr(0, at)).id, word.substr(at + 1));
        });
      }
    }
  }

  std::string play() {
    std::string out;
    for (const auto& l : t_.header_lines) out += l + "\n";
    for (const auto& input : t_.inputs) {
      out += "> " + input + "\n";
      now_ += 1000;
      counted_ = false;
      std::string shown = step(input);  // first: effects() reads what the step stored
      shown += effects();
      out += masked(counted_ ? counted(shown) : std::move(shown));
    }
    return out;
  }

 private:
  std::string step(const std::string& input) {
    static const std::regex dial(R"re(ussd (\S+) from (\S+) \(session (\S+)\))re");
    static const std::regex sms(R"re(sms "(.*)" from (\S+))re");
    static const std::regex reply(R"re("(.*)")re");
    std::smatch m;
    if (std::regex_match(input, m, dial)) {
      phone_ = m[2];
      session_ = m[3];
      code_ = m[1];
      text_.clear();
      // *384*12*1*2#: the flow's code, and the digits after it as the first hop's text.
      for (const auto& f : runner_->current()->flows.all()) {
        for (const auto& c : f->ussd_codes) {
          const std::string stem = c.substr(0, c.size() - 1) + "*";
          if (code_.rfind(stem, 0) == 0) {
            text_ = code_.substr(stem.size(), code_.size() - stem.size() - 1);
            code_ = c;
          }
        }
      }
      return hop();
    }
    if (std::regex_match(input, m, reply)) {
      // Africa's Talking sends every answer of the session so far, joined by '*'.
      text_ = text_.empty() ? std::string(m[1]) : text_ + "*" + std::string(m[1]);
      return hop();
    }
    if (std::regex_match(input, m, sms)) {
      std::string text = m[1];
      for (const auto& [name, order] : {std::pair{"{transfer_code}", "DESC"}, std::pair{"{first_transfer_code}", "ASC"}}) {
        if (const auto at = text.find(name); at != std::string::npos) {
          // The store keeps only its hash: the code is the one the SMS that gave it showed.
          const auto hash = test::value(
              cfg_.store,
              std::string("SELECT COALESCE((SELECT code_hash FROM transfer_codes ORDER BY expires_at ") +
                  order + ", code_hash " + order + " LIMIT 1), '')");
          INFO("no SMS before this one showed the transfer code " << name << " stands for");
          REQUIRE(codes_.contains(hash));
          text.replace(at, std::string_view(name).size(), codes_.at(hash));
        }
      }
      const core::inbound_sms in{"at", "m" + std::to_string(++sms_seq_), m[2], "384", text, 0};
      test::in_tx(*writer_, [&](store::tx& t) { runner_->apply_sms(t, in); });
      return "";
    }
    if (input.rfind("wait ", 0) == 0) {
      std::string span = input.substr(5);
      if (const auto comma = span.find(", counted"); comma != std::string::npos && comma + 9 == span.size()) {
        counted_ = true;
        span.resize(comma);
      }
      auto d = core::parse_duration(span);
      REQUIRE(d);
      const core::unix_ms until = now_.load() + d.value().count();
      const auto run_due = [&] {
        for (int i = 0; i < 100; ++i) {
          const auto did = test::in_tx(*writer_, [&](store::tx& t) { return runner_->tick(t); });
          if (!did.any()) break;
        }
      };
      // Each job runs at its own time, as the gateway's timer runs it, not all at the end (a
      // lesson and a broadcast on one day count against each other, R-S9).
      for (int i = 0; i < 10'000; ++i) {
        const auto due = test::in_tx(*writer_, [](store::tx& t) { return t.next_job_due(); });
        if (due == 0 || due > until) break;
        now_ = std::max(now_.load(), static_cast<core::unix_ms>(due));
        run_due();
      }
      now_ = until;
      run_due();
      return "";
    }
    static const std::regex broadcast(
        R"re(broadcast (\S+) (\S+) (\S+)(?: (area|education))?(?: district ([a-z_]+)(, known only)?)?)re");
    if (std::regex_match(input, m, broadcast)) {
      store::broadcast b;
      b.topic = m[1];
      b.area = m[2];
      b.template_key = m[3];
      b.district = m[5];
      b.unknown_district = !m[6].matched;
      REQUIRE_FALSE(runner::check_district(b, runner_->current()->districts));
      INFO("broadcast of " << b.template_key);
      REQUIRE(runner_->current()->texts.resolve(b.template_key, {"en"}));  // a misspelt key would send nothing
      // By the rules the API and the command line use (sending hours for area and education).
      REQUIRE_FALSE(runner::plan_broadcast(b, {m[4].matched ? m[4].str() : "alert", now_.load(), 0, 0, "user:1"},
                                           runner_->config()));
      if (b.awaiting_approval()) b.approved_by = "user:2";  // an alert, approved by a second person
      test::in_tx(*writer_, [&](store::tx& t) {
        b.audience = t.count_audience(b);
        runner::start_broadcast(t, b);
      });
      for (int i = 0; i < 100; ++i) {
        if (!test::in_tx(*writer_, [&](store::tx& t) { return runner_->tick(t); }).any()) break;
      }
      return "";
    }
    static const std::regex leaves(R"re(worker (\S+) leaves)re");
    if (std::regex_match(input, m, leaves)) {
      test::in_tx(*writer_, [&](store::tx& t) {
        const auto u = t.find_user_by_phone(m[1].str());
        REQUIRE(u);
        actions::disable_user(t, *u);
      });
      return "";
    }
    static const std::regex cancels(R"re(clinic cancels (\d{4}))re");
    if (std::regex_match(input, m, cancels)) {
      const std::string id = test::value(cfg_.store, "SELECT COALESCE((SELECT CAST(id AS TEXT) FROM bookings WHERE code = '" + m[1].str() +
                                                          "' AND status = 'booked'), '')");
      REQUIRE_FALSE(id.empty());
      test::in_tx(*writer_, [&](store::tx& t) {
        const auto b = t.find_booking(std::stoll(id));
        REQUIRE(b);
        REQUIRE(actions::cancel_by_clinic(t, *b, "appointments", "clinic_cancelled"));
      });
      return "";
    }
    static const std::regex closes(R"re(clinic (\w+) closes (\S+))re");
    if (std::regex_match(input, m, closes)) {
      const auto d = text::read_date(m[2].str());
      REQUIRE(d);
      test::in_tx(*writer_, [&](store::tx& t) {
        REQUIRE(actions::close_clinic_day(t, m[1].str(), text::day_number(*d), "user:1", "appointments", "clinic_cancelled"));
      });
      return "";
    }
    if (input == "session ends") {
      const core::session_end e{"at", session_, phone_, false};
      test::in_tx(*writer_, [&](store::tx& t) { runner_->end_session(t, e); });
      return "";
    }
    if (input.rfind("reload ", 0) == 0) {
      const std::string file = src(input.substr(7));
      fs::copy_file(file, dir_.file("flows/" + fs::path(file).filename().string()),
                    fs::copy_options::overwrite_existing);
      std::vector<std::string> problems;
      auto fresh = app::load_content(cfg_, problems);
      REQUIRE(problems.empty());
      runner_->reload(fresh);
      return "";
    }
    FAIL("cannot read the transcript line: > " + input);
    return "";
  }

  std::string hop() {
    const core::ussd_request u{"at", session_, phone_, code_, text_, "41201"};
    const auto r = test::in_tx(*writer_, [&](store::tx& t) { return runner_->apply_ussd(t, u); });
    return std::string(r.end ? "< END " : "< CON ") + one_line(r.text) + "\n";
  }

  // Each line once, in the order first seen, with "N× " before it when it came N times; a job's
  // time is left out so the same job on each day counts as one line.
  static std::string counted(const std::string& lines) {
    static const std::regex job_time(R"re(^(= job \S+) at \S+$)re");
    std::vector<std::string> order;
    std::map<std::string, int> times;
    std::istringstream in(lines);
    for (std::string line; std::getline(in, line);) {
      line = std::regex_replace(line, job_time, "$1");
      if (times[line]++ == 0) order.push_back(line);
    }
    std::string out;
    for (const auto& line : order) {
      out += (times[line] > 1 ? std::to_string(times[line]) + "× " : "") + line + "\n";
    }
    return out;
  }

  // Codes drawn at random (transfer codes) read as their name, so the transcript stays the same.
  // The store keeps only their hashes: a code is any 6 digits shown (in either script) whose
  // hash it holds.
  std::string masked(std::string out) {
    std::set<std::string> kept;
    for (const auto& row : test::rows(cfg_.store, "SELECT code_hash FROM transfer_codes"))
      kept.insert(row[0]);
    if (!kept.empty()) {
      const auto salt =
          test::value(cfg_.store, "SELECT value FROM deployment WHERE name = 'suppression_salt'");
      for (const auto& code : six_digit_runs(out)) {
        if (const auto hash = store::transfer_code_hash(salt, code); kept.contains(hash))
          codes_[hash] = code;
      }
    }
    for (const auto& [hash, code] : codes_) {
      for (const auto& shown : {code, persian_digits(code)}) {
        for (auto at = out.find(shown); at != std::string::npos; at = out.find(shown, at)) {
          out.replace(at, shown.size(), "{transfer_code}");
        }
      }
    }
    return out;
  }

  // Every run of exactly 6 digits (ASCII or Persian) in `text`, in ASCII digits.
  static std::vector<std::string> six_digit_runs(const std::string& text) {
    std::vector<std::string> out;
    std::string run;
    const auto end_run = [&] {
      if (run.size() == 6) out.push_back(run);
      run.clear();
    };
    for (std::size_t i = 0; i < text.size();) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c >= '0' && c <= '9') {
        run += static_cast<char>(c);
        ++i;
      } else if (c == 0xDB && i + 1 < text.size() &&
                 static_cast<unsigned char>(text[i + 1]) >= 0xB0 &&
                 static_cast<unsigned char>(text[i + 1]) <= 0xB9) {  // ۰ to ۹: U+06F0 to U+06F9
        run += static_cast<char>('0' + (static_cast<unsigned char>(text[i + 1]) - 0xB0));
        i += 2;
      } else {
        end_run();
        ++i;
      }
    }
    end_run();
    return out;
  }

  static std::string persian_digits(const std::string& ascii) {
    static const char* digits[] = {"۰", "۱", "۲", "۳", "۴", "۵", "۶", "۷", "۸", "۹"};
    std::string out;
    for (const char c : ascii) out += digits[c - '0'];
    return out;
  }

  // What the step left in the store: messages, jobs, inbox items, contact fields.
  std::string effects() {
    const auto& so = cfg_.store;
    std::string out;
    for (const auto& m : test::rows(so, "SELECT id, to_phone, body, status, next_at, created_at,"
                                        " COALESCE(series_id, 0) FROM outbound_messages"
                                        " WHERE id > " + std::to_string(seen_msg_) + " ORDER BY id")) {
      seen_msg_ = std::stoll(m[0]);
      const auto measured = text::measure_sms(m[2]);
      out += "= sms to " + m[1] + " (" + text::to_string(measured.enc) + ", " + std::to_string(measured.parts) +
             (measured.parts == 1 ? " part" : " parts") + (m[3] == "cancelled" ? ", cancelled" : "") +
             (std::stoll(m[4]) > std::stoll(m[5]) ? ", held until " + iso(std::stoll(m[4])) : "") +
             (m[6] != "0" ? ", series " + m[6] : "") + "): " + one_line(m[2]) + "\n";
    }
    for (const auto& j : test::rows(so, "SELECT id, kind, due_at FROM jobs WHERE id > " + std::to_string(seen_job_) +
                                            " ORDER BY id")) {
      seen_job_ = std::stoll(j[0]);
      out += "= job " + j[1] + " at " + iso(std::stoll(j[2])) + "\n";
    }
    // What is due goes, as the outbox would send it (a stop after it cancels only what still
    // waits); what sending hours hold back waits for its time.
    const auto due =
        test::rows(so, "SELECT id FROM outbound_messages WHERE status = 'queued' AND next_at <= " +
                           std::to_string(now_.load()));
    if (!due.empty()) {
      test::in_tx(*writer_, [&](store::tx& tx) {
        for (const auto& m : due)
          tx.set_message_status(std::stoll(m[0]), core::message_status::sent, "send", "200");
      });
    }
    // Each item when it comes, and again when the person's answers to it change.
    // "in guzara": the district its place names (R-M4).
    for (const auto& i : test::rows(so, "SELECT i.id, c.phone, i.body, i.someone_hurt, i.urgent, i.may_call, i.district"
                                        " FROM inbox i JOIN contacts c ON c.id = i.contact_id ORDER BY i.id")) {
      const std::string now = "= inbox from " + i[1] + (i[6].empty() ? "" : " in " + i[6]) +
                              (i[3] == "1" ? ", someone hurt" : i[3] == "0" ? ", nobody hurt" : "") +
                              (i[4] == "1" ? ", urgent" : "") +
                              (i[5] == "1" ? ", may be called back" : i[5] == "0" ? ", not to be called" : "") + ": " +
                              one_line(i[2]) + "\n";
      if (inbox_[i[0]] != now) out += now;
      inbox_[i[0]] = now;
    }
    for (const auto& b : test::rows(so, "SELECT id, code, clinic, service, day, window_from, status, for_whom,"
                                        " updated_at, reminder_answer FROM bookings ORDER BY id")) {
      // ", will come" / ", unconfirmed": the day-before reminder's answer, or none in time.
      const std::string answer = b[9] == "coming" ? ", will come" : b[9] == "none" ? ", unconfirmed" : "";
      const std::string now = b[2] + " " + b[3] + " day " + b[4] + " at " + b[5] + " for " + b[7] + ": " + b[6] + answer;
      if (bookings_[b[0]] != now) out += "= booking " + b[1] + ": " + now + "\n";
      bookings_[b[0]] = now;
    }
    for (const auto& e : test::rows(so, "SELECT e.id, u.phone, c.phone, e.misses,"
                                        " CASE WHEN e.resolved_at IS NULL THEN 'open' ELSE 'closed' END, e.reason,"
                                        " e.priority"
                                        " FROM escalations e JOIN users u ON u.id = e.worker_id"
                                        " JOIN contacts c ON c.id = e.contact_id ORDER BY e.id")) {
      // Why: unanswered reminders in a row (the last a medicine said not taken: "missed, not
      // taken"), or another reason (a number to check, visits missed, a call asked for); then how
      // soon, unless normal (or urgent, which the reason says).
      const std::string how_soon = e[6] == "1" ? ", high" : e[6] == "3" ? ", low" : "";
      const std::string why = (e[5] == "no_reply"    ? e[3] + " unanswered"
                               : e[5] == "not_taken" ? e[3] + " missed, not taken"
                                                     : e[5]) +
                              how_soon;
      const std::string now = "call " + e[2] + " for " + e[1] + " (" + why + ")" + ": " + e[4];
      // Numbered as they first appear: PostgreSQL's ids may skip one (an insert that found the
      // call open already takes a number too).
      const auto number = shown_escalations_.emplace(e[0], shown_escalations_.size() + 1).first->second;
      if (escalations_[e[0]] != now) out += "= escalation " + std::to_string(number) + ": " + now + "\n";
      escalations_[e[0]] = now;
    }
    for (const auto& c : test::rows(so, "SELECT phone, fields, opted_out FROM contacts ORDER BY id")) {
      const std::string& phone = c[0];
      // Fields as compact JSON with sorted keys, whichever engine stored them (and in whatever
      // order).
      std::string now = nlohmann::json::parse(c[1]).dump();
      if (c[2] != "0") now += " (opted out)";
      if (fields_[phone] != now && !(fields_[phone].empty() && now == "{}")) {
        out += "= contact " + phone + ": " + now + "\n";
      }
      fields_[phone] = now;
    }
    return out;
  }

  const transcript& t_;
  test::temp_dir dir_;
  app::config cfg_;
  std::atomic<core::unix_ms> now_{clock_start};
  std::unique_ptr<store::writer> writer_;
  std::unique_ptr<runner::runner> runner_;
  std::string phone_, session_, code_, text_;
  bool counted_ = false;  // the step was a "wait …, counted"
  int sms_seq_ = 0;
  std::int64_t seen_msg_ = 0, seen_job_ = 0;
  std::map<std::string, std::string> fields_;
  std::map<std::string, std::string> bookings_, inbox_;
  std::map<std::string, std::string> codes_;  // a transfer code's hash → the code an SMS showed
  std::map<std::string, std::string> escalations_;
  std::map<std::string, std::size_t> shown_escalations_;  // database id → number shown
};

bool updating() {
  const char* v = std::getenv("PAYGHAM_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

}  // namespace

TEST_CASE("golden: every transcript plays as written", "[golden]") {
  const auto files = test::fixture_files("golden", ".txt");
  REQUIRE_FALSE(files.empty());
  for (const auto& file : files) {
    DYNAMIC_SECTION(fs::path(file).filename().string()) {
      const transcript t = read_transcript(file);
      REQUIRE(t.header.count("flows"));
      const std::string played = player(t).play();
      if (updating()) {
        test::write_file(file, played);
      } else {
        CHECK(played == test::read_file(file));
      }
    }
  }
}

TEST_CASE("golden: every shipped flow has a transcript", "[golden]") {
  std::set<std::string> covered;
  for (const auto& file : test::fixture_files("golden", ".txt")) {
    const transcript t = read_transcript(file);
    if (auto it = t.header.find("flows"); it != t.header.end()) {
      for (const auto& f : words(it->second)) covered.insert(f);
    }
  }
  for (const auto& e : fs::directory_iterator(src("flows"))) {
    if (e.path().extension() != ".yaml") continue;
    const std::string rel = "flows/" + e.path().filename().string();
    INFO(rel + " has no transcript in tests/fixtures/golden/ (write one; PAYGHAM_UPDATE_GOLDEN=1 fills it in)");
    CHECK(covered.count(rel) == 1);
  }
}

// The words of a text a transcript must show for it to have been played: its longest stretch
// between placeholders, as the transcript writes it (new lines as \\n, typographic marks as sent).
// Empty when that stretch has fewer than four letters (digits, spaces and marks do not count):
// too short to tell one text from another.
std::string played_words(const text::entry& e) {
  std::string best, part;
  const std::string body = e.smart ? text::smart_gsm(e.text) : e.text;
  const auto keep = [&] {
    const auto first = part.find_first_not_of(' ');
    const std::string trimmed = first == std::string::npos ? "" : part.substr(first, part.find_last_not_of(' ') - first + 1);
    if (trimmed.size() > best.size()) best = trimmed;
    part.clear();
  };
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '{') {
      keep();
      i = body.find('}', i);
      if (i == std::string::npos) break;
    } else {
      part += body[i];
    }
  }
  keep();
  std::size_t letters = 0;
  for (const char c : best) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x80 ? (b & 0xC0) != 0x80 : std::isalpha(b) != 0) ++letters;  // Persian digits count: rare alone
  }
  return letters < 4 ? "" : one_line(best);
}

// Acceptance of the programmes (docs/flows.md, "Transcripts"): every path of the shipped flows is
// played by a transcript in at least two languages, one of them Dari or Pashto. A path is read by
// its texts: each text a node of a shipped flow names (a question, an option, an `invalid`, an
// end, a text an action's arguments name) is seen in what the transcripts of that flow show (the
// screens and messages, not the inputs) in two languages with different words, Dari or Pashto
// among them. Only languages whose words can be told apart count (played_words): a text with
// such words in one language only ("نخیر", where the others say "No" or "نه") is seen in that
// one; a text with none anywhere is left out, as are the texts reached only after a fault.
TEST_CASE("golden: every text of the shipped flows is played in two languages, Dari or Pashto one of them",
          "[golden]") {
  std::map<std::string, std::string> shown;  // flow file → what its transcripts show
  for (const auto& file : test::fixture_files("golden", ".txt")) {
    const transcript t = read_transcript(file);
    std::string out;
    std::istringstream in(test::read_file(file));
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("< ", 0) == 0 || line.rfind("= ", 0) == 0) out += line + "\n";
    }
    for (const auto& f : words(t.header.at("flows"))) shown[f] += out;
  }
  std::vector<std::string> problems;
  const auto texts = text::catalog::load_dir(src("templates"), problems);
  const auto flows = flow::flow_set::load_dir(src("flows"), problems);
  REQUIRE(problems.empty());
  REQUIRE(flows.size() > 0);
  for (const auto& f : flows.all()) {
    // The nodes a run reaches only when an action failed (its `error` outcome: a fault of the
    // store or the config, not a way a person takes) are left out: tests/flow/engine_test.cpp
    // plays a failed action.
    std::set<std::string> reached{f->start};
    reached.insert(f->entries.begin(), f->entries.end());
    for (const auto& [id, n] : f->nodes) {
      std::multiset<std::string> to;
      for (const auto& t : n.targets()) to.insert(t);
      if (auto e = n.outcomes.find("error"); e != n.outcomes.end()) to.erase(to.find(e->second));
      reached.insert(to.begin(), to.end());
    }
    std::set<std::string> keys;
    for (const auto& [id, n] : f->nodes) {
      if (!reached.count(id)) continue;
      for (const auto& [key, where] : n.text_where) keys.insert(key);
      for (const auto& [arg, value] : n.args) {
        if (texts.find("en", value)) keys.insert(value);  // template: reminders.daily, …
      }
    }
    keys.erase("");
    // common.error, the gateway's "not available now", ends a flow after a fault only.
    keys.erase(std::string(flow::keys::error));
    if (!f->invite.empty()) keys.insert(f->invite);
    // A text's explicit variant (naming the care, for a phone nobody else reads: R-S10) is a
    // path of its own.
    for (const auto& key : std::set<std::string>(keys)) {
      const std::string variant = key + std::string(text::explicit_suffix);
      for (const auto& lang : texts.languages()) {
        if (texts.find(lang, variant)) keys.insert(variant);
      }
    }
    const std::string rel = "flows/" + fs::path(f->file).filename().string();
    const std::string& played = shown[rel];
    for (const auto& key : keys) {
      // Languages with the same words (Farsi written as Dari, "۱ یا ۲" in all three) count once.
      std::set<std::string> telling, seen_words;
      std::string seen;
      bool dari_or_pashto = false, dari_or_pashto_telling = false;
      for (const auto& lang : texts.languages()) {
        const auto* e = texts.find(lang, key);
        const std::string words = e ? played_words(*e) : "";
        if (words.empty()) continue;
        const bool dp = lang == "prs" || lang == "ps";
        telling.insert(words);
        dari_or_pashto_telling = dari_or_pashto_telling || dp;
        if (played.find(words) == std::string::npos) continue;
        seen += (seen.empty() ? "" : " ") + lang;
        seen_words.insert(words);
        dari_or_pashto = dari_or_pashto || dp;
      }
      if (telling.empty()) continue;
      INFO(rel << ": " << key << " is shown by its transcripts in: " << (seen.empty() ? "none" : seen)
               << ": write a transcript that reaches it in Dari or Pashto and one more language");
      CHECK(seen_words.size() >= std::min<std::size_t>(2, telling.size()));
      CHECK((dari_or_pashto || !dari_or_pashto_telling));
    }
  }
}
