// The HTTP surface: aggregator callbacks, health and metrics. Handlers are thin: they check,
// parse through the channel's codec, hand the event to the runner on the store's writer
// thread, and answer once the transaction is committed.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>
#include <condition_variable>

#include "gateway/channels/parties.hpp"
#include "gateway/channels/tariff.hpp"
#include "gateway/http/router.hpp"
#include "gateway/text/screen.hpp"

namespace paygham::channels {
class channel;
}
namespace paygham::core {
class metrics;
}
namespace paygham::jobs {
class outbox;
}
namespace paygham::runner {
class runner;
}
namespace paygham::store {
class writer;
class reader;
}

namespace paygham::api {

// USSD hops waiting for their step, in the order they came, one queue for each route's
// deadline (so the oldest of a queue is always first): one sweep a few times a second answers
// the late ones, instead of a timer per hop.
class hop_deadlines {
 public:
  struct hop {
    std::atomic<bool> answered{false};
    http::reply_fn reply;
    const channels::channel* ch = nullptr;
    std::chrono::steady_clock::time_point deadline;
  };
  // Watches `h`, due `after` from now.
  void watch(std::shared_ptr<hop> h, std::chrono::milliseconds after);
  // The hops past their deadline and not answered yet.
  std::vector<std::shared_ptr<hop>> expired(std::chrono::steady_clock::time_point now);

 private:
  std::mutex mu_;
  std::map<std::chrono::milliseconds, std::deque<std::shared_ptr<hop>>> waiting_;
};

// Calls a second per API token, with a burst of twice that (a token bucket each, this node's).
class token_limits {
 public:
  explicit token_limits(double per_second) : rate_(per_second) {}
  void set_rate(double per_second) {
    std::lock_guard lock(mu_);
    rate_ = per_second;
  }
  // Takes one call for the token (its hash); false when it has none left just now.
  bool take(const std::string& token_hash, std::chrono::steady_clock::time_point now);

 private:
  struct bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point at;
  };
  double rate_;
  std::mutex mu_;
  std::map<std::string, bucket> buckets_;
};

// Wrong console passwords by login and address (this node's): 5 in a row from one address
// lock that login for that address for 15 minutes, an unknown login as a known one, so the
// answer tells nothing about which logins exist and one address cannot lock a person out
// everywhere. (The store also counts per login: 20 in a row from anywhere lock it everywhere.)
class login_guard {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  // Minutes left of a lock on (login, address); 0 when none.
  long long locked_minutes(const std::string& login, const std::string& ip, time_point now);
  // One more wrong try; true when it locks the pair now.
  bool failed(const std::string& login, const std::string& ip, time_point now);
  void succeeded(const std::string& login, const std::string& ip);
  // Wrong passwords in a row from every address together that lock a login, and for how long
  // (the store counts those of a real login).
  static constexpr int everywhere_tries = 20;
  static constexpr std::chrono::minutes everywhere_lock{15};
  // A login nobody has, tried from every address together: locked as a real one is, so the
  // answers never tell which logins exist.
  // Minutes left of that lock, 0 when none; and one more wrong try.
  long long unknown_locked_minutes(const std::string& login, time_point now);
  void unknown_failed(const std::string& login, time_point now);

 private:
  struct entry {
    int failures = 0;
    time_point until;
  };
  long long minutes_left(const std::string& key, time_point now);
  bool count(const std::string& key, int tries, std::chrono::minutes lock_for, time_point now);
  std::mutex mu_;
  std::map<std::string, entry> entries_;
};

// Work that must not hold the store's thread or an io thread (checking a flow): one thread,
// in order. stop() runs what is queued, then joins.
class background {
 public:
  background();
  ~background() { stop(); }
  background(const background&) = delete;
  background& operator=(const background&) = delete;
  void post(std::function<void()> fn);
  void stop();

 private:
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

// The flows folder and the clinics file as the API edits them; app/ implements it (lint and
// reloading live there).
class flow_files {
 public:
  virtual ~flow_files() = default;
  // What lint says of the flows with `file` replaced by `yaml`: {"ok", "problems", "warnings"}
  // as JSON text, problems at their file and line.
  virtual std::string validate(const std::string& file, const std::string& yaml) const = 0;
  // The file's YAML, or nullopt when there is no such flow file.
  virtual std::optional<std::string> read(const std::string& file) const = 0;
  struct published {
    bool ok = false;
    std::string report;     // validate()'s JSON
    std::string before;     // the file as it was ("" for a new file)
    bool recorded = true;   // false: `record` failed, and the file and the server are as before
    bool changed_since = false;  // the file is no longer the version the edit began from
  };
  // Replaces the file (atomically) and switches the running server to it, only when lint
  // passes with it and, given `version` (flow::content_hash of the file the edit began from),
  // the file is still that version: two people editing one flow never lose each other's change
  // in silence. Then `record(before)` writes it down (the audit log). Should that throw, the
  // file goes back to what it was and the server with it. The report has the new `version`.
  virtual published publish(const std::string& file, const std::string& yaml, const std::optional<std::string>& version,
                            const std::function<void(const std::string& before)>& record) = 0;
  // The clinics file's YAML, or nullopt when the config names none.
  virtual std::optional<std::string> read_clinics() const = 0;
  // The clinics file replaced as publish replaces a flow file; a clinic it leaves out is a
  // problem (its visits name it).
  virtual published publish_clinics(
      const std::string& yaml, const std::optional<std::string>& version,
      const std::function<void(const std::string& before)>& record) = 0;
  // A walk through the flows with `file` as `yaml`, on a throwaway store: the dial of
  // `ussd_code` by USSD route `route` (a `ussd_profiles` name; "" default) and each reply (or,
  // without a code, each reply as an SMS), in `language`.
  // {"ok", "problems", "screens": [{"text", "end", "encoding", "units", "limit"}],
  //  "sms": [{"text", "encoding", "parts", "cost_per_1000", "status"}]} as JSON text.
  virtual std::string simulate(const std::string& file, const std::string& yaml, const std::string& ussd_code,
                               const std::string& language, const std::string& route,
                               const std::vector<std::string>& replies) const = 0;
  // The USSD routes a dial may come by (`ussd_profiles`), "default" first: each name, whether it
  // carries UCS-2, and if not how its screens are drawn ("latin", "digits").
  struct route {
    std::string name;
    bool ucs2 = true;
    std::string fallback;
  };
  virtual std::vector<route> routes() const = 0;
};

struct services {
  store::writer& writer;
  runner::runner& runner;
  jobs::outbox& outbox;
  core::metrics& metrics;
  const std::vector<std::unique_ptr<channels::channel>>& channels;
  // Readiness: empty when ready, else the reason (e.g. "store not answering").
  std::function<std::string()> not_ready_reason;
  // USSD routes by channel id (the channel's ussd_profile): screen limits, and the deadline
  // every hop is answered within (R-U5); sweep_deadlines() answers the late ones.
  text::ussd_routes ussd_routes;
  hop_deadlines deadlines;
  token_limits api_limits{20};
  // Console logins a second from one address (twice that in a burst): a clinic behind one
  // address logs in at once; a guesser is also stopped by the lockout of each login.
  token_limits login_limits{2};
  login_guard login_failures = {};
  // Console cookies only over https (the public URL is https).
  bool secure_cookies = false;
  // The addresses /metrics and /readyz answer; empty: any.
  std::vector<std::string> monitoring_from = {};
  // Runs `fn` with the store's reader (counting that must not hold the writer), one caller at
  // a time; null: no reader.
  std::function<void(const std::function<void(store::reader&)>&)> with_reader = {};
  // The flows folder (null: a server that cannot check or publish flows). Slow: called on
  // `offload` only.
  std::unique_ptr<flow_files> flows = {};
  background offload = {};
  // Console passwords checked (Argon2id), apart from `offload`: no flow an operator checks
  // holds a login.
  background password_checks = {};
  // Who besides the deployment can read message content, with their agreements (R-D5).
  std::vector<channels::party> parties = {};
  // The price of an SMS part on each priced channel: what a text costs, beside its parts (R-S1).
  std::vector<channels::tariff> tariffs = {};
};

// Answers, with a short END, every USSD hop past its deadline. Called a few times a second.
void sweep_deadlines(services& s);

// POST /channels/{channel}/{kind}
void add_webhook_routes(http::router& r, services& s);

// The REST API under /api/v1 (tokens, roles, audit) and its OpenAPI document (rest.cpp).
void add_rest_routes(http::router& r, services& s);

// GET /console/…: the web console's files (console.cpp).
void add_console_routes(http::router& r);

// GET /healthz, GET /readyz, GET /metrics
void add_health_routes(http::router& r, services& s);

}  // namespace paygham::api
