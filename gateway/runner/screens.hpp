// The screens the gateway draws itself, not a flow: pure functions of the texts, one way for
// the runner and for lint (which measures them against each route's screen limit).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gateway/text/catalog.hpp"

namespace paygham::runner {

// The screens the gateway draws itself, one way for the runner and for lint:
// the language picker ("زبان / ژبه / Language" and each offered language's own name), with a
// reason line first when not empty;
std::string draw_language_picker(const text::catalog& texts, const std::vector<std::string>& offered,
                                 std::string_view reason);
// and "continue where you left off?" with its two options, in `langs` (preference order).
std::string draw_resume(const text::catalog& texts, const std::vector<std::string>& langs,
                        std::string_view reason);

}  // namespace paygham::runner
