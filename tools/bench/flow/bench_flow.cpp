// tools/bench/flow: how fast the flow engine steps, pure and through the runner with the
// store, on the shipped flows. Prints operations/s and the ratio between the two.
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

std::shared_ptr<const runner::content> shipped_content(const std::string& root) {
  auto c = std::make_shared<runner::content>();
  std::vector<std::string> problems;
  c->texts = text::catalog::load_dir(root + "/templates", problems);
  c->flows = flow::flow_set::load_dir(root + "/flows", problems);
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
  const auto content = shipped_content(root);
  const flow::definition& welcome = *content->flows.by_id("welcome");

  // 1. The pure engine: a whole USSD session (menu, clinic, END) is three steps.
  const flow::context ctx{.via = flow::medium::ussd, .langs = {"en"}, .texts = &content->texts,
                          .words = &content->words};
  std::uint64_t steps = 0;
  auto start = clock_type::now();
  while (seconds_since(start) < budget) {
    for (int i = 0; i < 1000; ++i) {
      auto out = flow::start(welcome, ctx);
      out = flow::resume(welcome, std::move(out.next), "1", ctx);
      out = flow::resume(welcome, std::move(out.next), "2", ctx);
      steps += 3;
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
    store::writer writer(store::options{(dir / "bench.db").string(),
                                        sync == "normal" ? store::synchronous::normal
                                                         : store::synchronous::full});
    runner::runner run(content, runner::settings{"en", "UTC", {}});
    std::uint64_t session = 0;
    start = clock_type::now();
    while (seconds_since(start) < budget) {
      std::vector<std::future<void>> group;
      for (int i = 0; i < 64; ++i) {
        const int hop = static_cast<int>(session % 3);
        const std::string id = "s" + std::to_string(session / 3);
        const std::string phone = "+937" + std::to_string(10000000 + session / 3 % 1000000);
        const std::string text = hop == 0 ? "" : hop == 1 ? "1" : "1*2";
        ++session;
        auto done = std::make_shared<std::promise<void>>();
        group.push_back(done->get_future());
        writer.submit(
            [&run, req = core::ussd_request{"at", id, phone, "*384*12#", text, ""}](store::tx& t) {
              run.apply_ussd(t, req);
            },
            [done](std::exception_ptr) { done->set_value(); },
            store::durability::commit);  // as the server submits USSD hops
      }
      for (auto& f : group) f.get();
      hops += group.size();
    }
    runner_rate = static_cast<double>(hops) / seconds_since(start);
  }
  std::filesystem::remove_all(dir);

  std::printf("=== tools/bench/flow  (welcome flow, 3 USSD screens a session)\n");
  std::printf("engine, pure:            %12.0f steps/s  (%.2f us a step)\n", engine_rate,
              1e6 / engine_rate);
  std::printf("runner + store (%-6s): %12.0f hops/s   (%.2f us a hop)\n", sync.c_str(), runner_rate,
              1e6 / runner_rate);
  std::printf("ratio store/pure:        %12.3f\n", runner_rate / engine_rate);
  return 0;
}
