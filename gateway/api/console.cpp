// GET /console/…: the web console's page, script and styles, from the binary itself. Strict
// headers: scripts and styles only from this server (no inline script can run, whatever a
// contact's name holds), no framing, no MIME sniffing, no referrer.
#include "gateway/api/api.hpp"
#include "gateway/api/console_assets.hpp"

namespace paygham::api {
namespace {

core::http_response asset_response(const console_asset& a) {
  core::http_response res;
  res.content_type = std::string(a.content_type);
  res.body = std::string(a.bytes);
  res.headers = {
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      // A new build's console is used at once; the files are small.
      {"Cache-Control", "no-cache"},
  };
  return res;
}

const console_asset* find_asset(std::string_view path) {
  for (const auto& a : console_assets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

}  // namespace

void add_console_routes(http::router& router) {
  // The router reads "/console" and "/console/" alike; the page's relative links need the slash.
  router.add("GET", "/console/", [](core::http_request& req, const http::params&, http::reply_fn reply) {
    if (req.path.empty() || req.path.back() != '/') {
      auto res = core::text_response(308, "the console is at /console/\n");
      res.headers.push_back({"Location", "/console/"});
      return reply(std::move(res));
    }
    reply(asset_response(*find_asset("index.html")));
  });
  router.add("GET", "/console/{file}", [](core::http_request&, const http::params& values, http::reply_fn reply) {
    const auto* a = find_asset(http::param(values, "file"));
    if (!a) return reply(core::text_response(404, "no such file in the console\n"));
    reply(asset_response(*a));
  });
}

}  // namespace paygham::api
