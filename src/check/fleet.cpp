// The checker's fleet: declared nodes from talconfig.yaml (labels and taints as they will really
// be applied), observed nodes from the cluster (which win), and their grouping by shape (check.hpp
// says why shapes make 10,000 nodes cost what 5 do).

#include <check/fleet.hpp>

#include <algorithm>
#include <unordered_map>

#include <check/context.hpp>
#include <check/patch_facts.hpp>
#include <kube/resources.hpp>

namespace talgpu::check {

namespace {

kube::Taint parse_declared_taint(const talhelper::KeyValue& kv) {
  // Talos node_taint_spec.go: "value:Effect" or just "Effect".
  kube::Taint t;
  t.key = kv.key;
  t.location = kv.location;
  size_t colon = kv.value.rfind(':');
  if (colon == std::string::npos) {
    t.effect = kv.value;
  } else {
    t.value = kv.value.substr(0, colon);
    t.effect = kv.value.substr(colon + 1);
  }
  return t;
}

bool observed_gpu(const kube::Node& n) {
  if (const auto* v = n.labels.find("nvidia.com/gpu.present"); v != nullptr && *v == "true") {
    return true;
  }
  auto c = kube::node_gpu_count(n);
  return c.count && *c.count > 0;
}

// The label keys a fit can look at: nodeSelector keys and required node-affinity keys of every
// workload, and the nodeSelector keys of every RuntimeClass (admission merges them into the pod).
// Labels outside this set (GPU feature discovery's timestamps, per-node zones, ...) cannot change
// any fit, so they do not split shapes. Sorted, unique; views into the manifests.
std::vector<std::string_view> selectable_label_keys(const kube::Manifests& m) {
  std::vector<std::string_view> keys;
  for (const auto& w : m.workloads) {
    for (const auto& e : w.pod.node_selector) {
      keys.push_back(e.key);
    }
    if (w.pod.node_affinity && w.pod.node_affinity->required) {
      for (const auto& term : w.pod.node_affinity->required->terms) {
        for (const auto& r : term.match_expressions) {
          keys.push_back(r.key);
        }
      }
    }
  }
  for (const auto& rc : m.runtime_classes) {
    for (const auto& e : rc.node_selector) {
      keys.push_back(e.key);
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

// A node's shape: everything the fit looks at except the node's name and hostname label (the
// selectable labels, taints, unschedulable, GPU count and flag). Nodes are grouped by a hash of it
// and confirmed equal field by field, so building a shape costs no allocation per node.
class ShapeLabels {
 public:
  explicit ShapeLabels(std::vector<std::string_view> keys) : m_keys(std::move(keys)) {}
  bool counts(std::string_view key) const {
    return key != k_hostname_label && std::binary_search(m_keys.begin(), m_keys.end(), key);
  }

 private:
  std::vector<std::string_view> m_keys;
};

size_t shape_hash(const kube::Node& n, int64_t gpus, const ShapeLabels& labels) {
  size_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](size_t v) { h = (h ^ v) * 0x100000001b3ULL + (h >> 29); };
  std::hash<std::string_view> hs;
  for (const auto& e : n.labels) {
    if (labels.counts(e.key)) {
      mix(hs(e.key));
      mix(hs(e.value));
    }
  }
  mix(0x1d);
  for (const auto& t : n.taints) {
    mix(hs(t.key));
    mix(hs(t.value));
    mix(hs(t.effect));
  }
  mix(static_cast<size_t>(n.unschedulable) | static_cast<size_t>(n.gpu) << 1);
  mix(static_cast<size_t>(gpus));
  return h;
}

bool same_shape(const kube::Node& a, int64_t a_gpus, const kube::Node& b, int64_t b_gpus, const ShapeLabels& labels) {
  if (a_gpus != b_gpus || a.unschedulable != b.unschedulable || a.gpu != b.gpu || a.taints.size() != b.taints.size()) {
    return false;
  }
  for (size_t i = 0; i < a.taints.size(); ++i) {
    const auto& x = a.taints[i];
    const auto& y = b.taints[i];
    if (x.key != y.key || x.value != y.value || x.effect != y.effect) {
      return false;
    }
  }
  auto ia = a.labels.begin();
  auto ib = b.labels.begin();
  for (;;) {
    while (ia != a.labels.end() && !labels.counts(ia->key)) {
      ++ia;
    }
    while (ib != b.labels.end() && !labels.counts(ib->key)) {
      ++ib;
    }
    if (ia == a.labels.end() || ib == b.labels.end()) {
      return ia == a.labels.end() && ib == b.labels.end();
    }
    if (ia->key != ib->key || ia->value != ib->value) {
      return false;
    }
    ++ia;
    ++ib;
  }
}

}  // namespace

std::vector<NodeInfo> build_nodes(const talhelper::TalConfig* cfg, std::vector<kube::Node> observed, bool analyze,
                                  Diagnostics& diags) {
  std::vector<NodeInfo> out;
  out.reserve((cfg != nullptr ? cfg->nodes.size() : 0) + observed.size());
  if (cfg != nullptr) {
    for (const auto& dn : cfg->nodes) {
      NodeInfo ni;
      ni.declared = &dn;
      kube::Node& n = ni.node;
      n.name = dn.hostname;
      n.source = kube::NodeSource::declared;
      n.control_plane = dn.control_plane;
      n.location = dn.location;
      // Labels the kubelet sets itself (k8s.io/kubelet well_known_labels.go), then Talos's role label.
      n.labels.set(std::string(k_hostname_label), dn.hostname, dn.location);
      n.labels.set("kubernetes.io/os", "linux", dn.location);
      n.labels.set("kubernetes.io/arch", dn.machine_spec.arch, dn.location);
      if (dn.control_plane) {
        n.labels.set(std::string(k_control_plane_label), "", dn.location);
      }
      PatchFacts pf = patch_facts(*cfg, dn);
      // A worker whose patches set machine.nodeTaints: NodeRestriction refuses Talos's single
      // update, so neither those taints nor the nodeLabels reach the Node.
      bool update_refused = !dn.control_plane && !pf.node_taints.empty();
      if (!update_refused) {
        for (const auto& kv : dn.node_labels) {
          n.labels.set(kv.key, kv.value, kv.location);
        }
      }
      for (const auto& kv : dn.node_taints) {
        n.taints.push_back(parse_declared_taint(kv));
      }
      // The node's own machine config decides: talconfig's field, unless a patch (applied after,
      // as talhelper does) sets cluster.allowSchedulingOnControlPlanes.
      if (dn.control_plane && !pf.allow_scheduling_on_control_planes.value_or(cfg->allow_scheduling_on_control_planes)) {
        n.taints.push_back(kube::Taint{std::string(k_control_plane_label), "", "NoSchedule", dn.location});
      }
      if (analyze) {
        ni.gpu = nvidia::analyze_gpu_node(*cfg, dn, diags);
        ni.is_gpu = ni.gpu->gpu;
        n.gpu = ni.is_gpu;
      }
      out.push_back(std::move(ni));
    }
  }
  // Name -> first node of that name (what a linear find would return), kept up to date. The keys
  // view the names in `out`, which was reserved above and so never reallocates.
  std::unordered_map<std::string_view, size_t> index;
  index.reserve(out.capacity());
  for (size_t i = 0; i < out.size(); ++i) {
    index.emplace(out[i].node.name, i);
  }
  for (auto& on : observed) {
    auto found = index.find(on.name);
    if (found != index.end()) {
      auto it = out.begin() + static_cast<std::ptrdiff_t>(found->second);
      // What the cluster reports wins for placement; the declaration keeps the GPU facts.
      bool gpu = it->is_gpu || observed_gpu(on);
      const size_t at = found->second;
      index.erase(found);  // its key views the name about to be replaced
      it->node = std::move(on);
      it->node.gpu = gpu;
      it->is_gpu = it->node.gpu;
      index.emplace(it->node.name, at);
      continue;
    }
    NodeInfo& ni = out.emplace_back();
    ni.node = std::move(on);
    ni.node.gpu = observed_gpu(ni.node);
    ni.is_gpu = ni.node.gpu;
    index.emplace(ni.node.name, out.size() - 1);
  }
  return out;
}

void add_run_time_labels(std::vector<NodeInfo>& nodes, const kube::Manifests& m) {
  const kube::HelmRelease* op = nullptr;
  for (const auto& hr : m.helm_releases) {
    if (is_gpu_operator(hr)) {
      op = &hr;
      break;
    }
  }
  if (op == nullptr) {
    return;
  }
  for (auto& ni : nodes) {
    if (ni.node.source != kube::NodeSource::declared || !ni.is_gpu) {
      continue;
    }
    for (const char* key : {"feature.node.kubernetes.io/pci-10de.present", "nvidia.com/gpu.present"}) {
      if (!ni.node.labels.contains(key)) {
        ni.node.labels.set(key, "true", op->location);
      }
    }
  }
}

FleetShapes group_shapes(const std::vector<NodeInfo>& nodes, const kube::Manifests& m, int64_t time_slicing_replicas,
                         bool declared_gpus_advertised) {
  FleetShapes out;
  const ShapeLabels shape_labels(selectable_label_keys(m));
  auto fleet = std::make_shared<Fleet>();
  out.gpu_counts.assign(nodes.size(), 0);
  std::unordered_multimap<size_t, size_t> shapes_by_hash;  // shape hash -> shape
  fleet->shape_of.resize(nodes.size());
  fleet->names.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const kube::Node& n = nodes[i].node;
    fleet->names.push_back(n.name);
    out.gpu_counts[i] = kube::node_gpu_count(n, time_slicing_replicas, declared_gpus_advertised).count.value_or(0);
    const size_t h = shape_hash(n, out.gpu_counts[i], shape_labels);
    size_t shape = out.shape_rep.size();
    for (auto [it, end] = shapes_by_hash.equal_range(h); it != end; ++it) {
      const size_t rep = out.shape_rep[it->second];
      if (same_shape(n, out.gpu_counts[i], nodes[rep].node, out.gpu_counts[rep], shape_labels)) {
        shape = it->second;
        break;
      }
    }
    if (shape == out.shape_rep.size()) {
      shapes_by_hash.emplace(h, shape);
      out.shape_rep.push_back(i);
      fleet->shape_nodes.emplace_back();
    }
    fleet->shape_of[i] = shape;
    fleet->shape_nodes[shape].push_back(i);
  }
  fleet->by_name.resize(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    fleet->by_name[i] = i;
  }
  // kubectl lists nodes by name already: sort only when they are not.
  auto name_less = [&](size_t a, size_t b) { return fleet->names[a] < fleet->names[b]; };
  if (!std::is_sorted(fleet->by_name.begin(), fleet->by_name.end(), name_less)) {
    std::stable_sort(fleet->by_name.begin(), fleet->by_name.end(), name_less);
  }
  for (size_t k = 1; k < fleet->by_name.size(); ++k) {
    if (fleet->names[fleet->by_name[k - 1]] == fleet->names[fleet->by_name[k]]) {
      fleet->unique_names = false;
    }
  }
  fleet->rank.resize(nodes.size());
  fleet->shape_by_name.resize(fleet->shape_nodes.size());
  for (size_t k = 0; k < fleet->by_name.size(); ++k) {
    const size_t i = fleet->by_name[k];
    fleet->rank[i] = k;
    fleet->shape_by_name[fleet->shape_of[i]].push_back(i);
  }
  out.fleet = std::move(fleet);
  return out;
}

}  // namespace talgpu::check
