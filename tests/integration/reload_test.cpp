// Reload under load: flows are swapped (SIGHUP) while USSD sessions run. No request may
// fail, and every session must end on the version of the flow it started on.
#include <signal.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <thread>

#include "tests/support/support.hpp"

using namespace paygham::test;

namespace {

// Version 2 of the welcome flow: a different first screen, and its two options swapped, so
// option 1 ends at once.
std::string version_two(std::string v1) {
  const auto swap = [&](const std::string& from, const std::string& to) {
    v1.replace(v1.find(from), from.size(), to);
  };
  swap("text: welcome.menu", "text: welcome.clinic_which");
  swap("value: clinic, next: clinic}", "value: clinic, next: @@}");
  swap("value: safety, next: safety}", "value: safety, next: clinic}");
  swap("next: @@}", "next: safety}");
  return v1;
}

}  // namespace

TEST_CASE("integration: flows reloaded under load: nothing fails, runs finish on their version",
          "[integration]") {
  temp_dir dir;
  const std::string src = PAYGHAM_SOURCE_DIR;
  std::string config = read_file(write_test_config(dir));
  const auto at = config.find("flows: ");
  config.replace(at, config.find('\n', at) - at, "flows: " + dir.file("flows"));
  write_file(dir.file("paygham.yaml"), config);
  std::filesystem::create_directories(dir.file("flows"));
  const std::string v1 = read_file(src + "/flows/welcome.yaml");
  const std::string v2 = version_two(v1);
  write_file(dir.file("flows/welcome.yaml"), v1);
  server_process srv(dir.file("paygham.yaml"));

  std::atomic<bool> stop{false};
  std::atomic<int> sessions{0}, failures{0}, v1_seen{0}, v2_seen{0}, crossed{0}, generation{0};
  std::vector<std::string> why;
  std::mutex why_mu;
  const auto fail = [&](const std::string& what) {
    ++failures;
    std::lock_guard lock(why_mu);
    if (why.size() < 5) why.push_back(what);
  };
  std::vector<std::thread> phones;
  for (int p = 0; p < 4; ++p) {
    phones.emplace_back([&, p] {
      const std::string phone = "%2B9370000010" + std::to_string(p);
      for (int n = 0; !stop; ++n) {
        const int started_in = generation;
        const std::string body = "sessionId=p" + std::to_string(p) + "-" + std::to_string(n) +
                                 "&serviceCode=*384*12%23&phoneNumber=" + phone + "&text=";
        const auto first = http_call(srv.port(), "POST", "/channels/at/ussd", body);
        if (first.status != 200) return fail("dial: " + std::to_string(first.status));
        if (first.body.rfind("CON Red Crescent", 0) == 0) {
          // Version 1: menu → clinic question → hours.
          const auto second = http_call(srv.port(), "POST", "/channels/at/ussd", body + "1");
          const auto third = http_call(srv.port(), "POST", "/channels/at/ussd", body + "1*1");
          if (second.body.rfind("CON Which clinic?", 0) != 0 || third.body.rfind("END Golshahr Helal House: open", 0) != 0) {
            return fail("v1 run ended as: " + second.body + " / " + third.body);
          }
          ++v1_seen;
        } else if (first.body.rfind("CON Which clinic?", 0) == 0) {
          // Version 2: option 1 ends with the safety text.
          const auto second = http_call(srv.port(), "POST", "/channels/at/ussd", body + "1");
          if (second.body.rfind("END Do not touch a mine", 0) != 0) return fail("v2 run ended as: " + second.body);
          ++v2_seen;
        } else {
          return fail("first screen: " + first.body);
        }
        ++sessions;
        if (generation != started_in) ++crossed;  // a reload came mid-session
      }
    });
  }
  const auto reloads_done = [&srv] {
    std::size_t done = 0;
    const std::string log = srv.log();
    for (auto pos = log.find("reload.done"); pos != std::string::npos;
         pos = log.find("reload.done", pos + 1)) {
      ++done;
    }
    return done;
  };
  int reloads = 0;
  // 20 signals at least, and on until 10 reloads were done (signals that come while one waits
  // are one), 25 sessions ran across them and each version served one (a machine busy with
  // other tests, or ASan, serves fewer a second: each reload reads and checks every flow and
  // text again), 30 s at most.
  for (; reloads < 20 ||
         ((reloads_done() < 10 || sessions <= 25 || v1_seen == 0 || v2_seen == 0) && reloads < 300);
       ++reloads) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    // As an operator's deploy does it: a whole file in place at once (renamed over the old),
    // so a reload still reading the previous version never sees half of this one.
    write_file(dir.file("welcome.yaml.new"), reloads % 2 == 0 ? v2 : v1);
    std::filesystem::rename(dir.file("welcome.yaml.new"), dir.file("flows/welcome.yaml"));
    srv.signal(SIGHUP);
    ++generation;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop = true;
  for (auto& t : phones) t.join();
  for (const auto& w : why) UNSCOPED_INFO(w);
  CHECK(failures == 0);
  CHECK(v1_seen > 0);
  CHECK(v2_seen > 0);
  CHECK(sessions > 25);
  CHECK(crossed > 0);
  // The signals reloaded, a reload at a time, while every hop was answered; none was refused.
  CHECK(reloads_done() >= 10);
  const auto refused = srv.log().find("reload.refused");
  INFO((refused == std::string::npos ? "" : srv.log().substr(refused, 400)));
  CHECK(refused == std::string::npos);
}
