// `paygham simulate`: a phone in the terminal, on the real engine, runner and store (a
// temporary database), so an operator can walk a flow before it goes live. Replies are read
// from standard input, one a line, so a session can also be scripted.
#include <unistd.h>

#include <filesystem>
#include <future>
#include <iostream>

#include "gateway/app/commands.hpp"
#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
#include "gateway/phone/phone.hpp"
#include "gateway/runner/runner.hpp"
#include "gateway/store/reader.hpp"
#include "gateway/store/writer.hpp"
#include "gateway/text/screen.hpp"

namespace paygham::app {
namespace {

// Runs one item through the writer and waits for it, as a webhook would.
template <class Fn>
void in_tx(store::writer& w, Fn fn) {
  std::promise<void> done;
  w.submit([&](store::tx& t) { fn(t); },
           [&](std::exception_ptr e) { e ? done.set_exception(e) : done.set_value(); });
  done.get_future().get();
}

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
  auto loaded = load_config(o.config);
  if (!loaded) {
    std::cerr << loaded.error() << "\n";
    return exit_user_error;
  }
  const config& cfg = loaded.value();
  std::vector<std::string> problems;
  auto content = load_content(cfg, problems);
  if (!problems.empty()) {
    for (const auto& p : problems) std::cerr << p << "\n";
    return exit_user_error;
  }
  auto phone = phone::parse_e164(o.phone, cfg.defaults_.region);
  if (!phone) {
    std::cerr << "paygham simulate: --phone " << phone.error() << "\n";
    return exit_user_error;
  }
  const auto dir = std::filesystem::temp_directory_path() /
                   ("paygham-simulate-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    const store::options so{(dir / "simulate.db").string(), store::synchronous::normal};
    store::writer writer(so);
    runner::runner run(content, runner::settings{cfg.defaults_.language, cfg.defaults_.timezone,
                                                 o.lang.empty() ? cfg.defaults_.languages
                                                                : std::vector<std::string>{}});
    if (!o.lang.empty()) {
      in_tx(writer, [&](store::tx& t) {
        t.set_contact_language(t.upsert_contact(phone.value()).id, o.lang);
      });
    }
    const text::screen_limits limits = cfg.ussd_profiles.at("default");
    std::string line;
    if (!o.ussd_code.empty()) {
      std::cout << "> dial " << o.ussd_code << " from " << phone.value() << "\n";
      std::string text;
      for (bool first = true;; first = false) {
        if (!first) {
          if (!std::getline(std::cin, line)) break;
          std::cout << "> " << line << "\n";
          // Africa's Talking sends every answer so far, joined by '*'.
          text = text.empty() ? line : text + "*" + line;
        }
        core::ussd_reply reply;
        const core::ussd_request req{"simulator", "sim", phone.value(), o.ussd_code, text, ""};
        in_tx(writer, [&](store::tx& t) { reply = run.apply_ussd(t, req); });
        print_block(reply.end ? "< END " : "< CON ", reply.text);
        std::cout << "  " << describe(reply.text, &limits) << "\n";
        if (reply.end) break;
      }
    } else {
      store::reader reader(so);
      std::int64_t seen = 0;
      for (int n = 1; std::getline(std::cin, line); ++n) {
        std::cout << "> sms " << line << "\n";
        const core::inbound_sms sms{"simulator", "sim-" + std::to_string(n), phone.value(), "",
                                    line, 0};
        in_tx(writer, [&](store::tx& t) { run.apply_sms(t, sms); });
        for (const auto& [id, body] : reader.outbound_after(seen)) {
          print_block("< sms ", body);
          std::cout << "  " << describe(body, nullptr) << "\n";
          seen = id;
        }
      }
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return exit_ok;
}

}  // namespace paygham::app
