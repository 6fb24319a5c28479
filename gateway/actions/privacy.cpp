// privacy.notice → new / given: whether the person has been told who keeps their number, why,
// for how long and how to stop (R-D7), for the flow's programme. `new` notes the day in the
// contact field notice_<programme> (the flow's id when it has none), so each programme tells a
// person once, and again after they had their data deleted; never while nothing can reach them
// (it is then noted as owed, ""), and not twice in a day (a second programme's that day is
// noted as told by the first: "2026-12-04 appointments"). A stop forgets the notices of what it
// stopped (forget_notices): the notice may have gone unsent with the programme's other messages.
// Taking the stop back (12, or 1 on the stopped programme's menu) tells them again at once
// (notice_again): what still waits of the programme would otherwise go without it. A programme
// told by the stopped one's notice while a message of that one waited to go is told again at
// once, when it goes on (notice_job).
//
// privacy.erase → ok: the person asked, over USSD or SMS, that what Paygham holds about them be
// deleted (R-D6). It is erased as an admin's erasure is (store::tx::erase_contact: a stop they
// made stays as a hash, R-S7) by a job due at once, after this step's own writes.
#include "gateway/actions/privacy.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

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

// The programme whose notice went to the person today, other than `programme`: one a day is
// enough (the notice names no programme). Empty: none went today.
std::string told_today(const store::contact& who, std::string_view programme, const std::string& today) {
  for (const auto& [name, value] : who.fields) {
    if (name.rfind(notice_field, 0) != 0 || value.empty()) continue;
    const std::string_view of = std::string_view(name).substr(notice_field.size());
    const auto n = read_noted(of, value);
    if (of != programme && n.day == today && n.by != programme) return std::string(n.by);
  }
  return {};
}

std::string today_for(store::tx& t, const std::string& time_zone) {
  return schedule::day_text(schedule::local_day(t.now(), time_zone).value_or(t.now() / 86'400'000));
}

}  // namespace

flow::action_result privacy_erase(store::tx& t, const request& r) {
  t.add_job(erase_request::kind, t.now(), erase_request{r.contact_id}.json());
  return {"ok", {}};
}

void forget_notices(store::tx& t, const store::contact& who, std::string_view programme,
                    const std::string& channel) {
  std::map<std::string, std::string> forgotten;
  std::optional<bool> waiting;  // whether a message of `programme` waits to go: asked once
  std::string tell;             // a programme its notice told that still reaches the person
  for (const auto& [name, value] : who.fields) {
    if (name.rfind(notice_field, 0) != 0 || value.empty()) continue;
    const std::string_view of = std::string_view(name).substr(notice_field.size());
    if (programme.empty() || of == programme) {
      forgotten[name] = "";
      continue;
    }
    if (read_noted(of, value).by != programme) continue;
    if (!waiting) waiting = t.has_waiting(who.id, programme);
    if (!*waiting) continue;
    forgotten[name] = "";
    if (tell.empty() && !t.stopped(who.id, of)) tell = of;
  }
  if (!forgotten.empty()) t.set_contact_fields(who.id, forgotten);
  // One notice tells them of every programme (it names none): notice_again notes the others.
  if (!tell.empty() && !channel.empty())
    t.add_job(notice_job::kind, t.now(), notice_job{who.id, tell, channel}.json());
}

flow::action_result privacy_notice(store::tx& t, const request& r) {
  const auto who = t.find_contact(r.contact_id);
  if (!who) return {"error", {}};
  const std::string programme = r.programme.empty() ? r.flow_id : r.programme;
  const std::string field = std::string(notice_field) + programme;
  const std::string key = std::string(flow::contact_prefix) + field;
  if (const auto it = who->fields.find(field); it != who->fields.end() && !it->second.empty()) return {"given", {}};
  // Nothing would reach a person who stopped the programme (or everything) or whose number
  // fails: the notice is noted as owed, so it goes when they take the stop back (START), or
  // with their next enrolment.
  if (who->unreachable || t.stopped(who->id, programme)) return {"given", {{key, ""}}};
  const std::string today = today_for(t, r.time_zone);
  // The notice names no programme: one a day is enough (a booking and an enrolment the same
  // day), this programme noted as told with it.
  if (const std::string by = told_today(*who, programme, today); !by.empty()) {
    return {"given", {{key, today + " " + by}}};
  }
  return {"new", {{key, today}}};
}

bool notice_again(store::tx& t, std::int64_t contact_id, std::string_view taken_back, const std::string& time_zone) {
  const auto who = t.find_contact(contact_id);
  if (!who || who->unreachable || who->opted_out) return false;
  // The programmes whose notice a stop forgot and which reach the person again.
  std::vector<std::string> owed;
  for (const auto& [name, value] : who->fields) {
    if (name.rfind(notice_field, 0) != 0 || !value.empty()) continue;
    if (std::string programme = name.substr(notice_field.size()); !t.stopped(who->id, programme)) {
      owed.push_back(std::move(programme));
    }
  }
  const bool taken_back_owed = std::find(owed.begin(), owed.end(), taken_back) != owed.end();
  if (owed.empty() || (!taken_back.empty() && !taken_back_owed)) return false;
  const std::string today = today_for(t, time_zone);
  const std::string earlier = told_today(*who, taken_back, today);
  // Noted as told by the programme taken back (the SMS a 12 sends is its message), so a stop of
  // it, which cancels that SMS if still unsent, forgets them again; after STOP ALL, by their own.
  const std::string by = earlier.empty() ? std::string(taken_back) : earlier;
  std::map<std::string, std::string> noted;
  for (const auto& programme : owed) {
    noted[std::string(notice_field) + programme] = by.empty() || by == programme ? today : today + " " + by;
  }
  t.set_contact_fields(who->id, noted);
  return earlier.empty();
}

}  // namespace paygham::actions
