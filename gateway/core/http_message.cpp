#include "gateway/core/http_message.hpp"

#include <arpa/inet.h>

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

std::string canonical_address(const std::string& ip) {
  unsigned char bytes[sizeof(in6_addr)];
  char text[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, ip.c_str(), bytes) == 1) return inet_ntop(AF_INET, bytes, text, sizeof text) ? text : "";
  if (inet_pton(AF_INET6, ip.c_str(), bytes) != 1) return {};
  // An IPv4 address written as IPv6 (::ffff:a.b.c.d) is that IPv4 address, as the server names it.
  static constexpr unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(std::begin(mapped), std::end(mapped), bytes)) {
    return inet_ntop(AF_INET, bytes + 12, text, sizeof text) ? text : "";
  }
  return inet_ntop(AF_INET6, bytes, text, sizeof text) ? text : "";
}

}  // namespace paygham::core
