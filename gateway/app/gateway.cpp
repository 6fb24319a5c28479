#include "gateway/app/gateway.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include "gateway/api/api.hpp"
#include "gateway/app/content.hpp"
#include "gateway/app/simulation.hpp"
#include "gateway/channels/channel.hpp"
#include "gateway/channels/tariff.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/flow/flow.hpp"
#include "gateway/http/client.hpp"
#include "gateway/http/router.hpp"
#include "gateway/http/server.hpp"
#include "gateway/jobs/outbox.hpp"
#include "gateway/store/reader.hpp"
#include "gateway/store/rules.hpp"
#include "gateway/store/writer.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/screen.hpp"
#include "gateway/text/segments.hpp"

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

// The flows folder and the clinics file for the API and the console: checked by lint before
// anything is written, written atomically (a whole file or none), and the running server
// switched with it.
class flows_folder : public api::flow_files {
 public:
  flows_folder(const config& c, std::function<std::vector<std::string>()> reload)
      : cfg_(c), reload_(std::move(reload)) {}

  std::string validate(const std::string& file, const std::string& yaml) const override {
    return validate_flow(cfg_, file, yaml).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  std::optional<std::string> read(const std::string& file) const override {
    return read_path(std::filesystem::path(cfg_.flows_dir) / file);
  }

  published publish(const std::string& file, const std::string& yaml, const std::optional<std::string>& version,
                    const std::function<void(const std::string& before)>& record) override {
    return replace(
        std::filesystem::path(cfg_.flows_dir) / file, yaml, version,
        [&] { return validate_flow(cfg_, file, yaml); }, record);
  }

  std::optional<std::string> read_clinics() const override {
    if (cfg_.clinics_file.empty()) return std::nullopt;
    return read_path(cfg_.clinics_file);
  }

  published publish_clinics(const std::string& yaml, const std::optional<std::string>& version,
                            const std::function<void(const std::string& before)>& record) override {
    if (cfg_.clinics_file.empty()) {
      published out;
      out.report = validate_clinics(cfg_, yaml)
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return out;
    }
    return replace(
        cfg_.clinics_file, yaml, version, [&] { return validate_clinics(cfg_, yaml); }, record);
  }

  std::vector<route> routes() const override {
    const auto one = [&](const std::string& name) {
      const text::screen_limits& s = cfg_.ussd_profiles.at(name).screen;
      return route{name, s.ucs2, s.ucs2 ? "" : s.digits_only() ? "digits" : "latin"};
    };
    std::vector<route> out{one("default")};
    for (const auto& [name, r] : cfg_.ussd_profiles) {
      if (name != "default") out.push_back(one(name));
    }
    return out;
  }

  std::string simulate(const std::string& file, const std::string& yaml, const std::string& ussd_code,
                       const std::string& language, const std::string& route,
                       const std::vector<std::string>& replies) const override {
    using json = nlohmann::json;
    std::vector<std::string> problems, warnings;
    auto content = content_with(cfg_, file, yaml, problems, warnings);
    json out{{"ok", problems.empty()}, {"problems", json::array()}, {"screens", json::array()}, {"sms", json::array()}};
    for (const auto& p : problems) out["problems"].push_back(located_problem(p));
    for (const auto& p : simulation_problems(cfg_, *content, language, route)) {
      out["ok"] = false;  // about the request, at no file's line
      out["problems"].push_back(json{{"file", nullptr}, {"line", nullptr}, {"column", nullptr}, {"message", p}});
    }
    if (!out["ok"].get<bool>()) return out.dump(-1, ' ', false, json::error_handler_t::replace);
    // A number of the first country of defaults.region, as a refugee's phone would be.
    const std::string phone = cfg_.defaults_.region.rfind("IR", 0) == 0 ? "+989120000000" : "+93700000000";
    simulation sim(cfg_, content, phone, language, route, core::now_ms());
    const text::screen_limits limits = cfg_.ussd_profiles.at(route.empty() ? "default" : route).screen;
    const auto screen = [&](const core::ussd_reply& r) {
      const auto size = text::measure_units(r.text);
      out["screens"].push_back(json{{"text", r.text},
                                    {"end", r.end},
                                    {"encoding", text::to_string(size.enc)},
                                    {"units", size.units},
                                    {"limit", text::check_screen(r.text, limits).limit}});
      return r.end;
    };
    if (!ussd_code.empty()) {
      std::string so_far;
      bool ended = screen(sim.hop("console", ussd_code, ""));
      for (const auto& r : replies) {
        if (ended) break;
        so_far = so_far.empty() ? r : so_far + "*" + r;
        ended = screen(sim.hop("console", ussd_code, so_far));
      }
    } else {
      for (const auto& r : replies) sim.sms(r);
    }
    for (const auto& m : sim.new_messages()) {
      const auto size = text::measure_sms(m.body);
      out["sms"].push_back(json{{"text", m.body},
                                {"encoding", text::to_string(size.enc)},
                                {"parts", size.parts},
                                {"cost_per_1000", channels::costs_json(cfg_.tariffs, size.enc == text::encoding::ucs2, size.parts)},
                                {"status", m.status}});
    }
    return out.dump(-1, ' ', false, json::error_handler_t::replace);
  }

 private:
  static std::optional<std::string> read_path(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // `target` replaced by `yaml` when `check` (lint's report) passes and, given `version`, the
  // file is still that version; written atomically (a whole file or none), the running server
  // switched with it, and `record`ed (the audit log, R-D4): on a problem with either, the file
  // goes back to what it was, and the server runs on unchanged.
  published replace(const std::filesystem::path& target, const std::string& yaml,
                    const std::optional<std::string>& version,
                    const std::function<nlohmann::json()>& check,
                    const std::function<void(const std::string& before)>& record) {
    namespace fs = std::filesystem;
    published out;
    if (version && flow::content_hash(read_path(target).value_or("")) != *version) {
      out.changed_since = true;
      return out;
    }
    auto report = check();
    out.ok = report.value("ok", false);
    if (out.ok) {
      out.before = read_path(target).value_or("");
      // A dot file is not read as a flow: a crash mid-write leaves nothing the loader reads.
      const fs::path temp =
          target.parent_path() / ("." + target.filename().string() + ".publishing");
      {
        std::ofstream o(temp, std::ios::binary | std::ios::trunc);
        o << yaml;
        o.flush();
        if (!o) throw std::runtime_error("cannot write " + temp.string());
      }
      const bool existed = fs::exists(target);
      fs::rename(temp, target);
      const auto put_back = [&] {
        if (existed) {
          // Whole, as it was written: a signal's reload may be reading the folder now.
          std::ofstream(temp, std::ios::binary | std::ios::trunc) << out.before;
          fs::rename(temp, target);
        } else {
          fs::remove(target);
        }
        out.ok = false;
        report["ok"] = false;
      };
      // What else changed on disk since the last load is checked again with it.
      const auto problems = reload_();
      if (!problems.empty()) {
        put_back();
        for (const auto& p : problems) report["problems"].push_back(located_problem(p));
      } else {
        try {
          record(out.before);
        } catch (const std::exception& e) {
          // A change that cannot be written down is not made (the audit log, R-D4).
          put_back();
          reload_();
          out.recorded = false;
          report["problems"].push_back(located_problem(
              std::string("the change could not be recorded, so the file is as it was (") +
              e.what() + ")"));
        }
      }
    }
    if (out.ok) report["version"] = flow::content_hash(yaml);
    out.report = report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return out;
  }

  config cfg_;
  std::function<std::vector<std::string>()> reload_;
};

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
                 settings.ussd_routes,
                 {}},
        server(cfg.server, routes, metrics) {
    // R-D4: every masked number in the log carries its pseudonym, the same on every node.
    core::log::set_pseudonym([key = reader->log_key()](std::string_view e164) { return store::number_pseudonym(key, e164); });
    services.monitoring_from = cfg.monitoring_from;
    services.parties = cfg.parties;
    services.tariffs = cfg.tariffs;
    services.api_limits.set_rate(cfg.api_rate_per_token);
    services.secure_cookies = cfg.public_url.rfind("https://", 0) == 0;
    services.flows = std::make_unique<flows_folder>(cfg, [this] { return reload(); });
    services.with_reader = [this](const std::function<void(store::reader&)>& fn) {
      std::lock_guard lock(reader_mu);
      fn(*reader);
    };
  }

  // Loads flows and texts again and switches to them, unless they have problems (returned,
  // and logged: the server goes on with what it had). Slow (every file read and checked):
  // never on an io thread. One at a time, whoever asks (a signal, a publish).
  std::vector<std::string> reload() {
    std::lock_guard lock(reload_mu);
    std::vector<std::string> problems, warnings;
    std::shared_ptr<runner::content> fresh;
    try {
      fresh = load_content(cfg, problems, &warnings);
    } catch (const std::exception& e) {
      // Whatever a file holds, a reload never takes the running server down.
      problems.push_back(std::string("the flows or texts could not be read: ") + e.what());
    }
    for (const auto& w : warnings) core::log::warn("content.warning", {{"warning", w}});
    if (!problems.empty()) {
      for (const auto& pr : problems) core::log::error("reload.refused", {{"problem", pr}});
      return problems;
    }
    run.reload(fresh);
    core::log::info("reload.done", {{"flows", fresh->flows.size()}});
    take_districts();
    return {};
  }

  // What subscribers wrote as their district, read again by the districts file as loaded now
  // (in the writer's job: of two reloads, the newest content is read; unchanged, not again).
  // Logged once committed, so what the log says is what the store holds. The table is
  // remembered in the transaction (one check and set, whichever lane runs it), and forgotten if
  // the commit fails, so the next reload reads the words again.
  void take_districts() {
    auto taken = std::make_shared<std::size_t>(0);
    writer->submit(
        [this, taken](store::tx& t) {
          std::lock_guard lock(districts_mu);  // PostgreSQL's writer has several lanes
          const auto content = run.current();
          if (districts_taken && *districts_taken == content->districts) return;
          *taken = runner::take_districts(t, content->districts);
          districts_taken = content->districts;
        },
        [this, taken](std::exception_ptr err) {
          if (err) {
            core::log::error("districts.failed", {{"error", core::log::what(err)}});
            std::lock_guard lock(districts_mu);
            districts_taken.reset();
            return;
          }
          if (*taken > 0) core::log::info("districts.taken", {{"subscriptions", *taken}});
        },
        store::durability::commit);
  }

  // A reload on its own thread, so hops are answered while the files are read. Signals that
  // come while one waits to start are one reload: it reads the files as they are when it starts.
  void reload_soon() {
    if (reload_queued.exchange(true)) return;
    reloads.post([this] {
      reload_queued.store(false);
      try {
        reload();
      } catch (const std::exception& e) {
        // Whatever went wrong, the server goes on with what it had.
        core::log::error("reload.failed", {{"error", e.what()}});
      }
    });
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
  std::mutex reload_mu;
  std::atomic<bool> reload_queued{false};
  api::background reloads;  // stopped in ~gateway before the writer it hands work
  std::mutex districts_mu;
  std::optional<text::district_table> districts_taken;  // the table subscribers were last read by
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
                                                {"invited", did->invited},
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
  p.metrics.gauge("paygham_store_retries",
                  "Work items run again: after a deadlock with another node, or after another item "
                  "failed beside them.",
                  [&p] { return static_cast<double>(p.writer->counters().retries); });
  api::add_webhook_routes(p.routes, p.services);
  api::add_health_routes(p.routes, p.services);
  api::add_rest_routes(p.routes, p.services);
  api::add_console_routes(p.routes);
  // Late USSD hops get their short END within 50 ms of the deadline.
  p.server.every(std::chrono::milliseconds(50), [&p] { api::sweep_deadlines(p.services); });
  // The clock's work (SMS timeouts, dropped USSD sessions, due reminders), once a second; at
  // once again while a broadcast has batches left.
  p.server.every(std::chrono::seconds(1), [&p] {
    p.outbox.tick();
    if (!p.ticking.exchange(true)) p.tick();
  });
  // Finished jobs and old delivery reports go after their retention, and personal data after
  // its own (R-D3), a batch a minute.
  p.server.every(std::chrono::minutes(1), [&p] {
    p.writer->submit(
        [so = p.cfg.store](store::tx& t) {
          if (const std::size_t n = t.prune(t.now() - so.retention_ms, 5000)) {
            core::log::info("store.pruned", {{"rows", n}});
          }
          const auto before = [&t](std::int64_t kept) { return kept > 0 ? t.now() - kept : 0; };
          const store::retention_before past{before(so.text_retention_ms), before(so.visit_retention_ms),
                                             before(so.delivery_retention_ms), before(so.reporter_retention_ms),
                                             before(so.callback_retention_ms)};
          if (const std::size_t n = t.forget_past(past, 5000)) core::log::info("store.forgotten", {{"rows", n}});
        },
        nullptr, store::durability::commit);
  });
  p.server.handle_signals([&p] { p.reload_soon(); });
}

gateway::~gateway() {
  // The one safe order (gateway.hpp), whether run() returned or threw.
  p_->server.stop();
  p_->reloads.stop();  // a reload hands the writer work
  p_->outbox.stop();
  p_->client.stop();
  p_->writer->stop();
  // Last: the writer's callbacks may hand them work.
  p_->services.offload.stop();
  p_->services.password_checks.stop();
}

std::uint16_t gateway::listen() { return p_->server.listen(); }

void gateway::run(std::function<void()> on_started) {
  p_->outbox.start();
  p_->take_districts();
  if (on_started) p_->server.after(std::chrono::milliseconds(0), std::move(on_started));
  p_->server.run();
}

}  // namespace paygham::app
