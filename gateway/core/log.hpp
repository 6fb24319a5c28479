// Structured logging: one JSON object a line on stderr, safe to ship to a log store.
//
// Redaction is by type, not by discipline at each call site:
//  - field::phone masks a number to its country code and last three digits (+93*******001);
//  - field::body logs a message text's length at info and above, its content only at debug;
//  - any other text field has its phone-like runs masked (mask_phone_like);
//  - secrets are never passed to the logger at all (config keeps them out of every to_string).
// Thread-safe: each line is formatted then written with one write(2).
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace paygham::core::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3 };

// Lines below this level are dropped. Default info.
void set_level(level l);
// Parses "debug", "info", "warn", "error". Returns false on anything else.
bool parse_level(std::string_view text, level& out);

struct phone {
  std::string_view e164;
};
struct body {
  std::string_view text;
};

struct field {
  using value_type =
      std::variant<std::string_view, std::int64_t, double, bool, phone, body>;
  std::string_view key;
  value_type value;

  field(std::string_view k, std::string_view v) : key(k), value(v) {}
  field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  field(std::string_view k, std::int64_t v) : key(k), value(v) {}
  field(std::string_view k, int v) : key(k), value(std::int64_t{v}) {}
  field(std::string_view k, unsigned v) : key(k), value(std::int64_t{v}) {}
  field(std::string_view k, std::size_t v) : key(k), value(static_cast<std::int64_t>(v)) {}
  field(std::string_view k, double v) : key(k), value(v) {}
  field(std::string_view k, bool v) : key(k), value(v) {}
  field(std::string_view k, phone v) : key(k), value(v) {}
  field(std::string_view k, body v) : key(k), value(v) {}
};

// Masks all but the country prefix and the last three digits of an E.164 number.
std::string mask_phone(std::string_view e164);

// R-D4: a pseudonym for each number (store::number_pseudonym), logged beside every masked one
// as "<key>_id", so an operator can follow one person through the log without seeing their
// number. Set once at start, before any other thread logs; unset (a CLI command, a test):
// numbers are masked only.
void set_pseudonym(std::function<std::string(std::string_view e164)> fn);

// A moment as ISO 8601 in UTC with milliseconds: "2026-11-30T05:30:00.000Z".
std::string utc_text(long long unix_ms);

// Every phone-like run in free text (nine or more digits of any script, spaces or dashes
// between them allowed) with all but its first and last three digits masked. Applied to every
// text field of every line: a number in an error message is still a person's number.
std::string mask_phone_like(std::string_view text);

// Formats one line (without the trailing newline); exposed for tests.
std::string format(level l, std::string_view event, std::initializer_list<field> fields,
                   level threshold);

void write(level l, std::string_view event, std::initializer_list<field> fields);

// While one lives, the lines its thread writes are held instead (the store's writer holds those
// of work it may roll back and run again): write_out() writes them, in order; what is still
// held when it goes is dropped. One at a time on a thread.
class held_lines {
 public:
  held_lines();
  ~held_lines();
  held_lines(const held_lines&) = delete;
  held_lines& operator=(const held_lines&) = delete;
  void write_out();

 private:
  friend void write(level, std::string_view, std::initializer_list<field>);
  std::string lines_;
};

inline void debug(std::string_view e, std::initializer_list<field> f = {}) { write(level::debug, e, f); }
inline void info(std::string_view e, std::initializer_list<field> f = {}) { write(level::info, e, f); }
inline void warn(std::string_view e, std::initializer_list<field> f = {}) { write(level::warn, e, f); }
inline void error(std::string_view e, std::initializer_list<field> f = {}) { write(level::error, e, f); }

// The message of an exception caught as a pointer (a store callback's error), for a log line.
std::string what(std::exception_ptr err);

}  // namespace paygham::core::log
