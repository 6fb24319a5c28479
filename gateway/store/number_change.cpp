#include "gateway/store/number_change.hpp"

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

number_change change_number(tx& t, std::int64_t contact_id, std::string_view phone, std::string_view recorded_by) {
  number_change out;
  const auto who = t.find_contact(contact_id);
  if (!who || who->phone.rfind("erased:", 0) == 0) return out;
  if (who->phone == phone) {
    out.result = number_change::outcome::unchanged;
    return out;
  }
  if (t.find_user_by_phone(who->phone)) {
    out.result = number_change::outcome::staff;
    return out;
  }
  if (t.find_user_by_phone(phone)) {
    out.result = number_change::outcome::taken;
    out.held = {"user"};
    if (const auto other = t.find_contact_by_phone(phone)) out.other = other->id;
    return out;
  }
  const auto other = t.find_contact_by_phone(phone);
  if (other) out.held = held_by(t, *other);
  if (!out.held.empty()) {
    out.result = number_change::outcome::taken;
    out.other = other->id;
    return out;
  }
  out.result = number_change::outcome::moved;
  if (t.find_contact_record(who->id).shared_phone != "unknown") t.set_phone_privacy(who->id, "unknown", false, recorded_by);
  if (!other) {
    out.readdressed = t.move_number(who->id, 0, phone);
    return out;
  }
  std::map<std::string, std::string> gaps;
  for (const auto& [k, v] : other->fields) {
    if (!who->fields.count(k)) gaps.emplace(k, v);
  }
  if (!gaps.empty()) t.set_contact_fields(who->id, gaps);
  if (who->language.empty() && !other->language.empty()) t.set_contact_language(who->id, other->language);
  out.other = other->id;
  out.readdressed = t.move_number(who->id, other->id, phone);
  return out;
}

}  // namespace paygham::store
