#include "gateway/text/normalize.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <stdexcept>

#include "gateway/core/utf8.hpp"

namespace paygham::text {
namespace {

// NFKC with case folding in one step (ICU's NFKC_Casefold): applied twice it changes nothing.
const icu::Normalizer2& nfkc_casefold() {
  static const icu::Normalizer2* n = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* made = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status)) throw std::runtime_error("ICU has no NFKC_Casefold normaliser");
    return made;
  }();
  return *n;
}

bool deleted(char32_t cp) {
  return cp == 0x200C || cp == 0x200D || cp == 0x200E || cp == 0x200F || cp == 0x061C ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF ||
         cp == 0x0640 || (cp >= 0x064B && cp <= 0x065F) || cp == 0x0670 ||
         cp == 0x20E3;  // the keycap around a digit: "1️⃣" is 1
}

bool space(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C ||
         cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000 || cp == 0x2028 || cp == 0x2029;
}

char32_t fold(char32_t cp) {
  switch (cp) {
    case 0x064A: case 0x0649: return 0x06CC;  // Arabic yeh, alef maksura → Farsi yeh
    case 0x0643: return 0x06A9;                // Arabic kaf → keheh
    case 0x0629: case 0x06C0: return 0x0647;   // teh marbuta, heh with yeh → heh
    case 0x0623: case 0x0625: case 0x0671: case 0x0622: return 0x0627;  // alef forms → alef
    case 0x060C: case 0x066C: return ',';
    case 0x061B: return ';';
    case 0x061F: return '?';
    case 0x066B: case 0x06D4: return '.';  // Arabic decimal separator, Arabic full stop (Pashto, Urdu)
    // Quotation marks (a keyword written as the text showed it: «معلومات», “INFO”).
    case 0x00AB: case 0x00BB: case 0x201C: case 0x201D: case 0x201E: return '"';
    case 0x2018: case 0x2019: return '\'';
    default: break;
  }
  if (u_charType(static_cast<UChar32>(cp)) == U_DECIMAL_DIGIT_NUMBER) {
    const int32_t v = u_charDigitValue(static_cast<UChar32>(cp));
    if (v >= 0 && v <= 9) return static_cast<char32_t>('0' + v);
  }
  return cp;
}


// One pass: NFKC_Casefold, then the letters and marks people type differently removed or
// made one. Sets `touched` when a code point was removed or a letter folded: what is left may then
// compose differently (a tatweel between a letter and a combining mark), so another pass runs.
std::string normalize_once(std::string_view utf8, bool& touched) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString u = nfkc_casefold().normalize(
      icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size()))), status);
  if (U_FAILURE(status)) return std::string(utf8);
  std::string out;
  out.reserve(utf8.size());
  bool pending_space = false;
  touched = false;
  for (int32_t i = 0; i < u.length(); i = u.moveIndex32(i, 1)) {
    const auto cp = static_cast<char32_t>(u.char32At(i));
    if (deleted(cp)) {
      touched = true;
      continue;
    }
    if (space(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    const char32_t folded = fold(cp);
    // Digits and signs folded to ASCII compose with nothing; a letter folded may.
    touched = touched || (folded != cp && folded > 0x7f);
    core::append_utf8(out, folded);
  }
  return out;
}

}  // namespace

std::string normalize(std::string_view utf8) {
  bool touched = false;
  std::string out = normalize_once(utf8, touched);
  // Until nothing is removed or folded any more: normalising a normalised text changes nothing
  // (a fuzzer found "n", a tatweel and a combining mark reading two ways). Each pass only
  // removes or folds, so this ends; a few passes at most on real text.
  for (int pass = 0; touched && pass < 8; ++pass) {
    std::string again = normalize_once(out, touched);
    if (again == out) break;
    out = std::move(again);
  }
  return out;
}

}  // namespace paygham::text
