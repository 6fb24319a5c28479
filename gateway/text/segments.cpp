#include "gateway/text/segments.hpp"

#include <unicode/brkiter.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <memory>

#include "gateway/core/utf8.hpp"
#include "gateway/text/gsm.hpp"

namespace paygham::text {
namespace {

constexpr std::size_t gsm_single = 160, gsm_multi = 153;
constexpr std::size_t ucs_single = 70, ucs_multi = 67;

// One grapheme-cluster iterator per thread: creating one costs far more than using it.
icu::BreakIterator& graphemes() {
  thread_local std::unique_ptr<icu::BreakIterator> it = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> made(
        icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status)) throw std::runtime_error("ICU has no grapheme iterator");
    return made;
  }();
  return *it;
}

struct piece {
  std::size_t begin, end;  // code point offsets
  std::size_t units;
};

// Packs pieces greedily into parts, never splitting one.
// Only counts and offsets: measuring runs on every USSD hop and in lint, so no part's text is
// built here (split_sms does that when a part is really to be sent).
void pack(const std::vector<piece>& pieces, std::size_t total, std::size_t single,
          std::size_t multi, segment_report& r) {
  r.units = total;
  r.part_starts = {0};
  if (total <= single) {
    r.per_part = single;
    r.parts = 1;
    r.part_units = {total};
    return;
  }
  r.per_part = multi;
  std::size_t used = 0;
  for (const piece& p : pieces) {
    if (used + p.units > multi) {
      r.part_units.push_back(used);
      r.part_starts.push_back(p.begin);
      used = 0;
    }
    used += p.units;
  }
  r.part_units.push_back(used);
  r.parts = r.part_units.size();
}

bool invisible(char32_t cp) {
  return cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x061C || cp == 0xFEFF || cp == 0x00AD;
}

std::string describe(std::u32string_view grapheme) {
  if (grapheme.size() == 1 && invisible(grapheme[0])) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(grapheme[0]));
    return buf;
  }
  return core::encode_utf8(grapheme);
}

}  // namespace

const char* to_string(encoding e) { return e == encoding::gsm7 ? "GSM-7" : "UCS-2"; }

segment_report measure_sms(std::string_view utf8) {
  const std::u32string cps = core::decode_utf8(utf8);
  segment_report r;
  const bool all_gsm =
      std::all_of(cps.begin(), cps.end(), [](char32_t cp) { return gsm_septets(cp) > 0; });
  std::vector<piece> pieces;
  pieces.reserve(cps.size());
  std::size_t total = 0;
  if (all_gsm) {
    // Every GSM character is its own grapheme (the alphabet has no combining marks).
    r.enc = encoding::gsm7;
    for (std::size_t i = 0; i < cps.size(); ++i) {
      const auto septets = static_cast<std::size_t>(gsm_septets(cps[i]));
      pieces.push_back({i, i + 1, septets});
      total += septets;
    }
    pack(pieces, total, gsm_single, gsm_multi, r);
    return r;
  }
  r.enc = encoding::ucs2;
  const icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(),
                                                                             static_cast<int32_t>(utf8.size())));
  icu::BreakIterator& it = graphemes();
  it.setText(u);
  std::size_t cp_at = 0;
  for (int32_t b = it.first(), e = it.next(); e != icu::BreakIterator::DONE; b = e, e = it.next()) {
    const auto units = static_cast<std::size_t>(e - b);
    const auto count = static_cast<std::size_t>(u.countChar32(b, e - b));
    std::u32string_view g(cps.data() + cp_at, count);
    // CR LF is one grapheme, but a part may end between the two (as the oracle does).
    if (g == U"\r\n") {
      pieces.push_back({cp_at, cp_at + 1, 1});
      pieces.push_back({cp_at + 1, cp_at + 2, 1});
    } else {
      pieces.push_back({cp_at, cp_at + count, units});
      if (!(count == 1 && gsm_septets(g[0]) > 0)) {
        std::string name = describe(g);
        if (std::find(r.non_gsm.begin(), r.non_gsm.end(), name) == r.non_gsm.end()) {
          r.non_gsm.push_back(std::move(name));
        }
      }
    }
    total += units;
    cp_at += count;
  }
  pack(pieces, total, ucs_single, ucs_multi, r);
  return r;
}

// Measured on every USSD hop, screen by screen: one pass, no copy.
text_size measure_units(std::string_view utf8) {
  std::size_t septets = 0;
  std::size_t utf16 = 0;  // UTF-16 code units: one per code point, two beyond the BMP
  bool gsm = true;
  for (std::size_t i = 0; i < utf8.size();) {
    char32_t cp;
    i += core::decode_at(utf8, i, cp);
    const int s = gsm_septets(cp);
    gsm = gsm && s > 0;
    septets += static_cast<std::size_t>(s);
    utf16 += cp > 0xFFFF ? 2 : 1;
  }
  return gsm ? text_size{encoding::gsm7, septets} : text_size{encoding::ucs2, utf16};
}

std::vector<std::string> split_sms(std::string_view utf8) {
  const std::u32string cps = core::decode_utf8(utf8);
  const segment_report r = measure_sms(utf8);
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < r.part_starts.size(); ++i) {
    const std::size_t end = i + 1 < r.part_starts.size() ? r.part_starts[i + 1] : cps.size();
    parts.push_back(
        core::encode_utf8(std::u32string_view(cps).substr(r.part_starts[i], end - r.part_starts[i])));
  }
  return parts;
}

std::string smart_gsm(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (char32_t cp : core::decode_utf8(utf8)) {
    switch (cp) {
      case U'\u2018': case U'\u2019': case U'\u201A': case U'\u2032': out += '\''; break;
      case U'\u201C': case U'\u201D': case U'\u201E': case U'\u2033': out += '"'; break;
      case U'\u2013': case U'\u2014': case U'\u2212': out += '-'; break;
      case U'\u2026': out += "..."; break;
      case U'\u00A0': case U'\u2002': case U'\u2003': case U'\u2009': case U'\u202F': out += ' '; break;
      default: core::append_utf8(out, cp);
    }
  }
  return out;
}

}  // namespace paygham::text
