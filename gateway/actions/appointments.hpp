// Clinic appointments: the job that reminds a person of their visit, shared by the action that
// books it (appointments.cpp) and the runner that applies the job when it falls due.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/clock.hpp"
#include "gateway/text/format.hpp"

namespace paygham::store {
struct booking;
struct clinic_hours;
class tx;
}
namespace paygham::schedule {
struct clinic;
class clinic_list;
}

namespace paygham::actions {

// R-B1: the clinic `id` as it takes bookings now: the clinics file's, open the week reception
// set in its place (store::set_clinic_hours) when it did; nullopt when the file has none.
std::optional<schedule::clinic> clinic_now(store::tx& t, const schedule::clinic_list* clinics, std::string_view id);
// The same, with who changed its week and when; none when the file's week is the one in use
// (never changed, or changed by a build whose week this one cannot read: logged).
std::optional<std::pair<schedule::clinic, std::optional<store::clinic_hours>>> clinic_and_hours(
    store::tx& t, const schedule::clinic_list* clinics, std::string_view id);

// R-B4: who a visit is for: the person themself ("self"), or someone else on the phone, known
// only by relation and number ("child", "child-2": the second child the phone booked for,
// "partner", "parent", "other", "other-3"). Nothing else is kept of them, no name: the client
// profile is the `for` of its bookings, and goes with the last of them.
struct client {
  std::string relation = "self";  // self, child, partner, parent, other
  int number = 1;
};
// "child-2" → {child, 2}; nullopt for anything else ("child-1", "cousin").
std::optional<client> read_client(std::string_view key);
std::string client_key(const client& c);
// The text a client is shown with ("appointments.for_child": My child).
std::string client_text(const client& c);

// The action that books a visit: a programme whose flows use it has visits, which its stop
// leaves standing (the runner says so).
inline constexpr std::string_view book_action = "appointments.book";

// What texts about a booking may show, in `lang` with the month names `months` (R-L3):
// {booking} (its number), {code}, {clinic_name}, {when} (day and window: «یکشنبه ۱۵ آذر،
// ۱۰:۰۰-۱۲:۰۰»), {time} (the window); {when_whose|label} and {time_whose|label}, the same
// with whose visit it is when not the person's own ("08:00-10:00 (your child 2)", R-B4);
// {whom|label}, whom it is for, said to the reader ("you", "your child 2").
std::map<std::string, std::string> booking_vars(const store::booking& b, const schedule::clinic_list* clinics,
                                                const std::string& lang,
                                                text::month_names months = text::month_names::by_language);

// A booking's reminder falls due: if the visit still stands, the runner starts the booking's
// flow at `node` by SMS (the node asks "1 I will come / 2 I cannot", R-H2).
struct booking_reminder {
  static constexpr std::string_view kind = "booking.remind";
  // The same payload, for a visit at a clinic that records visits (R-B6): at 18:00 that day a
  // visit still unmarked becomes missed and the job comes back the next day at 10:00, when the
  // flow starts at `node` ("we missed you") unless the visit was marked attended meanwhile.
  static constexpr std::string_view missed_kind = "booking.missed";
  // The same payload, when the clinic cancelled the visit (cancel_by_clinic): the person is
  // told at `node` (a question about the visit still open on their phone is let go).
  static constexpr std::string_view cancelled_kind = "booking.cancelled";
  std::int64_t booking = 0;
  std::string flow;
  std::string node;
  bool reply = false;  // the confirmation of a booking the person just made: at once, at any hour
  std::int64_t replaced = 0;  // the confirmation's: the visit this one was booked in place of
  std::string json() const {
    nlohmann::json j{{"booking", booking}, {"flow", flow}, {"node", node}};
    if (reply) j["reply"] = true;
    if (replaced != 0) j["replaced"] = replaced;
    return j.dump();
  }
  static std::optional<booking_reminder> parse(const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || !j.contains("booking") || !j["booking"].is_number_integer() || !j.contains("flow") ||
        !j["flow"].is_string() || !j.contains("node") || !j["node"].is_string() ||
        (j.contains("reply") && !j["reply"].is_boolean()) ||
        (j.contains("replaced") && !j["replaced"].is_number_integer())) {
      return std::nullopt;
    }
    return booking_reminder{j["booking"].get<std::int64_t>(), j["flow"].get<std::string>(),
                            j["node"].get<std::string>(), j.value("reply", false),
                            j.value("replaced", std::int64_t{0})};
  }
};

// Whether a visit's window is over at `now` (its end on the clinic's clock, as booked).
bool window_over(const store::booking& b, core::unix_ms now);

// R-B5: the clinic cancels a visit whose window is not over (reception: the console, the API):
// its place is free again at once, its reminders are not sent, and the person is told by SMS,
// starting `flow` at `node` (which offers other days; "": nobody is told), in their language
// and sending hours. False, and nothing changed, when the visit is not booked or its window is
// over.
bool cancel_by_clinic(store::tx& t, const store::booking& b, std::string_view flow, std::string_view node);

// R-B5: the visits a closure of `clinic` on `day` cancels: booked, and their window not over
// (those still to come, and those on their way).
std::vector<store::booking> visits_to_cancel(store::tx& t, std::string_view clinic, long long day);

// R-B5: reception closes `clinic` on `day` (`by`: as the audit log names them): nobody books
// it until it reopens, and each visit visits_to_cancel finds then (under the store's lock for
// that day: none slips in) is cancelled by cancel_by_clinic with `flow` and `node`. The visits
// cancelled, or nullopt when it was closed already.
std::optional<std::vector<store::booking>> close_clinic_day(store::tx& t, std::string_view clinic, long long day,
                                                            std::string_view by, std::string_view flow,
                                                            std::string_view node);

// R-H3: a person who could not come to a visit, missed it, or had it cancelled by the clinic,
// and by the time this falls due has neither a visit of its service (for the same person)
// ahead nor one booked since (store::booked_again): the clinic's health worker calls them
// (`reason` cannot_come, missed_visit or clinic_cancelled). Whatever the person answers
// meanwhile, or another question that takes the place of the offer, the job still looks.
struct booking_watch {
  static constexpr std::string_view kind = "booking.call_unless_booked";
  std::int64_t booking = 0;
  std::string reason;
  std::string flow;  // whose programme the person may have stopped since: then nobody calls
  std::string json() const { return nlohmann::json{{"booking", booking}, {"reason", reason}, {"flow", flow}}.dump(); }
  static std::optional<booking_watch> parse(const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || !j.contains("booking") || !j["booking"].is_number_integer()) return std::nullopt;
    for (const char* key : {"reason", "flow"}) {
      if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
    }
    return booking_watch{j["booking"].get<std::int64_t>(), j["reason"].get<std::string>(), j["flow"].get<std::string>()};
  }
};

}  // namespace paygham::actions
