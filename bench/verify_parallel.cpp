// Benchmark: `talgpu verify` on 1 and on N GPU nodes of the loopback Kubernetes API (the test
// suite's fake API server with its simulated scheduler and kubelet, every pod taking the same
// simulated time to run). Shows that N nodes in parallel take about as long as one.
//   build/bench/talgpu_bench_verify [N] [POD_SECONDS]   (default 200 nodes, 2 s per pod)
// Not a test: it measures time. See bench/README.md.

#include <chrono>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "../tests/unit/support/fake_kubelet.hpp"
#include "../tests/unit/support/kube_test_util.hpp"

using namespace talgpu::test;
using nlohmann::json;

namespace {

double run(int nodes, std::chrono::milliseconds pod_time, int* rc) {
  TempDir dir;
  FakeKube kube;
  load_fixture_cluster(kube);
  auto base = *kube.get("/api/v1/nodes", "velaryon");
  kube.erase("/api/v1/nodes", "velaryon");
  KubeletOptions o;
  o.run_time = pod_time;
  std::string smi = read_text(source_path("tests/fixtures/upstream/nvidia-smi/rtx2070super-535.247.01.txt"));
  for (int i = 0; i < nodes; ++i) {
    json n = base;
    std::string name = "gpu-" + std::to_string(i);
    n["metadata"]["name"] = name;
    n["metadata"]["labels"]["kubernetes.io/hostname"] = name;
    kube.put("/api/v1/nodes", n);
    o.smi_logs[name] = smi;
  }
  std::string kc = kube.write_kubeconfig(dir.path());
  FakeKubelet kubelet(kube, o);
  auto start = std::chrono::steady_clock::now();
  auto r = run_command("KUBECONFIG=" + kc + " " + talgpu_binary() + " verify -o json --timeout 5m");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  *rc = r.rc;
  if (r.rc != 0) {
    std::fprintf(stderr, "%s\n%s\n", r.out.c_str(), r.err.c_str());
  }
  return secs;
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::stoi(argv[1]) : 200;
  double pod_s = argc > 2 ? std::stod(argv[2]) : 2.0;
  auto pod = std::chrono::milliseconds(static_cast<long>(pod_s * 1000));
  std::printf("| GPU nodes | pod run time s | verify wall s | exit |\n|---:|---:|---:|---:|\n");
  for (int nodes : {1, n}) {
    int rc = 0;
    double s = run(nodes, pod, &rc);
    std::printf("| %d | %.1f | %.2f | %d |\n", nodes, pod_s, s, rc);
    std::fflush(stdout);
  }
  return 0;
}
