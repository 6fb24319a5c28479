// privacy.notice → new / given: whether the person has been told who keeps their number, why,
// for how long and how to stop (R-D7), for the flow's programme. `new` notes the day in the
// contact field notice_<programme> (the flow's id when it has none), so each programme tells a
// person once, and again after they had their data deleted; never while nothing can reach them,
// and not twice in a day (a second programme's that day is noted as told by the first:
// "2026-12-04 appointments"). A stop forgets the notices of what it stopped, and of what they
// told (forget_notices): the notice may have gone unsent with the programme's other messages.
//
// privacy.erase → ok: the person asked, over USSD or SMS, that what Paygham holds about them be
// deleted (R-D6). It is erased as an admin's erasure is (store::tx::erase_contact: a stop they
// made stays as a hash, R-S7) by a job due at once, after this step's own writes.
#include "gateway/actions/privacy.hpp"

#include <map>

#include "gateway/actions/action.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/store/tx.hpp"

namespace paygham::actions {

namespace {

constexpr std::string_view notice_field = "notice_";  // + the programme

// A notice_<programme> field: the day noted, and the programme whose SMS told the person: the
// programme's own ("2026-12-04"), or another's sent the same day ("2026-12-04 appointments").
struct noted {
  std::string_view day;
  std::string_view by;
};

noted read_noted(std::string_view programme, std::string_view value) {
  const auto space = value.find(' ');
  if (space == std::string_view::npos) return {value, programme};
  return {value.substr(0, space), value.substr(space + 1)};
}

}  // namespace

flow::action_result privacy_erase(store::tx& t, const request& r) {
  t.add_job(erase_request::kind, t.now(), erase_request{r.contact_id}.json());
  return {"ok", {}};
}

void forget_notices(store::tx& t, const store::contact& who, std::string_view programme) {
  std::map<std::string, std::string> forgotten;
  for (const auto& [name, value] : who.fields) {
    if (name.rfind(notice_field, 0) != 0 || value.empty()) continue;
    const std::string_view of = std::string_view(name).substr(notice_field.size());
    if (programme.empty() || of == programme || read_noted(of, value).by == programme) forgotten[name] = "";
  }
  if (!forgotten.empty()) t.set_contact_fields(who.id, forgotten);
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
  const std::string key = std::string(flow::contact_prefix) + field;
  // The notice names no programme: one a day is enough (a booking and an enrolment the same
  // day), this programme noted as told with it.
  for (const auto& [name, value] : who->fields) {
    if (name == field || name.rfind(notice_field, 0) != 0) continue;
    const auto n = read_noted(std::string_view(name).substr(notice_field.size()), value);
    if (n.day == today && n.by != programme) {
      return {"given", {{key, today + " " + std::string(n.by)}}};
    }
  }
  return {"new", {{key, today}}};
}

}  // namespace paygham::actions
