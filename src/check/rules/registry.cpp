#include <check/rules/registry.hpp>

namespace talgpu::check {

const std::vector<RuleFamily>& rule_families() {
  static const std::vector<RuleFamily> table = {
      {"scheduling", "every workload is admitted and fits some node (RuntimeClass, GPU resources, nodeName)",
       {"sched-runtimeclass-missing", "sched-runtimeclass-conflict", "sched-gpu-resources", "sched-node-name-unknown",
        "sched-no-node-fits"},
       rules_scheduling},
      {"pod-security", "every workload passes its namespace's Pod Security enforce and warn levels",
       {"psa-enforce", "psa-warn"},
       rules_pod_security},
      {"cuda", "every GPU container's CUDA runs on the driver of each GPU node it can land on",
       {"cuda-driver-incompatible", "cuda-minor-compat", "cuda-forward-compat"},
       rules_cuda},
      {"gpu-visibility", "a workload pinned to GPU nodes can see a GPU", {"workload-gpu-invisible"},
       rules_gpu_visibility},
      {"gpu-capacity", "workloads that share GPU nodes fit in their GPUs", {"sched-gpu-capacity"},
       rules_gpu_capacity},
      {"device-plugin", "the nvidia RuntimeClass exists and a device plugin covers every GPU node",
       {"nvidia-runtimeclass", "nvidia-device-plugin-missing", "nvidia-device-plugin-coverage", "node-gpu-unused"},
       rules_device_plugin},
      {"noderestriction", "what a worker sets on its own Node object survives NodeRestriction",
       {"node-taints-noderestriction", "node-label-forbidden"},
       rules_noderestriction},
      {"nvidia-node", "GPU nodes load the NVIDIA modules, relax bpf_jit_harden and upgrade to their own installer",
       {"nvidia-kernel-modules", "nvidia-bpf-jit-harden", "nvidia-installer-image"},
       rules_nvidia_node},
  };
  return table;
}

}  // namespace talgpu::check
