// The check engine: builds the fleet, fits every workload on every node shape, runs the rules.
// See check.hpp for the shape grouping and rules.hpp for what each rule means.

#include <check/check.hpp>

#include <algorithm>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include <core/strings.hpp>
#include <kube/noderestriction.hpp>
#include <kube/podsecurity.hpp>
#include <kube/resources.hpp>
#include <kube/runtimeclass.hpp>
#include <kube/scheduling.hpp>
#include <nvidia/cuda.hpp>
#include <nvidia/image_ref.hpp>
#include <imagefactory/schematic.hpp>
#include <yaml/document.hpp>

namespace talgpu::check {

namespace {

constexpr std::string_view k_hostname_label = "kubernetes.io/hostname";
constexpr std::string_view k_control_plane_label = "node-role.kubernetes.io/control-plane";
const std::vector<std::string> k_nvidia_modules = {"nvidia", "nvidia_uvm", "nvidia_drm", "nvidia_modeset"};

// ---------------------------------------------------------------------------------------------
// What a node's patches set, for the rules that look at machine config fields.

struct PatchFacts {
  std::optional<std::string> bpf_jit_harden;
  SourceLocation bpf_location;
  std::vector<std::pair<std::string, SourceLocation>> node_taints;  // machine.nodeTaints keys
  std::optional<std::string> install_image;
  SourceLocation install_image_location;
};

SourceLocation patch_location(const talhelper::Patch& p, const yaml::Node& n) {
  // @file patches were parsed under their own name, so node marks are exact; inline patches
  // point at their declaration in talconfig.yaml.
  return p.file.empty() ? p.location : n.location();
}

void facts_from_machine(const yaml::Node& machine, const talhelper::Patch& p, PatchFacts& out) {
  if (!machine.is_mapping()) {
    return;
  }
  if (const auto* sysctls = machine.find("sysctls"); sysctls != nullptr && sysctls->is_mapping()) {
    if (const auto* v = sysctls->find("net.core.bpf_jit_harden"); v != nullptr && v->is_scalar()) {
      out.bpf_jit_harden = v->value();
      out.bpf_location = patch_location(p, *v);
    }
  }
  if (const auto* taints = machine.find("nodeTaints"); taints != nullptr && taints->is_mapping()) {
    for (const auto& e : taints->entries()) {
      out.node_taints.emplace_back(e.key.value(), patch_location(p, e.key));
    }
  }
  if (const auto* install = machine.find("install"); install != nullptr && install->is_mapping()) {
    if (const auto* img = install->find("image"); img != nullptr && img->is_scalar()) {
      out.install_image = img->value();
      out.install_image_location = patch_location(p, *img);
    }
  }
}

// JSON 6902 operations ("op", "path", "value") on the same fields.
void facts_from_json_patch(const yaml::Node& ops, const talhelper::Patch& p, PatchFacts& out) {
  for (const auto& op : ops.items()) {
    if (!op.is_mapping()) {
      continue;
    }
    const auto* path = op.find("path");
    const auto* value = op.find("value");
    const auto* kind = op.find("op");
    if (path == nullptr || value == nullptr || kind == nullptr || kind->value() == "remove") {
      continue;
    }
    const std::string& at = path->value();
    yaml::Node wrapped = yaml::Node::mapping();
    if (at == "/machine") {
      facts_from_machine(*value, p, out);
    } else if (at == "/machine/sysctls") {
      wrapped.set("sysctls", *value);
      facts_from_machine(wrapped, p, out);
    } else if (at == "/machine/sysctls/net.core.bpf_jit_harden" && value->is_scalar()) {
      out.bpf_jit_harden = value->value();
      out.bpf_location = patch_location(p, *value);
    } else if (at == "/machine/nodeTaints") {
      wrapped.set("nodeTaints", *value);
      facts_from_machine(wrapped, p, out);
    } else if (at.rfind("/machine/nodeTaints/", 0) == 0) {
      out.node_taints.emplace_back(at.substr(20), patch_location(p, *path));
    } else if (at == "/machine/install/image" && value->is_scalar()) {
      out.install_image = value->value();
      out.install_image_location = patch_location(p, *value);
    } else if (at == "/machine/install") {
      wrapped.set("install", *value);
      facts_from_machine(wrapped, p, out);
    }
  }
}

PatchFacts patch_facts(const talhelper::TalConfig& cfg, const talhelper::Node& node) {
  PatchFacts out;
  auto visit = [&](const talhelper::Patch& p) {
    std::string name = p.file.empty() ? fmt::format("{}#patch", p.location.str()) : p.file;
    auto docs = yaml::parse(p.text, name);
    if (!docs) {
      return;  // the talconfig loader reports broken patches
    }
    for (const auto& d : *docs) {
      if (d.root.is_mapping()) {
        if (const auto* m = d.root.find("machine")) {
          facts_from_machine(*m, p, out);
        }
      } else if (d.root.is_sequence()) {
        facts_from_json_patch(d.root, p, out);
      }
    }
  };
  // Global patches apply after the node's (talhelper order), so they win.
  for (const auto& p : node.patches) {
    visit(p);
  }
  for (const auto& p : cfg.patches) {
    visit(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The fleet.

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

bool mentions_hostname(const kube::StringMap& m) {
  return m.contains(k_hostname_label);
}

// Workloads whose fit depends on the node's identity are fitted node by node.
bool needs_per_node_fit(const kube::Workload& w, const kube::Manifests& m) {
  const auto& pod = w.pod;
  if (!pod.node_name.empty() || mentions_hostname(pod.node_selector)) {
    return true;
  }
  if (pod.node_affinity && pod.node_affinity->required) {
    for (const auto& term : pod.node_affinity->required->terms) {
      if (!term.match_fields.empty()) {
        return true;
      }
      for (const auto& r : term.match_expressions) {
        if (r.key == k_hostname_label) {
          return true;
        }
      }
    }
  }
  if (pod.runtime_class_name) {
    if (const auto* rc = m.find_runtime_class(*pod.runtime_class_name); rc != nullptr && mentions_hostname(rc->node_selector)) {
      return true;
    }
  }
  return false;
}

bool is_nvidia_runtime(const kube::PodTemplate& pod, const kube::Manifests& m) {
  if (!pod.runtime_class_name) {
    return false;
  }
  if (const auto* rc = m.find_runtime_class(*pod.runtime_class_name)) {
    return rc->handler == "nvidia";
  }
  return *pod.runtime_class_name == "nvidia";
}

bool is_device_plugin(const kube::Workload& w) {
  if (!w.is_daemon_set()) {
    return false;
  }
  if (w.name.find("nvidia-device-plugin") != std::string::npos) {
    return true;
  }
  for (const auto& c : w.pod.containers) {
    if (c.image.find("k8s-device-plugin") != std::string::npos) {
      return true;
    }
  }
  return false;
}

// libnvidia-container's brand name from GPU Feature Discovery's product label, when present
// ("NVIDIA-GeForce-RTX-2070-SUPER" -> GeForce). Unknown stays empty: brand terms then hold.
std::string brand_of(const kube::Node& n) {
  const std::string* product = n.labels.find("nvidia.com/gpu.product");
  if (product == nullptr) {
    return {};
  }
  std::string p = to_lower(*product);
  if (p.find("geforce") != std::string::npos) {
    return "GeForce";
  }
  if (p.find("titan") != std::string::npos) {
    return "TITAN";
  }
  if (p.find("quadro") != std::string::npos) {
    return "Quadro";
  }
  if (p.find("tesla") != std::string::npos) {
    return "Tesla";
  }
  return "Unknown";  // NVIDIA-branded data-center and RTX parts map to Unknown (src/driver.c)
}

std::string join_names(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) {
      s += ", ";
    }
    s += x;
  }
  return s;
}

// kube-scheduler's summary: "0/7 nodes are available: 3 node(s) had ..., 4 node(s) didn't match ...".
std::string scheduler_summary(const std::map<std::string, size_t>& reasons, size_t total) {
  std::map<std::string, size_t> counts;
  for (const auto& [reason, n] : reasons) {
    std::string r = reason;
    if (r.rfind("node(s) ", 0) == 0) {
      r = r.substr(8);
    }
    counts[r] += n;
  }
  std::string s = fmt::format("0/{} nodes are available", total);
  bool first = true;
  for (const auto& [reason, n] : counts) {
    s += first ? ": " : ", ";
    first = false;
    // kube-scheduler: "3 node(s) had untolerated taint {...}", "1 Insufficient nvidia.com/gpu".
    s += reason.rfind("had ", 0) == 0 || reason.rfind("didn't ", 0) == 0 ? fmt::format("{} node(s) {}", n, reason)
                                                                       : fmt::format("{} {}", n, reason);
  }
  return s;
}

}  // namespace

std::map<std::string, std::string> Placement::rejected() const {
  std::map<std::string, std::string> out;
  for (size_t i : fits.fleet->by_name) {  // stable by name: the first node of a repeated name wins
    if (!fits_node(i)) {
      out.emplace_hint(out.end(), fits.fleet->names[i], reason_of(i));
    }
  }
  return out;
}

std::map<std::string, size_t> Placement::reason_counts() const {
  // Counted per distinct node name, as the rejected map has them.
  std::map<std::string, size_t> out;
  if (!fits.per_node && fits.fleet->unique_names) {
    for (size_t s = 0; s < fits.reason.size(); ++s) {
      if (!fits.reason[s].empty()) {
        out[fits.reason[s]] += fits.fleet->shape_nodes[s].size();
      }
    }
    return out;
  }
  for (const auto& [node, r] : rejected()) {
    ++out[r];
  }
  return out;
}

std::string workload_id(const kube::Workload& w) {
  std::string_view ns = w.namespace_.empty() ? std::string_view("default") : std::string_view(w.namespace_);
  std::string_view kind = kube::workload_kind_name(w.kind);
  std::string id;
  id.reserve(ns.size() + kind.size() + w.name.size() + 2);
  id.append(ns).append(1, '/').append(kind).append(1, '/').append(w.name);
  return id;
}

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
      if (dn.control_plane && !cfg->allow_scheduling_on_control_planes) {
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

namespace {

CheckReport run_check_with(const CheckInputs& in, std::vector<kube::Node> observed) {
  CheckReport report;
  Diagnostics& diags = report.findings;
  static const kube::Manifests k_empty;
  const kube::Manifests& m = in.manifests != nullptr ? *in.manifests : k_empty;
  report.nodes = build_nodes(in.config, std::move(observed), in.run_gpu_analysis, diags);
  const auto& nodes = report.nodes;

  // Node names are unique unless talconfig repeats a hostname; rules that speak of a node by
  // name look at every node of that name.
  // first_named[name] is the first node of a name, next_named[i] the next node of node i's name.
  constexpr size_t k_none = static_cast<size_t>(-1);
  std::unordered_map<std::string_view, size_t> first_named;
  first_named.reserve(nodes.size());
  std::vector<size_t> next_named(nodes.size(), k_none);
  for (size_t i = nodes.size(); i-- > 0;) {
    auto [it, inserted] = first_named.try_emplace(nodes[i].node.name, i);
    if (!inserted) {
      next_named[i] = it->second;
      it->second = i;
    }
  }
  auto first_of_name = [&](size_t i) { return first_named.at(nodes[i].node.name); };
  // Every node of node i's name, in node order.
  auto same_name = [&](size_t i) {
    std::vector<size_t> out;
    for (size_t j = first_of_name(i); j != k_none; j = next_named[j]) {
      out.push_back(j);
    }
    return out;
  };

  kube::FitOptions base_opts;
  base_opts.runtime_classes = &m.runtime_classes;
  base_opts.time_slicing_replicas = m.gpu_time_slicing_replicas();

  // Group nodes by shape.
  const ShapeLabels shape_labels(selectable_label_keys(m));
  auto fleet = std::make_shared<Fleet>();
  std::vector<int64_t> gpu_counts(nodes.size(), 0);
  std::unordered_multimap<size_t, size_t> shapes_by_hash;  // shape hash -> shape
  std::vector<size_t> shape_rep;                          // representative node per shape
  fleet->shape_of.resize(nodes.size());
  fleet->names.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const kube::Node& n = nodes[i].node;
    fleet->names.push_back(n.name);
    gpu_counts[i] = kube::node_gpu_count(n, base_opts.time_slicing_replicas).count.value_or(0);
    const size_t h = shape_hash(n, gpu_counts[i], shape_labels);
    size_t shape = shape_rep.size();
    for (auto [it, end] = shapes_by_hash.equal_range(h); it != end; ++it) {
      const size_t rep = shape_rep[it->second];
      if (same_shape(n, gpu_counts[i], nodes[rep].node, gpu_counts[rep], shape_labels)) {
        shape = it->second;
        break;
      }
    }
    if (shape == shape_rep.size()) {
      shapes_by_hash.emplace(h, shape);
      shape_rep.push_back(i);
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
  const size_t n_shapes = shape_rep.size();
  report.node_shapes = n_shapes;
  report.fleet = fleet;
  // Per-shape facts the rules aggregate over (GPU count and the GPU flag are part of the shape).
  std::vector<int64_t> shape_gpus(n_shapes, 0);
  std::vector<bool> shape_is_gpu(n_shapes, false);
  for (size_t s = 0; s < n_shapes; ++s) {
    shape_gpus[s] = gpu_counts[shape_rep[s]];
    shape_is_gpu[s] = nodes[shape_rep[s]].is_gpu;
  }

  // Placement: one fit per (workload, shape); per node only for name-pinned workloads.
  auto reason_of = [](kube::FitResult&& r) -> std::string {
    if (r.fit) {
      return {};
    }
    return r.message.empty() ? std::string(kube::fit_failure_id(r.failure)) : std::move(r.message);
  };
  report.placements.reserve(m.workloads.size());
  for (const auto& w : m.workloads) {
    Placement p;
    p.workload = workload_id(w);
    p.object = &w;
    NodeFit& f = p.fits;
    f.fleet = fleet;
    kube::FitOptions opts = base_opts;
    opts.daemon_set = w.is_daemon_set();
    // The node-independent admission steps of kube::fits (RuntimeClass merge, nvidia.com/gpu
    // validation), once per workload; a rejection there is every node's reason.
    const kube::PodTemplate* pod = &w.pod;
    kube::RuntimeClassAdmission adm;
    std::string rejected_by_admission;
    if (opts.runtime_classes != nullptr && w.pod.runtime_class_name) {
      adm = kube::admit_runtime_class(w.pod, *opts.runtime_classes);
      if (adm) {
        pod = &adm.pod;
      } else {
        rejected_by_admission = !adm.error.empty() ? adm.error
                                : kube::fit_failure_id(adm.runtime_class == nullptr
                                                           ? kube::FitFailure::runtime_class_missing
                                                           : kube::FitFailure::runtime_class_conflict);
      }
    }
    if (rejected_by_admission.empty() && opts.check_gpus) {
      for (const auto& problem : kube::validate_resources(*pod)) {
        if (problem.field.find(kube::k_gpu_resource) != std::string::npos) {
          rejected_by_admission = fmt::format("{}: {}", problem.field, problem.message);
          break;
        }
      }
    }
    opts.admitted = true;
    auto fit_on = [&](const kube::Node& n) {
      return rejected_by_admission.empty() ? reason_of(kube::fits(*pod, n, opts)) : rejected_by_admission;
    };
    f.per_node = needs_per_node_fit(w, m);
    if (f.per_node) {
      f.reason.reserve(nodes.size());
      for (size_t i = 0; i < nodes.size(); ++i) {
        f.reason.push_back(fit_on(nodes[i].node));
        f.count += f.reason.back().empty() ? 1 : 0;
      }
      report.fit_evaluations += nodes.size();
    } else {
      f.reason.reserve(n_shapes);
      for (size_t s = 0; s < n_shapes; ++s) {
        f.reason.push_back(fit_on(nodes[shape_rep[s]].node));
        f.count += f.reason.back().empty() ? fleet->shape_nodes[s].size() : 0;
      }
      report.fit_evaluations += n_shapes;
    }
    report.placements.push_back(std::move(p));
  }

  // ---- Workload rules ----------------------------------------------------------------------
  std::vector<size_t> driver_nodes;  // nodes with GPU driver facts, by name
  for (size_t i : fleet->by_name) {
    if (nodes[i].gpu && !nodes[i].gpu->driver.empty()) {
      driver_nodes.push_back(i);
    }
  }
  bool any_gpu_request = false;
  std::vector<bool> gpu_workload(m.workloads.size(), false);
  std::unordered_map<std::string, nvidia::CudaCheck> cuda_cache;
  for (size_t wi = 0; wi < m.workloads.size(); ++wi) {
    const auto& w = m.workloads[wi];
    const auto& pod = w.pod;
    const Placement& p = report.placements[wi];
    const std::string& id = p.workload;  // workload_id(w)
    bool requests_gpu = kube::requests_resource(pod);
    bool nvidia_runtime = is_nvidia_runtime(pod, m);
    bool is_gpu = requests_gpu || nvidia_runtime;
    gpu_workload[wi] = is_gpu;
    any_gpu_request = any_gpu_request || requests_gpu;
    bool admission_error = false;

    if (pod.runtime_class_name) {
      auto adm = kube::admit_runtime_class(pod, m.runtime_classes);
      if (!adm.admitted) {
        admission_error = true;
        bool missing = kube::find_runtime_class(m.runtime_classes, *pod.runtime_class_name) == nullptr;
        diags.error(missing ? "sched-runtimeclass-missing" : "sched-runtimeclass-conflict",
                    fmt::format("{}: {}", id, adm.error),
                    adm.location.empty() ? pod.runtime_class_location : adm.location);
      }
    }
    for (const auto& problem : kube::validate_resources(pod, w.kind == kube::WorkloadKind::pod)) {
      if (problem.field.find("nvidia.com/") == std::string::npos) {
        continue;
      }
      admission_error = true;
      diags.error("sched-gpu-resources", fmt::format("{}: {}: {}", id, problem.field, problem.message),
                  problem.location.empty() ? w.location : problem.location);
    }
    if (!pod.node_name.empty() && first_named.count(pod.node_name) == 0 && !nodes.empty()) {
      diags.error("sched-node-name-unknown",
                  fmt::format("{}: spec.nodeName '{}' is not a declared or observed node", id, pod.node_name),
                  pod.node_name_location.empty() ? w.location : pod.node_name_location);
      admission_error = true;
    }
    if (p.fits.empty() && !nodes.empty() && !admission_error) {
      std::string msg = fmt::format("no node fits {}: {}", id, scheduler_summary(p.reason_counts(), nodes.size()));
      if (is_gpu) {
        diags.error("sched-no-node-fits", msg, w.location);
      } else {
        diags.warning("sched-no-node-fits", msg, w.location);
      }
    }

    // Pod Security at the namespace's levels.
    const kube::Namespace* ns = m.find_namespace(w.namespace_.empty() ? "default" : w.namespace_);
    kube::NamespacePolicy policy = kube::namespace_policy(ns);
    if (policy.enforce.level != kube::PsaLevel::privileged) {
      auto r = kube::evaluate_pod_security(pod, policy.enforce);
      if (!r.allowed) {
        diags.error("psa-enforce", fmt::format("{}: {}", id, r.message(policy.enforce)), w.location);
      }
    }
    if (policy.warn.level != kube::PsaLevel::privileged && policy.warn.str() != policy.enforce.str()) {
      auto r = kube::evaluate_pod_security(pod, policy.warn);
      if (!r.allowed) {
        diags.warning("psa-warn", fmt::format("{}: {}", id, r.message(policy.warn)), w.location);
      }
    }

    // CUDA image vs the driver of each GPU node it fits.
    if (is_gpu) {
      for (const auto* c : pod.all_containers()) {
        auto ref = nvidia::ImageRef::parse(c->image);
        if (!ref) {
          continue;
        }
        auto tag = nvidia::cuda_from_tag(*ref);
        std::map<std::string, std::string> env;
        for (const auto& e : c->env) {
          if (e.value) {
            env[e.name] = *e.value;
          }
        }
        auto needs = nvidia::image_needs(tag ? std::optional(tag->cuda) : std::nullopt,
                                         tag && tag->source == nvidia::CudaSource::official_tag, env);
        if (!needs.cuda && needs.requires_.empty()) {
          continue;
        }
        // Only nodes with known driver facts (declared GPU nodes), in name order.
        for (size_t di : driver_nodes) {
          if (!p.fits_node(di)) {
            continue;
          }
          const NodeInfo& ni = nodes[di];
          const std::string& node_name = ni.node.name;
          std::string brand = brand_of(ni.node);
          nvidia::DriverFacts facts{ni.gpu->driver, ni.gpu->cuda, brand, {}};
          std::string key = c->image + '\x1f' + ni.gpu->driver + '\x1f' + brand;
          for (const auto& [k, v] : env) {
            key += '\x1f' + k + '=' + v;
          }
          auto it = cuda_cache.find(key);
          if (it == cuda_cache.end()) {
            it = cuda_cache.emplace(key, nvidia::check_cuda(needs, facts, nvidia::gpu_class_of_brand(brand))).first;
          }
          const auto& verdict = it->second;
          std::string msg = fmt::format("{}: container '{}' on {}: {}", id, c->name, node_name, verdict.message);
          SourceLocation loc = c->image_location.empty() ? c->location : c->image_location;
          switch (verdict.verdict) {
            case nvidia::CudaVerdict::wont_start:
            case nvidia::CudaVerdict::cuda_fails:
              diags.error("cuda-driver-incompatible", msg, loc);
              break;
            case nvidia::CudaVerdict::minor_compat:
              diags.warning("cuda-minor-compat", msg, loc);
              break;
            case nvidia::CudaVerdict::forward_compat:
              diags.warning("cuda-forward-compat", msg, loc);
              break;
            case nvidia::CudaVerdict::ok:
            case nvidia::CudaVerdict::unknown:
              break;
          }
        }
      }
    }

    // Pinned to GPU nodes but cannot see a GPU.
    bool pinned = !pod.node_selector.empty() || !pod.node_name.empty() ||
                  (pod.node_affinity && pod.node_affinity->required);
    if (!is_gpu && pinned && !p.fits.empty() && !is_device_plugin(w)) {
      bool all_gpu = true;
      if (p.fits.per_node) {
        for (size_t i = 0; i < nodes.size() && all_gpu; ++i) {
          all_gpu = !p.fits_node(i) || nodes[i].is_gpu;
        }
      } else {
        for (size_t s = 0; s < n_shapes && all_gpu; ++s) {
          all_gpu = !p.fits.reason[s].empty() || shape_is_gpu[s];
        }
      }
      if (all_gpu) {
        diags.warning("workload-gpu-invisible",
                      fmt::format("{} runs only on GPU nodes ({}) but neither requests nvidia.com/gpu nor uses the "
                                  "nvidia RuntimeClass: it will not see the GPU",
                                  id, join_names(p.fits.names())),
                      w.location);
      }
    }
  }

  // Rough GPU capacity: workloads that can only land on the same set of GPU nodes. A fit set is
  // keyed canonically by the shapes it covers whole plus the nodes it holds outside those, so the
  // grouping costs O(shapes) per workload (O(nodes) only for name-pinned ones).
  {
    using FitSetKey = std::pair<std::vector<bool>, std::vector<size_t>>;
    std::map<FitSetKey, std::pair<int64_t, std::vector<size_t>>> demand;
    for (size_t wi = 0; wi < m.workloads.size(); ++wi) {
      const auto& w = m.workloads[wi];
      const auto& p = report.placements[wi];
      if (w.is_daemon_set() || p.fits.empty()) {
        continue;
      }
      int64_t per_pod = kube::pod_request(w.pod);
      if (per_pod <= 0) {
        continue;
      }
      FitSetKey key;
      key.first.assign(n_shapes, false);
      if (p.fits.per_node) {
        for (size_t s = 0; s < n_shapes; ++s) {
          const auto& members = fleet->shape_nodes[s];
          bool whole = std::all_of(members.begin(), members.end(), [&](size_t i) { return p.fits_node(i); });
          key.first[s] = whole;
          if (!whole) {
            for (size_t i : members) {
              if (p.fits_node(i)) {
                key.second.push_back(i);
              }
            }
          }
        }
        std::sort(key.second.begin(), key.second.end());
      } else {
        for (size_t s = 0; s < n_shapes; ++s) {
          key.first[s] = p.fits.reason[s].empty();
        }
      }
      int64_t replicas = w.replicas.value_or(1);
      auto& d = demand[key];
      d.first += per_pod * replicas;
      d.second.push_back(wi);
    }
    // Warnings in the order of the fit sets' sorted node names.
    std::vector<std::pair<std::vector<std::string>, Diagnostic>> short_sets;
    for (const auto& [key, d] : demand) {
      int64_t supply = 0;
      for (size_t s = 0; s < n_shapes; ++s) {
        if (key.first[s]) {
          supply += shape_gpus[s] * static_cast<int64_t>(fleet->shape_nodes[s].size());
        }
      }
      for (size_t i : key.second) {
        supply += gpu_counts[i];
      }
      if (d.first > supply) {
        std::vector<std::string> fit_set = report.placements[d.second.front()].fits.names();
        const auto& first = m.workloads[d.second.front()];
        Diagnostics one;
        one.warning("sched-gpu-capacity",
                    fmt::format("{} GPU(s) requested by {} workload(s) that fit only {} ({} GPU(s))", d.first,
                                d.second.size(), join_names(fit_set), supply),
                    first.location);
        short_sets.emplace_back(std::move(fit_set), one.items().front());
      }
    }
    std::sort(short_sets.begin(), short_sets.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [names, d] : short_sets) {
      diags.add(std::move(d));
    }
  }

  // ---- NVIDIA cluster rules ----------------------------------------------------------------
  std::vector<size_t> gpu_nodes;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].is_gpu) {
      gpu_nodes.push_back(i);
    }
  }
  bool have_manifests = !m.files.empty();
  if (!gpu_nodes.empty() && have_manifests) {
    const kube::RuntimeClass* named = m.find_runtime_class("nvidia");
    bool any_handler = std::any_of(m.runtime_classes.begin(), m.runtime_classes.end(),
                                   [](const kube::RuntimeClass& rc) { return rc.handler == "nvidia"; });
    const NodeInfo& first_gpu = nodes[gpu_nodes.front()];
    if (named != nullptr && named->handler != "nvidia") {
      diags.error("nvidia-runtimeclass",
                  fmt::format("RuntimeClass 'nvidia' has handler '{}', but the NVIDIA container toolkit registers the "
                              "containerd runtime 'nvidia'",
                              named->handler),
                  named->handler_location.empty() ? named->location : named->handler_location);
    } else if (named == nullptr && !any_handler) {
      diags.error("nvidia-runtimeclass",
                  fmt::format("no RuntimeClass with handler 'nvidia' in the manifests, but {} is a GPU node",
                              first_gpu.node.name),
                  first_gpu.node.location);
    }

    // Device plugin coverage.
    std::vector<size_t> plugins;
    for (size_t wi = 0; wi < m.workloads.size(); ++wi) {
      if (is_device_plugin(m.workloads[wi])) {
        plugins.push_back(wi);
      }
    }
    if (plugins.empty()) {
      if (any_gpu_request) {
        for (size_t wi = 0; wi < m.workloads.size(); ++wi) {
          if (kube::requests_resource(m.workloads[wi].pod)) {
            diags.warning("nvidia-device-plugin-missing",
                          fmt::format("{} requests nvidia.com/gpu, but no NVIDIA device plugin DaemonSet is in the "
                                      "manifests to advertise it",
                                      workload_id(m.workloads[wi])),
                          m.workloads[wi].location);
            break;
          }
        }
      }
    } else {
      // O(GPU nodes x plugins), each test a lookup in the plugin's per-shape fit.
      for (size_t gi : gpu_nodes) {
        const std::string& name = nodes[gi].node.name;
        bool covered = false;
        for (size_t i : same_name(gi)) {
          covered = covered || std::any_of(plugins.begin(), plugins.end(),
                                           [&](size_t wi) { return report.placements[wi].fits_node(i); });
        }
        if (!covered) {
          const auto& w = m.workloads[plugins.front()];
          diags.error("nvidia-device-plugin-coverage",
                      fmt::format("{} cannot run on GPU node {}: {}", workload_id(w), name,
                                  report.placements[plugins.front()].reason_of(first_of_name(gi))),
                      w.location);
        }
      }
    }

    // GPU nodes no GPU workload can use.
    if (!m.workloads.empty()) {
      // Used shapes (and nodes, for name-pinned workloads): O(workloads x shapes).
      std::vector<bool> shape_used(n_shapes, false);
      std::vector<bool> node_used(nodes.size(), false);
      for (size_t wi = 0; wi < m.workloads.size(); ++wi) {
        if (!gpu_workload[wi] || is_device_plugin(m.workloads[wi])) {
          continue;
        }
        const auto& p = report.placements[wi];
        if (p.fits.per_node) {
          for (size_t i = 0; i < nodes.size(); ++i) {
            node_used[i] = node_used[i] || p.fits_node(i);
          }
        } else {
          for (size_t s = 0; s < n_shapes; ++s) {
            shape_used[s] = shape_used[s] || p.fits.reason[s].empty();
          }
        }
      }
      for (size_t gi : gpu_nodes) {
        const std::string& name = nodes[gi].node.name;
        // A name held by several nodes: membership by name, as the sorted name list had it.
        bool used = false;
        for (size_t i : same_name(gi)) {
          used = used || shape_used[fleet->shape_of[i]] || node_used[i];
        }
        if (!used) {
          diags.warning("node-gpu-unused",
                        fmt::format("GPU node {}: no GPU workload in the manifests can be scheduled on it", name),
                        nodes[gi].node.location);
        }
      }
    }
  }

  // ---- Declared node rules ------------------------------------------------------------------
  if (in.config != nullptr) {
    for (const auto& ni : nodes) {
      if (ni.declared == nullptr) {
        continue;
      }
      const talhelper::Node& dn = *ni.declared;
      PatchFacts pf = patch_facts(*in.config, dn);
      if (!dn.control_plane) {
        for (const auto& [key, loc] : pf.node_taints) {
          diags.error("node-taints-noderestriction",
                      fmt::format("{}: machine.nodeTaints '{}' on a worker is rejected by NodeRestriction, and the "
                                  "refused update drops the node's labels too",
                                  dn.hostname, key),
                      loc, "set worker taints with talconfig nodeTaints (generated as registerWithTaints)");
        }
        for (const auto& kv : dn.node_taints) {
          diags.note("node-taints-noderestriction",
                     fmt::format("{}: taint '{}' on a worker is applied through registerWithTaints when the node "
                                 "registers; later changes need 'kubectl taint' as an admin",
                                 dn.hostname, kv.key),
                     kv.location);
        }
        for (const auto& kv : dn.node_labels) {
          if (kube::is_forbidden_node_label(kv.key)) {
            diags.error("node-label-forbidden",
                        fmt::format("{}: label '{}' cannot be set by the node itself: {}", dn.hostname, kv.key,
                                    kube::forbidden_node_label_reason(kv.key)),
                        kv.location);
          }
        }
      }
      if (!ni.gpu || !ni.gpu->gpu) {
        continue;
      }
      const auto& g = *ni.gpu;
      // All four modules (an empty list is gpu-kernel-modules-missing, from the GPU analysis).
      if (!g.kernel_modules.empty()) {
        std::vector<std::string> missing;
        for (const auto& mod : k_nvidia_modules) {
          if (std::find(g.kernel_modules.begin(), g.kernel_modules.end(), mod) == g.kernel_modules.end()) {
            missing.push_back(mod);
          }
        }
        if (!missing.empty()) {
          diags.error("nvidia-kernel-modules",
                      fmt::format("{}: the NVIDIA modules {} are not loaded (machine.kernel.modules)", dn.hostname,
                                  join_names(missing)),
                      dn.location);
        }
      }
      bool has_toolkit = std::any_of(g.extensions.begin(), g.extensions.end(), [](const std::string& e) {
        return e.find("nvidia-container-toolkit") != std::string::npos;
      });
      if (has_toolkit) {
        if (!pf.bpf_jit_harden) {
          diags.error("nvidia-bpf-jit-harden",
                      fmt::format("{}: net.core.bpf_jit_harden stays at Talos's default 2; the NVIDIA container "
                                  "toolkit cannot add device rules",
                                  dn.hostname),
                      dn.location, "add `machine.sysctls: {net.core.bpf_jit_harden: 1}` to the node's patches");
        } else if (*pf.bpf_jit_harden != "1" && *pf.bpf_jit_harden != "0") {
          diags.error("nvidia-bpf-jit-harden",
                      fmt::format("{}: net.core.bpf_jit_harden is {}; the NVIDIA container toolkit needs 1",
                                  dn.hostname, *pf.bpf_jit_harden),
                      pf.bpf_location);
        }
      }
      // The installer must carry this node's extensions.
      auto plain_installer = [](std::string_view img) {
        return img.rfind("ghcr.io/siderolabs/installer", 0) == 0;
      };
      if (pf.install_image) {
        auto id = nvidia::installer_url_schematic_id(*pf.install_image);
        if (plain_installer(*pf.install_image) || !id || (!g.schematic_id.empty() && *id != g.schematic_id)) {
          diags.error("nvidia-installer-image",
                      fmt::format("{}: machine.install.image '{}' is not the factory installer of the node's "
                                  "schematic{}; upgrades drop the NVIDIA extensions",
                                  dn.hostname, *pf.install_image,
                                  g.schematic_id.empty() ? "" : fmt::format(" ({})", g.schematic_id)),
                      pf.install_image_location);
        }
      } else if (!dn.talos_image_url.empty()) {
        auto id = nvidia::installer_url_schematic_id(dn.talos_image_url);
        std::string declared_id;
        if (dn.schematic) {
          Diagnostics ignore;
          if (auto s = imagefactory::read_schematic(*dn.schematic, ignore)) {
            declared_id = imagefactory::schematic_id(*s);
          }
        }
        if (plain_installer(dn.talos_image_url) || (id && !declared_id.empty() && *id != declared_id)) {
          diags.error("nvidia-installer-image",
                      fmt::format("{}: talosImageURL '{}' is not the factory installer of the node's schematic{}; "
                                  "upgrades drop the NVIDIA extensions",
                                  dn.hostname, dn.talos_image_url,
                                  declared_id.empty() ? "" : fmt::format(" ({})", declared_id)),
                      dn.talos_image_url_location.empty() ? dn.location : dn.talos_image_url_location);
        }
      }
    }
  }

  diags.sort();
  return report;
}

}  // namespace

CheckReport run_check(const CheckInputs& in) {
  return run_check_with(in, in.observed);
}

CheckReport run_check(CheckInputs&& in) {
  std::vector<kube::Node> observed = std::move(in.observed);
  return run_check_with(in, std::move(observed));
}

}  // namespace talgpu::check
