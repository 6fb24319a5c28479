// inbox.save: what a person wrote (a hazard report, a question) goes to the human inbox,
// where a worker reads it (R-S3). args: text (required). Sets `reference`: the item's number,
// for the person to quote.
#include "gateway/actions/action.hpp"
#include "gateway/store/tx.hpp"

namespace paygham::actions {

flow::action_result inbox_save(store::tx& t, const request& r) {
  const std::string text = r.arg("text");
  if (text.empty()) return {"error", {}};
  const std::int64_t id = t.add_inbox(store::inbox_item{r.contact_id, r.run_id, r.channel_id, r.flow_id, text});
  return {"ok", {{"reference", std::to_string(id)}}};
}

}  // namespace paygham::actions
