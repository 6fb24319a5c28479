// The HTTP client the outbox sends with: Beast over TCP, and OpenSSL for https with the
// certificate checked against the system CA store (or `ca_file`) and the host name checked
// (SNI sent). Connections are kept alive and pooled per host, at most `max_per_host` each;
// requests beyond that wait their turn. Every request has a connect timeout and a total
// timeout. It runs on its own thread; callbacks run there and must be quick.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "gateway/core/http_message.hpp"

namespace paygham::http {

struct client_options {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds total_timeout{30'000};  // connect, send and read, together
  std::chrono::milliseconds idle_keep{15'000};      // an idle connection older than this is closed
  std::size_t max_per_host = 16;
  std::string ca_file;  // empty: the system CA store
  // A proxy to reach aggregators through, as NGO networks often require: "http://host:port".
  // Every connection is tunnelled with CONNECT, so TLS still runs end to end with the
  // aggregator. Empty: direct.
  std::string proxy;
  // Hosts reached directly even so: "10.0.0.5,.example.org" ('.x' and 'x' match x and its
  // subdomains), "*" for every host. Loopback (127.0.0.1, localhost) is always direct.
  std::string no_proxy;
};

// The proxy settings of the environment, as curl reads them: HTTPS_PROXY (or https_proxy,
// then HTTP_PROXY/http_proxy) and NO_PROXY (or no_proxy).
void proxy_from_environment(client_options& o);

struct client_result {
  unsigned status = 0;      // 0: no HTTP answer; `error` says why
  std::string body;
  std::string retry_after;  // the Retry-After header, if any
  std::string error;
  bool no_connection = false;  // no connection could be made (refused, DNS, TLS, connect timeout)
};

class client {
 public:
  using done_fn = std::function<void(client_result)>;

  explicit client(client_options o = {});
  ~client();  // stop()
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // Thread-safe. `done` is called once, on the client's thread; stop() ends requests still
  // waiting or in flight with an error.
  void request(core::http_call call, done_fn done);
  // Runs `fn` on the client's thread after `delay` (unless stopped first).
  void after(std::chrono::milliseconds delay, std::function<void()> fn);
  void stop();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace paygham::http
