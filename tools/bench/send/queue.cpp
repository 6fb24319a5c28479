// Queues N messages for one channel straight into a Paygham store, as the runner would, so
// tools/bench/send can time how fast the outbox sends them.
//
//   paygham_bench_queue --db PATH --channel ID --count N
#include <cstdio>
#include <cstring>
#include <future>
#include <string>

#include "gateway/store/writer.hpp"

using namespace paygham;

int main(int argc, char** argv) {
  std::string db, channel;
  long count = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--db")) db = argv[i + 1];
    if (!std::strcmp(argv[i], "--channel")) channel = argv[i + 1];
    if (!std::strcmp(argv[i], "--count")) count = std::atol(argv[i + 1]);
  }
  if (db.empty() || channel.empty() || count <= 0) {
    std::fprintf(stderr, "usage: %s --db PATH|postgresql://… --channel ID --count N\n", argv[0]);
    return 2;
  }
  store::options o;
  if (db.rfind("postgresql:", 0) == 0) {
    o.engine = store::backend::postgresql;
    o.url = db;
  } else {
    o.path = db;
  }
  const auto owned = store::open_writer(o);
  store::writer& w = *owned;
  for (long done = 0; done < count;) {
    const long n = std::min(count - done, 2000L);
    std::promise<void> ok;
    w.submit(
        [&](store::tx& t) {
          for (long i = 0; i < n; ++i) {
            const long k = done + i;
            t.queue_message({channel, 0, 0, "+9370" + std::to_string(1000000 + k),
                             "Your visit is tomorrow at 9:00. Reply 1 to confirm. " + std::to_string(k),
                             core::priority::reply});
          }
        },
        [&](std::exception_ptr e) { e ? ok.set_exception(e) : ok.set_value(); });
    ok.get_future().get();
    done += n;
  }
  w.stop();
  return 0;
}
