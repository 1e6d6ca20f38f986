#pragma once
// The Talos side of a new GPU node: the machine-config patch of Talos's NVIDIA guide and the
// talconfig.yaml node entry that uses it.
//
// The patch loads the four NVIDIA kernel modules (the kmod extensions blacklist them in
// /usr/local/lib/modprobe.d/nvidia.conf, siderolabs/extensions nvidia-gpu/*/files/nvidia.conf) and
// sets net.core.bpf_jit_harden to 1 (Talos's KSPP default of 2 breaks libnvidia-container's cgroup
// v2 device program; siderolabs/docs talos v1.11 nvidia-gpu-proprietary.mdx).

#include <optional>
#include <string>

#include <gitops/gpu_nodes.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu::gitops {

struct NodeEntryOptions {
  std::string hostname = "gpu-worker";
  std::string patch_ref;  // "@./patches/nvidia-gpu.yaml", relative to the talconfig folder
};

// The patch file's text (header comment + YAML).
std::string talos_gpu_patch();

// The `nodes:` entry to paste: schematic with the NVIDIA kmod and toolkit extensions for the
// cluster's Talos version (the tier and flavour of the existing GPU nodes, else LTS proprietary),
// the GPU selection label (or the suggested one), the GPU nodes' taints, and the patch.
std::string talconfig_node_entry(const talhelper::TalConfig& cfg, const Selection& sel, const NodeEntryOptions& opts);

}  // namespace talgpu::gitops
