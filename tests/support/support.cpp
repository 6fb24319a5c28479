#include "tests/support/support.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace paygham::test {

temp_dir::temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "paygham-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

stderr_capture::stderr_capture() {
  const int file =
      ::open(dir_.file("stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (file < 0) throw std::runtime_error("cannot capture stderr");
  saved_ = ::dup(STDERR_FILENO);
  ::dup2(file, STDERR_FILENO);
  ::close(file);
}

stderr_capture::~stderr_capture() {
  ::dup2(saved_, STDERR_FILENO);
  ::close(saved_);
}

std::string stderr_capture::text() const { return read_file(dir_.file("stderr")); }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string fixture_path(const std::string& rel) {
  return std::string(PAYGHAM_SOURCE_DIR) + "/tests/fixtures/" + rel;
}

std::vector<std::string> fixture_files(const std::string& rel_dir, const std::string& ext) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(fixture_path(rel_dir))) {
    if (e.path().extension() == ext) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

int connect_loopback(int port, std::chrono::milliseconds timeout, const std::string& from) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!from.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (::inet_pton(AF_INET, from.c_str(), &local.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      ::close(fd);
      throw std::runtime_error("cannot connect from " + from);
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + " failed");
  }
  return fd;
}

// Parses one response from the front of `buf`; returns false when it is not complete yet.
bool parse_reply(std::string& buf, http_reply& out) {
  const auto head_end = buf.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  std::istringstream head(buf.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  http_reply r;
  if (line.size() < 12) throw std::runtime_error("bad status line: " + line);
  r.status = std::stoi(line.substr(9, 3));
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    r.headers[name] = value;
  }
  const std::size_t length =
      r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
  if (buf.size() < head_end + 4 + length) return false;
  r.body = buf.substr(head_end + 4, length);
  buf.erase(0, head_end + 4 + length);
  out = std::move(r);
  return true;
}

}  // namespace

connection::connection(int port, std::chrono::milliseconds timeout, const std::string& from)
    : fd_(connect_loopback(port, timeout, from)) {}

connection::~connection() {
  if (fd_ >= 0) ::close(fd_);
}

bool connection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::string connection::read_all() {
  std::string out = std::move(buffered_);
  buffered_.clear();
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

http_reply connection::read_reply() {
  http_reply r;
  char buf[4096];
  while (!parse_reply(buffered_, r)) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) throw std::runtime_error("connection closed or timed out before a full reply");
    buffered_.append(buf, static_cast<std::size_t>(n));
  }
  return r;
}

http_reply http_call(int port, const std::string& method, const std::string& target,
                     const std::string& body, const std::string& content_type,
                     const std::vector<std::pair<std::string, std::string>>& headers, const std::string& from) {
  connection c(port, std::chrono::seconds(5), from);
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) req += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST") {
    req += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n";
  }
  req += "\r\n" + body;
  if (!c.send(req)) throw std::runtime_error("send failed");
  return c.read_reply();
}

namespace {

// In a child just forked: if the test process dies (a crash, an abort), so does the child,
// rather than living on holding the test's pipes open and ctest waiting on it forever.
void die_with_parent(pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
}

}  // namespace

server_process::server_process(const std::string& config_path) {
  // A log file of its own, created before the child starts, so an earlier server's
  // "listening" line can never be mistaken for this one's.
  static int started = 0;
  log_path_ = config_path + "." + std::to_string(++started) + ".stderr.log";
  write_file(log_path_, "");
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    die_with_parent(parent);
    const int fd = ::open(log_path_.c_str(), O_WRONLY | O_APPEND, 0600);
    ::dup2(fd, STDERR_FILENO);
    ::execl(PAYGHAM_BINARY, "paygham", "serve", "--config", config_path.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // The server logs one "server.listening" line with its port once it accepts.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = read_file(log_path_);
    const auto at = text.find("\"event\":\"server.listening\"");
    if (at != std::string::npos) {
      const auto line_start = text.rfind('\n', at);
      const auto p = text.find("\"port\":", line_start == std::string::npos ? 0 : line_start);
      port_ = std::stoi(text.substr(p + 7));
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      throw std::runtime_error("paygham serve exited at start-up:\n" + text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  wait_exit();
  throw std::runtime_error("paygham serve did not start in 20 s:\n" + read_file(log_path_));
}

server_process::~server_process() {
  if (exited_ || pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  if (wait_exit() != 0) {
    // Nothing to report from a destructor; the tests that care call wait_exit themselves.
  }
}

void server_process::signal(int sig) { ::kill(pid_, sig); }

int server_process::wait_exit(std::chrono::milliseconds timeout) {
  if (exited_) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  exited_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit_code_;
}

std::string server_process::log() const { return read_file(log_path_); }

int run_paygham(const std::vector<std::string>& args, std::string* out, std::string* err,
                const std::string& input) {
  temp_dir tmp;
  const std::string out_path = tmp.file("stdout"), err_path = tmp.file("stderr");
  write_file(tmp.file("stdin"), input);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int i = ::open(tmp.file("stdin").c_str(), O_RDONLY);
    ::dup2(i, STDIN_FILENO);
    const int o = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int e = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(o, STDOUT_FILENO);
    ::dup2(e, STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>("paygham")};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(PAYGHAM_BINARY, argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (out) *out = read_file(out_path);
  if (err) *err = read_file(err_path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool eventually(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

double cpu_seconds(pid_t pid) {
  std::istringstream in(read_file("/proc/" + std::to_string(pid) + "/stat"));
  std::string field;
  long ticks = 0;
  for (int i = 1; i <= 15 && in >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stol(field);  // utime, stime
  }
  return static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::string make_token(const std::string& config, const std::string& role, const std::string& name) {
  std::string out, err;
  REQUIRE(run_paygham({"token", "create", "--config", config, "--role", role, "--name", name}, &out, &err) == 0);
  REQUIRE(out.rfind("pgm_", 0) == 0);
  CHECK_THAT(err, Catch::Contains("shown only now"));
  return out.substr(0, out.size() - 1);
}

void make_operator(const std::string& config, const std::string& login) {
  std::string out, err;
  INFO(err);
  REQUIRE(run_paygham({"user", "create", "--config", config, "--name", login, "--role", "operator", "--login", login},
                      &out, &err, std::string(operator_password) + "\n") == 0);
}

void send_alert(const std::string& config, const std::string& area) {
  std::string out, err;
  const std::string password = std::string(operator_password) + "\n";
  const int asked = run_paygham({"broadcast", "--config", config, "--topic", "mine_safety", "--area", area, "--text",
                                 "mine_safety.alert_floods", "--priority", "alert", "--yes", "--by", "amina"},
                                &out, &err, password);
  INFO("asked: " << out << err);
  REQUIRE(asked == 0);
  const auto id = out.substr(std::string("broadcast ").size(), out.find(':') - std::string("broadcast ").size());
  const int approved =
      run_paygham({"broadcast", "approve", "--config", config, "--id", id, "--by", "farid"}, &out, &err, password);
  INFO("approved: " << out << err);
  REQUIRE(approved == 0);
}

http_reply session::call(const std::string& method, const std::string& path, const std::string& body,
                         bool with_csrf) const {
  std::vector<std::pair<std::string, std::string>> headers{{"Cookie", cookie}};
  if (with_csrf) headers.emplace_back("X-CSRF-Token", csrf);
  return http_call(port, method, path, body, "application/json", headers);
}

http_reply log_in_raw(int port, const std::string& login, const std::string& password) {
  return http_call(port, "POST", "/api/v1/session", nlohmann::json{{"login", login}, {"password", password}}.dump(),
                   "application/json");
}

session log_in(int port, const std::string& login, const std::string& password) {
  const auto r = log_in_raw(port, login, password);
  INFO(r.body);
  REQUIRE(r.status == 201);
  session s;
  s.port = port;
  const std::string set = r.headers.at("set-cookie");
  s.cookie = set.substr(0, set.find(';'));
  s.who = nlohmann::json::parse(r.body);
  s.csrf = s.who["csrf"];
  return s;
}

session log_in_next(int port, const std::string& login, const std::string& password) {
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  return log_in(port, login, password);
}

http_reply api(int port, const std::string& method, const std::string& path, const std::string& token,
               const std::string& body) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  return http_call(port, method, path, body, "application/json", headers);
}

std::string scalar(const temp_dir& dir, const std::string& sql) {
  SQLite::Database db(dir.file("paygham.db"), SQLite::OPEN_READONLY);
  db.setBusyTimeout(10'000);
  return db.execAndGet(sql).getString();
}

std::string write_test_config(const temp_dir& dir, const std::string& server_extra,
                              const std::string& channels_extra) {
  const std::string src = PAYGHAM_SOURCE_DIR;
  const std::string path = dir.file("paygham.yaml");
  write_file(path,
             "server:\n"
             "  listen: 127.0.0.1:0\n" +
                 server_extra +
                 "store:\n"
                 "  path: " + dir.file("paygham.db") + "\n"
                 "  synchronous: normal\n"
                 "defaults:\n"
                 "  region: AF\n"
                 "  language: en\n"
                 "  emergency_number: \"112\"\n"
                 "flows: " + src + "/flows\n"
                 "clinics: " + src + "/config/clinics.yaml\n"
                 "districts: " + src + "/config/districts.yaml\n"
                 "templates: " + src + "/templates\n"
                 "lexicon: " + src + "/lexicon\n"
                 "channels:\n"
                 "  - id: console\n"
                 "    type: console\n"
                 "    allow_ips: [127.0.0.1]\n"
                 "  - id: at\n"
                 "    type: africastalking\n"
                 "    allow_ips: [127.0.0.1]\n" +
                 channels_extra);
  return path;
}

std::string write_channel_config(const temp_dir& dir, const std::string& server, const std::string& region,
                                 const std::string& channel) {
  const std::string src = PAYGHAM_SOURCE_DIR;
  const std::string config = dir.file("paygham.yaml");
  write_file(config, "server: " + server + "\n"
                     "store: {path: " + dir.file("paygham.db") + ", synchronous: normal}\n"
                     "defaults: {region: " + region + ", language: en, emergency_number: \"112\"}\n"
                     "flows: " + src + "/flows\nclinics: " + src + "/config/clinics.yaml\ntemplates: " + src + "/templates\nlexicon: " + src + "/lexicon\n"
                     "channels:\n  - " + channel + "\n");
  return config;
}

std::string write_flow_config(const temp_dir& dir, const std::map<std::string, std::string>& flows,
                              const std::string& en_extra) {
  std::filesystem::create_directories(dir.file("flows"));
  std::filesystem::create_directories(dir.file("templates"));
  for (const auto& [name, yaml] : flows) write_file(dir.file("flows/" + name), yaml);
  write_file(dir.file("templates/en.yaml"),
             read_file(std::string(PAYGHAM_SOURCE_DIR) + "/templates/en.yaml") + "\n" + en_extra);
  std::string config = read_file(write_test_config(dir));
  const auto set = [&](const std::string& key, const std::string& value) {
    const auto at = config.find(key + ": ");
    config.replace(at, config.find('\n', at) - at, key + ": " + value);
  };
  set("flows", dir.file("flows"));
  set("templates", dir.file("templates"));
  write_file(dir.file("paygham.yaml"), config);
  return dir.file("paygham.yaml");
}

fake_aggregator::fake_aggregator(const std::vector<std::string>& args) {
  static int started = 0;
  const std::string out = "/tmp/paygham-fake-" + std::to_string(::getpid()) + "-" + std::to_string(++started) + ".port";
  write_file(out, "");
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    die_with_parent(parent);
    const int fd = ::open(out.c_str(), O_WRONLY | O_APPEND, 0600);
    ::dup2(fd, STDOUT_FILENO);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDERR_FILENO);
    std::vector<std::string> all{"paygham-fake-aggregator"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(PAYGHAM_FAKE_AGGREGATOR, argv.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = read_file(out);
    if (text.find('\n') != std::string::npos) {
      port_ = std::stoi(text);
      std::remove(out.c_str());
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  throw std::runtime_error("the fake aggregator did not start");
}

fake_aggregator::~fake_aggregator() { stop_child(pid_); }

void stop_child(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 500 && ::waitpid(pid, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (::waitpid(pid, &status, WNOHANG) == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
}

child_process::child_process(const std::string& program, const std::vector<std::string>& args,
                             const std::string& log_path) {
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    die_with_parent(parent);
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    std::vector<std::string> all{program};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
}

child_process::~child_process() {
  if (!exited_) stop_child(pid_);
}

bool child_process::running() {
  int status = 0;
  if (!exited_ && ::waitpid(pid_, &status, WNOHANG) == pid_) exited_ = true;
  return !exited_;
}

bool wait_for_port(int port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (up) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string read_head(int fd) {
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    head.append(buf, static_cast<std::size_t>(n));
  }
  return head;
}

tcp_peer::tcp_peer(std::function<void(int fd)> handle) : handle_(std::move(handle)) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
    if (fd_ >= 0) ::close(fd_);
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] {
    std::vector<std::thread> connections;
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c >= 0) connections.emplace_back([this, c] { handle_(c); });
    }
    for (auto& t : connections) t.join();
  });
}

tcp_peer::~tcp_peer() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

}  // namespace paygham::test
