#include "gateway/core/metrics.hpp"

#include <catch2/catch.hpp>

TEST_CASE("core: metrics render requests, latency buckets, counters and gauges", "[core]") {
  paygham::core::metrics m;
  m.observe_request("/healthz", 200, 0.0004);
  m.observe_request("/healthz", 200, 0.002);
  m.observe_request("/channels/{channel}/{kind}", 413, 0.0001);
  m.count("paygham_callbacks_rejected_total", "Refused.", {{"channel", "at"}, {"reason", "auth"}});
  m.count("paygham_callbacks_rejected_total", "Refused.", {{"channel", "at"}, {"reason", "auth"}}, 2);
  m.gauge("paygham_outbox_depth", "Queued.", [] { return 7.0; });
  m.gauge("paygham_big", "Large.", [] { return 1234567.0; });
  m.gauge("paygham_ratio", "A fraction.", [] { return 0.125; });
  m.info("paygham_build_info", "What runs.", {{"version", "0.1.0"}});
  const std::string text = m.render();
  CHECK_THAT(text, Catch::Contains("paygham_http_requests_total{route=\"/healthz\",status=\"200\"} 2"));
  CHECK_THAT(text, Catch::Contains("status=\"413\"} 1"));
  CHECK_THAT(text, Catch::Contains(
                       "paygham_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0005\"} 1"));
  CHECK_THAT(text, Catch::Contains(
                       "paygham_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0025\"} 2"));
  CHECK_THAT(text, Catch::Contains("paygham_http_request_duration_seconds_count{route=\"/healthz\"} 2"));
  // One label per dimension, counters typed and named _total, values at full precision.
  CHECK_THAT(text, Catch::Contains("# TYPE paygham_callbacks_rejected_total counter"));
  CHECK_THAT(text, Catch::Contains("paygham_callbacks_rejected_total{channel=\"at\",reason=\"auth\"} 3"));
  CHECK_THAT(text, Catch::Contains("paygham_outbox_depth 7\n"));
  CHECK_THAT(text, Catch::Contains("paygham_big 1234567\n"));
  CHECK_THAT(text, Catch::Contains("paygham_ratio 0.125\n"));
  CHECK_THAT(text, Catch::Contains("paygham_build_info{version=\"0.1.0\"} 1"));
}
