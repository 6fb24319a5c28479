// A person's own "delete my data" (R-D6): the action that asks for it and the runner that
// applies it once the session's last screen is written (so nothing of the session outlives it).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace paygham::store {
class tx;
struct contact;
}  // namespace paygham::store

namespace paygham::actions {

// R-D7: the person stopped `programme` ("": everything), or its reminders ended. Its notice
// may be cancelled unsent with its other messages: it counts as not told (taking the stop back,
// or the next enrolment, sends it again). So do the programmes its notice told, while a message
// of it waits to go (the notice may be among them; none waiting, it went): those that still
// reach the person are told again at once, by a notice_job on `channel` ("": not now, after a
// death or a pregnancy loss, and nothing reaches them after STOP ALL).
void forget_notices(store::tx& t, const store::contact& who, std::string_view programme,
                    const std::string& channel);

// R-D7: the person took back a stop: of `taken_back` (12 after a programme's stop, or 1 on its
// menu), or of everything ("": 12, or 1 on a menu, after STOP ALL). The programmes that reach
// them again and whose notice is owed (forgotten by a stop, or never given while they were
// stopped) are noted as told today; true: the caller sends the notice now, as `taken_back`'s
// message. False when none is owed (or the programme taken back is not), or when another
// programme's notice that still stands went today.
bool notice_again(store::tx& t, std::int64_t contact_id, std::string_view taken_back, const std::string& time_zone);

// The privacy notice owed to the contact goes as `programme`'s message on `channel`, held for
// the person's sending hours (notice_again decides whether it is still owed when the job runs).
struct notice_job {
  static constexpr std::string_view kind = "privacy.notice";
  std::int64_t contact = 0;
  std::string programme;
  std::string channel;
  std::string json() const {
    return nlohmann::json{{"contact", contact}, {"programme", programme}, {"channel", channel}}
        .dump();
  }
  static std::optional<notice_job> parse(const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || !j.contains("contact") || !j["contact"].is_number_integer() ||
        !j.contains("programme") || !j["programme"].is_string() || !j.contains("channel") ||
        !j["channel"].is_string()) {
      return std::nullopt;
    }
    return notice_job{j["contact"].get<std::int64_t>(), j["programme"].get<std::string>(),
                      j["channel"].get<std::string>()};
  }
};

struct erase_request {
  static constexpr std::string_view kind = "contact.erase";
  std::int64_t contact = 0;
  std::string json() const { return nlohmann::json{{"contact", contact}}.dump(); }
  static std::optional<erase_request> parse(const std::string& payload) {
    const auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || !j.contains("contact") || !j["contact"].is_number_integer()) return std::nullopt;
    return erase_request{j["contact"].get<std::int64_t>()};
  }
};

}  // namespace paygham::actions
