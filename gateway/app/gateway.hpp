// The running gateway as one object: the store's writer and reader, the runner, the HTTP
// client, the outbox, the metrics and the HTTP server, wired together. It owns them all and
// stops them in the one safe order in its destructor, whatever happened before (a normal
// stop, or run() throwing):
//   1. the server: no request comes in, none is in flight, no signal is taken;
//   2. the reloads a signal asked for: the one under way finishes (it hands the writer work);
//   3. the outbox: no new claims or sends;
//   4. the HTTP client: its thread is joined, so no send reply is still to be handled;
//   5. the writer: everything queued is applied and made durable, and its callbacks (which
//      reach into the outbox and the server's services) run while those still exist;
//   6. the API's own threads (flow checks, password checks), to which those callbacks may
//      hand work.
// Only then are the parts destroyed. Callbacks hold references to members, never to locals.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateway/app/config.hpp"
#include "gateway/runner/runner.hpp"

namespace paygham::channels {
class channel;
}

namespace paygham::app {

class gateway {
 public:
  // Opens the store (migrating it) and builds every part. Throws with a message naming what
  // failed. `channels` are the config's channels, already made and checked.
  gateway(const config& cfg, std::shared_ptr<runner::content> content,
          std::vector<std::unique_ptr<channels::channel>> channels);
  ~gateway();
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  // Binds the server; the port (useful with port 0).
  std::uint16_t listen();

  // Serves until SIGINT/SIGTERM (SIGHUP reloads flows and templates). `on_started` runs on
  // the server's thread once it serves (tests use it); an exception from it, or from anything
  // else, leaves run() and the destructor still stops everything in order.
  void run(std::function<void()> on_started = {});

 private:
  struct parts;
  std::unique_ptr<parts> p_;
};

}  // namespace paygham::app
