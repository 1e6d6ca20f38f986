// Every rule id that `talgpu check` or `talgpu plan` can print has an explanation for
// `talgpu explain`, including the ids raised outside src/check (GPU-node analysis, genconfig).
#include <gtest/gtest.h>

#include <algorithm>

#include <check/rules.hpp>

using namespace talgpu;

TEST(RuleCatalog, ExplainsTheIdsRaisedByGpuAnalysisAndGenconfig) {
  const char* ids[] = {"gpu-conflicting-kmods", "gpu-driver-unknown",     "gpu-extension-unavailable",
                       "gpu-factory-lookup",    "gpu-kernel-modules-missing", "gpu-kmod-missing",
                       "gpu-legacy-extension",  "gpu-mixed-tiers",        "gpu-toolkit-missing",
                       "gpu-unverified",        "worker-taint-via-register"};
  for (const char* id : ids) {
    const check::RuleInfo* r = check::find_rule(id);
    ASSERT_NE(r, nullptr) << id;
    EXPECT_NE(std::string(r->why), "") << id;
    EXPECT_NE(std::string(r->fix), "") << id;
  }
}

TEST(RuleCatalog, IdsAreUniqueAndSorted) {
  std::vector<std::string> ids = check::rule_ids();
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
}
