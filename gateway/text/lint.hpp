// Checks on the templates themselves, for `paygham lint` (R-S1, issue #3):
//  - a key present in one language is present in every language;
//  - every language uses the same placeholders for a key, and only known formatters;
//  - no invisible or typographic character turns an otherwise GSM-7 text into UCS-2
//    (which halves what one SMS carries);
//  - a text fits its SMS budget after expansion with long sample values: keys that name a
//    reminder 1 part, confirmations and alerts 2, anything else 3.
// Problems are appended as "file:line:column: message". Warnings, which do not stop a set going
// live, likewise: a combining mark (tanwin ً, hamza above ٔ, other harakat) in a fa or prs text,
// which feature phones show as a box.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace paygham::text {

class catalog;
struct entry;

// The SMS part budget for a template key, by its name.
std::size_t sms_budget(std::string_view key);
// The budget of the text `e` of `key`: its own `parts` when given, else by the key's name.
std::size_t sms_budget(const entry& e, std::string_view key);

void lint_templates(const catalog& texts, std::vector<std::string>& problems,
                    std::vector<std::string>* warnings = nullptr);

// "{code|number}, {when}" for messages; "no placeholders" for none.
std::string listed_placeholders(const std::vector<std::string>& names);

// A text with its placeholders filled with long sample values (a long date, a five-digit
// number, 20 letters for a plain value), in the script of `lang`, to measure the worst case.
std::string expand_with_samples(std::string_view text, std::string_view lang);

}  // namespace paygham::text
