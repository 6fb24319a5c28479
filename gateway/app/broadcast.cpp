// `paygham broadcast`: an alert or an education message to everyone subscribed to a
// programme's area, in each person's language (R-M). The command stores the broadcast; the
// serving gateway queues its messages in batches (runner::start_broadcast) and sends them.
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <thread>

#include "gateway/app/commands.hpp"
#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
#include "gateway/auth/password.hpp"
#include "gateway/core/duration.hpp"
#include "gateway/runner/runner.hpp"
#include "gateway/store/rules.hpp"
#include "gateway/store/writer.hpp"
#include "gateway/text/districts.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::app {
namespace {

// Who `login` is, as the audit log names people (user:3): an admin or an operator who may
// still log in, and who proves it with their console password (read from standard input: two
// people decide an urgent alert, each with their own). Empty, with why on standard error,
// when they are not.
std::string person(store::writer& w, const std::string& login) {
  std::optional<store::user> u;
  store::run_now(w, [&](store::tx& t) { u = t.find_user_by_login(login); });
  if (!u || u->disabled || u->password_hash.empty()) {
    std::cerr << "paygham broadcast: no console login '" << login
              << "' (an admin's or operator's: paygham user list shows them)\n";
    return {};
  }
  if (!store::sends_broadcasts(u->role)) {
    std::cerr << "paygham broadcast: '" << login << "' is a " << u->role << "; only admins and operators send broadcasts\n";
    return {};
  }
  const std::string prompt = login + "'s console password: ";
  const auto typed = read_secret_line(prompt.c_str());
  if (!typed || !auth::password_matches(u->password_hash, *typed)) {
    std::cerr << "paygham broadcast: that is not " << login << "'s console password\n";
    return {};
  }
  return "user:" + std::to_string(u->id);
}

// The config at `config_path` and the broadcast number `id_text` names, or nothing after
// saying on standard error why not.
std::optional<std::pair<config, std::int64_t>> config_and_id(const std::string& config_path,
                                                             const std::string& id_text) {
  auto loaded = load_config(config_path, channel_secrets::unused);
  if (!loaded) {
    std::cerr << loaded.error() << "\n";
    return std::nullopt;
  }
  const auto given = text::read_id(id_text);
  if (!given) {
    std::cerr << "paygham broadcast: --id is a broadcast's number, not '" << id_text << "'\n";
    return std::nullopt;
  }
  return std::pair{std::move(loaded).value(), *given};
}

}  // namespace

int broadcast(const broadcast_options& o) {
  auto loaded = load_config(o.config, channel_secrets::unused);
  if (!loaded) {
    std::cerr << loaded.error() << "\n";
    return exit_user_error;
  }
  const config& cfg = loaded.value();
  const auto content = load_checked_content(cfg, "broadcast");
  if (!content) return exit_user_error;
  const auto settings = runner_settings(cfg);
  if (!content->texts.resolve(o.text, {settings.default_language, "en"})) {
    std::cerr << "paygham broadcast: no text '" << o.text << "' in templates/" << settings.default_language
              << ".yaml (a broadcast sends a template, in each person's language)\n";
    return exit_user_error;
  }
  if (const auto bad = runner::check_broadcast_text(o.text, content->texts, settings)) {
    std::cerr << "paygham broadcast: " << bad->message << "\n";
    return exit_user_error;
  }
  for (const auto& lang : content->texts.languages()) {
    if (!content->texts.find(lang, o.text)) {
      std::cerr << "warning: templates/" << lang << ".yaml has no '" << o.text << "': people reading " << lang
                << " get the " << settings.default_language << " text\n";
    }
  }
  store::broadcast b;
  b.topic = o.topic;
  b.area = o.area;
  b.route = o.route;
  b.district = o.district;
  b.unknown_district = !o.district_known_only;
  b.template_key = o.text;
  runner::broadcast_request asked{o.priority, core::now_ms(), 0, 0, "cli"};
  if (!o.expires.empty()) {
    const auto d = core::parse_duration(o.expires);
    if (!d) {
      std::cerr << "paygham broadcast: --expires: " << d.error() << "\n";
      return exit_user_error;
    }
    asked.valid_for = d.value().count();
  }
  if (const auto bad = runner::check_district(b, content->districts)) {
    std::cerr << "paygham broadcast: --district: " << bad->message << "\n";
    return exit_user_error;
  }
  if (const auto bad = runner::plan_broadcast(b, asked, settings)) {
    std::cerr << "paygham broadcast: --" << (bad->field == "expires_at" ? "expires" : bad->field) << ": " << bad->message
              << "\n";
    return exit_user_error;
  }
  try {
    auto so = cfg.store;
    so.busy_timeout_ms = command_busy_ms;
    const auto writer = store::open_writer(so);
    if (!o.by.empty()) {
      const std::string who = person(*writer, o.by);
      if (who.empty()) return exit_user_error;
      b.requested_by = who;
      if (!b.awaiting_approval()) b.approved_by = who;  // one person's approval is enough
    }
    std::int64_t id = 0;
    std::int64_t unknown = 0;  // of the audience, those whose district is not known
    std::int64_t unread = 0;   // in the area, those the file on disk reads otherwise than the gateway did
    store::run_now(*writer, [&](store::tx& t) {
      // The gateway reads subscribers' words by the districts file (at start, on reload): after
      // an edit it has not read yet, the audience would not be what the file says.
      if (!b.district.empty()) {
        for (const auto& w : runner::read_otherwise(t, content->districts)) {
          if (w.area == b.area) unread += w.people;
        }
        if (unread > 0) return;
      }
      b.audience = t.count_audience(b);
      if (!b.district.empty() && b.unknown_district) {
        auto known_only = b;
        known_only.unknown_district = false;
        unknown = b.audience - t.count_audience(known_only);
      }
      if (b.audience > o.confirm_above && !o.yes) return;
      if (b.audience == 0) return;
      id = runner::start_broadcast(t, b);
      t.audit(b.requested_by, "broadcasts.create", "broadcast:" + std::to_string(id),
              nlohmann::json{{"topic", b.topic}, {"area", b.area}, {"route", b.route}, {"district", b.district},
                             {"unknown_district", b.unknown_district}, {"text", b.template_key}, {"priority", o.priority},
                             {"audience", b.audience}, {"not_before", b.not_before}, {"expires_at", b.expires_at},
                             {"via", "cli"}}
                  .dump());
    });
    writer->stop();
    if (unread > 0) {
      std::cerr << "paygham broadcast: the districts file reads the words of " << unread << " of the people in " << b.area
                << " otherwise than the gateway did: reload the gateway (kill -HUP) or restart it, then send again\n";
      return exit_user_error;
    }
    const bool one = b.audience == 1;
    const std::string who = std::to_string(b.audience) + (one ? " person" : " people") + " subscribed to " + b.topic +
                            (b.area.empty() ? " (every area)" : " in " + b.area) +
                            (b.district.empty() ? "" : ", district " + b.district) +
                            (b.route.empty() ? "" : (one ? " who comes by " : " who come by ") + b.route) +
                            (unknown == 0 ? "" : " (" + std::to_string(unknown) + " of them with their district not known)");
    if (b.audience == 0) {
      // Nobody, because of a typo ("heratt")? Said as an error; names nobody has used yet are fine.
      if (const auto bad =
              runner::subscription_names(content->flows).check(b.topic, b.area, b.route)) {
        std::cerr << "paygham broadcast: --" << bad->field << ": " << bad->message << "\n";
        return exit_user_error;
      }
      std::cout << "nobody to send to: 0 " << who.substr(2) << "\n";
      return exit_ok;
    }
    if (id == 0) {
      std::cerr << "paygham broadcast: " << who << ", more than " << o.confirm_above
                << ". Check the area and the text, then run again with --yes to send it.\n";
      return exit_user_error;
    }
    if (b.awaiting_approval()) {
      std::cout << "broadcast " << id << ": " << who << "; an urgent alert goes when a second person approves it:\n"
                << "  paygham broadcast approve --id " << id << " --by THEIR_LOGIN   (or in the console)\n"
                << "  paygham broadcast cancel --id " << id << " --by LOGIN          (if it is wrong)\n";
      return exit_ok;
    }
    std::cout << "broadcast " << id << ": " << who << "; the gateway queues it now\n";
    return exit_ok;
  } catch (const std::exception& e) {
    std::cerr << "paygham broadcast: " << e.what() << "\n";
    return exit_user_error;
  }
}

int broadcast_decide(const std::string& config_path, const std::string& action, const std::string& id_text,
                     const std::string& by) {
  const auto target = config_and_id(config_path, id_text);
  if (!target) return exit_user_error;
  const std::int64_t id = target->second;
  try {
    auto so = target->first.store;
    so.busy_timeout_ms = command_busy_ms;
    const auto writer = store::open_writer(so);
    const std::string actor = person(*writer, by);
    if (actor.empty()) return exit_user_error;
    // A district the file no longer lists (edited since the alert was asked for) would reach
    // only those whose district is not known: refused, to be asked for again.
    text::district_table districts;
    std::vector<std::string> problems;
    if (const auto& file = target->first.districts_file; !file.empty()) districts = text::load_districts(file, problems);
    std::optional<store::broadcast> b;
    std::optional<runner::broadcast_refusal> gone;
    bool done = false;
    std::size_t stopped = 0;  // messages not yet sent, cancelled
    store::run_now(*writer, [&](store::tx& t) {
      b = t.find_broadcast(id);
      if (!b) return;
      if (action == "cancel") {
        // Awaiting approval, or under way: whatever is not yet sent.
        const auto cancelled = runner::cancel_broadcast(t, *b, actor, "cli");
        done = cancelled.has_value();
        stopped = cancelled.value_or(0);
        return;
      }
      if (!b->awaiting_approval() || b->requested_by == actor) return;
      if (!b->district.empty() && !problems.empty()) {
        gone = runner::broadcast_refusal{"district", "the districts file has a problem (" + problems.front() +
                                                         "): mend it (paygham lint), then approve"};
        return;
      }
      if ((gone = runner::check_district(*b, districts))) return;
      done = runner::approve_broadcast(t, b->id, actor);
      if (done) {
        t.audit(actor, "broadcasts.approve", "broadcast:" + std::to_string(b->id),
                nlohmann::json{{"audience", b->audience}, {"requested_by", b->requested_by}, {"via", "cli"}}.dump());
      }
    });
    writer->stop();
    if (!b) {
      std::cerr << "paygham broadcast: no broadcast " << id << "\n";
      return exit_user_error;
    }
    if (gone) {
      std::cerr << "paygham broadcast: broadcast " << b->id << " is for district " << b->district << ": " << gone->message
                << ". Cancel it and ask for it again.\n";
      return exit_user_error;
    }
    if (!done) {
      std::cerr << "paygham broadcast: broadcast " << b->id
                << (b->cancelled              ? " was cancelled"
                    : action == "cancel"      ? " has gone out: every message of it is with the aggregator"
                    : !b->awaiting_approval() ? " awaits no approval"
                                              : " was asked for by " + by + ": a second person must approve it")
                << "\n";
      return exit_user_error;
    }
    if (action == "approve") {
      std::cout << "broadcast " << b->id << " approved: the gateway queues it now for " << b->audience
                << (b->audience == 1 ? " person\n" : " people\n");
    } else if (b->awaiting_approval()) {
      std::cout << "broadcast " << b->id << " cancelled: nothing goes to " << b->audience
                << (b->audience == 1 ? " person\n" : " people\n");
    } else {
      std::cout << "broadcast " << b->id << " stopped: nobody more is queued, and " << stopped
                << (stopped == 1 ? " message" : " messages") << " not yet sent cancelled (those sent stay sent)\n";
    }
    return exit_ok;
  } catch (const std::exception& e) {
    std::cerr << "paygham broadcast: " << e.what() << "\n";
    return exit_user_error;
  }
}

int broadcast_status(const std::string& config_path, const std::string& id_text, bool watch) {
  const auto target = config_and_id(config_path, id_text);
  if (!target) return exit_user_error;
  const std::int64_t id = target->second;
  try {
    auto so = target->first.store;
    so.busy_timeout_ms = command_busy_ms;
    const auto writer = store::open_writer(so);
    while (true) {
      std::optional<store::broadcast> b;
      std::map<std::string, std::int64_t> states;
      store::run_now(*writer, [&](store::tx& t) {
        b = t.find_broadcast(id);
        if (b) states = t.broadcast_progress(id);
      });
      if (!b) {
        std::cerr << "paygham broadcast: no broadcast " << id << "\n";
        return exit_user_error;
      }
      std::int64_t open = 0;
      std::string line = "broadcast " + std::to_string(id) + " (" + b->topic + (b->area.empty() ? "" : ", " + b->area) +
                         (b->district.empty() ? ""
                          : ", district " + b->district +
                                (b->unknown_district ? " and those whose district is not known" : " (known only)")) +
                         (b->route.empty() ? "" : ", by " + b->route) + "): " + std::to_string(b->queued) + " of " + std::to_string(b->audience) + " queued" +
                         (b->done ? "" : " so far") +
                         (b->cancelled ? ", cancelled" : b->awaiting_approval() ? ", awaiting a second person's approval" : "");
      for (const auto& [state, n] : states) {
        line += ", " + std::to_string(n) + " " + state;
        if (state == "queued" || state == "sending" || state == "sent" || state == "retrying") open += n;
      }
      std::cout << line << std::endl;
      if (!watch || (b->done && open == 0)) break;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    writer->stop();
    return exit_ok;
  } catch (const std::exception& e) {
    std::cerr << "paygham broadcast: " << e.what() << "\n";
    return exit_user_error;
  }
}

}  // namespace paygham::app
