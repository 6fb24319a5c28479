// When a subscription ends (R-M1): six months after the person subscribed, unless they keep it.
// Two weeks before, they are asked (the flow at `node` by SMS); at its end, unless renewed since,
// it ends. Shared by the actions that subscribe and the runner that applies the jobs.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/clock.hpp"

namespace paygham::store {
class tx;
}  // namespace paygham::store

namespace paygham::actions {

inline constexpr core::unix_ms subscription_ms = 182LL * 86'400'000;  // six months
inline constexpr core::unix_ms ask_before_ms = 14LL * 86'400'000;     // the question, two weeks before

struct subscription_end {
  static constexpr std::string_view ask_kind = "subscription.ask";  // the question, at ends - ask_before_ms
  static constexpr std::string_view end_kind = "subscription.end";  // the end, at ends
  std::int64_t contact = 0;
  std::string topic;
  std::string area;
  std::string channel;
  std::string flow;  // where the question is asked: the flow at `node`
  std::string node;
  core::unix_ms ends = 0;  // the job holds only while the subscription still ends then

  std::string json() const {
    return nlohmann::json{{"contact", contact}, {"topic", topic}, {"area", area}, {"channel", channel},
                          {"flow", flow},       {"node", node},   {"ends", ends}}
        .dump();
  }
  static std::optional<subscription_end> parse(const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || !j.contains("contact") || !j["contact"].is_number_integer() || !j.contains("ends") ||
        !j["ends"].is_number_integer()) {
      return std::nullopt;
    }
    for (const char* key : {"topic", "area", "channel", "flow", "node"}) {
      if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
    }
    return subscription_end{j["contact"].get<std::int64_t>(), j["topic"].get<std::string>(),
                            j["area"].get<std::string>(),     j["channel"].get<std::string>(),
                            j["flow"].get<std::string>(),     j["node"].get<std::string>(),
                            j["ends"].get<core::unix_ms>()};
  }
};

}  // namespace paygham::actions
