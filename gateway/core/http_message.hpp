// Plain-data HTTP request and response, shared by the server (gateway/http), the codecs
// (gateway/channels) and the handlers (gateway/api) without any of them seeing Beast.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace paygham::core {

struct http_header {
  std::string name;
  std::string value;
};

// Header names compare without regard to case ("content-length" is "Content-Length").
bool same_header_name(std::string_view a, std::string_view b);

struct http_request {
  std::string method;  // "GET", "POST", …
  std::string path;    // without the query, still percent-encoded
  std::string query;   // after '?', without it; may be empty
  std::vector<http_header> headers;
  std::string body;
  std::string remote_ip;

  // The first header of that name (case-insensitive), or "".
  std::string_view header(std::string_view name) const;
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<http_header> headers;
  // Close the connection without answering (tools/fake-aggregator emulating a broken peer).
  bool hang_up = false;
};

// A request to make to someone else (an aggregator's send API), for gateway/http's client.
struct http_call {
  std::string method = "POST";
  std::string url;  // absolute: http[s]://host[:port]/path?query
  std::vector<http_header> headers;
  std::string body;
};

// A short text/plain response; the reason ends with a newline for curl users.
http_response text_response(unsigned status, std::string body);
// An application/json response.
http_response json_response(unsigned status, std::string body);

// An IPv4 or IPv6 address in the form the server names a caller (core::http_request::remote_ip):
// "::1", not "0::1"; "192.0.2.7", not "::ffff:192.0.2.7". Empty: not an address.
std::string canonical_address(const std::string& ip);

// The caller's address behind proxies the operator trusts (server.trusted_proxies, canonical):
// `peer` itself unless it is one of them. From one, the last address of `forwarded_for` (the
// X-Forwarded-For fields, comma-joined) that is not a trusted proxy, as each proxy appends
// whom it heard from: what the caller wrote there themselves comes before it and is never
// taken. Empty (nobody the allow lists can match) when that entry is not an address; `peer`
// when there is no such header.
std::string forwarded_client(const std::string& peer, std::string_view forwarded_for,
                             const std::vector<std::string>& trusted);

}  // namespace paygham::core
