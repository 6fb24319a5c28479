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

std::string forwarded_client(const std::string& peer, std::string_view forwarded_for,
                             const std::vector<std::string>& trusted) {
  const auto is_trusted = [&](const std::string& ip) {
    return std::find(trusted.begin(), trusted.end(), ip) != trusted.end();
  };
  if (!is_trusted(peer)) return peer;
  std::string client = peer;
  // From the right: each proxy appended whom it heard from.
  while (!forwarded_for.empty()) {
    const auto comma = forwarded_for.rfind(',');
    std::string_view entry =
        comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1);
    forwarded_for =
        comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
    while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t'))
      entry.remove_prefix(1);
    while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.remove_suffix(1);
    if (entry.empty()) continue;
    client = canonical_address(std::string(entry));
    if (client.empty() || !is_trusted(client)) return client;
  }
  return client;
}

}  // namespace paygham::core
