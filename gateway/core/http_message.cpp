#include "gateway/core/http_message.hpp"

#include <algorithm>
#include <cctype>

namespace paygham::core {

std::string_view http_request::header(std::string_view name) const {
  const auto same = [&](const std::string& h) {
    return h.size() == name.size() &&
           std::equal(h.begin(), h.end(), name.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  };
  for (const auto& h : headers) {
    if (same(h.name)) return h.value;
  }
  return {};
}

http_response text_response(unsigned status, std::string body) {
  http_response r;
  r.status = status;
  if (!body.empty() && body.back() != '\n') body.push_back('\n');
  r.body = std::move(body);
  return r;
}

http_response json_response(unsigned status, std::string body) {
  http_response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

}  // namespace paygham::core
