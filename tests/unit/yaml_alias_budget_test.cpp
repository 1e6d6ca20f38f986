// Alias expansion is bounded per file (a million nodes) and across a run (issue 18): a hundred
// files each just under the per-file bound must not add up to gigabytes.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <kube/manifest_loader.hpp>
#include <yaml/document.hpp>
#include <yaml/fast_parse.hpp>

#include "test_support.hpp"

using namespace talgpu;

namespace {

// A ConfigMap whose data aliases expand to `tens` x 11 + `wide` x 111,111 nodes (levels a..e of a
// billion-laughs ladder, then `wide` aliases of the top level).
std::string bomb(int wide) {
  std::string text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\nx:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'e'; ++c) {
    text += fmt::format("  {}: &{} [", c, c);
    for (int i = 0; i < 10; ++i) {
      text += fmt::format("{}*{}", i == 0 ? "" : ", ", prev);
    }
    text += "]\n";
    prev = c;
  }
  text += "  wide: [";
  for (int i = 0; i < wide; ++i) {
    text += fmt::format("{}*e", i == 0 ? "" : ", ");
  }
  text += "]\n";
  return text;
}

constexpr size_t k_ladder = 110 + 1110 + 11110 + 111110;  // b..e
constexpr size_t k_e = 111111;                           // nodes under &e

}  // namespace

TEST(YamlAliasBudget, ChargesEveryFileOfTheRun) {
  yaml::AliasBudget run;
  run.limit = 3 * (k_ladder + 2 * k_e);
  yaml::ParseOptions po;
  po.alias_budget = &run;
  const std::string text = bomb(2);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(yaml::parse(text, fmt::format("f{}.yaml", i), po)) << i;
  }
  EXPECT_EQ(run.used, run.limit);  // exactly at the bound is allowed
  auto fourth = yaml::parse(text, "f3.yaml", po);
  ASSERT_FALSE(fourth);
  EXPECT_EQ(fourth.error().rule, "yaml-limit");
  EXPECT_EQ(fourth.error().location.file.str(), "f3.yaml");
  EXPECT_NE(fourth.error().message.find("across the files read so far"), std::string::npos) << fourth.error().message;
  // Without a budget each file is held to its own bound only.
  EXPECT_TRUE(yaml::parse(text, "alone.yaml"));
}

TEST(YamlAliasBudget, ManyFilesUnderThePerFileBoundAreRefusedTogether) {
  // 0.9 million alias nodes a file (each allowed alone); the twelfth file passes ten million.
  const std::string text = bomb(7);
  ASSERT_LT(k_ladder + 7 * k_e, yaml::k_max_alias_nodes_per_file);
  test::TempDir dir;
  for (int i = 0; i < 12; ++i) {
    dir.write(fmt::format("f{:02}.yaml", i), text);
  }
  Diagnostics diags;
  kube::ManifestLoadOptions one;
  one.paths.push_back(dir.file("f00.yaml"));
  ASSERT_TRUE(kube::load_manifests(one, diags)) << "one file alone is within the per-file bound";
  kube::ManifestLoadOptions all;
  all.paths.push_back(dir.path());
  auto m = kube::load_manifests(all, diags);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().rule, "yaml-limit");
  EXPECT_EQ(m.error().location.file.str(), dir.file("f11.yaml"));
}

namespace {

// Scalar aliases (`name: &app x` ... `*app`) are read by the fast path; they must cost the run's
// budget exactly what the reference path charges, and crossing it must still be the reference's
// located yaml-limit error.
TEST(YamlAliasBudget, ScalarAliasesOnTheFastPathChargeLikeTheReference) {
  std::string text = "metadata:\n  name: &app plex\nspec:\n  list:\n";
  for (int i = 0; i < 10; ++i) {
    text += "  - *app\n";
  }
  yaml::ParseOptions po;
  yaml::AliasBudget fast_budget;
  po.alias_budget = &fast_budget;
  auto fast = yaml::detail::parse_fast(text, 0, po);
  ASSERT_TRUE(fast.has_value()) << "scalar aliases should take the fast path";
  yaml::AliasBudget ref_budget;
  po.alias_budget = &ref_budget;
  ASSERT_TRUE(yaml::detail::parse_reference(text, "ref.yaml", po));
  EXPECT_EQ(fast_budget.used, 10u);
  EXPECT_EQ(fast_budget.used, ref_budget.used);

  yaml::AliasBudget run;
  run.limit = 25;
  po.alias_budget = &run;
  ASSERT_TRUE(yaml::parse(text, "a.yaml", po));
  ASSERT_TRUE(yaml::parse(text, "b.yaml", po));
  EXPECT_EQ(run.used, 20u);
  auto third = yaml::parse(text, "c.yaml", po);
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().rule, "yaml-limit");
  EXPECT_EQ(third.error().location.file.str(), "c.yaml");
  EXPECT_EQ(third.error().location.line, 5 + 5);  // the sixth alias crosses 25
}

}  // namespace
