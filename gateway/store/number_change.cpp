#include "gateway/store/number_change.hpp"

#include <algorithm>
#include <map>

#include "gateway/store/tx.hpp"

namespace paygham::store {

namespace {

// What the contact holds that is theirs to keep: taking it in would give it to someone else.
std::vector<std::string> held_by(tx& t, const contact& c) {
  std::vector<std::string> held;
  if (c.opted_out || !t.stopped_programmes(c.id).empty()) held.emplace_back("stops");
  if (!t.running_series(c.id).empty()) held.emplace_back("series");
  if (!t.upcoming_bookings(c.id).empty()) held.emplace_back("visits");
  if (!t.subscriptions_of(c.id).empty()) held.emplace_back("subscriptions");
  if (!t.find_contact_record(c.id).consents.empty()) held.emplace_back("consents");
  return held;
}

}  // namespace

number_change change_number(tx& t, std::int64_t contact_id, const number_request& r) {
  number_change out;
  const auto found = t.find_contact(contact_id);
  if (!found || found->erased()) return out;
  if (found->phone == r.phone) {
    out.result = number_change::outcome::unchanged;
    return out;
  }
  if (t.find_user_by_phone(found->phone)) {
    out.result = number_change::outcome::staff;
    return out;
  }
  out.result = number_change::outcome::taken;
  if (t.find_user_by_phone(r.phone)) {
    out.held = {"user"};
    return out;
  }
  // upsert_contact holds each (several nodes), the person first; read again once held.
  const auto who = t.upsert_contact(found->phone);
  std::optional<contact> other;
  if (t.find_contact_by_phone(r.phone)) other = t.upsert_contact(r.phone);
  if (other) {
    out.other = other->id;
    out.held = held_by(t, *other);
  } else {
    // A stop kept with the number counts unless the person has it already (their own, from
    // when the number was theirs before).
    const auto mine = t.stopped_programmes(who.id);
    for (const auto& p : t.number_stops(r.phone)) {
      const bool have = who.opted_out || (!p.empty() && std::find(mine.begin(), mine.end(), p) != mine.end());
      if (!have) out.held = {"stops"};
    }
  }
  if (!out.held.empty()) return out;
  if (other && !r.confirm) {
    out.result = number_change::outcome::confirm_needed;
    return out;
  }
  out.result = number_change::outcome::moved;
  const auto theirs = other ? t.find_contact_record(other->id) : contact_record{};
  if (theirs.shared_phone != "unknown") {
    t.set_phone_privacy(who.id, theirs.shared_phone, theirs.explicit_texts, theirs.privacy_recorded_by);
  } else if (t.find_contact_record(who.id).shared_phone != "unknown") {
    t.set_phone_privacy(who.id, "unknown", false, r.recorded_by);
  }
  if (other) {
    std::map<std::string, std::string> gaps;
    for (const auto& [k, v] : other->fields) {
      if (!who.fields.count(k) && r.keeps_field(k)) gaps.emplace(k, v);
    }
    if (!gaps.empty()) t.set_contact_fields(who.id, gaps);
    if (who.language.empty() && !other->language.empty()) t.set_contact_language(who.id, other->language);
  }
  out.old_phone = who.phone;
  number_move m{r.phone, other ? other->id : 0, r.zone_of(who.phone), r.zone_of(r.phone)};
  out.readdressed = t.move_number(who.id, m);
  return out;
}

}  // namespace paygham::store
