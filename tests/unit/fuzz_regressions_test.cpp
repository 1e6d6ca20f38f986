// Replays every input under tests/fuzz/regressions/<target>/ through the same entry point the
// libFuzzer target uses (tests/fuzz/entry_points.cpp): each file is a crash or a broken invariant
// a fuzz run found and that has since been fixed. No clang needed. Each target's seed corpus
// (tests/fuzz/corpus/<target>/) is replayed too, so the entry points themselves stay exercised.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../fuzz/entry_points.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

size_t replay(const std::string& folder) {
  size_t n = 0;
  for (const auto& target : talgpu::fuzz::targets()) {
    fs::path dir = fs::path(talgpu::test::source_path(folder)) / target.name;
    if (!fs::is_directory(dir)) {
      continue;
    }
    for (const auto& e : fs::directory_iterator(dir)) {
      if (!e.is_regular_file() || e.path().filename() == "README.md") {
        continue;
      }
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      SCOPED_TRACE(e.path().string());
      target.run(ss.str());  // a regression aborts or trips the sanitizer in a -DTALGPU_SANITIZE build
      ++n;
    }
  }
  return n;
}

}  // namespace

TEST(FuzzRegressions, EveryTargetIsRegistered) {
  for (const char* name : {"yaml", "yaml_roundtrip", "nodes_json", "talconfig", "sops", "manifests", "schematic",
                           "patch", "regex"}) {
    EXPECT_NE(talgpu::fuzz::find_target(name), nullptr) << name;
  }
}

TEST(FuzzRegressions, RecordedCrashesStayFixed) {
  EXPECT_GT(replay("tests/fuzz/regressions"), 0u);
}

TEST(FuzzRegressions, SeedCorporaRunClean) {
  EXPECT_GT(replay("tests/fuzz/corpus"), 0u);
}
