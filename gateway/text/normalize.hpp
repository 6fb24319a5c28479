// Replies read the way people type them (R-S2). normalize() folds what a person
// may type in many ways to one form used only for matching; the raw text is kept for audit
// by the caller. In order:
//  1. Unicode NFKC (folds Arabic presentation forms and compatibility characters);
//  2. deletes format and bidi controls (ZWNJ, ZWJ, LRM/RLM, ALM, embeddings, isolates, BOM);
//  3. deletes tatweel and harakat (U+0640, U+064B–065F, U+0670), and the keycap around a digit
//     ("1️⃣": U+20E3; NFKC already dropped its U+FE0F);
//  4. folds Arabic letter variants to Persian (ي ى→ی, ك→ک, ة ۀ→ه, أ إ ٱ آ→ا); Pashto letters stay;
//  5. folds every decimal digit script (۱ ١ १ …) to ASCII;
//  6. full case folding; Arabic punctuation (، ؛ ؟ ٫ ٬) to ASCII;
//  7. every kind of space to one ASCII space, collapsed and trimmed.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace paygham::text {

// `utf8` must be valid UTF-8.
std::string normalize(std::string_view utf8);

}  // namespace paygham::text
