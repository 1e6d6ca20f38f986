#pragma once
// What a node's Talos patches set, for the rules and the node builder that look at machine config
// fields (strategic-merge patches and JSON 6902 operations, node patches then global ones, as
// talhelper applies them).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <core/source.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu::check {

struct PatchFacts {
  std::optional<std::string> bpf_jit_harden;
  SourceLocation bpf_location;
  std::vector<std::pair<std::string, SourceLocation>> node_taints;  // machine.nodeTaints keys
  std::optional<std::string> install_image;
  SourceLocation install_image_location;
  // cluster.allowSchedulingOnControlPlanes (Talos drops the control-plane NoSchedule taint when true).
  std::optional<bool> allow_scheduling_on_control_planes;
  // A machine.files entry under /etc/cri/conf.d/ sets containerd's default_runtime_name = "nvidia"
  // (Talos's NVIDIA guide, "make nvidia the default runtime"): pods without a RuntimeClass get
  // the NVIDIA runtime on this node.
  bool default_runtime_nvidia = false;
};

PatchFacts patch_facts(const talhelper::TalConfig& cfg, const talhelper::Node& node);

}  // namespace talgpu::check
