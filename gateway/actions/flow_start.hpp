// A job that starts a flow for a contact by SMS at one of its `entries` (a patient's welcome
// after a health worker enrols them, a worker told of a patient to call, the message after a
// series ends). Shared by the actions that queue it and the runner that applies it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace paygham::actions {

struct flow_start {
  static constexpr std::string_view kind = "flow.start";
  std::int64_t contact = 0;
  std::string channel;
  std::string flow;
  std::string node;
  std::map<std::string, std::string> vars = {};  // run variables to start with
  bool urgent = false;  // at once at any hour, first in the outbox (someone is hurt)
  // Only while this series runs (a patient's welcome): ended before it starts (a health worker
  // ended the reminders at once), it does not. 0: whatever runs.
  std::int64_t while_series = 0;
  std::string json() const {
    nlohmann::json j{{"contact", contact}, {"channel", channel}, {"flow", flow}, {"node", node}, {"vars", vars}};
    if (urgent) j["urgent"] = true;
    if (while_series != 0) j["while_series"] = while_series;
    return j.dump();
  }
  static std::optional<flow_start> parse(const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || !j.contains("contact") || !j["contact"].is_number_integer()) return std::nullopt;
    for (const char* key : {"channel", "flow", "node"}) {
      if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
    }
    flow_start out{j["contact"].get<std::int64_t>(), j["channel"].get<std::string>(), j["flow"].get<std::string>(),
                   j["node"].get<std::string>()};
    if (j.contains("urgent")) {
      if (!j["urgent"].is_boolean()) return std::nullopt;
      out.urgent = j["urgent"].get<bool>();
    }
    if (j.contains("while_series")) {
      if (!j["while_series"].is_number_integer()) return std::nullopt;
      out.while_series = j["while_series"].get<std::int64_t>();
    }
    if (j.contains("vars")) {
      if (!j["vars"].is_object()) return std::nullopt;
      for (const auto& [k, v] : j["vars"].items()) {
        if (!v.is_string()) return std::nullopt;
        out.vars[k] = v.get<std::string>();
      }
    }
    return out;
  }
};

}  // namespace paygham::actions
