// `paygham districts`: what mine-safety subscribers wrote as their district (R-M1), by area,
// read by the districts file as it is now: how many each district counts, and the words no
// district's spellings match yet, for an operator to add to the file (an alert to one district
// reaches those only when asked to: `paygham broadcast --district`).
#include <algorithm>
#include <iostream>
#include <map>

#include "gateway/app/commands.hpp"
#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
#include "gateway/store/writer.hpp"
#include "gateway/text/districts.hpp"

namespace paygham::app {

int districts(const districts_options& o) {
  auto loaded = load_config(o.config, channel_secrets::unused);
  if (!loaded) {
    std::cerr << loaded.error() << "\n";
    return exit_user_error;
  }
  const config& cfg = loaded.value();
  const auto content = load_checked_content(cfg, "districts");
  if (!content) return exit_user_error;
  const text::district_table& known = content->districts;
  std::vector<store::written_district> written;
  try {
    auto so = cfg.store;
    so.busy_timeout_ms = command_busy_ms;
    const auto writer = store::open_writer(so);
    store::run_now(*writer, [&](store::tx& t) { written = t.written_districts(); });
    writer->stop();
  } catch (const std::exception& e) {
    std::cerr << "paygham districts: " << e.what() << "\n";
    return exit_user_error;
  }
  struct area_count {
    std::map<std::string, std::int64_t> by_district;  // every district of the file, 0 or more
    // As written (the commonest way of each place_key, so "Enjeel" and "enjeel " are one line),
    // with how many wrote it so.
    std::map<std::string, std::pair<std::string, std::int64_t>> unmatched;
  };
  std::map<std::string, area_count> areas;
  for (const auto& area : known.areas()) {
    if (o.area.empty() || area == o.area) {
      for (const auto& d : known.districts(area)) areas[area].by_district[d] = 0;
    }
  }
  for (const auto& w : written) {
    if (!o.area.empty() && w.area != o.area) continue;
    const std::string d = known.district_of(w.area, w.written);
    auto& a = areas[w.area];
    if (d.empty()) {
      // Listed most written first: the first way met of a place_key is its commonest.
      auto& [shown, n] = a.unmatched[text::place_key(w.written)];
      if (shown.empty()) shown = w.written;
      n += w.people;
    } else {
      a.by_district[d] += w.people;
    }
  }
  if (areas.empty()) {
    std::cout << (o.area.empty() ? "no subscriber has written a district, and the districts file lists none\n"
                                 : "nobody in " + o.area + " has written a district, and the districts file lists none there\n");
    return exit_ok;
  }
  bool any_unmatched = false;
  for (const auto& [area, a] : areas) {
    std::cout << area << "\n";
    for (const auto& [d, n] : a.by_district) std::cout << "  " << d << "\t" << n << (n == 1 ? " person\n" : " people\n");
    if (a.unmatched.empty()) continue;
    any_unmatched = true;
    std::vector<std::pair<std::string, std::int64_t>> most_first;
    for (const auto& [key, way] : a.unmatched) most_first.push_back(way);
    std::stable_sort(most_first.begin(), most_first.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
    std::cout << "  written so, no district of the file:\n";
    for (const auto& [w, n] : most_first) std::cout << "    \"" << w << "\"\t" << n << (n == 1 ? " person\n" : " people\n");
  }
  if (any_unmatched) {
    std::cout << "\nWhat no district matches gets every alert of its area, and an alert to one district\n"
                 "only without --district-known-only. Add each way of writing that you recognise to its\n"
                 "district in "
              << (cfg.districts_file.empty() ? std::string("a districts file (config: districts: districts.yaml)")
                                             : cfg.districts_file)
              << ", then reload the gateway (kill -HUP) or restart it.\n";
  }
  return exit_ok;
}

}  // namespace paygham::app
