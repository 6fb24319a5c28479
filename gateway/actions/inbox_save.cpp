// inbox.save: what a person wrote (a hazard report, a question) goes to the human inbox,
// where a worker reads it (R-S3). args: text (required); tell_operators (optional): a node of
// the flow's `entries` started by SMS for every operator with a phone (`paygham user create
// --role operator --phone …`), with {reference} and {report} (the text, cut to 120 letters):
// a hazard report reaches the people on duty (R-M4): within sending hours, or, with `urgent:
// "yes"` (someone is hurt), at once at any hour and first in the outbox; one urgent report an
// hour from a number, so nobody can wake every operator all night (the rest go within sending
// hours, still told). Sets `reference`: the item's number, for the person to quote.
#include "gateway/actions/action.hpp"
#include "gateway/actions/flow_start.hpp"
#include "gateway/core/utf8.hpp"
#include "gateway/store/tx.hpp"

namespace paygham::actions {
namespace {

constexpr core::unix_ms urgent_spacing_ms = 3'600'000;  // an urgent report from a number an hour

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
  const bool urgent =
      r.arg("urgent") == "yes" && t.inbox_items_since(r.contact_id, t.now() - urgent_spacing_ms) == 0;
  const std::int64_t id = t.add_inbox(store::inbox_item{r.contact_id, r.run_id, r.channel_id, r.flow_id, text});
  const std::string reference = std::to_string(id);
  if (const std::string node = r.arg("tell_operators"); !node.empty()) {
    for (const auto& u : t.list_users()) {
      if (u.role != "operator" || u.disabled || u.phone.empty()) continue;
      const auto who = t.upsert_contact(u.phone);
      t.add_job(flow_start::kind, t.now(),
                flow_start{who.id, r.channel_id, r.flow_id, node, {{"reference", reference}, {"report", cut(text, 120)}},
                           urgent}
                    .json());
    }
  }
  return {"ok", {{"reference", reference}}};
}

}  // namespace paygham::actions
