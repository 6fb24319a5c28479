#include "gateway/core/metrics.hpp"

#include "gateway/core/log.hpp"

#include <charconv>
#include <cmath>
#include <sstream>

namespace paygham::core {
namespace {

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// 'a="x",b="y"' for a set of labels, into `out` (reused, so a known series allocates nothing).
void render_labels(std::initializer_list<metrics::label> labels, std::string& out) {
  out.clear();
  for (const auto& l : labels) {
    if (!out.empty()) out.push_back(',');
    out.append(l.name);
    out += "=\"";
    out += escape_label(l.value);
    out.push_back('"');
  }
}

// A value at full precision: integers as integers (1234567, not 1.23457e+06), the rest in
// the shortest form that reads back the same.
std::string number(double v) {
  if (std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 9.0e15) {
    return std::to_string(static_cast<long long>(v));
  }
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("NaN");
}

}  // namespace

metrics::metrics()
    : bounds_{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5} {}

void metrics::observe_request(std::string_view route, unsigned status, double seconds) {
  std::lock_guard lock(mu_);
  auto it = routes_.find(route);  // no allocation once the route has been seen
  if (it == routes_.end()) it = routes_.emplace(std::string(route), route_stats{}).first;
  route_stats& h = it->second;
  ++h.by_status[status];
  if (h.buckets.empty()) h.buckets.assign(bounds_.size(), 0);
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (seconds <= bounds_[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

void metrics::count(std::string_view name, std::string_view help, std::initializer_list<label> labels,
                    std::uint64_t by) {
  thread_local std::string key;
  render_labels(labels, key);
  std::lock_guard lock(mu_);
  auto f = counters_.find(name);
  if (f == counters_.end()) f = counters_.emplace(std::string(name), counter_family{std::string(help), {}}).first;
  auto v = f->second.values.find(key);
  if (v == f->second.values.end()) v = f->second.values.emplace(key, 0).first;
  v->second += by;
}

void metrics::info(std::string_view name, std::string_view help, std::initializer_list<label> labels) {
  std::string key;
  render_labels(labels, key);
  std::lock_guard lock(mu_);
  info_.push_back("# HELP " + std::string(name) + " " + std::string(help) + "\n# TYPE " + std::string(name) +
                  " gauge\n" + std::string(name) + "{" + key + "} 1\n");
}

void metrics::gauge(const std::string& name, const std::string& help, std::function<double()> read) {
  std::lock_guard lock(mu_);
  gauges_.push_back(gauge_entry{name, help, std::move(read)});
}

std::string metrics::render() const {
  std::ostringstream out;
  std::vector<gauge_entry> gauges;
  {
    std::lock_guard lock(mu_);
    out << "# HELP paygham_http_requests_total HTTP requests by route and status.\n"
           "# TYPE paygham_http_requests_total counter\n";
    for (const auto& [route, h] : routes_) {
      for (const auto& [status, n] : h.by_status) {
        out << "paygham_http_requests_total{route=\"" << escape_label(route) << "\",status=\""
            << status << "\"} " << n << "\n";
      }
    }
    out << "# HELP paygham_http_request_duration_seconds Time from a complete request to its "
           "response.\n# TYPE paygham_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : routes_) {
      const std::string r = escape_label(route);
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < bounds_.size(); ++i) {
        cumulative += h.buckets[i];
        out << "paygham_http_request_duration_seconds_bucket{route=\"" << r << "\",le=\""
            << bounds_[i] << "\"} " << cumulative << "\n";
      }
      out << "paygham_http_request_duration_seconds_bucket{route=\"" << r << "\",le=\"+Inf\"} "
          << h.count << "\n";
      out << "paygham_http_request_duration_seconds_sum{route=\"" << r << "\"} " << number(h.sum) << "\n";
      out << "paygham_http_request_duration_seconds_count{route=\"" << r << "\"} " << h.count
          << "\n";
    }
    for (const auto& [name, f] : counters_) {
      out << "# HELP " << name << " " << f.help << "\n# TYPE " << name << " counter\n";
      for (const auto& [labels, n] : f.values) out << name << "{" << labels << "} " << n << "\n";
    }
    for (const auto& line : info_) out << line;
    gauges = gauges_;
  }
  // Gauges may touch the store: read them outside the lock. A store that cannot answer (its
  // server restarting) leaves the sample out; the scrape and the server go on.
  for (const auto& g : gauges) {
    out << "# HELP " << g.name << " " << g.help << "\n# TYPE " << g.name << " gauge\n";
    try {
      const double v = g.read();
      out << g.name << " " << number(v) << "\n";
    } catch (const std::exception& e) {
      log::warn("metrics.gauge_failed", {{"gauge", g.name}, {"error", e.what()}});
    }
  }
  return out.str();
}

}  // namespace paygham::core
