// libFuzzer driver for one entry point (TALGPU_FUZZ_TARGET, set per executable by
// tests/fuzz/CMakeLists.txt). Built only with -DTALGPU_FUZZ=ON and clang; see scripts/fuzz.sh.

#include <cstdlib>
#include <string_view>

#include "entry_points.hpp"

namespace {
const talgpu::fuzz::Target* target() {
  static const talgpu::fuzz::Target* t = talgpu::fuzz::find_target(TALGPU_FUZZ_TARGET);
  if (t == nullptr) {
    std::abort();
  }
  return t;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  target()->run(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
