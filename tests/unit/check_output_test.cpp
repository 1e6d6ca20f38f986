// CI-facing behaviour of `check`/`plan` output: the project file (.talgpu.yaml), suppression
// annotations, --fail-on, the shared JSON findings document and SARIF's URIs and invocations.

#include <algorithm>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <check/policy.hpp>
#include <check/render.hpp>
#include <kube/manifest_loader.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::check;

namespace {

Diagnostics sample() {
  Diagnostics d;
  d.error("cuda-driver-incompatible", "no node fits", SourceLocation{"apps/a b.yaml", 3, 5}, "add a toleration");
  d.warning("cuda-minor-compat", "unknown CUDA", SourceLocation{"apps/x.yaml", 9, 1});
  d.note("manifest-remote", "remote skipped");
  return d;
}

}  // namespace

TEST(Policy, OverridesAndDisablesRules) {
  test::TempDir t;
  std::string f = t.write(".talgpu.yaml", "rules:\n  cuda-driver-incompatible: warning\n  cuda-minor-compat: off\nfailOn: warning\n");
  Diagnostics diags;
  auto p = load_policy(f, diags);
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(diags.empty()) << render_text(diags);
  Diagnostics d = sample();
  EXPECT_EQ(apply_policy(d, *p, nullptr), 1u);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.items()[0].severity, Severity::warning);
  EXPECT_EQ(d.items()[1].rule, "manifest-remote");
  EXPECT_EQ(p->fail_on, FailOn::warning);
  EXPECT_TRUE(fails(d, FailOn::warning));
  EXPECT_FALSE(fails(d, FailOn::error));
}

TEST(Policy, BadLevelsAreLocatedFindings) {
  test::TempDir t;
  std::string f = t.write(".talgpu.yaml", "rules:\n  cuda-driver-incompatible: loud\nfailOn: never\ncolour: red\n");
  Diagnostics diags;
  auto p = load_policy(f, diags);
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(diags.count(Severity::error), 2u) << render_text(diags);
  EXPECT_EQ(diags.items()[0].location.line, 2);
  EXPECT_EQ(diags.count(Severity::warning), 1u);  // unknown key
  EXPECT_TRUE(p->rules.empty());
}

TEST(Policy, ProjectFileIsFoundWalkingUpToTheRepositoryRoot) {
  test::TempDir t;
  t.write("repo/.git/HEAD", "ref: refs/heads/main\n");
  t.write("repo/.talgpu.yaml", "rules: {}\n");
  t.write("repo/clusters/prod/talconfig.yaml", "clusterName: x\n");
  auto found = find_project_file(t.file("repo/clusters/prod"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, t.file("repo/.talgpu.yaml"));
  // Not above the repository root.
  t.write(".talgpu.yaml", "rules: {}\n");
  t.write("other/.git/HEAD", "x\n");
  EXPECT_FALSE(find_project_file(t.file("other")).has_value());
  // A file as the start: its folder.
  EXPECT_EQ(*find_project_file(t.file("repo/clusters/prod/talconfig.yaml")), t.file("repo/.talgpu.yaml"));
}

namespace {
// The manifests of one file (the findings of loading it are not looked at).
Result<kube::Manifests> load_one(const std::string& file) {
  kube::ManifestLoadOptions mo;
  mo.paths = {file};
  Diagnostics load;
  return kube::load_manifests(mo, load);
}
}  // namespace

TEST(Policy, IgnoreAnnotationSuppressesOnlyItsOwnDocument) {
  test::TempDir t;
  std::string f = t.write("apps.yaml",
                          "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n"
                          "    talgpu.dev/ignore: cuda-driver-incompatible, cuda-minor-compat\n"
                          "spec:\n  containers: [{name: c, image: x}]\n"
                          "---\n"
                          "apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\nspec:\n  containers: [{name: c, image: x}]\n");
  auto m = load_one(f);
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->workloads.size(), 2u);
  Diagnostics d;
  d.error("cuda-driver-incompatible", "a", SourceLocation{f, 8, 3});
  d.error("cuda-driver-incompatible", "b", SourceLocation{f, 14, 3});
  d.error("other-rule", "a", SourceLocation{f, 8, 3});
  EXPECT_EQ(apply_policy(d, Policy{}, &*m), 1u);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.items()[0].message, "b");
  EXPECT_EQ(d.items()[1].rule, "other-rule");
}

// Many annotated objects in one file (the index is searched, not scanned): every finding is
// suppressed exactly when the object whose lines hold it carries its rule (or "all"), including
// findings on an object's first line, on the line before the next object, before the first
// object, in a Namespace between workloads, and after the last object.
TEST(Policy, IgnoreAnnotationsOfManyObjectsEachCoverOnlyTheirLines) {
  test::TempDir t;
  std::string text;
  struct Doc {
    int first = 0;
    std::string ignores;  // empty: no annotation
  };
  std::vector<Doc> docs;
  int line = 1;
  text += "# leading comment\n";
  ++line;
  for (int i = 0; i < 120; ++i) {
    if (i > 0) {
      text += "---\n";
      ++line;
    }
    if (i % 10 == 7) {  // a Namespace between workloads: it bounds the range before it
      text += "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns" + std::to_string(i) + "\n---\n";
      docs.push_back(Doc{line, "-"});
      line += 5;
    }
    std::string ign = i % 3 == 0 ? "rule-a" : i % 3 == 1 ? "all" : "";
    docs.push_back(Doc{line, ign});
    text += "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p" + std::to_string(i) + "\n";
    line += 4;
    if (!ign.empty()) {
      text += "  annotations:\n    talgpu.dev/ignore: " + ign + "\n";
      line += 2;
    }
    text += "spec:\n  containers:\n  - name: c\n    image: x\n";
    line += 4;
  }
  std::string f = t.write("many.yaml", text);
  auto m = load_one(f);
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->workloads.size(), 120u);
  // The oracle: the object whose [first, next first) holds the line.
  auto expect_ignored = [&](int l, const std::string& rule) {
    const Doc* holder = nullptr;
    for (const auto& d : docs) {
      if (d.first <= l) {
        holder = &d;
      }
    }
    return holder != nullptr && holder->ignores != "-" &&
           (holder->ignores == "all" || (holder->ignores == rule && !rule.empty()));
  };
  Diagnostics d;
  std::vector<bool> want;
  for (int l = 1; l <= line + 2; ++l) {
    for (const char* rule : {"rule-a", "rule-b"}) {
      d.error(rule, std::to_string(l), SourceLocation{f, l, 1});
      want.push_back(!expect_ignored(l, rule));
    }
  }
  d.error("rule-a", "elsewhere", SourceLocation{f + ".other", 10, 1});
  want.push_back(true);
  const size_t total = d.size();
  size_t kept_expected = static_cast<size_t>(std::count(want.begin(), want.end(), true));
  EXPECT_EQ(apply_policy(d, Policy{}, &*m), total - kept_expected);
  ASSERT_EQ(d.size(), kept_expected);
  size_t k = 0;
  Diagnostics again;
  for (int l = 1; l <= line + 2; ++l) {
    for (const char* rule : {"rule-a", "rule-b"}) {
      again.error(rule, std::to_string(l), SourceLocation{f, l, 1});
    }
  }
  for (size_t i = 0; i < again.size(); ++i) {
    if (want[i]) {
      ASSERT_LT(k, d.size());
      EXPECT_EQ(d.items()[k].message, again.items()[i].message);
      EXPECT_EQ(d.items()[k].rule, again.items()[i].rule);
      ++k;
    }
  }
}

TEST(CheckOutput, JsonDocumentHasOneShapeForEveryFinding) {
  RunOutcome o;
  auto j = nlohmann::json::parse(render_findings_json(sample(), nullptr, o));
  EXPECT_EQ(j["schemaVersion"], k_findings_schema_version);
  EXPECT_EQ(j["command"], "check");
  EXPECT_EQ(j["success"], true);
  EXPECT_EQ(j["summary"]["errors"], 1);
  for (const auto& f : j["findings"]) {
    for (const char* k : {"rule", "severity", "message", "file", "line", "column", "hint"}) {
      EXPECT_TRUE(f.contains(k)) << k << " in " << f.dump();
    }
  }
  EXPECT_EQ(j["findings"][0]["hint"], "add a toleration");
  EXPECT_TRUE(j["findings"][1]["hint"].is_null());
  o.success = false;
  o.failure = "x.yaml: no such file";
  auto bad = nlohmann::json::parse(render_findings_json(Diagnostics{}, nullptr, o));
  EXPECT_EQ(bad["success"], false);
  EXPECT_EQ(bad["failure"], "x.yaml: no such file");
  EXPECT_TRUE(bad["findings"].empty());
}

TEST(CheckOutput, SarifUrisAreRelativeAndPercentEncoded) {
  bool rel = false;
  EXPECT_EQ(sarif_uri("/repo/apps/a b.yaml", "/repo", rel), "apps/a%20b.yaml");
  EXPECT_TRUE(rel);
  EXPECT_EQ(sarif_uri("/repo/./x/../100%.yaml", "/repo/", rel), "100%25.yaml");
  EXPECT_EQ(sarif_uri("/elsewhere/a#b.yaml", "/repo", rel), "file:///elsewhere/a%23b.yaml");
  EXPECT_FALSE(rel);
  EXPECT_EQ(sarif_uri("/repo/caf\xc3\xa9.yaml", "/repo", rel), "caf%C3%A9.yaml");
}

TEST(CheckOutput, SarifCarriesLevelsHintsAndInvocation) {
  RunOutcome o;
  o.base_dir = "/work";
  Policy p;
  p.rules["cuda-driver-incompatible"] = Severity::warning;
  o.policy = &p;
  Diagnostics d;
  d.warning("cuda-driver-incompatible", "no node fits", SourceLocation{"/work/apps/a.yaml", 3, 5}, "add a toleration");
  auto s = nlohmann::json::parse(render_sarif(d, o));
  const auto& run = s["runs"][0];
  EXPECT_EQ(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///work/");
  EXPECT_EQ(run["invocations"][0]["executionSuccessful"], true);
  const auto& res = run["results"][0];
  EXPECT_EQ(res["level"], "warning");
  EXPECT_EQ(res["message"]["text"], "no node fits\nhint: add a toleration");
  const auto& loc = res["locations"][0]["physicalLocation"]["artifactLocation"];
  EXPECT_EQ(loc["uri"], "apps/a.yaml");
  EXPECT_EQ(loc["uriBaseId"], "%SRCROOT%");
  const auto& rule = run["tool"]["driver"]["rules"][res["ruleIndex"].get<size_t>()];
  EXPECT_EQ(rule["id"], "cuda-driver-incompatible");
  EXPECT_EQ(rule["defaultConfiguration"]["level"], "warning");
  o.success = false;
  o.failure = "cannot read x";
  auto f = nlohmann::json::parse(render_sarif(Diagnostics{}, o));
  EXPECT_EQ(f["runs"][0]["invocations"][0]["executionSuccessful"], false);
  EXPECT_EQ(f["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"], "cannot read x");
}
