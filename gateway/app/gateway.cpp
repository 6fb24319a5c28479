#include "gateway/app/gateway.hpp"

#include <atomic>
#include <mutex>

#include "gateway/api/api.hpp"
#include "gateway/app/content.hpp"
#include "gateway/channels/channel.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/http/client.hpp"
#include "gateway/http/router.hpp"
#include "gateway/http/server.hpp"
#include "gateway/jobs/outbox.hpp"
#include "gateway/store/reader.hpp"
#include "gateway/store/writer.hpp"

namespace paygham::app {
namespace {

http::client_options client_options_for(const config& cfg) {
  http::client_options o;
  o.ca_file = cfg.ca_file;
  http::proxy_from_environment(o);
  return o;
}

std::vector<const channels::channel*> pointers(const std::vector<std::unique_ptr<channels::channel>>& chans) {
  std::vector<const channels::channel*> out;
  for (const auto& ch : chans) out.push_back(ch.get());
  return out;
}

}  // namespace

// In construction order; destroyed in reverse, after ~gateway() has stopped them.
struct gateway::parts {
  parts(const config& c, std::shared_ptr<runner::content> content, std::vector<std::unique_ptr<channels::channel>> chs)
      : cfg(c),
        channels(std::move(chs)),
        writer(store::open_writer(cfg.store)),
        reader(store::open_reader(cfg.store)),
        settings(runner_settings(cfg)),
        run(std::move(content), settings),
        client(client_options_for(cfg)),
        // What polling finds in an aggregator's inbox is stored like a callback's SMS.
        outbox(*writer, pointers(channels), &client, &metrics,
               [this](const channels::callback& found) { store_polled(found); }),
        services{*writer,
                 run,
                 outbox,
                 metrics,
                 channels,
                 [this]() -> std::string {
                   {
                     std::lock_guard lock(reader_mu);
                     if (!reader->healthy()) return "store not answering";
                   }
                   if (run.current()->flows.size() == 0) return "no flows loaded";
                   return {};
                 },
                 settings.ussd_limits,
                 std::chrono::milliseconds(cfg.hop_deadline_ms),
                 {}},
        server(cfg.server, routes, metrics) {
    services.monitoring_from = cfg.monitoring_from;
    services.api_limits.set_rate(cfg.api_rate_per_token);
    services.validate_flow = [c = cfg](const std::string& file, const std::string& yaml) {
      return validate_flow(c, file, yaml).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
  }

  void store_polled(const channels::callback& found) {
    auto sms = std::make_shared<std::vector<core::inbound_sms>>(found.sms);
    writer->submit([this, sms](store::tx& tx) {
      for (const auto& m : *sms) run.apply_sms(tx, m);
    }, [this](std::exception_ptr err) {
      if (!err) outbox.wake();
    }, store::durability::disk, sms->empty() ? std::string() : sms->front().from);
  }

  config cfg;
  std::vector<std::unique_ptr<channels::channel>> channels;
  std::unique_ptr<store::writer> writer;
  std::unique_ptr<store::reader> reader;
  std::mutex reader_mu;  // the reader serves /metrics and /readyz from any io thread
  runner::settings settings;
  runner::runner run;
  core::metrics metrics;
  http::client client;
  jobs::outbox outbox;
  api::services services;
  http::router routes;
  http::server server;
  std::atomic<bool> ticking{false};  // never two clock ticks queued at once
  void tick(bool jobs_only = false);
};

// One tick of the clock on the writer (`ticking` is set while one is under way).
void gateway::parts::tick(bool jobs_only) {
  parts& p = *this;
  auto did = std::make_shared<runner::tick_outcome>();
  p.writer->submit([&p, did, jobs_only](store::tx& t) { *did = p.run.tick(t, jobs_only); },
                   [&p, did](std::exception_ptr err) {
                     if (err) {
                       p.ticking.store(false);
                       return core::log::error("tick.failed");
                     }
                     if (did->queued()) p.outbox.wake();
                     if (did->any() && !did->more) {
                       core::log::info("tick", {{"timeouts", did->timeouts},
                                                {"continued", did->continued},
                                                {"expired", did->expired},
                                                {"reminders", did->reminders},
                                                {"broadcast", did->broadcast}});
                     }
                     // More due work goes at once, after the hops waiting behind this one.
                     if (did->more) return p.tick(true);
                     p.ticking.store(false);
                   },
                   // A tick that moved a run asks for the disk itself (tx::require_disk).
                   store::durability::commit);
}


gateway::gateway(const config& cfg, std::shared_ptr<runner::content> content,
                 std::vector<std::unique_ptr<channels::channel>> channels)
    : p_(std::make_unique<parts>(cfg, std::move(content), std::move(channels))) {
  parts& p = *p_;
  p.metrics.info("paygham_build_info", "The version of Paygham serving, the node and its store engine.",
                 {{"version", PAYGHAM_VERSION},
                  {"node", cfg.store.node_id},
                  {"store", cfg.store.engine == store::backend::postgresql ? "postgresql" : "sqlite"}});
  p.metrics.gauge("paygham_outbox_depth", "Outbound messages queued, retrying or being sent.", [&p] {
    std::lock_guard lock(p.reader_mu);
    return static_cast<double>(p.reader->outbox_depth());
  });
  p.metrics.gauge("paygham_messages_unconfirmed", "Messages sent with no final report by their channel's receipt deadline.",
                  [&p] {
                    std::lock_guard lock(p.reader_mu);
                    return static_cast<double>(p.reader->unconfirmed());
                  });
  p.metrics.gauge("paygham_store_commits", "Transactions the store writer committed (group commits).",
                  [&p] { return static_cast<double>(p.writer->counters().groups); });
  p.metrics.gauge("paygham_store_items", "Work items (events, outbox rounds) the writer applied.",
                  [&p] { return static_cast<double>(p.writer->counters().items); });
  p.metrics.gauge("paygham_store_syncs", "WAL fdatasyncs made before acknowledging work.",
                  [&p] { return static_cast<double>(p.writer->counters().syncs); });
  p.metrics.gauge("paygham_store_checkpoints", "WAL checkpoints run off the writer's path.",
                  [&p] { return static_cast<double>(p.writer->counters().checkpoints); });
  p.metrics.gauge("paygham_store_retries", "Work items run again after a deadlock with another node.",
                  [&p] { return static_cast<double>(p.writer->counters().retries); });
  api::add_webhook_routes(p.routes, p.services);
  api::add_health_routes(p.routes, p.services);
  api::add_rest_routes(p.routes, p.services);
  // Late USSD hops get their short END within 50 ms of the deadline.
  p.server.every(std::chrono::milliseconds(50), [&p] { api::sweep_deadlines(p.services); });
  // The clock's work (SMS timeouts, dropped USSD sessions, due reminders), once a second; at
  // once again while a broadcast has batches left.
  p.server.every(std::chrono::seconds(1), [&p] {
    p.outbox.tick();
    if (!p.ticking.exchange(true)) p.tick();
  });
  // Finished jobs and old delivery reports go after their retention, a batch a minute.
  p.server.every(std::chrono::minutes(1), [&p] {
    const auto retention = p.cfg.store.retention_ms;
    p.writer->submit(
        [retention](store::tx& t) {
          if (const std::size_t n = t.prune(t.now() - retention, 5000)) core::log::info("store.pruned", {{"rows", n}});
        },
        nullptr, store::durability::commit);
  });
  p.server.handle_signals([&p] {
    std::vector<std::string> problems, warnings;
    auto fresh = load_content(p.cfg, problems, &warnings);
    for (const auto& w : warnings) core::log::warn("content.warning", {{"warning", w}});
    if (!problems.empty()) {
      for (const auto& pr : problems) core::log::error("reload.refused", {{"problem", pr}});
      return;
    }
    p.run.reload(fresh);
    core::log::info("reload.done", {{"flows", fresh->flows.size()}});
  });
}

gateway::~gateway() {
  // The one safe order (gateway.hpp), whether run() returned or threw.
  p_->server.stop();
  p_->outbox.stop();
  p_->client.stop();
  p_->writer->stop();
  p_->services.offload.stop();  // last: the writer's callbacks may hand it work
}

std::uint16_t gateway::listen() { return p_->server.listen(); }

void gateway::run(std::function<void()> on_started) {
  p_->outbox.start();
  if (on_started) p_->server.after(std::chrono::milliseconds(0), std::move(on_started));
  p_->server.run();
}

}  // namespace paygham::app
