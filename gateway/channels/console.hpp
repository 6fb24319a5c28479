// The console channel: no aggregator account needed. It accepts callbacks in Africa's
// Talking's format (so the README's curl lines work unchanged, and `id` may be omitted for
// SMS), and its outbound messages are written to the log and marked delivered.
#pragma once

#include "gateway/channels/africastalking.hpp"

namespace paygham::channels {

class console : public africastalking {
 public:
  static core::result<std::unique_ptr<channel>> make(const settings& s);
  explicit console(const settings& s) : africastalking(s) {}

  bool local_delivery() const override { return true; }

 protected:
  bool requires_message_id() const override { return false; }
};

}  // namespace paygham::channels
