// "Did you mean": the nearest of some names to a mistyped one, for messages that say what to
// fix (lint, config). Pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace paygham::core {

// Levenshtein distance between two strings of code points.
std::size_t edit_distance(std::u32string_view a, std::u32string_view b);

// " (did you mean 'clinic'?)" for the candidate nearest `name` (UTF-8), when it is at most a
// third of the name's length away (and at least two edits are allowed); "" otherwise.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace paygham::core
