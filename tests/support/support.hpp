// Test helpers: temporary folders, fixture files, the real `paygham` binary as a child
// process, and a small blocking HTTP/1.1 client that talks to it over loopback.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <thread>
#include <string>
#include <vector>

namespace paygham::test {

// True when the server and the tests run under AddressSanitizer and UBSan (the ci preset):
// slower, and every allocation carries red zones.
inline constexpr bool sanitized = PAYGHAM_SANITIZED != 0;

// A fresh folder under /tmp, removed with everything in it on destruction.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// What this process writes to stderr (its log lines) while one lives, kept in a file instead.
class stderr_capture {
 public:
  stderr_capture();
  ~stderr_capture();
  stderr_capture(const stderr_capture&) = delete;
  stderr_capture& operator=(const stderr_capture&) = delete;
  std::string text() const;  // so far

 private:
  temp_dir dir_;
  int saved_ = -1;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
// tests/fixtures/<rel>
std::string fixture_path(const std::string& rel);
// Every file in tests/fixtures/<rel_dir> with the extension, sorted.
std::vector<std::string> fixture_files(const std::string& rel_dir, const std::string& ext);

struct http_reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// Sends one request on a new connection (from the loopback address `from`, when given) and
// reads the reply. Throws on a network error.
http_reply http_call(int port, const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::string& content_type = "application/x-www-form-urlencoded",
                     const std::vector<std::pair<std::string, std::string>>& headers = {},
                     const std::string& from = "");

// A raw connection for tests that need to control every byte (partial requests, slow
// clients). Blocking, with a receive timeout; `from`: the loopback address it comes from
// ("127.0.0.7": another client, to the server).
class connection {
 public:
  explicit connection(int port, std::chrono::milliseconds timeout = std::chrono::seconds(5),
                      const std::string& from = "");
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  // Returns false when the peer has closed or reset the connection.
  bool send(const std::string& bytes);
  // Reads until the peer closes or the timeout passes.
  std::string read_all();
  // Reads one complete HTTP response (by Content-Length). Throws on close or timeout.
  http_reply read_reply();

 private:
  int fd_ = -1;
  std::string buffered_;
};

// `paygham serve --config FILE` as a child process, with stderr captured to a file.
class server_process {
 public:
  // Starts the server and waits for its "server.listening" log line.
  explicit server_process(const std::string& config_path);
  // Sends SIGTERM and waits (SIGKILL after 15 s).
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits for the process to exit; returns its exit code (or 128 + signal).
  int wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  std::string log() const;

 private:
  std::string log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
  bool exited_ = false;
  int exit_code_ = 0;
};

// tools/fake-aggregator as a child process on an ephemeral port; stopped on destruction.
class fake_aggregator {
 public:
  explicit fake_aggregator(const std::vector<std::string>& args);
  ~fake_aggregator();
  fake_aggregator(const fake_aggregator&) = delete;
  fake_aggregator& operator=(const fake_aggregator&) = delete;
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// Any program as a child process (a peer such as Kannel's bearerbox), its stdout and stderr
// appended to `log_path`; stopped by its PID on destruction (SIGTERM, SIGKILL after 5 s).
class child_process {
 public:
  child_process(const std::string& program, const std::vector<std::string>& args, const std::string& log_path);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  // False once the program has exited.
  bool running();

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
};

// Stops a child by its PID: SIGTERM, then SIGKILL if it is still there after 5 s.
void stop_child(pid_t pid);

// True once something accepts TCP connections on 127.0.0.1:port, false after `timeout`.
bool wait_for_port(int port, std::chrono::milliseconds timeout);

// What a peer read from `fd` up to the end of an HTTP head ("\r\n\r\n"), or until it closed.
std::string read_head(int fd);

// A TCP peer a test plays itself on 127.0.0.1 and an ephemeral port (an SMSC sink, a proxy):
// each accepted connection runs `handle(fd)` on a thread of its own, which must close the fd.
// The destructor stops accepting and joins every connection's thread (handlers that loop check
// stopping()).
class tcp_peer {
 public:
  explicit tcp_peer(std::function<void(int fd)> handle);
  ~tcp_peer();
  tcp_peer(const tcp_peer&) = delete;
  tcp_peer& operator=(const tcp_peer&) = delete;
  int port() const { return port_; }
  bool stopping() const { return stop_; }

 private:
  std::function<void(int)> handle_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (for a server whose public URL must be
// known before it starts).
int free_port();

// True once `done()` is, checked every 100 ms; false if it is still not after `limit`.
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit);

// The CPU time (user and system) a process has used so far, in seconds, from /proc.
double cpu_seconds(pid_t pid);

// Runs `paygham ARGS…` to completion; returns the exit code and fills stdout/stderr.
int run_paygham(const std::vector<std::string>& args, std::string* out = nullptr,
                std::string* err = nullptr, const std::string& input = "");

// `paygham token create` for `role`: the token it printed once.
std::string make_token(const std::string& config, const std::string& role, const std::string& name);

// `paygham user create` for `login`, an operator who logs in to the console with the password
// `operator_password` (and so may ask for and approve urgent alerts).
inline constexpr const char* operator_password = "river-lamp-seven";
void make_operator(const std::string& config, const std::string& login);

// An urgent alert of mine_safety.alert_floods to `area` with --yes, as two people send one at the
// command line: asked for by "amina", approved by "farid" (both made first with make_operator),
// each with their password.
void send_alert(const std::string& config, const std::string& area);

// A browser's session: the cookie the login set and the anti-CSRF value it returned.
struct session {
  int port = 0;
  std::string cookie;
  std::string csrf;
  nlohmann::json who;

  http_reply call(const std::string& method, const std::string& path, const std::string& body = "",
                  bool with_csrf = true) const;
};

// POST /api/v1/session as a browser would.
http_reply log_in_raw(int port, const std::string& login, const std::string& password);
session log_in(int port, const std::string& login, const std::string& password);
// Another person logging in from the same address soon after: one address may log in about
// twice a second, so this waits its turn first.
session log_in_next(int port, const std::string& login, const std::string& password);

// A REST API call with a bearer token ("" for none) and a JSON body.
http_reply api(int port, const std::string& method, const std::string& path, const std::string& token,
               const std::string& body = "");

// A config for a test server: port 0, a store in `dir`, the shipped flows and templates,
// and the shipped channels. `extra` is appended verbatim (more top-level YAML).
// The first column of the first row `sql` reads from the store in `dir` (paygham.db, SQLite),
// as text; waits for a writer to let go.
std::string scalar(const temp_dir& dir, const std::string& sql);

std::string write_test_config(const temp_dir& dir, const std::string& server_extra = "",
                              const std::string& channels_extra = "");

// A config serving the shipped flows on one channel (`channel`: its YAML mapping), `server` the
// server's mapping (listen, public_url), numbers read in `region`, the store in `dir`
// (synchronous: normal). Returns the config's path.
std::string write_channel_config(const temp_dir& dir, const std::string& server, const std::string& region,
                                 const std::string& channel);

// The same config, serving only `flows` (each "file name" → YAML text) with the shipped
// templates in English only, `en_extra` appended to them. Returns the config's path.
std::string write_flow_config(const temp_dir& dir, const std::map<std::string, std::string>& flows,
                              const std::string& en_extra);

}  // namespace paygham::test
