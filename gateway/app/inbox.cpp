// `paygham inbox`: what people wrote that no flow took, and hazard reports, for an operator at
// a terminal: list them (newest first) and close one. Numbers are masked: answering a person is
// done from the console or the API, which keep who answered in the audit log. A listing is
// audited too (inbox.read): it shows people's own words.
#include <iostream>
#include <nlohmann/json.hpp>

#include "gateway/app/commands.hpp"
#include "gateway/app/config.hpp"
#include "gateway/core/log.hpp"
#include "gateway/store/writer.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::app {

int inbox(const inbox_options& o) {
  auto loaded = load_config(o.config, channel_secrets::unused);
  if (!loaded) {
    std::cerr << loaded.error() << "\n";
    return exit_user_error;
  }
  if (!o.status.empty() && o.status != "new" && o.status != "read" && o.status != "done" && o.status != "all") {
    std::cerr << "paygham inbox: --status is new, read, done or all\n";
    return exit_usage;
  }
  const auto limit = o.limit.empty() ? std::optional<std::int64_t>(50) : text::read_id(o.limit);
  if (!limit || *limit < 1 || *limit > 1000) {
    std::cerr << "paygham inbox: --limit is 1 to 1000\n";
    return exit_usage;
  }
  const auto id = o.id.empty() ? std::nullopt : text::read_id(o.id);
  if (o.action == "done" && !id) {
    std::cerr << "paygham inbox: done needs --id N (the item's number, from the list)\n";
    return exit_usage;
  }
  try {
    const auto writer = store::open_writer(loaded.value().store);
    std::vector<store::inbox_entry> items;
    bool found = true;
    store::run_now(*writer, [&](store::tx& t) {
      if (o.action == "done") {
        const auto item = t.find_inbox(*id);
        found = item.has_value();
        if (!found) return;
        t.update_inbox(item->id, "done", item->assigned_to);
        t.audit("cli", "inbox.update", "inbox:" + std::to_string(item->id), R"({"status":"done"})");
        return;
      }
      const store::inbox_filter f{o.status == "all" ? "" : o.status.empty() ? "new" : o.status, o.flow};
      items = t.inbox_page(f, 0, static_cast<std::size_t>(*limit));
      // R-D4: people's words read at a terminal are audited, as the API's reads are.
      const nlohmann::json asked{{"status", f.status}, {"flow", f.flow}};
      t.audit("cli", "inbox.read", "inbox",
              nlohmann::json{{"query", asked}, {"count", items.size()}}.dump());
    });
    writer->stop();
    if (o.action == "done") {
      if (!found) {
        std::cerr << "paygham inbox: no item " << *id << "\n";
        return exit_user_error;
      }
      std::cout << "item " << *id << " done\n";
      return exit_ok;
    }
    for (const auto& e : items) {
      std::cout << e.id << "\t" << core::log::utc_text(e.created_at).substr(0, 16) << "\t"
                << core::log::mask_phone(e.phone) << "\t" << (e.flow_id.empty() ? "-" : e.flow_id)
                << "\t" << (e.urgent ? "URGENT" : "-") << "\t" << e.status << "\t" << e.body
                << "\n";
    }
    if (items.empty()) std::cerr << "nothing in the inbox with that state\n";
  } catch (const std::exception& ex) {
    std::cerr << "paygham inbox: " << ex.what() << "\n";
    return exit_user_error;
  }
  return exit_ok;
}

}  // namespace paygham::app
