#include "gateway/jobs/outbox.hpp"

#include <memory>

#include "gateway/channels/channel.hpp"
#include "gateway/core/log.hpp"
#include "gateway/store/writer.hpp"

namespace paygham::jobs {

outbox::outbox(store::writer& w, std::vector<const channels::channel*> channels, std::size_t batch)
    : writer_(w), channels_(std::move(channels)), batch_(batch) {}

void outbox::start() {
  writer_.submit(
      [](store::tx& tx) {
        if (const std::size_t n = tx.requeue_in_flight()) {
          core::log::warn("outbox.requeued_after_restart", {{"messages", n}});
        }
      },
      [this](std::exception_ptr) { wake(); });
}

void outbox::wake() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    if (running_) {
      again_ = true;
      return;
    }
    running_ = true;
    again_ = false;
  }
  claim_next();
}

void outbox::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
}

void outbox::claim_next() {
  // One transaction claims and delivers a batch for every local channel: the claim, the
  // 'sent' and the 'delivered' events commit together, so a crash leaves no half-done send.
  auto delivered = std::make_shared<std::size_t>(0);
  writer_.submit(
      [this, delivered](store::tx& tx) {
        for (const channels::channel* ch : channels_) {
          if (!ch->local_delivery()) continue;  // HTTP senders arrive with their codecs
          for (const auto& m : tx.claim_due(ch->id(), batch_)) {
            core::log::info("console.message", {{"channel", ch->id()},
                                                {"message_id", static_cast<std::int64_t>(m.id)},
                                                {"to", core::log::phone{m.to_phone}},
                                                {"body", core::log::body{m.body}}});
            const std::string ref = "console-" + std::to_string(m.id);
            tx.set_message_status(m.id, core::message_status::sent, "console", "", ref);
            tx.set_message_status(m.id, core::message_status::delivered, "console", "");
            ++*delivered;
          }
        }
      },
      [this, delivered](std::exception_ptr err) {
        if (err) {
          try {
            std::rethrow_exception(err);
          } catch (const std::exception& e) {
            core::log::error("outbox.round_failed", {{"error", e.what()}});
          }
        }
        // A full batch means more may be due; otherwise idle until the next wake().
        finish_round(!err && *delivered >= batch_);
      });
}

void outbox::finish_round(bool more) {
  {
    std::lock_guard lock(mu_);
    if (stopped_) {
      running_ = false;
      return;
    }
    if (!more && !again_) {
      running_ = false;
      return;
    }
    again_ = false;
  }
  claim_next();
}

}  // namespace paygham::jobs
