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
// Speed: nodes are grouped by *shape* (the labels some workload or RuntimeClass selects on, except
// the hostname; taints, unschedulable, GPU count): the fit of a workload is computed once per shape
// and stored per shape, and the rules aggregate per shape, so a fleet of 10,000 nodes of 5 shapes
// costs what 5 nodes do, and per-node labels nobody selects on (GPU feature discovery's timestamps,
// zones) do not make every node its own shape. Only
// workloads that look at node names (spec.nodeName, hostname selectors, matchFields) are fitted
// per node. Node names are expanded only where output lists them (placement table, JSON).

#include <cstddef>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <core/diagnostic.hpp>
#include <kube/manifest_loader.hpp>
#include <kube/objects.hpp>
#include <nvidia/gpu_node.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu::check {

// A node as the checker sees it.
struct NodeInfo {
  kube::Node node;
  const talhelper::Node* declared = nullptr;  // the talconfig entry, when declared
  std::optional<nvidia::GpuNodeInfo> gpu;  // GPU facts of a declared GPU node
  bool is_gpu = false;                     // declared or observed as a GPU node
};

// The fleet grouped by node shape; shared by every Placement of a report.
struct Fleet {
  std::vector<std::string> names;                // node names, in CheckReport::nodes order
  std::vector<size_t> by_name;                   // node indices sorted by name (stable)
  std::vector<size_t> shape_of;                  // node index -> shape
  std::vector<std::vector<size_t>> shape_nodes;  // shape -> node indices (in node order)
  std::vector<std::vector<size_t>> shape_by_name;  // shape -> node indices (in name order)
  std::vector<size_t> rank;                      // node index -> position in by_name
  bool unique_names = true;                      // no two nodes share a name
};

// The nodes one workload fits, stored per node shape (or per node for the few workloads that look
// at node names: spec.nodeName, hostname selectors). Iterating it yields the fitting node names in
// name order, like the sorted vector it replaces; names are expanded only when iterated.
struct NodeFit {
  std::shared_ptr<const Fleet> fleet;
  bool per_node = false;            // `reason` is indexed by node instead of by shape
  std::vector<std::string> reason;  // empty: fits; else kube-scheduler's first reason
  size_t count = 0;                 // nodes it fits

  const std::string& reason_of(size_t node) const { return reason[per_node ? node : fleet->shape_of[node]]; }
  bool fits_node(size_t node) const { return reason_of(node).empty(); }
  bool empty() const { return count == 0; }
  size_t size() const { return count; }

  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::string*;
    using reference = const std::string&;
    iterator() = default;
    iterator(const NodeFit* f, size_t k) : m_f(f), m_k(k) { skip(); }
    reference operator*() const { return m_f->fleet->names[m_f->fleet->by_name[m_k]]; }
    pointer operator->() const { return &**this; }
    iterator& operator++() {
      ++m_k;
      skip();
      return *this;
    }
    iterator operator++(int) {
      iterator t = *this;
      ++*this;
      return t;
    }
    bool operator==(const iterator& o) const { return m_k == o.m_k; }
    bool operator!=(const iterator& o) const { return m_k != o.m_k; }

   private:
    void skip() {
      while (m_k < m_f->fleet->by_name.size() && !m_f->fits_node(m_f->fleet->by_name[m_k])) {
        ++m_k;
      }
    }
    const NodeFit* m_f = nullptr;
    size_t m_k = 0;
  };
  iterator begin() const { return fleet ? iterator(this, 0) : iterator(); }
  iterator end() const { return fleet ? iterator(this, fleet->by_name.size()) : iterator(); }
  std::vector<std::string> names() const { return {begin(), end()}; }
  bool operator==(const std::vector<std::string>& v) const { return names() == v; }
};

// The nodes that give one rejection reason: an entry of kube-scheduler's FitError histogram
// ("3 Insufficient nvidia.com/gpu").
struct ReasonGroup {
  std::string reason;
  size_t count = 0;            // nodes (distinct names)
  std::vector<size_t> nodes;   // node indices in name order: the first `sample` of them
  std::vector<size_t> shapes;  // every shape giving this reason (when fitted per shape)
};

// One workload's placement in O(shapes + sample) (O(nodes) for name-pinned workloads or a fleet
// with repeated node names): what output prints instead of a line per node.
struct PlacementSummary {
  bool by_shape = false;           // fitted per shape: `fit_shapes` and the groups' `shapes` are whole
  size_t total = 0;                // nodes (distinct names)
  size_t fit_count = 0;            // nodes it fits
  std::vector<size_t> fit_nodes;   // node indices in name order: the first `sample`
  std::vector<size_t> fit_shapes;  // every shape it fits (when by_shape)
  std::vector<ReasonGroup> rejected;  // sorted by reason
  std::map<std::string, size_t> reason_counts() const;
};

// Where one workload fits, and why every other node rejects it.
struct Placement {
  std::string workload;  // "<ns>/<Kind>/<name>"
  const kube::Workload* object = nullptr;
  NodeFit fits;  // iterable as sorted node names
  // Set when no node fits because no node in the fleet advertises a resource the workload
  // requests ("no node advertises nvidia.com/gpu"): the pod is created and stays Pending.
  std::string pending;

  const std::string& reason_of(size_t node) const { return fits.reason_of(node); }
  bool fits_node(size_t node) const { return fits.fits_node(node); }
  // Expanded view: O(nodes). node -> first reason.
  std::map<std::string, std::string> rejected() const;
  // Rejection reasons with the number of nodes giving each (O(shapes) unless per node).
  std::map<std::string, size_t> reason_counts() const;
  // Counts per reason with the first `sample` node names of each group (all of them when the
  // workload is fitted node by node and `whole_when_per_node` is set).
  PlacementSummary summarize(size_t sample, bool whole_when_per_node = false) const;
  // Calls f(node name, reason) for every node in name order (reason empty when it fits).
  template <class F>
  void for_each_node(F&& f) const {
    for (size_t i : fits.fleet->by_name) {
      f(fits.fleet->names[i], fits.reason_of(i));
    }
  }
};

struct CheckInputs {
  const talhelper::TalConfig* config = nullptr;  // declared nodes (optional)
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
  size_t fit_evaluations = 0;         // kube::fits calls: workloads x shapes (+ nodes for name-pinned ones)
  std::shared_ptr<const Fleet> fleet;

  bool has_errors() const { return findings.has_errors(); }
};

CheckReport run_check(const CheckInputs& in);
// The same, taking over the observed nodes instead of copying them (10,000 nodes cost more to
// copy than to check).
CheckReport run_check(CheckInputs&& in);

// "<ns>/<Kind>/<name>" with "default" for an empty namespace.
std::string workload_id(const kube::Workload& w);

// Builds the checker's nodes from talconfig (labels, kubelet labels, control-plane taint, taints)
// and observed nodes (which replace declared ones of the same name). GPU analysis diagnostics go
// to `diags` when `analyze` is set.
std::vector<NodeInfo> build_nodes(const talhelper::TalConfig* cfg, std::vector<kube::Node> observed, bool analyze,
                                  Diagnostics& diags);

}  // namespace talgpu::check
