// Prometheus metrics kept in memory and rendered as text (GET /metrics).
// Thread-safe. Label sets are small and fixed by the code (routes, statuses, channels),
// never by request data, so the number of series stays bounded.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace paygham::core {

class metrics {
 public:
  metrics();

  // One HTTP request: counted by route and status, timed into the latency histogram.
  void observe_request(std::string_view route, unsigned status, double seconds);

  // Adds to a counter identified by name and one label pair (e.g. reason="bad_token").
  // No allocation once the series exists.
  void count(std::string_view name, std::string_view help, std::string_view label,
             std::string_view value, std::uint64_t by = 1);

  // A gauge read when /metrics is rendered (e.g. the outbox depth from the store).
  void gauge(const std::string& name, const std::string& help, std::function<double()> read);

  // Prometheus text exposition format, version 0.0.4.
  std::string render() const;

 private:
  struct route_stats {
    std::vector<std::uint64_t> buckets;  // per bound; made cumulative when rendered
    std::uint64_t count = 0;
    double sum = 0;
    std::map<unsigned, std::uint64_t> by_status;
  };
  struct counter_family {
    std::string help;
    std::string label;
    std::map<std::string, std::uint64_t, std::less<>> values;
  };
  struct gauge_entry {
    std::string name, help;
    std::function<double()> read;
  };

  mutable std::mutex mu_;
  std::vector<double> bounds_;
  std::map<std::string, route_stats, std::less<>> routes_;
  std::map<std::string, counter_family, std::less<>> counters_;
  std::vector<gauge_entry> gauges_;
};

}  // namespace paygham::core
