// tools/bench/flow: how fast the flow engine steps, pure and through the runner with the
// store, on a six-screen USSD flow (booking.yaml beside this file) with the shipped
// common texts. Prints operations/s and the ratio between the two. Then the USSD hop of
// tools/bench/http (the shipped flows and config, every hop a new session) through the runner
// with the store alone, without HTTP: the store writer's share of a hop, which a profile of
// this process shows without the noise of wrk and the sockets.
//
//   build/release/paygham_bench_flow [--seconds N] [--sync full|normal] [--hop] [--group N]
//   (--hop: the hop alone, e.g. under `perf record`; --group: hops a commit, 24 by default:
//   two sizes tell a hop's own cost from its share of the commit)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <string>
#include <unordered_set>
#include <vector>

#include "gateway/app/config.hpp"
#include "gateway/app/content.hpp"
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

// The store submits a group, waits for its commit, submits the next: as the server's writer
// takes what arrived while it committed. `make(i)` is the i-th hop's work. One wake-up a
// group, when its last item is answered, so the figure is the writer's.
struct group_run {
  std::uint64_t hops = 0;
  double rate = 0;  // hops a second
};

template <typename Make>
group_run run_groups(store::writer& writer, double budget, std::size_t group_size, Make make) {
  struct group {
    std::atomic<std::size_t> left;
    std::promise<void> done;
  };
  std::uint64_t hops = 0;
  const auto start = clock_type::now();
  while (seconds_since(start) < budget) {
    auto g = std::make_shared<group>();
    g->left = group_size;
    auto answered = g->done.get_future();
    for (std::size_t i = 0; i < group_size; ++i) {
      writer.submit(
          make(hops + i),
          [g](std::exception_ptr) {
            if (--g->left == 0) g->done.set_value();
          },
          store::durability::commit, {}, store::rerun::safe);  // as the server submits USSD hops
    }
    answered.get();
    hops += group_size;
  }
  return {hops, static_cast<double>(hops) / seconds_since(start)};
}

store::options bench_store(const std::filesystem::path& dir, const std::string& sync) {
  store::options so;
  so.path = (dir / "bench.db").string();
  so.sync = sync == "normal" ? store::synchronous::normal : store::synchronous::full;
  return so;
}

}  // namespace

int main(int argc, char** argv) {
  double budget = 3;
  std::string sync = "full";
  std::string root = PAYGHAM_SOURCE_DIR;
  bool hop_only = false;
  std::size_t hop_group = 24;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--hop")) {
      hop_only = true;
    } else if (!std::strcmp(argv[i], "--group") && i + 1 < argc && std::atoi(argv[i + 1]) > 0) {
      hop_group = static_cast<std::size_t>(std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      budget = std::stod(argv[++i]);
    } else if (!std::strcmp(argv[i], "--sync") && i + 1 < argc) {
      sync = argv[++i];
    } else {
      const bool help = !std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h");
      std::fprintf(help ? stdout : stderr,
                   "usage: %s [--seconds N] [--sync full|normal] [--hop] [--group N (1 or more)]\n",
                   argv[0]);
      return help ? 0 : 2;
    }
  }
  const auto dir = std::filesystem::temp_directory_path() / "paygham-bench-flow";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  double engine_rate = 0;
  double runner_rate = 0;
  if (!hop_only) {
    const auto content = bench_content(root);
    const flow::definition& booking = *content->flows.by_id("booking");

    // 1. The pure engine: a whole USSD session is six steps (start and five answers).
    const flow::context ctx{.via = flow::medium::ussd,
                            .langs = {"en"},
                            .texts = &content->texts,
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
    engine_rate = static_cast<double>(steps) / seconds_since(start);

    // 2. The same sessions through the runner: every hop read, stepped and stored, committed
    //    in groups of 64 as the server does under load (session state is answered at commit).
    {
      const auto owned = store::open_writer(bench_store(dir, sync));
      runner::runner run(content, runner::settings{});
      const std::size_t per_session = 1 + answers.size();
      // Sessions that reached the END screen (writer thread only; a set, as work may run again).
      std::unordered_set<std::string> booked;
      const auto done = run_groups(*owned, budget, 64, [&](std::uint64_t session) {
        // Africa's Talking's text: every answer of the session so far, joined by '*'.
        const std::size_t hop = session % per_session;
        const std::string id = "s" + std::to_string(session / per_session);
        const std::string phone = "+937" + std::to_string(10000000 + session / per_session % 1000000);
        std::string text;
        for (std::size_t a = 0; a < hop; ++a) text += (a ? "*" : "") + answers[a];
        return [&run, &booked,
                req = core::ussd_request{"at", id, phone, "*384*99#", text, ""}](store::tx& t) {
          const auto r = run.apply_ussd(t, req);
          if (r.end && r.text.rfind("Booked.", 0) == 0) booked.insert(req.session_id);
        };
      });
      // Every whole session must have reached END, or the figure measures errors.
      if (booked.size() < done.hops / per_session) {
        std::fprintf(stderr, "only %zu of %llu sessions reached END\n", booked.size(),
                     static_cast<unsigned long long>(done.hops / per_session));
        return 1;
      }
      runner_rate = done.rate;
    }
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }

  // 3. tools/bench/http's USSD hop (ussd_hop.lua) without HTTP: the same requests to the
  //    shipped config and flows, every hop a new session on *384*12#, half dialled plainly,
  //    half with "1*1"; each number dials three times in a row (a new number is asked its
  //    language first, a redial is offered to go on). Groups of 24 (--group), as the
  //    server's writer took them under 64 connections.
  double hop_rate = 0;
  {
    auto cfg = app::load_config(root + "/config/paygham.yaml", app::channel_secrets::unused);
    if (!cfg) {
      std::fprintf(stderr, "%s\n", cfg.error().c_str());
      return 1;
    }
    std::vector<std::string> problems;
    const auto shipped = app::load_content(cfg.value(), problems);
    if (!problems.empty()) {
      for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.c_str());
      std::fprintf(stderr, "the shipped config and flows do not load\n");
      return 1;
    }
    const auto owned = store::open_writer(bench_store(dir, sync));
    runner::runner run(shipped, app::runner_settings(cfg.value()));
    // Hops answered with END (writer thread only; a set, as work may run again).
    std::unordered_set<std::uint64_t> ended;
    const auto done = run_groups(*owned, budget, hop_group, [&](std::uint64_t n) {
      const std::string text = n % 2 == 0 ? "1*1" : "";
      const std::string phone = "+9370" + std::to_string(1000000 + n / 3 % 8000000);
      return [&run, &ended, n,
              req = core::ussd_request{"at", "h" + std::to_string(n), phone, "*384*12#", text, ""}](
                 store::tx& t) {
        if (run.apply_ussd(t, req).end) ended.insert(n);
      };
    });
    // Some sessions end at once and some go on, or the hops measure an error screen.
    if (ended.empty() || ended.size() == done.hops) {
      std::fprintf(stderr, "%zu of %llu hops ended: the flow did not answer as it should\n",
                   ended.size(), static_cast<unsigned long long>(done.hops));
      return 1;
    }
    hop_rate = done.rate;
  }
  std::filesystem::remove_all(dir);

  if (!hop_only) {
    std::printf("=== tools/bench/flow  (booking.yaml: 6 USSD screens a session)\n");
    std::printf("engine, pure:            %12.0f steps/s  (%.2f us a step)\n", engine_rate,
                1e6 / engine_rate);
    std::printf("runner + store (%-6s): %12.0f hops/s   (%.2f us a hop)\n", sync.c_str(),
                runner_rate, 1e6 / runner_rate);
    std::printf("ratio store/pure:        %12.3f\n", runner_rate / engine_rate);
  }
  std::printf(
      "the HTTP bench's hop, runner + store, no HTTP (%s, %zu a commit): %.0f hops/s  (%.2f us a "
      "hop)\n",
      sync.c_str(), hop_group, hop_rate, 1e6 / hop_rate);
  return 0;
}
