// A channel is one configured connection to an aggregator (`channels:` in the config).
// Its codec is pure: it turns an aggregator's HTTP callback into canonical events, a
// canonical reply into the aggregator's HTTP answer, a message into the HTTP request that
// sends it, and the aggregator's reply into a send result. Sockets live in gateway/http,
// retries and rates in gateway/jobs. Rules every codec follows:
//  1. MUST authenticate a callback before parsing it (authenticate()); a failure stores nothing.
//  2. MUST reject what is not the aggregator's format with a short reason (400), never guess.
//  3. MUST check that texts are valid UTF-8 and numbers parse (gateway/phone).
//  4. MUST NOT log message bodies or secrets; the caller logs the outcome.
//  5. SHOULD answer the aggregator exactly as its documentation expects.
//  6. MUST map every status the aggregator documents (its status table), and keep the raw code.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/event.hpp"
#include "gateway/core/http_message.hpp"
#include "gateway/core/result.hpp"

namespace paygham::channels {

// The {kind} part of POST /channels/{channel-id}/{kind}.
enum class callback_kind { sms, ussd, status, events };
std::optional<callback_kind> parse_callback_kind(std::string_view s);
const char* to_string(callback_kind k);

// What one callback carried, as canonical events. Some aggregators batch (Infobip's
// results[]), so there may be several of a kind.
struct callback {
  std::vector<core::inbound_sms> sms;
  std::vector<core::delivery_report> reports;
  std::optional<core::ussd_request> ussd;
  std::optional<core::session_end> ended;
};

// What the config says of a channel: id, type, and the type's own settings (strings, with
// ${ENV} already substituted). `where` is "file:line:column" of the channel, `key_where` of each
// of its keys, for messages: `at(key)` names the key's, or the channel's when it has none.
struct settings {
  std::string id;
  std::string type;
  std::map<std::string, std::string> params;
  std::string where;
  std::map<std::string, std::string> key_where;
  std::string default_region = "AF";
  std::string public_url;  // server.public_url: where aggregators reach us (status callbacks)

  const std::string& at(const std::string& key) const {
    const auto it = key_where.find(key);
    return it == key_where.end() ? where : it->second;
  }
};

// How the outbox treats a channel's messages (common settings, docs/configuration.md).
struct delivery_settings {
  double rate = 10;                        // messages a second at most
  std::size_t concurrency = 4;             // sends in flight at once
  int max_attempts = 6;                    // then failed
  std::int64_t validity_ms = 24 * 3600'000;         // not sent by then: expired
  std::int64_t receipt_deadline_ms = 3600'000;      // sent, no final report by then: unconfirmed
  std::int64_t backoff_base_ms = 1'000;    // full-jitter exponential backoff…
  std::int64_t backoff_cap_ms = 300'000;   // …capped
  int breaker_threshold = 5;               // connection errors in a row that open the breaker
  std::int64_t breaker_open_ms = 30'000;   // how long it stays open before one probe
  std::int64_t misconfigured_pause_ms = 300'000;  // credentials refused: pause, then one probe
  std::int64_t poll_interval_ms = 30'000;  // polled channels: how often to ask
};

// One message to send.
struct outbound {
  std::int64_t id = 0;
  std::string to;          // E.164
  std::string body;
  std::string reference;   // ours, "pg<id>": sent to aggregators that take one (idempotency, DLRs)
  std::string status_url;  // where this channel's delivery reports should go; may be empty
};

// An HTTP request for the client (gateway/http/client.hpp) to make.
using http_call = core::http_call;

// What the aggregator said to a send.
struct send_result {
  enum class outcome { accepted, retry, failed };
  outcome result = outcome::failed;
  std::string external_id;          // accepted: the aggregator's message id
  std::string raw_code;             // the aggregator's own code or status, as received
  std::string error;                // retry / failed: why, for the history
  int parts = 0;                    // 0: not reported
  std::string cost;                 // as reported
  std::int64_t retry_after_ms = 0;  // retry: the wait the aggregator asked for (429 Retry-After)
  // What the answer says beyond this one message:
  //  - unsubscribed: the person stopped messages at the aggregator (Twilio 21610, Africa's
  //    Talking UserInBlacklist, Vonage 7 Number Barred): the message fails and the contact is
  //    opted out here too, so nothing else is tried;
  //  - misconfigured: our credentials or sender are refused (HTTP 401, Twilio 20003, Vonage 4):
  //    no message is to blame; the channel pauses with one loud log line and retries later;
  //  - throttled: the aggregator asks us to slow down (HTTP 429, Twilio 20429): no message is
  //    to blame; the channel waits (Retry-After, or a growing backoff) before the next claim.
  enum class cause { none, unsubscribed, misconfigured, throttled };
  cause why = cause::none;
};

// One row of a codec's status table: the aggregator's status as it writes it, and ours.
struct status_row {
  std::string_view raw;
  core::message_status status;
};

class channel {
 public:
  explicit channel(const settings& s);
  virtual ~channel() = default;
  channel(const channel&) = delete;
  channel& operator=(const channel&) = delete;

  const std::string& id() const { return id_; }
  const std::string& type() const { return type_; }
  const delivery_settings& delivery() const { return delivery_; }
  // The public URL of one of this channel's callbacks ("" without server.public_url), with
  // the channel's URL token when it has one.
  std::string callback_url(callback_kind k) const;

  // Which callback kinds this channel accepts; others answer 404.
  virtual bool accepts(callback_kind k) const = 0;

  // Checks the callback's credentials: the URL token (`?token=`), the source address and
  // Basic auth when configured. Codecs with signatures add theirs. Error text is safe to show
  // the caller and never contains a secret.
  virtual core::status authenticate(const core::http_request& req) const;

  // Whether every callback this channel takes is checked: a URL token, source addresses,
  // Basic auth, or the aggregator's own signature (signs_callbacks). Without any, anyone who
  // reaches the port could speak for any phone number.
  bool callbacks_checked() const;
  virtual bool signs_callbacks() const { return false; }

  // Parses a callback into canonical events; an error is a 400 with its message.
  virtual core::result<callback> parse(callback_kind k, const core::http_request& req) const = 0;

  // The HTTP answer to a USSD hop (USSD channels).
  virtual core::http_response render_ussd(const core::ussd_reply& r) const;

  // The HTTP answer once a callback is durably stored (or recognised as a duplicate).
  virtual core::http_response ack(callback_kind k) const;

  // True for channels whose messages the outbox delivers itself (console).
  virtual bool local_delivery() const { return false; }

  // The request that sends `m`; an error when the channel cannot send any message (what it
  // lacks, such as an API key: the outbox pauses the channel and the message waits).
  virtual core::result<http_call> build_send(const outbound& m) const;

  // True for channels that ask for each message's delivery reports at a URL of ours sent with
  // it (outbound::status_url): without server.public_url no report comes.
  virtual bool reports_to_url() const { return false; }

  // Reads the aggregator's answer to a send. The default: 2xx accepted, 429 and 5xx retry
  // (with Retry-After), other 4xx failed; codecs read their bodies on top.
  virtual send_result read_send_reply(unsigned status, std::string_view retry_after,
                                      std::string_view body) const;

  // Aggregators that push no reports (Kavenegar) are polled (polled() is true): the request
  // asking for the state
  // of these sent messages (nullopt: this channel is not polled), and the reports in its
  // reply; and likewise for messages people sent us.
  virtual bool polled() const { return false; }
  virtual std::optional<http_call> build_status_poll(const std::vector<std::string>& external_ids) const;
  virtual core::result<callback> read_status_poll(std::string_view body) const;
  virtual std::optional<http_call> build_inbox_poll() const;
  virtual core::result<callback> read_inbox_poll(std::string_view body) const;

  // Every delivery status the aggregator documents, mapped (empty: the channel has none).
  virtual const std::vector<status_row>& status_table() const;
  // The row for `raw` (exact match), or nullptr.
  const status_row* map_status(std::string_view raw) const;
  // Sets r.status and r.raw_code from `raw`; "unknown <what> '<raw>'" when the table lacks it.
  core::status read_status(std::string_view raw, std::string_view what, core::delivery_report& r) const;

 protected:
  const std::string& region() const { return region_; }
  // A setting of this channel, or `fallback`.
  std::string param(std::string_view name, std::string_view fallback = {}) const;

 private:
  std::string id_;
  std::string type_;
  std::string region_;
  std::string public_url_;
  std::map<std::string, std::string> params_;
  std::string token_;                   // empty: no URL token required
  std::string basic_;                   // "user:password"; empty: no Basic auth required
  std::vector<std::string> allow_ips_;  // empty: any source address
  delivery_settings delivery_;
};

// Settings every channel type understands; a type's factory accepts these plus its own.
// clang-format off
inline constexpr std::string_view common_params[] = {
    "auth_token",  "allow_ips",    "basic_auth", "ussd_profile",     "base_url",   "rate",
    "concurrency", "max_attempts", "validity",   "receipt_deadline", "retry_base", "retry_cap",
    "poll_interval", "misconfigured_pause", "auth", "plain_http"};
// clang-format on

// allow_ips as written: the addresses of a comma-separated list, trimmed.
std::vector<std::string> allowed_addresses(const std::string& list);

// Constant-time comparison for secrets.
bool equal_secret(std::string_view a, std::string_view b);

// The common delivery settings of a channel (rate, concurrency, …): each wrong one appended to
// `problems` (when given), its default kept.
delivery_settings read_delivery(const settings& s, std::vector<std::string>* problems = nullptr);

// The default reading of an HTTP status for a send: 2xx accepted, 429/5xx retry, else failed.
send_result classify_http(unsigned status, std::string_view retry_after);

// A 2xx answer to a send whose body is not the aggregator's (a proxy's page, a cut-off reply):
// most likely nothing was sent, so it is tried again, as an attempt of the message's own
// (max_attempts bounds it). A person may then get the message twice, which is better than an
// alert that never comes.
send_result unreadable_reply(send_result r);

}  // namespace paygham::channels
