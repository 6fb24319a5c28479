#include "gateway/http/router.hpp"

#include "gateway/core/form.hpp"

namespace paygham::http {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    std::size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    out.emplace_back(path.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

// True when `allow` ("GET, POST") names `method`.
bool lists(std::string_view allow, std::string_view method) {
  while (!allow.empty()) {
    const auto comma = allow.find(", ");
    if (allow.substr(0, comma) == method) return true;
    allow = comma == std::string_view::npos ? std::string_view() : allow.substr(comma + 2);
  }
  return false;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::string_view param(const params& p, std::string_view name) {
  for (const auto& [k, v] : p) {
    if (k == name) return v;
  }
  return {};
}

void router::add(std::string method, std::string pattern, handler h) {
  auto segments = split_path(pattern);
  routes_.push_back(route{std::move(method), std::move(pattern), std::move(segments), std::move(h)});
}

router::match router::find(std::string_view method, std::string_view path) const {
  match m;
  m.route = "unmatched";
  const auto segments = split_path(path);
  for (const route& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    params values;
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      if (is_param(r.segments[i])) {
        auto decoded = core::percent_decode(segments[i], false);
        ok = decoded.ok();
        if (ok) values.emplace_back(r.segments[i].substr(1, r.segments[i].size() - 2), decoded.value());
      } else {
        ok = r.segments[i] == segments[i];
      }
    }
    if (!ok) continue;
    if (r.method == method) {
      m.target = &r.h;
      m.values = std::move(values);
      m.route = r.pattern;
      m.allow.clear();
      return m;
    }
    m.route = r.pattern;
    if (!lists(m.allow, r.method)) m.allow += (m.allow.empty() ? "" : ", ") + r.method;
  }
  return m;
}

}  // namespace paygham::http
