#include "gateway/app/config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <unistd.h>
#include <set>

#include "gateway/channels/registry.hpp"
#include "gateway/core/duration.hpp"
#include "gateway/core/http_message.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/yaml.hpp"
#include "gateway/phone/phone.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::app {
namespace {

// Replaces each ${NAME} with the environment variable's value; one not set is a problem unless
// `unset_ok` (then it stands for nothing).
std::string expand_env(const std::string& in, const YAML::Node& at, core::yaml::reader& r, bool unset_ok = false) {
  std::string out;
  std::size_t pos = 0;
  while (pos < in.size()) {
    const std::size_t open = in.find("${", pos);
    if (open == std::string::npos) break;
    const std::size_t close = in.find('}', open + 2);
    if (close == std::string::npos) break;
    out.append(in, pos, open - pos);
    const std::string name = in.substr(open + 2, close - open - 2);
    if (const char* v = std::getenv(name.c_str())) {
      out += v;
    } else if (!unset_ok) {
      r.problem(at, "environment variable '" + name + "' is not set");
    }
    pos = close + 1;
  }
  out.append(in, pos, std::string::npos);
  return out;
}

class config_reader {
 public:
  config_reader(const std::string& file, std::vector<std::string>& problems)
      : r_(file, problems), base_(std::filesystem::path(file).parent_path()) {}

  core::yaml::reader& raw() { return r_; }

  std::optional<std::string> text(const YAML::Node& map, std::string_view key,
                                  std::string_view path, bool required = false) {
    auto v = r_.text(map, key, path, required);
    if (v) v = expand_env(*v, map[std::string(key)], r_);
    return v;
  }

  void duration(const YAML::Node& map, std::string_view key, std::string_view path,
                std::chrono::milliseconds& out) {
    auto v = text(map, key, path);
    if (!v) return;
    auto d = core::parse_duration(*v);
    if (!d) {
      r_.problem(map[std::string(key)], "'" + core::yaml::join(path, key) + "': " + d.error());
      return;
    }
    out = d.value();
  }

  // A key whose value is one of a few names, each standing for a value of `out`'s type; any
  // other name is a problem that lists the names.
  template <class T>
  void choice(const YAML::Node& map, std::string_view key, std::string_view path,
              std::initializer_list<std::pair<std::string_view, T>> names, T& out) {
    auto v = text(map, key, path);
    if (!v) return;
    std::string listed;
    std::size_t i = 0;
    for (const auto& [name, value] : names) {
      if (*v == name) {
        out = value;
        return;
      }
      listed += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + std::string(name);
      ++i;
    }
    r_.problem(map[std::string(key)], "'" + core::yaml::join(path, key) + "' must be " + listed);
  }

  std::string path_value(const std::string& value) const {
    if (value == ":memory:") return value;
    const std::filesystem::path p(value);
    return (p.is_absolute() || base_.empty() ? p : base_ / p).lexically_normal().string();
  }

 private:
  core::yaml::reader r_;
  std::filesystem::path base_;
};

// A list of IPv4 and IPv6 addresses, each as the server names a caller (to be compared with
// one); one that is not an address is a problem.
std::vector<std::string> address_list(core::yaml::reader& r, const YAML::Node& n, const char* key,
                                      const char* where) {
  std::vector<std::string> out = r.text_list(n, key, where);
  for (auto& ip : out) {
    if (std::string canonical = core::canonical_address(ip); !canonical.empty()) {
      ip = std::move(canonical);
    } else {
      r.problem(n[key], "'" + std::string(where) + "." + key + "' has '" + ip +
                            "', which is not an IPv4 or IPv6 address");
    }
  }
  return out;
}

void read_server(config_reader& cr, const YAML::Node& n, config& c) {
  auto& r = cr.raw();
  if (!n.IsDefined()) return;
  if (!r.expect_map(n, "server", {"listen", "threads", "public_url", "limits", "trusted_proxies"}))
    return;
  c.server.trusted_proxies = address_list(r, n, "trusted_proxies", "server");
  if (auto listen = cr.text(n, "listen", "server")) {
    const auto colon = listen->rfind(':');
    bool ok = colon != std::string::npos && colon + 1 < listen->size();
    long port = 0;
    if (ok) {
      char* end = nullptr;
      port = std::strtol(listen->c_str() + colon + 1, &end, 10);
      ok = *end == '\0' && port >= 0 && port <= 65535;
    }
    if (!ok) {
      r.problem(n["listen"], "'server.listen' must be address:port, e.g. 127.0.0.1:8080");
    } else {
      c.server.address = listen->substr(0, colon);
      c.server.port = static_cast<std::uint16_t>(port);
    }
  }
  if (auto t = r.integer(n, "threads", "server", 1, 64)) c.server.threads = static_cast<int>(*t);
  if (auto u = cr.text(n, "public_url", "server")) c.public_url = *u;
  const YAML::Node limits = n["limits"];
  if (limits.IsDefined() &&
      r.expect_map(limits, "server.limits",
                   {"body_bytes", "header_bytes", "read_timeout", "write_timeout", "idle_timeout",
                    "shutdown_grace", "max_connections"})) {
    if (auto m = r.integer(limits, "max_connections", "server.limits", 16, 1'000'000)) {
      c.server.max_connections = static_cast<std::size_t>(*m);
    }
    if (auto b = r.integer(limits, "body_bytes", "server.limits", 1024, 64 << 20)) {
      c.server.body_limit = static_cast<std::size_t>(*b);
    }
    if (auto h = r.integer(limits, "header_bytes", "server.limits", 1024, 1 << 20)) {
      c.server.header_limit = static_cast<std::size_t>(*h);
    }
    cr.duration(limits, "read_timeout", "server.limits", c.server.read_timeout);
    cr.duration(limits, "write_timeout", "server.limits", c.server.write_timeout);
    cr.duration(limits, "idle_timeout", "server.limits", c.server.idle_timeout);
    cr.duration(limits, "shutdown_grace", "server.limits", c.server.grace);
  }
}

// R-D4: `store.key: ${PAYGHAM_STORE_KEY}`, 64 hex digits, makes Paygham encrypt the SQLite
// store itself. From the environment only: a key written in the file would lie on the disk
// beside what it locks.
void read_store_key(config_reader& cr, const YAML::Node& n, config& c) {
  auto& r = cr.raw();
  if (!n["key"].IsDefined()) return;
  const std::string how =
      "64 hex digits (openssl rand -hex 32) from an environment variable: key: "
      "${PAYGHAM_STORE_KEY}";
  if (!n["key"].IsScalar() || n["key"].Scalar().find("${") == std::string::npos) {
    r.problem(n["key"], "'store.key' must be " + how + ", never written in the file");
    return;
  }
  if (c.store.engine == store::backend::postgresql) {
    r.problem(
        n["key"],
        "'store.key' encrypts a SQLite store; PostgreSQL keeps its data on its server: encrypt the "
        "volume there and say 'store.encryption: external'");
    return;
  }
  const std::size_t known = r.problem_count();
  const auto v = cr.text(n, "key", "store");
  if (!v || r.problem_count() != known) return;  // a variable not set, said as such
  std::string bytes;
  const auto hex = [](char x) {
    return x >= '0' && x <= '9'   ? x - '0'
           : x >= 'a' && x <= 'f' ? x - 'a' + 10
           : x >= 'A' && x <= 'F' ? x - 'A' + 10
                                  : -1;
  };
  for (std::size_t i = 0; i + 1 < v->size() && hex((*v)[i]) >= 0 && hex((*v)[i + 1]) >= 0; i += 2) {
    bytes += static_cast<char>(hex((*v)[i]) * 16 + hex((*v)[i + 1]));
  }
  if (v->size() != 2 * store::key_bytes || bytes.size() != store::key_bytes) {
    const std::string what = v->empty() ? "is empty"
                             : v->size() != 2 * store::key_bytes
                                 ? "is " + std::to_string(v->size()) + " characters long"
                                 : "has a character that is not a hex digit";
    r.problem(n["key"], "'store.key' (" + n["key"].Scalar() + ") " + what + ": it must be " + how);
    return;
  }
  c.store.key = bytes;
}

void read_store(config_reader& cr, const YAML::Node& n, config& c) {
  auto& r = cr.raw();
  if (!n.IsDefined() ||
      !r.expect_map(
          n, "store",
          {"backend", "path", "url", "node", "connections", "lease", "retention", "synchronous",
           "max_queue", "encryption", "key", "text_retention", "visit_retention",
           "delivery_retention", "reporter_retention", "callback_retention", "answer_retention"})) {
    return;
  }
  if (auto q = r.integer(n, "max_queue", "store", 1, 10'000'000)) c.store.max_queue = static_cast<std::size_t>(*q);
  cr.choice(n, "backend", "store", {{"sqlite", store::backend::sqlite}, {"postgresql", store::backend::postgresql}},
            c.store.engine);
  if (auto p = cr.text(n, "path", "store")) c.store.path = cr.path_value(*p);
  if (auto u = cr.text(n, "url", "store")) c.store.url = *u;
  if (c.store.engine == store::backend::postgresql) {
    if (n["path"].IsDefined()) r.problem(n["path"], "'store.path' is for sqlite; PostgreSQL is reached by 'store.url'");
    if (c.store.url.empty()) {
      r.problem(n["url"].IsDefined() ? n["url"] : n,
                "'store.url' is empty: PostgreSQL needs a URL such as postgresql://paygham@db/paygham "
                "(put the password in an environment variable: url: ${PAYGHAM_DB_URL})");
    }
  } else if (n["url"].IsDefined()) {
    r.problem(n["url"], "'store.url' is for backend: postgresql (add it, or remove the url)");
  }
  if (auto k = r.integer(n, "connections", "store", 1, 64)) c.store.connections = static_cast<std::size_t>(*k);
  if (auto id = cr.text(n, "node", "store")) {
    if (id->empty() || id->size() > 64) {
      r.problem(n["node"], "'store.node' must be a name of 1 to 64 characters, unique among the nodes");
    } else {
      c.store.node_id = *id;
    }
  }
  std::chrono::milliseconds lease(c.store.lease_ms), retention(c.store.retention_ms);
  cr.duration(n, "lease", "store", lease);
  cr.duration(n, "retention", "store", retention);
  c.store.lease_ms = lease.count();
  c.store.retention_ms = retention.count();
  // R-D3: 0 keeps that kind of personal data for good (a decision the impact assessment
  // records); anything shorter than the work still to do with it is refused.
  struct kept {
    const char* key;
    std::int64_t* ms;
    std::chrono::hours least;
    const char* why;
  };
  for (const kept& k : {kept{"text_retention", &c.store.text_retention_ms, std::chrono::hours(24),
                             "a reply may still come to what was sent"},
                        kept{"visit_retention", &c.store.visit_retention_ms, std::chrono::hours(7 * 24),
                             "a visit is marked attended or missed, and followed up, after its day"},
                        kept{"delivery_retention", &c.store.delivery_retention_ms, std::chrono::hours(30 * 24),
                             "a message's reports and follow-up come within weeks"},
                        kept{"reporter_retention", &c.store.reporter_retention_ms, std::chrono::hours(24),
                             "the operators on duty call the reporter back first"},
                        kept{"callback_retention", &c.store.callback_retention_ms, std::chrono::hours(30 * 24),
                             "the team calls back a reporter who agreed within weeks"},
                        kept{"answer_retention", &c.store.answer_retention_ms, std::chrono::hours(24),
                             "a person answers an SMS question within the day"}}) {
    std::chrono::milliseconds d(*k.ms);
    cr.duration(n, k.key, "store", d);
    if (d.count() > 0 && d < k.least) {
      r.problem(n[k.key], "'store." + std::string(k.key) + "' must be 0 (kept for good) or at least " +
                              std::to_string(k.least.count() / 24) + "d: " + k.why);
      continue;
    }
    *k.ms = d.count();
  }
  cr.choice(n, "synchronous", "store", {{"full", store::synchronous::full}, {"normal", store::synchronous::normal}},
            c.store.sync);
  cr.choice(n, "encryption", "store",
            {{"warn", store::encryption::warn}, {"require", store::encryption::require},
             {"external", store::encryption::external}},
            c.store.at_rest);
  if (c.store.at_rest == store::encryption::require && c.store.engine == store::backend::postgresql) {
    r.problem(n["encryption"], "'store.encryption: require' checks the disk of a SQLite file; PostgreSQL keeps its "
                               "data on its server: encrypt the volume there and say 'external'");
  }
  read_store_key(cr, n, c);
}

// The machine's name: unique among the nodes of one database, and the same after a restart.
std::string default_node_id() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "node";
  return name;
}

// `quiet_hours: "21:00-08:00"` (or `none`) under `path`, into `hours`.
void read_quiet_hours(config_reader& cr, const YAML::Node& n, const std::string& path, schedule::sending_hours& hours) {
  const auto v = cr.text(n, "quiet_hours", path);
  if (!v) return;
  if (*v == "none" || (v->size() == 11 && (*v)[5] == '-' && v->substr(0, 5) == v->substr(6) && schedule::minute_of_day(v->substr(0, 5)))) {
    hours.quiet_from = hours.quiet_to = 0;  // no window (21:00-21:00 was written for none too)
  } else if (const auto window = schedule::day_window(*v)) {
    hours.quiet_from = window->first;
    hours.quiet_to = window->second;
  } else {
    cr.raw().problem(n["quiet_hours"], "'" + path + ".quiet_hours' must look like 21:00-08:00 (or none)");
  }
}

// AF, IR: how a person's number is matched to its country.
bool country_code(const std::string& v) {
  return v.size() == 2 && std::isupper(static_cast<unsigned char>(v[0])) && std::isupper(static_cast<unsigned char>(v[1]));
}

// A country a person's number can be matched to (the main one of its calling code), else the
// reason, for config keys that pick by the country of the number.
std::string region_unmatched(const std::string& region, const std::string& key) {
  if (phone::numbers_tell_region(region)) return {};
  return "'defaults." + key + "': no phone number is read as of '" + region +
         "' (a number's country is the main one of its calling code: +7 is RU, +1 US)";
}

// 112, +98 21 …: digits a basic phone dials (a plus at most), short enough for any text.
bool number_to_call(const std::string& v) {
  return !v.empty() && v.size() <= 16 && v.find_first_not_of("+0123456789") == std::string::npos;
}

// `defaults.<key>`: two-letter codes of countries a number is matched to, each with what
// `read` makes of its value ("" when it is not what `shape` describes). A problem names the
// key and the line of each entry refused.
std::map<std::string, std::string> numbers_by_country(core::yaml::reader& r, const YAML::Node& defaults,
                                                      const std::string& key, const std::string& shape,
                                                      const std::function<std::string(const YAML::Node&)>& read) {
  std::map<std::string, std::string> out;
  const YAML::Node node = defaults[key];
  if (!node.IsDefined()) return out;
  const auto refuse = [&](const YAML::Node& at) {
    r.problem(at, "'defaults." + key + "' must map a two-letter country code to " + shape);
  };
  if (!node.IsMap()) {
    refuse(node);
    return out;
  }
  for (const auto& kv : node) {
    const std::string region = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (!country_code(region)) {
      refuse(kv.first);
    } else if (const auto why = region_unmatched(region, key); !why.empty()) {
      r.problem(kv.first, why);
    } else if (std::string value = read(kv.second); value.empty()) {
      refuse(kv.second);
    } else {
      out[region] = std::move(value);
    }
  }
  return out;
}

void read_defaults(config_reader& cr, const YAML::Node& n, config& c) {
  auto& r = cr.raw();
  if (!n.IsDefined() ||
      !r.expect_map(n, "defaults",
                    {"region", "timezone", "language", "languages", "quiet_hours", "emergency_number",
                     "emergency_numbers", "crisis_lines", "staff_channel"})) {
    return;
  }
  // One country, or several whose national forms are all read ([IR, AF]: 09… and 07…).
  if (n["region"].IsDefined()) {
    std::string joined;
    for (const auto& v : r.text_list(n, "region", "defaults")) {
      if (!country_code(v)) {
        r.problem(n["region"], "'defaults.region' must be a two-letter country code such as AF or IR, or a list of them");
        joined.clear();
        break;
      }
      joined += (joined.empty() ? "" : ",") + v;
    }
    if (!joined.empty()) c.defaults_.region = joined;
  }
  if (auto v = cr.text(n, "timezone", "defaults")) c.defaults_.timezone = *v;
  if (auto v = cr.text(n, "language", "defaults")) c.defaults_.language = *v;
  c.defaults_.languages = r.text_list(n, "languages", "defaults");
  if (auto v = cr.text(n, "emergency_number", "defaults")) {
    if (!number_to_call(*v)) {
      r.problem(n["emergency_number"], "'defaults.emergency_number' must be a number to call, such as 112");
    } else {
      c.defaults_.emergency_number = *v;
    }
  }
  // {IR: 115}: the number {emergency} says to numbers of that country.
  c.defaults_.emergency_numbers = numbers_by_country(r, n, "emergency_numbers", "the number to call there, such as {IR: 115}",
                                                     [](const YAML::Node& v) {
                                                       const std::string number = v.IsScalar() ? v.Scalar() : "";
                                                       return number_to_call(number) ? number : std::string();
                                                     });
  // A person whose number is of another country must still be told a number.
  if (!c.defaults_.emergency_numbers.empty() && c.defaults_.emergency_number.empty()) {
    r.problem(n["emergency_numbers"], "'defaults.emergency_numbers' needs 'defaults.emergency_number' too: the number "
                                      "for people whose phone number is of another country (112 works from any GSM phone)");
  }
  // {IR: [123, 1480]}: the lines a counselling client there is given ("123 / 1480").
  c.defaults_.crisis_lines = numbers_by_country(r, n, "crisis_lines", "the numbers to call there, such as {IR: [123, 1480]}",
                                                [](const YAML::Node& v) {
                                                  std::string numbers;
                                                  for (std::size_t i = 0; v.IsSequence() && i < v.size(); ++i) {
                                                    const std::string number = v[i].IsScalar() ? v[i].Scalar() : "";
                                                    if (!number_to_call(number)) return std::string();
                                                    numbers += (numbers.empty() ? "" : " / ") + number;
                                                  }
                                                  return numbers;
                                                });
  if (auto v = cr.text(n, "staff_channel", "defaults")) c.defaults_.staff_channel = *v;
  read_quiet_hours(cr, n, "defaults", c.defaults_.quiet);
}

// `programmes.<name>`: sending hours of a programme (R-S8). It starts from the defaults' and
// may replace the window (`quiet_hours`, or `none`) and keep whole weekdays quiet.
void read_programmes(config_reader& cr, const YAML::Node& n, config& c) {
  auto& r = cr.raw();
  if (!n.IsDefined()) return;
  if (!n.IsMap()) {
    r.problem(n, "'programmes' maps programme names (as flows name them) to {quiet_hours, quiet_days}");
    return;
  }
  for (const auto& kv : n) {
    const std::string name = kv.first.Scalar();
    const std::string path = "programmes." + name;
    c.programme_where[name] = core::yaml::where(r.file(), kv.first);
    if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) {
      r.problem(kv.first, "'" + path + "': a programme is named in lower-case letters and '_' (mine_safety)");
      continue;
    }
    if (!r.expect_map(kv.second, path, {"quiet_hours", "quiet_days"})) continue;
    schedule::sending_hours hours = c.defaults_.quiet;
    read_quiet_hours(cr, kv.second, path, hours);
    for (const auto& d : r.text_list(kv.second, "quiet_days", path)) {
      if (const auto day = schedule::weekday_named(d)) {
        hours.quiet_days |= 1u << *day;
      } else if (d == "holidays") {
        hours.quiet_holidays = true;  // the recipient's country's, from the holidays file
      } else if (d == "iftar") {
        hours.quiet_iftar = true;  // the hours around iftar in Ramadan, from the holidays file
      } else {
        r.problem(kv.second["quiet_days"], "'" + d + "' in '" + path +
                                               ".quiet_days' is not a weekday (mon tue wed thu fri sat sun), holidays "
                                               "or iftar");
      }
    }
    if ((hours.quiet_days & 0xFEu) == 0xFEu) {
      r.problem(kv.second["quiet_days"], "'" + path + ".quiet_days' leaves no day to send on");
    }
    c.programmes[name] = hours;
  }
}

// A duration setting `key` of `n` within [lo, hi] ms into `into`; `path` names `n` in errors.
void read_duration(config_reader& cr, const YAML::Node& n, const char* key, const std::string& path,
                   core::unix_ms& into, core::unix_ms lo, core::unix_ms hi, const char* range) {
  std::chrono::milliseconds read{into};
  cr.duration(n, key, path, read);
  if (read.count() == into) return;  // unset, the same, or not a duration (that problem is noted)
  if (read.count() < lo || read.count() > hi) {
    cr.raw().problem(n[key], "'" + path + "." + key + "' must be " + range);
  } else {
    into = read.count();
  }
}

// Networks drop a session after 5 to 15 s without a reply (R-U5), and a whole session after
// one to a few minutes.
void read_route_timeouts(config_reader& cr, const YAML::Node& n, const std::string& path, text::ussd_route& route) {
  read_duration(cr, n, "hop_deadline", path, route.hop_deadline_ms, 200, 4'000, "between 200ms and 4s");
  read_duration(cr, n, "session_timeout", path, route.session_timeout_ms, 10'000, 600'000, "between 10s and 10m");
}

void read_ussd(config_reader& cr, const YAML::Node& n, config& c) {
  if (!n.IsDefined() ||
      !cr.raw().expect_map(n, "ussd", {"hop_deadline", "session_timeout", "resume_window"})) {
    return;
  }
  read_route_timeouts(cr, n, "ussd", c.ussd_profiles["default"]);
  read_duration(cr, n, "resume_window", "ussd", c.resume_window_ms, 5 * 60'000, 30 * 60'000, "between 5m and 30m (R-U12)");
}

// R-U4: a route without UCS-2 draws its screens the way the operator chose, never by default.
void read_fallback(core::yaml::reader& r, const YAML::Node& profile, const std::string& path, text::screen_limits& l) {
  const YAML::Node f = profile["fallback"];
  if (l.ucs2) {
    if (f.IsDefined()) r.problem(f, "'" + path + ".fallback' applies only to a route with 'ucs2: false'");
    return;
  }
  const std::string choices = "latin (its menus in Latin letters: the person's language's, or else the default "
                              "language's, where templates has <lang>-Latn.yaml, else English) or digits (only the "
                              "numbers on screen, the words by SMS in the person's language)";
  if (!f.IsDefined()) return r.problem(profile, "'" + path + "' carries no UCS-2: set its 'fallback' to " + choices);
  if (f.IsScalar() && f.Scalar() == "latin") return;
  if (f.IsScalar() && f.Scalar() == "digits") {
    l.without_ucs2 = text::screen_limits::fallback::digits;
    return;
  }
  r.problem(f, "'" + path + ".fallback' must be " + choices);
}

void read_ussd_profiles(config_reader& cr, const YAML::Node& n, config& c) {
  auto& r = cr.raw();
  if (!n.IsDefined()) return;
  if (!n.IsMap()) {
    r.problem(n, "'ussd_profiles' maps profile names to {gsm7_max, gsm7_warn, ucs2_max, ucs2, fallback, hop_deadline, session_timeout}");
    return;
  }
  // The `ussd:` timeouts, before a profile named "default" changes them.
  const text::ussd_route defaults = c.ussd_profiles["default"];
  for (const auto& kv : n) {
    const std::string name = kv.first.Scalar();
    const std::string path = "ussd_profiles." + name;
    if (!r.expect_map(kv.second, path, {"gsm7_max", "gsm7_warn", "ucs2_max", "ucs2", "fallback", "hop_deadline", "session_timeout"})) continue;
    text::ussd_route route;
    route.hop_deadline_ms = defaults.hop_deadline_ms;
    route.session_timeout_ms = defaults.session_timeout_ms;
    text::screen_limits& l = route.screen;
    if (auto v = r.integer(kv.second, "gsm7_max", path, 20, 182)) l.gsm7_max = static_cast<std::size_t>(*v);
    l.gsm7_warn = l.gsm7_max < 160 ? l.gsm7_max : 160;
    if (auto v = r.integer(kv.second, "gsm7_warn", path, 20, 182)) l.gsm7_warn = static_cast<std::size_t>(*v);
    if (auto v = r.integer(kv.second, "ucs2_max", path, 10, 80)) l.ucs2_max = static_cast<std::size_t>(*v);
    l.ucs2 = r.boolean(kv.second, "ucs2", path).value_or(true);
    read_fallback(r, kv.second, path, l);
    read_route_timeouts(cr, kv.second, path, route);
    c.ussd_profiles[name] = route;
  }
}

// A dropped session is offered "continue" for the resume window: it must outlast every route's
// session, or a redial would find the answers gone before the network had let go.
void check_resume_window(config_reader& cr, const YAML::Node& root, const config& c) {
  for (const auto& [name, route] : c.ussd_profiles) {
    if (route.session_timeout_ms < c.resume_window_ms) continue;
    const YAML::Node profiles = root["ussd_profiles"];
    const YAML::Node profile = profiles.IsDefined() && profiles.IsMap() ? profiles[name] : profiles;
    const bool is_own = profile.IsDefined() && profile.IsMap() && profile["session_timeout"].IsDefined();
    // Else only a valid `ussd:` map can have set the timeout this long.
    const YAML::Node at = is_own ? profile["session_timeout"] : root["ussd"]["session_timeout"];
    cr.raw().problem(at, "'" + (is_own ? "ussd_profiles." + name : std::string("ussd")) +
                             ".session_timeout' must be shorter than 'ussd.resume_window' (" +
                             std::to_string(c.resume_window_ms / 60'000) + "m" +
                             "): a dropped session is resumed within that window");
  }
}

// A channel's `tariff: {currency: IRR, gsm7: 1400, ucs2: 700}`: one SMS part's price in each
// encoding (R-S1).
std::optional<channels::tariff> read_tariff(config_reader& cr, const YAML::Node& n, const std::string& path) {
  auto& r = cr.raw();
  const char* shape = "' must be the price of one SMS part in each encoding, e.g. {currency: IRR, gsm7: 1400, ucs2: 700}";
  if (!n.IsMap()) {
    r.problem(n, "'" + path + shape);
    return std::nullopt;
  }
  if (!r.expect_map(n, path, {"currency", "gsm7", "ucs2"})) return std::nullopt;
  channels::tariff t;
  bool ok = true;
  if (auto v = cr.text(n, "currency", path, true)) {
    t.currency = *v;
    if (v->size() != 3 || !std::all_of(v->begin(), v->end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; })) {
      r.problem(n["currency"], "'" + path + ".currency' must be a currency's three capital letters (IRR, AFN, USD)");
      ok = false;
    }
  } else {
    ok = false;
  }
  for (auto [key, into] : {std::pair{"gsm7", &t.gsm7}, std::pair{"ucs2", &t.ucs2}}) {
    auto v = cr.text(n, key, path, true);
    if (!v) {
      ok = false;
      continue;
    }
    double price = -1;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), price);
    if (ec != std::errc() || p != v->data() + v->size() || !(price >= 0) || price > 1e9) {
      r.problem(n[key], "'" + path + "." + key + "' must be the price of one part, a number such as 1400 or 0.0075");
      ok = false;
      continue;
    }
    *into = price;
  }
  if (!ok) return std::nullopt;
  return t;
}

// Each channel's settings as the channel reads them. `secrets`: whether a variable not set in
// them is a problem (see channel_secrets). The ids of channels with a problem of their own go to
// `unread`: their settings are not whole, so nothing more is checked of them. Returns how many
// problems touch what flows are checked against (a ussd_profile not declared).
std::size_t read_channels(config_reader& cr, const YAML::Node& n, config& c, channel_secrets secrets,
                          std::set<std::string>& unread) {
  std::size_t for_flows = 0;
  auto& r = cr.raw();
  if (!n.IsDefined()) return 0;
  if (!n.IsSequence()) {
    r.problem(n, "'channels' must be a list of channels, each with an id and a type");
    return 0;
  }
  const bool unset_ok = secrets == channel_secrets::unused;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const YAML::Node ch = n[i];
    const std::string path = "channels[" + std::to_string(i + 1) + "]";
    if (!ch.IsMap()) {
      r.problem(ch, "'" + path + "' must be a mapping with id and type");
      continue;
    }
    const std::size_t before = r.problem_count();
    channels::settings s;
    s.where = core::yaml::where(r.file(), ch);
    s.default_region = c.defaults_.region;
    s.public_url = c.public_url;
    s.id = cr.text(ch, "id", path, true).value_or("");
    s.type = cr.text(ch, "type", path, true).value_or("");
    if (!s.id.empty() && !ids.insert(s.id).second) {
      r.problem(ch["id"], "channel id '" + s.id + "' is used twice");
    }
    for (const auto& kv : ch) {
      const std::string key = kv.first.Scalar();
      s.key_where[key] = core::yaml::where(r.file(), kv.first);
      if (key == "id" || key == "type") continue;
      if (key == "tariff") {
        if (auto t = read_tariff(cr, kv.second, path + ".tariff")) {
          t->channel = s.id;
          c.tariffs.push_back(std::move(*t));
        }
        continue;
      }
      if (key == "ussd_profile") {
        // Flows are checked against the route's screens: one not declared is not kept.
        if (auto p = cr.text(ch, key, path); p && !c.ussd_profiles.count(*p)) {
          r.problem(kv.second, "'" + path + ".ussd_profile' names '" + *p + "', which is not in ussd_profiles");
          ++for_flows;
        } else if (p) {
          s.params[key] = *p;
        }
        continue;
      }
      if (kv.second.IsSequence()) {
        // Lists (allow_ips) are kept comma-joined: channel settings are flat strings.
        std::string joined;
        for (const auto& item : r.text_list(ch, key, path)) {
          joined += (joined.empty() ? "" : ",") + expand_env(item, kv.second, r, unset_ok);
        }
        s.params[key] = joined;
        continue;
      }
      const std::size_t known = r.problem_count();
      auto v = r.text(ch, key, path);
      if (!v) continue;
      const bool names_variable = v->find("${") != std::string::npos;
      *v = expand_env(*v, kv.second, r, unset_ok);
      if (r.problem_count() != known) continue;  // a variable not set, said as such
      if (v->empty() && !(unset_ok && names_variable)) {
        // An empty secret would switch its check off without a word (a ${VAR} set to ""):
        // every setting a channel is given must say something.
        r.problem(kv.second, "'" + path + "." + key + "' is empty" +
                                 (names_variable ? " (" + kv.second.Scalar() + " is set to nothing)" : std::string()) +
                                 ": give it a value, or remove the key");
        continue;
      }
      if (!v->empty()) s.params[key] = *v;
    }
    if (r.problem_count() != before) unread.insert(s.id);
    c.channels.push_back(std::move(s));
  }
  return for_flows;
}

// `parties:` (R-D5): who can read the messages of which channels, under what agreement.
// `channels_read`: the channels section was a list (else naming a channel proves nothing).
// R-D2: store only what is needed. A field a flow or an import keeps on a person is declared,
// with why, so whoever reviews the deployment sees every one.
void read_contact_fields(config_reader& cr, const YAML::Node& n, config& c) {
  auto& r = cr.raw();
  if (!n.IsDefined()) return;
  if (!n.IsMap()) {
    r.problem(n, "'contact_fields' must be a mapping of a field's name to why it is kept (camp: where the outreach "
                 "team finds the person)");
    return;
  }
  for (const auto& kv : n) {
    if (!kv.first.IsScalar() || kv.first.IsNull()) {
      r.problem(kv.first, "'contact_fields' names each field with a word (camp), not a list, a mapping or nothing");
      continue;
    }
    const std::string name = kv.first.as<std::string>();
    const std::string path = "contact_fields." + name;
    if (!contact_field_name(name)) {
      r.problem(kv.first, "'" + path + "': a field's name is a-z, 0-9 and _ (at most 32), starting with a letter");
      continue;
    }
    if (std::find(own_contact_fields.begin(), own_contact_fields.end(), name) != own_contact_fields.end()) {
      r.problem(kv.first, "'" + path + "': Paygham keeps " + name + " itself (docs/configuration.md); remove it here");
      continue;
    }
    const auto why = cr.text(n, name, "contact_fields");
    if (!why || why->find_first_not_of(" \t") == std::string::npos) {
      r.problem(kv.second, "'" + path + "' says why the field is kept (R-D2: store only what is needed), e.g. "
                           "camp: where the outreach team finds the person");
      continue;
    }
    c.contact_fields[name] = *why;
  }
}

void read_parties(config_reader& cr, const YAML::Node& n, config& c, bool channels_read) {
  auto& r = cr.raw();
  if (!n.IsDefined()) return;
  if (!n.IsSequence()) {
    r.problem(n, "'parties' must be a list, each with a name and a role (who besides you can read messages)");
    return;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const YAML::Node p = n[i];
    const std::string path = "parties[" + std::to_string(i + 1) + "]";
    if (!p.IsMap()) {
      r.problem(p, "'" + path + "' must be a mapping with name and role");
      continue;
    }
    if (!r.expect_map(p, path, {"name", "role", "channels", "agreement", "until"})) continue;
    channels::party party;
    party.where = core::yaml::where(r.file(), p);
    // Each value is shown to everyone who works with Paygham: none may be empty.
    const auto said = [&](std::string_view key, bool required) -> std::string {
      auto v = cr.text(p, key, path, required);
      if (v && v->empty()) r.problem(p[std::string(key)], "'" + path + "." + std::string(key) + "' is empty: give it a value" +
                                                              (required ? std::string() : ", or remove the key"));
      return v.value_or("");
    };
    party.name = said("name", true);
    if (!party.name.empty() && !names.insert(party.name).second) r.problem(p["name"], "party '" + party.name + "' is listed twice");
    party.role = said("role", true);
    const auto& roles = channels::party_roles();
    if (!party.role.empty() && std::find(roles.begin(), roles.end(), party.role) == roles.end()) {
      r.problem(p["role"], "'" + path + ".role' must be aggregator, mobile_operator, host or other");
    }
    const YAML::Node listed = p["channels"];
    for (const auto& item : r.text_list(p, "channels", path)) {
      const std::string id = expand_env(item, listed, r);
      if (channels_read &&
          std::none_of(c.channels.begin(), c.channels.end(), [&](const auto& ch) { return ch.id == id; })) {
        r.problem(listed, "'" + path + ".channels' names '" + id + "', which is not in 'channels'");
      }
      party.channels.push_back(id);
    }
    if (listed.IsDefined() && listed.IsSequence() && listed.size() == 0) {
      r.problem(listed, "'" + path + ".channels' is empty: name the channels, or remove the key for all of them");
    }
    party.agreement = said("agreement", false);
    if (const std::string until = said("until", false); !until.empty()) {
      const auto day = text::read_date(text::normalize(until));
      if (!day) {
        r.problem(p["until"], "'" + path + ".until' must be the agreement's last day (2027-06-30 or 1406/4/9)");
      } else if (party.agreement.empty()) {
        r.problem(p["until"], "'" + path + ".until' is the last day of an agreement: name the agreement too ('agreement')");
      } else {
        party.until = text::day_number(*day);
      }
    }
    c.parties.push_back(std::move(party));
  }
}

}  // namespace

std::vector<config_warning> config_warnings(const config& c, core::unix_ms now) {
  const long long today = schedule::local_day(now, c.defaults_.timezone).value_or(now / 86'400'000);
  std::vector<config_warning> out;
  std::vector<channels::channel_ref> refs;
  for (const auto& ch : c.channels) refs.push_back({ch.id, ch.type, ch.where});
  for (const auto& gap : channels::party_gaps(c.parties, refs, today)) out.push_back({"privacy.party_gap", gap.sentence()});
  for (const auto& ch : c.channels) {
    // Said only where it matters: an https:// base_url is encrypted whatever plain_http says.
    const auto url = ch.params.find("base_url");
    if (!ch.params.contains("plain_http") || url == ch.params.end()) continue;
    std::string scheme = url->second.substr(0, 7);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char x) { return std::tolower(x); });
    if (scheme != "http://") continue;
    out.push_back(
        {"channel.plain_http",
         ch.at("plain_http") + ": channel '" + ch.id +
             "' sends every message unencrypted (plain_http: true): only on a network you trust (R-D4)"});
  }
  const bool at_iftar = std::any_of(c.programmes.begin(), c.programmes.end(), [](const auto& p) { return p.second.quiet_iftar; });
  for (const auto& [country, ramadans] : at_iftar ? c.iftar : schedule::iftar_table{}) {
    long long last = 0;
    for (const auto& r : ramadans) last = std::max(last, r.last_day);
    if (last >= today) continue;
    out.push_back({"schedule.ramadan_past", c.holidays_file + ": every Ramadan of " + country + " has passed (the last ended " +
                                                schedule::day_text(last) + "): 'quiet_days: [iftar]' holds nothing there until the next one "
                                                        "is added, as announced"});
  }
  return out;
}

bool contact_field_name(std::string_view name) {
  if (name.empty() || name.size() > 32 || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'; });
}

std::string default_channel_of(const config& c) {
  return channels::default_channel(
      c.channels, [](const auto& s) { return s.id; }, [](const auto& s) { return s.type; });
}

bool keeps_contact_field(const config& c, std::string_view field) {
  return std::find(own_contact_fields.begin(), own_contact_fields.end(), field) != own_contact_fields.end() ||
         c.contact_fields.count(std::string(field)) != 0;
}

core::result<config_read> read_config(const std::string& path, channel_secrets secrets) {
  auto doc = core::yaml::load_file(path);
  if (!doc) return core::fail(doc.error());
  config_read out;
  std::vector<std::string>& problems = out.problems;
  config_reader cr(path, problems);
  auto& r = cr.raw();
  config& c = out.cfg;
  // Problems in what the flows and texts are not checked against (the server, the store, a
  // channel's own settings, who reads messages, logs, TLS, the API) leave those checks sound.
  std::size_t apart = 0;
  std::size_t for_flows = 0;  // of those apart, a channel's screen size the flows are checked against
  const auto aside = [&](auto&& read) {
    const std::size_t before = problems.size();
    read();
    apart += problems.size() - before;
  };
  c.file = path;
  c.store.path = cr.path_value("../var/paygham.db");
  c.store.node_id = default_node_id();
  c.flows_dir = cr.path_value("../flows");
  c.templates_dir = cr.path_value("../templates");
  c.lexicon_dir = cr.path_value("../lexicon");
  const YAML::Node root = doc.value();
  const bool is_map = r.expect_map(root, "",
                   {"server", "store", "defaults", "programmes", "flows", "templates", "lexicon", "clinics", "districts", "holidays", "ussd",
                    "ussd_profiles", "channels", "parties", "contact_fields", "log", "tls", "api"});
  if (is_map) {
    const YAML::Node api = root["api"];
    aside([&] {
      if (!api.IsDefined() || !r.expect_map(api, "api", {"rate_per_token", "monitoring_from"})) return;
      if (auto n = r.integer(api, "rate_per_token", "api", 1, 100'000)) c.api_rate_per_token = static_cast<double>(*n);
      c.monitoring_from = address_list(r, api, "monitoring_from", "api");
    });
    aside([&] {
      const YAML::Node tls = root["tls"];
      if (!tls.IsDefined() || !r.expect_map(tls, "tls", {"ca_file"})) return;
      if (auto f = cr.text(tls, "ca_file", "tls")) {
        c.ca_file = cr.path_value(*f);
        std::error_code ec;
        if (!std::filesystem::is_regular_file(c.ca_file, ec)) {
          r.problem(tls["ca_file"], "'tls.ca_file': no file '" + c.ca_file + "' (PEM certificates of the CAs to trust)");
        }
      }
    });
    aside([&] {
      read_server(cr, root["server"], c);
      read_store(cr, root["store"], c);
    });
    read_defaults(cr, root["defaults"], c);
    read_programmes(cr, root["programmes"], c);
    if (auto v = cr.text(root, "flows", "")) c.flows_dir = cr.path_value(*v);
    if (auto v = cr.text(root, "templates", "")) c.templates_dir = cr.path_value(*v);
    if (auto v = cr.text(root, "lexicon", "")) c.lexicon_dir = cr.path_value(*v);
    if (auto v = cr.text(root, "clinics", "")) c.clinics_file = cr.path_value(*v);
    if (auto v = cr.text(root, "districts", "")) c.districts_file = cr.path_value(*v);
    if (auto v = cr.text(root, "holidays", "")) {
      c.holidays_file = cr.path_value(*v);
      auto file = schedule::load_holidays(
          c.holidays_file, [](const std::string& code) { return country_code(code) && phone::numbers_tell_region(code); },
          problems);
      c.holidays = std::move(file.holidays);
      c.iftar = std::move(file.iftar);
    }
    for (const auto& [name, hours] : c.programmes) {
      for (const auto& [named, what] : {std::pair{hours.quiet_holidays, "holidays"}, std::pair{hours.quiet_iftar, "iftar"}}) {
        if (named && c.holidays_file.empty()) {
          r.problem(root["programmes"][name]["quiet_days"], "'programmes." + name + ".quiet_days' names " + what +
                                                                ", but no holidays file is set (holidays: holidays.yaml)");
        }
      }
      if (hours.quiet_iftar && !c.holidays_file.empty() && c.iftar.empty()) {
        r.problem(root["programmes"][name]["quiet_days"],
                  "'programmes." + name + ".quiet_days' names iftar, but " + c.holidays_file +
                      " gives no country a Ramadan (IR: {holidays: [...], ramadan: [{from, to, iftar}]})");
      }
    }
    read_ussd(cr, root["ussd"], c);
    read_ussd_profiles(cr, root["ussd_profiles"], c);
    check_resume_window(cr, root, c);
    aside([&] {
      for_flows = read_channels(cr, root["channels"], c, secrets, out.channels_unread);
      read_parties(cr, root["parties"], c, !root["channels"].IsDefined() || root["channels"].IsSequence());
    });
    read_contact_fields(cr, root["contact_fields"], c);
    aside([&] {
      if (const auto& staff = c.defaults_.staff_channel; !staff.empty() &&
          std::none_of(c.channels.begin(), c.channels.end(), [&](const auto& ch) { return ch.id == staff; })) {
        r.problem(root["defaults"]["staff_channel"],
                  "'defaults.staff_channel': no channel '" + staff + "' in 'channels' (the id of the one staff SMS go by)");
      }
      const YAML::Node log = root["log"];
      if (!log.IsDefined() || !r.expect_map(log, "log", {"level"})) return;
      if (auto l = cr.text(log, "level", "log")) {
        core::log::level parsed;
        if (!core::log::parse_level(*l, parsed)) {
          r.problem(log["level"], "'log.level' must be debug, info, warn or error");
        } else {
          c.log_level = *l;
        }
      }
    });
  }
  out.content_checkable = is_map && problems.size() + for_flows == apart;
  return out;
}

core::result<config> load_config(const std::string& path, channel_secrets secrets) {
  auto read = read_config(path, secrets);
  if (!read) return core::fail(read.error());
  if (read->problems.empty()) return std::move(read->cfg);
  std::string all;
  for (const auto& p : read->problems) all += (all.empty() ? "" : "\n") + p;
  return core::fail(all);
}

}  // namespace paygham::app
