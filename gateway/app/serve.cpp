#include <atomic>
#include <iostream>
#include <mutex>

#include "gateway/api/api.hpp"
#include "gateway/app/commands.hpp"
#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
#include "gateway/channels/registry.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/http/router.hpp"
#include "gateway/http/client.hpp"
#include "gateway/http/server.hpp"
#include "gateway/jobs/outbox.hpp"
#include "gateway/runner/runner.hpp"
#include "gateway/store/reader.hpp"
#include "gateway/store/writer.hpp"

namespace paygham::app {
namespace {

void report(const std::vector<std::string>& problems, const char* event) {
  for (const auto& p : problems) core::log::error(event, {{"problem", p}});
}

// What an operator should fix, though it does not stop the content going live.
void warn(const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) core::log::warn("content.warning", {{"warning", w}});
}

}  // namespace

int serve(const std::string& config_path) {
  auto loaded = load_config(config_path);
  if (!loaded) {
    std::cerr << loaded.error() << "\n";
    return exit_user_error;
  }
  const config& cfg = loaded.value();
  core::log::level level = core::log::level::info;
  core::log::parse_level(cfg.log_level, level);
  core::log::set_level(level);

  // Everything is checked before anything starts: a bad flow or channel keeps the old
  // process (if any) serving and this one from starting.
  std::vector<std::string> problems;
  std::vector<std::unique_ptr<channels::channel>> chans;
  for (const auto& s : cfg.channels) {
    auto ch = channels::make_channel(s);
    if (ch) {
      chans.push_back(std::move(ch).value());
    } else {
      problems.push_back(ch.error());
    }
  }
  std::vector<std::string> warnings;
  auto content = load_content(cfg, problems, &warnings);
  warn(warnings);
  if (!problems.empty()) {
    for (const auto& p : problems) std::cerr << p << "\n";
    std::cerr << "paygham serve: not started; fix the problems above (paygham lint shows them)\n";
    return exit_user_error;
  }

  try {
    store::writer writer(cfg.store);
    store::reader reader(cfg.store);
    std::mutex reader_mu;  // the reader serves /metrics and /readyz from any io thread

    const runner::settings settings = runner_settings(cfg);
    runner::runner run(content, settings);
    std::vector<const channels::channel*> chan_ptrs;
    for (const auto& ch : chans) chan_ptrs.push_back(ch.get());
    core::metrics metrics;
    metrics.info("paygham_build_info", "The version of Paygham serving.", {{"version", PAYGHAM_VERSION}});
    http::client_options client_opts;
    client_opts.ca_file = cfg.ca_file;
    http::client client(client_opts);
    jobs::outbox* outbox_ptr = nullptr;
    // What polling finds in an aggregator's inbox is stored like a callback's SMS.
    jobs::outbox outbox(writer, chan_ptrs, &client, &metrics, [&](const channels::callback& found) {
      auto sms = std::make_shared<std::vector<core::inbound_sms>>(found.sms);
      writer.submit([&run, sms](store::tx& tx) {
        for (const auto& m : *sms) run.apply_sms(tx, m);
      }, [&outbox_ptr](std::exception_ptr err) {
        if (!err && outbox_ptr) outbox_ptr->wake();
      });
    });
    outbox_ptr = &outbox;

    metrics.gauge("paygham_outbox_depth", "Outbound messages queued, retrying or being sent.",
                  [&] {
                    std::lock_guard lock(reader_mu);
                    return static_cast<double>(reader.outbox_depth());
                  });
    metrics.gauge("paygham_messages_unconfirmed",
                  "Messages sent with no final report by their channel's receipt deadline.", [&] {
                    std::lock_guard lock(reader_mu);
                    return static_cast<double>(reader.unconfirmed());
                  });
    metrics.gauge("paygham_store_commits", "Transactions the store writer committed (group commits).",
                  [&] { return static_cast<double>(writer.counters().groups); });
    metrics.gauge("paygham_store_items", "Work items (events, outbox rounds) the writer applied.",
                  [&] { return static_cast<double>(writer.counters().items); });
    metrics.gauge("paygham_store_syncs", "WAL fdatasyncs made before acknowledging work.",
                  [&] { return static_cast<double>(writer.counters().syncs); });
    metrics.gauge("paygham_store_checkpoints", "WAL checkpoints run off the writer's path.",
                  [&] { return static_cast<double>(writer.counters().checkpoints); });
    api::services services{writer, run, outbox, metrics, chans, [&]() -> std::string {
                             {
                               std::lock_guard lock(reader_mu);
                               if (!reader.healthy()) return "store not answering";
                             }
                             if (run.current()->flows.size() == 0) return "no flows loaded";
                             return {};
                           },
                           {},
                           std::chrono::milliseconds(cfg.hop_deadline_ms),
                           {}};
    services.ussd_limits = settings.ussd_limits;
    http::router routes;
    api::add_webhook_routes(routes, services);
    api::add_health_routes(routes, services);

    http::server server(cfg.server, routes, metrics);
    // Late USSD hops get their short END within 50 ms of the deadline.
    server.every(std::chrono::milliseconds(50), [&services] { api::sweep_deadlines(services); });
    // The clock's work (SMS timeouts, dropped USSD sessions), once a second; never two
    // ticks queued at once.
    auto ticking = std::make_shared<std::atomic<bool>>(false);
    server.every(std::chrono::seconds(1), [&writer, &run, &outbox, ticking] {
      outbox.tick();
      if (ticking->exchange(true)) return;
      auto did = std::make_shared<runner::tick_outcome>();
      writer.submit([&run, did](store::tx& t) { *did = run.tick(t); },
                    [&outbox, did, ticking](std::exception_ptr err) {
                      ticking->store(false);
                      if (err) return core::log::error("tick.failed");
                      if (did->timeouts + did->continued > 0) outbox.wake();
                      if (did->timeouts + did->continued + did->expired > 0) {
                        core::log::info("tick", {{"timeouts", did->timeouts},
                                                 {"continued", did->continued},
                                                 {"expired", did->expired}});
                      }
                    },
                    // A tick that moved a run asks for the disk itself (tx::require_disk).
                    store::durability::commit);
    });
    const std::uint16_t port = server.listen();
    server.handle_signals([&] {
      std::vector<std::string> reload_problems, reload_warnings;
      auto fresh = load_content(cfg, reload_problems, &reload_warnings);
      warn(reload_warnings);
      if (!reload_problems.empty()) {
        report(reload_problems, "reload.refused");
        return;
      }
      run.reload(fresh);
      core::log::info("reload.done", {{"flows", fresh->flows.size()}});
    });
    outbox.start();
    core::log::info("server.listening", {{"address", cfg.server.address},
                                         {"port", static_cast<std::int64_t>(port)},
                                         {"flows", content->flows.size()},
                                         {"channels", chans.size()},
                                         {"store", cfg.store.path}});
    server.run();
    outbox.stop();
    client.stop();
    writer.stop();
    core::log::info("server.stopped");
  } catch (const std::exception& e) {
    core::log::error("server.failed", {{"error", e.what()}});
    std::cerr << "paygham serve: " << e.what() << "\n";
    return exit_user_error;
  }
  return exit_ok;
}

}  // namespace paygham::app
