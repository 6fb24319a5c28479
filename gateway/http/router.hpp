// Routes a request by method and path to a handler. Patterns are literal segments and
// {name} parameters: "/channels/{channel}/{kind}". A path that matches a pattern under
// another method is a 405 with Allow; no match at all is a 404.
//
// Handlers get the request, the path parameters (percent-decoded) and a reply function they
// must call exactly once, from any thread; the server resumes the connection on its own
// executor. This keeps handlers free of Asio and Beast.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/http_message.hpp"

namespace paygham::http {

using params = std::vector<std::pair<std::string, std::string>>;
using reply_fn = std::function<void(core::http_response)>;
using handler = std::function<void(core::http_request&, const params&, reply_fn)>;

// The value of a path parameter, or "".
std::string_view param(const params& p, std::string_view name);

class router {
 public:
  // Registers a route. `pattern` doubles as the route's label in metrics.
  void add(std::string method, std::string pattern, handler h);

  struct match {
    const handler* target = nullptr;  // null: 404 or 405
    params values;
    std::string route;  // the matched pattern, or "unmatched"
    std::string allow;  // for a 405: the methods the path accepts, comma-separated
  };
  match find(std::string_view method, std::string_view path) const;

 private:
  struct route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    handler h;
  };
  std::vector<route> routes_;
};

}  // namespace paygham::http
