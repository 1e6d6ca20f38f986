#pragma once
// `talgpu check`: the rules engine over one cluster model.
//
// Inputs are what a user keeps in git plus, optionally, what the cluster reports: the declared
// nodes of talconfig.yaml (labels and taints as they will really be applied, the GPU facts from
// nvidia::analyze_gpu_node), observed nodes from `kubectl get nodes -o json`, and the manifests.
// Rules are small functions from that model to findings (core Diagnostics with stable ids, see
// rules.hpp); the engine also computes a placement table: for each workload, the nodes it fits and
// the first reason each other node is rejected.
//
// Speed: placement is the hot loop (workloads x nodes). Nodes are grouped by *shape* (labels,
// taints, unschedulable, GPU count): the fit of a workload is computed once per shape and shared by
// every node of that shape, so a fleet of 10,000 identical workers costs what one does. Only
// workloads that look at node names (spec.nodeName, matchFields metadata.name) are fitted per node.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <core/diagnostic.hpp>
#include <kube/manifest_loader.hpp>
#include <kube/objects.hpp>
#include <nvidia/gpu_node.hpp>
#include <talos/talconfig.hpp>

namespace talgpu::check {

// A node as the checker sees it.
struct NodeInfo {
  kube::Node node;
  const talos::Node* declared = nullptr;  // the talconfig entry, when declared
  std::optional<nvidia::GpuNodeInfo> gpu;  // GPU facts of a declared GPU node
  bool is_gpu = false;                     // declared or observed as a GPU node
};

struct Placement {
  std::string workload;  // "<ns>/<Kind>/<name>"
  const kube::Workload* object = nullptr;
  std::vector<std::string> fits;                // node names, sorted
  std::map<std::string, std::string> rejected;  // node -> first reason
};

struct CheckInputs {
  const talos::TalConfig* config = nullptr;  // declared nodes (optional)
  const kube::Manifests* manifests = nullptr;
  std::vector<kube::Node> observed;  // from --nodes (optional)
  // Diagnostics the GPU analysis already produced for these nodes can be passed through here;
  // when `run_gpu_analysis` is set the engine runs analyze_gpu_node itself and adds its findings.
  bool run_gpu_analysis = true;
};

struct CheckReport {
  Diagnostics findings;  // sorted by file, line, column
  std::vector<Placement> placements;  // in workload order of the manifests
  std::vector<NodeInfo> nodes;        // the fleet that was checked, declared then observed-only
  size_t node_shapes = 0;             // distinct shapes the fit ran on

  bool has_errors() const { return findings.has_errors(); }
};

CheckReport run_check(const CheckInputs& in);

// "<ns>/<Kind>/<name>" with "default" for an empty namespace.
std::string workload_id(const kube::Workload& w);

// Builds the checker's nodes from talconfig (labels, kubelet labels, control-plane taint, taints)
// and observed nodes (which replace declared ones of the same name). GPU analysis diagnostics go
// to `diags` when `analyze` is set.
std::vector<NodeInfo> build_nodes(const talos::TalConfig* cfg, const std::vector<kube::Node>& observed,
                                  bool analyze, Diagnostics& diags);

}  // namespace talgpu::check
