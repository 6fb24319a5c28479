#include "gateway/store/number_change.hpp"

#include <algorithm>
#include <map>
#include <optional>

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
  // Other numbers recorded for them: someone's, whom taking in would leave behind (R-L6).
  if (!t.other_numbers(c.id).empty()) held.emplace_back("other_numbers");
  return held;
}

// The checks a number passes before it is the person's (held by the caller): none of the ways
// it may be someone else's. Fills `out` (taken, with what stands in the way, or confirm_needed)
// and gives the contact the number has, to take in; `out.result` stays `fallback` when it may.
std::optional<contact> vet(tx& t, const contact& who, const number_request& r, number_change& out,
                           number_change::outcome fallback) {
  out.result = number_change::outcome::taken;
  t.hold_number(r.phone);  // nobody else gives it to someone meanwhile (several nodes)
  if (t.find_user_by_phone(r.phone)) {
    out.held = {"user"};
    return std::nullopt;
  }
  std::optional<contact> other;
  if (const auto has = t.find_contact_by_phone(r.phone)) {
    if (has->phone != r.phone) {  // one of another person's other numbers
      out.other = has->id;
      out.held = {"numbers"};
      return std::nullopt;
    }
    other = t.upsert_contact(r.phone);  // held (several nodes)
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
  if (!out.held.empty()) return std::nullopt;
  if (other && !r.confirm) {
    out.result = number_change::outcome::confirm_needed;
    return std::nullopt;
  }
  out.result = fallback;
  return other;
}

// What the contact taken in knew of the person fills the person's gaps: their language, and
// the fields the deployment keeps.
void fill_gaps(tx& t, const contact& who, const contact& other, const number_request& r) {
  std::map<std::string, std::string> gaps;
  for (const auto& [k, v] : other.fields) {
    if (!who.fields.count(k) && r.keeps_field(k)) gaps.emplace(k, v);
  }
  if (!gaps.empty()) t.set_contact_fields(who.id, gaps);
  if (who.language.empty() && !other.language.empty())
    t.set_contact_language(who.id, other.language);
}

// The person to give `r.phone` to, held from the first read (several nodes), with their other
// numbers; nullopt with `out` saying why not: no such person, the number theirs already (their
// main one, or one of `others` when `also`), a user's own contact.
std::optional<contact> person(tx& t, std::int64_t contact_id, const number_request& r, bool also,
                              std::vector<std::string>& others, number_change& out) {
  const auto found = t.find_contact(contact_id);
  if (!found || found->erased()) return std::nullopt;
  others = t.other_numbers(contact_id);
  const bool another = std::find(others.begin(), others.end(), r.phone) != others.end();
  if (found->phone == r.phone || (also && another)) {
    out.result = number_change::outcome::unchanged;
    return std::nullopt;
  }
  if (t.find_user_by_phone(found->phone)) {
    out.result = number_change::outcome::staff;
    return std::nullopt;
  }
  return t.upsert_contact(found->phone);  // read again once held
}

}  // namespace

number_change change_number(tx& t, std::int64_t contact_id, const number_request& r) {
  number_change out;
  std::vector<std::string> others;
  const auto who = person(t, contact_id, r, false, others, out);
  if (!who) return out;
  std::optional<contact> other;
  if (std::find(others.begin(), others.end(), r.phone) != others.end()) {
    out.result = number_change::outcome::moved;  // their other number becomes the main one
  } else {
    other = vet(t, *who, r, out, number_change::outcome::moved);
    if (out.result != number_change::outcome::moved) return out;
  }
  const auto said = other ? t.find_contact_record(other->id) : contact_record{};
  if (said.shared_phone != "unknown") {
    t.set_phone_privacy(who->id, said.shared_phone, said.explicit_texts, said.privacy_recorded_by);
  } else if (t.find_contact_record(who->id).shared_phone != "unknown") {
    t.set_phone_privacy(who->id, "unknown", false, r.recorded_by);
  }
  if (other) fill_gaps(t, *who, *other, r);
  out.old_phone = who->phone;
  number_move m{r.phone, other ? other->id : 0, r.zone_of(who->phone), r.zone_of(r.phone)};
  out.readdressed = t.move_number(who->id, m);
  return out;
}

number_change add_number(tx& t, std::int64_t contact_id, const number_request& r) {
  number_change out;
  std::vector<std::string> others;
  const auto who = person(t, contact_id, r, true, others, out);
  if (!who) return out;
  if (others.size() >= most_other_numbers) {
    out.result = number_change::outcome::too_many;
    return out;
  }
  const auto other = vet(t, *who, r, out, number_change::outcome::added);
  if (out.result != number_change::outcome::added) return out;
  if (other) fill_gaps(t, *who, *other, r);
  t.add_number(who->id, r.phone, other ? other->id : 0);
  return out;
}

}  // namespace paygham::store
