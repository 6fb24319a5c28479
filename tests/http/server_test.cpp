#include <catch2/catch.hpp>

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
