// `paygham user`: the people who work with Paygham. Health workers get a phone and a PIN for
// the health-worker USSD menu (flows/health_reminders.yaml); people with a login get a password
// for the web console. Only Argon2id hashes are stored, and PINs and passwords are read from
// standard input so they never show in a shell history.
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "gateway/actions/calls.hpp"
#include "gateway/app/commands.hpp"
#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
#include "gateway/auth/password.hpp"
#include "gateway/auth/pin.hpp"
#include "gateway/core/log.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/phone/phone.hpp"
#include "gateway/runner/runner.hpp"
#include "gateway/schedule/clinics.hpp"
#include "gateway/store/writer.hpp"

namespace paygham::app {

std::optional<std::string> read_secret_line(const char* prompt) {
  const bool tty = isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

namespace {

// The PIN for `phone`, checked; empty after explaining why not.
std::string new_pin(const std::string& phone) {
  const auto typed = read_secret_line("PIN (4 to 6 digits): ");
  if (!typed) {
    std::cerr << "paygham user: no PIN on standard input (echo 2580 | paygham user …, or type it at a terminal)\n";
    return {};
  }
  const auto pin = auth::read_pin(*typed);
  if (!pin) {
    std::cerr << "paygham user: a PIN is 4 to 6 digits, nothing else\n";
    return {};
  }
  if (const auto weak = auth::weak_pin(*pin, phone); !weak.empty()) {
    std::cerr << "paygham user: choose another PIN: " << weak << "\n";
    return {};
  }
  if (isatty(STDIN_FILENO) != 0) {
    const auto again = read_secret_line("the same PIN again: ");
    if (!again || auth::read_pin(*again) != pin) {
      std::cerr << "paygham user: the two PINs differ; nothing changed\n";
      return {};
    }
  }
  return auth::hash_pin(*pin);
}

// The console password for `login`, checked; empty after explaining why not.
std::string new_password(const std::string& login) {
  const auto typed = read_secret_line("console password (10 or more characters): ");
  if (!typed) {
    std::cerr << "paygham user: no password on standard input (a line after the PIN for a health worker)\n";
    return {};
  }
  if (const auto weak = auth::weak_password(*typed, login); !weak.empty()) {
    std::cerr << "paygham user: choose another password: " << weak << "\n";
    return {};
  }
  if (isatty(STDIN_FILENO) != 0) {
    const auto again = read_secret_line("the same password again: ");
    if (!again || *again != *typed) {
      std::cerr << "paygham user: the two passwords differ; nothing changed\n";
      return {};
    }
  }
  return auth::hash_password(*typed);
}

bool valid_login(const std::string& login) {
  if (login.size() < 3 || login.size() > 32) return false;
  return std::all_of(login.begin(), login.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

// "1 running reminder, 3 calls to make": what a health worker's patients came to.
std::string counted(const actions::handed_over& h) {
  return std::to_string(h.series) + (h.series == 1 ? " running reminder, " : " running reminders, ") +
         std::to_string(h.calls) + (h.calls == 1 ? " call to make" : " calls to make");
}

}  // namespace

int user(const user_options& o) {
  auto loaded = load_config(o.config, channel_secrets::unused);
  if (!loaded) {
    std::cerr << loaded.error() << "\n";
    return exit_user_error;
  }
  const config& cfg = loaded.value();
  std::string phone;
  if (!o.phone.empty()) {
    const auto parsed = phone::parse_e164(o.phone, cfg.defaults_.region);
    if (!parsed) {
      std::cerr << "paygham user: " << parsed.error() << "\n";
      return exit_user_error;
    }
    phone = parsed.value();
  }
  if ((o.action == "create" || o.action == "duty") && !o.duty.empty() &&
      !schedule::day_window(o.duty)) {
    std::cerr << "paygham user: --duty is the hours on duty as HH:MM-HH:MM (08:00-16:00), not '"
              << o.duty << "'\n";
    return exit_user_error;
  }
  store::user u;
  if (o.action == "create") {
    u.name = o.name;
    u.role = o.role;
    u.facility = o.facility;
    u.phone = phone;
    u.login = o.login;
    u.duty = o.duty;
    u.supervisor = o.supervisor;
    if (u.supervisor && u.role != "health_worker") {
      std::cerr << "paygham user: --supervisor is for health workers (they supervise their clinic)\n";
      return exit_user_error;
    }
    if (!u.duty.empty() && u.role == "admin") {
      std::cerr
          << "paygham user: --duty is for operators and health workers (what reaches them when)\n";
      return exit_user_error;
    }
    if (u.role != "admin" && u.role != "operator" && u.role != "health_worker") {
      std::cerr << "paygham user: --role is admin, operator or health_worker, not '" << u.role << "'\n";
      return exit_user_error;
    }
    if (u.role != "health_worker" && u.login.empty()) {
      std::cerr << "paygham user: an " << (u.role == "admin" ? "admin" : "operator")
                << " works in the web console: give --login\n";
      return exit_user_error;
    }
    if (u.role == "health_worker" && (u.phone.empty() || u.facility.empty())) {
      std::cerr << "paygham user: a health worker needs --phone (the menu opens from it) and "
                   "--facility (their clinic)\n";
      return exit_user_error;
    }
    const bool needs_content = u.role == "health_worker" || !o.language.empty();
    const auto content = needs_content ? load_checked_content(cfg, "user") : nullptr;
    if (needs_content && !content) return exit_user_error;
    if (!o.language.empty() && !content->texts.knows(o.language)) {
      std::string known;
      for (const auto& l : content->texts.languages()) known += (known.empty() ? "" : ", ") + l;
      std::cerr << "paygham user: --language is a language of the templates (" << known
                << "), not '" << o.language << "'\n";
      return exit_user_error;
    }
    if (u.role == "health_worker") {
      if (!content->clinics.find(u.facility)) {
        std::string known;
        for (const auto& c : content->clinics.all()) known += (known.empty() ? "" : ", ") + c.id;
        std::cerr << "paygham user: no clinic '" << u.facility << "' in the clinics file"
                  << (known.empty() ? " (the config names none)" : " (known: " + known + ")") << "\n";
        return exit_user_error;
      }
      u.pin_hash = new_pin(u.phone);
      if (u.pin_hash.empty()) return exit_user_error;
    }
    if (!u.login.empty()) {
      u.password_hash = new_password(u.login);
      if (u.password_hash.empty()) return exit_user_error;
    }
  } else if (o.action == "pin") {
    u.pin_hash = new_pin(phone);
    if (u.pin_hash.empty()) return exit_user_error;
  } else if (o.action == "password") {
    u.password_hash = new_password(o.login);
    if (u.password_hash.empty()) return exit_user_error;
  }
  if (!o.login.empty() && !valid_login(o.login)) {
    std::cerr << "paygham user: a login is 3 to 32 of a-z, 0-9, '.', '_' and '-'\n";
    return exit_user_error;
  }
  try {
    const auto writer = store::open_writer(cfg.store);
    std::string problem;
    std::vector<store::user> all;
    std::int64_t id = 0;
    actions::handed_over handed;  // disable: where a health worker's patients went; create: what they took over
    std::string facility;         // disable: a health worker's clinic
    store::run_now(*writer, [&](store::tx& t) {
      const auto existing = !phone.empty() ? t.find_user_by_phone(phone)
                            : !o.login.empty() ? t.find_user_by_login(o.login)
                                               : std::nullopt;
      const std::string who = !phone.empty() ? "the phone " + core::log::mask_phone(phone) : "the login " + o.login;
      if (o.action == "list") {
        all = t.list_users();
      } else if (o.action == "create") {
        if (existing) {
          problem = who + " already belongs to user " + std::to_string(existing->id) + " (" + existing->name + ")";
          return;
        }
        if (!u.login.empty() && t.find_user_by_login(u.login)) {
          problem = "the login " + u.login + " is taken";
          return;
        }
        // A person's second SIM (R-L6) is theirs: their SMS from it would be a user's.
        if (const auto person = phone.empty() ? std::nullopt : t.find_contact_by_phone(phone);
            person && person->phone != phone) {
          problem = who + " is one of contact " + std::to_string(person->id) +
                    "'s other numbers (a person's second SIM): remove it from them first, on the "
                    "console's contact page or with DELETE /api/v1/contacts/" +
                    std::to_string(person->id) + "/numbers/{number}";
          return;
        }
        id = t.add_user(u);
        if (!o.language.empty()) t.set_contact_language(t.upsert_contact(phone).id, o.language);
        // At a clinic whose workers all left, the new one takes over what they left.
        handed = actions::take_over_patients(t, *t.find_user(id));
        t.audit("cli", "users.create", "user:" + std::to_string(id), handed.json().dump());
      } else if (!existing) {
        problem = "no user has " + who;
      } else if (o.action == "pin") {
        t.set_pin(existing->id, u.pin_hash);
        id = existing->id;
        t.audit("cli", "users.pin", "user:" + std::to_string(id), "{}");
      } else if (o.action == "password") {
        t.set_password(existing->id, u.password_hash);
        id = existing->id;
        t.audit("cli", "users.password", "user:" + std::to_string(id), "{}");
      } else if (o.action == "supervisor") {
        if (existing->role != "health_worker") {
          problem = "only a health worker supervises a clinic; user " + std::to_string(existing->id) + " is " +
                    existing->role;
          return;
        }
        t.set_user_supervisor(existing->id, o.supervisor);
        id = existing->id;
        t.audit("cli", "users.supervisor", "user:" + std::to_string(id),
                nlohmann::json{{"supervisor", o.supervisor}}.dump());
      } else if (o.action == "duty") {
        if (existing->role == "admin") {
          problem = "an admin has no duty hours; user " + std::to_string(existing->id) + " is one";
          return;
        }
        t.set_user_duty(existing->id, o.duty);
        id = existing->id;
        t.audit("cli", "users.duty", "user:" + std::to_string(id),
                nlohmann::json{{"duty", o.duty}}.dump());
      } else {
        handed = actions::disable_user(t, *existing);
        id = existing->id;
        t.audit("cli", "users.disable", "user:" + std::to_string(id), handed.json().dump());
        if (existing->role == "health_worker") facility = existing->facility;
      }
    });
    writer->stop();
    if (!problem.empty()) {
      std::cerr << "paygham user: " << problem << "\n";
      return exit_user_error;
    }
    if (o.action == "list") {
      for (const auto& x : all) {
        std::cout << x.id << "\t" << x.role << "\t" << (x.facility.empty() ? "-" : x.facility) << "\t"
                  << (x.phone.empty() ? "-" : core::log::mask_phone(x.phone)) << "\t"
                  << (x.login.empty() ? "-" : x.login) << "\t" << x.name
                  << (x.duty.empty() ? "" : "\ton duty " + x.duty) << (x.supervisor ? "\tsupervisor" : "")
                  << (x.disabled ? "\t(disabled)" : x.locked_until > core::now_ms() ? "\t(locked)" : "") << "\n";
      }
      return exit_ok;
    }
    const std::string done =
        o.action == "create"     ? "created"
        : o.action == "pin"      ? "has a new PIN, unlocked"
        : o.action == "password" ? "has a new password, unlocked; their sessions ended"
        : o.action == "supervisor"
            ? (o.supervisor ? "supervises their clinic" : "no longer supervises")
        : o.action == "duty" ? (o.duty.empty() ? "has no duty hours" : "is on duty " + o.duty)
                             : "disabled";
    std::cout << "user " << id << " " << done << "\n";
    if (o.action == "create" && handed.to != 0) {
      std::cout << "they take over what health workers who left had: " << counted(handed) << "\n";
    } else if (handed.to != 0) {
      std::cout << "their patients go to user " << handed.to << " (" << handed.to_name << "): " << counted(handed)
                << "\n";
    } else if (!facility.empty()) {
      std::cout << "nobody else at " << facility << " has a phone and a PIN for the health-worker menu"
                << ": their patients' reminders go on, and a patient asking for a call is told to call the clinic;"
                   " add a health worker there (paygham user create --role health_worker --facility "
                << facility << " …)\n";
    }
    return exit_ok;
  } catch (const std::exception& e) {
    std::cerr << "paygham user: " << e.what() << "\n";
    return exit_user_error;
  }
}

}  // namespace paygham::app
