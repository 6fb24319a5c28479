// tools/bench/text: the text work on every inbound reply and outbound message, per call.
//   1. normalise a typed reply and read it as a menu choice and as yes/no;
//   2. count the SMS segments of a 300-character Persian text (UCS-2, grapheme-aware);
//   3. the same for a 300-character GSM-7 text.
// Prints operations/s and microseconds a call. `paygham_bench_text [--seconds N]`
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "gateway/text/lexicon.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"
#include "gateway/text/segments.hpp"

using namespace paygham;
using clock_type = std::chrono::steady_clock;

namespace {

template <class Fn>
double rate(double budget, Fn fn) {
  std::uint64_t n = 0;
  const auto start = clock_type::now();
  double elapsed = 0;
  while (elapsed < budget) {
    for (int i = 0; i < 1000; ++i) fn(i);
    n += 1000;
    elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  }
  return static_cast<double>(n) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  double budget = 2;
  if (argc == 3 && !std::strcmp(argv[1], "--seconds")) budget = std::stod(argv[2]);
  std::vector<std::string> problems;
  const auto words =
      text::lexicon::load(std::string(PAYGHAM_SOURCE_DIR) + "/lexicon/yes_no.yaml", problems);
  const std::vector<std::string> replies = {"۱", " (2) ", "3 بله", "بلی", "نمی‌خوام", "YES", "١٢"};
  std::size_t sink = 0;
  const double reply_rate = rate(budget, [&](int i) {
    const std::string n = text::normalize(replies[static_cast<std::size_t>(i) % replies.size()]);
    sink += static_cast<std::size_t>(text::read_choice(n, words).value_or(0)) +
            (text::read_yes_no(n, words).value_or(false) ? 1u : 0u);
  });
  std::string persian;
  const std::string sentence = "سلام، نوبت شما فردا ساعت ۱۰ در کلینیک گلشهر است. ";
  while (persian.size() < 2000) persian += sentence;
  // Exactly 300 characters.
  {
    std::string cut;
    std::size_t count = 0;
    for (std::size_t i = 0; i < persian.size() && count < 300; ++count) {
      const auto c = static_cast<unsigned char>(persian[i]);
      const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      cut += persian.substr(i, len);
      i += len;
    }
    persian = cut;
  }
  const double persian_rate = rate(budget, [&](int) { sink += text::measure_sms(persian).parts; });
  const std::string latin(300, 'a');
  const double latin_rate = rate(budget, [&](int) { sink += text::measure_sms(latin).parts; });

  std::printf("=== tools/bench/text\n");
  std::printf("normalise + read a reply:          %10.0f ops/s  (%.2f us a call)\n", reply_rate,
              1e6 / reply_rate);
  std::printf("segments, 300 Persian characters:  %10.0f ops/s  (%.2f us a call, %zu parts)\n",
              persian_rate, 1e6 / persian_rate, text::measure_sms(persian).parts);
  std::printf("segments, 300 GSM-7 characters:    %10.0f ops/s  (%.2f us a call)\n", latin_rate,
              1e6 / latin_rate);
  return sink == 42 ? 1 : 0;  // keeps the work from being optimised away
}
