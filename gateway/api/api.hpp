// The HTTP surface: aggregator callbacks, health and metrics. Handlers are thin: they check,
// parse through the channel's codec, hand the event to the runner on the store's writer
// thread, and answer once the transaction is committed.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/text/screen.hpp"

namespace paygham::channels {
class channel;
}
namespace paygham::core {
class metrics;
}
namespace paygham::http {
class router;
}
namespace paygham::jobs {
class outbox;
}
namespace paygham::runner {
class runner;
}
namespace paygham::store {
class writer;
}

namespace paygham::api {

struct services {
  store::writer& writer;
  runner::runner& runner;
  jobs::outbox& outbox;
  core::metrics& metrics;
  const std::vector<std::unique_ptr<channels::channel>>& channels;
  // Readiness: empty when ready, else the reason (e.g. "store not answering").
  std::function<std::string()> not_ready_reason;
  // USSD screen limits by channel id (the channel's ussd_profile).
  std::map<std::string, text::screen_limits, std::less<>> ussd_limits;
  // Every USSD hop is answered within this (R-U5); `after` runs a function once, later.
  std::chrono::milliseconds hop_deadline{2000};
  std::function<void(std::chrono::milliseconds, std::function<void()>)> after;
};

// POST /channels/{channel}/{kind}
void add_webhook_routes(http::router& r, services& s);

// GET /healthz, GET /readyz, GET /metrics
void add_health_routes(http::router& r, services& s);

}  // namespace paygham::api
