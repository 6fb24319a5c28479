// Include <utility> before Asio: Asio 1.74's awaitable.hpp uses std::exchange without it.
#include <utility>

#include "gateway/http/server.hpp"

#include <sys/resource.h>

#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <list>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gateway/core/http_message.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/metrics.hpp"

namespace paygham::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

namespace {

// A header value never ends the line early: CR and LF become spaces (no header injection).
void append_value(std::string& out, std::string_view value) {
  for (const char c : value) out += (c == '\r' || c == '\n') ? ' ' : c;
}

}  // namespace

// The response in one buffer, written with one send: Beast's serializer walks a chain of
// buffer views per field, 7% of the io thread's time a request.
std::string serialize_response(const core::http_response& res, bool keep_alive) {
  std::string out;
  out.reserve(128 + res.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  out += bhttp::obsolete_reason(static_cast<bhttp::status>(res.status));
  out += "\r\nServer: paygham\r\nContent-Type: ";
  append_value(out, res.content_type);
  for (const auto& h : res.headers) {
    // Framing is ours alone.
    if (core::same_header_name(h.name, "Content-Length") || core::same_header_name(h.name, "Connection") ||
        core::same_header_name(h.name, "Transfer-Encoding")) {
      continue;
    }
    out += "\r\n";
    append_value(out, h.name);
    out += ": ";
    append_value(out, h.value);
  }
  out += "\r\nContent-Length: ";
  out += std::to_string(res.body.size());
  if (!keep_alive) out += "\r\nConnection: close";
  out += "\r\n\r\n";
  out += res.body;
  return out;
}

struct server::impl : std::enable_shared_from_this<server::impl> {
  // One entry per open connection, so a stop can close the idle ones at once.
  struct session_entry {
    std::uint64_t id;
    beast::tcp_stream* stream;
    asio::any_io_executor executor;
    bool busy = false;  // some bytes of a request have arrived, or it is being answered
  };

  impl(server_options o, const router& r, core::metrics& m)
      : opts(std::move(o)), routes(r), stats(m), ioc(opts.threads), acceptor(ioc),
        signals(ioc), grace_timer(ioc) {}

  server_options opts;
  const router& routes;
  core::metrics& stats;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer grace_timer;
  std::function<void()> on_hup;
  std::list<asio::steady_timer> tickers;

  // Replies handed back from other threads (the store's writer answers a whole group of
  // requests at once): one post to the io thread carries all that arrived meanwhile, instead
  // of one wake-up each. Each reply then runs on its session's executor.
  struct handback {
    asio::any_io_executor ex;
    std::function<void()> fn;
  };
  std::mutex handback_mu;
  std::vector<handback> handbacks;  // guarded by handback_mu
  bool handback_posted = false;     // guarded by handback_mu: a drain is on its way

  void hand_back(asio::any_io_executor ex, std::function<void()> fn) {
    {
      std::lock_guard lock(handback_mu);
      handbacks.push_back({std::move(ex), std::move(fn)});
      if (std::exchange(handback_posted, true)) return;
    }
    asio::post(ioc, [self = shared_from_this()] { self->drain_handbacks(); });
  }

  void drain_handbacks() {
    std::vector<handback> ready;
    {
      std::lock_guard lock(handback_mu);
      ready.swap(handbacks);
      handback_posted = false;
    }
    for (auto& h : ready) asio::dispatch(h.ex, std::move(h.fn));
  }

  std::mutex mu;  // guards sessions (sessions run on their own strands)
  std::list<session_entry> sessions;
  std::uint64_t next_session_id = 0;
  std::atomic<bool> stopping{false};

  std::uint16_t listen() {
    beast::error_code ec;
    const auto address = asio::ip::make_address(opts.address, ec);
    if (ec) throw std::runtime_error("server.listen: '" + opts.address + "' is not an IP address");
    const tcp::endpoint ep(address, opts.port);
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("cannot listen on " + opts.address + ":" +
                               std::to_string(opts.port) + ": " + ec.message());
    }
    if (opts.max_connections == 0) {
      rlimit fds{};
      ::getrlimit(RLIMIT_NOFILE, &fds);
      const std::size_t limit = fds.rlim_cur == RLIM_INFINITY ? 65536 : static_cast<std::size_t>(fds.rlim_cur);
      opts.max_connections = std::max<std::size_t>(16, limit > 64 ? limit - 64 : 0);
    }
    return acceptor.local_endpoint().port();
  }

  awaitable<void> accept_loop() {
    auto self = shared_from_this();
    asio::steady_timer breather(ioc);
    std::uint64_t failed = 0;  // accept errors since the last log line
    auto last_log = std::chrono::steady_clock::time_point{};
    for (;;) {
      beast::error_code ec;
      // Connections share one thread's executor; with more threads each gets a strand.
      const asio::any_io_executor ex = opts.threads > 1
                                           ? asio::any_io_executor(asio::make_strand(ioc))
                                           : asio::any_io_executor(ioc.get_executor());
      tcp::socket socket =
          co_await acceptor.async_accept(ex, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) co_return;
        // Out of file descriptors and the like: the pending connection stays in the backlog
        // and accept would fail again at once. Pause accepting a moment (no spin), log at most
        // once a second with a count, and go on when descriptors are free again.
        ++failed;
        stats.count("paygham_http_connections_refused_total", "Connections not served, by reason.",
                    {{"reason", "cannot_accept"}});
        const auto now = std::chrono::steady_clock::now();
        if (now - last_log >= std::chrono::seconds(1)) {
          core::log::warn("http.accept_failed", {{"error", ec.message()}, {"count", failed}});
          failed = 0;
          last_log = now;
        }
        breather.expires_after(std::chrono::milliseconds(50));
        co_await breather.async_wait(asio::redirect_error(use_awaitable, ec));
        continue;
      }
      if (connections() >= opts.max_connections) {
        // Full: a short answer the aggregator will retry, rather than a queue nobody drains.
        stats.count("paygham_http_connections_refused_total", "Connections not served, by reason.",
                    {{"reason", "max_connections"}});
        asio::co_spawn(ex, refuse(std::move(socket)), asio::detached);
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(ex, session(std::move(socket)), asio::detached);
    }
  }

  std::size_t connections() {
    std::lock_guard lock(mu);
    return sessions.size();
  }

  awaitable<void> refuse(tcp::socket socket) {
    static constexpr std::string_view body = "too many connections; retry soon";
    static const std::string busy = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\n"
                                    "Content-Length: " + std::to_string(body.size()) +
                                    "\r\nConnection: close\r\n\r\n" + std::string(body);
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(std::chrono::seconds(1));
    beast::error_code ec;
    co_await asio::async_write(stream, asio::buffer(busy.data(), busy.size()), asio::redirect_error(use_awaitable, ec));
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  std::list<session_entry>::iterator enter(beast::tcp_stream& stream) {
    std::lock_guard lock(mu);
    sessions.push_back(session_entry{++next_session_id, &stream, stream.get_executor(), false});
    return std::prev(sessions.end());
  }

  void leave(std::list<session_entry>::iterator it) {
    bool last = false;
    {
      std::lock_guard lock(mu);
      sessions.erase(it);
      last = sessions.empty();
    }
    if (last && stopping) asio::post(ioc, [self = shared_from_this()] { self->finish(); });
  }

  void set_busy(std::list<session_entry>::iterator it, bool busy) {
    std::lock_guard lock(mu);
    it->busy = busy;
  }

  // Calls the route's handler and waits for its reply without blocking the thread.
  awaitable<core::http_response> dispatch(const router::match& m, core::http_request& req) {
    if (!m.target) {
      if (!m.allow.empty()) {
        auto res = core::text_response(405, "method " + req.method + " is not allowed here");
        res.headers.push_back({"Allow", m.allow});
        co_return res;
      }
      co_return core::text_response(404, "no such path: " + req.path);
    }
    auto ex = co_await asio::this_coro::executor;
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&,
                                            void(core::http_response)>(
        [&](auto completion) {
          using completion_t = decltype(completion);
          // The work guard keeps run() alive while a handler waits on another thread.
          struct pending {
            pending(completion_t c, asio::io_context& io, asio::any_io_executor e)
                : completion(std::move(c)), work(asio::make_work_guard(io)), ex(std::move(e)) {}
            // A handler that let go of its reply without answering still gets the session
            // an answer, so the connection is never left hanging.
            ~pending() {
              if (replied.exchange(true)) return;
              asio::post(ex, [c = std::move(completion), w = std::move(work)]() mutable {
                c(core::text_response(500, "the request was dropped without an answer"));
              });
            }
            completion_t completion;
            asio::executor_work_guard<asio::io_context::executor_type> work;
            asio::any_io_executor ex;
            std::atomic<bool> replied{false};
          };
          auto p = std::make_shared<pending>(std::move(completion), ioc, ex);
          (*m.target)(req, m.values, [p, ex, self = shared_from_this()](core::http_response res) {
            if (p->replied.exchange(true)) return;  // a second reply is a bug; ignore it
            self->hand_back(ex, [p, res = std::move(res)]() mutable {
              p->completion(std::move(res));
              p->work.reset();
            });
          });
        },
        use_awaitable);
  }

  core::http_request to_request(bhttp::request<bhttp::string_body>&& msg,
                                const std::string& remote_ip) const {
    core::http_request req;
    req.method = std::string(msg.method_string());
    const std::string_view target = msg.target();
    const auto q = target.find('?');
    req.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
    req.headers.reserve(8);
    // Behind a proxy the operator trusts, the caller is who it says it heard from.
    const bool proxied = !opts.trusted_proxies.empty() &&
                         std::find(opts.trusted_proxies.begin(), opts.trusted_proxies.end(),
                                   remote_ip) != opts.trusted_proxies.end();
    std::string forwarded_for;
    for (const auto& f : msg) {
      req.headers.push_back({std::string(f.name_string()), std::string(f.value())});
      if (proxied && beast::iequals(f.name_string(), "X-Forwarded-For")) {
        forwarded_for += (forwarded_for.empty() ? "" : ",") + std::string(f.value());
      }
    }
    req.body = std::move(msg.body());
    req.remote_ip = proxied ? core::forwarded_client(remote_ip, forwarded_for, opts.trusted_proxies)
                            : remote_ip;
    return req;
  }

  awaitable<void> session(tcp::socket socket) {
    auto self = shared_from_this();
    beast::tcp_stream stream(std::move(socket));
    const auto entry = enter(stream);
    beast::error_code ec;
    const auto remote = stream.socket().remote_endpoint(ec);
    // As allow_ips and monitoring_from are read: a v4 caller of a dual-stack listener ([::])
    // by its v4 address, as the operator knows it.
    const std::string remote_ip = ec ? std::string() : core::canonical_address(remote.address().to_string());
    beast::flat_buffer buffer;

    for (;;) {
      // Idle: wait for the first bytes of the next request. A stop closes us here.
      if (buffer.size() == 0) {
        set_busy(entry, false);
        if (stopping) break;
        stream.expires_after(opts.idle_timeout);
        const std::size_t n = co_await stream.async_read_some(
            buffer.prepare(4096), asio::redirect_error(use_awaitable, ec));
        if (ec) break;  // peer closed, idle timeout, or cancelled by stop
        buffer.commit(n);
      }
      set_busy(entry, true);

      // A fresh parser per request, so limits and state never leak between requests.
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(opts.header_limit));
      parser.body_limit(opts.body_limit);
      // One deadline for the whole request: a client trickling bytes cannot hold us.
      stream.expires_after(opts.read_timeout);
      co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      const auto started = std::chrono::steady_clock::now();

      core::http_response res;
      std::string route = "unmatched";
      bool keep_alive = false;
      if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
        break;  // nobody to answer: the peer left, or was too slow and is dropped
      } else if (ec == bhttp::error::body_limit) {
        res = core::text_response(413, "request body is larger than " +
                                           std::to_string(opts.body_limit) + " bytes");
      } else if (ec == bhttp::error::header_limit) {
        res = core::text_response(431, "request headers are larger than " +
                                           std::to_string(opts.header_limit) + " bytes");
      } else if (ec) {
        res = core::text_response(400, "malformed HTTP request: " + ec.message());
      } else {
        keep_alive = parser.get().keep_alive();
        core::http_request req = to_request(parser.release(), remote_ip);
        const router::match m = routes.find(req.method, req.path);
        route = m.route;
        res = co_await dispatch(m, req);
        if (res.hang_up) break;
      }
      stats.observe_request(
          route, res.status,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());

      // After an error the stream position is unknown, and on stop we say goodbye.
      const bool again = keep_alive && !stopping;
      const std::string out = serialize_response(res, again);
      stream.expires_after(opts.write_timeout);
      co_await asio::async_write(stream, asio::buffer(out), asio::redirect_error(use_awaitable, ec));
      if (ec || !again) break;
    }
    // Half-close so the peer reads everything we sent before the socket goes.
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.close();
    leave(entry);
  }

  // Runs `fn` on a session that is still open; called on that session's strand.
  template <class Fn>
  void on_session(std::uint64_t id, Fn fn) {
    std::lock_guard lock(mu);
    for (auto& live : sessions) {
      if (live.id == id) return fn(live);
    }
  }

  void begin_stop() {
    if (stopping.exchange(true)) return;
    core::log::info("server.stopping", {{"grace_ms", static_cast<std::int64_t>(opts.grace.count())}});
    beast::error_code ec;
    acceptor.close(ec);
    signals.cancel(ec);
    for (auto& t : tickers) t.cancel();
    bool none = false;
    {
      std::lock_guard lock(mu);
      none = sessions.empty();
      for (auto& s : sessions) {
        if (s.busy) continue;
        // Idle keep-alive connections are closed now; their strand does the closing.
        asio::post(s.executor, [id = s.id, self = shared_from_this()] {
          self->on_session(id, [](session_entry& live) {
            if (!live.busy) live.stream->cancel();
          });
        });
      }
    }
    if (none) return finish();
    grace_timer.expires_after(opts.grace);
    grace_timer.async_wait([self = shared_from_this()](beast::error_code e) {
      if (e) return;
      std::lock_guard lock(self->mu);
      core::log::warn("server.grace_expired", {{"open_connections", self->sessions.size()}});
      for (auto& s : self->sessions) {
        asio::post(s.executor, [id = s.id, self] {
          self->on_session(id, [](session_entry& live) { live.stream->close(); });
        });
      }
      asio::post(self->ioc, [self] { self->finish(); });
    });
  }

  void finish() {
    grace_timer.cancel();
    ioc.stop();
  }
};

server::server(server_options o, const router& r, core::metrics& m)
    : impl_(std::make_shared<impl>(std::move(o), r, m)) {}

server::~server() = default;

std::uint16_t server::listen() { return impl_->listen(); }

void server::run() {
  asio::co_spawn(impl_->ioc, impl_->accept_loop(), asio::detached);
  std::vector<std::thread> extra;
  for (int i = 1; i < impl_->opts.threads; ++i) extra.emplace_back([this] { impl_->ioc.run(); });
  try {
    impl_->ioc.run();
  } catch (...) {
    // A handler threw: the other threads stop too before the exception goes on.
    impl_->ioc.stop();
    for (auto& t : extra) t.join();
    throw;
  }
  for (auto& t : extra) t.join();
}

void server::stop() {
  asio::post(impl_->ioc, [self = impl_] { self->begin_stop(); });
}

void server::handle_signals(std::function<void()> on_hup) {
  impl_->on_hup = std::move(on_hup);
  impl_->signals.add(SIGINT);
  impl_->signals.add(SIGTERM);
  impl_->signals.add(SIGHUP);
  struct waiter {
    std::shared_ptr<impl> self;
    void operator()(beast::error_code ec, int sig) const {
      if (ec) return;  // cancelled by stop
      if (sig == SIGHUP) {
        if (self->on_hup) self->on_hup();
        self->signals.async_wait(waiter{self});
        return;
      }
      core::log::info("server.signal", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
      self->begin_stop();
    }
  };
  impl_->signals.async_wait(waiter{impl_});
}

void server::every(std::chrono::milliseconds period, std::function<void()> fn) {
  auto& timer = impl_->tickers.emplace_back(impl_->ioc);
  struct tick {
    asio::steady_timer* timer;
    std::chrono::milliseconds period;
    std::function<void()> fn;
    void operator()(beast::error_code ec) {
      if (ec) return;  // cancelled by stop
      fn();
      timer->expires_after(period);
      timer->async_wait(std::move(*this));
    }
  };
  timer.expires_after(period);
  timer.async_wait(tick{&timer, period, std::move(fn)});
}

void server::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  auto timer = std::make_shared<asio::steady_timer>(impl_->ioc, delay);
  timer->async_wait([timer, fn = std::move(fn)](beast::error_code ec) {
    if (!ec) fn();
  });
}

}  // namespace paygham::http
