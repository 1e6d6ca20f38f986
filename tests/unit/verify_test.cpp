// `talgpu verify` against the loopback API server with a simulated scheduler and kubelet
// (support/fake_kubelet.hpp), the nvidia-smi parser, and the failure explanations.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <nvidia/smi.hpp>
#include <verify/explain.hpp>
#include <verify/verify.hpp>

#include "support/fake_kubelet.hpp"
#include "support/kube_test_util.hpp"
#include "test_support.hpp"

extern char** environ;

namespace talgpu::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string k_pods = "/api/v1/namespaces/nvidia/pods";
const std::string k_config = "--config tests/fixtures/kube/live/talconfig.yaml";

std::string smi_fixture(const std::string& name) {
  return read_text(source_path("tests/fixtures/upstream/nvidia-smi/" + name));
}

struct Verify {
  TempDir dir;
  FakeKube kube;
  std::string kubeconfig;
  std::unique_ptr<FakeKubelet> kubelet;  // destroyed first (stops the server, joins its threads)
  explicit Verify(KubeletOptions o = {}, bool gpu_pieces = true) {
    load_fixture_cluster(kube, gpu_pieces);
    if (!gpu_pieces) {
      kube.put("/api/v1/namespaces", {{"metadata", {{"name", "nvidia"}}}});
    }
    if (o.smi_logs.empty()) {
      o.smi_logs["velaryon"] = smi_fixture("rtx2070super-535.247.01.txt");
    }
    kubeconfig = kube.write_kubeconfig(dir.path());
    kubelet = std::make_unique<FakeKubelet>(kube, o);
  }
  ~Verify() { kubelet.reset(); }
  CommandResult talgpu(const std::string& args) const {
    return run_command("cd " + source_path("") + " && NO_COLOR=1 KUBECONFIG=" + kubeconfig + " " + talgpu_binary() + " " + args);
  }
  json created_pod() const {
    for (const auto& r : kube.requests()) {
      if (r.method == "POST" && r.path == k_pods) {
        return json::parse(r.body);
      }
    }
    return nullptr;
  }
};

TEST(Verify, GpuNodePasses) {
  Verify v;
  auto r = v.talgpu("verify " + k_config);
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("velaryon  PASS    driver 535.247.01, CUDA 12.2, NVIDIA GeForce RTX 2070... 8192 MiB @ 00000000:2D:00.0"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 GPU node: 1 passed, 0 not"), std::string::npos) << r.out;
  EXPECT_TRUE(v.kube.all(k_pods).empty());  // deleted
  json pod = v.created_pod();
  ASSERT_TRUE(pod.is_object());
  EXPECT_EQ(pod["spec"]["runtimeClassName"], "nvidia");
  EXPECT_EQ(pod["spec"]["nodeSelector"], json({{"kubernetes.io/hostname", "velaryon"}}));
  EXPECT_FALSE(pod["spec"].contains("nodeName"));
  EXPECT_EQ(pod["spec"]["restartPolicy"], "Never");
  EXPECT_EQ(pod["spec"]["tolerations"], json::parse(R"([{"key":"gpu","operator":"Equal","value":"true","effect":"NoSchedule"}])"));
  EXPECT_EQ(pod["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"], "1");
  EXPECT_EQ(pod["spec"]["containers"][0]["image"], "nvcr.io/nvidia/cuda:12.2.2-base-ubuntu22.04");
  EXPECT_EQ(pod["metadata"]["labels"]["app.kubernetes.io/managed-by"], "talgpu");
  // A watch, not a poll: one list+watch of the pods, no repeated GETs of a pod.
  int watches = 0;
  int pod_gets = 0;
  for (const auto& q : v.kube.requests()) {
    watches += q.path == k_pods && q.query.find("watch=1") != std::string::npos;
    pod_gets += q.method == "GET" && q.path.rfind(k_pods + "/", 0) == 0 && !q.path.ends_with("/log");
  }
  EXPECT_EQ(watches, 1);
  EXPECT_EQ(pod_gets, 0);
  auto j = v.talgpu("verify -o json " + k_config);
  json doc = json::parse(j.out);
  EXPECT_EQ(doc["passed"], true);
  EXPECT_EQ(doc["nodes"][0]["nvidiaSmi"]["gpus"][0]["memoryTotalMiB"], 8192);
}

TEST(Verify, UntoleratedTaintIsExplained) {
  Verify v;
  v.kube.modify("/api/v1/nodes", "velaryon", [](json& n) {
    n["spec"]["taints"] = json::array({{{"key", "gpu"}, {"value", "true"}, {"effect", "NoSchedule"}},
                                       {{"key", "maintenance"}, {"value", "disk"}, {"effect", "NoSchedule"}}});
  });
  auto r = v.talgpu("verify " + k_config);
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL    [untolerated-taint] node velaryon has taint maintenance=disk which the pod does not tolerate"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fix: remove it (talgpu taint --apply --prune --node velaryon)"), std::string::npos) << r.out;
  EXPECT_TRUE(v.kube.all(k_pods).empty());
}

TEST(Verify, MissingRuntimeClassIsExplained) {
  Verify v({}, false);
  auto r = v.talgpu("verify " + k_config);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("[runtimeclass-missing] RuntimeClass nvidia does not exist, so the API server rejects every GPU pod"),
            std::string::npos) << r.out;
}

TEST(Verify, CudaImageNewerThanTheDriver) {
  Verify v;
  auto r = v.talgpu("verify --image nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04 " + k_config);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("[cuda-too-new] the image nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04 needs cuda>=12.4, but the node's "
                       "driver 535.247.01 supports CUDA 12.2 at most"),
            std::string::npos) << r.out;
  EXPECT_TRUE(v.kube.all(k_pods).empty());
}

TEST(Verify, NvidiaSmiFailing) {
  KubeletOptions o;
  o.smi_fails = {"velaryon"};
  Verify v(o);
  auto r = v.talgpu("verify " + k_config);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("[nvidia-smi-failed] nvidia-smi exited with status 9 on velaryon: NVIDIA-SMI has failed because it "
                       "couldn't communicate with the NVIDIA driver"),
            std::string::npos) << r.out;
}

TEST(Verify, PodThatNeverStartsTimesOut) {
  KubeletOptions o;
  o.never_start = {"velaryon"};
  Verify v(o);
  auto r = v.talgpu("verify --timeout 1s " + k_config);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("TIMEOUT [not-started] the pod on velaryon was still Pending at the deadline"), std::string::npos) << r.out;
  EXPECT_TRUE(v.kube.all(k_pods).empty());
}

// Starts verify, sends SIGINT once its pod exists and returns the exit status.
int interrupt_once_the_pod_exists(Verify& v) {
  std::string cfg = source_path("tests/fixtures/kube/live/talconfig.yaml");
  std::string env_kc = "KUBECONFIG=" + v.kubeconfig;
  std::vector<std::string> args = {talgpu_binary(), "verify", "--config", cfg, "--timeout", "5m"};
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  std::vector<char*> envp = {env_kc.data(), nullptr};
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), envp.data()), 0);
  for (int i = 0; i < 1000 && v.kube.all(k_pods).empty(); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(v.kube.all(k_pods).size(), 1u);
  kill(pid, SIGINT);
  int st = 0;
  waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st));
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(Verify, InterruptedRunDeletesItsPods) {
  KubeletOptions o;
  o.never_start = {"velaryon"};
  Verify v(o);
  EXPECT_EQ(interrupt_once_the_pod_exists(v), 130);
  EXPECT_TRUE(v.kube.all(k_pods).empty());
}

// Ctrl-C while the create is in flight: the server stored the pod, but talgpu never read the answer.
// The pod must still go.
TEST(Verify, InterruptDuringTheCreateStillDeletesThePod) {
  KubeletOptions o;
  o.never_start = {"velaryon"};
  Verify v(o);
  auto kubelet_hook = v.kube.on_create;
  v.kube.on_create = [kubelet_hook](const std::string& coll, const json& obj) {
    if (kubelet_hook) {
      kubelet_hook(coll, obj);
    }
    if (coll == k_pods) {
      std::this_thread::sleep_for(1500ms);  // the pod is stored; the 201 is held back
    }
  };
  EXPECT_EQ(interrupt_once_the_pod_exists(v), 130);
  EXPECT_TRUE(v.kube.all(k_pods).empty());
}

TEST(Verify, LeftoversOfAnEarlierRunAreRemoved) {
  Verify v;
  v.kube.put(k_pods, {{"metadata", {{"name", "talgpu-verify-velaryon-abc123"}, {"namespace", "nvidia"},
                                    {"labels", {{"app.kubernetes.io/managed-by", "talgpu"}, {"app.kubernetes.io/component", "verify"},
                                                {"talgpu.dev/verify-run", "abc123"}}}}}});
  v.kube.put(k_pods, {{"metadata", {{"name", "someone-elses"}, {"namespace", "nvidia"}}}});
  auto r = v.talgpu("verify " + k_config);
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("removed leftover pod talgpu-verify-velaryon-abc123 of an earlier, interrupted run"), std::string::npos);
  auto left = v.kube.all(k_pods);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["metadata"]["name"], "someone-elses");
}

TEST(Verify, KeepLeavesThePods) {
  Verify v;
  auto r = v.talgpu("verify --keep " + k_config);
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(v.kube.all(k_pods).size(), 1u);
}

TEST(Verify, ManyNodesWithLimitedParallelism) {
  KubeletOptions o;
  o.smi_logs["velaryon"] = smi_fixture("rtx2070super-535.247.01.txt");
  for (int i = 0; i < 12; ++i) {
    o.smi_logs["gpu-" + std::to_string(i)] = o.smi_logs["velaryon"];
  }
  Verify v(o);
  auto base = *v.kube.get("/api/v1/nodes", "velaryon");
  for (int i = 0; i < 12; ++i) {
    json n = base;
    std::string name = "gpu-" + std::to_string(i);
    n["metadata"]["name"] = name;
    n["metadata"]["labels"]["kubernetes.io/hostname"] = name;
    v.kube.put("/api/v1/nodes", n);
  }
  auto r = v.talgpu("verify --parallel 4 -o json");  // no talconfig: the observed GPU nodes
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["nodes"].size(), 13u);
  // Undeclared nodes: their driver comes from the extension labels, and nvidia-smi matches it.
  EXPECT_EQ(doc["passed"], true) << r.out;
  EXPECT_EQ(r.rc, 0);
  EXPECT_TRUE(v.kube.all(k_pods).empty());
}

// --- verify --probe: talgpu's probe in each pod instead of nvidia-smi (issue 17) ---

std::string probe_fixture(const std::string& name) {
  return read_text(source_path("tests/fixtures/probe/" + name));
}

// An H200 node on the production driver the real probe report (tests/fixtures/probe) came from.
void add_h200_node(FakeKube& kube) {
  json n = *kube.get("/api/v1/nodes", "velaryon");
  n["metadata"]["name"] = "h200";
  n["metadata"]["labels"] = {{"kubernetes.io/hostname", "h200"},
                             {"extensions.talos.dev/nonfree-kmod-nvidia-production", "580.159.04-v1.12.0"},
                             {"extensions.talos.dev/nvidia-container-toolkit-production", "580.159.04-v1.18.1"}};
  n["spec"]["taints"] = json::array();
  kube.put("/api/v1/nodes", n);
}

TEST(VerifyProbe, RealH200ReportPasses) {
  KubeletOptions o;
  o.smi_logs["h200"] = probe_fixture("h200-580.159.04.json");
  Verify v(o);
  add_h200_node(v.kube);
  auto r = v.talgpu("verify --probe --node h200");  // no talconfig: the driver from the extension labels
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("h200  PASS    probe pass: driver 580.159.04, CUDA 13.0, 1 GPU (1 pass, 0 warn, 0 fail); weakest "
                       "GPU 0 (NVIDIA H200): d2d-bandwidth: 4267.6 GB/s"),
            std::string::npos) << r.out;
  json pod = v.created_pod();
  ASSERT_TRUE(pod.is_object());
  const json& c = pod["spec"]["containers"][0];
  EXPECT_EQ(c["name"], "probe");
  EXPECT_EQ(c["image"], verify::default_probe_image());
  EXPECT_EQ(c["command"], json({"/usr/local/bin/talgpu"}));
  EXPECT_EQ(c["args"], json({"-o", "json", "probe"}));
  EXPECT_EQ(c["env"][0]["value"], "compute,utility");
  EXPECT_EQ(pod["spec"]["runtimeClassName"], "nvidia");
  EXPECT_TRUE(v.kube.all(k_pods).empty());
  // The log was read from the probe container, bounded.
  bool log_read = false;
  for (const auto& q : v.kube.requests()) {
    log_read |= q.path.ends_with("/log") && q.query.find("container=probe") != std::string::npos &&
                q.query.find("limitBytes=") != std::string::npos;
  }
  EXPECT_TRUE(log_read);
  auto j = v.talgpu("verify --probe --node h200 --probe-image registry.example/talgpu:1 -o json");
  json doc = json::parse(j.out);
  EXPECT_EQ(doc["passed"], true) << j.out;
  EXPECT_EQ(doc["nodes"][0]["probe"]["schema"], "talgpu.probe/v1");
  EXPECT_EQ(doc["nodes"][0]["probe"]["gpus"][0]["name"], "NVIDIA H200");
}

TEST(VerifyProbe, DriverOtherThanDeclaredFails) {
  // The same real report on velaryon, whose declaration promises the 535 LTS driver.
  KubeletOptions o;
  o.smi_logs["velaryon"] = probe_fixture("h200-580.159.04.json");
  Verify v(o);
  auto r = v.talgpu("verify --probe " + k_config);
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("[declaration-mismatch] driver 580.159.04 is running, the declaration gives 535.247.01"),
            std::string::npos) << r.out;
}

TEST(VerifyProbe, FailedCheckIsTheReason) {
  // The probe exits 1 with its report when a check fails: the pod is Failed, the report says why.
  KubeletOptions o;
  o.smi_logs["velaryon"] = "probe: measuring GPU 0\n" + probe_fixture("fake-t4-failing.json");
  o.exit_codes["velaryon"] = 1;
  Verify v(o);
  auto r = v.talgpu("verify --probe " + k_config);
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("[probe-check-failed] GPU 0 vector-add: 1 of 4194304 elements wrong"), std::string::npos) << r.out;
  EXPECT_TRUE(v.kube.all(k_pods).empty());
}

TEST(VerifyProbe, DriverUnusableIsTheProbeRule) {
  KubeletOptions o;
  o.smi_logs["velaryon"] = probe_fixture("no-nvml.json");
  o.exit_codes["velaryon"] = 1;
  Verify v(o);
  auto r = v.talgpu("verify --probe " + k_config);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("[gpu-nvml-missing] cannot load the NVIDIA management library"), std::string::npos) << r.out;
}

TEST(VerifyProbe, NotTalgpusImageIsSaid) {
  // --probe-image names an image whose log is not a probe report (here: nvidia-smi's table).
  KubeletOptions o;
  o.smi_logs["velaryon"] = smi_fixture("rtx2070super-535.247.01.txt");
  Verify v(o);
  auto r = v.talgpu("verify --probe --probe-image nvcr.io/nvidia/cuda:12.2.2-base-ubuntu22.04 " + k_config);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("[probe-output] the probe printed no JSON report"), std::string::npos) << r.out;
  auto u = v.talgpu("verify --probe-image x " + k_config);
  EXPECT_EQ(u.rc, 2) << u.out << u.err;
}

TEST(VerifyProbe, ParsesOnlyAWholeProbeDocument) {
  EXPECT_FALSE(verify::parse_probe_log(""));
  EXPECT_FALSE(verify::parse_probe_log("{\n  \"schema\": \"other/v1\"\n}\n"));
  EXPECT_FALSE(verify::parse_probe_log("{\n  \"schema\": \"talgpu.probe/v1\",\n"));  // cut off (limitBytes)
  auto p = verify::parse_probe_log("warning: something\n" + probe_fixture("h200-580.159.04.json"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->verdict, "pass");
  EXPECT_EQ(p->driver, "580.159.04");
  EXPECT_EQ(p->gpus, 1);
  EXPECT_TRUE(p->failed_checks.empty());
}

// --- units ---

TEST(NvidiaSmi, ParsesTheTableOf535And580) {
  auto a = nvidia::parse_nvidia_smi(smi_fixture("rtx2070super-535.247.01.txt"));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->driver_version, "535.247.01");
  EXPECT_EQ(a->cuda_version, "12.2");
  ASSERT_EQ(a->gpus.size(), 1u);
  EXPECT_EQ(a->gpus[0].name, "NVIDIA GeForce RTX 2070");
  EXPECT_TRUE(a->gpus[0].name_truncated);
  EXPECT_EQ(a->gpus[0].bus_id, "00000000:2D:00.0");
  EXPECT_EQ(a->gpus[0].memory_total_mib, 8192);
  EXPECT_EQ(a->gpus[0].memory_used_mib, 1);
  auto b = nvidia::parse_nvidia_smi(smi_fixture("h200-580.159.04.txt"));
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->driver_version, "580.159.04");
  EXPECT_EQ(b->cuda_version, "13.0");
  ASSERT_EQ(b->gpus.size(), 1u);  // the MIG line and the process table are not GPUs
  EXPECT_EQ(b->gpus[0].name, "NVIDIA H200");
  EXPECT_FALSE(b->gpus[0].name_truncated);
  EXPECT_EQ(b->gpus[0].memory_total_mib, 143771);
}

TEST(NvidiaSmi, TwoGpusAndFailures) {
  std::string one = smi_fixture("rtx2070super-535.247.01.txt");
  auto row = one.find("|   0  NVIDIA");
  auto end = one.find("+---", row);
  std::string block = one.substr(row, end - row);
  std::string second = block;
  second.replace(second.find("|   0 "), 6, "|   1 ");
  second.replace(second.find("2D:00.0"), 7, "2E:00.0");
  std::string two = one.substr(0, end) + second + one.substr(end);
  auto r = nvidia::parse_nvidia_smi(two);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->gpus.size(), 2u);
  EXPECT_EQ(r->gpus[1].index, 1);
  EXPECT_EQ(r->gpus[1].bus_id, "00000000:2E:00.0");
  auto bad = nvidia::parse_nvidia_smi("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "nvidia-smi did not print its table: 'NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.'");
  EXPECT_FALSE(nvidia::parse_nvidia_smi(""));
}

TEST(VerifyExplain, AdmissionAndSchedulerTexts) {
  verify::NodeContext c;
  c.node = "velaryon";
  c.namespace_ = "nvidia";
  auto psa = verify::explain_create_failure(
      403, "pods \"x\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false", c);
  EXPECT_EQ(psa.code, "psa-rejected");
  auto ns = verify::explain_create_failure(404, "namespaces \"nvidia\" not found", c);
  EXPECT_EQ(ns.code, "namespace-missing");
  json pending = {{"status", {{"phase", "Pending"}, {"conditions", {{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"},
                                                                     {"message", "0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 node(s) didn't match Pod's node affinity/selector."}}}}}}};
  EXPECT_TRUE(verify::pod_stuck(pending));
  auto none = verify::explain_pod(pending, {}, c, false);
  EXPECT_EQ(none.code, "insufficient-gpu");
  EXPECT_NE(none.message.find("advertises no nvidia.com/gpu: the NVIDIA device plugin is not running there"), std::string::npos);
  c.node_advertises_gpu = true;
  c.gpu_allocatable = 2;
  EXPECT_NE(verify::explain_pod(pending, {}, c, false).message.find("all 2 GPU(s) of node velaryon are taken"), std::string::npos);
  json pull = {{"status", {{"phase", "Pending"}, {"containerStatuses", {{{"state", {{"waiting", {{"reason", "ImagePullBackOff"},
                                                                                    {"message", "Back-off pulling image"}}}}}}}}}}};
  EXPECT_TRUE(verify::pod_stuck(pull));
  EXPECT_EQ(verify::explain_pod(pull, {}, c, false).code, "image-pull");
  json sandbox = {{"status", {{"phase", "Pending"}}}};
  std::vector<json> events = {{{"reason", "FailedCreatePodSandBox"},
                               {"message", "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox runtime: no runtime for \"nvidia\" is configured"}}};
  EXPECT_EQ(verify::explain_pod(sandbox, events, c, true).code, "runtime-missing");
  EXPECT_EQ(verify::explain_pod(sandbox, {}, c, false).code, "");
}

TEST(VerifyPlan, PodNamesAndTargets) {
  EXPECT_EQ(verify::pod_name("velaryon", "a1b2c3"), "talgpu-verify-velaryon-a1b2c3");
  std::string long_name(100, 'n');
  std::string p = verify::pod_name(long_name, "a1b2c3");
  EXPECT_LE(p.size(), 63u);
  EXPECT_NE(p, verify::pod_name(long_name + "x", "a1b2c3"));
  EXPECT_EQ(verify::pod_name("GPU_1.lab", "a1b2c3"), "talgpu-verify-gpu-1-lab-a1b2c3");
}

}  // namespace
}  // namespace talgpu::test
