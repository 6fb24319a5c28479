#include "gateway/core/http_message.hpp"

#include <algorithm>
#include <cctype>

namespace paygham::core {

bool same_header_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view http_request::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (same_header_name(h.name, name)) return h.value;
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
