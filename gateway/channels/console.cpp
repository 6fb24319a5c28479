#include "gateway/channels/console.hpp"

namespace paygham::channels {

core::result<std::unique_ptr<channel>> console::make(const settings& s) {
  return std::unique_ptr<channel>(std::make_unique<console>(s));
}

}  // namespace paygham::channels
