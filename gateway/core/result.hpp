// result<T>: the outcome of parsing untrusted input (webhooks, numbers, YAML, JSON).
// Either a value or an error whose message is written for the person who must fix the input.
// No exceptions cross this boundary: callers test ok() and read value() or error().
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace paygham::core {

struct failure {
  std::string message;
};

// Builds an error; reads well at the call site: `return core::fail("missing field 'from'");`
inline failure fail(std::string message) { return failure{std::move(message)}; }

template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  result(failure e) : v_(std::move(e)) {}             // NOLINT: implicit by design

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  // Precondition: ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }

  // Precondition: !ok().
  const std::string& error() const { return std::get<1>(v_).message; }

 private:
  std::variant<T, failure> v_;
};

// For operations that return nothing but may fail.
struct unit {};
using status = result<unit>;
inline status ok() { return unit{}; }

}  // namespace paygham::core
