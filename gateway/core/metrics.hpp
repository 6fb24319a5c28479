// Prometheus metrics kept in memory and rendered as text (GET /metrics).
// Thread-safe. Label sets are small and fixed by the code (routes, statuses, channels),
// never by request data, so the number of series stays bounded.
#pragma once

#include <atomic>
#include <functional>
#include <initializer_list>
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

  // One label of a series: one dimension each (channel="at", outcome="sent"), never two
  // packed into one value.
  struct label {
    std::string_view name, value;
  };

  // Adds to a counter identified by its name and labels. No allocation once the series exists.
  void count(std::string_view name, std::string_view help, std::initializer_list<label> labels,
             std::uint64_t by = 1);

  // A series that is always 1 and says what runs (paygham_build_info{version="0.1.0"}).
  void info(std::string_view name, std::string_view help, std::initializer_list<label> labels);

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
    std::map<std::string, std::uint64_t, std::less<>> values;  // rendered labels → count
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
  std::vector<std::string> info_;  // whole lines, rendered once
};

}  // namespace paygham::core
