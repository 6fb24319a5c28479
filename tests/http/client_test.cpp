// The outbound HTTP client against real sockets on 127.0.0.1: our own server for plain
// HTTP, and `openssl s_server` with a certificate made for the test for TLS.
#include "gateway/http/client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <future>
#include <thread>

#include "gateway/core/metrics.hpp"
#include "gateway/http/server.hpp"
#include "tests/support/support.hpp"

using namespace paygham;

namespace {

// Our server on an ephemeral port, with a few routes, run on its own thread.
struct local_server {
  http::router routes;
  core::metrics metrics;
  std::unique_ptr<http::server> srv;
  std::thread thread;
  std::uint16_t port = 0;
  std::atomic<int> hits{0};
  std::atomic<int> open{0}, most_open{0};
  std::mutex held_mu;
  std::vector<http::reply_fn> held;

  local_server() {
    routes.add("POST", "/echo", [this](core::http_request& req, const http::params&, http::reply_fn reply) {
      ++hits;
      reply(core::text_response(201, req.body + "|" + std::string(req.header("X-Test"))));
    });
    routes.add("GET", "/busy", [](core::http_request&, const http::params&, http::reply_fn reply) {
      auto r = core::text_response(429, "slow down");
      r.headers.push_back({"Retry-After", "7"});
      reply(std::move(r));
    });
    // Answers only when the test ends: the client's total timeout must end the request.
    routes.add("GET", "/silent", [this](core::http_request&, const http::params&, http::reply_fn reply) {
      std::lock_guard lock(held_mu);
      held.push_back(std::move(reply));
    });
    // Answers 20 ms later from another thread, counting how many are open at once.
    routes.add("GET", "/held", [this](core::http_request&, const http::params&, http::reply_fn reply) {
      const int now_open = ++open;
      for (int seen = most_open.load(); now_open > seen && !most_open.compare_exchange_weak(seen, now_open);) {
      }
      std::thread([this, reply = std::move(reply)] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        --open;
        reply(core::text_response(200, "held"));
      }).detach();
    });
    // Lets go of its reply without answering: the server still answers.
    routes.add("GET", "/dropped", [](core::http_request&, const http::params&, http::reply_fn) {});
    http::server_options o;
    o.port = 0;
    o.grace = std::chrono::milliseconds(200);
    srv = std::make_unique<http::server>(o, routes, metrics);
    port = srv->listen();
    thread = std::thread([this] { srv->run(); });
  }
  ~local_server() {
    {
      std::lock_guard lock(held_mu);
      for (auto& r : held) r(core::text_response(200, "late"));
    }
    srv->stop();
    thread.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
};

// A CONNECT proxy on 127.0.0.1, as an NGO network has: it tunnels to 127.0.0.1 whatever host
// it is asked for (the tests ask for 127.0.0.2, which the client would not proxy if it were
// 127.0.0.1), and keeps every CONNECT line it was sent.
struct connect_proxy {
  std::mutex mu;
  std::vector<std::string> asked;
  test::tcp_peer peer{[this](int c) { tunnel(c); }};  // last: it calls tunnel() until destroyed first

  std::string url() const { return "http://127.0.0.1:" + std::to_string(peer.port()); }

  void tunnel(int c) {
    const std::string head = test::read_head(c);
    char buf[4096];
    const std::string line = head.substr(0, head.find("\r\n"));
    {
      std::lock_guard lock(mu);
      asked.push_back(line);
    }
    // "CONNECT 127.0.0.2:PORT HTTP/1.1": tunnel to 127.0.0.1:PORT.
    const auto colon = line.rfind(':');
    const int target_port = std::atoi(line.c_str() + colon + 1);
    const int up = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(target_port));
    if (line.rfind("CONNECT ", 0) != 0 || ::connect(up, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      const std::string no = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
      ::send(c, no.data(), no.size(), MSG_NOSIGNAL);
      ::close(up);
      ::close(c);
      return;
    }
    const std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
    ::send(c, ok.data(), ok.size(), MSG_NOSIGNAL);
    // Relay both ways until either side closes.
    for (bool open = true; open && !peer.stopping();) {
      pollfd both[2] = {{c, POLLIN, 0}, {up, POLLIN, 0}};
      if (::poll(both, 2, 50) <= 0) continue;
      for (int i = 0; i < 2 && open; ++i) {
        if (!(both[i].revents & (POLLIN | POLLHUP))) continue;
        const ssize_t n = ::recv(both[i].fd, buf, sizeof buf, 0);
        open = n > 0 && ::send(both[1 - i].fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) == n;
      }
    }
    ::close(up);
    ::close(c);
  }
};

http::client_result call(http::client& c, core::http_call req) {
  std::promise<http::client_result> p;
  c.request(std::move(req), [&](http::client_result r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

}  // namespace

TEST_CASE("http client: requests, headers, bodies, Retry-After and keep-alive", "[http]") {
  local_server s;
  http::client c;
  const auto r = call(c, {"POST", s.url("/echo"), {{"X-Test", "yes"}}, "hello"});
  CHECK(r.status == 201);
  CHECK(r.body == "hello|yes\n");
  CHECK(r.error.empty());
  const auto busy = call(c, {"GET", s.url("/busy"), {}, ""});
  CHECK(busy.status == 429);
  CHECK(busy.retry_after == "7");
  // Many requests, few connections: the pool reuses them.
  std::vector<std::future<http::client_result>> all;
  std::vector<std::promise<http::client_result>> ps(50);
  for (auto& p : ps) {
    all.push_back(p.get_future());
    c.request({"POST", s.url("/echo"), {}, "x"}, [&p](http::client_result res) { p.set_value(std::move(res)); });
  }
  for (auto& f : all) CHECK(f.get().status == 201);
  CHECK(s.hits == 51);
}

TEST_CASE("http client: refused connections, bad URLs and silence end with a reason", "[http]") {
  http::client_options o;
  o.total_timeout = std::chrono::milliseconds(300);
  http::client c(o);
  const auto refused = call(c, {"GET", "http://127.0.0.1:9/x", {}, ""});
  CHECK(refused.status == 0);
  CHECK(refused.no_connection);
  CHECK_THAT(refused.error, Catch::Contains("cannot connect"));
  const auto bad = call(c, {"GET", "ftp://example.org/x", {}, ""});
  CHECK(bad.no_connection);
  local_server s;
  const auto start = std::chrono::steady_clock::now();
  const auto silent = call(c, {"GET", s.url("/silent"), {}, ""});
  CHECK(silent.status == 0);
  CHECK_FALSE(silent.no_connection);
  CHECK_THAT(silent.error, Catch::Contains("no answer within 300 ms"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  CHECK(call(c, {"GET", s.url("/dropped"), {}, ""}).status == 500);
}

TEST_CASE("http client: TLS checks the certificate and the host name", "[http]") {
  test::temp_dir dir;
  // A self-signed certificate for "localhost", made for this test.
  const std::string key = dir.file("key.pem"), cert = dir.file("cert.pem");
  REQUIRE(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
                       "-addext subjectAltName=DNS:localhost -keyout " + key + " -out " + cert +
                       " >/dev/null 2>&1").c_str()) == 0);
  // openssl s_server on a free port; a port taken between free_port() and its bind makes it
  // exit, and then another is tried.
  int port = 0;
  pid_t pid = -1;
  http::client_options trusting;
  trusting.ca_file = cert;
  http::client good(trusting);
  http::client_result ok;
  for (int attempt = 0; attempt < 3 && ok.status == 0; ++attempt) {
    port = test::free_port();
    pid = ::fork();
    if (pid == 0) {
      ::freopen("/dev/null", "w", stdout);
      ::freopen("/dev/null", "w", stderr);
      ::execlp("openssl", "openssl", "s_server", "-accept", ("127.0.0.1:" + std::to_string(port)).c_str(),
               "-cert", cert.c_str(), "-key", key.c_str(), "-www", "-quiet", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // It takes a moment to listen, longer on a loaded machine (10 s at most).
    for (int i = 0; i < 200; ++i) {
      ok = call(good, {"GET", "https://localhost:" + std::to_string(port) + "/", {}, ""});
      if (ok.status != 0 || ::waitpid(pid, nullptr, WNOHANG) == pid) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (ok.status == 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  }
  struct stop_child {
    pid_t pid;
    ~stop_child() {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  } guard{pid};
  const std::string url = "https://localhost:" + std::to_string(port) + "/";
  CHECK(ok.status == 200);
  // The system store does not know this certificate.
  http::client strict;
  const auto untrusted = call(strict, {"GET", url, {}, ""});
  CHECK(untrusted.status == 0);
  CHECK(untrusted.no_connection);
  CHECK_THAT(untrusted.error, Catch::Contains("TLS with localhost failed"));
  // A trusted certificate for another name: refused too.
  const auto wrong_name = call(good, {"GET", "https://127.0.0.1:" + std::to_string(port) + "/", {}, ""});
  CHECK(wrong_name.status == 0);
  CHECK_THAT(wrong_name.error, Catch::Contains("TLS with 127.0.0.1 failed"));
}

TEST_CASE("http client: at most max_per_host connections to one host, the rest wait their turn", "[http]") {
  const auto most_at_once = [](std::size_t limit) {
    local_server s;
    http::client_options o;
    o.max_per_host = limit;
    http::client c(o);
    std::vector<std::promise<http::client_result>> ps(8);
    std::vector<std::future<http::client_result>> all;
    for (auto& p : ps) {
      all.push_back(p.get_future());
      c.request({"GET", s.url("/held"), {}, ""}, [&p](http::client_result res) { p.set_value(std::move(res)); });
    }
    for (auto& f : all) CHECK(f.get().status == 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the last answers' threads end
    return s.most_open.load();
  };
  CHECK(most_at_once(1) == 1);
  CHECK(most_at_once(2) == 2);
  CHECK(most_at_once(16) > 2);  // the limit is what holds them back
}

TEST_CASE("http client: through a CONNECT proxy, except hosts in no_proxy and this machine", "[http]") {
  local_server s;
  connect_proxy proxy;
  http::client_options o;
  o.proxy = proxy.url();
  o.total_timeout = std::chrono::milliseconds(2000);
  http::client c(o);
  const std::string far = "http://127.0.0.2:" + std::to_string(s.port) + "/echo";
  const auto r = call(c, {"POST", far, {{"X-Test", "tunnel"}}, "hello"});
  CHECK(r.status == 201);
  CHECK(r.body == "hello|tunnel\n");
  {
    std::lock_guard lock(proxy.mu);
    REQUIRE(proxy.asked.size() == 1);
    CHECK(proxy.asked[0] == "CONNECT 127.0.0.2:" + std::to_string(s.port) + " HTTP/1.1");
  }
  // This machine is reached directly.
  CHECK(call(c, {"POST", s.url("/echo"), {}, "x"}).status == 201);
  // So is a host in no_proxy (127.0.0.2 has nobody listening: the direct attempt is refused).
  http::client_options direct = o;
  direct.no_proxy = "example.org, 127.0.0.2";
  http::client d(direct);
  const auto refused = call(d, {"POST", far, {}, "x"});
  CHECK(refused.no_connection);
  CHECK_THAT(refused.error, Catch::Contains("cannot connect to 127.0.0.2"));
  {
    std::lock_guard lock(proxy.mu);
    CHECK(proxy.asked.size() == 1);
  }
  // A proxy that will not connect says so.
  http::client_options to_nowhere = o;
  http::client n(to_nowhere);
  const auto no = call(n, {"POST", "http://127.0.0.2:9/echo", {}, "x"});
  CHECK(no.no_connection);
  CHECK_THAT(no.error, Catch::Contains("would not connect to 127.0.0.2:9: 502"));
}
