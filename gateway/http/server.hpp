// The HTTP server: Boost.Beast on C++20 coroutines, one session per connection.
//
// Limits: a fresh parser per request with a header limit (431) and a body limit (413, the
// connection is closed and nothing reaches a handler); a deadline on reading a whole request
// (a client trickling one byte a second is dropped), on writing a response, and on an idle
// keep-alive connection.
//
// Graceful stop (stop(), SIGINT, SIGTERM): stop accepting; close idle connections; let
// requests already being read or handled finish and answer (with Connection: close); after
// the grace period close whatever is left; then run() returns.
//
// This header is free of Asio and Beast on purpose: only server.cpp compiles them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateway/http/router.hpp"

namespace paygham::core {
class metrics;
}

namespace paygham::http {

struct server_options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: an ephemeral port (tests)
  std::size_t body_limit = 64 * 1024;
  std::size_t header_limit = 8 * 1024;
  std::chrono::milliseconds read_timeout{10'000};   // to receive one whole request
  std::chrono::milliseconds write_timeout{10'000};  // to send one response
  std::chrono::milliseconds idle_timeout{60'000};   // between keep-alive requests
  std::chrono::milliseconds grace{10'000};          // for in-flight requests on stop
  // Connections served at once; one more is answered 503 with Retry-After and closed
  // (aggregators retry), so a flood cannot take the descriptors /healthz needs. 0: the
  // process's descriptor limit less 64 for the store, logs and outgoing connections.
  std::size_t max_connections = 0;
  int threads = 1;
  // Addresses (canonical) of reverse proxies in front (server.trusted_proxies): a request from
  // one is taken as from the address its X-Forwarded-For names (core::forwarded_client).
  std::vector<std::string> trusted_proxies;
};

// The bytes of a response as the server writes them: status line, Server, Content-Type, the
// handler's headers (CR/LF in them become spaces; framing headers are the server's own),
// Content-Length, and Connection: close unless the connection stays open.
std::string serialize_response(const core::http_response& res, bool keep_alive);

class server {
 public:
  server(server_options o, const router& r, core::metrics& m);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and listens. Throws std::runtime_error saying which address failed and why.
  // Returns the bound port (useful with port 0).
  std::uint16_t listen();

  // Serves until a graceful stop completes. Blocks the calling thread (and uses
  // options.threads - 1 more).
  void run();

  // Begins a graceful stop. Thread-safe; idempotent.
  void stop();

  // Stop on SIGINT and SIGTERM; call `on_hup` on SIGHUP. Call before run().
  void handle_signals(std::function<void()> on_hup);

  // Calls `fn` on the io thread every `period` until stop (background ticks).
  void every(std::chrono::milliseconds period, std::function<void()> fn);

  // Calls `fn` once on an io thread after `delay` (deadlines). Thread-safe.
  void after(std::chrono::milliseconds delay, std::function<void()> fn);

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace paygham::http
