// `paygham simulate`: a phone in the terminal, on the real engine, runner and store (a
// temporary database), so an operator can walk a flow before it goes live. Replies are read
// from standard input, one a line, so a session can also be scripted.
#include <algorithm>
#include <iostream>

#include "gateway/app/commands.hpp"
#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
#include "gateway/app/simulation.hpp"
#include "gateway/core/duration.hpp"
#include "gateway/phone/phone.hpp"
#include "gateway/runner/runner.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/screen.hpp"

namespace paygham::app {
namespace {

// "[GSM-7, 43 septets of 182 for a USSD screen]" or "[UCS-2, 66 units, 1 SMS part]".
std::string describe(std::string_view text, const text::screen_limits* ussd) {
  const auto sms = text::measure_sms(text);
  std::string out = std::string("[") + text::to_string(sms.enc) + ", " +
                    std::to_string(sms.units) +
                    (sms.enc == text::encoding::gsm7 ? " septets" : " units");
  if (ussd) {
    const auto c = text::check_screen(text, *ussd);
    out += " of " + std::to_string(c.limit) + " for a USSD screen";
    if (c.result == text::screen_check::too_long) out += ": TOO LONG";
    if (c.result == text::screen_check::long_warning) out += ": long";
    if (c.result == text::screen_check::needs_ucs2) out += ": NEEDS UCS-2, which this route cannot carry (boxes)";
  } else {
    out += ", " + std::to_string(sms.parts) + (sms.parts == 1 ? " SMS part" : " SMS parts");
  }
  return out + "]";
}

void print_block(const char* head, const std::string& text) {
  std::string indented;
  for (char ch : text) {
    indented += ch;
    if (ch == '\n') indented += "  ";
  }
  std::cout << head << indented << "\n";
}

}  // namespace

int simulate(const simulate_options& o) {
  auto loaded = load_config(o.config, channel_secrets::unused);
  if (!loaded) {
    std::cerr << loaded.error() << "\n";
    return exit_user_error;
  }
  const config& cfg = loaded.value();
  auto content = load_checked_content(cfg, "simulate");
  if (!content) return exit_user_error;
  if (const auto problems = simulation_problems(cfg, *content, o.lang, o.route); !problems.empty()) {
    for (const auto& p : problems) std::cerr << "paygham simulate: " << p << " (" << o.config << ")\n";
    return exit_user_error;
  }
  const auto start = o.at.empty() ? std::optional<long long>(core::now_ms()) : text::parse_instant(o.at);
  if (!start) {
    std::cerr << "paygham simulate: --at '" << o.at << "' is not a time such as 2026-11-29T20:00:00Z\n";
    return exit_user_error;
  }
  auto phone = phone::parse_e164(o.phone, cfg.defaults_.region);
  if (!phone) {
    std::cerr << "paygham simulate: --phone " << phone.error() << "; national numbers are read in the "
              << "countries of defaults.region in " << o.config << "\n";
    return exit_user_error;
  }
  simulation sim(cfg, content, phone.value(), o.lang, o.route, start.value_or(core::now_ms()));
  const text::screen_limits limits = cfg.ussd_profiles.at(o.route.empty() ? "default" : o.route).screen;
  const auto show_messages = [&] {
    for (const auto& m : sim.new_messages()) {
      print_block("< sms ", m.body);
      std::cout << "  " << describe(m.body, nullptr) << "\n";
      // What a real gateway would not send now, and why.
      if (m.status == "cancelled") std::cout << "  (not sent: " << (m.error.empty() ? "cancelled" : m.error) << ")\n";
      if (m.status == "queued" && m.next_at > sim.now()) {
        std::cout << "  (held by sending hours until "
                  << text::formatter("en", sim.time_zone()).apply(std::to_string(m.next_at), "time").value_or("?") << " "
                  << sim.time_zone() << ")\n";
      }
    }
  };
  // ":wait 25h": the clock moves on and what falls due runs (timeouts, dropped sessions).
  const auto waited = [&](const std::string& l) {
    if (l.rfind(":wait ", 0) != 0) return false;
    std::cout << "> " << l << "\n";
    auto d = core::parse_duration(l.substr(6));
    if (!d) {
      std::cout << "  (" << d.error() << ")\n";
      return true;
    }
    sim.wait(d.value().count());
    show_messages();
    return true;
  };
  std::string line;
  if (!o.ussd_code.empty()) {
    // ":dial" hangs up and dials again in a new session (to see "continue where you left off").
    std::string text;
    int session = 1;
    bool dial = true;
    for (bool ended = false;;) {
      if (dial) {
        std::cout << "> dial " << o.ussd_code << " from " << phone.value() << "\n";
        text.clear();
        dial = false;
      } else {
        if (!std::getline(std::cin, line)) break;
        if (waited(line)) continue;  // no hop: the next line answers the same screen
        if (line == ":dial") {
          ++session;
          dial = true;
          ended = false;
          continue;
        }
        if (ended) {
          std::cout << "> " << line << "\n  (the session has ended: ':dial' to dial again)\n";
          continue;
        }
        std::cout << "> " << line << "\n";
        // Africa's Talking sends every answer so far, joined by '*'.
        text = text.empty() ? line : text + "*" + line;
      }
      const auto reply = sim.hop("sim" + std::to_string(session), o.ussd_code, text);
      print_block(reply.end ? "< END " : "< CON ", reply.text);
      std::cout << "  " << describe(reply.text, &limits) << "\n";
      show_messages();
      ended = reply.end;
    }
  } else {
    while (std::getline(std::cin, line)) {
      if (waited(line)) continue;
      if (line.find_first_not_of(" \t\r") == std::string::npos)
        continue;  // a blank line, not an empty SMS
      std::cout << "> sms " << line << "\n";
      sim.sms(line);
      show_messages();
    }
  }
  return exit_ok;
}

}  // namespace paygham::app
