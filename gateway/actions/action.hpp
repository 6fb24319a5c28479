// Actions: the built-ins a flow's `action` node names. The engine stops at the node; the
// runner performs the action inside the hop's transaction and feeds its outcome back, so an
// action's writes commit (or roll back) with the step that asked for them.
//
// Adding one: a file in gateway/actions/ defining its function, and a line in
// registry.cpp. Its outcomes are names the flow routes on (`ok`, `full`, `error`, …);
// lint refuses an action name the registry does not know.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/clock.hpp"
#include "gateway/flow/engine.hpp"

namespace paygham::store {
class tx;
}
namespace paygham::schedule {
class clinic_list;
}
namespace paygham::text {
class district_table;
}

namespace paygham::actions {

struct request {
  std::map<std::string, std::string> args;  // from the node, variables filled in
  std::int64_t contact_id = 0;
  std::string phone;  // E.164
  std::int64_t run_id = 0;
  std::string channel_id;
  std::string flow_id;
  std::string programme;  // the flow's (`programme:`), "" for none
  std::string time_zone;  // the person's (their number's country's, else the deployment's)
  std::string language;   // the person's, for labels an action writes (a data menu's)
  const schedule::clinic_list* clinics = nullptr;  // the clinics file; null: none configured
  core::unix_ms hold_ms = 0;  // how long a choice made in a session is held (the resume window)
  // The time zone of another number (a patient a health worker enrols): its country's, else
  // the deployment's.
  std::function<std::string(std::string_view)> time_zone_of = {};
  std::string region;   // for numbers typed without a country code ("IR,AF": both)
  bool by_sms = false;  // the run goes on by SMS: nothing but the sender's number says who it is
  // R-S8: the first instant from `at` on that a routine message of the flow's programme may
  // reach the person (their sending hours, quiet days and holidays); empty: `at` itself.
  std::function<core::unix_ms(core::unix_ms)> sending_time = {};
  // The solar month names the person reads (R-L3), for the days an action writes.
  text::month_names months = text::month_names::by_language;
  // Each area's districts as people write them (the districts file, R-M1); null: none.
  const text::district_table* districts = nullptr;
  // The flow's programme's quiet hours for a number with none of its own (a patient a health
  // worker enrols), minutes of the day from and to (to < from: across midnight; equal: none).
  std::pair<int, int> programme_quiet = {0, 0};

  // args[name], or "" when the node does not give it.
  std::string arg(const char* name) const {
    const auto it = args.find(name);
    return it == args.end() ? std::string() : it->second;
  }
};

using handler = flow::action_result (*)(store::tx&, const request&);

struct action {
  std::string_view name;
  handler run;
  std::string_view about;  // one line, for `paygham lint` and docs
  // For lint: the args a node must give, and those that name a text to send (which must then
  // exist in every language, or a reminder would fail on the day it is due).
  std::vector<std::string_view> needs = {};
  std::vector<std::string_view> texts = {};
  // Args that name a node of the same flow (where a reminder starts), and whether the action
  // reads the clinics file: lint checks both before the flow goes live.
  std::vector<std::string_view> nodes = {};
  bool uses_clinics = false;
  // Ways of giving what else it needs, one of which a node must give whole: {{day, time}, {slot}}.
  std::vector<std::vector<std::string_view>> needs_one_way = {};
  // The texts its data menu shows (by key, not by argument), and the variable it sets to that
  // menu: lint checks every language has them, and that a page of them fits a USSD screen.
  std::vector<std::string_view> shows = {};
  std::string_view menu = {};
  // The outcome after which the run speaks with a health worker on their own phone, not with a
  // patient (a PIN or a worker's number checked): lint's R-S10 check of what a conversation by
  // SMS says stops there.
  std::string_view staff = {};
};

class registry {
 public:
  // The built-ins (registry.cpp).
  static const registry& builtin();

  void add(action a) { actions_.push_back(a); }
  const action* find(std::string_view name) const;
  const std::vector<action>& all() const { return actions_; }

 private:
  std::vector<action> actions_;
};

// "1,4,8" (an action's days argument): days from today, each 1–366, in increasing order, at
// most 52; nullopt otherwise.
std::optional<std::vector<int>> read_days(const std::string& list);

// The built-ins, one file each.
flow::action_result inbox_save(store::tx& t, const request& r);
flow::action_result inbox_may_call(store::tx& t, const request& r);
flow::action_result inbox_someone_hurt(store::tx& t, const request& r);
flow::action_result reminders_daily(store::tx& t, const request& r);
flow::action_result reminders_antenatal(store::tx& t, const request& r);
flow::action_result messages_later(store::tx& t, const request& r);
flow::action_result appointments_people(store::tx& t, const request& r);
flow::action_result appointments_clinics(store::tx& t, const request& r);
flow::action_result appointments_days(store::tx& t, const request& r);
flow::action_result appointments_times(store::tx& t, const request& r);
flow::action_result appointments_hold(store::tx& t, const request& r);
flow::action_result appointments_book(store::tx& t, const request& r);
flow::action_result appointments_soon(store::tx& t, const request& r);
flow::action_result appointments_to_call(store::tx& t, const request& r);
flow::action_result appointments_mine(store::tx& t, const request& r);
flow::action_result appointments_pin(store::tx& t, const request& r);
flow::action_result appointments_pin_check(store::tx& t, const request& r);
flow::action_result appointments_pin_new(store::tx& t, const request& r);
flow::action_result appointments_pin_set(store::tx& t, const request& r);
flow::action_result privacy_erase(store::tx& t, const request& r);
flow::action_result privacy_notice(store::tx& t, const request& r);
flow::action_result appointments_cancel(store::tx& t, const request& r);
flow::action_result appointments_visited(store::tx& t, const request& r);
flow::action_result appointments_answered(store::tx& t, const request& r);
flow::action_result appointments_visit(store::tx& t, const request& r);
flow::action_result subscriptions_add(store::tx& t, const request& r);
flow::action_result subscriptions_transfer_code(store::tx& t, const request& r);
flow::action_result subscriptions_transfer(store::tx& t, const request& r);
flow::action_result subscriptions_lessons(store::tx& t, const request& r);
flow::action_result subscriptions_check(store::tx& t, const request& r);
flow::action_result workers_identify(store::tx& t, const request& r);
flow::action_result workers_login(store::tx& t, const request& r);
flow::action_result workers_calls(store::tx& t, const request& r);
flow::action_result workers_forget(store::tx& t, const request& r);
flow::action_result workers_call(store::tx& t, const request& r);
flow::action_result workers_called(store::tx& t, const request& r);
flow::action_result workers_by_number(store::tx& t, const request& r);
flow::action_result workers_patient_number(store::tx& t, const request& r);
flow::action_result workers_enrol_command(store::tx& t, const request& r);
flow::action_result reminders_enrol(store::tx& t, const request& r);
flow::action_result reminders_ack(store::tx& t, const request& r);
flow::action_result reminders_missed(store::tx& t, const request& r);
flow::action_result reminders_check(store::tx& t, const request& r);
flow::action_result reminders_end(store::tx& t, const request& r);
flow::action_result reminders_call_me(store::tx& t, const request& r);
flow::action_result appointments_attend(store::tx& t, const request& r);

}  // namespace paygham::actions
