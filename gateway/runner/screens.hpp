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
// Before a language is chosen: a text in every offered language, each once ("خدا حافظ. / په مخه
// مو ښه. / Goodbye."), and why an answer was not taken in none ("1-4:", digits every phone shows).
std::string in_every_language(const text::catalog& texts, const std::vector<std::string>& offered,
                              std::string_view key);
std::string numbers_reason(std::size_t options);
// and a question with two options, in `langs` (preference order):
struct two_choices {
  std::string_view question, first, second;  // text keys
};
std::string draw_choice(const text::catalog& texts, const std::vector<std::string>& langs, const two_choices& screen,
                        std::string_view reason);
// "Continue where you left off?" 1 Continue, 2 Start again (R-U12);
extern const two_choices resume_screen;
// "You stopped our messages": 1 get them again, 2 go on without (R-S5), before a flow of a
// programme the person stopped.
extern const two_choices stopped_screen;
// Both, named as lint names them.
struct named_choices {
  std::string_view name;
  const two_choices* screen;
};
extern const named_choices choice_screens[2];

}  // namespace paygham::runner
