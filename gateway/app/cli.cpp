#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/app/commands.hpp"
#include "gateway/core/utf8.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::app {
namespace {

constexpr const char* default_config = "config/paygham.yaml";

constexpr const char* main_help =
    "paygham: an SMS and USSD gateway for humanitarian programmes\n"
    "\n"
    "usage: paygham <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve      serve aggregator callbacks, the API and health checks\n"
    "  lint       check the config, flows and templates before they go live\n"
    "  migrate    bring the store's schema up to this version, then exit\n"
    "  encrypt    encrypt a SQLite store made before store.key was set, where it lies\n"
    "  backup     copy the SQLite store to a new file while the gateway serves, checked\n"
    "  restore    put a backup in place of the stopped store, keeping the one it replaces\n"
    "  broadcast  send an alert or an education message to a programme's subscribers\n"
    "  inbox      what people wrote that no flow took, and hazard reports: list, close\n"
    "  districts  what alert subscribers wrote as their district, by the districts file\n"
    "  report     what happened to the messages of a period: by channel and state, or CSV\n"
    "  contacts   import people from a CSV file (a partner's list), bad lines listed by number\n"
    "  user       people: health workers (phone, PIN) and console logins; list, disable, new PIN "
    "or password\n"
    "  token      API tokens for machines that call /api/v1: create, list, revoke\n"
    "  segments   how a text travels as SMS: encoding, length and parts\n"
    "  simulate   walk a flow as a phone would, in the terminal\n"
    "\n"
    "Run 'paygham <command> --help' for a command's options, 'paygham --version' for the "
    "version.\n";

constexpr const char* serve_help =
    "usage: paygham serve --config FILE\n"
    "\n"
    "Serves, on the address in server.listen, aggregator callbacks\n"
    "(POST /channels/{id}/{sms|ussd|status|events}), the API (/api/v1/, with tokens),\n"
    "the console (/console/), GET /healthz, GET /readyz and GET /metrics.\n"
    "SIGINT or SIGTERM stops it gracefully; SIGHUP reloads flows and templates\n"
    "(a set that fails lint is refused and the running one stays).\n"
    "\n"
    "options:\n"
    "  --config FILE   the config file (default config/paygham.yaml)\n"
    "  --help          this text\n";

constexpr const char* lint_help =
    "usage: paygham lint [--config FILE] [--format text|json]\n"
    "\n"
    "Checks the config, every flow and every template, and prints each problem as\n"
    "file:line:column: message. Exits 1 when there is any problem, 0 when all is well.\n"
    "Warnings (a combining mark that feature phones show as a box) are printed too but\n"
    "do not fail.\n"
    "\n"
    "options:\n"
    "  --config FILE   the config file (default config/paygham.yaml)\n"
    "  --format json   one JSON object on stdout, for editors: {\"ok\", \"problems\": [{\"file\",\n"
    "                  \"line\", \"column\", \"message\"}], \"warnings\": […], \"flows\", \"languages\",\n"
    "                  \"channels\"}\n"
    "  --help          this text\n";

constexpr const char* migrate_help =
    "usage: paygham migrate [--config FILE]\n"
    "\n"
    "Applies the store migrations this version has and the database lacks (store.backend:\n"
    "sqlite or postgresql), one at a time under a lock, so nodes starting together or an\n"
    "operator upgrading ahead of them never race. `paygham serve` does the same at start;\n"
    "run this to upgrade before the nodes. Prints the schema version.\n"
    "\n"
    "options:\n"
    "  --config FILE   the config file (default config/paygham.yaml)\n"
    "  --help          this text\n";

constexpr const char* encrypt_help =
    "usage: paygham encrypt [--config FILE]\n"
    "\n"
    "Encrypts the SQLite store at store.path with store.key (AES-256, 64 hex digits from an\n"
    "environment variable: key: ${PAYGHAM_STORE_KEY}), for a store made before the key was\n"
    "set; a new store is made encrypted. Stop the gateway first: the store is copied,\n"
    "checked and renamed over the plain file, and a store in use is refused. Keep the key\n"
    "safe and apart from the disk: without it the store cannot be read. The plain file's\n"
    "blocks stay on the disk until they are written over.\n"
    "\n"
    "options:\n"
    "  --config FILE   the config file (default config/paygham.yaml)\n"
    "  --help          this text\n";

constexpr const char* backup_help =
    "usage: paygham backup [--config FILE] --to FILE\n"
    "\n"
    "Copies the SQLite store at store.path to a new FILE while the gateway serves: the store\n"
    "as it was at one commit, in one file, compacted, then checked and synced to the disk.\n"
    "With store.key the copy is encrypted with the same key (keep the key, or the copy cannot\n"
    "be read); without it the copy holds phone numbers and health details as they are. An\n"
    "existing FILE is never written over. Back up on a schedule (a systemd timer, cron) to\n"
    "another disk; paygham restore puts a copy back. PostgreSQL: use pg_dump.\n"
    "\n"
    "options:\n"
    "  --config FILE   the config file (default config/paygham.yaml)\n"
    "  --to FILE       the new file to write\n"
    "  --help          this text\n";

constexpr const char* restore_help =
    "usage: paygham restore [--config FILE] --from FILE\n"
    "\n"
    "Puts the backup FILE (made by paygham backup) in place of the SQLite store at store.path.\n"
    "Stop the gateway first: a store in use is refused. The backup is checked before anything\n"
    "moves (it must open with store.key, or without a key when the store has none, and pass\n"
    "SQLite's check). The store it replaces is kept beside it, renamed\n"
    "<store.path>.before-restore-<time>, with its WAL. What happened after the backup was\n"
    "taken is not in it: replies and messages since then are not there, and messages the\n"
    "backup holds as unsent (it says how many) are sent at start while still valid, even\n"
    "those that went after the backup was taken. PostgreSQL: use pg_restore.\n"
    "\n"
    "options:\n"
    "  --config FILE   the config file (default config/paygham.yaml)\n"
    "  --from FILE     the backup to restore\n"
    "  --help          this text\n";

constexpr const char* segments_help =
    "usage: paygham segments [--smart] [TEXT]\n"
    "       paygham segments --templates [--config FILE]\n"
    "\n"
    "Prints as JSON how TEXT (or standard input, without its last newline) travels as SMS:\n"
    "encoding (GSM-7 or UCS-2), length in septets or UTF-16 code units, the number of parts,\n"
    "the units in each, and the characters that forced UCS-2.\n"
    "\n"
    "With --templates: every text of the config's templates in every language, one\n"
    "tab-separated line each (a spreadsheet opens it): its encoding, units and parts with its\n"
    "placeholders filled with long values (the worst case), its part budget, and what 1,000\n"
    "recipients of it cost on each channel with a tariff.\n"
    "\n"
    "options:\n"
    "  --smart         first replace typographic quotes, dashes, ellipses and odd spaces with\n"
    "                  GSM-7 ones, as templates marked smart are sent\n"
    "  --templates     every template, as above\n"
    "  --config FILE   with --templates: the config file (default config/paygham.yaml)\n"
    "  --help          this text\n";

constexpr const char* simulate_help =
    "usage: paygham simulate [--config FILE] --phone NUMBER (--ussd CODE | --sms) [--lang L]\n"
    "                        [--ussd-route R] [--at TIME]\n"
    "\n"
    "Runs the flows of the config on the real engine with a temporary store, as the phone\n"
    "NUMBER would: --ussd CODE dials a USSD code and reads each answer from standard input,\n"
    "one a line, until an END screen; --sms reads each line as an SMS sent to the gateway and\n"
    "shows the messages it queues. Each screen and message is followed by its encoding,\n"
    "length and SMS parts. Standard input can be a file, to script a session.\n"
    "A line ':wait 25h' moves the simulated clock on instead (10s, 15m, 25h, 2d), so SMS\n"
    "timeouts and dropped USSD sessions can be seen; what falls due is shown. A line ':dial'\n"
    "(USSD) hangs up and dials again, as a person whose session dropped would. A message the\n"
    "gateway would not send now says why: opted out, or held by sending hours. With --sms,\n"
    "a blank line is skipped, not sent as an empty SMS.\n"
    "\n"
    "options:\n"
    "  --config FILE   the config file (default config/paygham.yaml); --config=FILE too\n"
    "  --phone NUMBER  the simulated phone number (national numbers in defaults.region)\n"
    "  --ussd CODE     dial this USSD code, e.g. '*384*12#'\n"
    "  --sms           exchange SMS instead\n"
    "  --lang L        the contact's language (fa, prs, ps, en); without it the number is new\n"
    "  --ussd-route R  dial by this route of ussd_profiles (default: default): on one without\n"
    "                  UCS-2, see the screens in Latin letters, or by digits, as its phones do\n"
    "  --at TIME       start the simulated clock here (2026-11-29T20:00:00Z); default now\n"
    "  --help          this text\n";

constexpr const char* districts_help =
    "usage: paygham districts [--config FILE] [--area AREA]\n"
    "\n"
    "What people subscribing to alerts wrote as their district, by area: how many are in each\n"
    "district of the districts file (config districts:), and the words no district's spellings\n"
    "match yet, most written first. Add those you recognise to their district in the file and\n"
    "reload the gateway: alerts to one district (paygham broadcast --district) then reach them.\n"
    "Nothing is changed by this command.\n"
    "\n"
    "options:\n"
    "  --config FILE  the config file (default config/paygham.yaml)\n"
    "  --area AREA    one area, e.g. herat; default every area\n"
    "  --help         this text\n";

constexpr const char* broadcast_help =
    "usage: paygham broadcast [--config FILE] --topic PROGRAMME --text KEY [--area AREA]\n"
    "                         [--route ROUTE] [--district D [--district-known-only]]\n"
    "                         [--priority alert|area|education] [--by LOGIN]\n"
    "                         [--expires DURATION] [--yes]\n"
    "       paygham broadcast approve|cancel [--config FILE] --id N --by LOGIN\n"
    "       paygham broadcast status [--config FILE] --id N [--watch]\n"
    "\n"
    "Sends the template KEY to everyone subscribed to PROGRAMME in AREA (every area without\n"
    "--area) who comes by ROUTE (any route without --route), in district D of AREA (the whole\n"
    "area without --district), each in their own language (the default language's text where\n"
    "theirs lacks it).\n"
    "People who stopped the programme or everything, and numbers found unreachable, are left\n"
    "out. The serving gateway queues the messages in batches and sends them; this command only\n"
    "stores the broadcast and prints its number. More than 1000 people need --yes, after you\n"
    "have checked the area and the text.\n"
    "\n"
    "An urgent alert (--priority alert) goes only when a second person approves it: whoever asks\n"
    "names themself with --by and types their console password (read from standard input), and\n"
    "another admin or operator runs 'approve' with their own login and password (or approves it\n"
    "in the console); 'cancel' refuses it. It expires after 24 hours (--expires, 72h at most):\n"
    "what is unsent by then is never sent.\n"
    "\n"
    "'cancel' also stops a broadcast found wrong once it is under way, held for sending hours or\n"
    "for later: nobody more is queued, and its messages not yet sent are cancelled (those\n"
    "already with the aggregator cannot be called back).\n"
    "\n"
    "options:\n"
    "  --config FILE      the config file (default config/paygham.yaml)\n"
    "  --topic PROGRAMME  the programme people subscribed to, e.g. mine_safety\n"
    "  --area AREA        one area, e.g. herat; default every area\n"
    "  --route ROUTE      only those who said they come by this crossing or route, e.g.\n"
    "                     islam_qala (a value of the flow's route menu); default any\n"
    "  --district D       only those in this district of --area, e.g. injil (a name in the\n"
    "                     districts file, which says how people write it), and those whose\n"
    "                     district is not known (they may be there); 'paygham districts' lists\n"
    "                     what people wrote\n"
    "  --district-known-only  with --district: not those whose district is not known\n"
    "  --text KEY         the template to send, e.g. mine_safety.alert_floods\n"
    "  --priority P       alert: urgent (P1), first in the outbox and at any hour; area (P2,\n"
    "                     default) and education (P3): within sending hours\n"
    "  --yes              send it even to more than 1000 people\n"
    "  --by LOGIN         who asks (or approves, or cancels): an admin's or operator's console\n"
    "                     login (paygham user create --login), whose password is then asked;\n"
    "                     required for an alert\n"
    "  --expires D        what is not sent within D (30m, 6h, 2d) never is; default 24h for an\n"
    "                     alert, none otherwise\n"
    "  --id N             approve, cancel, status: the broadcast's number (printed when it was\n"
    "                     stored)\n"
    "  --watch            status: print it again every second until every message has its final\n"
    "                     state (delivered, failed, expired, cancelled or unconfirmed)\n"
    "  --help             this text\n";

constexpr const char* inbox_help =
    "usage: paygham inbox [--config FILE] [--status new|read|done|all] [--flow FLOW] [--limit N]\n"
    "       paygham inbox done [--config FILE] --id N\n"
    "\n"
    "Lists what people wrote that no flow took, newest first (new ones by default): number,\n"
    "time (UTC), masked phone, the flow that kept it (mine_safety: a hazard report), URGENT\n"
    "for the words of someone in danger (call them first), state, text.\n"
    "'done' closes an item. Answer people from the console (/console/) or the API, which keep\n"
    "who answered.\n"
    "\n"
    "options:\n"
    "  --config FILE    the config file (default config/paygham.yaml)\n"
    "  --status S       new (default), read, done or all\n"
    "  --flow FLOW      only what this flow kept (mine_safety for hazard reports)\n"
    "  --limit N        at most N (1 to 1000, default 50)\n"
    "  --id N           done: the item's number\n"
    "  --help           this text\n";

constexpr const char* report_help =
    "usage: paygham report deliveries [--config FILE] [--since WHEN] [--until WHEN] [--format text|csv]\n"
    "\n"
    "What happened to the messages created in a period (the last 7 days by default): counts by\n"
    "channel and state with the ten commonest reasons for failing (text), or one row a message,\n"
    "newest first (csv: id, created_at, updated_at, channel, programme, priority, status, error,\n"
    "broadcast, to). Numbers are masked (+93******001): a report leaves the building.\n"
    "\n"
    "options:\n"
    "  --config FILE    the config file (default config/paygham.yaml)\n"
    "  --since WHEN     2026-11-01 (midnight UTC) or 2026-11-29T20:00:00Z\n"
    "  --until WHEN     the same; default now\n"
    "  --format F       text (default) or csv\n"
    "  --help           this text\n";

constexpr const char* contacts_help =
    "usage: paygham contacts import [--config FILE] [--dry-run] [--from-line N] [--channel ID] FILE.csv\n"
    "\n"
    "Adds or updates people from a CSV file (UTF-8, as spreadsheets save it) whose first line\n"
    "names the columns:\n"
    "  phone        required: any format (national numbers are read in defaults.region)\n"
    "  language     a language of the templates: prs, ps, fa, en\n"
    "  languages    those the person also reads, in order, after their own (fa,en)\n"
    "  topic, area  subscribes the person to a programme's area (mine_safety, herat)\n"
    "  route        and the crossing or route they come by (islam_qala), for --route broadcasts\n"
    "  district     and the district, in words (Injil, انجیل), for --district broadcasts\n"
    "  other        a field kept on the person: name ({contact.name}), months, or one the config\n"
    "               declares with why (contact_fields); any other column is refused\n"
    "Importing never opts anyone in: a person who stopped messages stays stopped. Every line is\n"
    "checked first; the good ones are imported and the bad ones listed with their line number\n"
    "and why. Lines go in batches of 1000, each whole or not at all; the progress (a bar at a\n"
    "terminal, else a line every 10 %) says up to which line. An interrupted import is resumed\n"
    "with --from-line (the line after the last reported), or simply run again: importing a\n"
    "line twice changes nothing.\n"
    "\n"
    "options:\n"
    "  --config FILE    the config file (default config/paygham.yaml)\n"
    "  --dry-run        check every line, change nothing\n"
    "  --from-line N    skip the lines before line N\n"
    "  --channel ID     the channel subscriptions are sent on (default: the first configured)\n"
    "  --help           this text\n"
    "Exit: 0 every line imported, 1 bad lines (the good ones imported) or a problem, 2 usage.\n";

constexpr const char* user_help =
    "usage: paygham user create [--config FILE] --name NAME --role ROLE [--login LOGIN]\n"
    "                           [--facility CLINIC] [--phone NUMBER] [--duty HH:MM-HH:MM]\n"
    "                           [--supervisor] [--language L]\n"
    "       paygham user list [--config FILE]\n"
    "       paygham user pin [--config FILE] --phone NUMBER\n"
    "       paygham user password [--config FILE] --login LOGIN\n"
    "       paygham user disable [--config FILE] (--phone NUMBER | --login LOGIN)\n"
    "       paygham user supervisor [--config FILE] --phone NUMBER [--off]\n"
    "       paygham user duty [--config FILE] --phone NUMBER (--duty HH:MM-HH:MM | --off)\n"
    "\n"
    "People who work with Paygham. A health worker (--role health_worker) belongs to a clinic of\n"
    "the clinics file (--facility) and opens the health-worker menu from their own phone\n"
    "(--phone) with a PIN of 4 to 6 digits, which create and pin read from standard input (asked\n"
    "twice, unechoed, at a terminal). Only a hash of the PIN is kept. Five wrong PINs in a row\n"
    "lock the menu for 30 minutes; 'pin' sets a new PIN and unlocks it. 'disable' closes the\n"
    "menu to a lost phone or a worker who left, and ends their console sessions.\n"
    "\n"
    "With --login the person also logs in to the web console (/console/) with a password of 10\n"
    "or more characters, read from standard input after the PIN (one a line; asked twice at a\n"
    "terminal). Admins and operators need --login. 'password' sets a new one, unlocks the login\n"
    "and ends every session the user had. Only a hash of the password is kept.\n"
    "\n"
    "options:\n"
    "  --config FILE     the config file (default config/paygham.yaml)\n"
    "  --name NAME       how the person is shown to operators\n"
    "  --role ROLE       admin, operator or health_worker\n"
    "  --facility CLINIC a clinic id of the clinics file (health workers)\n"
    "  --phone NUMBER    the worker's phone, +98…, +93… or national in defaults.region\n"
    "  --login LOGIN     the console login: 3 to 32 of a-z, 0-9, '.', '_', '-'\n"
    "  --duty HH:MM-HH:MM duty hours on the person's phone's clock (08:00-16:00; 20:00-06:00 goes\n"
    "                    past midnight). An operator's: a hazard report nobody is hurt in reaches\n"
    "                    them then, and within sending hours still; urgent ones at once.\n"
    "                    A health worker's, on the days their clinic is open: the duty roster.\n"
    "                    Urgent words from their patient outside them go to a colleague of the\n"
    "                    clinic on duty (one without duty hours is reachable at any hour); with\n"
    "                    nobody on duty, to them and every operator at once. 'duty' sets them\n"
    "                    anew, or with --off removes them\n"
    "  --language L      the language of the menus and SMS on --phone (fa, prs, ps, en): the\n"
    "                    first dial then opens the menu, not the list of languages; without\n"
    "                    it, the phone chooses once as anyone's does\n"
    "  --supervisor      a health worker who supervises their clinic: told by SMS when a patient\n"
    "                    there must be called within one working day (two missed visits, a\n"
    "                    high-risk or late pregnancy); 'supervisor' makes an existing health\n"
    "                    worker one, or with --off no longer\n"
    "  --help            this text\n";

constexpr const char* token_help =
    "usage: paygham token create [--config FILE] --role ROLE --name NAME [--facility CLINIC]\n"
    "       paygham token list [--config FILE]\n"
    "       paygham token revoke [--config FILE] --id N\n"
    "\n"
    "Tokens let machines call the REST API (/api/v1, docs/api.md) with a role: admin,\n"
    "operator or health_worker (tied to a clinic with --facility). 'create' prints the token\n"
    "once on standard output; only its SHA-256 is stored, so a lost token is revoked and\n"
    "replaced. Each is sent as 'Authorization: Bearer <token>'. Making and revoking tokens\n"
    "goes to the audit log.\n"
    "\n"
    "options:\n"
    "  --config FILE     the config file (default config/paygham.yaml)\n"
    "  --role ROLE       admin, operator or health_worker\n"
    "  --name NAME       what uses it, for the list and the audit log\n"
    "  --facility CLINIC a clinic id of the clinics file (health_worker tokens)\n"
    "  --id N            the token's number, from 'paygham token list'\n"
    "  --help            this text\n";

// "--config=FILE" read as "--config FILE", as every command reads it.
std::vector<std::string> split_assignments(const std::vector<std::string_view>& args) {
  std::vector<std::string> split;
  for (const auto a : args) {
    const auto eq = a.find('=');
    if (a.rfind("--", 0) == 0 && eq != std::string_view::npos) {
      split.emplace_back(a.substr(0, eq));
      split.emplace_back(a.substr(eq + 1));
    } else {
      split.emplace_back(a);
    }
  }
  return split;
}

// A --name as lists and the audit log show it: at most 100 bytes, no control or direction
// characters (a terminal would act on them).
constexpr const char* name_rule = "--name is at most 100 bytes of letters, digits and signs, no control characters";
bool shown_name(const std::string& name) { return name.size() <= 100 && !core::has_control(name, false); }

// A command's options: "--name VALUE" into a string, "--flag" into a bool.
struct option {
  std::string_view name;
  std::string* value = nullptr;
  bool* flag = nullptr;
};

// Reads `args` into `options`. Returns an exit code when the command should stop here
// (--help printed, or a usage error explained), else nullopt.
std::optional<int> read_options(std::string_view command, const std::vector<std::string_view>& args,
                                std::initializer_list<option> options, const char* help) {
  const auto split = split_assignments(args);
  for (std::size_t i = 0; i < split.size(); ++i) {
    if (split[i] == "--help" || split[i] == "-h") {
      std::cout << help;
      return exit_ok;
    }
    const option* found = nullptr;
    for (const auto& o : options) {
      if (split[i] == o.name) found = &o;
    }
    if (found && found->flag) {
      *found->flag = true;
    } else if (found && found->value && i + 1 < split.size()) {
      *found->value = split[++i];
    } else {
      std::cerr << "paygham " << command << ": unexpected or incomplete '" << split[i] << "'\n\n" << help;
      return exit_usage;
    }
  }
  return std::nullopt;
}

// The word after a command that says what to do ("paygham user create …"), taken off `args`;
// "" when options come first.
std::string take_action(std::vector<std::string_view>& args) {
  if (args.empty() || args.front().rfind("-", 0) == 0) return {};
  std::string action(args.front());
  args.erase(args.begin());
  return action;
}

int usage_error(std::string_view command, std::string_view what, const char* help) {
  std::cerr << "paygham " << command << ": " << what << "\n\n" << help;
  return exit_usage;
}

struct parsed_args {
  std::string config = default_config;
  std::string format = "text";  // lint only
  bool help = false;
  std::string error;
};

parsed_args parse_common(const std::vector<std::string_view>& args) {
  parsed_args p;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      p.help = true;
    } else if (args[i] == "--config") {
      if (i + 1 >= args.size()) {
        p.error = "--config needs a file name";
        return p;
      }
      p.config = std::string(args[++i]);
    } else if (args[i].rfind("--config=", 0) == 0) {
      p.config = std::string(args[i].substr(9));
    } else if (args[i] == "--format") {
      if (i + 1 >= args.size() || (args[i + 1] != "text" && args[i + 1] != "json")) {
        p.error = "--format takes text or json";
        return p;
      }
      p.format = std::string(args[++i]);
    } else {
      p.error = "unknown option '" + std::string(args[i]) + "'";
      return p;
    }
  }
  return p;
}

}  // namespace

int run_cli(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << main_help;
    return exit_usage;
  }
  const std::string_view command = args.front();
  args.erase(args.begin());
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << main_help;
    return exit_ok;
  }
  if (command == "--version" || command == "version") {
    std::cout << "paygham " << PAYGHAM_VERSION << "\n";
    return exit_ok;
  }
  if (command == "simulate") {
    simulate_options o;
    bool sms = false;
    if (const auto stop = read_options(command, args,
                                       {{"--config", &o.config}, {"--phone", &o.phone}, {"--ussd", &o.ussd_code},
                                        {"--lang", &o.lang}, {"--ussd-route", &o.route}, {"--at", &o.at},
                                        {"--sms", nullptr, &sms}},
                                       simulate_help)) {
      return *stop;
    }
    if (o.phone.empty() || sms == !o.ussd_code.empty()) {
      return usage_error(command, "give --phone and one of --ussd CODE or --sms", simulate_help);
    }
    return simulate(o);
  }
  if (command == "broadcast" && !args.empty() && args.front() == "status") {
    args.erase(args.begin());
    std::string config = default_config, id;
    bool watch = false;
    if (const auto stop = read_options(command, args, {{"--config", &config}, {"--id", &id}, {"--watch", nullptr, &watch}},
                                       broadcast_help)) {
      return *stop;
    }
    if (id.empty()) return usage_error(command, "status needs --id", broadcast_help);
    return broadcast_status(config, id, watch);
  }
  if (command == "broadcast" && !args.empty() && (args.front() == "approve" || args.front() == "cancel")) {
    const std::string action(args.front());
    args.erase(args.begin());
    std::string config = default_config, id, by;
    if (const auto stop = read_options(command, args, {{"--config", &config}, {"--id", &id}, {"--by", &by}},
                                       broadcast_help)) {
      return *stop;
    }
    if (id.empty() || by.empty()) return usage_error(command, action + " needs --id and --by", broadcast_help);
    return broadcast_decide(config, action, id, by);
  }
  if (command == "broadcast") {
    broadcast_options o;
    if (const auto stop = read_options(command, args,
                                       {{"--config", &o.config}, {"--topic", &o.topic}, {"--area", &o.area},
                                        {"--route", &o.route}, {"--district", &o.district},
                                        {"--district-known-only", nullptr, &o.district_known_only}, {"--text", &o.text}, {"--priority", &o.priority}, {"--yes", nullptr, &o.yes},
                                        {"--by", &o.by}, {"--expires", &o.expires}},
                                       broadcast_help)) {
      return *stop;
    }
    if (o.priority != "alert" && o.priority != "area" && o.priority != "education") {
      return usage_error(command, "--priority is alert, area or education, not '" + o.priority + "'", broadcast_help);
    }
    if (o.topic.empty() || o.text.empty()) return usage_error(command, "give --topic and --text", broadcast_help);
    if (!o.route.empty() && !text::is_value_name(o.route)) {
      return usage_error(command, "--route is a value of the flow's route menu (a-z, 0-9 and _: islam_qala), not '" +
                                      o.route + "'",
                         broadcast_help);
    }
    if (o.district_known_only && o.district.empty()) {
      return usage_error(command, "--district-known-only goes with --district", broadcast_help);
    }
    if (o.priority == "alert" && o.by.empty()) {
      return usage_error(command, "an alert needs --by LOGIN: who asks (a second person approves it)", broadcast_help);
    }
    return broadcast(o);
  }
  if (command == "backup" || command == "restore") {
    const bool back_up = command == "backup";
    std::string config = default_config, file;
    if (const auto stop = read_options(
            command, args, {{"--config", &config}, {back_up ? "--to" : "--from", &file}},
            back_up ? backup_help : restore_help)) {
      return *stop;
    }
    if (file.empty()) {
      return usage_error(command,
                         back_up ? "name the new file: --to FILE" : "name the backup: --from FILE",
                         back_up ? backup_help : restore_help);
    }
    return back_up ? backup(config, file) : restore(config, file);
  }
  if (command == "districts") {
    districts_options o;
    if (const auto stop = read_options(command, args, {{"--config", &o.config}, {"--area", &o.area}}, districts_help)) {
      return *stop;
    }
    return districts(o);
  }
  if (command == "inbox") {
    inbox_options o;
    o.action = take_action(args);
    if (const auto stop = read_options(command, args,
                                       {{"--config", &o.config}, {"--status", &o.status}, {"--flow", &o.flow},
                                        {"--limit", &o.limit}, {"--id", &o.id}},
                                       inbox_help)) {
      return *stop;
    }
    if (!o.action.empty() && o.action != "done") return usage_error(command, "unknown '" + o.action + "'", inbox_help);
    return inbox(o);
  }
  if (command == "report") {
    report_options o;
    const std::string what = take_action(args);
    if (const auto stop = read_options(command, args,
                                       {{"--config", &o.config}, {"--since", &o.since}, {"--until", &o.until},
                                        {"--format", &o.format}},
                                       report_help)) {
      return *stop;
    }
    if (what != "deliveries") {
      return usage_error(command, what.empty() ? "say deliveries" : "unknown '" + what + "'", report_help);
    }
    if (o.format != "text" && o.format != "csv") return usage_error(command, "--format is text or csv", report_help);
    return report_deliveries(o);
  }
  if (command == "contacts") {
    contacts_options o;
    o.action = take_action(args);
    // The file comes last: "import --dry-run list.csv".
    if (!args.empty() && args.back().rfind("-", 0) != 0 &&
        (args.size() < 2 || (args[args.size() - 2] != "--config" && args[args.size() - 2] != "--channel" &&
                             args[args.size() - 2] != "--from-line"))) {
      o.file = std::string(args.back());
      args.pop_back();
    }
    std::string from_line;
    bool dry_run = false;
    if (const auto stop = read_options(command, args,
                                       {{"--config", &o.config}, {"--channel", &o.channel}, {"--from-line", &from_line},
                                        {"--dry-run", nullptr, &dry_run}},
                                       contacts_help)) {
      return *stop;
    }
    o.dry_run = dry_run;
    if (o.action != "import") {
      return usage_error(command, o.action.empty() ? "say import" : "unknown '" + o.action + "'", contacts_help);
    }
    if (o.file.empty()) return usage_error(command, "name the CSV file to import", contacts_help);
    if (!from_line.empty()) {
      const auto n = text::read_id(from_line);
      if (!n) return usage_error(command, "--from-line is a line number", contacts_help);
      o.from_line = static_cast<std::size_t>(*n);
    }
    return contacts_import(o);
  }
  if (command == "user") {
    user_options o;
    o.action = take_action(args);
    bool supervisor = false, off = false;
    if (const auto stop = read_options(command, args,
                                       {{"--config", &o.config},
                                        {"--name", &o.name},
                                        {"--role", &o.role},
                                        {"--facility", &o.facility},
                                        {"--phone", &o.phone},
                                        {"--login", &o.login},
                                        {"--duty", &o.duty},
                                        {"--language", &o.language},
                                        {"--supervisor", nullptr, &supervisor},
                                        {"--off", nullptr, &off}},
                                       user_help)) {
      return *stop;
    }
    o.supervisor = o.action == "supervisor" ? !off : supervisor;
    if (o.action == "duty" && (o.phone.empty() || o.duty.empty() == !off)) {
      return usage_error(command, "duty needs --phone, and --duty HH:MM-HH:MM or --off", user_help);
    }
    if (o.action == "create" && (o.name.empty() || o.role.empty())) {
      return usage_error(command, "create needs --name and --role", user_help);
    }
    if (!shown_name(o.name)) return usage_error(command, name_rule, user_help);
    if (!o.language.empty() && (o.action != "create" || o.phone.empty())) {
      return usage_error(command, "--language is for create, with --phone (the phone's language)",
                         user_help);
    }
    if (o.action == "pin" && o.phone.empty()) return usage_error(command, "pin needs --phone", user_help);
    if (o.action == "password" && o.login.empty()) return usage_error(command, "password needs --login", user_help);
    if (o.action == "supervisor" && o.phone.empty()) return usage_error(command, "supervisor needs --phone", user_help);
    if (o.action == "disable" && o.phone.empty() == o.login.empty()) {
      return usage_error(command, "disable needs --phone or --login", user_help);
    }
    if (o.action != "create" && o.action != "list" && o.action != "pin" && o.action != "password" &&
        o.action != "disable" && o.action != "supervisor" && o.action != "duty") {
      return usage_error(command,
                         o.action.empty()
                             ? "say create, list, pin, password, disable, supervisor or duty"
                             : "unknown '" + o.action + "'",
                         user_help);
    }
    return user(o);
  }
  if (command == "token") {
    token_options o;
    o.action = take_action(args);
    if (const auto stop = read_options(command, args,
                                       {{"--config", &o.config}, {"--name", &o.name}, {"--role", &o.role},
                                        {"--facility", &o.facility}, {"--id", &o.id}},
                                       token_help)) {
      return *stop;
    }
    if (o.action == "create" && (o.name.empty() || o.role.empty())) {
      return usage_error(command, "create needs --role and --name", token_help);
    }
    if (!shown_name(o.name)) return usage_error(command, name_rule, token_help);
    if (o.action == "revoke" && o.id.empty()) return usage_error(command, "revoke needs --id", token_help);
    if (o.action != "create" && o.action != "list" && o.action != "revoke") {
      return usage_error(command, o.action.empty() ? "say create, list or revoke" : "unknown '" + o.action + "'",
                         token_help);
    }
    return token(o);
  }
  if (command == "segments") {
    bool smart = false, templates = false;
    std::optional<std::string> text, config;
    for (std::size_t i = 0; i < args.size(); ++i) {
      const auto& a = args[i];
      if (a == "--help" || a == "-h") {
        std::cout << segments_help;
        return exit_ok;
      }
      if (a == "--smart") {
        smart = true;
      } else if (a == "--templates") {
        templates = true;
      } else if (a == "--config" && i + 1 < args.size()) {
        config = std::string(args[++i]);
      } else if (a.starts_with("--config=")) {
        config = std::string(a.substr(9));
      } else if (!text && (a.empty() || a.front() != '-' || a == "-")) {
        text = std::string(a);
      } else {
        std::cerr << "paygham segments: unexpected '" << a << "'\n\n" << segments_help;
        return exit_usage;
      }
    }
    if (templates && (text || smart)) {
      std::cerr << "paygham segments: --templates measures the templates, not a TEXT"
                   " (nor --smart: each template says)\n\n"
                << segments_help;
      return exit_usage;
    }
    if (!templates && config) {
      std::cerr << "paygham segments: --config is for --templates\n\n" << segments_help;
      return exit_usage;
    }
    if (templates) return template_segments(config.value_or(default_config));
    return segments(text, smart);
  }
  const char* help = command == "serve"     ? serve_help
                     : command == "lint"    ? lint_help
                     : command == "migrate" ? migrate_help
                     : command == "encrypt" ? encrypt_help
                                            : nullptr;
  if (!help) {
    std::cerr << "paygham: unknown command '" << command << "'\n\n" << main_help;
    return exit_usage;
  }
  const parsed_args p = parse_common(args);
  if (p.help) {
    std::cout << help;
    return exit_ok;
  }
  if (!p.error.empty()) {
    std::cerr << "paygham " << command << ": " << p.error << "\n\n" << help;
    return exit_usage;
  }
  if (command != "lint" && p.format != "text") {
    std::cerr << "paygham " << command << ": unknown option '--format'\n\n" << help;
    return exit_usage;
  }
  if (command == "migrate") return migrate(p.config);
  if (command == "encrypt") return encrypt(p.config);
  return command == "serve" ? serve(p.config) : lint(p.config, p.format == "json");
}

}  // namespace paygham::app
