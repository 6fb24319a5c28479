// R-S12: a person's own PIN for the USSD screens that show their visits, offered after booking a
// service whose texts never name the care (the clinics file's `neutral_services`: counselling)
// for themselves. Someone else holding a shared phone then cannot open My visits. Only a hash is
// stored (auth/pin.hpp); every action clears the typed PIN from the run's variables. By SMS a
// PIN is never asked for: it would stay in the phone's sent messages.
//
//   appointments.pin        [service, for | booking] → set; locked (for 30 minutes); blocked
//                                            (until an operator clears it); offer (no PIN, over
//                                            USSD, and args.service is a neutral service booked
//                                            for args.for self, or args.booking is such a visit
//                                            of the person's); none
//   appointments.pin_check  pin          → ok (or no PIN set); wrong {pin_tries}; locked; blocked
//   appointments.pin_new    pin          → ok {chosen_pin: a hash of it}; weak (one digit
//                                          repeated, a run, the end of the number); invalid (not
//                                          4 digits)
//   appointments.pin_set    again, chosen → ok (the person's PIN now); differ
#include "gateway/actions/action.hpp"
#include "gateway/auth/pin.hpp"
#include "gateway/core/log.hpp"
#include "gateway/schedule/clinics.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::actions {

namespace {

const char* outcome_of(auth::pin_try::result r) {
  switch (r) {
    case auth::pin_try::result::ok: return "ok";
    case auth::pin_try::result::wrong: return "wrong";
    case auth::pin_try::result::locked: return "locked";
    case auth::pin_try::result::blocked: return "blocked";
  }
  return "error";
}

}  // namespace

flow::action_result appointments_pin(store::tx& t, const request& r) {
  const auto pin = t.find_visit_pin(r.contact_id);
  if (!pin.hash.empty()) {
    if (auth::pin_blocked(pin.failed, auth::visit_pin_lockouts)) return {"blocked", {}};
    return {pin.locked_until > t.now() ? "locked" : "set", {}};
  }
  if (r.by_sms || r.clinics == nullptr) return {"none", {}};
  const auto neutral = [&](std::string_view service) { return !service.empty() && r.clinics->neutral_only(service); };
  // Only for the person's own visit: a PIN set while booking for someone else would close the
  // phone owner's visits to them.
  if (const std::string service = r.arg("service"); !service.empty()) {
    return {neutral(service) && r.arg("for") == "self" ? "offer" : "none", {}};
  }
  // Keeping such a visit in My visits (args.booking): offered again (it was declined, or the
  // session dropped before the PIN was typed twice, when nothing was set). Not for a visit of
  // someone else on the phone.
  const auto id = text::read_id(r.arg("booking"));
  const auto b = id ? t.find_booking(*id) : std::nullopt;
  const bool theirs = b && b->contact_id == r.contact_id && b->status == store::booking_status::booked &&
                      b->for_whom == "self" && neutral(b->service);
  return {theirs ? "offer" : "none", {}};
}

flow::action_result appointments_pin_check(store::tx& t, const request& r) {
  std::map<std::string, std::string> vars{{"pin", ""}};  // never left in the run
  const auto pin = t.find_visit_pin(r.contact_id);
  if (pin.hash.empty()) return {"ok", vars};
  if (r.by_sms) return {"locked", vars};
  const auto tried = auth::try_pin(pin.hash, pin.failed, pin.locked_until, r.arg("pin"), t.now(), auth::visit_pin_lockouts);
  if (tried.changed) t.set_visit_pin_failures(r.contact_id, tried.failed, tried.locked_until);
  if (tried.outcome == auth::pin_try::result::locked || tried.outcome == auth::pin_try::result::blocked) {
    core::log::warn("visit_pin.locked", {{"contact", r.contact_id}, {"in_a_row", tried.failed},
                                         {"until_cleared", tried.outcome == auth::pin_try::result::blocked}});
  }
  if (tried.outcome == auth::pin_try::result::wrong) vars["pin_tries"] = std::to_string(tried.tries_left);
  return {outcome_of(tried.outcome), vars};
}

flow::action_result appointments_pin_new(store::tx&, const request& r) {
  std::map<std::string, std::string> vars{{"pin", ""}, {"chosen_pin", ""}};
  if (r.by_sms) return {"error", vars};
  const auto pin = auth::read_pin(r.arg("pin"));
  if (!pin || pin->size() != 4) return {"invalid", vars};
  if (!auth::weak_pin(*pin, r.phone).empty()) return {"weak", vars};
  vars["chosen_pin"] = auth::hash_pin(*pin);  // the run keeps a hash, never the digits
  return {"ok", vars};
}

flow::action_result appointments_pin_set(store::tx& t, const request& r) {
  std::map<std::string, std::string> vars{{"again", ""}, {"chosen_pin", ""}};
  const std::string chosen = r.arg("chosen");
  if (r.by_sms || chosen.empty()) return {"error", vars};
  const auto again = auth::read_pin(r.arg("again"));
  if (!again || !auth::pin_matches(chosen, *again)) return {"differ", vars};
  t.set_visit_pin(r.contact_id, chosen);
  core::log::info("visit_pin.set", {{"contact", r.contact_id}});
  return {"ok", vars};
}

}  // namespace paygham::actions
