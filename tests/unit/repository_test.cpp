// The test suite stands alone (issue 12): a user's clone has nothing beside it, so no test,
// benchmark, script or build file may reach the project's shared folder next to the repository.
// Test data is copied into tests/fixtures/upstream/ with its provenance instead.

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

TEST(Repository, NothingReachesOutsideTheClone) {
  // Built from parts so that this file does not match itself.
  const std::vector<std::string> needles = {std::string("..") + "/shared", std::string("SHARED") + "_DIR"};
  const std::vector<std::string> roots = {"tests", "bench", "scripts", ".ci", "CMakeLists.txt", "cmake"};
  size_t read = 0;
  for (const auto& r : roots) {
    const fs::path root = talgpu::test::source_path(r);
    std::error_code ec;
    std::vector<fs::path> files;
    if (fs::is_regular_file(root, ec)) {
      files.push_back(root);
    } else if (fs::is_directory(root, ec)) {
      for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const auto ext = it->path().extension().string();
        const auto name = it->path().filename().string();
        if (it->is_regular_file(ec) && it->path().string().find("/fixtures/") == std::string::npos &&
            (ext == ".cpp" || ext == ".hpp" || ext == ".sh" || ext == ".py" || ext == ".txt" || ext == ".cmake" ||
             name == "cmd" || name == "run")) {
          files.push_back(it->path());
        }
      }
    }
    for (const auto& f : files) {
      const std::string text = talgpu::test::read_text(f.string());
      ++read;
      for (const auto& n : needles) {
        EXPECT_EQ(text.find(n), std::string::npos) << f << " reaches outside the repository (" << n << ")";
      }
    }
  }
  EXPECT_GT(read, 100u) << "the walk found too few files: " << read;
}

}  // namespace
