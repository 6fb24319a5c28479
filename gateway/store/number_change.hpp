// R-L6: a person's new number. Returnees change SIMs (an Iranian +98 for an Afghan +93): their
// reminders, visits, alerts and stops go with them, whoever records the change.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace paygham::store {

class tx;

struct number_change {
  enum class outcome {
    moved,       // the person has the new number
    unchanged,   // it was theirs already
    no_contact,  // no such person (or erased)
    staff,       // the person's number is a user's: changed with `paygham user`, not here
    taken,       // another person's: `held` says what they hold
  };
  outcome result = outcome::no_contact;
  // taken: the contact holding the number; moved: the contact that held it with nothing of its
  // own (its messages and conversations now the person's), 0 for none.
  std::int64_t other = 0;
  // taken: what the other holds, in this order: "user" (a user's number), "stops", "series",
  // "visits", "subscriptions", "consents".
  std::vector<std::string> held;
  std::int64_t readdressed = 0;  // moved: messages still waiting, now to the new number
};

// Moves the person `contact_id` to `phone` (E.164, checked by the caller) unless the number is
// another person's with something of their own (a stop, a series, a visit ahead, an alert
// subscription, a consent) or a user's: then nothing changes. A contact the number has with
// none of those (someone texted from the new SIM before the change was recorded) is taken in:
// its language and fields fill the person's gaps. A stop kept as a hash from an erased holder
// of a number nobody has now (R-S7) stays with the hash and does not pass to the person: it
// was someone else's.
// What the person said of their old phone (whether others read its SMS) was of that phone: the
// new one is not known, so texts are neutral again until someone asks (R-S11); `recorded_by`
// (as the audit log names a caller) is who made it so.
number_change change_number(tx& t, std::int64_t contact_id, std::string_view phone, std::string_view recorded_by);

}  // namespace paygham::store
