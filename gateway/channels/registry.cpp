#include "gateway/channels/registry.hpp"

#include <algorithm>

#include "gateway/channels/africastalking.hpp"
#include "gateway/channels/console.hpp"

namespace paygham::channels {
namespace {

struct entry {
  const char* type;
  core::result<std::unique_ptr<channel>> (*make)(const settings&);
  std::vector<std::string_view> params;  // the type's own settings, besides common_params
};

const std::vector<entry>& registry() {
  static const std::vector<entry> r = {
      {"africastalking", &africastalking::make, {}},
      {"console", &console::make, {}},
  };
  return r;
}

}  // namespace

core::result<std::unique_ptr<channel>> make_channel(const settings& s) {
  for (const entry& e : registry()) {
    if (s.type != e.type) continue;
    for (const auto& [key, _] : s.params) {
      const bool common = std::find(std::begin(common_params), std::end(common_params), key) !=
                          std::end(common_params);
      const bool own = std::find(e.params.begin(), e.params.end(), key) != e.params.end();
      if (!common && !own) {
        return core::fail(s.where + ": channel '" + s.id + "' (type " + s.type +
                          ") has an unknown setting '" + key + "'");
      }
    }
    return e.make(s);
  }
  std::string known;
  for (const auto& t : known_types()) known += (known.empty() ? "" : ", ") + t;
  return core::fail(s.where + ": channel '" + s.id + "' has unknown type '" + s.type +
                    "' (known: " + known + ")");
}

std::vector<std::string> known_types() {
  std::vector<std::string> out;
  for (const entry& e : registry()) out.emplace_back(e.type);
  return out;
}

}  // namespace paygham::channels
