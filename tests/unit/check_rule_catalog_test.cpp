// Every rule id that `talgpu check` or `talgpu plan` can print has an explanation for
// `talgpu explain`, including the ids raised outside src/check (GPU-node analysis, genconfig).
#include <gtest/gtest.h>

#include <algorithm>

#include <check/rules.hpp>
#include <check/rules/registry.hpp>

#include <set>
#include <string_view>

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

// The rule registry: every family names the ids it raises, each id is in the catalogue
// `talgpu explain` prints, and no id belongs to two families.
TEST(RuleRegistry, FamiliesRaiseOnlyCataloguedIdsAndOwnThemOnce) {
  std::set<std::string_view> seen_ids;
  std::set<std::string_view> seen_names;
  ASSERT_FALSE(check::rule_families().empty());
  for (const auto& family : check::rule_families()) {
    EXPECT_TRUE(seen_names.insert(family.name).second) << family.name;
    EXPECT_NE(family.run, nullptr) << family.name;
    EXPECT_FALSE(family.summary.empty()) << family.name;
    EXPECT_FALSE(family.rule_ids.empty()) << family.name;
    for (auto id : family.rule_ids) {
      EXPECT_NE(check::find_rule(id), nullptr) << family.name << ": " << id;
      EXPECT_TRUE(seen_ids.insert(id).second) << id << " is listed by two families";
    }
  }
}
