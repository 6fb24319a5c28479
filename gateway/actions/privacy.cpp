// privacy.notice → new / given: whether the person has been told who keeps their number, why,
// for how long and how to stop (R-D7), for the flow's programme. `new` notes the day in the
// contact field notice_<programme> (the flow's id when it has none), so each programme tells a
// person once, and again after they had their data deleted; never while nothing can reach them,
// and not twice in a day (a second programme's that day is noted as told).
//
// privacy.erase → ok: the person asked, over USSD or SMS, that what Paygham holds about them be
// deleted (R-D6). It is erased as an admin's erasure is (store::tx::erase_contact: a stop they
// made stays as a hash, R-S7) by a job due at once, after this step's own writes.
#include "gateway/actions/privacy.hpp"

#include "gateway/actions/action.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/store/tx.hpp"

namespace paygham::actions {

namespace {
constexpr std::string_view notice_field = "notice_";  // + the programme
}  // namespace

flow::action_result privacy_erase(store::tx& t, const request& r) {
  t.add_job(erase_request::kind, t.now(), erase_request{r.contact_id}.json());
  return {"ok", {}};
}

flow::action_result privacy_notice(store::tx& t, const request& r) {
  const auto who = t.find_contact(r.contact_id);
  if (!who) return {"error", {}};
  const std::string programme = r.programme.empty() ? r.flow_id : r.programme;
  // Nothing would reach a person who stopped the programme (or everything) or whose number
  // fails: nothing is noted either, so the notice goes with their next enrolment after START.
  if (who->unreachable || t.stopped(who->id, programme)) return {"given", {}};
  const std::string field = std::string(notice_field) + programme;
  if (const auto it = who->fields.find(field); it != who->fields.end() && !it->second.empty()) return {"given", {}};
  const auto day = schedule::local_day(t.now(), r.time_zone);
  const std::string today = schedule::day_text(day.value_or(t.now() / 86'400'000));
  flow::action_result told{"new", {{std::string(flow::contact_prefix) + field, today}}};
  // The notice names no programme: one a day is enough (a booking and an enrolment the same
  // day), this programme noted as told with it.
  for (const auto& [name, value] : who->fields) {
    if (name.rfind(notice_field, 0) == 0 && value == today) told.outcome = "given";
  }
  return told;
}

}  // namespace paygham::actions
