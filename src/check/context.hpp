#pragma once
// What every check rule reads: the fleet, its shapes, the placements, the manifests and the
// declaration, built once by the engine (engine.cpp) and shared read-only by the rule families
// (rules/registry.hpp). A rule family is a function from this context to findings; it never
// changes the context, so families can be added, removed or reordered without touching each other.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <check/check.hpp>
#include <core/diagnostic.hpp>
#include <kube/manifest_loader.hpp>

namespace talgpu::check {

inline constexpr std::string_view k_hostname_label = "kubernetes.io/hostname";
inline constexpr std::string_view k_control_plane_label = "node-role.kubernetes.io/control-plane";

struct CheckContext {
  const talhelper::TalConfig* config = nullptr;  // the declaration, when given
  const kube::Manifests& manifests;
  const std::vector<NodeInfo>& nodes;
  const Fleet& fleet;
  const std::vector<Placement>& placements;  // one per workload, in manifest order

  // Per node and per shape facts the rules aggregate over.
  std::vector<int64_t> gpu_counts;  // node -> allocatable nvidia.com/gpu (time-slicing applied)
  std::vector<size_t> shape_rep;    // shape -> representative node
  std::vector<int64_t> shape_gpus;  // shape -> GPUs per node
  std::vector<bool> shape_is_gpu;   // shape -> GPU node
  std::vector<size_t> gpu_nodes;    // GPU nodes, in node order
  std::vector<size_t> driver_nodes;  // nodes with known driver facts, in name order

  // Per workload.
  std::vector<bool> gpu_workload;  // requests nvidia.com/gpu or uses the nvidia runtime
  bool any_gpu_request = false;

  CheckContext(const talhelper::TalConfig* cfg, const kube::Manifests& m, const std::vector<NodeInfo>& n,
               const Fleet& f, const std::vector<Placement>& p);

  size_t shapes() const { return shape_rep.size(); }
  // Node names are unique unless talconfig repeats a hostname; rules that speak of a node by
  // name look at every node of that name.
  bool has_node_named(std::string_view name) const { return m_first_named.count(name) != 0; }
  size_t first_of_name(size_t node) const { return m_first_named.at(nodes[node].node.name); }
  std::vector<size_t> same_name(size_t node) const;  // every node of node's name, in node order

 private:
  std::unordered_map<std::string_view, size_t> m_first_named;
  std::vector<size_t> m_next_named;
};

// Workload and node facts several rule families share (context.cpp).
bool is_nvidia_runtime(const kube::PodTemplate& pod, const kube::Manifests& m);
bool is_device_plugin(const kube::Workload& w);
// A HelmRelease of NVIDIA's GPU Operator chart (gpu-operator): it deploys the device plugin, GPU
// Feature Discovery and node-feature-discovery, and creates the RuntimeClass `nvidia`.
bool is_gpu_operator(const kube::HelmRelease& hr);
bool has_gpu_operator(const kube::Manifests& m);
// Something in the manifests advertises nvidia.com/gpu on declared GPU nodes: a device plugin
// DaemonSet (static or rendered from its HelmRelease) or the GPU Operator.
bool gpus_advertised(const kube::Manifests& m);
// libnvidia-container's brand for a node, from GPU Feature Discovery's product label.
std::string brand_of(const kube::Node& n);
std::string join_names(const std::vector<std::string>& v);
// kube-scheduler's summary: "0/7 nodes are available: 3 node(s) had ..., 4 node(s) didn't match ...".
std::string scheduler_summary(const std::map<std::string, size_t>& reasons, size_t total);
// Its histogram alone: "3 node(s) had ..., 4 Insufficient nvidia.com/gpu".
std::string reason_histogram(const std::map<std::string, size_t>& reasons);

}  // namespace talgpu::check
