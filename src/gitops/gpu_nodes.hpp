#pragma once
// Which nodes the generated cluster side is for, and what they share.
//
// The GPU nodes are the declared nodes the NVIDIA analysis recognises (nvidia/gpu_node.hpp), with
// their labels and taints exactly as `talgpu check` models them (check::build_nodes: nodeLabels,
// nodeTaints, the kubelet's own labels, the control-plane taint), plus the taints a node's patches
// add that the check does not model: machine.kubelet.extraConfig.registerWithTaints and
// machine.nodeTaints in strategic-merge patches (Talos v1alpha1 config; talhelper applies global,
// group and node patches in that order).
//
// The selection:
//  - tolerations: every taint of every GPU node, so a GPU pod can land on any of them;
//  - node selector: one label that all GPU nodes carry with the same value and no other node
//    carries with that value (preferring keys or values that mention gpu/nvidia, then by key). A
//    RuntimeClass nodeSelector is a plain map (node.k8s.io/v1 Scheduling), so it cannot say
//    "any of these hostnames"; when no such label exists there is no selector, and a warning
//    suggests a nodeLabels entry instead of a selector that would be wrong.

#include <string>
#include <utility>
#include <vector>

#include <check/check.hpp>
#include <core/diagnostic.hpp>
#include <kube/objects.hpp>
#include <nvidia/gpu_node.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu::gitops {

struct GpuNode {
  std::string hostname;
  const talhelper::Node* declared = nullptr;
  nvidia::GpuNodeInfo gpu;
  kube::StringMap labels;
  std::vector<kube::Taint> taints;  // check's taints, then those only the patches add
};

struct Selection {
  std::vector<GpuNode> gpu_nodes;  // in talconfig order
  // The label that selects exactly the GPU nodes (empty key when none).
  std::string label_key;
  std::string label_value;
  std::vector<kube::Taint> taints;     // union over the GPU nodes, first appearance order
  std::vector<std::string> hostnames;  // sorted
  // Suggested nodeLabels entry when no label selects the GPU nodes.
  std::string suggested_key = "nvidia.com/gpu.present";
  std::string suggested_value = "true";

  bool has_selector() const { return !label_key.empty(); }
};

// The taints a node's strategic-merge patches (global patches first) declare through
// machine.kubelet.extraConfig.registerWithTaints or machine.nodeTaints.
std::vector<kube::Taint> patch_taints(const talhelper::TalConfig& cfg, const talhelper::Node& node);

// Analyses the declared nodes and derives the selection. Diagnostics of the GPU analysis and the
// `manifests-no-shared-label` warning go to `diags`.
Selection select_gpu_nodes(const talhelper::TalConfig& cfg, Diagnostics& diags);

// The toleration that tolerates exactly `t`: Equal with the value, or Exists when the taint has
// no value; no effect when the taint names none (core/v1 Toleration.ToleratesTaint).
kube::Toleration toleration_for(const kube::Taint& t);

}  // namespace talgpu::gitops
