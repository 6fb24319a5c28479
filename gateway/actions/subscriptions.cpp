// subscriptions.add: the person in the flow gets a programme's alerts for an area (mine
// safety by province or border route, R-M1), sent by `paygham broadcast`. args: topic (the
// programme), area (lower-case letters, digits and '_', usually a menu's value). Outcomes:
// ok, error (an area or topic that cannot be used).
#include <algorithm>

#include "gateway/actions/action.hpp"
#include "gateway/store/tx.hpp"

namespace paygham::actions {

flow::action_result subscriptions_add(store::tx& t, const request& r) {
  const auto arg = [&](const char* name) {
    const auto it = r.args.find(name);
    return it == r.args.end() ? std::string() : it->second;
  };
  const std::string topic = arg("topic"), area = arg("area");
  const auto is_name = [](const std::string& s) {
    return !s.empty() && s.size() <= 40 && std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
  };
  if (!is_name(topic) || !is_name(area)) return {"error", {}};
  t.subscribe(r.contact_id, topic, area, r.channel_id);
  return {"ok", {}};
}

}  // namespace paygham::actions
