#pragma once
// The scheduler and kubelet behind FakeKube, for `talgpu verify` tests: each created pod is
// scheduled (nodeSelector on kubernetes.io/hostname, taints against tolerations with the
// NoSchedule/NoExecute effects, nvidia.com/gpu against allocatable), started (the image's CUDA
// against the node's driver, as libnvidia-container checks NVIDIA_REQUIRE_CUDA) and run (its log
// is the node's nvidia-smi text). Status, conditions, container states and events carry the texts
// the real components write (scheduler framework plugins, kubelet, containerd + nvidia-container-cli).

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake_kube.hpp"

namespace talgpu::test {

struct KubeletOptions {
  std::chrono::milliseconds schedule_delay{10};
  std::chrono::milliseconds start_delay{20};
  std::chrono::milliseconds run_time{30};
  std::map<std::string, std::string> smi_logs;  // node → nvidia-smi output
  std::set<std::string> never_start;            // pods there stay ContainerCreating
  std::set<std::string> smi_fails;              // nvidia-smi exits 9 there
  std::map<std::string, int> exit_codes;        // node → the container's exit code with its log (default 0)
};

class FakeKubelet {
 public:
  FakeKubelet(FakeKube& kube, KubeletOptions opts);
  ~FakeKubelet();  // stops the server first, then waits for the pods' threads

 private:
  void run_pod(nlohmann::json pod);
  bool sleep(std::chrono::milliseconds d);

  FakeKube& m_kube;
  KubeletOptions m_opts;
  std::atomic<bool> m_stop{false};
  std::mutex m_mu;
  std::vector<std::thread> m_threads;
};

}  // namespace talgpu::test
