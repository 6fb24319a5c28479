// The REST API under /api/v1 for machines (a health information system, an operator's
// scripts) and for the web console: JSON in and out, a bearer token or a console session with a
// role on every call, errors as {"error": {"code", "message", "field"}}, and every change in the
// audit log with the token or the person that made it. The routes and their roles are listed once (routes()); the OpenAPI document
// at /api/v1/openapi.json is written from the same list, and a test holds the two together.
#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <variant>

#include "gateway/actions/appointments.hpp"
#include "gateway/actions/calls.hpp"
#include "gateway/actions/flow_start.hpp"
#include "gateway/actions/reminders.hpp"
#include "gateway/api/api.hpp"
#include "gateway/auth/password.hpp"
#include "gateway/auth/pin.hpp"
#include "gateway/auth/token.hpp"
#include "gateway/channels/channel.hpp"
#include "gateway/channels/registry.hpp"
#include "gateway/channels/tariff.hpp"
#include "gateway/core/form.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/core/utf8.hpp"
#include "gateway/flow/flow.hpp"
#include "gateway/jobs/outbox.hpp"
#include "gateway/phone/phone.hpp"
#include "gateway/runner/runner.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/schedule/clinics.hpp"
#include "gateway/store/number_change.hpp"
#include "gateway/store/reader.hpp"
#include "gateway/store/rules.hpp"
#include "gateway/store/writer.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"
#include "gateway/text/segments.hpp"

namespace paygham::api {
namespace {

using json = nlohmann::json;

// A refusal: status, a stable code, what to fix, and the field at fault ("" for none).
struct refusal {
  unsigned status;
  std::string code;
  std::string message;
  std::string field = {};
  std::int64_t count = -1;  // confirm_needed: how many it concerns, for a page to say in its own words
};

// JSON text; bytes that are not UTF-8 (echoed from a request) become U+FFFD, never a throw.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

core::http_response error_response(const refusal& r) {
  json e{{"code", r.code}, {"message", r.message}};
  if (!r.field.empty()) e["field"] = r.field;
  if (r.count >= 0) e["count"] = r.count;
  return core::json_response(r.status, dump(json{{"error", e}}));
}

// What a route's work gives back: a JSON body with its status, or a refusal.
struct outcome {
  unsigned status = 200;
  json body = json::object();
  std::optional<refusal> refused = {};
  bool wake_outbox = false;  // it queued messages
  std::vector<core::http_header> headers = {};  // sent with the answer (a cookie)
  // Slow work with nothing to store (checking a flow): run on services::offload once the
  // caller is known to be allowed, and its response sent instead.
  std::function<core::http_response()> later = {};
  bool changed_nothing = false;  // a change asked for that was made before: nothing to audit
};

outcome answer(json body, unsigned status = 200) {
  outcome o;
  o.status = status;
  o.body = std::move(body);
  return o;
}

outcome refuse(unsigned status, std::string code, std::string message, std::string field = {}) {
  outcome o;
  o.refused = refusal{status, std::move(code), std::move(message), std::move(field)};
  return o;
}

// R-L6: a number that is valid but, by its country's numbering plan, not a mobile's (a fixed
// line, a service number): SMS to it may never arrive. Said in the answer ("warnings"), not
// refused: a few networks take SMS on fixed lines, and the caller knows the person.
void flag_not_mobile(json& body, const std::string& e164, const std::string& field, const std::string& which = {}) {
  if (phone::is_mobile(e164)) return;
  body["warnings"].push_back({{"code", "not_mobile"},
                              {"field", field},
                              {"message", which + "by its country's numbering plan this number is not a mobile (a fixed line, "
                                                  "say): SMS to it may never arrive. Check it with the person"}});
}

// One call: the token (or console session) that made it, the path's values and the body, read.
struct call {
  store::api_token token;
  std::string csrf;  // a console session's anti-CSRF value; "" for a machine's token
  http::params values;
  json body;
  std::map<std::string, std::string> query;  // ?name=value, names the route knows
  std::string query_value(const char* name) const {
    const auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
  // Who did it, for the audit log: the person behind a console session, or the machine's token.
  std::string actor() const {
    return token.user_id != 0 ? "user:" + std::to_string(token.user_id) : "token:" + std::to_string(token.id);
  }
  std::string value(const char* name) const {
    for (const auto& [k, v] : values) {
      if (k == name) return v;
    }
    return {};
  }
};

using work = outcome (*)(services&, store::tx&, const call&);

// The body's `phone` in E.164, where only a mobile will do (R-L6): refused otherwise, `needs`
// saying why (": their SMS and USSD need a mobile").
std::variant<std::string, refusal> mobile_in_body(const services& s, const call& c, const std::string& needs) {
  const auto phone = phone::parse_e164(c.body.value("phone", ""), s.runner.config().region);
  if (!phone) return refusal{400, "invalid_phone", phone.error(), "phone"};
  if (!phone::is_mobile(phone.value())) {
    return refusal{400, "not_mobile",
                   "by its country's numbering plan this number is not a mobile (a fixed line, say)" + needs, "phone"};
  }
  return phone.value();
}

struct route {
  const char* method;
  const char* pattern;
  std::vector<std::string_view> roles;
  work run;
  const char* summary;
  // The body's fields: name → JSON type ("string", "boolean", "integer", "array" of strings,
  // "objects": an array of objects); required ones in
  // `required`. Empty for routes without a body.
  std::vector<std::pair<const char*, const char*>> fields = {};
  std::vector<std::string_view> required = {};
  std::vector<const char*> query = {};  // the query's parameters: all strings, all optional
  bool creates = false;  // answers 201 with what it made (else 200)
  // A call that succeeds changes something, so it leaves an audit entry, or changes nothing:
  // every route but reads, lint and the simulator.
  bool changes = true;
  // R-D4: a read of people's data (their numbers, words, visits, reminders) leaves an audit
  // entry too: `reads.action` ("messages.read") on what it answered: one thing by its id, for
  // a route that answers one (`reads.one`: message:12), or a list by the action's first word
  // (messages).
  struct people_read {
    const char* action = nullptr;
    const char* one = nullptr;
  } reads = {};
  bool audited() const { return changes && std::string_view(method) != "GET"; }
};

// What a read of people's data leaves in the audit log: on what, what was asked (a number
// masked, as the log masks it, whatever way it was written; a name searched for not kept, as
// it would outlive the person's erasure) and how many it answered.
void audit_read(store::tx& tx, const route& r, const call& c, const json& answered,
                const std::string& region) {
  json asked = json::object();
  for (const auto& [name, value] : c.query) {
    if (name == "name") {
      asked[name] = "(not kept)";
    } else if (name == "phone" || name == "to") {
      const auto e164 = phone::parse_e164(value, region);
      asked[name] = e164 ? core::log::mask_phone(e164.value()) : std::string("(not a number)");
    } else {
      asked[name] = core::log::mask_phone_like(value);
    }
  }
  const std::string_view action = r.reads.action;
  std::string target(action.substr(0, action.find('.')));
  std::size_t count = 1;
  if (answered.contains("items")) {
    count = answered["items"].size();
  } else if (r.reads.one && answered.contains("id")) {
    target = std::string(r.reads.one) + ":" + answered["id"].dump();
  }
  tx.audit(c.actor(), action, target, json{{"query", std::move(asked)}, {"count", count}}.dump());
}

const channels::channel* channel_for(const services& s, const std::string& wanted) {
  for (const auto& ch : s.channels) {
    if (ch->id() == wanted) return ch.get();
  }
  return nullptr;
}

// The channel messages go on when nobody names one.
std::string default_channel(const services& s) {
  return channels::default_channel(
      s.channels, [](const auto& ch) { return ch->id(); },
      [](const auto& ch) { return ch->type(); });
}

// The channel messages go on: the body's, or the default one (channels::default_channel).
std::variant<std::string, refusal> sending_channel(const services& s, const call& c) {
  std::string channel = c.body.value("channel", "");
  if (channel.empty()) channel = default_channel(s);
  if (!channel_for(s, channel))
    return refusal{400, "unknown_channel", "no channel '" + channel + "'", "channel"};
  return channel;
}

// A message's priority as the API writes and reads it, by its number (core::priority).
constexpr std::array<const char*, 4> priority_names = {"alert", "reminder", "reply", "bulk"};

std::optional<core::priority> read_priority(const std::string& name) {
  for (std::size_t i = 0; i < priority_names.size(); ++i) {
    if (name == priority_names[i]) return static_cast<core::priority>(i);
  }
  return std::nullopt;
}

json priority_json(int priority) {
  const auto i = static_cast<std::size_t>(priority);
  return priority >= 0 && i < priority_names.size() ? json(priority_names[i]) : json(priority);
}

json message_json(const store::message_view& m) {
  json history = json::array();
  for (const auto& e : m.history) {
    json h{{"status", e.status}, {"source", e.source}, {"at", e.at}, {"applied", e.applied}};
    if (!e.raw_code.empty()) h["raw_code"] = e.raw_code;
    history.push_back(std::move(h));
  }
  json out{{"id", m.id},
           {"channel", m.channel_id},
           {"to", m.to_phone},
           {"body", m.body},
           {"status", m.status},
           {"priority", priority_json(m.priority)},
           {"created_at", m.created_at},
           {"updated_at", m.updated_at}};
  if (!history.empty()) out["history"] = std::move(history);  // one message; lists leave it out
  if (!m.programme.empty()) out["programme"] = m.programme;
  if (!m.error.empty()) out["error"] = m.error;
  if (m.broadcast_id != 0) out["broadcast"] = m.broadcast_id;
  return out;
}

// POST /api/v1/messages: one SMS to a number, as text or a template in the person's language.
outcome send_message(services& s, store::tx& tx, const call& c) {
  const auto& b = c.body;
  const std::string to = b.value("to", "");
  const auto phone = phone::parse_e164(to, s.runner.config().region);
  if (!phone) return refuse(400, "invalid_phone", phone.error(), "to");
  if (b.contains("text") == b.contains("template")) {
    return refuse(400, "invalid_body", "give one of text or template", b.contains("text") ? "template" : "text");
  }
  const auto sending = sending_channel(s, c);
  if (const auto* bad = std::get_if<refusal>(&sending)) return outcome{400, json::object(), *bad};
  const std::string channel = std::get<std::string>(sending);
  const auto prio = read_priority(b.value("priority", "reply"));
  if (!prio) return refuse(400, "invalid_priority", "priority is alert, reminder, reply or bulk", "priority");
  auto who = tx.upsert_contact(phone.value());
  std::string body;
  if (b.contains("template")) {
    body = s.runner.text_for(who, b.value("template", ""));
    if (body.empty()) return refuse(400, "unknown_template", "no text '" + b.value("template", "") + "'", "template");
    // A flow's text whose {values} only the flow fills would go out with its braces.
    if (body.find('{') != std::string::npos) {
      return refuse(400, "template_needs_values", "this text takes values only its flow gives; send text instead",
                    "template");
    }
  } else {
    body = b.value("text", "");
    if (body.empty() || core::decode_utf8(body).size() > 1600) {
      return refuse(400, "invalid_text", "text is 1 to 1600 letters", "text");
    }
    if (core::has_control(body, true)) {
      return refuse(400, "invalid_text", "text has a control character; only letters, digits, signs and new lines",
                    "text");
    }
  }
  store::new_message m{channel, who.id, 0, who.phone, body, *prio};
  // Nobody asked for it just now: it waits for sending hours, unless it is an alert (R-S8).
  if (*prio != core::priority::alert) {
    m.not_before = s.runner.sending_time(tx.now(), who, {});
  }
  const std::int64_t id = tx.queue_message(m);
  tx.audit(c.actor(), "messages.send", "message:" + std::to_string(id),
           json{{"channel", channel}, {"priority", b.value("priority", "reply")}}.dump());
  const auto view = tx.find_message(id);
  json out = view ? message_json(*view) : json{{"id", id}};
  flag_not_mobile(out, who.phone, "to");
  auto o = answer(std::move(out), 201);
  o.wake_outbox = true;
  return o;
}

// GET /api/v1/messages/{id}: a message with its whole history.
outcome get_message(services&, store::tx& tx, const call& c) {
  const auto id = text::read_id(c.value("id"));
  const auto m = id ? tx.find_message(*id) : std::nullopt;
  if (!m) return refuse(404, "not_found", "no message with that number");
  return answer(message_json(*m));
}

// Where a broadcast is: awaiting_approval (an urgent alert, until a second person approves
// it), cancelled, expired (nobody approved it in time), queuing (its messages are being
// queued) or queued (every one is).
std::string broadcast_status(const store::broadcast& b, core::unix_ms now) {
  if (b.cancelled) return "cancelled";
  if (b.awaiting_approval()) return b.expires_at > 0 && now >= b.expires_at ? "expired" : "awaiting_approval";
  return b.done ? "queued" : "queuing";
}

// What a list shows of a broadcast; one alone adds its messages by state (broadcast_json).
json broadcast_summary_json(const store::broadcast& b, core::unix_ms now) {
  return json{{"id", b.id},
              {"topic", b.topic},
              {"area", b.area},
              {"route", b.route},
              {"district", b.district},
              {"unknown_district", b.unknown_district},
              {"text", b.template_key},
              {"priority", runner::broadcast_priority_name(b.prio)},
              {"status", broadcast_status(b, now)},
              {"audience", b.audience},
              {"queued", b.queued},
              {"done", b.done},
              {"not_before", b.not_before},
              {"expires_at", b.expires_at},
              {"requested_by", b.requested_by},
              {"approved_by", b.approved_by}};
}

json broadcast_json(store::tx& tx, const store::broadcast& b) {
  json states = json::object();
  for (const auto& [state, n] : tx.broadcast_progress(b.id)) states[state] = n;
  json out = broadcast_summary_json(b, tx.now());
  out["states"] = std::move(states);
  return out;
}

// POST /api/v1/broadcasts: an alert or an education message to a programme's subscribers.
outcome create_broadcast(services& s, store::tx& tx, const call& c) {
  const auto& b = c.body;
  store::broadcast out;
  out.topic = b.value("topic", "");
  out.area = b.value("area", "");
  out.route = b.value("route", "");
  if (!out.route.empty() && !text::is_value_name(out.route)) {
    return refuse(400, "invalid_route", "a route is a value of the flow's route menu: a-z, 0-9 and _ (islam_qala)",
                  "route");
  }
  out.district = b.value("district", "");
  out.unknown_district = b.value("unknown_district", true);
  if (out.district.empty() && !out.unknown_district) {
    return refuse(400, "invalid_district", "unknown_district goes with a district", "unknown_district");
  }
  if (const auto bad = runner::check_district(out, s.runner.current()->districts)) {
    return refuse(400, "invalid_district", bad->message, "district");
  }
  out.template_key = b.value("text", "");
  if (out.topic.empty()) return refuse(400, "missing_field", "say which programme's subscribers", "topic");
  store::contact speaker;
  speaker.language = s.runner.config().default_language;
  if (out.template_key.empty() || s.runner.text_for(speaker, out.template_key).empty()) {
    return refuse(400, "unknown_template", "no text '" + out.template_key + "' in the default language", "text");
  }
  if (const auto bad = runner::check_broadcast_text(out.template_key, s.runner.current()->texts, s.runner.config())) {
    return refuse(400, "unusable_template", bad->message, bad->field);
  }
  // Later, at a time given ("at", ISO 8601 with its zone), up to 30 days ahead; now by default.
  core::unix_ms at = tx.now();
  if (const std::string given = b.value("at", ""); !given.empty()) {
    // A day alone is midnight UTC (04:30 in Kabul): a time is asked for.
    const auto when = given.find('T') == std::string::npos ? std::nullopt : text::parse_instant(given);
    if (!when || *when < tx.now() || *when > tx.now() + 30LL * 86'400'000) {
      return refuse(400, "invalid_time",
                    "at is a time in the next 30 days with its zone, as 2026-12-01T06:30:00Z or 2026-12-01T11:00+04:30",
                    "at");
    }
    at = *when;
  }
  const std::string priority = b.value("priority", "area");
  runner::broadcast_request asked{priority, at, 0, 0, c.actor()};
  if (const std::string given = b.value("expires_at", ""); !given.empty()) {
    const auto when = given.find('T') == std::string::npos ? std::nullopt : text::parse_instant(given);
    if (!when) {
      return refuse(400, "invalid_time", "expires_at is a time after the broadcast may go, as 2026-12-01T18:00:00Z",
                    "expires_at");
    }
    asked.expires_at = *when;
  }
  if (const auto bad = runner::plan_broadcast(out, asked, s.runner.config())) {
    return bad->field == "priority" ? refuse(400, "invalid_priority", bad->message, "priority")
                                    : refuse(400, "invalid_time", bad->message, "expires_at");
  }
  out.audience = tx.count_audience(out);
  if (out.audience == 0) {
    // The district or the route is to blame only when the area alone has someone.
    auto any_district = out;
    any_district.district.clear();
    auto any_route = any_district;
    any_route.route.clear();
    const char* blame = !out.district.empty() && tx.count_audience(any_district) > 0 ? "district"
                        : !out.route.empty() && tx.count_audience(any_route) > 0  ? "route"
                                                                                   : "area";
    // A name no flow gives ("heratt"): what to fix, rather than that nobody is there.
    if (const auto bad = runner::subscription_names(s.runner.current()->flows)
                             .check(out.topic, out.area, out.route)) {
      return refuse(400, "unknown_" + bad->field, bad->message, bad->field);
    }
    return refuse(409, "no_audience",
                  "nobody is subscribed to " + out.topic + (out.area.empty() ? "" : " in " + out.area) +
                      (out.district.empty() ? "" : ", district " + out.district) +
                      (out.route.empty() ? "" : " who comes by " + out.route),
                  blame);
  }
  if (out.audience > 1000 && !b.value("confirm", false)) {
    return refuse(409, "confirm_needed",
                  std::to_string(out.audience) + " people would get it, more than 1000: check the area and the text, "
                                                 "then send again with \"confirm\": true",
                  "confirm");
  }
  if (priority == "alert" && c.token.user_id == 0) {
    // Two people decide an urgent alert: a machine's token is nobody's (whoever holds it could
    // ask with it and approve as themself).
    return refuse(403, "not_a_person", "an urgent alert is asked for by a person logged in to the console", "priority");
  }
  out.id = runner::start_broadcast(tx, out);
  tx.audit(c.actor(), "broadcasts.create", "broadcast:" + std::to_string(out.id),
           json{{"topic", out.topic}, {"area", out.area}, {"route", out.route}, {"district", out.district},
                {"unknown_district", out.unknown_district}, {"text", out.template_key}, {"priority", priority},
                {"audience", out.audience}, {"not_before", out.not_before}, {"expires_at", out.expires_at}}
               .dump());
  return answer(broadcast_json(tx, *tx.find_broadcast(out.id)), 201);
}

// POST /api/v1/broadcasts/{id}/approve: a second person lets an urgent alert go (R-M3).
outcome approve_broadcast(services& s, store::tx& tx, const call& c) {
  const auto id = text::read_id(c.value("id"));
  const auto b = id ? tx.find_broadcast(*id) : std::nullopt;
  if (!b) return refuse(404, "not_found", "no broadcast with that number");
  if (!b->awaiting_approval() || broadcast_status(*b, tx.now()) == "expired") {
    return refuse(409, "not_awaiting_approval",
                  "broadcast " + std::to_string(b->id) + " is " + broadcast_status(*b, tx.now()));
  }
  if (c.token.user_id == 0) {
    return refuse(403, "not_a_person", "an urgent alert is approved by a person logged in to the console");
  }
  if (b->requested_by == c.actor()) {
    return refuse(409, "same_person", "an urgent alert needs a second person: someone else must approve it");
  }
  // A district the file no longer lists (edited since) would reach only those whose district
  // is not known.
  if (const auto gone = runner::check_district(*b, s.runner.current()->districts)) {
    return refuse(409, "unknown_district", gone->message + ": cancel it and ask for it again");
  }
  if (!runner::approve_broadcast(tx, b->id, c.actor())) {
    return refuse(409, "not_awaiting_approval", "broadcast " + std::to_string(b->id) + " no longer awaits approval");
  }
  tx.audit(c.actor(), "broadcasts.approve", "broadcast:" + std::to_string(b->id),
           json{{"audience", b->audience}, {"requested_by", b->requested_by}}.dump());
  return answer(broadcast_json(tx, *tx.find_broadcast(b->id)));
}

// POST /api/v1/broadcasts/{id}/cancel: an alert awaiting approval is refused; one under way
// (or held for sending hours, or for later) stops: nobody more, and what is not yet sent is
// cancelled.
outcome cancel_broadcast(services&, store::tx& tx, const call& c) {
  const auto id = text::read_id(c.value("id"));
  const auto b = id ? tx.find_broadcast(*id) : std::nullopt;
  if (!b) return refuse(404, "not_found", "no broadcast with that number");
  // Two people let an urgent alert go: a machine's token is nobody, to refuse it or stop it.
  if (b->prio == core::priority::alert && c.token.user_id == 0) {
    return refuse(403, "not_a_person", "an urgent alert is cancelled by a person logged in to the console");
  }
  if (!runner::cancel_broadcast(tx, *b, c.actor(), "api")) {
    return refuse(409, "nothing_to_stop",
                  "broadcast " + std::to_string(b->id) + " is " + broadcast_status(*b, tx.now()) +
                      (b->cancelled ? "" : ": every message of it has gone to the aggregator"));
  }
  return answer(broadcast_json(tx, *tx.find_broadcast(b->id)));
}

// GET /api/v1/broadcasts/{id}: how far it has got, by state.
outcome get_broadcast(services&, store::tx& tx, const call& c) {
  const auto id = text::read_id(c.value("id"));
  const auto b = id ? tx.find_broadcast(*id) : std::nullopt;
  if (!b) return refuse(404, "not_found", "no broadcast with that number");
  return answer(broadcast_json(tx, *b));
}

// A page of a list, newest first: ?before=<id>&limit=<n> (1 to 200, 50 by default).
struct page {
  std::int64_t before = 0;
  std::size_t limit = 50;
};

std::variant<page, refusal> read_page(const call& c) {
  page p;
  if (const auto b = c.query_value("before"); !b.empty()) {
    const auto id = text::read_id(b);
    if (!id) return refusal{400, "invalid_query", "before is the id the previous page ended at", "before"};
    p.before = *id;
  }
  if (const auto l = c.query_value("limit"); !l.empty()) {
    const auto n = text::read_id(l);
    if (!n || *n < 1 || *n > 200) return refusal{400, "invalid_query", "limit is 1 to 200", "limit"};
    p.limit = static_cast<std::size_t>(*n);
  }
  return p;
}

// {"items": […], "next": the id to pass as before for the next page, or null at the end}.
template <typename T>
json page_json(const std::vector<T>& rows, const page& p, json (*to_json)(const T&)) {
  json items = json::array();
  for (const auto& r : rows) items.push_back(to_json(r));
  return json{{"items", std::move(items)}, {"next", rows.size() == p.limit ? json(rows.back().id) : json()}};
}

json audit_json(const store::audit_entry& e) {
  return json{{"id", e.id},         {"at", e.at}, {"actor", e.actor}, {"action", e.action}, {"target", e.target},
              {"detail", json::parse(e.detail, nullptr, false)}};
}

// GET /api/v1/messages: messages newest first, by number, broadcast or state.
outcome list_messages(services& s, store::tx& tx, const call& c) {
  const auto p = read_page(c);
  if (const auto* bad = std::get_if<refusal>(&p)) return outcome{400, json::object(), *bad};
  store::message_filter f;
  if (const auto to = c.query_value("to"); !to.empty()) {
    const auto phone = phone::parse_e164(to, s.runner.config().region);
    if (!phone) return refuse(400, "invalid_phone", phone.error(), "to");
    f.to_phone = phone.value();
  }
  if (const auto b = c.query_value("broadcast"); !b.empty()) {
    const auto id = text::read_id(b);
    if (!id) return refuse(400, "invalid_query", "broadcast is a broadcast's number", "broadcast");
    f.broadcast_id = *id;
  }
  if (const auto who = c.query_value("contact"); !who.empty()) {
    const auto id = text::read_id(who);
    if (!id) return refuse(400, "invalid_query", "contact is a contact's number (its id)", "contact");
    f.contact_id = *id;
  }
  f.status = c.query_value("status");
  if (!f.status.empty() && !store::parse_status(f.status)) {
    return refuse(400, "invalid_query", "no state '" + f.status + "'", "status");
  }
  const auto& pg = std::get<page>(p);
  return answer(page_json(tx.messages_page(f, pg.before, pg.limit), pg, message_json));
}

// GET /api/v1/broadcasts: newest first, each with its status: what awaits a second person's
// approval is what an operator on duty looks for.
outcome list_broadcasts(services&, store::tx& tx, const call& c) {
  const auto p = read_page(c);
  if (const auto* bad = std::get_if<refusal>(&p)) return outcome{400, json::object(), *bad};
  const auto& pg = std::get<page>(p);
  const auto rows = tx.broadcasts_page(pg.before, pg.limit);
  json items = json::array();
  for (const auto& b : rows) items.push_back(broadcast_summary_json(b, tx.now()));
  return answer(json{{"items", std::move(items)}, {"next", rows.size() == pg.limit ? json(rows.back().id) : json()}});
}

// GET /api/v1/audit: the audit log, newest first.
outcome list_audit(services&, store::tx& tx, const call& c) {
  const auto p = read_page(c);
  if (const auto* bad = std::get_if<refusal>(&p)) return outcome{400, json::object(), *bad};
  const auto& pg = std::get<page>(p);
  return answer(page_json(tx.audit_page(pg.before, pg.limit, c.query_value("target")), pg, audit_json));
}

bool flow_file_name(const std::string& file) {
  static const std::regex name(R"([a-z0-9_]{1,64}\.yaml)");
  return std::regex_match(file, name);
}

// POST /api/v1/flows/validate: what lint says of a flow file as an editor has it, without
// publishing it.
outcome validate_flow(services& s, store::tx&, const call& c) {
  const std::string file = c.body.value("file", "");
  if (!flow_file_name(file)) {
    return refuse(400, "invalid_file", "a flow file's name: a-z, 0-9 and _, then .yaml", "file");
  }
  const std::string yaml = c.body.value("yaml", "");
  if (!s.flows) return refuse(503, "unavailable", "this server cannot check flows");
  outcome o;
  o.later = [&s, file, yaml] { return core::json_response(200, s.flows->validate(file, yaml)); };
  return o;
}

// GET /api/v1/flows: the flows the server runs now, with their files.
// The USSD routes a dial may come by (`ussd_profiles`), for the flow editor's simulator.
json ussd_routes(const services& s) {
  json out = json::array();
  if (!s.flows) return out;
  for (const auto& r : s.flows->routes()) {
    json one{{"name", r.name}, {"ucs2", r.ucs2}};
    if (!r.ucs2) one["fallback"] = r.fallback;
    out.push_back(std::move(one));
  }
  return out;
}

outcome list_flows(services& s, store::tx&, const call&) {
  json items = json::array();
  for (const auto& f : s.runner.current()->flows.all()) {
    json entries = json::array();
    for (const auto& code : f->ussd_codes) entries.push_back("ussd " + code);
    for (const auto& k : f->sms_keywords) entries.push_back("sms " + k);
    items.push_back(json{{"id", f->id}, {"file", f->id + ".yaml"}, {"entries", std::move(entries)}});
  }
  return answer(json{{"items", std::move(items)}, {"ussd_routes", ussd_routes(s)}});
}

// GET /api/v1/flows/{file}: a flow file's YAML as it is on disk.
outcome get_flow(services& s, store::tx&, const call& c) {
  const std::string file = c.value("file");
  if (!flow_file_name(file)) return refuse(404, "not_found", "no flow file of that name");
  if (!s.flows) return refuse(503, "unavailable", "this server cannot read its flows");
  outcome o;
  o.later = [&s, file] {
    const auto yaml = s.flows->read(file);
    if (!yaml) return error_response({404, "not_found", "no flow file " + file});
    return core::json_response(200, dump(json{{"file", file},
                                              {"yaml", *yaml},
                                              {"version", flow::content_hash(*yaml)},
                                              {"ussd_routes", ussd_routes(s)}}));
  };
  return o;
}

// An edited file published (flow_files::publish or publish_clinics, given the version and
// what records it): `action` on `target` in the audit log, with the file before and after
// (and `extra`); `name` says which file in a 409.
using publisher =
    std::function<flow_files::published(const std::optional<std::string>& version,
                                        const std::function<void(const std::string&)>& record)>;
outcome publish_file(services& s, const call& c, std::string name, std::string action,
                     std::string target, json extra, std::string yaml, publisher publish_it) {
  std::optional<std::string> version;
  if (c.body.contains("version")) version = c.body["version"].get<std::string>();
  outcome o;
  o.later = [&s, name, action, target, extra, yaml, publish_it, version, actor = c.actor()] {
    const auto done = publish_it(version, [&](const std::string& before) {
      json detail = extra;
      detail["before"] = before;
      detail["after"] = yaml;
      store::run_now(s.writer,
                     [&](store::tx& tx) { tx.audit(actor, action, target, detail.dump()); });
    });
    if (done.changed_since) {
      return error_response(
          {409, "changed_since",
           name + " was published by someone else (or changed on disk) since this version was "
                  "opened: nothing was changed. Open it again, and make the change there"});
    }
    if (!done.recorded) core::log::error("api.unaudited", {{"route", action}, {"file", target}});
    return core::json_response(done.ok ? 200 : done.recorded ? 422 : 503, done.report);
  };
  return o;
}

// PUT /api/v1/flows/{file} and POST /api/v1/flows/{file}/rollback: the file replaced only when
// lint passes with it, the running server switched at once, the version before kept in the
// audit log (before and after), from which a rollback takes it back.
// With `version` (GET's), only over that version of the file: else 409 changed_since.
outcome publish(services& s, const call& c, const std::string& file, const std::string& yaml,
                bool rollback) {
  if (!s.flows) return refuse(503, "unavailable", "this server cannot publish flows");
  return publish_file(s, c, file, "flows.publish", "flow:" + file,
                      rollback ? json{{"rollback", true}} : json::object(), yaml,
                      [&s, file, yaml](const auto& version, const auto& record) {
                        return s.flows->publish(file, yaml, version, record);
                      });
}

// POST /api/v1/flows/simulate: a phone walking the flows with the editor's text, on a
// throwaway store; each call replays the walk from the dial.
outcome simulate_flow(services& s, store::tx&, const call& c) {
  const std::string file = c.body.value("file", "");
  if (!flow_file_name(file)) return refuse(400, "invalid_file", "a flow file's name: a-z, 0-9 and _, then .yaml", "file");
  std::vector<std::string> replies;
  if (c.body.contains("replies")) replies = c.body["replies"].get<std::vector<std::string>>();
  if (replies.size() > 50) return refuse(400, "too_many_replies", "at most 50 replies in one walk", "replies");
  for (const auto& r : replies) {
    if (r.size() > 200) return refuse(400, "reply_too_long", "a reply is at most 200 bytes", "replies");
  }
  if (!s.flows) return refuse(503, "unavailable", "this server cannot simulate flows");
  outcome o;
  o.later = [&s, file, yaml = c.body.value("yaml", ""), code = c.body.value("ussd_code", ""),
             language = c.body.value("language", ""), route = c.body.value("ussd_route", ""), replies] {
    return core::json_response(200, s.flows->simulate(file, yaml, code, language, route, replies));
  };
  return o;
}

// GET /api/v1/clinics/file: the clinics file's YAML as it is on disk, with its version.
outcome get_clinics_file(services& s, store::tx&, const call&) {
  if (!s.flows) return refuse(503, "unavailable", "this server cannot read its clinics file");
  outcome o;
  o.later = [&s] {
    const auto yaml = s.flows->read_clinics();
    if (!yaml)
      return error_response(
          {404, "not_found", "this server has no clinics file (config: clinics)"});
    return core::json_response(200,
                               dump(json{{"yaml", *yaml}, {"version", flow::content_hash(*yaml)}}));
  };
  return o;
}

// PUT /api/v1/clinics/file: a clinic added or renamed (its names), as a flow file is published:
// only when lint passes, over the version the edit began from, the server switched at once,
// the file before kept in the audit log.
outcome publish_clinics_file(services& s, store::tx&, const call& c) {
  if (!s.flows) return refuse(503, "unavailable", "this server cannot publish its clinics file");
  const std::string yaml = c.body.value("yaml", "");
  return publish_file(s, c, "the clinics file", "clinics.publish", "clinics", json::object(), yaml,
                      [&s, yaml](const auto& version, const auto& record) {
                        return s.flows->publish_clinics(yaml, version, record);
                      });
}

outcome publish_flow(services& s, store::tx&, const call& c) {
  const std::string file = c.value("file");
  if (!flow_file_name(file)) return refuse(400, "invalid_file", "a flow file's name: a-z, 0-9 and _, then .yaml", "file");
  return publish(s, c, file, c.body.value("yaml", ""), false);
}

outcome roll_back_flow(services& s, store::tx& tx, const call& c) {
  const std::string file = c.value("file");
  if (!flow_file_name(file)) return refuse(404, "not_found", "no flow file of that name");
  for (const auto& e : tx.audit_page(0, 1, "flow:" + file)) {
    const auto detail = json::parse(e.detail, nullptr, false);
    if (e.action == "flows.publish" && detail.is_object() && detail.contains("before")) {
      return publish(s, c, file, detail.value("before", ""), true);
    }
  }
  return refuse(409, "nothing_to_roll_back", "this flow was never published from the console or the API");
}

// GET /api/v1/texts/{key}: a text in every language, with its encoding, its SMS parts and what
// 1,000 recipients of it cost on each priced channel (what a broadcast of it costs, R-S1).
outcome get_text(services& s, store::tx&, const call& c) {
  const auto content = s.runner.current();
  json items = json::array();
  for (const auto& lang : content->texts.languages()) {
    const auto* e = content->texts.find(lang, c.value("key"));
    if (!e) continue;
    const auto m = text::measure_sms(e->text);
    json item{{"language", lang},
              {"text", e->text},
              {"encoding", text::to_string(m.enc)},
              {"parts", m.parts},
              {"cost_per_1000", channels::costs_json(s.tariffs, m.enc == text::encoding::ucs2, m.parts)}};
    if (!m.non_gsm.empty()) item["non_gsm"] = m.non_gsm;
    items.push_back(std::move(item));
  }
  if (items.empty()) return refuse(404, "not_found", "no text '" + c.value("key") + "' in any language");
  return answer(json{{"key", c.value("key")}, {"items", std::move(items)}});
}

// GET /api/v1/texts: every text's key (the default language's).
outcome list_texts(services& s, store::tx&, const call&) {
  const auto content = s.runner.current();
  json keys = json::array();
  if (const auto* all = content->texts.keys_of(s.runner.config().default_language)) {
    for (const auto& [key, e] : *all) keys.push_back(key);
  }
  return answer(json{{"items", std::move(keys)}});
}

// True when an action found what it looks for (ok, with `var` set).
bool done_with(const flow::action_result& r, const char* var) { return r.outcome == "ok" && r.vars.count(var) != 0; }

// Why `lang` (a body's "language") cannot be used, or nullopt when the templates have it.
std::optional<refusal> unknown_language(const services& s, const std::string& lang) {
  if (s.runner.current()->texts.knows(lang)) return std::nullopt;
  return refusal{400, "unknown_language", "no texts in '" + lang + "'", "language"};
}

// The health reminders the API enrols in: the shipped health-worker flow, its nodes for each
// occurrence and the welcome (flows/health_reminders.yaml).
constexpr const char* health_flow = "health_reminders";

// The health worker a call acts for: the person of a health worker's session; else the
// body's "worker" (a health worker of the token's clinic, for a clinic's system).
std::variant<store::user, refusal> acting_worker(store::tx& tx, const call& c) {
  if (c.token.role == "health_worker" && c.token.user_id != 0) {
    if (auto u = tx.find_user(c.token.user_id)) return *u;
  }
  const auto id = text::read_id(c.body.value("worker", ""));
  const auto u = id ? tx.find_user(*id) : std::nullopt;
  if (!u || u->role != "health_worker" || u->disabled || (c.token.role == "health_worker" && u->facility != c.token.facility)) {
    return refusal{400, "unknown_worker", "'worker' is the user number of a health worker (of this token's clinic)",
                   "worker"};
  }
  return *u;
}

// What a caller records of a person with an enrolment, a booking or on its own (R-D2):
// A person's own quiet hours as given ("22:00-09:00", any digits) in the form kept; "" (the
// programme's again) stays ""; nullopt for anything else.
std::optional<std::string> own_quiet_hours(const std::string& given) {
  if (given.empty()) return std::string();
  const auto window = schedule::day_window(text::normalize(given));
  if (!window) return std::nullopt;
  return schedule::clock_text(window->first) + "-" + schedule::clock_text(window->second);
}

// Whether others read the phone is said of the person's main number (R-S11), never of another
// they write from (R-L6), where texts stay neutral: refused when given with one of those.
std::optional<refusal> said_of_other_number(store::tx& tx, const call& c,
                                            const std::string& phone) {
  if (!c.body.contains("shared_phone") && !c.body.contains("explicit_texts")) return std::nullopt;
  const auto known = tx.find_contact_by_phone(phone);
  if (!known || known->phone == phone) return std::nullopt;
  return refusal{409, "other_number",
                 "this is one of contact " + std::to_string(known->id) +
                     "'s other numbers: whether others read SMS is recorded of their main number; "
                     "send it with that one",
                 c.body.contains("shared_phone") ? "shared_phone" : "explicit_texts"};
}

// `shared_phone` (whether others read SMS on the phone: unknown, yes, no), with
// `explicit_texts` whether texts may name their care (R-S11: only after a clear no, and false
// unless given), and, with `consent_via` (how they said yes: in_person, phone_call, written),
// their consent to a programme, recorded as the caller's. Checked before anything changes,
// kept after.
std::optional<refusal> bad_record(const json& body) {
  const std::string shared = body.value("shared_phone", "unknown");
  if (shared != "unknown" && shared != "yes" && shared != "no") {
    return refusal{400, "invalid_shared_phone", "shared_phone is unknown, yes or no", "shared_phone"};
  }
  if (body.contains("explicit_texts") && !body.contains("shared_phone")) {
    return refusal{400, "explicit_needs_shared_phone",
                   "explicit_texts goes with shared_phone: whether texts may name the care is asked with whether "
                   "others read the phone",
                   "explicit_texts"};
  }
  if (body.value("explicit_texts", false) && body.value("for", "self") != "self") {
    return refusal{400, "explicit_for_other",
                   "explicit_texts is the phone owner's own choice: a visit booked for someone else cannot set it",
                   "explicit_texts"};
  }
  if (!store::may_name_care(shared, true) && body.value("explicit_texts", false)) {
    return refusal{400, "explicit_needs_private_phone",
                   "explicit_texts needs shared_phone \"no\": texts that name a person's care go only to a phone "
                   "nobody else reads",
                   "explicit_texts"};
  }
  if (const std::string v = body.value("consent_via", "in_person");
      v != "in_person" && v != "phone_call" && v != "written") {
    return refusal{400, "invalid_consent_via", "consent_via is in_person, phone_call or written", "consent_via"};
  }
  if (body.contains("quiet_hours") && !own_quiet_hours(body.value("quiet_hours", ""))) {
    return refusal{400, "invalid_quiet_hours",
                   "quiet_hours is when nothing routine is sent, as 22:00-09:00 (any digits), or \"\" for the "
                   "programme's",
                   "quiet_hours"};
  }
  return std::nullopt;
}

// Returns what it kept, for the audit entry of the call.
json keep_record(store::tx& tx, const call& c, std::int64_t contact, const std::string& programme) {
  json kept = json::object();
  if (c.body.contains("shared_phone")) {
    kept["shared_phone"] = c.body.value("shared_phone", "unknown");
    kept["explicit_texts"] = c.body.value("explicit_texts", false);
    tx.set_phone_privacy(contact, kept["shared_phone"].get<std::string>(), kept["explicit_texts"].get<bool>(),
                         c.actor());
  }
  if (c.body.contains("quiet_hours")) {
    // R-S8: the person's own sending hours, from their next message on.
    kept["quiet_hours"] = *own_quiet_hours(c.body.value("quiet_hours", ""));
    tx.set_quiet_hours(contact, kept["quiet_hours"].get<std::string>());
  }
  if (!programme.empty() && c.body.contains("consent_via")) {
    kept["consent"] = programme;
    kept["consent_via"] = c.body.value("consent_via", "in_person");
    tx.add_consent(contact, {programme, kept["consent_via"].get<std::string>(), c.actor()});
  }
  return kept;
}

// `first`: when the first reminder of one just made goes (a refill tomorrow asks at once).
json enrolment_json(services& sv, store::tx& tx, const store::series& s, std::optional<core::unix_ms> first = {}) {
  const bool paused = s.paused_until > tx.now();
  auto next = actions::first_due(s, paused ? s.paused_until : tx.now());
  if (first) next.at = *first;
  const auto worker = s.worker_id != 0 ? tx.find_user(s.worker_id) : std::nullopt;
  json out{{"id", s.id},
           {"kind", store::series_kind(s)},
           {"time", schedule::clock_text(s.at_minute)},
           {"time_zone", s.time_zone},
           {"unanswered", s.misses},
           {"high_risk", s.high_risk}};
  if (s.every_days != 0) out["every_days"] = s.every_days;
  const auto who = tx.find_contact(s.contact_id);
  // The patient stopped these messages (or all): nothing goes until they send 12 (R-S5); the
  // reminders that fall due meanwhile are skipped.
  const bool stopped = who && tx.stopped(who->id, s.programme);
  if (stopped) out["stopped"] = true;
  if (next.state == actions::first_occurrence::ahead && !stopped) {
    // When it goes: a reminder that falls in sending hours waits for them (R-S8).
    out["next_at"] = who ? sv.runner.sending_time(next.at, *who, s.programme, s.time_zone) : next.at;
  }
  if (paused) out["paused_until"] = s.paused_until;
  if (worker) out["worker"] = json{{"id", worker->id}, {"name", worker->name}, {"facility", worker->facility}};
  // The patient's own quiet hours, which hold a reminder that falls in them.
  if (who && !who->quiet_hours.empty()) out["quiet_hours"] = who->quiet_hours;
  return out;
}

// POST /api/v1/enrolments: a health worker enrols a patient in reminders they answer with 1
// (medicine daily at a time, pregnancy care from the last period, a weekly check-in, or the day
// before each medicine refill), as the health-worker menu does.
outcome enrol(services& s, store::tx& tx, const call& c) {
  const auto worker = acting_worker(tx, c);
  if (const auto* bad = std::get_if<refusal>(&worker)) return outcome{400, json::object(), *bad};
  const auto channel = sending_channel(s, c);
  if (const auto* bad = std::get_if<refusal>(&channel)) return outcome{400, json::object(), *bad};
  // Reminders go by SMS, and nothing else of them reaches a fixed line (as the SMS command, R-L6).
  const auto phone = mobile_in_body(s, c, ", and reminders go by SMS: give the patient's mobile");
  if (const auto* bad = std::get_if<refusal>(&phone)) return outcome{400, json::object(), *bad};
  if (auto bad = bad_record(c.body)) return outcome{400, json::object(), *bad};
  if (auto bad = said_of_other_number(tx, c, std::get<std::string>(phone))) {
    return outcome{409, json::object(), *bad};
  }
  const std::string kind = c.body.value("kind", "");
  // R-H3: a high-risk pregnancy: a call about her is made within one working day.
  if (kind != "pregnancy" && c.body.value("high_risk", false)) {
    return refuse(400, "invalid_value", "only pregnancy care is flagged high risk", "high_risk");
  }
  // A refill field with another kind would be silently dropped.
  for (const char* field : {"refill_date", "every_days"}) {
    if (kind != "refill" && c.body.contains(field)) {
      return refuse(400, "invalid_value", std::string(field) + " is for kind refill only", field);
    }
  }
  std::map<std::string, std::string> args{
      {"phone", std::get<std::string>(phone)}, {"programme", "health"}, {"welcome", "welcome"}, {"ask_again", "still_wanted"}};
  // Dates are the patient's: today where their number is, as the menu and the SMS command read them.
  const long long today =
      schedule::local_day(tx.now(), s.runner.time_zone(std::get<std::string>(phone))).value_or(tx.now() / 86'400'000);
  if (kind == "medicine") {
    const std::string time = c.body.value("time", "");
    if (!schedule::minute_of_day(time)) return refuse(400, "invalid_time", "time is HH:MM, e.g. 08:00", "time");
    args.insert({{"kind", "daily"}, {"time", time}, {"remind", "medicine_due"}});
  } else if (kind == "pregnancy") {
    // Persian or Arabic digits, Solar Hijri or Gregorian, as the menu reads them.
    const std::string lmp = text::normalize(c.body.value("lmp", ""));
    const auto day = text::read_date(lmp);
    if (!day || text::day_number(*day) > today) {
      return refuse(400, "invalid_date", "lmp is the first day of the last period, not in the future (2026-09-01 or 1405/6/10)",
                    "lmp");
    }
    args.insert({{"kind", "antenatal"},
                 {"lmp", lmp},
                 {"time", "10:00"},
                 {"remind", "visit_check"},
                 {"danger_signs", "health.danger_signs"}});
  } else if (kind == "checkin") {
    // R-H3: "how are you this week?" on Mondays at 10:00, as the menu enrols it.
    args.insert({{"kind", "weekly"}, {"weekday", "1"}, {"time", "10:00"}, {"remind", "checkin_due"}});
  } else if (kind == "refill") {
    // The day before each refill at 10:00, from the next refill day, every so many days.
    const std::string date = text::normalize(c.body.value("refill_date", ""));
    const auto day = text::read_date(date);
    if (!day || text::day_number(*day) < today || text::day_number(*day) > today + actions::max_refill_days) {
      return refuse(400, "invalid_date",
                    "refill_date is the next refill day, from today to 180 days ahead (2026-12-20 or 1405/9/29)",
                    "refill_date");
    }
    const auto every = c.body.value("every_days", std::int64_t{30});  // typed by read_body
    if (every < actions::min_refill_days || every > actions::max_refill_days) {
      return refuse(400, "invalid_value", "every_days is the days a refill lasts, 7 to 180 (30: a month)", "every_days");
    }
    args.insert({{"kind", "refill"},
                 {"refill_date", date},
                 {"every_days", std::to_string(every)},
                 {"time", "10:00"},
                 {"remind", "refill_due"}});
  } else {
    return refuse(400, "invalid_kind", "kind is medicine, pregnancy, checkin or refill", "kind");
  }
  if (const std::string lang = c.body.value("language", ""); !lang.empty()) {
    if (auto bad = unknown_language(s, lang)) return outcome{400, json::object(), *bad};
    args["language"] = lang;
  }
  if (!s.runner.current()->flows.by_id(health_flow)) {
    return refuse(503, "unavailable", "the health_reminders flow is not loaded on this server");
  }
  const auto& w = std::get<store::user>(worker);
  args["worker"] = std::to_string(w.id);
  const auto done = s.runner.act_as(tx, w.phone, health_flow, "reminders.enrol", args, std::get<std::string>(channel));
  if (done.outcome == "stopped") {
    return refuse(409, "stopped", "this person stopped these messages: only they can start them again (START or 12)",
                  "phone");
  }
  if (done.outcome == "over") return refuse(409, "too_late", "every pregnancy-care visit of that date is past", "lmp");
  if (done.outcome == "already") {
    return refuse(409, "already_enrolled",
                  "this person already gets these reminders (pregnancy care, a weekly check-in, a refill, or "
                  "medicine at that time): pause or end them first",
                  "phone");
  }
  const auto id = done.vars.count("series") ? text::read_id(done.vars.at("series")) : std::nullopt;
  auto series = id ? tx.find_series(*id) : std::nullopt;
  if (done.outcome != "ok" || !series) return refuse(400, "not_enrolled", "the patient could not be enrolled");
  json detail{{"kind", kind}, {"worker", w.id}};
  // R-H3: a high-risk pregnancy: a call about her is made within one working day.
  if (kind == "pregnancy" && c.body.value("high_risk", false)) {
    tx.set_series_high_risk(series->id, true);
    series->high_risk = true;
    detail["high_risk"] = true;
    actions::raise_open_calls(tx, series->contact_id, w.facility);
  }
  detail.update(keep_record(tx, c, series->contact_id, series->programme));
  tx.audit(c.actor(), "enrolments.create", "series:" + std::to_string(*id), detail.dump());
  const auto first = done.vars.count("first_at") ? text::read_id(done.vars.at("first_at")) : std::nullopt;
  auto o = answer(enrolment_json(s, tx, *series, first), 201);
  o.wake_outbox = true;
  return o;
}

// The series a caller may see: a health worker's token, its clinic's only.
bool may_see(store::tx& tx, const call& c, const store::series& s) {
  if (c.token.role != "health_worker") return true;
  const auto by = s.worker_id != 0 ? tx.find_user(s.worker_id) : std::nullopt;
  return by && by->facility == c.token.facility;
}

// GET /api/v1/enrolments?phone=: the person's running health reminders.
outcome list_enrolments(services& s, store::tx& tx, const call& c) {
  const auto phone = phone::parse_e164(c.query_value("phone"), s.runner.config().region);
  if (!phone) return refuse(400, "invalid_phone", phone.error(), "phone");
  json items = json::array();
  if (const auto who = tx.find_contact_by_phone(phone.value())) {
    for (const auto& series : tx.active_series(who->id, "health")) {
      if (may_see(tx, c, series)) items.push_back(enrolment_json(s, tx, series));
    }
  }
  return answer(json{{"phone", phone.value()}, {"items", std::move(items)}});
}

// The running health enrolment a call may work on, or why not.
std::variant<store::series, refusal> running_enrolment(store::tx& tx, const call& c) {
  const auto id = text::read_id(c.value("id"));
  auto series = id ? tx.find_series(*id) : std::nullopt;
  if (!series || !series->active || series->programme != "health" || !may_see(tx, c, *series)) {
    return refusal{404, "not_found", "no running enrolment with that number"};
  }
  return std::move(*series);
}

// POST /api/v1/enrolments/{id}/end: reminders end (care completed, a pregnancy loss: one
// message written for it and nothing more, R-H7; a move to another clinic, the person's wish to
// stop, their death: every enrolment of theirs at the clinic ends, R-H4, reminders.end).
outcome end_enrolment(services& s, store::tx& tx, const call& c) {
  const auto found = running_enrolment(tx, c);
  if (const auto* bad = std::get_if<refusal>(&found)) return outcome{400, json::object(), *bad};
  const auto* series = &std::get<store::series>(found);
  const std::string reason = c.body.value("reason", "");
  // The API says "completed" where the health-worker menu says "done".
  const std::string ends_as = reason == "completed" ? "done" : reason == "done" ? "" : reason;
  if (!actions::is_end_reason(ends_as)) {
    return refuse(400, "invalid_reason",
                  "reason is completed, loss, transfer, opted_out, death or other", "reason");
  }
  const auto worker = series->worker_id != 0 ? tx.find_user(series->worker_id) : std::nullopt;
  const auto patient = tx.find_contact(series->contact_id);
  if (!worker || !patient) return refuse(409, "no_worker", "this enrolment has no health worker to end it for");
  const auto done =
      s.runner.act_as(tx, worker->phone, health_flow, "reminders.end",
                      {{"worker", std::to_string(worker->id)},
                       {"phone", patient->phone},
                       {"reason", ends_as},
                       {"programme", "health"},
                       {"series", std::to_string(series->id)},
                       {"loss_message", "loss"},
                       {"visits", "appointments"}},  // as flows/health_reminders.yaml's end_series
                      series->channel_id);
  if (done.outcome != "ok") return refuse(409, "not_ended", "the reminders could not be ended");
  tx.audit(c.actor(), "enrolments.end", "series:" + std::to_string(series->id), json{{"reason", reason}}.dump());
  auto o = answer(json{{"id", series->id}, {"ended", true}});
  o.wake_outbox = true;
  return o;
}

// POST /api/v1/enrolments/{id}/pause: no reminders until a day (a patient in hospital, away);
// the ones before it are skipped, not counted as unanswered, and they go on that day.
outcome pause_enrolment(services& s, store::tx& tx, const call& c) {
  auto found = running_enrolment(tx, c);
  if (auto* bad = std::get_if<refusal>(&found)) return outcome{400, json::object(), *bad};
  auto& series = std::get<store::series>(found);
  const auto day = text::read_date(text::normalize(c.body.value("until", "")));
  // Days on the patient's calendar: "tomorrow" is theirs.
  const long long today = schedule::local_day(tx.now(), series.time_zone).value_or(tx.now() / 86'400'000);
  const auto from = day ? schedule::at_local(text::day_number(*day), {0, 0}, series.time_zone) : std::nullopt;
  if (!day || !from || text::day_number(*day) <= today || text::day_number(*day) > today + 180) {
    return refuse(400, "invalid_date", "until is a day in the next 180 days (2026-12-20 or 1405/9/29): reminders go on that day",
                  "until");
  }
  tx.set_series_paused(series.id, *from);
  // A reminder already queued (held for the patient's morning) does not go either.
  tx.cancel_series_queued(series.id, "reminders paused");
  series.paused_until = *from;
  tx.audit(c.actor(), "enrolments.pause", "series:" + std::to_string(series.id), json{{"until", *from}}.dump());
  return answer(enrolment_json(s, tx, series));
}

// POST /api/v1/enrolments/{id}/resume: reminders go on from the next one.
outcome resume_enrolment(services& s, store::tx& tx, const call& c) {
  auto found = running_enrolment(tx, c);
  if (auto* bad = std::get_if<refusal>(&found)) return outcome{400, json::object(), *bad};
  auto& series = std::get<store::series>(found);
  tx.set_series_paused(series.id, 0);
  series.paused_until = 0;
  tx.audit(c.actor(), "enrolments.resume", "series:" + std::to_string(series.id), "{}");
  return answer(enrolment_json(s, tx, series));
}

// POST /api/v1/enrolments/{id}/risk: a health worker flags a pregnancy high risk (or no
// longer): from then on a call about her is high priority, her open calls included (R-H3).
outcome set_enrolment_risk(services& s, store::tx& tx, const call& c) {
  auto found = running_enrolment(tx, c);
  if (auto* bad = std::get_if<refusal>(&found)) return outcome{400, json::object(), *bad};
  auto& series = std::get<store::series>(found);
  if (!series.anchor_day) return refuse(409, "not_pregnancy", "only pregnancy care is flagged high risk", "high_risk");
  series.high_risk = c.body["high_risk"].get<bool>();
  tx.set_series_high_risk(series.id, series.high_risk);
  if (const auto by = series.high_risk ? tx.find_user(series.worker_id) : std::nullopt) {
    actions::raise_open_calls(tx, series.contact_id, by->facility);
  }
  tx.audit(c.actor(), "enrolments.risk", "series:" + std::to_string(series.id),
           json{{"high_risk", series.high_risk}}.dump());
  return answer(enrolment_json(s, tx, series));
}

// Clinic visits booked through the API: the shipped booking flow, whose nodes send the
// confirmation and the reminders (flows/appointments.yaml).
constexpr const char* booking_flow = "appointments";
// Its node that tells a person the clinic cancelled their visit, with other days (R-B5).
constexpr const char* clinic_cancelled_node = "clinic_cancelled";

// The clinic a call may work on: a health worker's own (and only it), else the one named.
std::variant<const schedule::clinic*, refusal> clinic_for(const services& s, const call& c, const std::string& named) {
  const std::string id = c.token.role == "health_worker" && named.empty() ? c.token.facility : named;
  if (c.token.role == "health_worker" && id != c.token.facility) {
    return refusal{403, "forbidden", "a health worker works on their own clinic's visits only", "clinic"};
  }
  const auto* clinic = s.runner.current()->clinics.find(id);
  if (!clinic) return refusal{400, "unknown_clinic", "no clinic '" + id + "' in the clinics file", "clinic"};
  return clinic;
}

// A clinic's week as it takes bookings now (R-B1): weekdays and windows, and who changed them
// when reception did ("hours"; absent: the clinics file's).
json week_view(const schedule::clinic& k, const std::optional<store::clinic_hours>& changed) {
  json out = schedule::week_json(k.weekly());
  if (changed) out["hours"] = {{"changed_by", changed->changed_by}, {"changed_at", changed->changed_at}};
  return out;
}

// GET /api/v1/clinics: the clinics people can book, with their services and weeks.
outcome list_clinics(services& s, store::tx& tx, const call& c) {
  json items = json::array();
  for (const auto& file : s.runner.current()->clinics.all()) {
    if (c.token.role == "health_worker" && file.id != c.token.facility) continue;
    const auto [k, changed] = *actions::clinic_and_hours(tx, &s.runner.current()->clinics, file.id);
    json closed = json::array();  // the days ahead reception closed (R-B5)
    if (const auto today = schedule::local_day(tx.now(), k.time_zone)) {
      for (const long long day : tx.closed_clinic_days(k.id, *today, *today + k.book_ahead_days)) {
        closed.push_back(schedule::day_text(day));
      }
    }
    items.push_back(json{{"id", k.id},
                         {"name", k.name},
                         {"time_zone", k.time_zone},
                         {"services", k.services},
                         {"records_visits", k.records_visits},
                         {"closed", std::move(closed)}});
    items.back().update(week_view(k, changed));
  }
  return answer(json{{"items", std::move(items)}});
}

// GET /api/v1/slots?clinic=&service=: the free windows of the nearest days people may book,
// as the booking menu offers them.
outcome list_slots(services& s, store::tx& tx, const call& c) {
  const auto clinic = clinic_for(s, c, c.query_value("clinic"));
  if (const auto* bad = std::get_if<refusal>(&clinic)) return outcome{400, json::object(), *bad};
  const std::string id = std::get<const schedule::clinic*>(clinic)->id;
  const std::string service = c.query_value("service");
  if (!std::get<const schedule::clinic*>(clinic)->offers(service)) {
    return refuse(400, "unknown_service", "the clinic does not offer '" + service + "'", "service");
  }
  const std::string channel = default_channel(s);
  json items = json::array();
  // As a health worker books: the places kept for them count as free (R-B1).
  const auto days = s.runner.act_as(tx, "", booking_flow, "appointments.days",
                                    {{"clinic", id}, {"service", service}, {"by_worker", "yes"}}, channel);
  if (done_with(days, "days")) {
    for (const auto& d : json::parse(days.vars.at("days"))) {
      const std::string day = d.value("value", "");
      const auto times = s.runner.act_as(tx, "", booking_flow, "appointments.times",
                                         {{"clinic", id}, {"service", service}, {"day", day}, {"by_worker", "yes"}},
                                         channel);
      if (!done_with(times, "times")) continue;
      for (const auto& w : json::parse(times.vars.at("times"))) {
        items.push_back(json{{"day", day}, {"time", w.value("value", "")}, {"label", w.value("label", "")}});
      }
    }
  }
  return answer(json{{"clinic", id}, {"service", service}, {"items", std::move(items)}});
}

json booking_json(store::tx& tx, const store::booking& b) {
  const auto who = tx.find_contact(b.contact_id);
  json out{{"id", b.id},
           {"clinic", b.clinic},
           {"service", b.service},
           {"day", schedule::day_text(b.day)},
           {"time", schedule::clock_text(b.window_from) + "-" + schedule::clock_text(b.window_to)},
           {"starts_at", b.starts_at},
           {"code", b.code},
           {"status", store::to_string(b.status)},
           {"for", b.for_whom},
           {"phone", who ? who->phone : std::string()}};
  // R-H3: the day-before reminder's answer: "coming", or "none" (unconfirmed).
  if (!b.reminder_answer.empty()) out["reminder_answer"] = b.reminder_answer;
  return out;
}

// POST /api/v1/appointments: book a visit for a person (at reception, on the phone), with the
// SMS confirmation and the reminders the booking menu gives.
// A visit for the person with `phone`, through the booking flow's own action (its SMS and
// reminders as the menu gives), replacing the visit `replaces` when given. Audited as `action`.
outcome take_visit(services& s, store::tx& tx, const call& c, const std::string& phone, const std::string& clinic,
                   const std::string& service, const std::string& for_whom, const std::string& channel,
                   const std::string& replaces, const char* action) {
  std::map<std::string, std::string> args{{"clinic", clinic},
                                          {"service", service},
                                          {"day", c.body.value("day", "")},
                                          {"time", c.body.value("time", "")},
                                          {"for", for_whom},
                                          {"confirm_by_sms", "confirm_sms"},
                                          {"remind_day_before", "remind"},
                                          {"remind_morning", "morning"},
                                          {"if_missed", "missed"},
                                          {"by_worker", "yes"}};  // the call R-B7 waits for
  if (!replaces.empty()) args["replaces"] = replaces;
  const auto done = s.runner.act_as(tx, phone, booking_flow, "appointments.book", args, channel);
  if (done.outcome == "full") return refuse(409, "full", "that window is full: choose another from /api/v1/slots", "time");
  if (done.outcome == "already") {
    return refuse(409, "already_booked",
                  "this person has this visit already (code " +
                      (done.vars.count("code") ? done.vars.at("code") : std::string()) + "): nothing was booked",
                  "time");
  }
  if (done.outcome == "limit") {
    return refuse(409, "limit", "this person already has 2 visits ahead for this service: change one instead", "service");
  }
  const auto id = done.vars.count("booking") ? text::read_id(done.vars.at("booking")) : std::nullopt;
  const auto b = id ? tx.find_booking(*id) : std::nullopt;
  if (done.outcome != "ok" || !b) {
    return refuse(400, "not_bookable", "the clinic does not take that service on that day and window (see /api/v1/slots)",
                  "day");
  }
  const auto* f = s.runner.current()->flows.by_id(booking_flow);  // it booked: the flow is there
  const std::string programme = f ? f->programme : std::string();
  json detail{{"clinic", b->clinic}};
  if (!replaces.empty()) detail["replaces"] = replaces;
  detail.update(keep_record(tx, c, b->contact_id, programme));
  tx.audit(c.actor(), action, "booking:" + std::to_string(b->id), detail.dump());
  auto view = booking_json(tx, *b);
  // The person stopped these messages: booked all the same, but no SMS carries the code.
  if (tx.stopped(b->contact_id, programme)) view["sms"] = "stopped";
  flag_not_mobile(view, phone, "phone");
  auto o = answer(std::move(view), 201);
  o.wake_outbox = true;
  return o;
}

outcome book_visit(services& s, store::tx& tx, const call& c) {
  const auto clinic = clinic_for(s, c, c.body.value("clinic", ""));
  if (const auto* bad = std::get_if<refusal>(&clinic)) return outcome{400, json::object(), *bad};
  const auto channel = sending_channel(s, c);
  if (const auto* bad = std::get_if<refusal>(&channel)) return outcome{400, json::object(), *bad};
  const auto phone = phone::parse_e164(c.body.value("phone", ""), s.runner.config().region);
  if (!phone) return refuse(400, "invalid_phone", phone.error(), "phone");
  const std::string for_whom = c.body.value("for", "self");
  if (!actions::read_client(for_whom)) {
    return refuse(400, "invalid_for",
                  "for is self, or someone else on the phone by relation: child, partner, parent or other (child-2 "
                  "to child-8, other-2 to other-8: the second and later the phone books for)",
                  "for");
  }
  if (auto bad = bad_record(c.body)) return outcome{400, json::object(), *bad};
  return take_visit(s, tx, c, phone.value(), std::get<const schedule::clinic*>(clinic)->id,
                    c.body.value("service", ""), for_whom, std::get<std::string>(channel), "", "appointments.book");
}

// POST /api/v1/appointments/{id}/move: the visit on another day or window of its clinic and
// service; the old place is freed and its reminders left unsent once the new one is booked.
outcome move_visit(services& s, store::tx& tx, const call& c) {
  const auto id = text::read_id(c.value("id"));
  const auto b = id ? tx.find_booking(*id) : std::nullopt;
  // Another clinic's visit looks the same as none to a health worker.
  if (!b || (c.token.role == "health_worker" && b->clinic != c.token.facility)) {
    return refuse(404, "not_found", "no visit with that number");
  }
  if (b->status != store::booking_status::booked || b->starts_at <= tx.now()) {
    return refuse(409, "not_now", std::string("a visit ") + store::to_string(b->status) + " or begun cannot be moved");
  }
  const auto who = tx.find_contact(b->contact_id);
  if (!who) return refuse(404, "not_found", "no visit with that number");
  return take_visit(s, tx, c, who->phone, b->clinic, b->service, b->for_whom, b->channel_id, std::to_string(b->id),
                    "appointments.move");
}

// GET /api/v1/appointments?clinic=&day=: a clinic's visits on a day (today by default).
outcome list_visits(services& s, store::tx& tx, const call& c) {
  const auto clinic = clinic_for(s, c, c.query_value("clinic"));
  if (const auto* bad = std::get_if<refusal>(&clinic)) return outcome{400, json::object(), *bad};
  const auto* k = std::get<const schedule::clinic*>(clinic);
  long long day = 0;
  if (const auto given = c.query_value("day"); !given.empty()) {
    const auto d = text::read_date(text::normalize(given));
    if (!d) return refuse(400, "invalid_date", "day is a date: 2026-12-01 or 1405/9/10", "day");
    day = text::day_number(*d);
  } else if (const auto today = schedule::local_day(tx.now(), k->time_zone)) {
    day = *today;
  }
  json items = json::array();
  for (const auto& b : tx.bookings_on(k->id, day)) items.push_back(booking_json(tx, b));
  return answer(json{{"clinic", k->id}, {"day", schedule::day_text(day)}, {"items", std::move(items)}});
}

// The booking flow's node that tells a person the clinic cancelled their visit, with other
// days (R-B5); "" when the flow has none (an older flow: nobody is told but reception).
std::string cancelled_node(services& s) {
  const auto* f = s.runner.current()->flows.by_id(booking_flow);
  return f && f->nodes.count(clinic_cancelled_node) != 0 ? clinic_cancelled_node : "";
}

// What the answer says of the SMS that tells a person the clinic cancelled their visit:
// "queued"; "stopped" (they stopped these messages), "unreachable" (their number fails) or
// "none" (the flow has no words for it): reception tells them itself.
std::string cancel_sms(services& s, store::tx& tx, const store::booking& b) {
  const auto* f = s.runner.current()->flows.by_id(booking_flow);
  const auto who = tx.find_contact(b.contact_id);
  if (cancelled_node(s).empty() || !f || !who) return "none";
  if (tx.stopped(who->id, f->programme)) return "stopped";
  return who->unreachable ? "unreachable" : "queued";
}

// POST /api/v1/appointments/{id}/mark: attended, missed (no-show) or cancelled.
outcome mark_visit(services& s, store::tx& tx, const call& c) {
  const auto id = text::read_id(c.value("id"));
  const auto b = id ? tx.find_booking(*id) : std::nullopt;
  // Another clinic's visit looks the same as none to a health worker.
  if (!b || (c.token.role == "health_worker" && b->clinic != c.token.facility)) {
    return refuse(404, "not_found", "no visit with that number");
  }
  const std::string as = c.body.value("as", "");
  using st = store::booking_status;
  const bool open = b->status == st::booked || b->status == st::missed || b->status == st::attended;
  st to;
  if (as == "attended" && open) {
    to = st::attended;
  } else if (as == "missed" && open && b->starts_at <= tx.now()) {
    to = st::missed;
  } else if (as == "cancelled" && b->status == st::booked && b->starts_at > tx.now()) {
    to = st::cancelled;
  } else if (as != "attended" && as != "missed" && as != "cancelled") {
    return refuse(400, "invalid_mark", "as is attended, missed or cancelled", "as");
  } else {
    return refuse(409, "not_now", std::string("a visit ") + store::to_string(b->status) + " cannot be marked " + as, "as");
  }
  std::string told;
  if (to == st::cancelled) {
    actions::cancel_by_clinic(tx, *b, booking_flow, cancelled_node(s));
    told = cancel_sms(s, tx, *b);
  } else {
    tx.set_booking_status(b->id, to);
  }
  // A second missed visit in a row, or a late or high-risk pregnancy's: a call soon (R-H3).
  if (to == st::missed && b->status != st::missed) actions::visit_missed(tx, b->id);
  tx.audit(c.actor(), "appointments.mark", "booking:" + std::to_string(b->id), json{{"as", as}}.dump());
  auto view = booking_json(tx, *tx.find_booking(b->id));
  if (!told.empty()) view["sms"] = told;
  return answer(std::move(view));
}

// The clinic and day a closure names: the clinic of the path (a health worker's own only), and
// `day` of the body, a date (Gregorian or Solar Hijri, any digits) from today to as far ahead
// as people may book, on the clinic's calendar.
struct clinic_day {
  const schedule::clinic* clinic = nullptr;
  long long day = 0;
};
std::variant<clinic_day, refusal> closure_of(const services& s, const call& c, core::unix_ms now) {
  const auto clinic = clinic_for(s, c, c.value("id"));
  if (const auto* bad = std::get_if<refusal>(&clinic)) return *bad;
  const auto* k = std::get<const schedule::clinic*>(clinic);
  const auto d = text::read_date(text::normalize(c.body.value("day", "")));
  const auto today = schedule::local_day(now, k->time_zone);
  if (!d || !today) return refusal{400, "invalid_date", "day is a date: 2026-12-01 or 1405/9/10", "day"};
  const long long day = text::day_number(*d);
  if (day < *today || day > *today + k->book_ahead_days) {
    return refusal{400, "invalid_date",
                   "day is from today to " + std::to_string(k->book_ahead_days) + " days ahead, as people book", "day"};
  }
  return clinic_day{k, day};
}

// POST /api/v1/clinics/{id}/close: reception closes the clinic for a day (an emergency, staff
// away): nobody books it from then on, and each visit booked then whose window is not over is
// cancelled, its person told by SMS with other days (R-B5). With visits that day, "confirm":
// true (409 confirm_needed says how many).
outcome close_clinic_day(services& s, store::tx& tx, const call& c) {
  const auto named = closure_of(s, c, tx.now());
  if (const auto* bad = std::get_if<refusal>(&named)) return outcome{bad->status, json::object(), *bad};
  const auto& [k, day] = std::get<clinic_day>(named);
  if (const auto n = actions::visits_to_cancel(tx, k->id, day).size(); n != 0 && !c.body.value("confirm", false)) {
    return refuse(409, "confirm_needed",
                  std::to_string(n) + " visit(s) are booked that day: each is cancelled and its person told by SMS. "
                  "Send \"confirm\": true to close it",
                  "confirm");
  }
  const auto cancelled = actions::close_clinic_day(tx, k->id, day, c.actor(), booking_flow, cancelled_node(s));
  if (!cancelled) return refuse(409, "already_closed", "the clinic is closed that day already", "day");
  json untold = json::array();  // whom no SMS reaches: reception tells them
  json ids = json::array();
  for (const auto& b : *cancelled) {
    ids.push_back(b.id);
    if (const std::string told = cancel_sms(s, tx, b); told != "queued") {
      auto view = booking_json(tx, *tx.find_booking(b.id));
      view["sms"] = told;
      untold.push_back(std::move(view));
    }
  }
  const std::string day_text = schedule::day_text(day);
  tx.audit(c.actor(), "clinics.close", "clinic:" + k->id, json{{"day", day_text}, {"cancelled", ids}}.dump());
  return answer(json{{"clinic", k->id}, {"day", day_text}, {"cancelled", ids.size()}, {"not_told", std::move(untold)}});
}

// POST /api/v1/clinics/{id}/reopen: the day is bookable again (the visits cancelled when it
// closed stay cancelled: their people were told and may have booked another).
outcome reopen_clinic_day(services& s, store::tx& tx, const call& c) {
  const auto named = closure_of(s, c, tx.now());
  if (const auto* bad = std::get_if<refusal>(&named)) return outcome{bad->status, json::object(), *bad};
  const auto& [k, day] = std::get<clinic_day>(named);
  if (!tx.reopen_clinic_day(k->id, day)) return refuse(409, "not_closed", "the clinic was not closed that day", "day");
  const std::string day_text = schedule::day_text(day);
  tx.audit(c.actor(), "clinics.reopen", "clinic:" + k->id, json{{"day", day_text}}.dump());
  return answer(json{{"clinic", k->id}, {"day", day_text}});
}

// The visits still to come that `k`'s week `w` has no place for: booked on a weekday it no
// longer opens, or in a window it no longer has as it was (starting or ending otherwise: a
// window split in two counts the visits of neither). They stay booked: reception moves them
// with their people, or closes those days (which tells them).
std::vector<store::booking> visits_outside(store::tx& tx, const schedule::clinic& k, const schedule::week& w) {
  std::vector<store::booking> out;
  const auto today = schedule::local_day(tx.now(), k.time_zone);
  if (!today) return out;
  const schedule::clinic changed = k.with(w);
  for (long long day = *today; day <= *today + k.book_ahead_days; ++day) {
    for (auto& b : tx.bookings_on(k.id, day)) {
      if (b.status != store::booking_status::booked || b.starts_at <= tx.now()) continue;
      const schedule::window* same = changed.open_on(day) ? changed.window_at(b.window_from) : nullptr;
      if (!same || same->to != b.window_to) out.push_back(std::move(b));
    }
  }
  return out;
}

// PUT /api/v1/clinics/{id}/hours and DELETE (back to the clinics file's): the clinic's week
// from now on (R-B1: staff away for a month, a second doctor, Ramadan hours). Bookings from then
// follow it; capacity is never exceeded, and visits already booked stay: those it has no place
// for need "confirm": true (DELETE: ?confirm=true; 409 confirm_needed says how many) and are
// listed in the answer.
outcome change_clinic_hours(services& s, store::tx& tx, const call& c, const std::optional<schedule::week>& wanted) {
  const auto clinic = clinic_for(s, c, c.value("id"));
  if (const auto* bad = std::get_if<refusal>(&clinic)) return outcome{bad->status, json::object(), *bad};
  const schedule::clinic& file = *std::get<const schedule::clinic*>(clinic);
  // A week this build cannot read is cleared as well (the file's is the one in use).
  if (!wanted && !tx.find_clinic_hours(file.id)) {
    return refuse(409, "not_changed", "the clinic keeps the clinics file's hours already", "id");
  }
  const schedule::week w = wanted.value_or(file.weekly());
  const auto now = actions::clinic_now(tx, &s.runner.current()->clinics, file.id).value_or(file);
  const auto outside = visits_outside(tx, now, w);
  const bool confirmed = (c.body.is_object() && c.body.value("confirm", false)) || c.query_value("confirm") == "true";
  if (!outside.empty() && !confirmed) {
    auto o = refuse(409, "confirm_needed",
                    std::to_string(outside.size()) + " visit(s) ahead are on days or in windows these hours do not "
                    "have: they stay booked, for you to move with their people or to close those days. Confirm "
                    "(\"confirm\": true, or ?confirm=true to go back to the file's) to change the hours",
                    "confirm");
    o.refused->count = static_cast<std::int64_t>(outside.size());
    return o;
  }
  std::optional<store::clinic_hours> changed;
  if (wanted) {
    changed = store::clinic_hours{schedule::week_json(w).dump(), c.actor(), tx.now()};
    tx.set_clinic_hours(file.id, changed->week, changed->changed_by);
  } else {
    tx.clear_clinic_hours(file.id);
  }
  json listed = json::array();
  for (const auto& b : outside) listed.push_back(booking_json(tx, b));
  tx.audit(c.actor(), wanted ? "clinics.hours" : "clinics.hours_clear", "clinic:" + file.id,
           json{{"week", schedule::week_json(w)}, {"outside", listed.size()}}.dump());
  json out{{"clinic", file.id}, {"outside", std::move(listed)}};
  out.update(week_view(file.with(w), changed));
  return answer(std::move(out));
}

outcome set_clinic_hours(services& s, store::tx& tx, const call& c) {
  const auto read = schedule::read_week(json{{"open", c.body["open"]}, {"windows", c.body["windows"]}});
  if (const auto* problem = std::get_if<std::string>(&read)) {
    return refuse(400, "invalid_hours", *problem, problem->rfind("open", 0) == 0 ? "open" : "windows");
  }
  return change_clinic_hours(s, tx, c, std::get<schedule::week>(read));
}

outcome clear_clinic_hours(services& s, store::tx& tx, const call& c) { return change_clinic_hours(s, tx, c, std::nullopt); }

// GET /api/v1/deliveries?hours=: the last hours' messages by hour and state (the chart), by
// channel with its pause (an open breaker, refused credentials), and why messages failed.
outcome delivery_dashboard(services& s, store::tx& tx, const call& c) {
  long long hours = 24;
  if (const auto h = c.query_value("hours"); !h.empty()) {
    const auto n = text::read_id(h);
    if (!n || *n < 1 || *n > 24 * 31) return refuse(400, "invalid_query", "hours is 1 to 744", "hours");
    hours = *n;
  }
  if (!s.with_reader) return refuse(503, "unavailable", "this server cannot count its messages");
  const core::unix_ms hour = 3'600'000;
  const core::unix_ms until = (tx.now() / hour + 1) * hour;
  const core::unix_ms since = until - hours * hour;
  const auto pauses = tx.channel_pauses();
  std::vector<std::string> channels;
  for (const auto& ch : s.channels) channels.push_back(ch->id());
  outcome o;
  o.later = [&s, since, until, now = tx.now(), pauses, channels] {
    std::vector<store::reader::delivery_count> counts;
    std::vector<std::pair<std::string, std::int64_t>> reasons;
    s.with_reader([&](store::reader& r) {
      counts = r.delivery_counts(since, until);
      reasons = r.failure_reasons(since, until, 10);
    });
    std::map<std::int64_t, json> by_hour;
    std::map<std::string, json> by_channel;
    for (const auto& ch : channels) by_channel[ch] = json{{"id", ch}, {"states", json::object()}, {"last_hour", 0}};
    for (const auto& k : counts) {
      auto& h = by_hour[k.hour];
      if (h.is_null()) h = json{{"hour", k.hour}, {"states", json::object()}};
      h["states"][k.status] = h["states"].value(k.status, 0) + k.n;
      auto& ch = by_channel[k.channel];
      ch["id"] = k.channel;
      ch["states"][k.status] = ch["states"].value(k.status, 0) + k.n;
      if (k.hour >= now - 3'600'000) ch["last_hour"] = ch.value("last_hour", 0) + k.n;
    }
    json out{{"since", since}, {"until", until}, {"hours", json::array()}, {"channels", json::array()},
             {"reasons", json::array()}};
    for (auto& [at, h] : by_hour) out["hours"].push_back(std::move(h));
    for (auto& [id, ch] : by_channel) {
      const auto p = pauses.find(id);
      ch["paused_until"] = p != pauses.end() && p->second > now ? json(p->second) : json();
      out["channels"].push_back(std::move(ch));
    }
    for (const auto& [why, n] : reasons) out["reasons"].push_back(json{{"reason", core::log::mask_phone_like(why)}, {"n", n}});
    return core::json_response(200, dump(out));
  };
  return o;
}

// GET /api/v1/parties: who besides the deployment can read message content, under what
// agreement, and what is missing (R-D5). Everyone who works with Paygham may read it: a
// health worker is the one a patient asks.
outcome list_parties(services& s, store::tx& tx, const call&) {
  // The deployment's day: an agreement holds through its last day there.
  const long long today = schedule::local_day(tx.now(), s.runner.config().timezone).value_or(tx.now() / 86'400'000);
  std::vector<channels::channel_ref> refs;
  for (const auto& ch : s.channels) refs.push_back({ch->id(), ch->type(), {}});
  json out{{"parties", json::array()}, {"gaps", json::array()}};
  for (const auto& p : s.parties) {
    const json until = p.until ? json(schedule::day_text(*p.until)) : json();
    out["parties"].push_back(json{{"name", p.name},
                                  {"role", p.role},
                                  {"channels", p.channels},
                                  {"agreement", p.agreement.empty() ? json() : json(p.agreement)},
                                  {"until", until},
                                  {"ended", p.ended(today)}});
  }
  for (const auto& g : channels::party_gaps(s.parties, refs, today)) {
    out["gaps"].push_back(json{{"kind", g.code()}, {"name", g.name}});
  }
  return answer(std::move(out));
}

json inbox_json(const store::inbox_entry& e) {
  json out{{"id", e.id},         {"phone", e.phone},   {"channel", e.channel_id}, {"text", e.body},
           {"status", e.status}, {"created_at", e.created_at}};
  if (!e.flow_id.empty()) out["flow"] = e.flow_id;
  if (e.assigned_to != 0) out["assigned_to"] = e.assigned_to;
  if (!e.area.empty()) out["area"] = e.area;
  if (!e.district.empty()) out["district"] = e.district;  // the district its place names (the districts file)
  if (e.duplicate_of != 0) out["duplicate_of"] = e.duplicate_of;  // R-M4: maybe the same as that one
  if (e.someone_hurt) out["someone_hurt"] = *e.someone_hurt;  // a hazard report's answer
  if (e.may_call) out["may_call"] = *e.may_call;  // may the team call the reporter back?
  if (e.urgent) out["urgent"] = true;  // R-H3: the words of someone in danger
  return out;
}

// GET /api/v1/inbox: what people wrote that no flow handled, and hazard reports
// (?flow=mine_safety), newest first.
outcome list_inbox(services&, store::tx& tx, const call& c) {
  const auto p = read_page(c);
  if (const auto* bad = std::get_if<refusal>(&p)) return outcome{400, json::object(), *bad};
  store::inbox_filter f{c.query_value("status"), c.query_value("flow")};
  if (!f.status.empty() && f.status != "new" && f.status != "read" && f.status != "done") {
    return refuse(400, "invalid_query", "status is new, read or done", "status");
  }
  const auto& pg = std::get<page>(p);
  return answer(page_json(tx.inbox_page(f, pg.before, pg.limit), pg, inbox_json));
}

// POST /api/v1/inbox/{id}: read, done or new again, and who works on it ("me", a user's
// number, or "" for nobody).
outcome update_inbox_item(services&, store::tx& tx, const call& c) {
  const auto id = text::read_id(c.value("id"));
  const auto item = id ? tx.find_inbox(*id) : std::nullopt;
  if (!item) return refuse(404, "not_found", "no inbox item with that number");
  std::string status = c.body.value("status", item->status);
  if (status != "new" && status != "read" && status != "done") {
    return refuse(400, "invalid_status", "status is new, read or done", "status");
  }
  std::int64_t assigned = item->assigned_to;
  if (c.body.contains("assign")) {
    const std::string who = c.body.value("assign", "");
    if (who.empty()) {
      assigned = 0;
    } else if (who == "me") {
      if (c.token.user_id == 0) return refuse(400, "not_a_person", "a machine's token cannot take an item", "assign");
      assigned = c.token.user_id;
    } else {
      const auto n = text::read_id(who);
      const auto u = n ? tx.find_user(*n) : std::nullopt;
      if (!u || u->disabled || u->role == "health_worker") {
        return refuse(400, "unknown_user", "assign is me, an admin's or operator's user number, or \"\"", "assign");
      }
      assigned = u->id;
    }
  }
  tx.update_inbox(item->id, status, assigned);
  tx.audit(c.actor(), "inbox.update", "inbox:" + std::to_string(item->id),
           json{{"status", status}, {"assigned_to", assigned}}.dump());
  return answer(inbox_json(*tx.find_inbox(item->id)));
}

// POST /api/v1/inbox/{id}/reply: an SMS back to the person, at once (they wrote to us).
outcome reply_inbox_item(services& s, store::tx& tx, const call& c) {
  const auto id = text::read_id(c.value("id"));
  const auto item = id ? tx.find_inbox(*id) : std::nullopt;
  if (!item) return refuse(404, "not_found", "no inbox item with that number");
  const std::string body = c.body.value("text", "");
  if (body.empty() || core::decode_utf8(body).size() > 1600) return refuse(400, "invalid_text", "text is 1 to 1600 letters", "text");
  if (!channel_for(s, item->channel_id)) return refuse(409, "no_channel", "the channel it came on is gone");
  const auto who = tx.find_contact(item->contact_id);
  if (!who || who->phone.empty()) {
    return refuse(409, "erased",
                  "this person's number was erased, or no longer kept with their report (store.reporter_retention)");
  }
  // To the number they wrote from (R-L6: maybe another than their main one).
  const auto msg =
      tx.queue_message({item->channel_id, who->id, 0, item->phone, body, core::priority::reply});
  // A person's words answer the operator now: a bare «نه» is not the answer to a language
  // question asked before (the letters check, R-L1).
  tx.set_language_asked(who->id, 0, {});
  if (item->status == "new") tx.update_inbox(item->id, "read", item->assigned_to);
  tx.audit(c.actor(), "inbox.reply", "inbox:" + std::to_string(item->id), json{{"message", msg}}.dump());
  auto o = answer(json{{"id", item->id}, {"message", msg}}, 201);
  o.wake_outbox = true;
  return o;
}

json user_json(const store::user& u, core::unix_ms now) {
  json out{{"id", u.id},
           {"name", u.name},
           {"role", u.role},
           {"disabled", u.disabled},
           {"locked", u.login_locked_until > now || u.locked_until > now}};
  if (!u.facility.empty()) out["facility"] = u.facility;
  if (!u.phone.empty()) out["phone"] = core::log::mask_phone(u.phone);
  if (!u.login.empty()) out["login"] = u.login;
  if (u.supervisor) out["supervisor"] = true;
  if (!u.duty.empty()) out["duty"] = u.duty;
  return out;
}

// GET /api/v1/users: the people who work with Paygham (numbers masked; no secrets).
outcome list_users(services&, store::tx& tx, const call&) {
  json items = json::array();
  for (const auto& u : tx.list_users()) items.push_back(user_json(u, tx.now()));
  return answer(json{{"items", std::move(items)}});
}

// POST /api/v1/users/{id}/disable: a person who left, or a lost phone: their PIN and password
// stop working and their sessions end; a health worker's patients go to a colleague
// (actions::disable_user), named in `handed_over` ({} when the clinic has nobody left).
outcome disable_user(services&, store::tx& tx, const call& c) {
  const auto id = text::read_id(c.value("id"));
  const auto u = id ? tx.find_user(*id) : std::nullopt;
  if (!u) return refuse(404, "not_found", "no user with that number");
  if (u->id == c.token.user_id) return refuse(409, "yourself", "an admin cannot disable themself: ask another admin");
  if (u->role == "admin" && !u->disabled) {
    // Never the last admin who can log in, by a machine's token either: nobody could then
    // manage the people (the command line still can, on the server itself).
    const auto users = tx.list_users();
    const bool another = std::any_of(users.begin(), users.end(), [&](const store::user& o) {
      return o.id != u->id && o.role == "admin" && !o.disabled && !o.password_hash.empty();
    });
    if (!another) {
      return refuse(409, "last_admin", "the last admin who can log in cannot be disabled: make another admin first");
    }
  }
  const auto handed = actions::disable_user(tx, *u);
  tx.audit(c.actor(), "users.disable", "user:" + std::to_string(u->id), handed.json().dump());
  auto out = user_json(*tx.find_user(u->id), tx.now());
  if (u->role == "health_worker") {
    out["handed_over"] = handed.json();
    if (handed.to != 0) out["handed_over"]["to_name"] = handed.to_name;
  }
  return answer(std::move(out));
}

json token_json(const store::api_token& k) {
  json out{{"id", k.id}, {"name", k.name}, {"role", k.role}, {"created_at", k.created_at}, {"revoked", k.revoked}};
  if (!k.facility.empty()) out["facility"] = k.facility;
  return out;
}

// GET /api/v1/tokens: machines' tokens (never the tokens themselves: only hashes are kept).
outcome list_tokens(services&, store::tx& tx, const call&) {
  json items = json::array();
  for (const auto& k : tx.list_tokens()) items.push_back(token_json(k));
  return answer(json{{"items", std::move(items)}});
}

// POST /api/v1/tokens: a token for a machine, shown in this answer only.
outcome create_token(services& s, store::tx& tx, const call& c) {
  store::api_token k;
  k.name = c.body.value("name", "");
  k.role = c.body.value("role", "");
  k.facility = c.body.value("facility", "");
  if (k.name.empty() || k.name.size() > 100) return refuse(400, "invalid_name", "name is 1 to 100 bytes", "name");
  if (core::has_control(k.name, false)) {
    return refuse(400, "invalid_name", "a name has a control or direction character; only letters, digits and signs",
                  "name");
  }
  if (k.role != "admin" && k.role != "operator" && k.role != "health_worker") {
    return refuse(400, "invalid_role", "role is admin, operator or health_worker", "role");
  }
  if (k.role == "health_worker" && !s.runner.current()->clinics.find(k.facility)) {
    return refuse(400, "unknown_clinic", "a health worker's token needs its clinic (facility)", "facility");
  }
  if (k.role != "health_worker") k.facility.clear();
  const std::string secret = auth::new_token();
  k.hash = auth::token_hash(secret);
  k.id = tx.add_token(k);
  tx.audit(c.actor(), "tokens.create", "token:" + std::to_string(k.id), json{{"role", k.role}}.dump());
  k.created_at = tx.now();
  auto out = token_json(k);
  out["token"] = secret;
  return answer(std::move(out), 201);
}

// DELETE /api/v1/tokens/{id}: the token stops working at once.
outcome revoke_token(services&, store::tx& tx, const call& c) {
  const auto id = text::read_id(c.value("id"));
  if (!id || !tx.revoke_token(*id)) return refuse(404, "not_found", "no live token with that number");
  tx.audit(c.actor(), "tokens.revoke", "token:" + std::to_string(*id), "{}");
  return answer(json{{"id", *id}, {"revoked", true}});
}

json contact_json(store::tx& tx, const store::contact& c) {
  const auto record = tx.find_contact_record(c.id);
  json consents = json::array();
  for (const auto& k : record.consents) {
    consents.push_back({{"programme", k.programme}, {"via", k.via}, {"recorded_by", k.recorded_by}, {"at", k.at}});
  }
  // Alerts they asked for, with where they said they are going (R-M1): admins and operators only.
  json subscriptions = json::array();
  for (const auto& s : tx.subscriptions_of(c.id)) {
    json one{{"programme", s.topic}, {"area", s.area}, {"since", s.created_at}, {"ends", s.expires_at}};
    if (!s.district.empty()) one["district"] = s.district;
    if (!s.district_key.empty()) one["in_district"] = s.district_key;  // as the districts file reads the words
    if (!s.route.empty()) one["route"] = s.route;
    subscriptions.push_back(std::move(one));
  }
  json out{{"id", c.id},
           {"phone", c.phone},
           {"other_numbers", tx.other_numbers(c.id)},
           {"opted_out", c.opted_out},
           {"unreachable", c.unreachable},
           {"shared_phone", record.shared_phone},
           {"explicit_texts", record.explicit_texts},
           {"consents", std::move(consents)},
           {"subscriptions", std::move(subscriptions)}};
  // Who recorded what the person said of their phone, and when: absent when nobody has.
  if (!record.privacy_recorded_by.empty()) {
    out["phone_recorded_by"] = record.privacy_recorded_by;
    out["phone_recorded_at"] = record.privacy_recorded_at;
  }
  if (!c.language.empty()) out["language"] = c.language;
  // R-S12: whether My visits asks the person's own PIN (never the PIN, nor its hash), and
  // whether it is closed after too many wrong ones: someone may have been guessing.
  const auto pin = tx.find_visit_pin(c.id);
  out["visit_pin"] = !pin.hash.empty();
  if (!pin.hash.empty() && auth::pin_blocked(pin.failed, auth::visit_pin_lockouts)) out["visit_pin_closed"] = true;
  if (!c.quiet_hours.empty()) out["quiet_hours"] = c.quiet_hours;
  if (const auto name = c.fields.find("name"); name != c.fields.end()) out["name"] = name->second;
  if (const auto m = c.fields.find("months"); m != c.fields.end() && !m->second.empty()) out["months"] = m->second;
  if (const auto l = c.fields.find(std::string(text::fallback_field)); l != c.fields.end()) {
    if (auto read = text::fallback_languages(l->second); !read.empty()) out["languages"] = std::move(read);
  }
  return out;
}

// The programmes the running flows belong to: what a person may consent to, or stop.
bool known_programme(const services& s, const std::string& programme) {
  const auto& flows = s.runner.current()->flows.all();
  return std::any_of(flows.begin(), flows.end(), [&](const auto& f) { return f->programme == programme; });
}

// POST /api/v1/contacts: a person added, or updated by number: their language and their name
// (a field flows can show, {contact.name}). Never opts anyone in: a stop stays a stop.
outcome save_contact(services& s, store::tx& tx, const call& c) {
  const auto phone = phone::parse_e164(c.body.value("phone", ""), s.runner.config().region);
  if (!phone) return refuse(400, "invalid_phone", phone.error(), "phone");
  const std::string lang = c.body.value("language", "");
  if (auto bad = lang.empty() ? std::nullopt : unknown_language(s, lang)) return outcome{400, json::object(), *bad};
  const std::string name = c.body.value("name", "");
  if (core::decode_utf8(name).size() > 100) return refuse(400, "invalid_name", "a name is at most 100 letters", "name");
  if (core::has_control(name, false)) {
    return refuse(400, "invalid_name", "a name has a control or direction character; only letters, digits and signs",
                  "name");
  }
  // R-L3: the solar month names they read, apart from their language ("": their language's).
  const std::string months = c.body.value("months", "");
  if (!text::parse_month_names(months)) {
    return refuse(400, "invalid_months",
                  "months is \"iranian\" (Azar, Dey …), \"afghan\" (Qaws, Jadi …) or \"\" for those of their language",
                  "months");
  }
  // R-L2: the languages they read after their own, in order ("fa,en"; [] for none).
  std::string fallbacks;
  if (c.body.contains("languages")) {
    const auto& given = c.body["languages"];
    const auto wrong = refusal{400, "invalid_languages",
                               "languages is a list of at most " + std::to_string(text::most_fallbacks) +
                                   " languages they read after their own, in order ([\"fa\", \"en\"]), or [] for none",
                               "languages"};
    if (!given.is_array() || given.size() > text::most_fallbacks) return outcome{400, json::object(), wrong};
    for (const auto& one : given) {
      if (!one.is_string()) return outcome{400, json::object(), wrong};
      if (auto bad = unknown_language(s, one.get<std::string>())) {
        bad->field = "languages";
        return outcome{400, json::object(), *bad};
      }
      if (fallbacks == one.get<std::string>()) {
        return refuse(400, "invalid_languages", "languages names each language once", "languages");
      }
      fallbacks += (fallbacks.empty() ? "" : ",") + one.get<std::string>();
    }
  }
  if (auto bad = bad_record(c.body)) return outcome{400, json::object(), *bad};
  const std::string programme = c.body.value("consent", "");
  if (!programme.empty() && !known_programme(s, programme)) {
    return refuse(400, "unknown_programme", "no flow belongs to programme '" + programme + "'", "consent");
  }
  if (programme.empty() && c.body.contains("consent_via")) {
    return refuse(400, "missing_field", "say which programme they consented to", "consent");
  }
  if (!programme.empty() && !c.body.contains("consent_via")) {
    return refuse(400, "missing_field", "say how they consented: in_person, phone_call or written", "consent_via");
  }
  if (auto bad = said_of_other_number(tx, c, phone.value()))
    return outcome{409, json::object(), *bad};
  auto who = tx.upsert_contact(phone.value());
  if (!lang.empty()) tx.set_contact_language(who.id, lang);
  if (!name.empty()) tx.set_contact_fields(who.id, {{"name", name}});
  if (c.body.contains("months")) tx.set_contact_fields(who.id, {{"months", months}});
  if (c.body.contains("languages")) tx.set_contact_fields(who.id, {{std::string(text::fallback_field), fallbacks}});
  json detail{{"language", lang}, {"name_given", !name.empty()}};
  if (c.body.contains("months")) detail["months"] = months;
  if (c.body.contains("languages")) detail["languages"] = fallbacks;
  detail.update(keep_record(tx, c, who.id, programme));
  tx.audit(c.actor(), who.created ? "contacts.create" : "contacts.update", "contact:" + std::to_string(who.id),
           detail.dump());
  const auto now = tx.find_contact(who.id);
  json out = contact_json(tx, *now);
  flag_not_mobile(out, who.phone, "phone");
  return answer(std::move(out), who.created ? 201 : 200);
}

// GET /api/v1/contacts?phone=: the person behind a number, if Paygham knows them; ?name=: up to
// 50 people whose name holds the text.
outcome find_contact(services& s, store::tx& tx, const call& c) {
  if (const std::string name = c.query_value("name"); !name.empty() || c.query.count("name")) {
    if (c.query.count("phone")) return refuse(400, "invalid_query", "give phone or name, not both", "name");
    const auto letters = core::decode_utf8(text::normalize(name)).size();
    if (letters < 2 || letters > 100) return refuse(400, "invalid_name", "name is 2 to 100 letters of the name", "name");
    json items = json::array();
    for (const auto& who : tx.find_contacts_by_name(name, 50)) items.push_back(contact_json(tx, who));
    return answer(json{{"items", std::move(items)}});
  }
  const auto phone = phone::parse_e164(c.query_value("phone"), s.runner.config().region);
  if (!phone) return refuse(400, "invalid_phone", phone.error(), "phone");
  const auto who = tx.find_contact_by_phone(phone.value());
  if (!who) return refuse(404, "not_found", "no contact with that number");
  return answer(contact_json(tx, *who));
}

// DELETE /api/v1/contacts/{id}: the person's data erased (R-D6); a stop they made is kept as a
// salted hash of the number (R-S7).
outcome erase_contact(services&, store::tx& tx, const call& c) {
  const auto id = text::read_id(c.value("id"));
  if (!id || !tx.erase_contact(*id)) return refuse(404, "not_found", "no contact with that number to erase");
  tx.audit(c.actor(), "contacts.erase", "contact:" + std::to_string(*id), "{}");
  return answer(json{{"id", *id}, {"erased", true}});
}

// DELETE /api/v1/contacts/{id}/visit_pin: a person who forgot the PIN of their visits (R-S12)
// asks at the clinic; once it is cleared, My visits opens without one, and the next counselling
// visit they book offers a new one.
outcome clear_visit_pin(services&, store::tx& tx, const call& c) {
  const auto id = text::read_id(c.value("id"));
  const auto who = id ? tx.find_contact(*id) : std::nullopt;
  if (!who || who->erased()) return refuse(404, "not_found", "no contact with that number");
  const bool had = !tx.find_visit_pin(*id).hash.empty();
  if (had) {
    tx.set_visit_pin(*id, "");
    tx.audit(c.actor(), "contacts.visit_pin_clear", "contact:" + std::to_string(*id), "{}");
  }
  auto done = answer(contact_json(tx, *who));
  done.changed_nothing = !had;
  return done;
}

// What the person's number change (or other number) was refused for, as the API says it.
std::optional<refusal> number_refusal(const store::number_change& r) {
  using o = store::number_change::outcome;
  const std::string other = "contact " + std::to_string(r.other);
  switch (r.result) {
    case o::no_contact:
      return refusal{404, "not_found", "no contact with that number"};
    case o::staff:
      return refusal{
          409, "staff_number",
          "this is the number of a user of Paygham: change it with `paygham user`, not here"};
    case o::too_many:
      return refusal{409, "too_many_numbers",
                     "a person writes from at most " + std::to_string(store::most_other_numbers) +
                         " other numbers: remove one they no longer use first",
                     "phone"};
    case o::confirm_needed:
      return refusal{409, "confirm_needed",
                     "that number wrote to Paygham before this change was recorded (" + other +
                         "): if it is this person's SIM, send again with \"confirm\": true, and "
                         "what it sent and was sent becomes theirs",
                     "confirm"};
    case o::taken: {
      if (r.held.front() == "user") {
        return refusal{409, "number_taken",
                       "that number is a user's of Paygham; it cannot be a person's too", "phone"};
      }
      if (r.held.front() == "numbers") {
        return refusal{409, "number_taken",
                       "that number is one of another person's other numbers (" + other +
                           "); if it is now this person's, remove it from " + other + " first",
                       "phone"};
      }
      if (r.other == 0) {
        return refusal{409, "number_taken",
                       "someone who had that number before stopped messages, and the stop stays "
                       "with the number (R-S7); if it is now this person's, they send START from "
                       "it first",
                       "phone"};
      }
      static const std::map<std::string, std::string> words{
          {"other_numbers", "writes from other numbers too"},
          {"stops", "stopped messages"},
          {"series", "has reminders running"},
          {"visits", "has visits booked"},
          {"subscriptions", "has alerts"},
          {"consents", "gave consents"}};
      std::string what;
      for (const auto& h : r.held) what += (what.empty() ? "" : ", ") + words.at(h);
      const bool stopped = r.held.front() == "stops";
      const std::string ends = r.held.front() == "other_numbers"
                                   ? "their other numbers are removed first"
                                   : "those end first";
      return refusal{
          409, "number_taken",
          "that number is another person's in Paygham (" + other + ", who " + what +
              "); if it is now this person's, " +
              (stopped ? "they send START from it first" : ends + ", or an admin erases " + other),
          "phone"};
    }
    case o::unchanged:
    case o::moved:
    case o::added:
      break;
  }
  return std::nullopt;
}

// POST /api/v1/contacts/{id}/number: the person's new number (R-L6), their reminders, visits,
// alerts and stops going with them; messages still waiting go to it. POST …/numbers (`other`):
// another number the person writes from (a second SIM): what they send from it is theirs; what
// Paygham sends on its own goes to the main number. The same checks and refusals for both.
outcome number_call(services& s, store::tx& tx, const call& c, bool other) {
  const auto id = text::read_id(c.value("id"));
  if (!id) return refuse(404, "not_found", "no contact with that number");
  const auto phone =
      mobile_in_body(s, c, ": their SMS and USSD need a mobile. Check it with the person");
  if (const auto* bad = std::get_if<refusal>(&phone)) return outcome{400, json::object(), *bad};
  const store::number_request r{
      std::get<std::string>(phone), c.actor(), c.body.value("confirm", false),
      [&s](std::string_view e164) { return s.runner.time_zone(e164); },
      [&s](std::string_view field) { return s.runner.config().contact_fields.count(field) != 0; }};
  const auto done = other ? store::add_number(tx, *id, r) : store::change_number(tx, *id, r);
  if (auto bad = number_refusal(done)) return outcome{bad->status, json::object(), *bad};
  using o = store::number_change::outcome;
  const auto masked = core::log::mask_phone(r.phone);
  json detail = done.result == o::moved   ? json{{"from", core::log::mask_phone(done.old_phone)},
                                               {"to", masked},
                                               {"readdressed", done.readdressed}}
                : done.result == o::added ? json{{"number", masked}}
                                          : json();
  if (!detail.is_null()) {
    if (done.other != 0) detail["took_in"] = done.other;
    tx.audit(c.actor(), other ? "contacts.number_add" : "contacts.number",
             "contact:" + std::to_string(*id), detail.dump());
  }
  json out = contact_json(tx, *tx.find_contact(*id));
  if (!other) out["readdressed"] = done.readdressed;
  if (done.other != 0) out["took_in"] = done.other;
  auto answered = answer(std::move(out), done.result == o::added ? 201 : 200);
  answered.changed_nothing = done.result == o::unchanged;
  return answered;
}

outcome change_number(services& s, store::tx& tx, const call& c) {
  return number_call(s, tx, c, false);
}

outcome add_other_number(services& s, store::tx& tx, const call& c) {
  return number_call(s, tx, c, true);
}

// DELETE /api/v1/contacts/{id}/numbers/{number}: the person no longer writes from one of their
// other numbers; a stop they made stays with it (R-S7).
outcome remove_other_number(services& s, store::tx& tx, const call& c) {
  const auto id = text::read_id(c.value("id"));
  const auto phone = phone::parse_e164(c.value("number"), s.runner.config().region);
  if (!phone) return refuse(400, "invalid_phone", phone.error(), "number");
  if (!id || !tx.remove_number(*id, phone.value())) {
    return refuse(404, "not_found", "that number is not one of the person's other numbers");
  }
  tx.audit(c.actor(), "contacts.number_remove", "contact:" + std::to_string(*id),
           json{{"number", core::log::mask_phone(phone.value())}}.dump());
  return answer(contact_json(tx, *tx.find_contact(*id)));
}

// The clinic a token may see: a health worker's own; "" (every clinic) for the others.
std::string facility_of(const store::api_token& t) { return t.role == "health_worker" ? t.facility : std::string(); }

json escalation_json(const store::escalation& e) {
  return json{{"id", e.id},         {"worker", e.worker_id}, {"phone", e.phone},        {"reason", e.reason},
              {"unanswered", e.misses}, {"series", e.series_id}, {"created_at", e.created_at},
              {"priority", store::to_string(e.priority)}};
}

// GET /api/v1/escalations: patients to call (R-H3), the token's clinic's only for a health
// worker's system.
outcome list_escalations(services&, store::tx& tx, const call& c) {
  json items = json::array();
  for (const auto& e : tx.open_escalations_at(facility_of(c.token))) items.push_back(escalation_json(e));
  return answer(json{{"items", std::move(items)}});
}

// POST /api/v1/escalations/{id}/resolve: the call was made.
outcome resolve_escalation(services&, store::tx& tx, const call& c) {
  const auto id = text::read_id(c.value("id"));
  std::optional<store::escalation> found;
  for (const auto& e : tx.open_escalations_at(facility_of(c.token))) {
    if (id && e.id == *id) found = e;
  }
  // Another clinic's looks the same as none: a token learns nothing of other clinics' patients.
  if (!found) return refuse(404, "not_found", "no open escalation with that number for this token");
  tx.resolve_escalation(found->id, found->worker_id);
  tx.audit(c.actor(), "escalations.resolve", "escalation:" + std::to_string(found->id), "{}");
  return answer(json{{"id", found->id}, {"resolved", true}});
}

// How many people the flow starts on `target` ("flow:welcome") started since `since`, from
// the audit log, which every start writes.
std::size_t started_since(store::tx& tx, const std::string& target, core::unix_ms since) {
  std::size_t n = 0;
  std::int64_t before = 0;
  while (true) {
    const auto page = tx.audit_page(before, 100, target);
    for (const auto& e : page) {
      if (e.at < since) return n;
      if (e.action != "flow_starts.create") continue;
      const auto detail = json::parse(e.detail, nullptr, false);
      if (detail.is_object()) n += detail.value("started", std::size_t{0});
    }
    if (page.size() < 100) return n;
    before = page.back().id;
  }
}

// POST /api/v1/flow_starts: a flow that says `triggers: {api: true}` started by SMS for people at
// its start (as if they had texted its keyword: its `entries` need values only the scheduler
// gives), each in their language, in sending hours, and never for someone who stopped its programme.
outcome start_flow(services& s, store::tx& tx, const call& c) {
  constexpr std::size_t most = 1000;  // more people: a broadcast, with its safety limit
  const std::string id = c.body.value("flow", "");
  const auto content = s.runner.current();
  const flow::definition* f = content->flows.by_id(id);
  if (!f) return refuse(400, "unknown_flow", "no flow '" + id + "' runs on this server", "flow");
  if (!f->api) {
    return refuse(409, "not_startable", "flow '" + id + "' may not be started this way: its file says no triggers: {api: true}",
                  "flow");
  }
  const std::string& node = f->start;
  const auto channel = sending_channel(s, c);
  if (const auto* bad = std::get_if<refusal>(&channel)) return outcome{400, json::object(), *bad};
  const json& given = c.body["phones"];
  if (given.empty() || given.size() > most) {
    return refuse(400, "invalid_phones", "phones lists 1 to " + std::to_string(most) + " numbers", "phones");
  }
  std::vector<std::string> phones;
  std::vector<std::size_t> place;  // each one's place in the caller's list, from 1
  for (std::size_t i = 0; i < given.size(); ++i) {
    const auto phone = phone::parse_e164(given[i].get<std::string>(), s.runner.config().region);
    if (!phone) return refuse(400, "invalid_phone", "number " + std::to_string(i + 1) + ": " + phone.error(), "phones");
    if (std::find(phones.begin(), phones.end(), phone.value()) == phones.end()) {
      phones.push_back(phone.value());
      place.push_back(i + 1);
    }
  }
  // Calls of 1000 add up: above 1000 people a day on one flow, the caller confirms, as for a broadcast.
  const std::size_t today = started_since(tx, "flow:" + f->id, tx.now() - 86'400'000);
  if (today + phones.size() > most && !c.body.value("confirm", false)) {
    return refuse(409, "confirm_needed",
                  std::to_string(today) + " people were started on this flow in the last 24 hours; with these, " +
                      std::to_string(today + phones.size()) +
                      ": more than 1000. Check the list, then send again with \"confirm\": true",
                  "confirm");
  }
  json stopped = json::array();
  json waiting = json::array();
  json same_person = json::array();
  json out = json::object();
  std::size_t started = 0;
  std::set<std::int64_t> people;
  for (std::size_t i = 0; i < phones.size(); ++i) {
    const std::string& phone = phones[i];
    flag_not_mobile(out, phone, "phones", "number " + std::to_string(place[i]) + ": ");
    const auto who = tx.upsert_contact(phone);
    // A person's main number and another they write from (R-L6): one person, started once.
    if (!people.insert(who.id).second) {
      same_person.push_back(phone);
      continue;
    }
    if (tx.stopped(who.id, f->programme)) {
      stopped.push_back(phone);
      continue;
    }
    // Asked by this flow already and not answered yet (a start sent twice): the question stands.
    if (const auto open = tx.find_waiting_sms_run(who.id); open && open->flow_id == f->id) {
      waiting.push_back(phone);
      continue;
    }
    tx.add_job(actions::flow_start::kind, tx.now(),
               actions::flow_start{who.id, std::get<std::string>(channel), f->id, node}.json());
    ++started;
  }
  tx.audit(c.actor(), "flow_starts.create", "flow:" + f->id,
           json{{"node", node}, {"channel", std::get<std::string>(channel)}, {"started", started},
                {"stopped", stopped.size()}, {"waiting", waiting.size()}}
               .dump());
  out.update(json{{"flow", f->id},
                  {"node", node},
                  {"channel", std::get<std::string>(channel)},
                  {"started", started},
                  {"stopped", std::move(stopped)},
                  {"waiting", std::move(waiting)},
                  {"same_person", std::move(same_person)}});
  return answer(std::move(out), 201);
}

// The console's session cookie: HttpOnly (scripts cannot read it), SameSite=Strict (other
// sites' pages do not send it), Secure when the public URL is https.
constexpr const char* session_cookie = "paygham_session";
constexpr core::unix_ms session_ms = 12 * 3600'000;

std::string cookie_header(const services& s, const std::string& value, core::unix_ms max_age_ms) {
  return std::string(session_cookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(max_age_ms / 1000) + (s.secure_cookies ? "; Secure" : "");
}

// GET /api/v1/session: who is calling, and for a console session its anti-CSRF value.
outcome who_am_i(services& s, store::tx& tx, const call& c) {
  // Times are shown in the deployment's zone (the console runs wherever the browser is).
  json out{{"role", c.token.role}, {"name", c.token.name}, {"time_zone", s.runner.config().timezone}};
  if (!c.token.facility.empty()) out["facility"] = c.token.facility;
  if (c.token.user_id != 0) {
    const auto u = tx.find_user(c.token.user_id);
    out["user"] = c.token.user_id;
    out["name"] = u ? u->name : std::string();
    out["login"] = u ? u->login : std::string();
    out["csrf"] = c.csrf;
    out["expires_at"] = c.token.expires_at;
  }
  return answer(std::move(out));
}

// DELETE /api/v1/session: the console logs out; the session cannot be used again.
outcome log_out(services& s, store::tx& tx, const call& c) {
  if (c.token.user_id == 0) return refuse(400, "not_a_session", "this is a machine's token: revoke it with paygham token");
  tx.revoke_token(c.token.id);
  tx.audit(c.actor(), "session.logout", "user:" + std::to_string(c.token.user_id), "{}");
  auto o = answer(json{{"logged_out", true}});
  o.headers.push_back({"Set-Cookie", cookie_header(s, "", 0)});
  return o;
}

const std::vector<route>& routes() {
  static const std::vector<route> all = {
      {"POST",
       "/api/v1/messages",
       {"admin", "operator"},
       send_message,
       "Send one SMS to a phone number: a text, or a template in the person's language",
       {{"to", "string"},
        {"text", "string"},
        {"template", "string"},
        {"channel", "string"},
        {"priority", "string"}},
       {"to"},
       {},
       true},
      {"GET",
       "/api/v1/messages",
       {"admin", "operator"},
       list_messages,
       "Messages newest first, filtered by number (to), person (contact: whichever of their "
       "numbers), broadcast or "
       "state; ?before= pages on",
       {},
       {},
       {"to", "contact", "broadcast", "status", "before", "limit"},
       false,
       false,
       {"messages.read", "message"}},
      {"GET",
       "/api/v1/audit",
       {"admin"},
       list_audit,
       "The audit log newest first, or one thing's (?target=flow:x.yaml); ?before= pages on",
       {},
       {},
       {"target", "before", "limit"}},
      {"GET",
       "/api/v1/messages/{id}",
       {"admin", "operator"},
       get_message,
       "A message with every state it went through",
       {},
       {},
       {},
       false,
       false,
       {"messages.read", "message"}},
      {"POST",
       "/api/v1/broadcasts",
       {"admin", "operator"},
       create_broadcast,
       "Send a template to a programme's subscribers in an area (and who come by a route, or are "
       "in a district of it: "
       "with those whose district is not known unless unknown_district is false), now or at a time "
       "(at); "
       "above 1000 people it needs confirm; an urgent alert (priority alert) waits for a second "
       "person's approval and "
       "expires (expires_at, 24 hours by default)",
       {{"topic", "string"},
        {"area", "string"},
        {"route", "string"},
        {"district", "string"},
        {"unknown_district", "boolean"},
        {"text", "string"},
        {"priority", "string"},
        {"confirm", "boolean"},
        {"at", "string"},
        {"expires_at", "string"}},
       {"topic", "text"},
       {},
       true},
      {"GET",
       "/api/v1/broadcasts",
       {"admin", "operator"},
       list_broadcasts,
       "Broadcasts newest first, each with its status (awaiting_approval: an urgent alert a second "
       "person must "
       "approve); ?before= pages on",
       {},
       {},
       {"before", "limit"}},
      {"GET",
       "/api/v1/broadcasts/{id}",
       {"admin", "operator"},
       get_broadcast,
       "A broadcast's progress by state"},
      {"POST",
       "/api/v1/broadcasts/{id}/approve",
       {"admin", "operator"},
       approve_broadcast,
       "A second person approves an urgent alert: it goes now (not by whoever asked for it)"},
      {"POST",
       "/api/v1/broadcasts/{id}/cancel",
       {"admin", "operator"},
       cancel_broadcast,
       "Refuses an urgent alert awaiting approval, or stops a broadcast under way: what is not yet "
       "sent is cancelled"},
      {"POST",
       "/api/v1/flows/validate",
       {"admin", "operator"},
       validate_flow,
       "What lint says of a flow file (problems at their line), without publishing it",
       {{"file", "string"}, {"yaml", "string"}},
       {"file", "yaml"},
       {},
       false,
       false},
      {"GET",
       "/api/v1/flows",
       {"admin", "operator"},
       list_flows,
       "The flows the server runs, with their entries"},
      {"GET", "/api/v1/flows/{file}", {"admin", "operator"}, get_flow, "A flow file's YAML"},
      {"PUT",
       "/api/v1/flows/{file}",
       {"admin", "operator"},
       publish_flow,
       "Publish a flow file: only when lint passes (else 422 with the problems) and, with version, "
       "only over that "
       "version (else 409 changed_since); the server switches at once and the audit log keeps the "
       "version before",
       {{"yaml", "string"}, {"version", "string"}},
       {"yaml"}},
      {"POST",
       "/api/v1/flows/simulate",
       {"admin", "operator"},
       simulate_flow,
       "Walk the flows with a file as given (the editor's text) on a throwaway store: the screens "
       "and SMS a basic "
       "phone would show, with encoding and length",
       {{"file", "string"},
        {"yaml", "string"},
        {"ussd_code", "string"},
        {"language", "string"},
        {"ussd_route", "string"},
        {"replies", "array"}},
       {"file", "yaml"},
       {},
       false,
       false},
      {"POST",
       "/api/v1/flows/{file}/rollback",
       {"admin", "operator"},
       roll_back_flow,
       "Put back the version before the last publish (checked by lint again); with version, only "
       "over that version",
       {{"version", "string"}}},
      {"GET", "/api/v1/texts", {"admin", "operator"}, list_texts, "Every text's key"},
      {"GET",
       "/api/v1/texts/{key}",
       {"admin", "operator"},
       get_text,
       "A text in every language, with its encoding and SMS parts"},
      {"POST",
       "/api/v1/enrolments",
       {"admin", "operator", "health_worker"},
       enrol,
       "Enrol a patient in health reminders they answer with 1: medicine daily at a time, "
       "pregnancy care from "
       "the last period, a weekly check-in, or the day before each medicine refill; a health "
       "worker's session "
       "enrols for itself, others name the worker",
       {{"phone", "string"},
        {"kind", "string"},
        {"time", "string"},
        {"lmp", "string"},
        {"refill_date", "string"},
        {"every_days", "integer"},
        {"language", "string"},
        {"channel", "string"},
        {"worker", "string"},
        {"shared_phone", "string"},
        {"explicit_texts", "boolean"},
        {"consent_via", "string"},
        {"high_risk", "boolean"},
        {"quiet_hours", "string"}},
       {"phone", "kind"},
       {},
       true},
      {"GET",
       "/api/v1/enrolments",
       {"admin", "operator", "health_worker"},
       list_enrolments,
       "A person's running health reminders with the next one's time (a health worker's: its "
       "clinic's only)",
       {},
       {},
       {"phone"},
       false,
       false,
       {"enrolments.read"}},
      {"POST",
       "/api/v1/enrolments/{id}/end",
       {"admin", "operator", "health_worker"},
       end_enrolment,
       "End a patient's reminders: completed, loss (one message written for it, nothing more) or "
       "other",
       {{"reason", "string"}},
       {"reason"}},
      {"POST",
       "/api/v1/enrolments/{id}/pause",
       {"admin", "operator", "health_worker"},
       pause_enrolment,
       "No reminders until a day (a patient in hospital, away): those before it are skipped, not "
       "counted as "
       "unanswered",
       {{"until", "string"}},
       {"until"}},
      {"POST",
       "/api/v1/enrolments/{id}/resume",
       {"admin", "operator", "health_worker"},
       resume_enrolment,
       "Reminders go on from the next one"},
      {"POST",
       "/api/v1/enrolments/{id}/risk",
       {"admin", "operator", "health_worker"},
       set_enrolment_risk,
       "Flag a pregnancy high risk, or no longer: a call about her is then made within one working "
       "day and the "
       "clinic's supervisor is told",
       {{"high_risk", "boolean"}},
       {"high_risk"}},
      {"GET",
       "/api/v1/clinics",
       {"admin", "operator", "health_worker"},
       list_clinics,
       "The clinics people can book, with their services (a health worker's: their own)"},
      {"POST",
       "/api/v1/clinics/{id}/close",
       {"admin", "operator", "health_worker"},
       close_clinic_day,
       "Close the clinic for a day: nobody books it, and each visit booked then is cancelled and "
       "its person told by "
       "SMS with other days",
       {{"day", "string"}, {"confirm", "boolean"}},
       {"day"}},
      {"POST",
       "/api/v1/clinics/{id}/reopen",
       {"admin", "operator", "health_worker"},
       reopen_clinic_day,
       "Open a closed day for booking again (the visits cancelled then stay cancelled)",
       {{"day", "string"}},
       {"day"}},
      {"GET",
       "/api/v1/clinics/file",
       {"admin", "operator"},
       get_clinics_file,
       "The clinics file's YAML, with its version"},
      {"PUT",
       "/api/v1/clinics/file",
       {"admin", "operator"},
       publish_clinics_file,
       "Publish the clinics file (a clinic added, or renamed by its names): only when lint passes "
       "(else 422 with the "
       "problems; a clinic left out is one) and, with version, only over that version (else 409 "
       "changed_since); the "
       "server switches at once and the audit log keeps the file before",
       {{"yaml", "string"}, {"version", "string"}},
       {"yaml"}},
      {"PUT",
       "/api/v1/clinics/{id}/hours",
       {"admin", "operator", "health_worker"},
       set_clinic_hours,
       "Change the clinic's week from now on (weekdays it opens, windows and capacity) in place of "
       "the clinics "
       "file's; visits booked stay",
       {{"open", "array"}, {"windows", "objects"}, {"confirm", "boolean"}},
       {"open", "windows"}},
      {"DELETE",
       "/api/v1/clinics/{id}/hours",
       {"admin", "operator", "health_worker"},
       clear_clinic_hours,
       "Back to the clinics file's week",
       {},
       {},
       {"confirm"}},
      {"GET",
       "/api/v1/slots",
       {"admin", "operator", "health_worker"},
       list_slots,
       "Free windows of the nearest bookable days for a clinic's service",
       {},
       {},
       {"clinic", "service"}},
      {"POST",
       "/api/v1/appointments",
       {"admin", "operator", "health_worker"},
       book_visit,
       "Book a visit for a person: the SMS confirmation and reminders as the booking menu gives; "
       "never above capacity",
       {{"phone", "string"},
        {"clinic", "string"},
        {"service", "string"},
        {"day", "string"},
        {"time", "string"},
        {"for", "string"},
        {"channel", "string"},
        {"shared_phone", "string"},
        {"explicit_texts", "boolean"},
        {"consent_via", "string"}},
       {"phone", "service", "day", "time"},
       {},
       true},
      {"GET",
       "/api/v1/appointments",
       {"admin", "operator", "health_worker"},
       list_visits,
       "A clinic's visits on a day, today by default (a health worker's clinic only)",
       {},
       {},
       {"clinic", "day"},
       false,
       false,
       {"appointments.read"}},
      {"POST",
       "/api/v1/appointments/{id}/move",
       {"admin", "operator", "health_worker"},
       move_visit,
       "Move a visit to another day or window of its clinic and service: the new one is booked "
       "(with its SMS), then "
       "the old one cancelled",
       {{"day", "string"}, {"time", "string"}},
       {"day", "time"},
       {},
       true},
      {"POST",
       "/api/v1/appointments/{id}/mark",
       {"admin", "operator", "health_worker"},
       mark_visit,
       "Mark a visit attended, missed (no-show) or cancelled",
       {{"as", "string"}},
       {"as"}},
      {"GET",
       "/api/v1/deliveries",
       {"admin", "operator"},
       delivery_dashboard,
       "The last hours' messages by hour and state, by channel with its pause (an open breaker), "
       "and why they failed",
       {},
       {},
       {"hours"}},
      {"GET",
       "/api/v1/parties",
       {"admin", "operator", "health_worker"},
       list_parties,
       "Who besides this deployment can read message content (each channel's aggregator, "
       "operators, hosts), under "
       "what written agreement, and what is missing"},
      {"GET",
       "/api/v1/inbox",
       {"admin", "operator"},
       list_inbox,
       "What people wrote that no flow handled, and hazard reports (?flow=mine_safety), newest "
       "first",
       {},
       {},
       {"status", "flow", "before", "limit"},
       false,
       false,
       {"inbox.read"}},
      {"POST",
       "/api/v1/inbox/{id}",
       {"admin", "operator"},
       update_inbox_item,
       "Mark an inbox item new, read or done, and give it to someone (assign: me, a user's number, "
       "or \"\")",
       {{"status", "string"}, {"assign", "string"}}},
      {"POST",
       "/api/v1/inbox/{id}/reply",
       {"admin", "operator"},
       reply_inbox_item,
       "Answer the person by SMS, at once (they wrote first)",
       {{"text", "string"}},
       {"text"},
       {},
       true},
      {"GET",
       "/api/v1/users",
       {"admin"},
       list_users,
       "The people who work with Paygham (numbers masked, no secrets)"},
      {"POST",
       "/api/v1/users/{id}/disable",
       {"admin"},
       disable_user,
       "Disable a person: their PIN and password stop working, their sessions end"},
      {"GET", "/api/v1/tokens", {"admin"}, list_tokens, "Machines' tokens (only hashes are kept)"},
      {"POST",
       "/api/v1/tokens",
       {"admin"},
       create_token,
       "Make a token for a machine: shown in this answer only",
       {{"name", "string"}, {"role", "string"}, {"facility", "string"}},
       {"name", "role"},
       {},
       true},
      {"DELETE",
       "/api/v1/tokens/{id}",
       {"admin"},
       revoke_token,
       "Revoke a token: it stops working at once"},
      {"POST",
       "/api/v1/contacts",
       {"admin", "operator"},
       save_contact,
       "Add a person, or update one by number: language, the languages they read after it, name "
       "({contact.name}), the "
       "month names they read, whether "
       "others read the phone's SMS, a consent they gave; never opts anyone in",
       {{"phone", "string"},
        {"language", "string"},
        {"name", "string"},
        {"shared_phone", "string"},
        {"explicit_texts", "boolean"},
        {"consent", "string"},
        {"consent_via", "string"},
        {"quiet_hours", "string"},
        {"months", "string"},
        {"languages", "array"}},
       {"phone"},
       {},
       true},
      {"GET",
       "/api/v1/contacts",
       {"admin", "operator"},
       find_contact,
       "The person behind a phone number (any format), if known; or up to 50 people whose name "
       "holds ?name=",
       {},
       {},
       {"phone", "name"},
       false,
       false,
       {"contacts.read", "contact"}},
      {"DELETE",
       "/api/v1/contacts/{id}",
       {"admin"},
       erase_contact,
       "Erase a person's data; a stop they made stays, as a salted hash of the number"},
      {"POST",
       "/api/v1/contacts/{id}/number",
       {"admin", "operator"},
       change_number,
       "The person's new number: their reminders, visits, alerts and stops go with them, and what "
       "still waits to "
       "go to them goes to it; refused when the number is another person's with any of those, and "
       "confirmed when it "
       "wrote before",
       {{"phone", "string"}, {"confirm", "boolean"}},
       {"phone"}},
      {"POST",
       "/api/v1/contacts/{id}/numbers",
       {"admin", "operator"},
       add_other_number,
       "Another number the person writes from (a second SIM): what they send from it is theirs, "
       "answers go back to it, and what Paygham sends on its own goes to their main number; "
       "refused and confirmed as a new number is",
       {{"phone", "string"}, {"confirm", "boolean"}},
       {"phone"}},
      {"DELETE",
       "/api/v1/contacts/{id}/numbers/{number}",
       {"admin", "operator"},
       remove_other_number,
       "The person no longer writes from one of their other numbers (any format); a stop they made "
       "stays with it"},
      {"DELETE",
       "/api/v1/contacts/{id}/visit_pin",
       {"admin", "operator"},
       clear_visit_pin,
       "Clear the PIN the person chose for My visits, when they forgot it: My visits opens without "
       "one until they "
       "choose another"},
      {"GET",
       "/api/v1/escalations",
       {"admin", "operator", "health_worker"},
       list_escalations,
       "Patients to call: reminders they left unanswered (a health worker's token: its clinic's "
       "only)",
       {},
       {},
       {},
       false,
       false,
       {"escalations.read"}},
      {"POST",
       "/api/v1/escalations/{id}/resolve",
       {"admin", "operator", "health_worker"},
       resolve_escalation,
       "The call was made: the patient leaves the list"},
      {"POST",
       "/api/v1/flow_starts",
       {"admin", "operator"},
       start_flow,
       "Start a flow by SMS at its start for up to 1000 numbers (a flow whose file says triggers: "
       "{api: true}; above "
       "1000 people a day on one flow, with confirm); "
       "people who stopped its programme, or have its question still open, are listed, not started",
       {{"flow", "string"}, {"phones", "array"}, {"channel", "string"}, {"confirm", "boolean"}},
       {"flow", "phones"},
       {},
       true},
      {"GET",
       "/api/v1/session",
       {"admin", "operator", "health_worker"},
       who_am_i,
       "Who is calling: role, clinic, and for a console session the person and its X-CSRF-Token "
       "value"},
      {"DELETE",
       "/api/v1/session",
       {"admin", "operator", "health_worker"},
       log_out,
       "Log the console session out (its cookie stops working)"},
  };
  return all;
}

// The body as the route expects it, or why not.
std::optional<refusal> read_body(const route& r, const std::string& text, json& out) {
  if (r.fields.empty()) return std::nullopt;
  // Nothing asked for, nothing sent: as an empty object (a rollback without a version).
  if (text.empty() && r.required.empty()) {
    out = json::object();
    return std::nullopt;
  }
  if (!core::valid_utf8(text)) return refusal{400, "invalid_utf8", "the body is not UTF-8"};
  out = json::parse(text, nullptr, false);
  if (out.is_discarded() || !out.is_object()) return refusal{400, "invalid_json", "the body is not a JSON object"};
  for (const auto& [key, value] : out.items()) {
    const auto f = std::find_if(r.fields.begin(), r.fields.end(), [&k = key](const auto& p) { return k == p.first; });
    if (f == r.fields.end()) return refusal{400, "unknown_field", "no field '" + key + "' here", key};
    const std::string_view type = f->second;
    const bool ok = type == "boolean"   ? value.is_boolean()
                    : type == "integer" ? value.is_number_integer()
                    : type == "array"   ? value.is_array() && std::all_of(value.begin(), value.end(), [](const json& v) {
                                          return v.is_string();
                                        })
                    : type == "objects" ? value.is_array() && std::all_of(value.begin(), value.end(), [](const json& v) {
                                            return v.is_object();
                                          })
                                        : value.is_string();
    if (!ok) {
      const std::string what = type == "array"     ? "an array of strings"
                               : type == "objects" ? "an array of objects"
                               : type == "integer" ? "a whole number"
                                                   : "a " + std::string(type);
      return refusal{400, "wrong_type", "'" + key + "' must be " + what, key};
    }
  }
  for (const auto need : r.required) {
    if (!out.contains(std::string(need))) {
      return refusal{400, "missing_field", "'" + std::string(need) + "' is required", std::string(need)};
    }
  }
  return std::nullopt;
}

// The query's parameters, each one the route knows, at most once, in UTF-8.
std::optional<refusal> read_query(const route& r, const std::string& text, std::map<std::string, std::string>& out) {
  if (text.empty()) return std::nullopt;
  const auto form = core::parse_form(text);
  if (!form) return refusal{400, "invalid_query", "the query cannot be read"};
  for (const auto& [name, value] : form.value().pairs) {
    if (std::find_if(r.query.begin(), r.query.end(), [&n = name](const char* q) { return n == q; }) == r.query.end()) {
      return refusal{400, "unknown_query", "no query parameter '" + name + "' here", name};
    }
    if (!core::valid_utf8(value)) return refusal{400, "invalid_utf8", "'" + name + "' is not UTF-8", name};
    if (!out.emplace(name, value).second) return refusal{400, "invalid_query", "'" + name + "' is given twice", name};
  }
  return std::nullopt;
}

constexpr const char* denied = "paygham_api_denied_total";
constexpr const char* denied_help =
    "API calls refused for their token (none, unknown or revoked, wrong role, over its rate).";

// The token of "Authorization: Bearer pgm_…" (the scheme in any case), or "".
std::string_view bearer(std::string_view header) {
  constexpr std::string_view scheme = "bearer ";
  if (header.size() <= scheme.size()) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return {};
  }
  return header.substr(scheme.size());
}

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string_view cookie(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto end = header.find(';');
    std::string_view pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
  }
  return {};
}

bool changes_something(std::string_view method) { return method != "GET" && method != "HEAD"; }

// Every API answer: never cached (sessions' anti-CSRF values, patients' numbers), never sniffed.
http::reply_fn uncached(http::reply_fn reply) {
  return [reply = std::move(reply)](core::http_response res) {
    res.headers.push_back({"Cache-Control", "no-store"});
    res.headers.push_back({"X-Content-Type-Options", "nosniff"});
    reply(std::move(res));
  };
}

void serve(services& s, const route& r, core::http_request& req, const http::params& values, http::reply_fn reply) {
  // A machine sends its token; the console's browser its session cookie. Neither is logged.
  std::string_view presented = bearer(req.header("Authorization"));
  const bool session = presented.empty();
  if (session) presented = cookie(req.header("Cookie"), session_cookie);
  if (presented.empty()) {
    s.metrics.count(denied, denied_help, {{"reason", "none"}});
    return reply(error_response({401, "unauthorized", "send a token (Authorization: Bearer <token>) or log in"}));
  }
  auto c = std::make_shared<call>();
  c->values = values;
  if (session) {
    c->csrf = auth::csrf_token(presented);
    // A change by cookie must carry the value only the console's own page could read.
    if (changes_something(req.method) && !auth::same_secret(req.header("X-CSRF-Token"), c->csrf)) {
      s.metrics.count(denied, denied_help, {{"reason", "csrf"}});
      return reply(error_response({403, "csrf", "a change from the console needs its X-CSRF-Token header"}));
    }
  }
  const std::string hash = auth::token_hash(presented);
  if (!s.api_limits.take(hash, std::chrono::steady_clock::now())) {
    s.metrics.count(denied, denied_help, {{"reason", "rate"}});
    auto res = error_response({429, "too_many_requests", "this token calls too often; wait a second"});
    res.headers.push_back({"Retry-After", "1"});
    return reply(std::move(res));
  }
  auto out = std::make_shared<outcome>();
  s.writer.submit(
      [&s, &r, c, out, hash, body = std::move(req.body), query = std::move(req.query)](store::tx& tx) {
        const auto token = tx.find_token(hash);
        if (!token) {
          *out = refuse(401, "unauthorized", "this token or session is unknown, revoked or expired");
          return;
        }
        if (std::find(r.roles.begin(), r.roles.end(), token->role) == r.roles.end()) {
          *out = refuse(403, "forbidden", "a " + token->role + " token may not do this");
          return;
        }
        c->token = *token;
        // The body and the query only for a caller allowed to send them.
        if (auto bad = read_body(r, body, c->body)) {
          out->refused = *bad;
          return;
        }
        if (auto bad = read_query(r, query, c->query)) {
          out->refused = *bad;
          return;
        }
        // Bad input changes nothing: the work's writes go only when it succeeds.
        std::string failed = tx.attempt([&] {
          const auto audited_before = tx.audit_entries_made();
          *out = r.run(s, tx, *c);
          if (out->refused) throw std::runtime_error("refused");
          if (r.reads.action) audit_read(tx, r, *c, out->body, s.runner.config().region);
          // Every change goes to the audit log: one that would not is not made. (Work done
          // later, off the store, as publishing a flow, audits what it did itself.)
          if (r.audited() && !out->changed_nothing && !out->later && tx.audit_entries_made() == audited_before) {
            core::log::error("api.unaudited", {{"route", std::string(r.method) + " " + r.pattern}});
            *out = refuse(500, "internal", "the change left no audit entry, so it was not made; the log says where");
            throw std::runtime_error("unaudited");
          }
        });
        if (!failed.empty() && !out->refused) *out = refuse(500, "internal", "the store could not do it");
      },
      [&s, out, reply](std::exception_ptr err) {
        if (err) return reply(error_response({503, "unavailable", "the store is not answering; try again"}));
        if (out->refused) {
          if (out->refused->status == 401 || out->refused->status == 403) {
            s.metrics.count(denied, denied_help, {{"reason", out->refused->status == 401 ? "unknown" : "role"}});
          }
          return reply(error_response(*out->refused));
        }
        if (out->wake_outbox) s.outbox.wake();
        if (out->later) {
          return s.offload.post([later = std::move(out->later), reply] {
            try {
              reply(later());
            } catch (const std::exception& e) {
              core::log::error("api.offload_failed", {{"error", e.what()}});
              reply(error_response({500, "internal", "the server could not do it; the log says why"}));
            }
          });
        }
        auto res = core::json_response(out->status, dump(out->body));
        res.headers = std::move(out->headers);
        reply(std::move(res));
      },
      store::durability::disk);
}

// A login locked from every address (a login nobody has, alike: log_in).
std::string locked_message(long long minutes) {
  return "too many wrong passwords: this login opens again in " + std::to_string(minutes) +
         " minutes, or an admin sets a new password";
}

// POST /api/v1/session: a person logs in to the console with their login and password.
// Slowed three ways: a few tries a second from one address, Argon2id (on the background
// thread, never the store's), and 5 wrong passwords in a row lock the login for 15 minutes.
// An unknown login costs the same time as a known one and gets the same answer.
void log_in(services& s, core::http_request& req, http::reply_fn reply) {
  static const route shape{"POST", "/api/v1/session", {}, nullptr, "", {{"login", "string"}, {"password", "string"}},
                           {"login", "password"}};
  if (!s.login_limits.take(req.remote_ip, std::chrono::steady_clock::now())) {
    s.metrics.count(denied, denied_help, {{"reason", "login_rate"}});
    auto res = error_response({429, "too_many_requests", "too many logins from this address; wait a second"});
    res.headers.push_back({"Retry-After", "1"});
    return reply(std::move(res));
  }
  // Only the console's own script logs in: a JSON body (another site's form cannot send one
  // without asking first), and the browser says the request is not from another site.
  const auto fetch_site = req.header("Sec-Fetch-Site");
  if (!fetch_site.empty() && fetch_site != "same-origin" && fetch_site != "none") {
    s.metrics.count(denied, denied_help, {{"reason", "login_cross_site"}});
    return reply(error_response({403, "cross_site", "log in from the console's own page"}));
  }
  if (req.header("Content-Type").substr(0, 16) != "application/json") {
    return reply(error_response({415, "not_json", "send the login as JSON: Content-Type: application/json"}));
  }
  json body;
  if (auto bad = read_body(shape, req.body, body)) return reply(error_response(*bad));
  const auto now = std::chrono::steady_clock::now();
  if (const auto minutes = s.login_failures.locked_minutes(body.value("login", ""), req.remote_ip, now)) {
    s.metrics.count(denied, denied_help, {{"reason", "login"}});
    return reply(error_response({429, "locked",
                                 "5 wrong passwords in a row: this login opens again from here in " +
                                     std::to_string(minutes) + " minutes"}));
  }
  struct attempt {
    std::string login, password, ip;
    std::optional<store::user> user;
    bool matched = false;
    std::string token;
    outcome out;
  };
  auto a = std::make_shared<attempt>();
  a->login = body.value("login", "");
  // No login is longer than 32 letters (paygham user): what is cannot exist, and is not kept
  // in memory as one (the guard below counts what is tried).
  if (a->login.size() > 32) a->login = "\n";
  a->password = body.value("password", "");
  a->ip = req.remote_ip;
  // Third step, on the store's thread: the session, or one more wrong try counted.
  auto finish = [&s, a, reply]() {
    s.writer.submit(
        [&s, a](store::tx& tx) {
          const auto u = a->user ? tx.find_user(a->user->id) : std::nullopt;
          if (!u || !a->matched) {
            a->out = refuse(401, "login_failed", "the login or the password is wrong");
            const bool pair_locked = s.login_failures.failed(a->login, a->ip, std::chrono::steady_clock::now());
            if (!u) {
              s.login_failures.unknown_failed(a->login, std::chrono::steady_clock::now());
              return;
            }
            // From every address together: 20 in a row lock the login everywhere for a while.
            const int failed = u->failed_logins + 1;
            const core::unix_ms until =
                failed >= login_guard::everywhere_tries
                    ? tx.now() + std::chrono::duration_cast<std::chrono::milliseconds>(login_guard::everywhere_lock).count()
                    : 0;
            tx.set_login_failures(u->id, until ? 0 : failed, until);
            tx.audit("ip:" + a->ip, until || pair_locked ? "session.locked" : "session.login_failed",
                     "user:" + std::to_string(u->id), json{{"failures", failed}, {"everywhere", until != 0}}.dump());
            return;
          }
          s.login_failures.succeeded(a->login, a->ip);
          store::api_token t;
          t.name = "console";
          t.role = u->role;
          t.facility = u->facility;
          t.user_id = u->id;
          t.expires_at = tx.now() + session_ms;
          a->token = auth::new_token();
          t.hash = auth::token_hash(a->token);
          tx.add_token(t);
          tx.set_login_failures(u->id, 0, 0);
          tx.audit("user:" + std::to_string(u->id), "session.login", "user:" + std::to_string(u->id),
                   json{{"ip", a->ip}}.dump());
          json who{{"user", u->id},
                   {"name", u->name},
                   {"login", u->login},
                   {"role", u->role},
                   {"csrf", auth::csrf_token(a->token)},
                   {"expires_at", t.expires_at},
                   {"time_zone", s.runner.config().timezone}};
          if (!u->facility.empty()) who["facility"] = u->facility;
          a->out = answer(std::move(who), 201);
          a->out.headers.push_back({"Set-Cookie", cookie_header(s, a->token, session_ms)});
        },
        [&s, a, reply](std::exception_ptr err) {
          if (err) return reply(error_response({503, "unavailable", "the store is not answering; try again"}));
          if (a->out.refused) {
            s.metrics.count(denied, denied_help, {{"reason", "login"}});
            return reply(error_response(*a->out.refused));
          }
          auto res = core::json_response(a->out.status, dump(a->out.body));
          res.headers = std::move(a->out.headers);
          reply(std::move(res));
        },
        store::durability::disk);
  };
  // First step: the user, if any, and whether their login is locked.
  s.writer.submit(
      [a](store::tx& tx) {
        a->user = tx.find_user_by_login(a->login);
        if (a->user && (a->user->disabled || a->user->password_hash.empty())) a->user.reset();
        if (a->user && a->user->login_locked_until > tx.now()) {
          a->out = refuse(429, "locked", locked_message((a->user->login_locked_until - tx.now()) / 60'000 + 1));
        }
      },
      [&s, a, reply, finish](std::exception_ptr err) {
        if (err) return reply(error_response({503, "unavailable", "the store is not answering; try again"}));
        if (!a->user) {
          if (const auto minutes = s.login_failures.unknown_locked_minutes(a->login, std::chrono::steady_clock::now())) {
            a->out = refuse(429, "locked", locked_message(minutes));
          }
        }
        if (a->out.refused) {
          s.metrics.count(denied, denied_help, {{"reason", "login"}});
          return reply(error_response(*a->out.refused));
        }
        // Second step, off the store's thread: the password against its hash (or a stand-in).
        s.password_checks.post([a, finish] {
          static const std::string stand_in = auth::hash_password("no such user, same cost");
          a->matched = auth::password_matches(a->user ? a->user->password_hash : stand_in, a->password) && a->user;
          a->password.clear();
          finish();
        });
      },
      store::durability::commit);
}

// The OpenAPI 3.1 document, from the same list the router uses.
json openapi() {
  json paths = json::object();
  const json error_schema{{"type", "object"},
                          {"properties",
                           {{"error",
                             {{"type", "object"},
                              {"properties",
                               {{"code", {{"type", "string"}}},
                                {"message", {{"type", "string"}}},
                                {"field", {{"type", "string"}}}}},
                              {"required", {"code", "message"}}}}}},
                          {"required", {"error"}}};
  for (const auto& r : routes()) {
    std::string method(r.method);
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char ch) { return std::tolower(ch); });
    json op{{"summary", r.summary},
            {"security", json::array({json{{"token", json::array()}}, json{{"session", json::array()}}})},
            {"x-roles", r.roles},
            {"responses",
             {{r.creates ? "201" : "200", {{"description", r.creates ? "made" : "done"}}},
              {"400", {{"description", "bad input, the field named"},
                       {"content", {{"application/json", {{"schema", error_schema}}}}}}},
              {"401", {{"description", "no token, or an unknown or revoked one"}}},
              {"429", {{"description", "the token calls too often (api.rate_per_token); Retry-After says when"}}},
              {"403", {{"description", "the token's role may not do this"}}},
              {"404", {{"description", "no such thing"}}},
              {"409", {{"description", "refused as things stand (full, stopped, nothing to roll back, …): the body says why"}}}}}};
    if (method == "put") op["responses"]["422"] = {{"description", "lint found problems: nothing published, the report says where"}};
    json parameters = json::array();
    static const std::regex path_value(R"(\{([a-z]+)\})");
    const std::string pattern(r.pattern);
    for (std::sregex_iterator it(pattern.begin(), pattern.end(), path_value), end; it != end; ++it) {
      const std::string name = (*it)[1];
      parameters.push_back(json{{"name", name},
                                {"in", "path"},
                                {"required", true},
                                {"schema", {{"type", name == "id" ? "integer" : "string"}}}});
    }
    for (const char* q : r.query) {
      parameters.push_back(json{{"name", q}, {"in", "query"}, {"required", false}, {"schema", {{"type", "string"}}}});
    }
    if (!parameters.empty()) op["parameters"] = std::move(parameters);
    if (!r.fields.empty()) {
      json props = json::object();
      for (const auto& [name, type] : r.fields) {
        const std::string_view t = type;
        props[name] = t == "array"     ? json{{"type", "array"}, {"items", {{"type", "string"}}}}
                      : t == "objects" ? json{{"type", "array"}, {"items", {{"type", "object"}}}}
                                       : json{{"type", type}};
      }
      json schema{{"type", "object"}, {"properties", props}, {"required", r.required}, {"additionalProperties", false}};
      json content;
      content["application/json"]["schema"] = std::move(schema);
      op["requestBody"] = {{"required", !r.required.empty()}, {"content", std::move(content)}};
    }
    paths[r.pattern][method] = op;
  }
  json login_schema{{"type", "object"},
                    {"properties", {{"login", {{"type", "string"}}}, {"password", {{"type", "string"}}}}},
                    {"required", {"login", "password"}},
                    {"additionalProperties", false}};
  json login_content;
  login_content["application/json"]["schema"] = std::move(login_schema);
  paths["/api/v1/session"]["post"] = {
      {"summary", "Log in to the console: a session cookie, and the X-CSRF-Token value its changes must carry"},
      {"security", json::array()},
      {"x-roles", json::array()},
      {"requestBody", {{"required", true}, {"content", std::move(login_content)}}},
      {"responses",
       {{"201", {{"description", "logged in; Set-Cookie carries the session"}}},
        {"400", {{"description", "bad input, the field named"}}},
        {"401", {{"description", "the login or the password is wrong"}}},
        {"429", {{"description", "too many tries from this address, or the login is locked for a while"}}}}}};
  return json{{"openapi", "3.1.0"},
              {"info", {{"title", "Paygham"}, {"version", "1"}}},
              {"paths", paths},
              {"components",
               {{"securitySchemes",
                 {{"token", {{"type", "http"}, {"scheme", "bearer"}}},
                  {"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", session_cookie}}}}}}}};
}

}  // namespace

background::background() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (true) {
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      auto fn = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      fn();
      lock.lock();
    }
  });
}

void background::post(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(fn));
  }
  wake_.notify_one();
}

void background::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

namespace {
constexpr int pair_tries = 5;
constexpr auto pair_lock = std::chrono::minutes(15);
std::string pair_key(const std::string& login, const std::string& ip) { return login + '\n' + ip; }
// No address has a '\n' in it: the key of a login tried from every address together.
std::string everywhere_key(const std::string& login) { return login + "\n\n"; }
}  // namespace

long long login_guard::minutes_left(const std::string& key, time_point now) {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(key);
  if (it == entries_.end() || it->second.until <= now) return 0;
  return std::chrono::duration_cast<std::chrono::minutes>(it->second.until - now).count() + 1;
}

bool login_guard::count(const std::string& key, int tries, std::chrono::minutes lock_for, time_point now) {
  std::lock_guard lock(mu_);
  if (entries_.size() > 10'000) {
    // Many logins tried: forget what is not locked (a few counts lost at most).
    for (auto it = entries_.begin(); it != entries_.end();) it = it->second.until > now ? std::next(it) : entries_.erase(it);
  }
  entry& e = entries_[key];
  if (++e.failures < tries) return false;
  e.failures = 0;
  e.until = now + lock_for;
  return true;
}

long long login_guard::locked_minutes(const std::string& login, const std::string& ip, time_point now) {
  return minutes_left(pair_key(login, ip), now);
}

bool login_guard::failed(const std::string& login, const std::string& ip, time_point now) {
  return count(pair_key(login, ip), pair_tries, pair_lock, now);
}

long long login_guard::unknown_locked_minutes(const std::string& login, time_point now) {
  return minutes_left(everywhere_key(login), now);
}

void login_guard::unknown_failed(const std::string& login, time_point now) {
  count(everywhere_key(login), everywhere_tries, everywhere_lock, now);
}

void login_guard::succeeded(const std::string& login, const std::string& ip) {
  std::lock_guard lock(mu_);
  entries_.erase(pair_key(login, ip));
}

bool token_limits::take(const std::string& token_hash, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  const double burst = 2 * rate_;
  if (buckets_.size() > 10'000) {
    // Many tokens presented (most of them wrong): forget the full buckets, which lose nothing.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      const double idle = std::chrono::duration<double>(now - it->second.at).count();
      it = it->second.tokens + idle * rate_ >= burst ? buckets_.erase(it) : std::next(it);
    }
  }
  auto [it, fresh] = buckets_.try_emplace(token_hash, bucket{burst, now});
  bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(burst, b.tokens + std::chrono::duration<double>(now - b.at).count() * rate_);
    b.at = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

void add_rest_routes(http::router& router, services& s) {
  for (const auto& r : routes()) {
    router.add(r.method, r.pattern,
               [&s, &r](core::http_request& req, const http::params& values, http::reply_fn reply) {
                 serve(s, r, req, values, uncached(std::move(reply)));
               });
  }
  router.add("POST", "/api/v1/session", [&s](core::http_request& req, const http::params&, http::reply_fn reply) {
    log_in(s, req, uncached(std::move(reply)));
  });
  router.add("GET", "/api/v1/openapi.json",
             [doc = openapi().dump(2)](core::http_request&, const http::params&, http::reply_fn reply) {
               reply(core::json_response(200, doc));
             });
}

}  // namespace paygham::api
