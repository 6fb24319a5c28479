// paygham-fake-aggregator: a stand-in for every aggregator Paygham speaks to, on loopback,
// for tests, demos and benchmarks. It answers each codec's send API with realistic bodies
// and ids, posts delivery reports back (sent, then delivered or failed; with delay,
// duplicates and reordering on demand), injects faults (429 with Retry-After, 500, slow
// answers, dropped connections), and can post inbound SMS at a given rate.
//
//   paygham-fake-aggregator [options]      (--help lists them)
//
// GET /stats answers JSON counts: requests, accepted, faults by kind, reports posted, and
// per our reference how many times a message was accepted (duplicates = sent twice).
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gateway/channels/signatures.hpp"
#include "gateway/core/form.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/http/client.hpp"
#include "gateway/http/router.hpp"
#include "gateway/http/server.hpp"

using namespace paygham;
using json = nlohmann::json;

namespace {

constexpr const char* help = R"(usage: paygham-fake-aggregator [options]

Serves the send APIs of Africa's Talking, Twilio, Infobip, Vonage, android-sms-gateway,
Kannel and Kavenegar on 127.0.0.1, and posts delivery reports back.

options:
  --port N                 listen here (default 0: any; the port is printed on stdout)
  --seed N                 random seed (default 1), for repeatable runs
  --fault-rate R           share of sends that fail (0..1), split evenly between the kinds:
  --fault-kinds LIST       of 429 (with Retry-After: 1), 500, slow (then 504), drop (the
                           connection closed unanswered) and malformed (200 with a page that
                           is not the aggregator's); default 429,500,slow,drop
  --slow-ms N              how long a slow answer takes before its 504 (default 20000)
  --dlr-delay-ms N         wait before posting reports (default 20)
  --dlr-fail-rate R        share of accepted messages reported failed (default 0)
  --dlr-duplicate-rate R   share of final reports posted twice (default 0)
  --dlr-reorder-rate R     share whose final report comes before 'sent' (default 0)
  --no-dlr                 post no reports
  --auth-fail N            answer the first N Africa's Talking sends 401 (wrong credentials)
  --blocked NUMBER         Africa's Talking answers sends to NUMBER (E.164) 406 UserInBlacklist
  --twilio-secret S        sign Twilio status callbacks with this Auth Token
  --twilio-public-url U    the URL prefix Paygham's signature check expects
  --at-dlr-url U           Africa's Talking posts its reports here (account-level); U may
                           list several URLs, comma-separated: each report goes to the next
                           in turn, as a load balancer in front of several nodes would
  --android-webhook U      android-sms-gateway posts its events here
  --android-key K          and signs them with this key
  --kavenegar-inbox N      Kavenegar's receive.json hands out N messages "INFO", one a poll
  --kavenegar-stuck N      Kavenegar's status.json says the first N messages sent are still
                           queued (1), however often it is asked (kavenegar_stuck_asked counts
                           it); the rest are delivered (10)
  --kavenegar-status-fail N  every Nth status.json request answers 500; the request after it
                           starting at the same message counts kavenegar_status_asked_again,
                           one starting elsewhere kavenegar_status_moved_on
  --inbound-url U          post inbound SMS here, Africa's Talking's format (again after a
                           refusal or a 5xx, as aggregators do; several URLs, comma-
                           separated, take turns)…
  --inbound-rate N         …N a second (default 10)…
  --inbound-count N        …N in all (default 0: none)
  --help                   this text

GET /stats answers the counts. POST /faults with rate=R&kinds=LIST changes the faults while
running (a test's outage, then recovery).
)";

struct options {
  std::uint16_t port = 0;
  unsigned seed = 1;
  double fault_rate = 0, dlr_fail = 0, dlr_dup = 0, dlr_reorder = 0;
  std::vector<std::string> fault_kinds{"429", "500", "slow", "drop"};
  int slow_ms = 20000, dlr_delay_ms = 20;
  bool dlr = true;
  std::string twilio_secret, twilio_public_url, at_dlr_url, android_webhook, android_key, inbound_url;
  double inbound_rate = 10;
  long inbound_count = 0;
  long kavenegar_inbox = 0;
  long kavenegar_stuck = 0;
  long kavenegar_status_fail = 0;
  long auth_fail = 0;
  std::string blocked;
};

struct state {
  std::mutex mu;
  std::mt19937_64 rng;
  std::uint64_t next_id = 1;
  std::map<std::string, std::uint64_t> counts;
  std::map<std::string, int> accepted_by_ref;  // our reference (or to|body) → accepts
  std::set<long long> stuck;                   // Kavenegar message ids never final (--kavenegar-stuck)
  long long failed_first = -1;                 // the first message id of the status request failed last

  double roll() {
    std::lock_guard lock(mu);
    return std::uniform_real_distribution<double>(0, 1)(rng);
  }
  std::string id(const char* prefix) {
    std::lock_guard lock(mu);
    return prefix + std::to_string(next_id++);
  }
  void count(const std::string& what, std::uint64_t n = 1) {
    std::lock_guard lock(mu);
    counts[what] += n;
  }
};

options opts;
state st;
http::client* poster = nullptr;
std::atomic<bool> stopping{false};

// The fault kinds of a comma-separated list; false if one is unknown.
bool read_kinds(const std::string& list, std::vector<std::string>& out) {
  out.clear();
  for (std::size_t at = 0; at <= list.size();) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    const std::string kind = list.substr(at, comma - at);
    if (kind != "429" && kind != "500" && kind != "slow" && kind != "drop" && kind != "malformed") return false;
    out.push_back(kind);
    at = comma + 1;
  }
  return !out.empty();
}

// A fault instead of an answer, for `fault_rate` of sends; true when one was injected.
bool fault(http::reply_fn& reply) {
  double rate = 0;
  std::vector<std::string> kinds;
  {
    std::lock_guard lock(st.mu);
    rate = opts.fault_rate;
    kinds = opts.fault_kinds;
  }
  if (rate <= 0 || kinds.empty()) return false;
  const double r = st.roll();
  if (r >= rate) return false;
  const auto& kind = kinds[std::min(kinds.size() - 1, static_cast<std::size_t>(r / rate * static_cast<double>(kinds.size())))];
  st.count("fault_" + kind);
  if (kind == "429") {
    auto res = core::text_response(429, "Too Many Requests");
    res.headers.push_back({"Retry-After", "1"});
    reply(std::move(res));
  } else if (kind == "500") {
    reply(core::text_response(500, "Internal Server Error"));
  } else if (kind == "slow") {
    // Slow, and then not accepted: whoever waited that long has given up.
    poster->after(std::chrono::milliseconds(opts.slow_ms),
                  [reply] { reply(core::text_response(504, "Gateway Timeout")); });
  } else if (kind == "drop") {
    core::http_response res;
    res.hang_up = true;
    reply(std::move(res));
  } else {
    // A proxy's page where the aggregator's answer should be: nothing was sent.
    auto res = core::text_response(200, "<html><body>Service temporarily unavailable</body></html>");
    res.headers.push_back({"Content-Type", "text/html"});
    reply(std::move(res));
  }
  return true;
}

void accepted(const std::string& ref) {
  std::lock_guard lock(st.mu);
  ++st.counts["accepted"];
  ++st.accepted_by_ref[ref];
}

void post_until_taken(core::http_call call, int tries_left);

// A report, posted again after a refusal or a 5xx as aggregators do.
void post(core::http_call call) {
  if (call.url.empty()) return;
  st.count("reports_posted");
  post_until_taken(std::move(call), 300);
}

// Sent, then delivered or failed, with the configured delay, duplicates and reordering.
// `make(final, status)` builds one report; final=false for the intermediate 'sent'.
void report(const std::function<core::http_call(bool final, bool ok)>& make) {
  if (!opts.dlr) return;
  const bool ok = st.roll() >= opts.dlr_fail;
  const bool reorder = st.roll() < opts.dlr_reorder;
  const bool dup = st.roll() < opts.dlr_dup;
  std::vector<core::http_call> calls;
  if (!reorder) calls.push_back(make(false, ok));
  calls.push_back(make(true, ok));
  if (reorder) calls.push_back(make(false, ok));
  if (dup) calls.push_back(make(true, ok));
  auto shared = std::make_shared<std::vector<core::http_call>>(std::move(calls));
  poster->after(std::chrono::milliseconds(opts.dlr_delay_ms), [shared] {
    for (auto& c : *shared) post(c);
  });
}

// One URL of a comma-separated list, each in turn (a load balancer over several nodes).
std::string next_url(const std::string& list) {
  static std::atomic<std::size_t> turn{0};
  std::vector<std::string> urls;
  for (std::size_t at = 0; at <= list.size();) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    if (comma > at) urls.push_back(list.substr(at, comma - at));
    at = comma + 1;
  }
  return urls.empty() ? list : urls[turn++ % urls.size()];
}

core::http_call form_post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& f) {
  // The URL stays the list: each try picks the next node (post_until_taken).
  return {"POST", url, {{"Content-Type", "application/x-www-form-urlencoded"}}, core::encode_form(f)};
}

void add_routes(http::router& r) {
  // Africa's Talking: POST /version1/messaging (form).
  r.add("POST", "/version1/messaging", [](core::http_request& req, const http::params&, http::reply_fn reply) {
    st.count("requests");
    if (fault(reply)) return;
    static std::atomic<long> refused{0};
    if (refused.fetch_add(1) < opts.auth_fail) {
      st.count("auth_failed");
      return reply(core::text_response(401, "The supplied authentication is invalid"));
    }
    auto f = core::parse_form(req.body);
    const std::string to(f ? f->get_or_empty("to") : "");
    if (!opts.blocked.empty() && to == opts.blocked) {
      st.count("blocked");
      return reply(core::json_response(
          201, json{{"SMSMessageData",
                     {{"Message", "Sent to 0/1"},
                      {"Recipients", {{{"statusCode", 406}, {"number", to}, {"status", "UserInBlacklist"},
                                       {"cost", "0"}, {"messageId", "None"}}}}}}}
                   .dump()));
    }
    const std::string id = st.id("ATXid_");
    accepted(to + "|" + std::string(f ? f->get_or_empty("message") : ""));
    reply(core::json_response(201, json{{"SMSMessageData",
                                         {{"Message", "Sent to 1/1 Total Cost: KES 0.8000"},
                                          {"Recipients", {{{"statusCode", 101}, {"number", to}, {"status", "Success"},
                                                           {"cost", "KES 0.8000"}, {"messageId", id}}}}}}}
                                        .dump()));
    report([id](bool final, bool ok) {
      return form_post(opts.at_dlr_url, {{"id", id}, {"status", final ? (ok ? "Success" : "Failed") : "Sent"}});
    });
  });
  // Twilio: POST /2010-04-01/Accounts/{sid}/Messages.json (form, Basic auth).
  r.add("POST", "/2010-04-01/Accounts/{sid}/Messages.json",
        [](core::http_request& req, const http::params&, http::reply_fn reply) {
          st.count("requests");
          if (fault(reply)) return;
          auto f = core::parse_form(req.body);
          const std::string sid = st.id("SM");
          accepted(std::string(f ? f->get_or_empty("To") : "") + "|" + std::string(f ? f->get_or_empty("Body") : ""));
          const std::string callback(f ? f->get_or_empty("StatusCallback") : "");
          reply(core::json_response(201, json{{"sid", sid}, {"status", "queued"}, {"num_segments", "1"}}.dump()));
          report([sid, callback](bool final, bool ok) {
            std::vector<std::pair<std::string, std::string>> p = {
                {"MessageSid", sid}, {"MessageStatus", final ? (ok ? "delivered" : "undelivered") : "sent"}};
            auto call = form_post(callback, p);
            if (!opts.twilio_secret.empty()) {
              // Signed for the URL Paygham was told to expect.
              std::string url = callback;
              if (!opts.twilio_public_url.empty()) url = opts.twilio_public_url + url.substr(url.find("/channels/"));
              call.headers.push_back({"X-Twilio-Signature", channels::twilio_signature(opts.twilio_secret, url, p)});
            }
            return call;
          });
        });
  // Infobip: POST /sms/3/messages (JSON), our messageId kept.
  r.add("POST", "/sms/3/messages", [](core::http_request& req, const http::params&, http::reply_fn reply) {
    st.count("requests");
    if (fault(reply)) return;
    const auto body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("messages")) return reply(core::json_response(400, R"({"errorCode":"E400"})"));
    const auto& msg = body["messages"][0];
    const std::string mid = msg["destinations"][0].value("messageId", st.id("ib-"));
    const std::string url = msg.contains("webhooks") ? msg["webhooks"]["delivery"].value("url", "") : "";
    accepted(mid);
    reply(core::json_response(200, json{{"bulkId", st.id("bulk-")},
                                        {"messages", {{{"messageId", mid},
                                                       {"status", {{"groupId", 1}, {"groupName", "PENDING"}, {"id", 26},
                                                                   {"name", "PENDING_ACCEPTED"}}}}}}}
                                        .dump()));
    report([mid, url](bool final, bool ok) {
      const json status = !final ? json{{"groupId", 1}, {"groupName", "PENDING"}, {"id", 7}, {"name", "PENDING_ENROUTE"}}
                          : ok   ? json{{"groupId", 3}, {"groupName", "DELIVERED"}, {"id", 5}, {"name", "DELIVERED_TO_HANDSET"}}
                                 : json{{"groupId", 2}, {"groupName", "UNDELIVERABLE"}, {"id", 4},
                                        {"name", "UNDELIVERABLE_REJECTED_OPERATOR"}};
      return core::http_call{"POST", url, {{"Content-Type", "application/json"}},
                             json{{"results", {{{"messageId", mid}, {"status", status}, {"smsCount", 1}}}}}.dump()};
    });
  });
  // Vonage: POST /sms/json (form), client-ref echoed in receipts.
  r.add("POST", "/sms/json", [](core::http_request& req, const http::params&, http::reply_fn reply) {
    st.count("requests");
    if (fault(reply)) return;
    auto f = core::parse_form(req.body);
    const std::string ref(f ? f->get_or_empty("client-ref") : "");
    const std::string callback(f ? f->get_or_empty("callback") : "");
    const std::string to(f ? f->get_or_empty("to") : "");
    const std::string mid = st.id("0C0000");
    accepted(ref);
    reply(core::json_response(200, json{{"message-count", "1"},
                                        {"messages", {{{"to", to}, {"message-id", mid}, {"status", "0"},
                                                       {"message-price", "0.03330000"}, {"network", "41201"}}}}}
                                        .dump()));
    report([mid, ref, callback, to](bool final, bool ok) {
      return form_post(callback, {{"msisdn", to}, {"to", "RedCrescent"}, {"messageId", mid}, {"client-ref", ref},
                                  {"status", final ? (ok ? "delivered" : "failed") : "accepted"},
                                  {"err-code", ok ? "0" : "3"}});
    });
  });
  // android-sms-gateway: POST /3rdparty/v1/messages (JSON), events to the webhook.
  r.add("POST", "/3rdparty/v1/messages", [](core::http_request& req, const http::params&, http::reply_fn reply) {
    st.count("requests");
    if (fault(reply)) return;
    const auto body = json::parse(req.body, nullptr, false);
    const std::string id = body.is_object() ? body.value("id", st.id("and-")) : st.id("and-");
    accepted(id);
    reply(core::json_response(202, json{{"id", id}, {"state", "Pending"}}.dump()));
    report([id](bool final, bool ok) {
      const std::string event = !final ? "sms:sent" : ok ? "sms:delivered" : "sms:failed";
      const std::string payload =
          json{{"event", event}, {"id", st.id("ev-")}, {"payload", {{"messageId", id}}}}.dump();
      core::http_call call{"POST", opts.android_webhook, {{"Content-Type", "application/json"}}, payload};
      if (!opts.android_key.empty()) {
        const std::string ts = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                  std::chrono::system_clock::now().time_since_epoch())
                                                  .count());
        call.headers.push_back({"X-Timestamp", ts});
        call.headers.push_back({"X-Signature", channels::android_signature(opts.android_key, payload, ts)});
      }
      return call;
    });
  });
  // Kannel: GET /cgi-bin/sendsms, reports through the dlr-url (%d, %A filled in).
  r.add("GET", "/cgi-bin/sendsms", [](core::http_request& req, const http::params&, http::reply_fn reply) {
    st.count("requests");
    if (fault(reply)) return;
    auto q = core::parse_form(req.query);
    const std::string dlr(q ? q->get_or_empty("dlr-url") : "");
    const auto ref_at = dlr.find("ref=");
    accepted(ref_at == std::string::npos ? std::string(q ? q->get_or_empty("to") : "")
                                         : dlr.substr(ref_at + 4, dlr.find('&', ref_at) - ref_at - 4));
    auto res = core::text_response(202, "0: Accepted for delivery");
    reply(std::move(res));
    report([dlr](bool final, bool ok) {
      std::string url = dlr;
      const std::string type = !final ? "8" : ok ? "1" : "2";
      for (auto [from, to] : {std::pair<std::string, std::string>{"%d", type},
                              {"%A", core::percent_encode(ok ? "stat:DELIVRD" : "stat:UNDELIV")}}) {
        if (auto at = url.find(from); at != std::string::npos) url.replace(at, 2, to);
      }
      return core::http_call{"GET", url, {}, ""};
    });
  });
  // Kavenegar: send, and status/receive to be polled.
  r.add("POST", "/v1/{key}/sms/send.json", [](core::http_request& req, const http::params&, http::reply_fn reply) {
    st.count("requests");
    if (fault(reply)) return;
    auto f = core::parse_form(req.body);
    const std::string localid(f ? f->get_or_empty("localid") : "");
    const std::string mid = st.id("8792");
    accepted("pg" + localid);
    {
      std::lock_guard lock(st.mu);
      if (st.stuck.size() < static_cast<std::size_t>(opts.kavenegar_stuck)) st.stuck.insert(std::stoll(mid));
    }
    reply(core::json_response(200, json{{"return", {{"status", 200}, {"message", "تایید شد"}}},
                                        {"entries", {{{"messageid", std::stoll(mid)}, {"status", 1},
                                                      {"statustext", "در صف ارسال"}, {"cost", 120}}}}}
                                        .dump()));
  });
  r.add("GET", "/v1/{key}/sms/status.json", [](core::http_request& req, const http::params&, http::reply_fn reply) {
    auto q = core::parse_form(req.query);
    json entries = json::array();
    std::string ids(q ? q->get_or_empty("messageid") : "");
    {
      // --kavenegar-status-fail: is the next request about the same messages as the failed one?
      const long long first = ids.empty() ? -1 : std::atoll(ids.c_str());
      std::lock_guard lock(st.mu);
      const auto n = ++st.counts["kavenegar_status_requests"];
      if (st.failed_first >= 0) {
        ++st.counts[first == st.failed_first ? "kavenegar_status_asked_again" : "kavenegar_status_moved_on"];
        st.failed_first = -1;
      }
      if (opts.kavenegar_status_fail > 0 && n % static_cast<std::uint64_t>(opts.kavenegar_status_fail) == 0) {
        st.failed_first = first;
        reply(core::json_response(500, json{{"return", {{"status", 500}, {"message", "خطای سرور"}}}}.dump()));
        return;
      }
    }
    for (std::size_t at = 0; at <= ids.size();) {
      auto comma = ids.find(',', at);
      if (comma == std::string::npos) comma = ids.size();
      if (comma > at) {
        const long long id = std::stoll(ids.substr(at, comma - at));
        std::lock_guard lock(st.mu);
        const bool stuck = st.stuck.count(id) > 0;
        if (stuck) ++st.counts["kavenegar_stuck_asked"];
        entries.push_back({{"messageid", id}, {"status", stuck ? 1 : 10}});
      }
      at = comma + 1;
    }
    reply(core::json_response(200, json{{"return", {{"status", 200}, {"message", "تایید شد"}}}, {"entries", entries}}.dump()));
  });
  r.add("GET", "/v1/{key}/sms/receive.json", [](core::http_request&, const http::params&, http::reply_fn reply) {
    json entries = json::array();
    {
      std::lock_guard lock(st.mu);
      if (st.counts["kavenegar_inbox_given"] < static_cast<std::uint64_t>(opts.kavenegar_inbox)) {
        const auto n = ++st.counts["kavenegar_inbox_given"];
        entries.push_back({{"messageid", 5550000 + n}, {"message", "INFO"}, {"sender", "0912000" + std::to_string(1000 + n)},
                           {"receptor", "10004346"}, {"date", 1356619709}});
      }
    }
    reply(core::json_response(200, json{{"return", {{"status", 200}, {"message", "تایید شد"}}}, {"entries", entries}}.dump()));
  });
  r.add("POST", "/faults", [](core::http_request& req, const http::params&, http::reply_fn reply) {
    auto f = core::parse_form(req.body);
    std::vector<std::string> kinds;
    const std::string list(f ? f->get_or_empty("kinds") : "");
    if (!list.empty() && !read_kinds(list, kinds)) return reply(core::text_response(400, "kinds: 429,500,slow,drop,malformed"));
    std::lock_guard lock(st.mu);
    if (f && !f->get_or_empty("rate").empty()) opts.fault_rate = std::stod(std::string(f->get_or_empty("rate")));
    if (!kinds.empty()) opts.fault_kinds = kinds;
    reply(core::text_response(200, "ok"));
  });
  r.add("GET", "/stats", [](core::http_request&, const http::params&, http::reply_fn reply) {
    std::lock_guard lock(st.mu);
    json j(st.counts);
    std::uint64_t twice = 0;
    for (const auto& [ref, n] : st.accepted_by_ref) twice += n > 1 ? 1 : 0;
    j["distinct_accepted"] = st.accepted_by_ref.size();
    j["accepted_twice"] = twice;
    reply(core::json_response(200, j.dump()));
  });
}

// Posts a callback as aggregators do: again after a refusal or a 5xx (a retried inbound
// message carries the same id, so the gateway stores it once).
void post_until_taken(core::http_call call, int tries_left) {
  core::http_call one = call;
  one.url = next_url(call.url);
  poster->request(one, [call, tries_left](http::client_result r) {
    if ((r.status == 0 || r.status >= 500) && tries_left > 0 && !stopping) {
      st.count("callbacks_retried");
      poster->after(std::chrono::milliseconds(200), [call, tries_left] { post_until_taken(call, tries_left - 1); });
    } else if (r.status < 200 || r.status >= 300) {
      st.count("callbacks_refused");
    }
  });
}

// Inbound SMS in Africa's Talking's format, at a steady rate.
void post_inbound() {
  if (opts.inbound_url.empty() || opts.inbound_count <= 0) return;
  const auto gap = std::chrono::duration<double>(1.0 / opts.inbound_rate);
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < opts.inbound_count && !stopping; ++i) {
    std::this_thread::sleep_until(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(gap * i));
    const std::string from = "+9370" + std::to_string(1000000 + i % 9000000);
    st.count("inbound_posted");
    post_until_taken(form_post(opts.inbound_url,
                               {{"from", from}, {"to", "3030"}, {"text", "INFO"}, {"id", "in-" + std::to_string(i)}}),
                     300);
  }
}

bool parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--help") {
      std::cout << help;
      std::exit(0);
    } else if (a == "--port") {
      opts.port = static_cast<std::uint16_t>(std::stoi(next()));
    } else if (a == "--seed") {
      opts.seed = static_cast<unsigned>(std::stoul(next()));
    } else if (a == "--fault-rate") {
      opts.fault_rate = std::stod(next());
    } else if (a == "--fault-kinds") {
      if (!read_kinds(next(), opts.fault_kinds)) throw std::runtime_error("--fault-kinds: 429,500,slow,drop,malformed");
    } else if (a == "--slow-ms") {
      opts.slow_ms = std::stoi(next());
    } else if (a == "--dlr-delay-ms") {
      opts.dlr_delay_ms = std::stoi(next());
    } else if (a == "--dlr-fail-rate") {
      opts.dlr_fail = std::stod(next());
    } else if (a == "--dlr-duplicate-rate") {
      opts.dlr_dup = std::stod(next());
    } else if (a == "--dlr-reorder-rate") {
      opts.dlr_reorder = std::stod(next());
    } else if (a == "--no-dlr") {
      opts.dlr = false;
    } else if (a == "--auth-fail") {
      opts.auth_fail = std::stol(next());
    } else if (a == "--blocked") {
      opts.blocked = next();
    } else if (a == "--twilio-secret") {
      opts.twilio_secret = next();
    } else if (a == "--twilio-public-url") {
      opts.twilio_public_url = next();
    } else if (a == "--at-dlr-url") {
      opts.at_dlr_url = next();
    } else if (a == "--android-webhook") {
      opts.android_webhook = next();
    } else if (a == "--android-key") {
      opts.android_key = next();
    } else if (a == "--inbound-url") {
      opts.inbound_url = next();
    } else if (a == "--inbound-rate") {
      opts.inbound_rate = std::stod(next());
    } else if (a == "--kavenegar-inbox") {
      opts.kavenegar_inbox = std::stol(next());
    } else if (a == "--kavenegar-stuck") {
      opts.kavenegar_stuck = std::stol(next());
    } else if (a == "--kavenegar-status-fail") {
      opts.kavenegar_status_fail = std::stol(next());
    } else if (a == "--inbound-count") {
      opts.inbound_count = std::stol(next());
    } else {
      std::cerr << "paygham-fake-aggregator: unknown option '" << a << "'\n\n" << help;
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (!parse(argc, argv)) return 2;
  } catch (const std::exception& e) {
    std::cerr << "paygham-fake-aggregator: " << e.what() << "\n";
    return 2;
  }
  st.rng.seed(opts.seed);
  // Message ids from the clock, as a real aggregator never hands out an id twice: one restarted
  // (a test's outage) must not name its new messages as the old ones.
  st.next_id = static_cast<std::uint64_t>(std::time(nullptr) % 100000) * 100000 + 1;
  http::router routes;
  add_routes(routes);
  core::metrics metrics;
  http::server_options so;
  so.port = opts.port;
  so.body_limit = 1024 * 1024;
  so.grace = std::chrono::milliseconds(500);
  http::server server(so, routes, metrics);
  http::client client;
  poster = &client;
  const auto port = server.listen();
  std::cout << port << std::endl;
  server.handle_signals([] {});
  std::thread inbound(post_inbound);
  server.run();
  stopping = true;
  inbound.join();
  client.stop();
  return 0;
}
