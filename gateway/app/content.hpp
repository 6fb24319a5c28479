// Loading flows and templates together and checking one against the other. Used by
// `paygham lint`, at start-up and on reload; the same checks everywhere.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/app/config.hpp"
#include "gateway/runner/runner.hpp"

namespace paygham::app {

// Every problem is appended as "file:line:column: message". Returns the bundle even with
// problems (for counting); callers refuse to use it unless `problems` is empty.
// `warnings` (optional) gets what does not stop the set going live but an operator should fix.
std::shared_ptr<runner::content> load_content(const config& c, std::vector<std::string>& problems,
                                              std::vector<std::string>* warnings = nullptr);

// What `paygham serve` checks before it starts and `paygham lint` shows, found in one go: the
// config file, each channel's settings, and the flows and texts against the config. `cfg` is
// empty when the file is not YAML, `content` null when the config has a problem that the flows
// and texts are checked against (a warning says they come next), `channels` holds the channels
// that could be made. The server starts only when `problems` is empty.
struct deployment_check {
  std::optional<config> cfg;
  std::vector<std::unique_ptr<channels::channel>> channels;
  std::shared_ptr<runner::content> content;
  std::vector<std::string> problems;
  std::vector<std::string> warnings;          // of the flows and texts, and what was not checked
  std::vector<config_warning> config_warnings;  // on `now`'s day, once nothing else is wrong
};
deployment_check check_deployment(const std::string& config_path, core::unix_ms now);

// For the commands that need a clean set (simulate, broadcast, contacts, user): the content,
// or null after printing every problem to stderr and what `command` needs done about them.
std::shared_ptr<runner::content> load_checked_content(const config& c, std::string_view command);

// "file:line:column: message" (or "file: message") as an object an editor can place:
// {"file", "line", "column", "message"}, nulls for what the problem does not say.
nlohmann::json located_problem(const std::string& problem);

// What lint says of the flows with `file` (a flows folder name, e.g. report.yaml) replaced
// by, or added as, `yaml`: {"ok", "problems": [located], "warnings": [located]}, files named
// "flows/<name>". Nothing is written where the server reads its flows.
nlohmann::json validate_flow(const config& c, const std::string& file, const std::string& yaml);

// The flows and texts as they would be with `file` replaced by `yaml` (the same copy
// validate_flow checks), with the problems and warnings lint finds, files named "flows/<name>".
std::shared_ptr<runner::content> content_with(const config& c, const std::string& file, const std::string& yaml,
                                              std::vector<std::string>& problems, std::vector<std::string>& warnings);

// What lint says of the flows and texts with the clinics file replaced by `yaml`, as
// validate_flow says it, problems naming the clinics file by its name alone; and whatever it
// changes but a new clinic or the names of one is a problem: a clinic left out (its visits
// name it), its week (a route of its own asks before leaving visits outside it), its time zone
// or services. Nothing is written where the server reads its clinics.
nlohmann::json validate_clinics(const config& c, const std::string& yaml);

// The runner's settings from the config (defaults and the ussd section).
runner::settings runner_settings(const config& c);

}  // namespace paygham::app
