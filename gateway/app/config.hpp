// config/paygham.yaml: the server, the store, defaults, where flows and templates live, and
// the channels. Read strictly: an unknown key or a wrong type is an error naming the key path
// and its file:line:column. "${NAME}" anywhere in a value reads the environment variable NAME
// (for secrets); an unset variable is an error (in a channel's settings only where they are
// needed: channel_secrets). Relative paths are relative to the config
// file's folder. Reference: docs/configuration.md.
#pragma once

#include <array>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gateway/channels/channel.hpp"
#include "gateway/channels/parties.hpp"
#include "gateway/channels/tariff.hpp"
#include "gateway/core/clock.hpp"
#include "gateway/core/result.hpp"
#include "gateway/http/server.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/schedule/holidays.hpp"
#include "gateway/store/options.hpp"
#include "gateway/text/screen.hpp"

namespace paygham::app {

struct defaults {
  std::string region = "AF";          // for numbers written without a country code: "IR,AF"
                                      // reads the national forms of both, in that order
  std::string timezone = "Asia/Kabul";
  std::string language = "en";
  std::vector<std::string> languages;  // offered to a new number first (2 or more to ask)
  // Sending hours (R-S8), `quiet_hours: "21:00-08:00"`: when messages nobody is waiting for
  // are held, in each person's zone; none when unset.
  schedule::sending_hours quiet;
  std::string emergency_number;       // {emergency} in texts: whom to call when it is urgent
  // R-H6: by the country of a person's number (IR), {emergency} there ("115"); a number of
  // any other country gets emergency_number.
  std::map<std::string, std::string> emergency_numbers;
  // R-H8: by the country of a person's number (IR), the lines a counselling client is given
  // in answer to a message they write ("123 / 1480"); never in a message nobody asked for.
  std::map<std::string, std::string> crisis_lines;
  std::string staff_channel;          // SMS to staff nobody's conversation started; "": the first channel
};

struct config {
  std::string file;
  http::server_options server;
  std::string public_url;
  store::options store;
  defaults defaults_;
  std::string flows_dir;
  std::string templates_dir;
  std::string lexicon_dir;  // yes_no.yaml and keywords.yaml
  std::string clinics_file;  // clinics people can book (appointments); empty: none
  // The districts of each area and the ways people write them (R-M1), for alerts to one
  // district; empty: none known, alerts go by area.
  std::string districts_file;
  // Public holidays by country (config `holidays:`, R-L4): clinics there close, and programmes
  // with `quiet_days: [holidays]` send nothing routine to its numbers. Empty: none known.
  std::string holidays_file;
  schedule::holiday_table holidays;
  // Ramadan by country, from the same file: quiet around iftar for `quiet_days: [iftar]` (R-S8).
  schedule::iftar_table iftar;
  core::unix_ms resume_window_ms = 15 * 60'000;  // a dropped USSD session can be continued (R-U12)
  std::vector<channels::settings> channels;
  // Who besides the deployment can read message content, with their agreements (R-D5).
  std::vector<channels::party> parties;
  // The price of an SMS part on each channel that says (a channel's `tariff:`, R-S1), in the
  // order of `channels`.
  std::vector<channels::tariff> tariffs;
  // USSD routes (R-U2, R-U7): screen limits and timeouts; "default" always exists, and its
  // timeouts (config `ussd:`) are every profile's unless it sets its own. A channel picks one
  // with its `ussd_profile` setting.
  std::map<std::string, text::ussd_route> ussd_profiles{{"default", {}}};
  std::string log_level = "info";
  // CA certificates (PEM) the aggregators' HTTPS APIs are checked against; empty: the system's.
  std::string ca_file;
  // The REST API: calls a second each token may make (twice that in a burst), and the
  // addresses /metrics and /readyz answer (empty: any).
  double api_rate_per_token = 20;
  std::vector<std::string> monitoring_from;
  // `programmes.<name>`: a programme's own sending hours (its `quiet_hours`, else the
  // defaults', and `quiet_days`: whole weekdays nothing routine of it is sent, and `holidays`).
  std::map<std::string, schedule::sending_hours> programmes;
  std::map<std::string, std::string> programme_where;  // each one's "file:line:column"
  // R-D2: the fields flows and imports may keep on a person (`contact_fields:`), each with why,
  // besides the two Paygham keeps itself: name (R-L7) and months (R-L3).
  std::map<std::string, std::string> contact_fields;
};

// The contact fields Paygham keeps itself: a display name (R-L7) and the month names (R-L3).
inline constexpr std::array<std::string_view, 3> own_contact_fields{"name", "months", "languages"};
// A contact field's name: a-z, 0-9 and _, at most 32, starting with a letter.
bool contact_field_name(std::string_view name);
// Whether a person may have the field `field` (contact.<field>): name, months, or a field the
// config declares.
bool keeps_contact_field(const config& c, std::string_view field);

// The channel people's messages go by when nothing names one (channels::default_channel).
std::string default_channel_of(const config& c);

// Whether the channels' secrets must be there: the server and lint need every one; a command
// that sends nothing itself (migrate, user, contacts, broadcast, …) takes a ${VAR} not set in a
// channel's settings as nothing, so it runs where only the store's variables are set.
enum class channel_secrets { needed, unused };

// A config file as far as it could be read, with every problem found (one each,
// "file:line:column: …"). `content_checkable`: no problem touches what flows and texts are
// checked against, so those checks mean something; `channels_unread`: the ids of channels with
// a problem in their own settings, which nothing should be built from.
struct config_read {
  config cfg;
  std::vector<std::string> problems;
  bool content_checkable = false;
  std::set<std::string> channels_unread;
};
// Fails only when the file cannot be read as YAML.
core::result<config_read> read_config(const std::string& path, channel_secrets secrets);

// Loads and checks a config file. On failure the error lists every problem found, one a line.
core::result<config> load_config(const std::string& path, channel_secrets secrets = channel_secrets::needed);

// What a valid config leaves for an operator to fix on `now`'s day, though the gateway runs:
// `parties` gaps (R-D5), Ramadans all past while a programme keeps quiet at iftar (R-S8).
// Lint prints `text`; the server logs `event` at start.
struct config_warning {
  std::string event;
  std::string text;
};
std::vector<config_warning> config_warnings(const config& c, core::unix_ms now);

}  // namespace paygham::app
