#include <iostream>

#include "gateway/app/commands.hpp"
#include "gateway/store/writer.hpp"
#include "gateway/store/at_rest.hpp"
#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
#include "gateway/app/gateway.hpp"
#include "gateway/channels/registry.hpp"
#include "gateway/core/log.hpp"

namespace paygham::app {
namespace {

// R-D4: Paygham encrypts the store itself (store.key), or the database lies on an encrypted
// volume, or the operator says it does where the gateway cannot see. False when `store.encryption:
// require` and it is not seen to be.
bool encrypted_at_rest(const store::options& so) {
  if (!so.key.empty()) {
    core::log::info("store.encryption", {{"by", "Paygham (AES-256-XTS, store.key)"}});
    return true;
  }
  if (so.at_rest == store::encryption::external) {
    core::log::info("store.encryption", {{"by", "the operator (store.encryption: external)"}});
    return true;
  }
  if (so.engine == store::backend::postgresql) {
    core::log::warn("store.encryption_unknown",
                    {{"why", "PostgreSQL keeps its data on its server"},
                     {"fix", "encrypt the volume of the server's data directory, then say "
                             "store.encryption: external"}});
    return true;
  }
  const store::at_rest seen = store::check_at_rest(so.path);
  if (seen.encrypted) {
    core::log::info("store.encryption", {{"by", seen.how}});
    return true;
  }
  const std::string fix =
      "set store.key to have Paygham encrypt the store, put the database on an encrypted volume "
      "(LUKS or fscrypt), "
      "or say store.encryption: external if it lies on one the gateway cannot see";
  if (so.at_rest == store::encryption::require) {
    std::cerr << "paygham serve: not started: store.encryption is 'require' and the database is not seen on an "
                 "encrypted volume: "
              << seen.how << ".\n  " << fix << "\n";
    return false;
  }
  core::log::warn("store.not_encrypted", {{"why", seen.how}, {"fix", fix}});
  return true;
}

}  // namespace

// A command on the store alone: the config read (channel secrets unused), `act` given the store's
// options, and what stops it said as "paygham <command>: …".
template <class Act>
int on_store(const std::string& config_path, const char* command, Act act) {
  auto loaded = load_config(config_path, channel_secrets::unused);
  if (!loaded) {
    std::cerr << loaded.error() << "\n";
    return exit_user_error;
  }
  try {
    act(loaded.value().store);
    return exit_ok;
  } catch (const std::exception& e) {
    std::cerr << "paygham " << command << ": " << e.what() << "\n";
    return exit_user_error;
  }
}

int migrate(const std::string& config_path) {
  return on_store(config_path, "migrate", [](const store::options& so) {
    const int version = store::migrate(so);
    std::cout << "store " << so.describe() << ": schema version " << version << "\n";
  });
}

int encrypt(const std::string& config_path) {
  return on_store(config_path, "encrypt", [](const store::options& so) {
    const bool done = store::encrypt(so);
    std::cout << "store " << so.describe()
              << (done ? ": encrypted with store.key\n" : ": already encrypted with store.key\n");
  });
}

int backup(const std::string& config_path, const std::string& to) {
  return on_store(config_path, "backup", [&](const store::options& so) {
    const std::uintmax_t bytes = store::backup(so, to);
    std::cout << "store " << so.describe() << ": copied to " << to << " ("
              << (bytes + 512 * 1024) / (1024 * 1024) << " MiB, checked)\n";
    if (so.key.empty()) {
      std::cout
          << "the copy is not encrypted: it holds phone numbers and health details; keep it on an "
             "encrypted disk\n";
    } else {
      std::cout
          << "the copy is encrypted with store.key: keep the key too, or it cannot be restored\n";
    }
  });
}

int restore(const std::string& config_path, const std::string& from) {
  return on_store(config_path, "restore", [&](const store::options& so) {
    const store::restored done = store::restore(so, from);
    std::cout << "store " << so.describe() << ": restored from " << from << "\n";
    if (!done.aside.empty())
      std::cout << "the store it replaced is kept as " << done.aside << " (remove it when sure)\n";
    if (done.waiting > 0) {
      std::cout
          << done.waiting << (done.waiting == 1 ? " message waits" : " messages wait")
          << " in the backup, unsent: when the gateway starts it sends those still within their\n"
             "channel's validity (24h by default). Any that were sent after the backup was taken "
             "reach\n"
             "their person a second time.\n";
    }
  });
}

int serve(const std::string& config_path) {
  // Everything is checked before anything starts: a bad flow or channel keeps the old
  // process (if any) serving and this one from starting.
  auto checked = check_deployment(config_path, core::now_ms());
  if (checked.cfg) {
    core::log::level level = core::log::level::info;
    core::log::parse_level(checked.cfg->log_level, level);
    core::log::set_level(level);
  }
  // What an operator should fix, though it does not stop the content going live.
  for (const auto& w : checked.warnings) core::log::warn("content.warning", {{"warning", w}});
  if (!checked.problems.empty()) {
    for (const auto& p : checked.problems) std::cerr << p << "\n";
    std::cerr << "paygham serve: not started; fix the problems above (paygham lint shows them)\n";
    return exit_user_error;
  }
  const config& cfg = *checked.cfg;
  if (!encrypted_at_rest(cfg.store)) return exit_user_error;
  for (const auto& w : checked.config_warnings) core::log::warn(w.event, {{"warning", w.text}});

  try {
    const std::size_t channel_count = checked.channels.size();
    gateway g(cfg, checked.content, std::move(checked.channels));
    const std::uint16_t port = g.listen();
    core::log::info("server.listening", {{"address", cfg.server.address},
                                         {"port", static_cast<std::int64_t>(port)},
                                         {"flows", checked.content->flows.size()},
                                         {"channels", channel_count},
                                         {"store", cfg.store.describe()},
                                         {"node", cfg.store.node_id}});
    g.run();
    // ~gateway stops the outbox, the client and the writer, in that order.
  } catch (const std::exception& e) {
    core::log::error("server.failed", {{"error", e.what()}});
    std::cerr << "paygham serve: " << e.what() << "\n";
    return exit_user_error;
  }
  core::log::info("server.stopped");
  return exit_ok;
}

}  // namespace paygham::app
