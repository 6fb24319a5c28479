// Fuzz target: the HTTP request path of a whole running gateway, as anyone on the network could
// reach it. The gateway (the shipped flows, clinics and templates, a store in a temporary
// folder, aggregators at a closed loopback port) serves on an ephemeral loopback port in this
// process; each input is one connection to it.
//   First byte even: the rest is written to the socket as it is (request line, headers, framing,
//     pipelined requests, bytes Beast must refuse), then the write side is closed.
//   First byte odd: a well-formed request to one of the routes the server's own OpenAPI document
//     lists (or an aggregator callback; not DELETE of a token, which would revoke the fuzzer's
//     own), chosen by the second byte, with the role of the third (none, admin, operator, health
//     worker) as a bearer token, path parameters from the fourth, and the rest as its JSON (or
//     form) body, or for a GET its first line as the query: the API's JSON bodies reach the
//     handlers and the store behind them. With the first byte's second bit set, a body that is a
//     JSON object keeps only the fields its route declares.
// A crash, a sanitizer report, a 500 (a handler that threw or dropped its reply), a 503 saying
// the store's work failed, or no answer at all to a well-formed request is a finding.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <future>
#include <thread>

#include "gateway/app/content.hpp"
#include "gateway/app/gateway.hpp"
#include "gateway/auth/token.hpp"
#include "gateway/channels/registry.hpp"
#include "gateway/core/log.hpp"
#include "gateway/store/writer.hpp"
#include "tests/fuzz/fuzz.hpp"

using namespace paygham;

namespace {

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "fuzz http: %s\n", why.c_str());
  std::abort();
}

// One connection: writes `bytes`, closes the write side, reads until the server closes (or 10 s,
// a time no answer may take). `why` says how the reading ended.
std::string round_trip(int port, std::string_view bytes, std::string* why = nullptr) {
  const auto start = std::chrono::steady_clock::now();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail("no socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    // Interrupted by libFuzzer's alarm, the connection goes on: wait for it and read its outcome.
    int err = errno;
    if (err == EINTR) {
      pollfd p{fd, POLLOUT, 0};
      while (::poll(&p, 1, 10'000) < 0 && errno == EINTR) {
      }
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    }
    if (err != 0) fail(std::string("the server does not accept: ") + std::strerror(err));
  }
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the server may close early (a limit): what it answered is still read
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string got;
  char buf[16384];
  for (;;) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;  // libFuzzer's alarm for its -timeout
    if (n <= 0) {
      if (why) {
        *why = (n == 0 ? std::string("closed") : std::string(std::strerror(errno))) + " after " +
               std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - start).count()) + " ms, " +
               std::to_string(sent) + " of " + std::to_string(bytes.size()) + " bytes sent";
      }
      break;
    }
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got;
}

// The first response's status (0: none). Pipelined requests may get more; the first is the one
// whose framing the client controls, so only it is judged.
int status_of(const std::string& wire) { return wire.rfind("HTTP/1.1 ", 0) == 0 ? std::atoi(wire.c_str() + 9) : 0; }

struct harness {
  std::string dir;
  std::unique_ptr<app::gateway> gateway;
  int port = 0;
  std::vector<std::string> tokens{""};  // by role: none, admin, operator, health_worker
  struct route {
    std::string method, pattern;
    std::set<std::string> fields;  // what its JSON body may hold
  };
  std::vector<route> routes;

  harness() {
    char tmpl[] = "/tmp/paygham-fuzz-http.XXXXXX";
    if (!::mkdtemp(tmpl)) fail("no temporary folder");
    dir = tmpl;
    static std::string remove_at_exit;
    remove_at_exit = dir;
    std::atexit([] { std::filesystem::remove_all(remove_at_exit); });
    const std::string src = PAYGHAM_SOURCE_DIR;
    const std::string config_path = dir + "/paygham.yaml";
    std::ofstream(config_path) << "server: {listen: \"127.0.0.1:0\", public_url: \"https://gw.example.org\"}\n"
                               << "store: {path: " << dir << "/paygham.db, synchronous: normal}\n"
                               << "defaults: {region: AF, language: en, emergency_number: \"112\"}\n"
                               << "flows: " << src << "/flows\nclinics: " << src << "/config/clinics.yaml\n"
                               << "templates: " << src << "/templates\nlexicon: " << src << "/lexicon\n"
                               << "api: {rate_per_token: 100000}\n"
                               << "channels:\n"
                               << "  - {id: at, type: africastalking, allow_ips: [127.0.0.1], username: u, "
                                  "api_key: k, base_url: \"http://127.0.0.1:9\"}\n"
                               << "  - {id: tw, type: twilio, account_sid: AC1, secret: s3cret, sender: "
                                  "\"+12028831111\", base_url: \"http://127.0.0.1:9\"}\n";
    core::log::set_level(core::log::level::error);  // refusals are expected by the thousand
    auto cfg = app::load_config(config_path);
    if (!cfg) fail("config: " + cfg.error());
    {
      const auto w = store::open_writer(cfg->store);
      store::run_now(*w, [&](store::tx& t) {
        for (const char* role : {"admin", "operator", "health_worker"}) {
          store::api_token k;
          k.name = std::string("fuzz ") + role;
          k.role = role;
          if (k.role == "health_worker") k.facility = "golshahr";
          const auto secret = auth::new_token();
          k.hash = auth::token_hash(secret);
          t.add_token(k);
          tokens.push_back(secret);
        }
      });
      w->stop();
    }
    std::vector<std::string> problems;
    auto content = app::load_content(cfg.value(), problems);
    if (!problems.empty()) fail("content: " + problems.front());
    std::vector<std::unique_ptr<channels::channel>> chans;
    for (const auto& s : cfg->channels) {
      auto ch = channels::make_channel(s);
      if (!ch) fail("channel: " + ch.error());
      chans.push_back(std::move(ch).value());
    }
    gateway = std::make_unique<app::gateway>(cfg.value(), content, std::move(chans));
    port = gateway->listen();
    std::promise<void> started;
    std::thread([this, &started] { gateway->run([&started] { started.set_value(); }); }).detach();
    started.get_future().wait();
    // Every route the server declares, from its own document.
    const auto doc = round_trip(port, "GET /api/v1/openapi.json HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n");
    const auto body = nlohmann::json::parse(doc.substr(doc.find("\r\n\r\n") + 4));
    for (const auto& [path, ops] : body.at("paths").items()) {
      for (const auto& [method, op] : ops.items()) {
        std::string m = method;
        for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        // Revoking a token would revoke the fuzzer's own, and every later call would stop at 401.
        if (m == "DELETE" && path.rfind("/api/v1/tokens/", 0) == 0) continue;
        route r{m, path, {}};
        if (op.contains("requestBody")) {
          for (const auto& [field, type] : op["requestBody"]["content"]["application/json"]["schema"]["properties"].items()) {
            r.fields.insert(field);
          }
        }
        routes.push_back(std::move(r));
      }
    }
    if (routes.size() < 20) fail("the OpenAPI document lists only " + std::to_string(routes.size()) + " routes");
    for (const char* kind : {"sms", "ussd", "status"}) {
      routes.push_back({"POST", std::string("/channels/at/") + kind, {}});
      routes.push_back({"POST", std::string("/channels/tw/") + kind, {}});
    }
  }
};

// A path parameter: ids that exist and do not, and text a path should never hold.
std::string param_value(std::uint8_t b) {
  static const char* values[] = {"1", "2", "3", "0", "-1", "99999999999999999999", "golshahr", "welcome",
                                 "%00", "..", "%2e%2e%2fetc", "1%20OR%201=1", "%D9%A1", "abc", "", "7"};
  return values[b % (sizeof values / sizeof values[0])];
}

std::string fill(std::string pattern, std::uint8_t b) {
  for (auto open = pattern.find('{'); open != std::string::npos; open = pattern.find('{')) {
    const auto close = pattern.find('}', open);
    pattern.replace(open, close - open + 1, param_value(b));
    b = static_cast<std::uint8_t>(b * 7 + 3);
  }
  return pattern;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static harness* h = new harness();  // lives to the process's end: its threads serve until then
  if (size < 1) return 0;
  std::string wire;
  if (data[0] % 2 == 0) {
    wire.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  } else {
    if (size < 4) return 0;
    const auto& [method, pattern, fields] = h->routes[data[1] % h->routes.size()];
    const auto& token = h->tokens[data[2] % h->tokens.size()];
    std::string body(reinterpret_cast<const char*>(data + 4), size - 4);
    if ((data[0] & 2) && method != "GET") {
      // Only the fields the route takes, so mutated bodies reach its checks and its work, not only
      // the refusal of an unknown field.
      auto j = nlohmann::json::parse(body, nullptr, false);
      if (j.is_object()) {
        for (auto it = j.begin(); it != j.end();) it = fields.count(it.key()) ? std::next(it) : j.erase(it);
        body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
    }
    const bool callback = pattern.rfind("/channels/", 0) == 0;
    std::string target = fill(pattern, data[3]);
    if (method == "GET" && !body.empty()) target += "?" + body.substr(0, body.find('\n'));
    wire = method + " " + target + " HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n";
    if (!token.empty()) wire += "Authorization: Bearer " + token + "\r\n";
    wire += callback ? "Content-Type: application/x-www-form-urlencoded\r\n" : "Content-Type: application/json\r\n";
    wire += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    wire += body;
  }
  std::string why;
  const auto reply = round_trip(h->port, wire, &why);
  const int status = status_of(reply);
  if (data[0] % 2 == 1 && status == 0) fail("no answer (" + why + ") to a well-formed request:\n" + wire);
  // A store failure (the work threw) is a 503 to the caller: for these inputs it is a bug.
  const bool store_threw = status == 503 && (reply.find("the store is not answering") != std::string::npos ||
                                             reply.find("could not store the callback") != std::string::npos);
  if (status == 500 || store_threw) fail("answered " + std::to_string(status) + " to:\n" + wire + "\n---\n" + reply);
  return 0;
}
