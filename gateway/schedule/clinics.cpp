#include "gateway/schedule/clinics.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "gateway/core/utf8.hpp"
#include "gateway/core/yaml.hpp"
#include "gateway/schedule/calendar.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"

namespace paygham::schedule {

const std::string& clinic::name_in(std::string_view lang) const {
  if (auto it = name.find(lang); it != name.end()) return it->second;
  return name.at("en");
}

bool clinic::offers(std::string_view service) const {
  return std::find(services.begin(), services.end(), service) != services.end();
}

bool clinic::open_on(long long day) const {
  return open_weekdays.count(iso_weekday(day)) == 1 && closed_days.count(day) == 0;
}

const window* clinic::window_at(int from) const {
  for (const auto& w : windows) {
    if (w.from == from) return &w;
  }
  return nullptr;
}

clinic clinic::with(const week& w) const {
  clinic out = *this;
  out.open_weekdays = w.open_weekdays;
  out.windows = w.windows;
  return out;
}

std::string window_problem(const std::vector<window>& earlier, const window& w) {
  if (w.to <= w.from) return "a window runs from one time of day to a later one, written HH:MM (from: \"08:00\", to: \"10:00\")";
  if (w.capacity < 1 || w.capacity > 10'000) return "a window's capacity is how many people it takes: 1 to 10000";
  if (w.kept < 0 || w.kept > w.capacity) {
    return "kept (" + std::to_string(w.kept) + " places for health workers' bookings) is more than the window's capacity (" +
           std::to_string(w.capacity) + ")";
  }
  if (!earlier.empty() && w.from < earlier.back().to) return "windows must be in order of the day and must not overlap";
  return {};
}

nlohmann::json week_json(const week& w) {
  nlohmann::json open = nlohmann::json::array();
  // In the order of the week people there keep: Saturday first.
  for (const int day : {6, 7, 1, 2, 3, 4, 5}) {
    if (w.open_weekdays.count(day)) open.push_back(weekday_name(day));
  }
  nlohmann::json windows = nlohmann::json::array();
  for (const auto& x : w.windows) {
    windows.push_back({{"from", clock_text(x.from)}, {"to", clock_text(x.to)}, {"capacity", x.capacity}, {"kept", x.kept}});
  }
  return {{"open", std::move(open)}, {"windows", std::move(windows)}};
}

std::variant<week, std::string> read_week(const nlohmann::json& j) {
  if (!j.is_object()) return std::string("the hours are {\"open\": [\"sat\", …], \"windows\": [{\"from\": \"08:00\", …}]}");
  week out;
  const auto open = j.find("open");
  if (open == j.end() || !open->is_array() || open->empty()) {
    return std::string("open: the weekdays the clinic opens, as a list: [\"sat\", \"sun\", \"mon\"]");
  }
  for (const auto& d : *open) {
    const auto day = d.is_string() ? weekday_named(d.get<std::string>()) : std::nullopt;
    if (!day) return "open: " + d.dump() + " is not a weekday (mon tue wed thu fri sat sun)";
    out.open_weekdays.insert(*day);
  }
  const auto windows = j.find("windows");
  if (windows == j.end() || !windows->is_array() || windows->empty()) {
    return std::string("windows: the opening windows, as a list: [{\"from\": \"08:00\", \"to\": \"10:00\", \"capacity\": 10}]");
  }
  if (windows->size() > 48) return std::string("windows: at most 48 in a day");
  for (const auto& x : *windows) {
    const std::string which = "windows[" + std::to_string(out.windows.size()) + "]: ";
    if (!x.is_object()) return which + "a window is {\"from\": \"08:00\", \"to\": \"10:00\", \"capacity\": 10}";
    for (const auto& [key, _] : x.items()) {
      if (key != "from" && key != "to" && key != "capacity" && key != "kept") {
        return which + "unknown key '" + key + "' (a window has from, to, capacity and kept)";
      }
    }
    const auto text = [&](const char* key) {
      const auto it = x.find(key);
      return it != x.end() && it->is_string() ? minute_of_day(it->get<std::string>()) : std::nullopt;
    };
    const auto number = [&](const char* key, int otherwise) -> std::optional<int> {
      const auto it = x.find(key);
      if (it == x.end()) return otherwise;
      if (!it->is_number_integer() || it->get<long long>() < 0 || it->get<long long>() > 10'000) return std::nullopt;
      return static_cast<int>(it->get<long long>());
    };
    const auto from = text("from"), to = text("to");
    const auto capacity = number("capacity", -1), kept = number("kept", 0);
    if (!from || !to) return which + "from and to are times of day, written HH:MM (\"08:00\")";
    if (!capacity || !kept) return which + "capacity and kept are whole numbers from 0 to 10000";
    const window w{*from, *to, *capacity, *kept};
    if (const std::string problem = window_problem(out.windows, w); !problem.empty()) return which + problem;
    out.windows.push_back(w);
  }
  return out;
}

namespace {

bool is_id(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

clinic read_clinic(core::yaml::reader& r, const std::string& id, const YAML::Node& node) {
  const std::string path = "clinics." + id;
  clinic c;
  c.id = id;
  if (!is_id(id)) r.problem(node, "clinic id '" + id + "' must be lower-case letters, digits and '_' (golshahr)");
  if (!r.expect_map(node, path, {"name", "time_zone", "services", "open", "closed_days", "windows", "book_ahead_days",
                                  "records_visits"})) {
    return c;
  }
  const YAML::Node names = node["name"];
  if (names.IsMap()) {
    for (const auto& kv : names) {
      auto v = r.text(names, kv.first.Scalar(), path + ".name");
      if (!v || v->empty()) continue;
      const bool ascii = std::all_of(v->begin(), v->end(), [](char ch) { return (ch & 0x80) == 0; });
      const std::size_t letters = core::decode_utf8(*v).size(), most = ascii ? max_latin_name_length : max_name_length;
      if (letters > most) {
        r.problem(kv.second, "the " + kv.first.Scalar() + " name of clinic '" + id + "' has " +
                                 std::to_string(letters) + " letters; at most " + std::to_string(most) +
                                 " fit a USSD screen with the visit's day and time (write a short name)");
      }
      c.name[kv.first.Scalar()] = *v;
    }
  }
  if (!c.name.count("en")) {
    r.problem(node, "'" + path + ".name' needs the clinic's name in every language people read, English (en) at least");
  }
  c.time_zone = r.text(node, "time_zone", path, true).value_or("");
  if (!c.time_zone.empty() && !local_day(0, c.time_zone)) {
    r.problem(node["time_zone"], "'" + path + ".time_zone' is '" + c.time_zone + "', which is not a time zone (Asia/Tehran)");
  }
  c.services = r.text_list(node, "services", path);
  if (c.services.empty()) r.problem(node, "'" + path + ".services' lists nothing: people could book nothing here");
  for (const auto& s : c.services) {
    if (!is_id(s)) r.problem(node["services"], "service '" + s + "' must be lower-case letters, digits and '_'");
  }
  for (const auto& d : r.text_list(node, "open", path)) {
    if (const auto day = weekday_named(d)) {
      c.open_weekdays.insert(*day);
    } else {
      r.problem(node["open"], "'" + d + "' in '" + path + ".open' is not a weekday (mon tue wed thu fri sat sun)");
    }
  }
  if (c.open_weekdays.empty()) r.problem(node, "'" + path + ".open' names no weekday the clinic is open");
  for (const auto& d : r.text_list(node, "closed_days", path)) {
    // Solar Hijri or Gregorian, any digits: 1406/1/1 or 2027-03-21.
    const auto date = text::read_date(text::normalize(d));
    if (!date) {
      r.problem(node["closed_days"], "'" + d + "' in '" + path + ".closed_days' is not a date (1406/1/1 or 2027-03-21)");
    } else {
      c.closed_days.insert(text::day_number(*date));
    }
  }
  const YAML::Node windows = node["windows"];
  if (!windows.IsSequence() || windows.size() == 0) {
    r.problem(node, "'" + path + ".windows' must list the opening windows: - {from: \"08:00\", to: \"10:00\", capacity: 10}");
    return c;
  }
  for (const auto& w : windows) {
    const std::string wpath = path + ".windows";
    if (!r.expect_map(w, wpath, {"from", "to", "capacity", "kept"})) continue;
    const auto from = minute_of_day(r.text(w, "from", wpath, true).value_or(""));
    const auto to = minute_of_day(r.text(w, "to", wpath, true).value_or(""));
    const auto capacity = r.integer(w, "capacity", wpath, 1, 10'000);
    if (!from || !to) {
      r.problem(w, "a window runs from one time of day to a later one, written HH:MM (from: \"08:00\", to: \"10:00\")");
      continue;
    }
    if (!capacity) {
      if (!w["capacity"].IsDefined()) r.problem(w, "missing key '" + wpath + ".capacity' (how many people it takes)");
      continue;
    }
    const window win{*from, *to, static_cast<int>(*capacity),
                     static_cast<int>(r.integer(w, "kept", wpath, 0, 10'000).value_or(0))};
    if (const std::string problem = window_problem(c.windows, win); !problem.empty()) {
      r.problem(w, "'" + wpath + "': " + problem);
      continue;
    }
    c.windows.push_back(win);
  }
  c.book_ahead_days = static_cast<int>(r.integer(node, "book_ahead_days", path, 1, 366).value_or(14));
  c.records_visits = r.boolean(node, "records_visits", path).value_or(false);
  return c;
}

}  // namespace

clinic_list clinic_list::load(const std::string& file, std::vector<std::string>& problems) {
  clinic_list out;
  auto doc = core::yaml::load_file(file);
  if (!doc) {
    problems.push_back(doc.error());
    return out;
  }
  core::yaml::reader r(file, problems);
  if (!r.expect_map(doc.value(), "", {"clinics", "neutral_services"})) return out;
  const YAML::Node clinics = doc.value()["clinics"];
  if (!clinics.IsMap()) {
    r.problem(doc.value(), "'clinics' must map each clinic's id to its settings");
    return out;
  }
  for (const auto& kv : clinics) out.clinics_.push_back(read_clinic(r, kv.first.Scalar(), kv.second));
  for (const auto& service : r.text_list(doc.value(), "neutral_services", "")) {
    // A misspelt service would leave the real one's reminders explicit.
    const bool offered = std::any_of(out.clinics_.begin(), out.clinics_.end(), [&](const clinic& c) { return c.offers(service); });
    if (!offered) {
      r.problem(doc.value()["neutral_services"], "neutral service '" + service + "' is offered by no clinic; check its spelling");
    }
    out.neutral_services_.insert(service);
  }
  return out;
}

void clinic_list::close_on(const holiday_table& holidays) {
  for (auto& c : clinics_) {
    if (const auto it = holidays.find(country_of_zone(c.time_zone)); it != holidays.end()) {
      c.closed_days.insert(it->second.begin(), it->second.end());
    }
  }
}

const clinic* clinic_list::find(std::string_view id) const {
  for (const auto& c : clinics_) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

}  // namespace paygham::schedule
