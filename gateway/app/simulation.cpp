#include "gateway/app/simulation.hpp"

#include <unistd.h>

#include "gateway/app/content.hpp"
#include "gateway/text/format.hpp"

namespace paygham::app {
namespace {

// The channel the simulated phone uses.
constexpr std::string_view channel = "simulator";

std::filesystem::path fresh_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "paygham-simulate-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot make a folder for the simulation");
  return pattern;
}

// "a, b, c"
std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::vector<std::string> simulation_problems(const config& cfg, const runner::content& content, const std::string& lang,
                                             const std::string& route) {
  std::vector<std::string> problems;
  if (text::latin_letters_of(lang)) {
    const std::string spoken(text::spoken_language(lang));
    problems.push_back("language '" + lang + "' is how " + spoken + " looks on a route without UCS-2, not a language: " +
                       "take " + spoken + " with such a route (--lang " + spoken + " --ussd-route NAME)");
  } else if (!lang.empty() && !content.texts.knows(lang)) {
    problems.push_back("language '" + lang + "' has no templates (" + cfg.templates_dir + " has: " +
                       listed(content.texts.languages()) + ")");
  }
  if (!route.empty() && !cfg.ussd_profiles.count(route)) {
    std::vector<std::string> names;
    for (const auto& [name, r] : cfg.ussd_profiles) names.push_back(name);
    problems.push_back("USSD route '" + route + "' is not in ussd_profiles (it has: " + listed(names) + ")");
  }
  return problems;
}

simulation::simulation(const config& cfg, std::shared_ptr<runner::content> content, std::string phone,
                       const std::string& lang, const std::string& route, core::unix_ms start)
    : dir_(fresh_dir()), now_(std::make_shared<std::atomic<core::unix_ms>>(start)), phone_(std::move(phone)) {
  store::options so;
  so.path = (dir_ / "simulate.db").string();
  so.sync = store::synchronous::normal;
  so.clock = [now = now_] { return now->load(); };
  writer_ = store::open_writer(so);
  reader_ = store::open_reader(so);
  auto settings = runner_settings(cfg);
  settings.ussd_routes[std::string(channel)] = cfg.ussd_profiles.at(route.empty() ? "default" : route);
  run_ = std::make_unique<runner::runner>(std::move(content), settings);
  if (!lang.empty()) {
    store::run_now(*writer_, [&](store::tx& t) { t.set_contact_language(t.upsert_contact(phone_).id, lang); });
  }
  zone_ = run_->time_zone(phone_);
}

simulation::~simulation() {
  reader_.reset();
  writer_->stop();
  writer_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

core::ussd_reply simulation::hop(const std::string& session, const std::string& code, const std::string& text) {
  core::ussd_reply reply;
  const core::ussd_request req{std::string(channel), session, phone_, code, text, ""};
  store::run_now(*writer_, [&](store::tx& t) { reply = run_->apply_ussd(t, req); });
  return reply;
}

void simulation::sms(const std::string& text) {
  const core::inbound_sms m{std::string(channel), "sim-" + std::to_string(++sms_count_), phone_, "", text, 0};
  store::run_now(*writer_, [&](store::tx& t) { run_->apply_sms(t, m); });
}

void simulation::wait(core::unix_ms ms) {
  const core::unix_ms until = now_->load() + ms;
  const auto run_due = [&] {
    for (runner::tick_outcome did{1, 0, 0, 0}; did.any();) {
      store::run_now(*writer_, [&](store::tx& t) { did = run_->tick(t); });
    }
  };
  // Each job at its own time, as the server's clock runs it, not all at the end.
  for (;;) {
    core::unix_ms due = 0;
    store::run_now(*writer_, [&](store::tx& t) { due = t.next_job_due(); });
    if (due == 0 || due > until) break;
    *now_ = std::max(now_->load(), due);
    run_due();
  }
  *now_ = until;
  run_due();
}

std::vector<store::reader::outbound_row> simulation::new_messages() {
  auto rows = reader_->outbound_after(seen_);
  if (!rows.empty()) seen_ = rows.back().id;
  return rows;
}

}  // namespace paygham::app
