#include "gateway/actions/action.hpp"

namespace paygham::actions {

const registry& registry::builtin() {
  static const registry r = [] {
    registry b;
    b.add({"inbox.save", inbox_save, "puts args.text in the human inbox; outcome ok", {"text"}});
    b.add({"reminders.daily", reminders_daily,
           "sends args.template to the person every day at args.time (08:30, their clock) in args.programme; "
           "outcome ok (sets series), error",
           {"time", "template", "programme"}, {"template"}});
    b.add({"reminders.antenatal", reminders_antenatal,
           "sends args.template at args.time on each WHO antenatal contact day still ahead, counted from "
           "args.lmp (2026-06-01); outcome ok (sets series), over (all are past), error",
           {"lmp", "time", "template", "programme"}, {"template"}});
    return b;
  }();
  return r;
}

const action* registry::find(std::string_view name) const {
  for (const auto& a : actions_) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

}  // namespace paygham::actions
