#pragma once
// The fuzz targets' entry points, shared by the libFuzzer executables (tests/fuzz/fuzz_main.cpp,
// built only with -DTALGPU_FUZZ=ON and clang) and the GoogleTest that replays every file under
// tests/fuzz/regressions/ in the normal suite (tests/unit/fuzz_regressions_test.cpp, no clang).
//
// Each entry point feeds arbitrary bytes to one reader the way the CLI would and checks the
// properties that must hold for any input: no crash, no sanitizer report, and where stated an
// invariant (the emitter round trip). A broken invariant aborts (libFuzzer records the input).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace talgpu::fuzz {

struct Target {
  const char* name;
  void (*run)(std::string_view data);
};

// Every target, by name: yaml, yaml_roundtrip, nodes_json, talconfig, sops, manifests, schematic,
// patch, regex.
const std::vector<Target>& targets();
const Target* find_target(std::string_view name);

}  // namespace talgpu::fuzz
