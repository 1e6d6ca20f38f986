// What the cluster really runs with, read from the declaration: the API server's Pod Security
// defaults (Talos's admissionControl, patches included) and the node facts patches set.
#include <gtest/gtest.h>

#include <check/patch_facts.hpp>
#include <check/pod_security_config.hpp>
#include <kube/resources.hpp>

#include <fmt/format.h>

using namespace talgpu;

namespace {

talhelper::TalConfig one_control_plane(std::vector<std::string> node_patches, std::vector<std::string> global = {}) {
  talhelper::TalConfig cfg;
  cfg.path = "talconfig.yaml";
  talhelper::Node cp;
  cp.hostname = "cp1";
  cp.control_plane = true;
  for (auto& p : node_patches) {
    cp.patches.push_back(talhelper::Patch{std::move(p), "", SourceLocation{"talconfig.yaml", 10, 7}});
  }
  for (auto& p : global) {
    cfg.patches.push_back(talhelper::Patch{std::move(p), "", SourceLocation{"talconfig.yaml", 40, 5}});
  }
  cfg.nodes.push_back(std::move(cp));
  return cfg;
}

}  // namespace

TEST(ClusterPodSecurity, WithoutADeclarationEverythingIsPrivileged) {
  auto cps = check::cluster_pod_security(nullptr);
  EXPECT_FALSE(cps.declared);
  EXPECT_EQ(cps.defaults.enforce.level, kube::PsaLevel::privileged);
  EXPECT_FALSE(cps.exempt("kube-system", nullptr));
}

TEST(ClusterPodSecurity, TalosDefaultIsBaselineWithKubeSystemExempt) {
  auto cfg = one_control_plane({});
  auto cps = check::cluster_pod_security(&cfg);
  EXPECT_TRUE(cps.declared);
  EXPECT_FALSE(cps.patched);
  EXPECT_EQ(cps.defaults.enforce.str(), "baseline:latest");
  EXPECT_EQ(cps.defaults.warn.str(), "restricted:latest");
  EXPECT_EQ(cps.defaults.audit.str(), "restricted:latest");
  EXPECT_TRUE(cps.exempt("kube-system", nullptr));
  EXPECT_FALSE(cps.exempt("kube-public", nullptr));
}

TEST(ClusterPodSecurity, StrategicPatchMergesByPluginName) {
  auto cfg = one_control_plane({"cluster:\n  apiServer:\n    admissionControl:\n      - name: PodSecurity\n"
                                "        configuration:\n          defaults:\n            enforce: privileged\n"
                                "          exemptions:\n            namespaces: [kube-system, gpu]\n"
                                "            runtimeClasses: [nvidia]\n"});
  auto cps = check::cluster_pod_security(&cfg);
  EXPECT_TRUE(cps.patched);
  EXPECT_EQ(cps.location.line, 10);
  EXPECT_EQ(cps.defaults.enforce.level, kube::PsaLevel::privileged);
  EXPECT_TRUE(cps.exempt("gpu", nullptr));
  std::string rc = "nvidia";
  EXPECT_TRUE(cps.exempt("apps", &rc));
  std::string other = "runc";
  EXPECT_FALSE(cps.exempt("apps", &other));
}

TEST(ClusterPodSecurity, JsonPatchOnTheListAndUnrelatedOpsIgnored) {
  // The certSANs op would fail on the admission-only document if it were not set aside.
  auto cfg = one_control_plane({}, {"- op: replace\n  path: /cluster/apiServer/certSANs\n  value: [a]\n"
                                    "- op: replace\n  path: /cluster/apiServer/admissionControl/0/configuration/defaults/enforce\n"
                                    "  value: restricted\n"});
  auto cps = check::cluster_pod_security(&cfg);
  EXPECT_TRUE(cps.patched);
  EXPECT_EQ(cps.defaults.enforce.level, kube::PsaLevel::restricted);
  EXPECT_EQ(cps.location.line, 40);
}

TEST(ClusterPodSecurity, GlobalPatchesApplyAfterTheNodes) {
  auto set = [](const char* level) {
    return std::string("cluster:\n  apiServer:\n    admissionControl:\n      - name: PodSecurity\n"
                       "        configuration:\n          defaults:\n            enforce: ") +
           level + "\n";
  };
  auto cfg = one_control_plane({set("privileged")}, {set("restricted")});
  EXPECT_EQ(check::cluster_pod_security(&cfg).defaults.enforce.level, kube::PsaLevel::restricted);
}

TEST(ClusterPodSecurity, RemovingThePluginLeavesKubernetesDefaults) {
  auto cfg = one_control_plane({"- op: remove\n  path: /cluster/apiServer/admissionControl/0\n"});
  auto cps = check::cluster_pod_security(&cfg);
  EXPECT_EQ(cps.defaults.enforce.level, kube::PsaLevel::privileged);
  EXPECT_FALSE(cps.exempt("kube-system", nullptr));
}

TEST(PatchFacts, AllowSchedulingOnControlPlanesFromAPatch) {
  auto cfg = one_control_plane({"cluster:\n  allowSchedulingOnControlPlanes: true\n"});
  EXPECT_EQ(check::patch_facts(cfg, cfg.nodes[0]).allow_scheduling_on_control_planes, std::optional<bool>(true));
  auto json = one_control_plane({}, {"- op: add\n  path: /cluster/allowSchedulingOnControlPlanes\n  value: false\n"});
  EXPECT_EQ(check::patch_facts(json, json.nodes[0]).allow_scheduling_on_control_planes, std::optional<bool>(false));
  auto none = one_control_plane({"cluster:\n  proxy:\n    disabled: true\n"});
  EXPECT_FALSE(check::patch_facts(none, none.nodes[0]).allow_scheduling_on_control_planes);
}

TEST(PatchFacts, NvidiaDefaultRuntimeFromAContainerdPart) {
  auto file = [](const char* path, const char* line) {
    return fmt::format("machine:\n  files:\n    - op: create\n      path: {}\n      content: |\n"
                       "        [plugins.\"io.containerd.cri.v1.runtime\".containerd]\n          {}\n",
                       path, line);
  };
  auto yes = one_control_plane({file("/etc/cri/conf.d/20-customization.part", "default_runtime_name = \"nvidia\"")});
  EXPECT_TRUE(check::patch_facts(yes, yes.nodes[0]).default_runtime_nvidia);
  auto runc = one_control_plane({file("/etc/cri/conf.d/20-customization.part", "default_runtime_name = \"runc\"")});
  EXPECT_FALSE(check::patch_facts(runc, runc.nodes[0]).default_runtime_nvidia);
  auto elsewhere = one_control_plane({file("/var/etc/x.toml", "default_runtime_name = \"nvidia\"")});
  EXPECT_FALSE(check::patch_facts(elsewhere, elsewhere.nodes[0]).default_runtime_nvidia);
}

TEST(ResourceProblems, LimitMissingIsAnNvidiaProblemThoughItsPathNamesNoResource) {
  kube::PodTemplate pod;
  kube::Container c;
  c.name = "cuda";
  c.resources.requests.items.emplace("nvidia.com/gpu", kube::ResourceValue{kube::Quantity::parse("1"), {}});
  pod.containers.push_back(c);
  auto problems = kube::validate_resources(pod, true);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].field, "spec.containers[0].resources.limits");
  EXPECT_EQ(problems[0].resource, "nvidia.com/gpu");
  EXPECT_TRUE(kube::is_nvidia_problem(problems[0]));
  // A CPU request without a limit is fine; hugepages without a limit is not, and not NVIDIA's.
  kube::PodTemplate huge;
  kube::Container h;
  h.resources.requests.items.emplace("hugepages-2Mi", kube::ResourceValue{kube::Quantity::parse("2Mi"), {}});
  h.resources.requests.items.emplace("cpu", kube::ResourceValue{kube::Quantity::parse("1"), {}});
  huge.containers.push_back(h);
  auto hp = kube::validate_resources(huge, true);
  ASSERT_EQ(hp.size(), 1u);
  EXPECT_FALSE(kube::is_nvidia_problem(hp[0]));
}
