// The runner: what the USSD, SMS and clock paths share (content, languages, settling actions,
// writing a step's effects).
#include "gateway/runner/internal.hpp"

#include "gateway/actions/action.hpp"
#include "gateway/core/log.hpp"
#include "gateway/phone/phone.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/text/format.hpp"

namespace paygham::runner {

using namespace detail;

runner::runner(std::shared_ptr<const content> c, settings s, const actions::registry* actions)
    : content_(std::move(c)),
      settings_(std::move(s)),
      gateway_values_(gateway_values(settings_)),
      actions_(actions ? actions : &actions::registry::builtin()) {
  for (const auto& [region, number] : settings_.emergency_numbers) {
    auto& values = regional_values_[region];
    values = gateway_values_;
    values["emergency"] = number;
  }
}

const std::map<std::string, std::string, std::less<>>& runner::gateway_values_for(std::string_view phone) const {
  if (regional_values_.empty()) return gateway_values_;
  const auto it = regional_values_.find(phone::region_of(phone));
  return it == regional_values_.end() ? gateway_values_ : it->second;
}

std::map<std::string, std::string, std::less<>> gateway_values(const settings& s) {
  std::map<std::string, std::string, std::less<>> values;
  if (!s.emergency_number.empty()) values.emplace("emergency", s.emergency_number);
  return values;
}

const flow::definition* content::pinned(std::string_view id, std::string_view hash) const {
  if (auto it = versions.find(hash); it != versions.end() && it->second->id == id) {
    return it->second.get();
  }
  return flows.by_id(id);
}

void runner::reload(std::shared_ptr<content> c) {
  std::lock_guard lock(mu_);
  // Every version a run may still be on stays reachable by its hash.
  c->versions = content_->versions;
  for (const auto& f : content_->flows.all()) c->versions.emplace(f->hash, f);
  content_ = std::move(c);
}

std::shared_ptr<const content> runner::current() const {
  std::lock_guard lock(mu_);
  return content_;
}

std::vector<std::string> runner::languages_for(const std::string& contact_language,
                                               const std::map<std::string, std::string>& fields) const {
  std::vector<std::string> order{contact_language};
  // Languages read after one's own: none before the person has one.
  if (const auto own = fields.find(std::string(text::fallback_field)); own != fields.end() && !contact_language.empty()) {
    for (auto& l : text::fallback_languages(own->second)) order.push_back(std::move(l));
  }
  order.push_back(settings_.default_language);
  order.push_back("en");
  std::vector<std::string> langs;
  for (const std::string& given : order) {
    // A person's language is never a script ("prs-Latn" is how prs looks on some routes).
    const std::string l(text::spoken_language(given));
    if (!l.empty() && std::find(langs.begin(), langs.end(), l) == langs.end()) langs.push_back(l);
  }
  return langs;
}

std::vector<std::string> runner::screen_languages(std::string_view channel, const std::string& contact_language,
                                                  const std::map<std::string, std::string>& fields) const {
  const auto langs = languages_for(contact_language, fields);
  return text::route_of(settings_.ussd_routes, channel).screen.ucs2 ? langs : current()->texts.in_latin_letters(langs);
}

void runner::use_language(flow::context& ctx, const std::string& contact_language) const {
  ctx.langs = languages_for(contact_language, ctx.contact);
  ctx.months = months_of(ctx.contact, ctx.langs.front(), ctx.timezone);
  ctx.sms_langs.clear();
  // (`fallback: digits` draws the screens in the person's language, then sends them by SMS.)
  if (ctx.via == flow::medium::ussd && !ctx.screen.ucs2 && ctx.screen.without_ucs2 == text::screen_limits::fallback::latin) {
    ctx.sms_langs = ctx.langs;
    ctx.langs = ctx.texts->in_latin_letters(ctx.langs);
  }
}

flow::context runner::context_for(const content& c, flow::medium via, const store::contact& who,
                                  core::unix_ms now) const {
  flow::context ctx;
  ctx.via = via;
  ctx.langs = languages_for(who.language, who.fields);
  ctx.texts = &c.texts;
  ctx.explicit_texts = who.explicit_texts;
  ctx.words = &c.words;
  // The content outlives the context, as its texts do: both are held for one step.
  ctx.in_danger = [&c](std::string_view t) { return someone_hurt(c, t); };
  ctx.timezone = time_zone(who.phone);
  ctx.months = months_of(who.fields, ctx.langs.front(), ctx.timezone);
  ctx.region = settings_.region;
  ctx.now_ms = now;
  ctx.contact = who.fields;
  ctx.gateway = &gateway_values_for(who.phone);
  return ctx;
}

std::string runner::text_for(const store::contact& who, std::string_view key) const {
  return say(*current(), key, who);
}

std::string runner::time_zone(std::string_view e164) const {
  // A number's own country, when it has one zone (+98 Tehran, +93 Kabul): a person who moved
  // home has their clock with them.
  const std::string region = phone::region_of(e164);
  thread_local std::map<std::string, std::string> zones;
  auto it = zones.find(region);
  if (it == zones.end()) it = zones.emplace(region, text::country_zone(region)).first;
  return it->second.empty() ? settings_.timezone : it->second;
}

schedule::sending_hours sending_hours_of(const settings& s, std::string_view programme) {
  const auto it = s.programme_quiet.find(programme);
  return it == s.programme_quiet.end() ? s.quiet : it->second;
}

namespace {

// A programme's quiet hours as an action reads them (actions::request::programme_quiet).
std::pair<int, int> quiet_window(const settings& s, std::string_view programme) {
  const auto h = sending_hours_of(s, programme);
  return {h.quiet_from, h.quiet_to};
}

}  // namespace

core::unix_ms runner::sending_time(core::unix_ms at, const store::contact& who, std::string_view programme,
                                   std::string_view zone, bool quiet_days) const {
  schedule::sending_hours hours = sending_hours_of(settings_, programme);
  if (!quiet_days) {
    hours.quiet_days = 0;
    hours.quiet_holidays = false;
    hours.quiet_iftar = false;
  }
  if (hours.quiet_holidays || hours.quiet_iftar) {
    const std::string country = phone::region_of(who.phone);
    const auto days = settings_.holidays.find(country);
    hours.holidays = days == settings_.holidays.end() ? nullptr : &days->second;
    const auto ramadans = settings_.iftar.find(country);
    hours.iftar = ramadans == settings_.iftar.end() ? nullptr : &ramadans->second;
  }
  // The person's own window replaces the programme's; its quiet days stay.
  if (const auto own = schedule::day_window(who.quiet_hours)) {
    hours.quiet_from = own->first;
    hours.quiet_to = own->second;
  }
  return schedule::next_sending_time(at, zone.empty() ? time_zone(who.phone) : std::string(zone), hours);
}

std::string runner::say(const content& c, std::string_view key, const store::contact& who,
                        const std::map<std::string, std::string>& values) const {
  const text::entry* e = c.texts.resolve(key, languages_for(who.language, who.fields), who.explicit_texts);
  if (!e) return {};
  const text::formatter fmt(e->lang, time_zone(who.phone),
                            months_of(who.fields, languages_for(who.language, who.fields).front(), time_zone(who.phone)));
  const auto& gateway = gateway_values_for(who.phone);
  return text::render(
      e->text,
      [&](std::string_view name) -> std::optional<std::string> {
        if (auto it = gateway.find(name); it != gateway.end()) return it->second;
        if (auto it = values.find(std::string(name)); it != values.end()) return it->second;
        return std::nullopt;
      },
      &fmt);
}

flow::action_result runner::act_as(store::tx& tx, const std::string& phone, std::string_view flow_id,
                                   std::string_view action, std::map<std::string, std::string> args,
                                   const std::string& channel_id) const {
  const actions::action* a = actions_->find(action);
  if (!a) return {"error", {}};
  const auto c = current();
  const auto self = phone.empty() ? store::contact{} : tx.upsert_contact(phone);
  const flow::definition* f = c->flows.by_id(flow_id);
  const std::string programme = f ? f->programme : std::string();
  const actions::request req{std::move(args),
                             self.id,
                             phone,
                             0,
                             channel_id,
                             std::string(flow_id),
                             programme,
                             phone.empty() ? settings_.timezone : time_zone(phone),
                             languages_for(self.language, self.fields).front(),
                             &c->clinics,
                             settings_.resume_window_ms,
                             [this](std::string_view p) { return time_zone(p); },
                             settings_.region,
                             false,
                             [&](core::unix_ms at) { return sending_time(at, self, programme); },
                             months_of(self.fields, languages_for(self.language, self.fields).front(),
                                       phone.empty() ? settings_.timezone : time_zone(phone)),
                             &c->districts,
                             quiet_window(settings_, programme)};
  flow::action_result result{"error", {}};
  const std::string failed = tx.attempt([&] { result = a->run(tx, req); });
  if (!failed.empty()) {
    result = {"error", {}};
    core::log::error("action.failed", {{"flow", std::string(flow_id)}, {"action", std::string(action)}, {"error", failed}});
  }
  return result;
}

void runner::settle(store::tx& tx, const content& c, step& s) const {
  while (s.out.action && s.out.error.empty()) {
    const flow::action_call call = *s.out.action;
    if (s.r.id == 0) {
      // An action may refer to the run (the inbox does): it must exist first.
      s.r.status = store::run_status::active;
      s.r.state = to_json(s.out.next);
      tx.save_run(s.r);
    }
    flow::action_result result{"error", {}};
    if (const actions::action* a = actions_->find(call.name)) {
      const actions::request req{call.args,
                                 s.who.id,
                                 s.who.phone,
                                 s.r.id,
                                 s.r.channel_id,
                                 s.f->id,
                                 s.f->programme,
                                 time_zone(s.who.phone),
                                 s.ctx.langs.front(),
                                 &c.clinics,
                                 settings_.resume_window_ms,
                                 [this](std::string_view phone) { return time_zone(phone); },
                                 settings_.region,
                                 s.ctx.via == flow::medium::sms,
                                 [this, &s](core::unix_ms at) { return sending_time(at, s.who, s.f->programme); },
                                 s.ctx.months,
                                 &c.districts,
                                 quiet_window(settings_, s.f->programme)};
      const std::string failed = tx.attempt([&] { result = a->run(tx, req); });
      if (!failed.empty()) {
        result = {"error", {}};
        core::log::error("action.failed", {{"flow", s.f->id}, {"action", call.name}, {"error", failed}});
      }
    } else {
      core::log::error("action.unknown", {{"flow", s.f->id}, {"action", call.name}});
    }
    adopt_language(tx, s, result);
    for (const auto& [k, v] : s.out.contact) s.ctx.contact[k] = v;
    flow::append(s.out, flow::after_action(*s.f, s.out.next, result, s.ctx));
  }
}

void runner::adopt_language(store::tx& tx, step& s, flow::action_result& result) const {
  const auto it = result.vars.find(std::string(flow::contact_prefix) + "language");
  if (it == result.vars.end()) return;
  // The person's language, not a field: what the flow says next is said in it.
  if (!it->second.empty()) {
    s.who.language = it->second;
    tx.set_contact_language(s.who.id, s.who.language);
    use_language(s.ctx, s.who.language);
  }
  result.vars.erase(it);
}

std::size_t runner::commit(store::tx& tx, step& s) const {
  if (!s.out.error.empty()) {
    core::log::error("flow.error", {{"flow", s.f->id}, {"error", s.out.error}});
  }
  const bool sms = s.r.medium == store::medium::sms;
  const bool was_waiting = s.r.status == store::run_status::waiting;
  s.r.status = !s.out.error.empty() ? store::run_status::failed
               : s.out.finished     ? store::run_status::completed
               : sms                ? store::run_status::waiting
                                    : store::run_status::active;
  if (s.r.status == store::run_status::completed || s.r.status == store::run_status::failed) {
    s.out.next.vars.clear();  // what was answered goes with the run's end (end_run)
    forget_answers(s.r);
  }
  s.r.state = to_json(s.out.next);
  tx.set_contact_fields(s.who.id, s.out.contact);
  tx.save_run(s.r);
  // Answered (or let go): a question that waited its turn goes now (waits_turn).
  if (was_waiting && s.r.status != store::run_status::waiting) tx.wake_turn_jobs(s.who.id);
  if (s.r.status == store::run_status::waiting && s.who.language_asked_at != 0) {
    // A question by SMS takes over the phone: a bare «۱» now answers it, not the list of
    // languages or the letters check asked before (language_change).
    tx.set_language_asked(s.who.id, 0, {});
    s.who.language_asked_at = 0;
  }
  if (s.out.timeout_at > 0) {
    // A promise to come back to the person: it must survive power loss.
    tx.require_disk();
    const bool reply = !s.unprompted && s.out.timeout_at - tx.now() <= reply_wait_ms;
    tx.add_job(timeout_job::kind, s.out.timeout_at,
               timeout_job{s.r.id, s.out.next.asked, reply}.json());
  } else if (sms && s.r.status == store::run_status::waiting && settings_.answer_retention_ms > 0) {
    tx.add_job(timeout_job::let_go_kind, tx.now() + settings_.answer_retention_ms,
               timeout_job{s.r.id, s.out.next.asked}.json());
  }
  if (!sms && !s.out.finished && s.f->continue_by_sms) {
    // If no hop comes before the session would have dropped, the question goes by SMS.
    tx.add_job(drop_job::kind, tx.now() + text::route_of(settings_.ussd_routes, s.r.channel_id).session_timeout_ms, drop_job{s.r.id, s.r.updated_at}.json());
  }
  // A reply goes at once; what nobody is waiting for waits for the contact's morning (R-S8).
  const core::unix_ms not_before = s.unprompted ? sending_time(tx.now(), s.who, s.f->programme) : 0;
  const auto queue = [&](std::string body, bool even_if_stopped) {
    store::new_message m{s.r.channel_id, s.who.id, s.r.id, s.who.phone, std::move(body),
                         s.urgent    ? core::priority::alert
                         : s.routine ? core::priority::bulk
                                     : core::priority::reply};
    m.not_before = not_before;
    m.programme = s.f->programme;
    m.series_id = s.series_id;
    m.even_if_opted_out = even_if_stopped;
    tx.queue_message(m);
  };
  // `send` steps: an SMS over either medium, on the channel the person came by.
  for (auto& m : s.out.sends) queue(std::move(m.body), m.even_if_stopped);
  const std::size_t screens = s.screen_sms.empty() ? 0 : 1;
  if (screens) queue(std::move(s.screen_sms), true);
  if (!sms) return s.out.sends.size() + screens;
  for (auto& body : s.out.messages) queue(std::move(body), false);
  return s.out.messages.size() + s.out.sends.size() + screens;
}

std::string runner::error_text(std::string_view channel) const {
  return fallback_text(*current(), flow::keys::error, screen_languages(channel, ""),
                       "Sorry, something went wrong. Please try again later.");
}

std::string runner::try_again_text(std::string_view channel) const {
  return fallback_text(*current(), flow::keys::try_again, screen_languages(channel, ""),
                       "Sorry, this is taking too long. Please dial again.");
}

}  // namespace paygham::runner
