// tools/bench/flow: how fast the flow engine steps, pure and through the runner with the
// store, on a six-screen USSD flow (booking.yaml beside this file) with the shipped
// common texts. Prints operations/s and the ratio between the two.
//
//   build/release/paygham_bench_flow [--seconds N] [--sync full|normal]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "gateway/flow/engine.hpp"
#include "gateway/runner/runner.hpp"
#include "gateway/store/writer.hpp"

using namespace paygham;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// The answers that walk the flow from its first screen to END: 6 screens, 5 answers.
const std::vector<std::string> answers = {"1", "2", "3", "2", "1"};

std::shared_ptr<const runner::content> bench_content(const std::string& root) {
  auto c = std::make_shared<runner::content>();
  std::vector<std::string> problems;
  c->texts = text::catalog::load_dir(root + "/templates", problems);
  for (const auto& [key, text] : std::vector<std::pair<const char*, const char*>>{
           {"bench.service", "Clinic appointments"}, {"bench.book", "Book"}, {"bench.change", "Change"},
           {"bench.cancel", "Cancel"}, {"bench.clinic", "Choose a clinic:"},
           {"bench.c1", "Golshahr Helal House"}, {"bench.c2", "Central clinic"}, {"bench.c3", "North clinic"},
           {"bench.c4", "South clinic"}, {"bench.c5", "East clinic"}, {"bench.day", "Which day?"},
           {"bench.d1", "Saturday"}, {"bench.d2", "Sunday"}, {"bench.d3", "Monday"},
           {"bench.people", "How many people? (1-9)"}, {"bench.confirm", "Book {clinic}, {day}, {people} people?"},
           {"bench.booked", "Booked. You will get an SMS now."}}) {
    c->texts.add("en", key, text);
  }
  c->flows = flow::flow_set::load_dir(root + "/tools/bench/flow", problems);
  c->words = text::lexicon::load(root + "/lexicon/yes_no.yaml", problems);
  if (!problems.empty()) {
    for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.c_str());
    std::exit(1);
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  double budget = 3;
  std::string sync = "full";
  std::string root = PAYGHAM_SOURCE_DIR;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      budget = std::stod(argv[++i]);
    } else if (!std::strcmp(argv[i], "--sync") && i + 1 < argc) {
      sync = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--seconds N] [--sync full|normal]\n", argv[0]);
      return 2;
    }
  }
  const auto content = bench_content(root);
  const flow::definition& booking = *content->flows.by_id("booking");

  // 1. The pure engine: a whole USSD session is six steps (start and five answers).
  const flow::context ctx{.via = flow::medium::ussd, .langs = {"en"}, .texts = &content->texts,
                          .words = &content->words};
  std::uint64_t steps = 0;
  auto start = clock_type::now();
  while (seconds_since(start) < budget) {
    for (int i = 0; i < 1000; ++i) {
      auto out = flow::start(booking, ctx);
      for (const auto& a : answers) out = flow::resume(booking, std::move(out.next), a, ctx);
      if (!out.finished) std::abort();  // the walk must reach END, or we measure nothing
      steps += 1 + answers.size();
    }
  }
  const double engine_rate = static_cast<double>(steps) / seconds_since(start);

  // 2. The same sessions through the runner: every hop read, stepped and stored, committed
  //    in groups of 64 as the server does under load (session state is answered at commit).
  const auto dir = std::filesystem::temp_directory_path() / "paygham-bench-flow";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::uint64_t hops = 0;
  double runner_rate = 0;
  {
    store::options so;
    so.path = (dir / "bench.db").string();
    so.sync = sync == "normal" ? store::synchronous::normal : store::synchronous::full;
    const auto owned = store::open_writer(so);
    store::writer& writer = *owned;
    runner::runner run(content, runner::settings{});
    std::uint64_t session = 0;
    const std::size_t per_session = 1 + answers.size();
    std::uint64_t booked = 0;  // sessions that reached the END screen (writer thread only)
    start = clock_type::now();
    while (seconds_since(start) < budget) {
      std::vector<std::future<void>> group;
      for (int i = 0; i < 64; ++i) {
        // Africa's Talking's text: every answer of the session so far, joined by '*'.
        const std::size_t hop = session % per_session;
        const std::string id = "s" + std::to_string(session / per_session);
        const std::string phone = "+937" + std::to_string(10000000 + session / per_session % 1000000);
        std::string text;
        for (std::size_t a = 0; a < hop; ++a) text += (a ? "*" : "") + answers[a];
        ++session;
        auto done = std::make_shared<std::promise<void>>();
        group.push_back(done->get_future());
        writer.submit(
            [&run, &booked, req = core::ussd_request{"at", id, phone, "*384*99#", text, ""}](store::tx& t) {
              const auto r = run.apply_ussd(t, req);
              if (r.end && r.text.rfind("Booked.", 0) == 0) ++booked;
            },
            [done](std::exception_ptr) { done->set_value(); },
            store::durability::commit);  // as the server submits USSD hops
      }
      for (auto& f : group) f.get();
      hops += group.size();
    }
    runner_rate = static_cast<double>(hops) / seconds_since(start);
    // Every whole session must have reached END, or the figure measures errors.
    if (booked < hops / per_session) {
      std::fprintf(stderr, "only %llu of %llu sessions reached END\n",
                   static_cast<unsigned long long>(booked),
                   static_cast<unsigned long long>(hops / per_session));
      return 1;
    }
  }
  std::filesystem::remove_all(dir);

  std::printf("=== tools/bench/flow  (booking.yaml: 6 USSD screens a session)\n");
  std::printf("engine, pure:            %12.0f steps/s  (%.2f us a step)\n", engine_rate,
              1e6 / engine_rate);
  std::printf("runner + store (%-6s): %12.0f hops/s   (%.2f us a hop)\n", sync.c_str(), runner_rate,
              1e6 / runner_rate);
  std::printf("ratio store/pure:        %12.3f\n", runner_rate / engine_rate);
  return 0;
}
