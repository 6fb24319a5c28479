#include <catch2/catch.hpp>

#include "gateway/core/http_message.hpp"
#include "gateway/http/server.hpp"

using paygham::http::serialize_response;

TEST_CASE("http server: a response is one well-formed HTTP/1.1 message", "[http]") {
  paygham::core::http_response res;
  res.status = 503;
  res.body = "busy";
  res.headers.push_back({"Retry-After", "1"});
  CHECK(serialize_response(res, true) ==
        "HTTP/1.1 503 Service Unavailable\r\nServer: paygham\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Retry-After: 1\r\nContent-Length: 4\r\n\r\nbusy");
  CHECK(serialize_response(res, false) ==
        "HTTP/1.1 503 Service Unavailable\r\nServer: paygham\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Retry-After: 1\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy");
}

TEST_CASE("http server: a handler's header cannot inject lines or change the framing", "[http]") {
  paygham::core::http_response res;
  res.body = "ok";
  res.headers.push_back({"X-Note", "a\r\nSet-Cookie: evil=1"});
  res.headers.push_back({"content-length", "999"});
  res.headers.push_back({"Connection", "keep-alive"});
  const std::string out = serialize_response(res, false);
  CHECK(out.find("\r\nSet-Cookie") == std::string::npos);
  CHECK(out.find("X-Note: a  Set-Cookie: evil=1\r\n") != std::string::npos);
  CHECK(out.find("999") == std::string::npos);
  CHECK(out.find("keep-alive") == std::string::npos);
  CHECK(out.substr(out.size() - 6) == "\r\n\r\nok");
}

TEST_CASE("http server: behind trusted proxies the caller is the last address a proxy appended",
          "[http]") {
  using paygham::core::forwarded_client;
  const std::vector<std::string> proxies = {"127.0.0.1", "10.0.0.2"};
  CHECK(forwarded_client("127.0.0.1", "198.51.100.4", proxies) == "198.51.100.4");
  CHECK(forwarded_client("127.0.0.1", "", proxies) == "127.0.0.1");  // the proxy's own request
  // What the caller wrote comes first; each proxy appends whom it heard from.
  CHECK(forwarded_client("127.0.0.1", "192.0.2.1, 198.51.100.4", proxies) == "198.51.100.4");
  CHECK(forwarded_client("127.0.0.1", "198.51.100.4 ,10.0.0.2", proxies) == "198.51.100.4");
  CHECK(forwarded_client("127.0.0.1", "10.0.0.2, 127.0.0.1", proxies) == "10.0.0.2");
  CHECK(forwarded_client("127.0.0.1", "::ffff:198.51.100.4", proxies) == "198.51.100.4");
  CHECK(forwarded_client("127.0.0.1", "192.0.2.1, 198.51.100.4:4431", proxies)
            .empty());  // not an address
  CHECK(forwarded_client("127.0.0.1", "198.51.100.4,,", proxies) == "198.51.100.4");
  // From a caller that is not a trusted proxy, the header is theirs and is not read.
  CHECK(forwarded_client("192.0.2.9", "198.51.100.4", proxies) == "192.0.2.9");
  CHECK(forwarded_client("127.0.0.1", "198.51.100.4", {}) == "127.0.0.1");
}
