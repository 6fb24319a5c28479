#include "gateway/core/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "gateway/core/utf8.hpp"

namespace paygham::core::log {
namespace {

std::atomic<level> threshold_{level::info};

const char* name(level l) {
  switch (l) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
  }
  return "info";
}

}  // namespace

std::string utc_text(long long unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(unix_ms % 1000));
  return buf;
}

void set_level(level l) { threshold_.store(l); }

bool parse_level(std::string_view text, level& out) {
  for (level l : {level::debug, level::info, level::warn, level::error}) {
    if (text == name(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

namespace {
using pseudonym_fn = std::function<std::string(std::string_view)>;
std::atomic<std::shared_ptr<const pseudonym_fn>> pseudonym_;
}  // namespace

void set_pseudonym(std::function<std::string(std::string_view e164)> fn) {
  pseudonym_.store(fn ? std::make_shared<const pseudonym_fn>(std::move(fn)) : nullptr);
}

std::string mask_phone(std::string_view e164) {
  // Keep '+', up to three digits of country code and the last three digits.
  if (e164.size() <= 7) return std::string(e164.size(), '*');
  std::string out(e164);
  const std::size_t keep_head = e164.front() == '+' ? 3 : 2;
  for (std::size_t i = keep_head; i + 3 < out.size(); ++i) out[i] = '*';
  return out;
}

std::string mask_phone_like(std::string_view text) {
  // Digits of any script, in runs joined by at most one space or dash ("0799 123 456"); a run of
  // nine or more digits is a phone number until proven otherwise (dates have eight, IPs dots).
  const std::u32string in = decode_utf8(text);
  const auto digit = [](char32_t c) { return digit_value(c) >= 0; };
  std::u32string out = in;
  bool masked = false;
  for (std::size_t i = 0; i < in.size();) {
    if (!digit(in[i])) {
      ++i;
      continue;
    }
    std::vector<std::size_t> at;  // positions of the run's digits
    std::size_t j = i;
    while (j < in.size()) {
      if (digit(in[j])) {
        at.push_back(j++);
      } else if ((in[j] == U' ' || in[j] == U'-') && j + 1 < in.size() && digit(in[j + 1])) {
        ++j;
      } else {
        break;
      }
    }
    if (at.size() >= 9) {
      for (std::size_t k = 3; k + 3 < at.size(); ++k) out[at[k]] = U'*';
      masked = true;
    }
    i = j;
  }
  return masked ? encode_utf8(out) : std::string(text);
}

std::string format(level l, std::string_view event, std::initializer_list<field> fields,
                   level threshold) {
  nlohmann::json line = nlohmann::json::object();
  line["ts"] = utc_text(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
  line["level"] = name(l);
  line["event"] = event;
  for (const field& f : fields) {
    auto& slot = line[std::string(f.key)];
    std::visit(
        [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, phone>) {
            slot = mask_phone(v.e164);
            if (const auto named = pseudonym_.load(); named && !v.e164.empty()) {
              line[std::string(f.key) + "_id"] = (*named)(v.e164);
            }
          } else if constexpr (std::is_same_v<V, body>) {
            // Message texts may hold health details: content only when debugging.
            if (threshold == level::debug) {
              slot = v.text;
            } else {
              slot = "<" + std::to_string(v.text.size()) + " bytes>";
            }
          } else if constexpr (std::is_same_v<V, std::string_view>) {
            // Free text (a parse error quoting its input, an aggregator's message) may carry a
            // number: masked whatever the field.
            slot = mask_phone_like(v);
          } else {
            slot = v;
          }
        },
        f.value);
  }
  // Replace invalid UTF-8 rather than throw: a log line must never fail.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

thread_local held_lines* holding = nullptr;

// One write(2) per line (or held group) keeps lines whole when several threads log.
void write_whole(std::string_view out) {
  const char* p = out.data();
  std::size_t left = out.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace

held_lines::held_lines() { holding = this; }
held_lines::~held_lines() { holding = nullptr; }

void held_lines::write_out() {
  write_whole(lines_);
  lines_.clear();
}

void write(level l, std::string_view event, std::initializer_list<field> fields) {
  const level t = threshold_.load();
  if (l < t) return;
  std::string out = format(l, event, fields, t);
  out.push_back('\n');
  if (holding) {
    holding->lines_ += out;
    return;
  }
  write_whole(out);
}

std::string what(std::exception_ptr err) {
  if (!err) return {};
  try {
    std::rethrow_exception(err);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

}  // namespace paygham::core::log
