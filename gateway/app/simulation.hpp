// A phone on the real engine, runner and store (a throwaway SQLite file) with a virtual clock:
// what `paygham simulate` drives from a terminal and the console's phone simulator through the
// API (POST /api/v1/flows/simulate). Nothing it does reaches the real store or a network.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gateway/app/config.hpp"
#include "gateway/core/event.hpp"
#include "gateway/runner/runner.hpp"
#include "gateway/store/reader.hpp"
#include "gateway/store/writer.hpp"

namespace paygham::app {

// Why a phone cannot be simulated in language `lang` ("": as a new number) dialling by USSD route
// `route` ("": default): a language the templates lack (or a language's Latin letters named as
// one), or a route ussd_profiles lacks; each problem names what there is. Empty when it can.
std::vector<std::string> simulation_problems(const config& cfg, const runner::content& content, const std::string& lang,
                                             const std::string& route);

class simulation {
 public:
  // `phone` in E.164; `lang` empty: as a new number would be greeted (the language picker).
  // `route`: the entry of cfg.ussd_profiles its dials come by ("": default); see
  // simulation_problems first.
  simulation(const config& cfg, std::shared_ptr<runner::content> content, std::string phone, const std::string& lang,
             const std::string& route, core::unix_ms start);
  ~simulation();
  simulation(const simulation&) = delete;
  simulation& operator=(const simulation&) = delete;

  // One USSD hop: `text` is every answer of the session so far joined by '*' (Africa's
  // Talking's form), "" for the dial itself.
  core::ussd_reply hop(const std::string& session, const std::string& code, const std::string& text);
  // An SMS from the phone.
  void sms(const std::string& text);
  // The clock moves on by `ms` and what falls due runs (timeouts, dropped sessions).
  void wait(core::unix_ms ms);
  // The SMS Paygham queued for the phone since the last call.
  std::vector<store::reader::outbound_row> new_messages();

  core::unix_ms now() const { return now_->load(); }
  const std::string& time_zone() const { return zone_; }
  const std::string& phone() const { return phone_; }

 private:
  std::filesystem::path dir_;
  std::shared_ptr<std::atomic<core::unix_ms>> now_;
  std::unique_ptr<store::writer> writer_;
  std::unique_ptr<store::reader> reader_;
  std::unique_ptr<runner::runner> run_;
  std::string phone_;
  std::string zone_;
  std::int64_t seen_ = 0;
  int sms_count_ = 0;
};

}  // namespace paygham::app
