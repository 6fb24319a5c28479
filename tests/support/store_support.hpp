// Runs a function inside the store writer's transaction and waits for the commit: tests
// drive the store and the runner exactly as the server does, one transaction per call.
#pragma once

#include <future>
#include <stdexcept>

#include "gateway/store/writer.hpp"

namespace paygham::test {

template <class Fn>
auto in_tx(store::writer& w, Fn fn) -> decltype(fn(std::declval<store::tx&>())) {
  using R = decltype(fn(std::declval<store::tx&>()));
  auto result = std::make_shared<std::conditional_t<std::is_void_v<R>, int, R>>();
  std::promise<void> done;
  w.submit(
      [&](store::tx& t) {
        if constexpr (std::is_void_v<R>) {
          fn(t);
        } else {
          *result = fn(t);
        }
      },
      [&](std::exception_ptr e) {
        if (e) {
          done.set_exception(e);
        } else {
          done.set_value();
        }
      });
  done.get_future().get();
  if constexpr (!std::is_void_v<R>) return *result;
}

}  // namespace paygham::test
