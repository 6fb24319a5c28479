// The `paygham` subcommands. Exit codes: 0 success, 1 a user error (message on stderr),
// 2 a usage error.
#pragma once

#include <cstdint>
#include <optional>
#include <cstddef>
#include <string>

namespace paygham::app {

inline constexpr int exit_ok = 0;
inline constexpr int exit_user_error = 1;
inline constexpr int exit_usage = 2;
// A person's command waits for a gateway busy queuing a broadcast, rather than failing
// (SQLite: another process holds the write lock between its transactions).
inline constexpr std::int64_t command_busy_ms = 30'000;

// Parses the command line and runs the subcommand.
int run_cli(int argc, char** argv);

// `paygham serve`: serves until SIGINT/SIGTERM, then stops gracefully.
int serve(const std::string& config_path);

// `paygham lint`: checks config, flows and templates; prints every problem, as text on
// stderr or (json) as one object on stdout.
int lint(const std::string& config_path, bool json = false);

// `paygham migrate`: applies the store's missing migrations and prints the schema version.
int migrate(const std::string& config_path);

// `paygham encrypt`: encrypts a plain SQLite store in place with store.key (store::encrypt).
int encrypt(const std::string& config_path);

// `paygham backup`: a checked copy of the SQLite store, taken while it serves (store::backup).
int backup(const std::string& config_path, const std::string& to);

// `paygham restore`: a backup put in place of the stopped store, the old one kept (store::restore).
int restore(const std::string& config_path, const std::string& from);

struct simulate_options {
  std::string config = "config/paygham.yaml";
  std::string phone;
  std::string ussd_code;  // empty: SMS
  std::string lang;       // empty: as a new number would (the language picker, if any)
  std::string route;      // the `ussd_profiles` entry the phone dials by; empty: default
  std::string at;         // the simulated clock's start, ISO 8601 UTC; empty: now
};

// `paygham simulate`: a phone in the terminal on the real engine and a temporary store.
int simulate(const simulate_options& o);

struct broadcast_options {
  std::string config = "config/paygham.yaml";
  std::string topic;             // the programme: mine_safety
  std::string area;              // empty: every area
  std::string route;             // the crossing or route they come by (R-M1); empty: any
  std::string district;          // the district of `area` (the districts file's name); empty: any
  bool district_known_only = false;  // not those whose district is not known
  std::string text;              // a template key
  std::string priority = "area";  // alert (P1), area (P2), education (P3)
  bool yes = false;              // confirmed: send even to more than confirm_above people
  std::int64_t confirm_above = 1000;
  std::string by;                // the console login of who asks (required for an alert)
  std::string expires;           // a duration (6h): what is unsent then never goes; alerts: 24h
};

// `paygham broadcast approve|cancel --id N --by LOGIN`: a second person lets an urgent alert
// go, or it is refused.
int broadcast_decide(const std::string& config_path, const std::string& action, const std::string& id_text,
                     const std::string& by);

// One line from standard input; at a terminal with echo off, after `prompt` (a PIN, a password).
std::optional<std::string> read_secret_line(const char* prompt);

// `paygham broadcast`: stores a broadcast for the serving gateway to queue and send.
int broadcast(const broadcast_options& o);

// `paygham broadcast status ID`: its progress by state, once or (watch) every second until
// every message has its final state.
int broadcast_status(const std::string& config_path, const std::string& id, bool watch);

struct contacts_options {
  std::string config = "config/paygham.yaml";
  std::string action;  // import
  std::string file;    // the CSV file
  std::string channel;  // subscriptions' channel; empty: the first configured
  bool dry_run = false;
  std::size_t from_line = 0;  // resume: lines before it are skipped
};

// `paygham contacts import FILE.csv`: people in bulk, bad lines listed by number.
int contacts_import(const contacts_options& o);

struct inbox_options {
  std::string config = "config/paygham.yaml";
  std::string action;  // "" (list) or done
  std::string status;  // new (default), read, done, all
  std::string flow;    // mine_safety: hazard reports
  std::string limit;
  std::string id;
};

// `paygham inbox`: list what people wrote that no flow took; close an item.
int inbox(const inbox_options& o);

// `paygham districts`: what subscribers wrote as their district, by the districts file.
struct districts_options {
  std::string config = "config/paygham.yaml";
  std::string area;  // empty: every area
};
int districts(const districts_options& o);

struct report_options {
  std::string config = "config/paygham.yaml";
  std::string since;  // empty: 7 days ago
  std::string until;  // empty: now
  std::string format = "text";  // text (counts) or csv (a row a message)
};

// `paygham report deliveries`: messages of a period by channel and state, or as CSV.
int report_deliveries(const report_options& o);

struct user_options {
  std::string config = "config/paygham.yaml";
  std::string action;  // create, list, pin, password, disable
  std::string name;
  std::string role;
  std::string facility;
  std::string phone;
  std::string login;   // the web console's login name
  std::string duty;    // an operator's duty hours, "08:00-16:00"
  std::string language;     // create: the language of the menus and SMS on --phone ("prs")
  bool supervisor = false;  // a health worker who supervises their clinic (R-H3)
};

// `paygham user`: health workers (phone, PIN, clinic) and other users.
int user(const user_options& o);

struct token_options {
  std::string config = "config/paygham.yaml";
  std::string action;  // create, list, revoke
  std::string name;
  std::string role;
  std::string facility;
  std::string id;
};

// `paygham token`: API tokens (printed once; only a hash is kept).
int token(const token_options& o);

// `paygham segments`: encoding and SMS parts of a text (from stdin when `text` is empty),
// as JSON on stdout.
int segments(const std::optional<std::string>& text, bool smart);
// Every template in every language: encoding, units and parts with long values filled in, its
// budget, and the cost of 1,000 on each priced channel (R-S1), one tab-separated line each.
int template_segments(const std::string& config_path);

}  // namespace paygham::app
