// inbox.save: what a person wrote (a hazard report, a question) goes to the human inbox,
// where a worker reads it (R-S3). args: text (required); tell_operators (optional): a node of
// the flow's `entries` started by SMS for every operator with a phone (`paygham user create
// --role operator --phone …`), with {reference} and {report} (the text, cut to 120 letters):
// a hazard report reaches the people on duty (R-M4): within sending hours, or, with `urgent:
// "yes"` (someone is hurt), at once at any hour and first in the outbox; one urgent report an
// hour from a number, so nobody can wake every operator all night (the rest go within sending
// hours, still told). Sets `reference`: the item's number, for the person to quote.
// area (optional, a menu's value: the province): a second report of the flow from that area
// within 24 hours is flagged as possibly the same as the first (R-M4: flagged, never merged;
// "other" flags nothing), and the operators then get the node `tell_operators_again` (when
// given) instead, with {duplicate_of}: the first report's number. place (optional, the
// person's words): the district they name by the districts file is kept with the report, and
// two reports that each name one are flagged only when it is the same district. An operator
// with duty hours (`paygham user create --duty 08:00-16:00`) gets a report nobody is hurt in
// within them (at their start when it comes outside), an urgent one at once. someone_hurt
// (optional, "yes" or "no"): the person's answer, kept with the item for the operators to see.
//
// inbox.may_call: the answer to "may the team call you back?" about the person's own report
// `reference` (answer: "yes" or "no"), asked once it is saved so that no report waits on it:
// "yes" keeps their number with the report until store.reporter_retention after it is done
// (R-D3), and the console shows whether to call.
//
// inbox.someone_hurt: whether report `reference` says someone is hurt, now: for the operators'
// message of a report nobody was hurt in, which waits for their duty hours, when the person
// wrote of someone hurt after their "no" (runner::to_inbox).
#include <limits>

#include "gateway/actions/action.hpp"
#include "gateway/actions/flow_start.hpp"
#include "gateway/core/utf8.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/store/tx.hpp"
#include "gateway/text/districts.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::actions {
namespace {

constexpr core::unix_ms urgent_spacing_ms = 3'600'000;  // an urgent report from a number an hour
constexpr core::unix_ms duplicate_window_ms = 24 * 3'600'000;  // R-M4: one area within a day

// At most `letters` code points of `s`, with "…" when cut.
std::string cut(const std::string& s, std::size_t letters) {
  const auto cps = core::decode_utf8(s);
  if (cps.size() <= letters) return s;
  return core::encode_utf8(std::u32string_view(cps).substr(0, letters)) + "…";
}

}  // namespace

flow::action_result inbox_save(store::tx& t, const request& r) {
  const std::string text = r.arg("text");
  if (text.empty()) return {"error", {}};
  const bool urgent_report = r.arg("urgent") == "yes";  // someone is hurt: never held back
  // Wakes the operators at night: the number's first urgent report within the hour.
  const bool urgent = urgent_report && t.inbox_items_since(r.contact_id, t.now() - urgent_spacing_ms, false) == 0;
  store::inbox_item item{r.contact_id, r.run_id, r.channel_id, r.flow_id, text};
  item.from_phone = r.phone;  // the number the person wrote or dialled from
  if (const std::string said = r.arg("someone_hurt"); said == "yes" || said == "no") item.someone_hurt = said == "yes";
  if (const std::string area = r.arg("area"); !area.empty() && area != "other") {
    item.area = area;
    if (r.districts) item.district = r.districts->district_named_in(area, r.arg("place"));
    item.duplicate_of = t.first_report_since(r.flow_id, area, item.district, t.now() - duplicate_window_ms);
  }
  const std::int64_t id = t.add_inbox(item);
  const std::string reference = std::to_string(id);
  std::string node = r.arg("tell_operators");
  std::map<std::string, std::string> vars{{"reference", reference}, {"report", cut(text, 120)}};
  if (const std::string again = r.arg("tell_operators_again"); item.duplicate_of != 0 && !again.empty()) {
    node = again;
    vars["duplicate_of"] = std::to_string(item.duplicate_of);
  }
  if (!node.empty()) {
    for (const auto& u : t.list_users()) {
      if (u.role != "operator" || u.disabled || u.phone.empty()) continue;
      const auto who = t.upsert_contact(u.phone);
      core::unix_ms at = t.now();
      // Someone hurt is never held for duty hours, even when it does not wake anyone at night
      // (the number's second urgent report within the hour).
      if (const auto duty = schedule::day_window(u.duty); duty && !urgent_report && r.time_zone_of) {
        // Outside duty hours is the window from its end to its start.
        at = schedule::next_sending_time(at, r.time_zone_of(u.phone), {duty->second, duty->first});
      }
      t.add_job(flow_start::kind, at, flow_start{who.id, r.channel_id, r.flow_id, node, vars, urgent}.json());
    }
  }
  return {"ok", {{"reference", reference}}};
}

flow::action_result inbox_may_call(store::tx& t, const request& r) {
  const std::string answer = r.arg("answer");
  const auto id = text::read_integer(r.arg("reference"), 1, std::numeric_limits<long>::max());
  if ((answer != "yes" && answer != "no") || !id) return {"error", {}};
  return {t.set_inbox_may_call(*id, r.contact_id, answer == "yes") ? "ok" : "error", {}};
}

flow::action_result inbox_someone_hurt(store::tx& t, const request& r) {
  const auto id = text::read_integer(r.arg("reference"), 1, std::numeric_limits<long>::max());
  const auto item = id ? t.find_inbox(*id) : std::nullopt;
  if (!item) return {"error", {}};
  return {item->someone_hurt.value_or(false) ? "yes" : "no", {}};
}

}  // namespace paygham::actions
