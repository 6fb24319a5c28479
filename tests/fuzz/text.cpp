// Fuzz target: what people reply, read as the flows read it (normalised Persian and Arabic
// digits, yes/no in every language, menu choices, numbers, dates in two calendars, STOP and
// its kin, the language of a first SMS), and templates rendered with values and formatters,
// then measured as SMS. Normalising is idempotent; a date read is a real day.
#include <cstdlib>

#include "gateway/core/utf8.hpp"
#include "gateway/text/catalog.hpp"
#include "gateway/text/format.hpp"
#include "gateway/text/lexicon.hpp"
#include "gateway/text/normalize.hpp"
#include "gateway/text/readers.hpp"
#include "gateway/text/segments.hpp"
#include "tests/fuzz/fuzz.hpp"

using namespace paygham;

namespace {

const text::lexicon& words() {
  static const text::lexicon l = [] {
    std::vector<std::string> problems;
    auto loaded = text::lexicon::load(PAYGHAM_SOURCE_DIR "/lexicon/yes_no.yaml", problems);
    loaded.load_answers(PAYGHAM_SOURCE_DIR "/lexicon/answers.yaml", problems);
    if (!problems.empty()) std::abort();
    return loaded;
  }();
  return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto f = fuzz::fields(data, size, 3);
  // Callbacks and the API refuse what is not UTF-8 before anything reads it.
  for (const auto field : f) {
    if (!core::valid_utf8(field)) return 0;
  }
  const std::string n = text::normalize(f[0]);
  if (text::normalize(n) != n) std::abort();
  (void)text::read_choice(n, words());
  (void)text::read_yes_no(n, words());
  (void)text::read_id(f[0]);
  (void)text::read_integer(n, -1000, 1000);
  if (const auto d = text::read_date(n)) {
    if (d->month < 1 || d->month > 12 || d->day < 1 || d->day > 31) std::abort();
    (void)text::day_number(*d);
  }
  (void)text::strip_punctuation(n);
  static const text::keywords k({"stop", "لغو"}, {"start", "شروع"}, {"help"}, {"please", "لطفا"}, {"stop all"});
  (void)text::read_global(n, k);
  static const text::language_hints hints{{"lang", "زبان"}, {{"dari", "prs"}, {"pashto", "ps"}}};
  (void)text::guess_language(f[0], {"prs", "ps", "fa", "en"}, hints);
  (void)text::parse_instant(f[1]);

  // A template with the input's values, formatted in Dari and English.
  for (const char* lang : {"prs", "en"}) {
    const text::formatter fmt(lang, "Asia/Kabul");
    const std::string out = text::render(
        f[2], [&](std::string_view name) -> std::optional<std::string> {
          if (name == "x") return std::string(f[1]);
          return std::nullopt;
        },
        &fmt, [&](std::string_view) -> std::optional<std::string> { return std::string(f[0]); });
    (void)text::placeholders(f[2]);
    const auto report = text::measure_sms(out);
    if (report.parts == 0 && !out.empty()) std::abort();
    (void)text::split_sms(out);
    (void)text::smart_gsm(out);
    (void)text::measure_units(out);
  }
  return 0;
}
