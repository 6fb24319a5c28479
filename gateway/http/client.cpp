// Include <utility> before Asio: Asio 1.74's awaitable.hpp uses std::exchange without it.
#include <utility>

#include "gateway/http/client.hpp"

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <cstdlib>
#include <deque>
#include <list>
#include <set>
#include <map>
#include <thread>
#include <vector>

namespace paygham::http {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

namespace {

struct target {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path;  // with the query
  std::string key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

bool parse_url(const std::string& url, target& t) {
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    t.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return false;
  }
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  t.path = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    t.host = authority.substr(0, colon);
    t.port = authority.substr(colon + 1);
  } else {
    t.host = authority;
    t.port = t.tls ? "443" : "80";
  }
  return !t.host.empty() && !t.port.empty();
}

// Whether `host` is to be reached directly by `no_proxy`'s list.
bool bypasses_proxy(const std::string& host, const std::string& no_proxy) {
  std::size_t at = 0;
  while (at <= no_proxy.size()) {
    const std::size_t comma = std::min(no_proxy.find(',', at), no_proxy.size());
    std::string entry = no_proxy.substr(at, comma - at);
    at = comma + 1;
    entry.erase(0, entry.find_first_not_of(' '));
    entry.erase(entry.find_last_not_of(' ') + 1);
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (entry.front() == '.') entry.erase(0, 1);
    if (host == entry) return true;
    if (host.size() > entry.size() && host.compare(host.size() - entry.size(), entry.size(), entry) == 0 &&
        host[host.size() - entry.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

// One connection, plain or TLS.
struct connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
};

}  // namespace

struct client::impl : std::enable_shared_from_this<client::impl> {
  struct waiting {
    core::http_call call;
    target where;
    done_fn done;
  };
  struct pool {
    std::vector<std::unique_ptr<connection>> idle;
    std::size_t open = 0;  // in use or idle
    std::deque<waiting> queue;
  };

  explicit impl(client_options o)
      : opts(std::move(o)), tls(ssl::context::tls_client), work(asio::make_work_guard(ioc)) {
    if (opts.ca_file.empty()) {
      tls.set_default_verify_paths();
    } else {
      tls.load_verify_file(opts.ca_file);
    }
    tls.set_verify_mode(ssl::verify_peer);
  }

  client_options opts;
  asio::io_context ioc;
  ssl::context tls;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::thread thread;
  std::map<std::string, pool> pools;  // touched on the client's thread only
  std::set<connection*> active;       // connections in use: closed by stop()
  std::list<std::weak_ptr<asio::steady_timer>> timers;  // after(): cancelled by stop()
  bool stopped = false;                 // on the client's thread
  std::atomic<bool> closing{false};     // set by stop(): nothing more is posted

  void start(waiting w) {
    pool& p = pools[w.where.key()];
    // Connections idle too long may have been closed by the other side: drop them.
    const auto now = std::chrono::steady_clock::now();
    while (!p.idle.empty() && now - p.idle.back()->idle_since > opts.idle_keep) {
      p.idle.pop_back();
      --p.open;
    }
    std::unique_ptr<connection> reuse;
    if (!p.idle.empty()) {
      reuse = std::move(p.idle.back());
      p.idle.pop_back();
    } else if (p.open < opts.max_per_host) {
      ++p.open;
    } else {
      p.queue.push_back(std::move(w));
      return;
    }
    asio::co_spawn(ioc, run(shared_from_this(), std::move(w), std::move(reuse)), asio::detached);
  }

  // A connection is back (or gone): the next request waiting for this host may go.
  void release(const std::string& key, std::unique_ptr<connection> c) {
    pool& p = pools[key];
    if (c) {
      c->idle_since = std::chrono::steady_clock::now();
      p.idle.push_back(std::move(c));
    } else {
      --p.open;
    }
    if (!p.queue.empty() && !stopped) {
      waiting next = std::move(p.queue.front());
      p.queue.pop_front();
      start(std::move(next));
    }
  }

  awaitable<std::unique_ptr<connection>> connect(const target& t, client_result& r) {
    auto c = std::make_unique<connection>();
    beast::error_code ec;
    // Through the proxy, unless this host is to be reached directly.
    target proxy;
    // This machine (a Kannel beside us, a test's fake aggregator) is always reached directly.
    const bool loopback = t.host == "127.0.0.1" || t.host == "localhost" || t.host == "[::1]";
    const bool proxied = !opts.proxy.empty() && !loopback && !bypasses_proxy(t.host, opts.no_proxy) &&
                         parse_url(opts.proxy, proxy);
    const target& first_hop = proxied ? proxy : t;
    tcp::resolver resolver(ioc);
    const auto endpoints = co_await resolver.async_resolve(first_hop.host, first_hop.port,
                                                           asio::redirect_error(use_awaitable, ec));
    if (ec) {
      r.error = "cannot resolve " + first_hop.host + ": " + ec.message();
      co_return nullptr;
    }
    if (t.tls) {
      c->secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, tls);
      // SNI, and the certificate must name the host.
      SSL_ctrl(c->secure->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(t.host.c_str()));
      c->secure->set_verify_callback(ssl::host_name_verification(t.host));
    } else {
      c->plain = std::make_unique<beast::tcp_stream>(ioc);
    }
    c->lowest().expires_after(opts.connect_timeout);
    co_await c->lowest().async_connect(endpoints, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      r.error = "cannot connect to " + first_hop.host + ":" + first_hop.port + ": " + ec.message();
      co_return nullptr;
    }
    if (proxied) {
      // A tunnel to the aggregator: CONNECT host:port, and a 200 before anything else.
      const std::string authority = t.host + ":" + t.port;
      bhttp::request<bhttp::empty_body> connect_req{bhttp::verb::connect, authority, 11};
      connect_req.set(bhttp::field::host, authority);
      co_await bhttp::async_write(c->lowest(), connect_req, asio::redirect_error(use_awaitable, ec));
      bhttp::response_parser<bhttp::empty_body> answer;
      answer.skip(true);  // a CONNECT answer has no body
      if (!ec) {
        co_await bhttp::async_read_header(c->lowest(), c->buffer, answer, asio::redirect_error(use_awaitable, ec));
      }
      if (ec || answer.get().result_int() != 200) {
        r.error = "the proxy " + proxy.host + ":" + proxy.port + " would not connect to " + authority + ": " +
                  (ec ? ec.message() : std::to_string(answer.get().result_int()));
        co_return nullptr;
      }
    }
    if (c->secure) {
      co_await c->secure->async_handshake(ssl::stream_base::client, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        r.error = "TLS with " + t.host + " failed: " + ec.message();
        co_return nullptr;
      }
    }
    co_return c;
  }

  static awaitable<void> run(std::shared_ptr<impl> self, waiting w, std::unique_ptr<connection> c) {
    client_result r;
    const std::string key = w.where.key();
    const auto deadline = std::chrono::steady_clock::now() + self->opts.total_timeout;
    if (!c) {
      c = co_await self->connect(w.where, r);
      if (!c) {
        r.no_connection = true;
        w.done(std::move(r));
        self->release(key, nullptr);
        co_return;
      }
    }
    self->active.insert(c.get());
    bhttp::request<bhttp::string_body> req;
    req.method(bhttp::string_to_verb(w.call.method));
    req.target(w.where.path);
    req.version(11);
    req.set(bhttp::field::host, w.where.host);
    req.set(bhttp::field::user_agent, "paygham");
    for (const auto& h : w.call.headers) req.set(h.name, h.value);
    if (req.method() != bhttp::verb::get || !w.call.body.empty()) req.body() = w.call.body;
    req.prepare_payload();
    req.keep_alive(true);

    beast::error_code ec;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(4 * 1024 * 1024);
    c->lowest().expires_at(deadline);
    if (c->secure) {
      co_await bhttp::async_write(*c->secure, req, asio::redirect_error(use_awaitable, ec));
      if (!ec) co_await bhttp::async_read(*c->secure, c->buffer, parser, asio::redirect_error(use_awaitable, ec));
    } else {
      co_await bhttp::async_write(*c->plain, req, asio::redirect_error(use_awaitable, ec));
      if (!ec) co_await bhttp::async_read(*c->plain, c->buffer, parser, asio::redirect_error(use_awaitable, ec));
    }
    self->active.erase(c.get());
    if (ec) {
      r.error = ec == beast::error::timeout ? "no answer within " + std::to_string(self->opts.total_timeout.count()) + " ms"
                                            : "connection failed: " + ec.message();
      w.done(std::move(r));
      self->release(key, nullptr);  // a broken connection is not reused
      co_return;
    }
    auto& res = parser.get();
    r.status = res.result_int();
    r.body = std::move(res.body());
    if (auto it = res.find(bhttp::field::retry_after); it != res.end()) r.retry_after = std::string(it->value());
    const bool keep = res.keep_alive() && !self->stopped;
    w.done(std::move(r));
    self->release(key, keep ? std::move(c) : nullptr);
  }
};

void proxy_from_environment(client_options& o) {
  const auto env = [](std::initializer_list<const char*> names) -> std::string {
    for (const char* n : names) {
      if (const char* v = std::getenv(n); v && *v) return v;
    }
    return {};
  };
  o.proxy = env({"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"});
  if (!o.proxy.empty() && o.proxy.find("://") == std::string::npos) o.proxy = "http://" + o.proxy;
  o.no_proxy = env({"NO_PROXY", "no_proxy"});
}

client::client(client_options o) : impl_(std::make_shared<impl>(std::move(o))) {
  impl_->thread = std::thread([i = impl_] { i->ioc.run(); });
}

client::~client() { stop(); }

void client::request(core::http_call call, done_fn done) {
  if (impl_->closing) {
    // No thread any more to run it on: answered here.
    client_result r;
    r.error = "client stopped";
    r.no_connection = true;
    done(std::move(r));
    return;
  }
  target t;
  if (!parse_url(call.url, t)) {
    client_result r;
    r.error = "not an http(s) URL";
    r.no_connection = true;
    asio::post(impl_->ioc, [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
    return;
  }
  asio::post(impl_->ioc, [i = impl_, w = impl::waiting{std::move(call), std::move(t), std::move(done)}]() mutable {
    if (i->stopped) {
      client_result r;
      r.error = "client stopped";
      r.no_connection = true;
      w.done(std::move(r));
      return;
    }
    i->start(std::move(w));
  });
}

void client::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  if (impl_->closing) return;
  asio::post(impl_->ioc, [i = impl_, delay, fn = std::move(fn)]() mutable {
    if (i->stopped) return;
    auto timer = std::make_shared<asio::steady_timer>(i->ioc, delay);
    i->timers.remove_if([](const auto& t) { return t.expired(); });
    i->timers.push_back(timer);
    timer->async_wait([timer, fn = std::move(fn)](beast::error_code ec) {
      if (!ec) fn();
    });
  });
}

void client::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->closing = true;
  // Everything still open is closed: requests waiting or in flight end with an error (their
  // callbacks run), timers are cancelled, and the thread ends when nothing is left.
  asio::post(impl_->ioc, [i = impl_] {
    i->stopped = true;
    for (auto& [key, p] : i->pools) {
      p.idle.clear();
      for (auto& w : p.queue) {
        client_result r;
        r.error = "client stopped";
        r.no_connection = true;
        w.done(std::move(r));
      }
      p.queue.clear();
    }
    for (connection* c : i->active) {
      beast::error_code ec;
      c->lowest().socket().close(ec);
    }
    for (auto& t : i->timers) {
      if (auto timer = t.lock()) timer->cancel();
    }
    i->timers.clear();
  });
  impl_->work.reset();
  impl_->thread.join();
}

}  // namespace paygham::http
