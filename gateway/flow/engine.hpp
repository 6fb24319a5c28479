// The flow engine: pure. It takes a run's state and an input and returns the new state and
// what to show or send. No I/O, no clock reads, no store: the runner does all of that, so a
// flow can be tested as data.
//
// One flow serves both media. Over USSD the output is one screen (CON … or END …); over SMS
// it is zero or more messages to queue, and the run waits for the reply.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/flow/flow.hpp"

namespace paygham::text {
class catalog;
class lexicon;
}

namespace paygham::flow {

enum class medium { ussd, sms };

// What the runner stores between inputs. Serialised by the runner as JSON.
struct state {
  std::string node;                           // the ask being answered; empty before start
  std::map<std::string, std::string> vars;    // run variables (saved answers)
  int invalid = 0;                            // invalid replies in a row at this ask
  std::vector<std::string> trail;             // asks answered before this one, for Back
  std::size_t page = 0;                       // USSD: the page of a long menu being shown
};

struct context {
  medium via = medium::ussd;
  std::vector<std::string> langs;  // preference order: contact's, default, "en"
  const text::catalog* texts = nullptr;
  const text::lexicon* words = nullptr;  // yes/no words for replies; may be null
  std::string timezone = "UTC";          // for dates and times in texts
  std::size_t page_size = 5;             // USSD: options on one screen (R-U8)
};

struct outcome {
  state next;
  bool finished = false;              // the run reached an end (or an error ended it)
  std::string screen;                 // USSD: the screen text, without CON/END
  std::vector<std::string> messages;  // SMS: texts to queue, in order
  std::string error;                  // set when a flow authoring problem ended the run
};

// Texts the gateway itself shows, under "common." in every language (lint checks they exist).
namespace keys {
inline constexpr std::string_view invalid = "common.invalid";
inline constexpr std::string_view too_many_invalid = "common.too_many_invalid";
inline constexpr std::string_view error = "common.error";
inline constexpr std::string_view no_service = "common.no_service";
// The language picker (runner): the question, and each language's own name for itself.
inline constexpr std::string_view choose_language = "common.choose_language";
inline constexpr std::string_view language_name = "common.language_name";
// USSD navigation (R-U8): 98 More, 0 Back (Exit on the first screen), 00 Home.
inline constexpr std::string_view more = "common.more";
inline constexpr std::string_view back = "common.back";
inline constexpr std::string_view goodbye = "common.goodbye";
inline constexpr std::string_view required[] = {invalid,    too_many_invalid, error,
                                                no_service, choose_language,  language_name,
                                                more,       back,             goodbye};
// Optional: the acknowledgement of an SMS nothing else claims.
inline constexpr std::string_view unknown_sms = "common.unknown_sms";
}  // namespace keys

// After this many invalid replies in a row at one ask, the run ends with a help text (R-U10).
inline constexpr int max_invalid_replies = 3;

// Starts `f` at its start node.
outcome start(const definition& f, const context& ctx);

// Feeds `input` (what the person typed, raw) to the ask the run waits at. Over USSD the
// reserved answers are always accepted, shown or not: 98 the next page of a long menu, 0 the
// previous page or the previous question (on the first question: exit), 00 the first question.
outcome resume(const definition& f, state s, std::string_view input, const context& ctx);

}  // namespace paygham::flow
