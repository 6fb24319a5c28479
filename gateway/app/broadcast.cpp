// `paygham broadcast`: an alert or an education message to everyone subscribed to a
// programme's area, in each person's language (R-M). The command stores the broadcast; the
// serving gateway queues its messages in batches (runner::start_broadcast) and sends them.
#include <chrono>
#include <iostream>
#include <thread>

#include "gateway/app/commands.hpp"
#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
#include "gateway/runner/runner.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/store/writer.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::app {

int broadcast(const broadcast_options& o) {
  auto loaded = load_config(o.config);
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
  for (const auto& lang : content->texts.languages()) {
    if (!content->texts.find(lang, o.text)) {
      std::cerr << "warning: templates/" << lang << ".yaml has no '" << o.text << "': people reading " << lang
                << " get the " << settings.default_language << " text\n";
    }
  }
  store::broadcast b;
  b.topic = o.topic;
  b.area = o.area;
  b.template_key = o.text;
  if (o.priority == "alert") {
    // P1: first in the outbox and at any hour (R-S8 exempts urgent safety alerts).
    b.prio = core::priority::alert;
  } else {
    // P2 area alerts and P3 education wait for the morning when it is night where the
    // deployment is.
    b.prio = o.priority == "area" ? core::priority::reminder : core::priority::bulk;
    b.not_before =
        schedule::after_quiet_hours(core::now_ms(), settings.timezone, settings.quiet_from, settings.quiet_to);
  }
  try {
    const auto writer = store::open_writer(cfg.store);
    std::int64_t id = 0;
    store::run_now(*writer, [&](store::tx& t) {
      b.audience = t.count_audience(b.topic, b.area);
      if (b.audience > o.confirm_above && !o.yes) return;
      if (b.audience > 0) id = runner::start_broadcast(t, b);
    });
    writer->stop();
    const std::string who = std::to_string(b.audience) + " people subscribed to " + b.topic +
                            (b.area.empty() ? " (every area)" : " in " + b.area);
    if (b.audience == 0) {
      std::cout << "nobody to send to: 0 " << who.substr(2) << "\n";
      return exit_ok;
    }
    if (id == 0) {
      std::cerr << "paygham broadcast: " << who << ", more than " << o.confirm_above
                << ". Check the area and the text, then run again with --yes to send it.\n";
      return exit_user_error;
    }
    std::cout << "broadcast " << id << ": " << who << "; the gateway queues it now\n";
    return exit_ok;
  } catch (const std::exception& e) {
    std::cerr << "paygham broadcast: " << e.what() << "\n";
    return exit_user_error;
  }
}

int broadcast_status(const std::string& config_path, const std::string& id_text, bool watch) {
  auto loaded = load_config(config_path);
  if (!loaded) {
    std::cerr << loaded.error() << "\n";
    return exit_user_error;
  }
  const auto given = text::read_id(id_text);
  if (!given) {
    std::cerr << "paygham broadcast: --id is a broadcast's number, not '" << id_text << "'\n";
    return exit_user_error;
  }
  const std::int64_t id = *given;
  try {
    const auto writer = store::open_writer(loaded.value().store);
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
                         "): " + std::to_string(b->queued) + " of " + std::to_string(b->audience) + " queued" +
                         (b->done ? "" : " so far");
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
