// Subscriptions to a programme's broadcasts by area (mine safety, R-M1, R-M2).
//
// subscriptions.add: the person in the flow gets the programme's alerts for an area, sent by
// `paygham broadcast`. args: topic (the programme), area (lower-case letters, digits and '_',
// usually a menu's value); renew (optional, a node of the flow's `entries`): the subscription
// ends after six months, and two weeks before the flow starts there by SMS to ask whether to keep
// it (subscriptions.add again keeps it six months more). Outcomes: ok, error.
//
// subscriptions.transfer_code: a 6-digit code, drawn at random, that moves the person's
// subscriptions of args.topic to the number that sends it within 30 days (a returnee's new
// Afghan SIM). Sets transfer_code. Outcomes: ok, error.
//
// subscriptions.transfer: args.code (the words after the flow's keyword: "MINE 482913", any
// digits) moves args.topic's subscriptions to the person in the flow, once, each with its end
// (args.renew: where the question before it is asked, on the new number). Sets area (the first
// area moved). Outcomes: ok; wrong (no such code, used or expired); blocked (5 wrong codes from
// this number in a day: guessing); error.
#include <openssl/rand.h>

#include <algorithm>

#include "gateway/actions/action.hpp"
#include "gateway/actions/subscriptions.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/text/normalize.hpp"

namespace paygham::actions {
namespace {

constexpr core::unix_ms code_lifetime_ms = 30LL * 24 * 3'600'000;
constexpr int wrong_codes_a_day = 5;

bool is_name(const std::string& s) {
  return !s.empty() && s.size() <= 40 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// 100000–999999, uniform, from the system's random source (a code must not be guessable).
std::string random_code() {
  for (;;) {
    std::uint32_t v = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) throw std::runtime_error("no randomness");
    constexpr std::uint32_t span = 900'000, limit = 0xFFFFFFFFu - 0xFFFFFFFFu % span;
    if (v < limit) return std::to_string(100'000 + v % span);
  }
}

// The question before the subscription's end, two weeks before it (at once when nearer).
void ask_before_end(store::tx& t, const request& r, const std::string& topic, const std::string& area,
                    core::unix_ms ends) {
  const subscription_end e{r.contact_id, topic, area, r.channel_id, r.flow_id, r.arg("renew"), ends};
  t.add_job(subscription_end::ask_kind, std::max(t.now(), ends - ask_before_ms), e.json());
}

}  // namespace

flow::action_result subscriptions_add(store::tx& t, const request& r) {
  const std::string topic = r.arg("topic"), area = r.arg("area");
  if (!is_name(topic) || !is_name(area)) return {"error", {}};
  if (r.arg("renew").empty()) {
    t.subscribe(r.contact_id, topic, area, r.channel_id);
    return {"ok", {}};
  }
  const core::unix_ms ends = t.now() + subscription_ms;
  t.subscribe(r.contact_id, topic, area, r.channel_id, ends);
  ask_before_end(t, r, topic, area, ends);
  return {"ok", {}};
}

flow::action_result subscriptions_transfer_code(store::tx& t, const request& r) {
  const std::string topic = r.arg("topic");
  if (!is_name(topic)) return {"error", {}};
  for (int i = 0; i < 20; ++i) {
    const std::string code = random_code();
    if (t.add_transfer_code(r.contact_id, topic, code, t.now() + code_lifetime_ms)) return {"ok", {{"transfer_code", code}}};
  }
  return {"error", {}};
}

flow::action_result subscriptions_transfer(store::tx& t, const request& r) {
  const std::string topic = r.arg("topic");
  if (!is_name(topic)) return {"error", {}};
  if (t.transfer_failures(r.contact_id, t.now() - 24 * 3'600'000) >= wrong_codes_a_day) return {"blocked", {}};
  // «۴۸۲ ۹۱۳», "482-913": the digits, in any script.
  std::string code;
  for (const char c : text::normalize(r.arg("code"))) {
    if (c >= '0' && c <= '9') code += c;
  }
  const auto areas = code.size() == 6 ? t.use_transfer_code(code, topic, r.contact_id, r.channel_id) : std::nullopt;
  if (!areas) {
    t.add_transfer_failure(r.contact_id);
    return {"wrong", {}};
  }
  // The question before each end now goes to the new number (the old one's finds nothing).
  if (!r.arg("renew").empty()) {
    for (const auto& area : *areas) {
      if (const auto ends = t.subscription_end(r.contact_id, topic, area); ends && *ends > 0) {
        ask_before_end(t, r, topic, area, *ends);
      }
    }
  }
  return {"ok", {{"area", areas->empty() ? std::string() : areas->front()}}};
}

}  // namespace paygham::actions
