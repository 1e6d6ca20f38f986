// `talgpu status`, `taint`, `label` and `check --live` end to end: the binary against the loopback
// API server, and the installed kubectl against the same server to show it is faithful.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/kube_test_util.hpp"
#include "test_support.hpp"

namespace talgpu::test {
namespace {

using nlohmann::json;

struct Live {
  TempDir dir;
  FakeKube kube;
  std::string kubeconfig;
  explicit Live(bool gpu_pieces = true) {
    load_fixture_cluster(kube, gpu_pieces);
    kubeconfig = kube.write_kubeconfig(dir.path());
  }
  CommandResult talgpu(const std::string& args) const {
    return run_command("cd " + source_path("") + " && NO_COLOR=1 KUBECONFIG=" + kubeconfig + " " + talgpu_binary() + " " + args);
  }
  CommandResult kubectl(const std::string& args) const {
    return run_command("HOME=" + dir.path() + " kubectl --kubeconfig " + kubeconfig + " --cache-dir " + dir.file("cache") + " " + args);
  }
};

const std::string k_config = "--config tests/fixtures/kube/live/talconfig.yaml";

TEST(LiveCli, StatusReportsTheMissingTaintWithItsFix) {
  Live l;
  auto r = l.talgpu("status " + k_config);
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("velaryon             yes    v1.11.1   gpu          1  535.247.01   1 missing, 0 undeclared"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("velaryon: declared taint gpu=true:NoSchedule is missing [status-taint-missing]\n"
                       "    fix: talgpu taint --apply --node velaryon (kubectl taint nodes velaryon gpu=true:NoSchedule)"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("declared label nvidia.com/gpu.present=true is missing"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("RuntimeClass nvidia: present (handler nvidia)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Namespace nvidia: present (enforce=privileged)"), std::string::npos) << r.out;
  auto j = l.talgpu("status -o json " + k_config);
  EXPECT_EQ(j.rc, 1);
  json doc = json::parse(j.out);
  EXPECT_EQ(doc["nodes"][1]["name"], "velaryon");
  EXPECT_EQ(doc["nodes"][1]["driverDeclared"], "535.247.01");
  EXPECT_EQ(doc["nodes"][1]["driverObserved"], "535.247.01");
  EXPECT_EQ(doc["nodes"][1]["gpuAllocatable"], 1);
  EXPECT_EQ(doc["nodes"][1]["extensions"]["nvidia-container-toolkit-lts"], "535.247.01-v1.17.8");
  EXPECT_EQ(doc["drift"].size(), 2u);
}

TEST(LiveCli, TaintDryRunThenApplyThenInSync) {
  Live l;
  auto dry = l.talgpu("taint " + k_config);
  EXPECT_EQ(dry.rc, 1) << dry.err;
  EXPECT_EQ(dry.out, "# cp1: taints match the declaration\nkubectl taint nodes velaryon gpu=true:NoSchedule\n");
  EXPECT_EQ(l.kube.count("PATCH", "/"), 0);
  auto apply = l.talgpu("taint --apply " + k_config);
  EXPECT_EQ(apply.rc, 0) << apply.err;
  EXPECT_EQ(apply.out, "cp1: unchanged\nvelaryon: applied: added gpu=true:NoSchedule\n");
  auto label = l.talgpu("label --apply --node velaryon " + k_config);
  EXPECT_EQ(label.rc, 0) << label.err;
  EXPECT_EQ(label.out, "velaryon: applied: added nvidia.com/gpu.present=true\n");
  auto status = l.talgpu("status " + k_config);
  EXPECT_EQ(status.rc, 0) << status.out;
  EXPECT_NE(status.out.find("No drift: the cluster matches the declaration."), std::string::npos) << status.out;
}

TEST(LiveCli, MissingNodeIsReported) {
  Live l;
  l.kube.erase("/api/v1/nodes", "velaryon");
  auto r = l.talgpu("taint --apply -o json " + k_config);
  EXPECT_EQ(r.rc, 1);
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["nodes"][1]["status"], "missing");
  EXPECT_EQ(l.kube.count("POST", "/"), 0);
  auto s = l.talgpu("status " + k_config);
  EXPECT_NE(s.out.find("velaryon: declared node is not in the cluster [status-node-missing]"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("RuntimeClass nvidia"), std::string::npos);
}

TEST(LiveCli, StatusWithoutGpuPiecesAndUnknownNode) {
  Live l(false);
  auto r = l.talgpu("status " + k_config);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("RuntimeClass nvidia does not exist: GPU pods are rejected [status-runtimeclass-missing]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("namespace nvidia (device plugin, talgpu verify) does not exist"), std::string::npos) << r.out;
  auto bad = l.talgpu("taint --node velarion " + k_config);
  EXPECT_EQ(bad.rc, 2);
  EXPECT_NE(bad.err.find("--node velarion: not a node of tests/fixtures/kube/live/talconfig.yaml (did you mean"), std::string::npos) << bad.err;
}

// The scenario's months-long outage: a second taint on the GPU node that the RuntimeClass (which
// gives GPU pods their scheduling) does not tolerate, and a selector label the node lost.
TEST(LiveCli, StatusChecksTheRuntimeClassReachesEveryGpuNode) {
  Live l;
  l.kube.modify("/apis/node.k8s.io/v1/runtimeclasses", "nvidia", [](json& rc) {
    rc["scheduling"] = {{"nodeSelector", {{"nvidia.com/gpu.present", "true"}}},
                        {"tolerations", {{{"key", "gpu"}, {"operator", "Equal"}, {"value", "true"}, {"effect", "NoSchedule"}}}}};
  });
  l.kube.modify("/api/v1/nodes", "velaryon", [](json& n) {
    n["spec"]["taints"] = json::array({{{"key", "gpu"}, {"value", "true"}, {"effect", "NoSchedule"}},
                                       {{"key", "platform"}, {"value", "x86"}, {"effect", "NoSchedule"}},
                                       {{"key", "soft"}, {"value", "x"}, {"effect", "PreferNoSchedule"}}});
  });
  auto r = l.talgpu("status " + k_config);
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("RuntimeClass nvidia: present (handler nvidia, nodeSelector nvidia.com/gpu.present=true, tolerates "
                       "gpu=true:NoSchedule)"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("velaryon: GPU node has taint platform=x86:NoSchedule that RuntimeClass nvidia does not tolerate"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("velaryon: RuntimeClass nvidia selects nvidia.com/gpu.present=true, which this GPU node does not "
                       "carry"),
            std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("taint gpu=true:NoSchedule that RuntimeClass"), std::string::npos) << r.out;  // tolerated
  EXPECT_EQ(r.out.find("soft=x"), r.out.find("soft=x:PreferNoSchedule is not in talconfig"));      // not a blocker
  // Once the label is there and the second taint tolerated, nothing about the class remains.
  l.kube.modify("/apis/node.k8s.io/v1/runtimeclasses", "nvidia", [](json& rc) {
    rc["scheduling"]["tolerations"].push_back({{"key", "platform"}, {"operator", "Exists"}});
  });
  ASSERT_EQ(l.talgpu("label --apply --node velaryon " + k_config).rc, 0);
  auto ok = l.talgpu("status " + k_config);
  EXPECT_EQ(ok.out.find("status-runtimeclass-"), std::string::npos) << ok.out;
}

// `status gitops/`: the live RuntimeClass and namespace against the manifests Flux should apply.
TEST(LiveCli, StatusComparesTheClusterWithTheGitOpsManifests) {
  Live l;
  std::string dir = l.dir.file("gitops");
  ASSERT_EQ(run_command("mkdir -p " + dir).rc, 0);
  l.dir.write("gitops/runtimeclass.yaml",
             "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: nvidia\nhandler: nvidia\nscheduling:\n"
             "  nodeSelector:\n    nvidia.com/gpu.present: \"true\"\n  tolerations:\n  - key: gpu\n    operator: Equal\n"
             "    value: \"true\"\n    effect: NoSchedule\n");
  l.dir.write("gitops/namespace.yaml",
             "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: nvidia\n  labels:\n"
             "    pod-security.kubernetes.io/enforce: privileged\n    pod-security.kubernetes.io/warn: privileged\n");
  auto r = l.talgpu("status " + k_config + " " + dir);
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("RuntimeClass nvidia: the cluster's RuntimeClass differs from " + dir +
                       "/runtimeclass.yaml:1 (cluster vs manifest: nodeSelector {} vs {nvidia.com/gpu.present=true}; "
                       "tolerations [] vs [gpu=true:NoSchedule]) [status-runtimeclass-not-applied]"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("label pod-security.kubernetes.io/warn is absent in the cluster, privileged in " + dir +
                       "/namespace.yaml"),
            std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("pod-security.kubernetes.io/enforce is"), std::string::npos) << r.out;  // in step
  l.kube.erase("/apis/node.k8s.io/v1/runtimeclasses", "nvidia");
  auto gone = l.talgpu("status " + k_config + " " + dir);
  EXPECT_NE(gone.out.find("/runtimeclass.yaml:1 defines RuntimeClass nvidia, the cluster has none"), std::string::npos)
      << gone.out;
  auto missing = l.talgpu("status " + k_config + " " + l.dir.file("nothing-here"));
  EXPECT_EQ(missing.rc, 2) << missing.out;
}

TEST(LiveCli, VerboseShowsRequestsWithoutSecrets) {
  Live l;
  auto r = l.talgpu("-v taint " + k_config);
  EXPECT_NE(r.err.find("GET " + l.kube.url() + "/api/v1/nodes?limit=500 200"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("BEGIN"), std::string::npos);
  EXPECT_EQ(r.err.find("PRIVATE"), std::string::npos);
}

TEST(LiveCli, BadKubeconfigIsAUsageError) {
  Live l;
  auto r = run_command(talgpu_binary() + " status --kubeconfig /nonexistent/kubeconfig --config " +
                       source_path("tests/fixtures/kube/live/talconfig.yaml"));
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("/nonexistent/kubeconfig: kubeconfig not found (--kubeconfig)"), std::string::npos) << r.err;
}

TEST(LiveCli, CheckLiveUsesTheClusterNodes) {
  Live l;
  auto file = l.talgpu("check " + k_config + " --nodes tests/fixtures/kube/live/nodes.json -o json tests/fixtures/kube/live");
  auto live = l.talgpu("check " + k_config + " --live -o json tests/fixtures/kube/live");
  EXPECT_EQ(file.rc, live.rc) << file.err << live.err;
  json a = json::parse(file.out);
  json b = json::parse(live.out);
  EXPECT_EQ(a["placement"], b["placement"]);
  EXPECT_NE(live.out.find("velaryon"), std::string::npos);
  auto both = l.talgpu("check --live --nodes x.json " + k_config);
  EXPECT_EQ(both.rc, 2);
}

// The installed kubectl (CI installs it: scripts/deps.sh) reads and writes the same server. A
// missing kubectl fails here rather than skipping.
TEST(LiveCli, KubectlAgreesWithTheLoopbackServer) {
  Live l;
  ASSERT_EQ(run_command("command -v kubectl").rc, 0) << "kubectl is not installed (scripts/deps.sh installs it)";
  auto get = l.kubectl("get nodes -o name");
  ASSERT_EQ(get.rc, 0) << get.err;
  EXPECT_EQ(get.out, "node/cp1\nnode/velaryon\n");
  auto wide = l.kubectl("get nodes");
  ASSERT_EQ(wide.rc, 0) << wide.err;
  EXPECT_NE(wide.out.find("velaryon"), std::string::npos) << wide.out;
  auto taint = l.kubectl("taint nodes velaryon gpu=true:NoSchedule");
  ASSERT_EQ(taint.rc, 0) << taint.err;
  EXPECT_EQ(taint.out, "node/velaryon tainted\n");
  auto jsonpath = l.kubectl("get node velaryon -o jsonpath={.spec.taints}");
  EXPECT_EQ(jsonpath.out, R"([{"effect":"NoSchedule","key":"gpu","value":"true"}])") << jsonpath.err;
  // talgpu sees kubectl's write as the declared taint: nothing left to do.
  auto dry = l.talgpu("taint --node velaryon " + k_config);
  EXPECT_EQ(dry.rc, 0) << dry.out;
  EXPECT_EQ(dry.out, "# velaryon: taints match the declaration\n");
  // And kubectl sees talgpu's label write.
  ASSERT_EQ(l.talgpu("label --apply " + k_config).rc, 0);
  auto sel = l.kubectl("get nodes -l nvidia.com/gpu.present=true -o name");
  EXPECT_EQ(sel.out, "node/velaryon\n") << sel.err;
  auto untaint = l.kubectl("taint nodes velaryon gpu=true:NoSchedule-");
  EXPECT_EQ(untaint.rc, 0) << untaint.err;
  EXPECT_EQ(l.talgpu("taint --node velaryon " + k_config).rc, 1);
}

}  // namespace
}  // namespace talgpu::test
