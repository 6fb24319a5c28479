#include <algorithm>

#include "gateway/api/api.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/http/router.hpp"

namespace paygham::api {

namespace {

// /metrics and /readyz say how the deployment is doing: only to the addresses configured.
bool may_watch(const services& s, const core::http_request& req) {
  return s.monitoring_from.empty() ||
         std::find(s.monitoring_from.begin(), s.monitoring_from.end(), req.remote_ip) != s.monitoring_from.end();
}

}  // namespace

void add_health_routes(http::router& r, services& s) {
  // Liveness: the process answers HTTP.
  r.add("GET", "/healthz", [](core::http_request&, const http::params&, http::reply_fn reply) {
    reply(core::text_response(200, "ok"));
  });
  // Readiness: the store answers and flows are loaded.
  r.add("GET", "/readyz", [&s](core::http_request& req, const http::params&, http::reply_fn reply) {
    if (!may_watch(s, req)) return reply(core::text_response(403, "not from this address (api.monitoring_from)"));
    const std::string why = s.not_ready_reason();
    reply(why.empty() ? core::text_response(200, "ready") : core::text_response(503, why));
  });
  r.add("GET", "/metrics", [&s](core::http_request& req, const http::params&, http::reply_fn reply) {
    if (!may_watch(s, req)) return reply(core::text_response(403, "not from this address (api.monitoring_from)"));
    auto res = core::text_response(200, s.metrics.render());
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    reply(std::move(res));
  });
}

}  // namespace paygham::api
