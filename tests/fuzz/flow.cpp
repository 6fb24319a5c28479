// Fuzz target: a flow file as an operator might save it (the editor publishes through the
// same loader). Any YAML gives a flow or problems, never a crash, and a flow given is whole.
#include <cstdlib>

#include "gateway/flow/flow.hpp"
#include "tests/fuzz/fuzz.hpp"

using namespace paygham;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> problems;
  const auto f = flow::parse_flow("fuzzed", "fuzzed.yaml", yaml, problems);
  if (f && !problems.empty()) std::abort();  // usable means no problem found
  if (!f && problems.empty()) std::abort();  // refused says why
  if (f && !f->find(f->start)) std::abort();
  return 0;
}
