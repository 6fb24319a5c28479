// R-L6: a person's new number. Returnees change SIMs (an Iranian +98 for an Afghan +93): their
// reminders, visits, alerts and stops go with them, whoever records the change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace paygham::store {

class tx;

struct number_change {
  enum class outcome {
    moved,           // the person has the new number
    added,           // the person also writes from the number (add_number)
    unchanged,       // it was theirs already
    no_contact,      // no such person (or erased)
    staff,           // the person's number is a user's: changed with `paygham user`, not here
    taken,           // another person's, or stopped: `held` says what
    confirm_needed,  // the number wrote before; taken in only when the caller confirms
    too_many,        // add_number: the person has most_other_numbers already
  };
  outcome result = outcome::no_contact;
  // taken, confirm_needed: the contact holding the number (0: none, a stop kept as a hash);
  // moved, added: the contact taken in, 0 for none.
  std::int64_t other = 0;
  // taken: what stands in the way, in this order: "user" (a user's number), "numbers" (one of
  // another person's other numbers), "stops" (the number's holder stopped messages, or did
  // before being erased), "series", "visits", "subscriptions", "consents", "other_numbers"
  // (the number's holder writes from other numbers too).
  std::vector<std::string> held;
  std::int64_t readdressed = 0;  // moved: messages still waiting, now to the new number
  std::string old_phone;         // moved: the number the person had
};

struct number_request {
  std::string phone;        // E.164, checked by the caller
  std::string recorded_by;  // who asks, as the audit log names them (user:3)
  bool confirm = false;     // take in the contact the number has, with nothing of its own
  std::function<std::string(std::string_view)> zone_of;  // a number's time zone
  std::function<bool(std::string_view)> keeps_field;     // a contact field the deployment keeps (R-D2)
};

// Moves the person `contact_id` to `r.phone` unless the number is a user's, or another
// person's with something of their own (a stop, a series, a visit ahead, an alert subscription,
// a consent), or stopped by someone who had it before (R-S7; unless the person has those
// stops already): then nothing changes. A contact the number has with none of those (someone
// texted from the new SIM before the change was recorded) is taken in when the caller
// confirms: what it sent and was sent becomes the person's, and its language and the fields
// the deployment keeps fill the person's gaps. Whether others read SMS on the
// phone is what was said of the new phone, if anything, never what was said of the old one
// (R-S11: unknown means neutral texts). Series kept on the old number's clock move to the new
// number's. Both contacts are held (several nodes) from the first read.
number_change change_number(tx& t, std::int64_t contact_id, const number_request& r);

// R-L6: the person also writes from `r.phone` (a second SIM) on the same terms: refused when it
// is a user's, or another person's with anything of their own or as one of their other
// numbers, or stopped by someone who had it before; a contact it has with nothing of its own
// is taken in when the caller confirms. What was said of the person's main phone stays (texts
// to the other number are neutral, R-S11), and what Paygham sends on its own goes to the main
// number. One of the person's other numbers becomes their main one with change_number.
number_change add_number(tx& t, std::int64_t contact_id, const number_request& r);

// The most other numbers one person has: a dual-SIM phone, an old SIM kept, a spare.
inline constexpr std::size_t most_other_numbers = 5;

}  // namespace paygham::store
