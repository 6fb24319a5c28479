// The runner applies one inbound event inside the store's current transaction: find or
// create the contact and the run, step the flow engine, and write the new run state and
// every message the step queued. The caller (api) answers the aggregator only after the
// transaction commits, so an acknowledged event is never lost.
//
// Runs on the store's writer thread; flows and texts are read from an immutable bundle
// that reload() swaps whole, so a run in flight never sees half a reload.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <string>

#include "gateway/core/event.hpp"
#include "gateway/flow/engine.hpp"
#include "gateway/flow/flow.hpp"
#include "gateway/text/catalog.hpp"
#include "gateway/text/lexicon.hpp"

namespace paygham::store {
class tx;
struct contact;
}

namespace paygham::runner {

// Flows and the texts they use, loaded and checked together.
struct content {
  flow::flow_set flows;
  text::catalog texts;
  text::lexicon words;  // yes/no replies in every language
  // Earlier versions of flows, by content hash, kept across reloads so that a run finishes on
  // the version it started on (reload() fills it).
  std::map<std::string, std::shared_ptr<const flow::definition>, std::less<>> versions;

  // The flow a run is pinned to: its version by hash, else the current flow of that id.
  const flow::definition* pinned(std::string_view id, std::string_view hash) const;
};

struct settings {
  std::string default_language = "en";
  std::string timezone = "UTC";  // dates and times in texts
  // Offered, in this order, to a number that has not chosen a language yet, before any flow
  // (domain.md 1.5). Fewer than two: nobody is asked.
  std::vector<std::string> languages;
};

struct sms_outcome {
  bool duplicate = false;   // seen before: acknowledged, nothing else done
  std::size_t queued = 0;   // messages queued in reply
  std::string flow_id;      // the flow that answered, if any
};

class runner {
 public:
  runner(std::shared_ptr<const content> c, settings s);

  // Replaces flows and texts for runs that step from now on. Runs already under way keep
  // stepping on the flow version they started on.
  void reload(std::shared_ptr<content> c);
  std::shared_ptr<const content> current() const;

  // One USSD hop: returns the screen to answer with. A repeated hop (the aggregator retrying
  // the same input) gets the same screen again and changes nothing.
  core::ussd_reply apply_ussd(store::tx& tx, const core::ussd_request& req) const;

  // One inbound SMS: stored once per (channel, external id); answers the run that waits for
  // a reply, else starts the flow whose keyword it carries.
  sms_outcome apply_sms(store::tx& tx, const core::inbound_sms& sms) const;

  // The apology shown when a step could not be stored (common.error, default language).
  std::string error_text() const;

 private:
  std::vector<std::string> languages_for(const std::string& contact_language) const;
  bool asks_language(const store::contact& who) const;
  // The language picker: each language named in its own script (common.language_name),
  // under a header that joins every language's common.choose_language.
  std::string language_screen(const content& c, const std::string& reason) const;
  // The language an answer to the picker chooses, or "".
  std::string chosen_language(const content& c, std::string_view answer) const;
  // The picker's step, before any flow (domain.md 1.5): a chosen language is remembered and
  // the flow starts in it; anything else shows the picker again.
  void language_step(store::tx& tx, const content& c, const flow::definition& f,
                     std::int64_t contact_id, const std::optional<std::string>& answer,
                     flow::context& ctx, flow::outcome& out) const;

  mutable std::mutex mu_;  // guards content_ (swapped by reload from another thread)
  std::shared_ptr<const content> content_;
  settings settings_;
};

}  // namespace paygham::runner
