#include "gateway/actions/action.hpp"

namespace paygham::actions {

const registry& registry::builtin() {
  static const registry r = [] {
    registry b;
    b.add({"inbox.save", inbox_save, "puts args.text in the human inbox; outcome ok"});
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
