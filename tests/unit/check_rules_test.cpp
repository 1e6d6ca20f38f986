// One behaviour per test: a healthy fixture cluster plus one broken manifest folder or talconfig.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include <check/check.hpp>
#include <check/render.hpp>
#include <check/rules.hpp>
#include <kube/manifest_loader.hpp>
#include <talhelper/talconfig.hpp>

#include "test_support.hpp"

using namespace talgpu;
using talgpu::test::source_path;

namespace {

struct Run {
  talhelper::TalConfig cfg;
  kube::Manifests manifests;
  check::CheckReport report;
  Diagnostics load;

  std::vector<const Diagnostic*> with(std::string_view rule) const {
    std::vector<const Diagnostic*> out;
    for (const auto& d : report.findings.items()) {
      if (d.rule == rule) {
        out.push_back(&d);
      }
    }
    return out;
  }
  const check::Placement* placement(std::string_view id) const {
    for (const auto& p : report.placements) {
      if (p.workload == id) {
        return &p;
      }
    }
    return nullptr;
  }
};

std::unique_ptr<Run> run_on(const std::string& talconfig, std::vector<std::string> manifest_dirs) {
  auto r = std::make_unique<Run>();
  talhelper::LoadOptions lo;
  lo.path = source_path("tests/fixtures/check/" + talconfig);
  auto cfg = talhelper::load_talconfig(lo, r->load);
  EXPECT_TRUE(cfg) << (cfg ? "" : cfg.error().describe());
  r->cfg = std::move(*cfg);
  kube::ManifestLoadOptions mo;
  for (const auto& d : manifest_dirs) {
    mo.paths.push_back(source_path("tests/fixtures/check/" + d));
  }
  auto m = kube::load_manifests(mo, r->load);
  EXPECT_TRUE(m);
  r->manifests = std::move(*m);
  check::CheckInputs in;
  in.config = &r->cfg;
  in.manifests = &r->manifests;
  r->report = check::run_check(in);
  return r;
}

// An observed node named `name` with its hostname label and `labels`.
kube::Node observed_node(const std::string& name, const std::vector<std::pair<std::string, std::string>>& labels = {}) {
  kube::Node n;
  n.name = name;
  n.source = kube::NodeSource::observed;
  n.labels.set("kubernetes.io/hostname", name);
  for (const auto& [k, v] : labels) {
    n.labels.set(k, v);
  }
  return n;
}

// The check of `r`'s talconfig and manifests, with `observed` nodes besides the declared ones.
check::CheckReport check_with(const Run& r, std::vector<kube::Node> observed) {
  check::CheckInputs in;
  in.config = &r.cfg;
  in.manifests = &r.manifests;
  in.observed = std::move(observed);
  return check::run_check(in);
}

}  // namespace

TEST(CheckRules, HealthyClusterHasNoErrorsAndPlacesTheTrainer) {
  auto r = run_on("cluster/talconfig.yaml", {"cluster/apps"});
  EXPECT_FALSE(r->report.has_errors()) << render_text(r->report.findings);
  const auto* p = r->placement("gpu/Deployment/trainer");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fits.names(), std::vector<std::string>{"gpu1"});
  EXPECT_EQ(p->rejected().at("cpu1"), "Insufficient nvidia.com/gpu");
}

TEST(CheckRules, WorkerTaintFromTalconfigIsANote) {
  auto r = run_on("cluster/talconfig.yaml", {"cluster/apps"});
  // Its own id: node-taints-noderestriction is only the error of a patch's machine.nodeTaints.
  EXPECT_TRUE(r->with("node-taints-noderestriction").empty());
  auto found = r->with("worker-taint-via-register");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->severity, Severity::note);
}

// `talgpu explain RULE` prints the catalogue's severity: every finding must carry exactly it
// (one id per condition, never an id raised at two severities).
TEST(CheckRules, EveryFindingHasTheSeverityExplainShows) {
  std::vector<std::unique_ptr<::Run>> runs;
  runs.push_back(run_on("cluster-bad/talconfig.yaml", {"cluster/apps", "manifests/no-fit", "manifests/psa"}));
  for (const char* dir : {"manifests/cuda-minor", "manifests/cuda-official-geforce", "manifests/cuda-require",
                          "manifests/gpu-resources", "manifests/invisible", "manifests/no-fit", "manifests/plugin-gap",
                          "manifests/psa", "manifests/rc-missing"}) {
    runs.push_back(run_on("cluster/talconfig.yaml", {"cluster/apps", dir}));
  }
  size_t checked = 0;
  for (const auto& r : runs) {
    for (const auto& d : r->report.findings.items()) {
      if (const auto* info = check::find_rule(d.rule)) {
        EXPECT_EQ(severity_name(d.severity), std::string(severity_name(info->severity))) << d.rule << ": " << d.message;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 20u);
}

TEST(CheckRules, MissingRuntimeClass) {
  auto r = run_on("cluster/talconfig.yaml", {"cluster/apps", "manifests/rc-missing"});
  auto found = r->with("sched-runtimeclass-missing");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0]->message.find("RuntimeClass \"nvidia-gpu\" not found"), std::string::npos) << found[0]->message;
  EXPECT_EQ(found[0]->location.line, 7);
}

TEST(CheckRules, RequireCudaUnsatisfiedIsAnError) {
  auto r = run_on("cluster/talconfig.yaml", {"cluster/apps", "manifests/cuda-require"});
  auto found = r->with("cuda-driver-incompatible");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0]->message.find("unsatisfied condition: cuda>=12.5"), std::string::npos) << found[0]->message;
}

TEST(CheckRules, OfficialImageOnGeForceNeedsForwardCompat) {
  auto r = run_on("cluster/talconfig.yaml", {"cluster/apps", "manifests/cuda-official-geforce"});
  auto found = r->with("cuda-driver-incompatible");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0]->message.find("error 804"), std::string::npos) << found[0]->message;
}

TEST(CheckRules, ThirdPartyImageOnMinorCompatIsAWarning) {
  auto r = run_on("cluster/talconfig.yaml", {"cluster/apps", "manifests/cuda-minor"});
  auto found = r->with("cuda-minor-compat");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->severity, Severity::warning);
  EXPECT_TRUE(r->with("cuda-driver-incompatible").empty());
}

TEST(CheckRules, PodSecurityEnforceAndWarn) {
  auto r = run_on("cluster/talconfig.yaml", {"manifests/psa"});
  auto enforce = r->with("psa-enforce");
  ASSERT_EQ(enforce.size(), 1u);
  EXPECT_NE(enforce[0]->message.find("locked/Pod/hostpath"), std::string::npos);
  EXPECT_NE(enforce[0]->message.find("hostPath volumes"), std::string::npos) << enforce[0]->message;
  // Both pods violate restricted (no runAsNonRoot, capabilities...): warnings.
  EXPECT_EQ(r->with("psa-warn").size(), 2u);
}

TEST(CheckRules, DevicePluginThatCannotReachTheGpuNode) {
  auto r = run_on("cluster/talconfig.yaml", {"manifests/plugin-gap"});
  auto found = r->with("nvidia-device-plugin-coverage");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0]->message.find("untolerated taint {nvidia.com/gpu: present}"), std::string::npos)
      << found[0]->message;
}

TEST(CheckRules, RuntimeClassMissingForGpuNodes) {
  auto r = run_on("cluster/talconfig.yaml", {"manifests/plugin-gap"});
  EXPECT_EQ(r->with("nvidia-runtimeclass").size(), 1u);
}

TEST(CheckRules, WorkloadPinnedToGpuNodeWithoutGpu) {
  auto r = run_on("cluster/talconfig.yaml", {"cluster/apps", "manifests/invisible"});
  auto found = r->with("workload-gpu-invisible");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0]->message.find("gpu/Deployment/blind"), std::string::npos);
}

TEST(CheckRules, GpuRequestNotEqualLimit) {
  auto r = run_on("cluster/talconfig.yaml", {"cluster/apps", "manifests/gpu-resources"});
  EXPECT_EQ(r->with("sched-gpu-resources").size(), 1u);
}

TEST(CheckRules, GpuWorkloadThatFitsNowhereIsAnError) {
  auto r = run_on("cluster/talconfig.yaml", {"cluster/apps", "manifests/no-fit"});
  auto found = r->with("sched-no-node-fits");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->severity, Severity::error);
  EXPECT_NE(found[0]->message.find("0/3 nodes are available"), std::string::npos) << found[0]->message;
}

TEST(CheckRules, GpuNodeNobodyUses) {
  auto r = run_on("cluster/talconfig.yaml", {"manifests/psa"});
  EXPECT_EQ(r->with("node-gpu-unused").size(), 1u);
}

TEST(CheckRules, BadGpuNodeConfiguration) {
  auto r = run_on("cluster-bad/talconfig.yaml", {"cluster/apps"});
  EXPECT_EQ(r->with("nvidia-kernel-modules").size(), 1u);
  EXPECT_EQ(r->with("nvidia-bpf-jit-harden").size(), 1u);
  EXPECT_EQ(r->with("nvidia-installer-image").size(), 1u);
}

TEST(CheckRules, WorkerPatchTaintsAndForbiddenLabels) {
  auto r = run_on("cluster-bad/talconfig.yaml", {"cluster/apps"});
  auto taints = r->with("node-taints-noderestriction");
  ASSERT_EQ(taints.size(), 1u);
  EXPECT_EQ(taints[0]->severity, Severity::error);
  // At the taint's key inside the inline patch, not at the patch's `- |-`.
  EXPECT_EQ(taints[0]->location.line, 35) << taints[0]->location.str();
  EXPECT_EQ(taints[0]->location.column, 13) << taints[0]->location.str();
  auto image = r->with("nvidia-installer-image");
  ASSERT_EQ(image.size(), 1u);
  EXPECT_EQ(image[0]->location.line, 33) << image[0]->location.str();
  EXPECT_EQ(image[0]->location.column, 20) << image[0]->location.str();
  EXPECT_EQ(r->with("node-label-forbidden").size(), 1u);
}

TEST(CheckRules, EveryReportedOwnRuleIsInTheCatalogue) {
  auto r = run_on("cluster-bad/talconfig.yaml", {"cluster/apps", "manifests/no-fit", "manifests/psa"});
  for (const auto& d : r->report.findings.items()) {
    bool ours = d.rule.rfind("sched-", 0) == 0 || d.rule.rfind("nvidia-", 0) == 0 || d.rule.rfind("cuda-", 0) == 0 ||
                d.rule.rfind("psa-", 0) == 0 || d.rule.rfind("node-", 0) == 0 || d.rule.rfind("workload-", 0) == 0;
    if (ours) {
      EXPECT_NE(check::find_rule(d.rule), nullptr) << d.rule;
    }
  }
}

TEST(CheckRules, ShapesAreSharedAcrossIdenticalNodes) {
  auto r = run_on("cluster/talconfig.yaml", {"cluster/apps"});
  // cp1 (tainted control plane), cpu1, gpu1: three shapes for three nodes.
  EXPECT_EQ(r->report.node_shapes, 3u);
  std::vector<kube::Node> observed;
  for (int i = 0; i < 50; ++i) {
    observed.push_back(observed_node("w" + std::to_string(i)));
  }
  auto rep = check_with(*r, observed);
  // The observed nodes carry no label anything selects on, no taint and no GPU: cpu1's shape.
  EXPECT_EQ(rep.node_shapes, 3u);
  EXPECT_EQ(rep.nodes.size(), 53u);
}

TEST(CheckRender, JsonHasTheDocumentedShape) {
  auto r = run_on("cluster/talconfig.yaml", {"cluster/apps"});
  std::string j = check::render_report_json(r->report);
  EXPECT_EQ(j.rfind("{\n  \"schemaVersion\": 2,", 0), 0u) << j;
  EXPECT_NE(j.find("\n  \"findings\": ["), std::string::npos);
  EXPECT_NE(j.find("\"workload\": \"gpu/Deployment/trainer\""), std::string::npos);
  EXPECT_NE(j.find("\"rejected\": {"), std::string::npos);
}

TEST(CheckRender, SarifListsRulesAndRegions) {
  auto r = run_on("cluster/talconfig.yaml", {"cluster/apps", "manifests/rc-missing"});
  std::string s = check::render_report_sarif(r->report);
  EXPECT_NE(s.find("\"version\": \"2.1.0\""), std::string::npos);
  EXPECT_NE(s.find("\"id\": \"sched-runtimeclass-missing\""), std::string::npos);
  EXPECT_NE(s.find("\"startLine\": 7"), std::string::npos);
}

TEST(CheckExplain, EveryRuleHasWhyAndFix) {
  for (const auto& rule : check::rule_catalog()) {
    std::string t = check::explain_text(rule);
    EXPECT_NE(t.find("Why: "), std::string::npos) << rule.id;
    EXPECT_NE(t.find("Fix: "), std::string::npos) << rule.id;
  }
  auto ids = check::rule_ids();
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
}

// An observed node replaces the declared (or earlier observed) node of its name, whatever the
// name's length (the name index views the stored names: a long name lives on the heap).
TEST(CheckRules, ObservedNodesReplaceNodesOfTheSameName) {
  auto r = run_on("cluster/talconfig.yaml", {"cluster/apps"});
  const std::string long_name = "a-node-name-well-past-the-small-string-buffer-0";
  std::vector<kube::Node> observed;
  for (const auto& [name, pool] : std::vector<std::pair<std::string, std::string>>{
           {long_name, "first"}, {"gpu1", "observed"}, {long_name, "second"}, {long_name + "x", "third"}}) {
    observed.push_back(observed_node(name, {{"example.com/pool", pool}}));
  }
  auto rep = check_with(*r, observed);
  ASSERT_EQ(rep.nodes.size(), 5u);  // cp1, cpu1, gpu1, the long name, the long name + "x"
  std::map<std::string, std::string> pool_of;
  for (const auto& ni : rep.nodes) {
    const std::string* pool = ni.node.labels.find("example.com/pool");
    pool_of[ni.node.name] = pool ? *pool : "";
  }
  EXPECT_EQ(pool_of["gpu1"], "observed");
  EXPECT_EQ(pool_of[long_name], "second");
  EXPECT_EQ(pool_of[long_name + "x"], "third");
  EXPECT_EQ(pool_of["cp1"], "");
}

// Only labels some workload (or RuntimeClass) selects on split shapes: a per-node label nobody
// selects on (GPU feature discovery's timestamp) does not, a selected one does, and the fit of every
// node is what it would be with one shape per node.
TEST(CheckRules, ShapesIgnoreLabelsNobodySelectsOn) {
  auto r = run_on("cluster/talconfig.yaml", {"cluster/apps"});
  auto fleet = [&](bool vary_selected) {
    std::vector<kube::Node> observed;
    for (int i = 0; i < 40; ++i) {
      observed.push_back(observed_node("w" + std::to_string(i),
                                       {{"nvidia.com/gfd.timestamp", std::to_string(1732700000 + i)},
                                        {"example.com/accelerator", vary_selected && i % 2 == 0 ? "nvidia" : "none"}}));
    }
    return check_with(*r, observed);
  };
  auto same = fleet(false);
  EXPECT_EQ(same.node_shapes, 4u);  // cp1, cpu1, gpu1 and the 40 observed nodes
  auto split = fleet(true);
  EXPECT_EQ(split.node_shapes, 5u);  // the observed nodes in two: accelerator nvidia or none
  // The selecting workload fits exactly the nodes labelled nvidia (and whatever declared ones).
  for (const auto& p : split.placements) {
    const auto* w = p.object;
    if (w == nullptr || !w->pod.node_selector.contains("example.com/accelerator")) {
      continue;
    }
    for (int i = 0; i < 40; ++i) {
      const std::string name = "w" + std::to_string(i);
      const auto rejected = p.rejected();
      EXPECT_EQ(rejected.count(name) == 0, i % 2 == 0) << p.workload << " on " << name;
    }
  }
}
