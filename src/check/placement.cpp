// Placement: where each workload fits. One fit per (workload, node shape); per node only for the
// few workloads that look at node names. The node-independent admission steps (RuntimeClass merge,
// nvidia.com/gpu validation) run once per workload; a rejection there is every node's reason.

#include <check/fleet.hpp>

#include <algorithm>
#include <limits>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include <check/context.hpp>
#include <kube/resources.hpp>
#include <kube/runtimeclass.hpp>
#include <kube/scheduling.hpp>

namespace talgpu::check {

namespace {

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

std::string reason_of(kube::FitResult&& r) {
  if (r.fit) {
    return {};
  }
  return r.message.empty() ? std::string(kube::fit_failure_id(r.failure)) : std::move(r.message);
}

// Admission (RuntimeClass merge, GPU resource validation): empty when admitted, else the reason
// every node gives. `pod` is pointed at the merged pod.
std::string admit(const kube::Workload& w, const kube::FitOptions& opts, kube::RuntimeClassAdmission& adm,
                  const kube::PodTemplate*& pod) {
  pod = &w.pod;
  if (opts.runtime_classes != nullptr && w.pod.runtime_class_name) {
    adm = kube::admit_runtime_class(w.pod, *opts.runtime_classes);
    if (!adm) {
      return !adm.error.empty() ? adm.error
                                : kube::fit_failure_id(adm.runtime_class == nullptr
                                                           ? kube::FitFailure::runtime_class_missing
                                                           : kube::FitFailure::runtime_class_conflict);
    }
    pod = &adm.pod;
  }
  if (opts.check_gpus) {
    for (const auto& problem : kube::validate_resources(*pod)) {
      if (kube::is_nvidia_problem(problem)) {
        return fmt::format("{}: {}", problem.field, problem.message);
      }
    }
  }
  return {};
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

namespace {

// The first `sample` nodes by name of the union of `shapes` (each shape's list is in name order).
std::vector<size_t> first_by_name(const Fleet& fleet, const std::vector<size_t>& shapes, size_t sample) {
  std::vector<size_t> out;
  for (size_t s : shapes) {
    const auto& list = fleet.shape_by_name[s];
    out.insert(out.end(), list.begin(), list.begin() + static_cast<std::ptrdiff_t>(std::min(sample, list.size())));
  }
  auto by_rank = [&](size_t a, size_t b) { return fleet.rank[a] < fleet.rank[b]; };
  if (out.size() > sample) {
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(sample), out.end(), by_rank);
    out.resize(sample);
  } else {
    std::sort(out.begin(), out.end(), by_rank);
  }
  return out;
}

void summarize_by_shape(const NodeFit& f, size_t sample, PlacementSummary& out) {
  const Fleet& fleet = *f.fleet;
  std::map<std::string_view, ReasonGroup> groups;
  for (size_t s = 0; s < f.reason.size(); ++s) {
    const std::string& r = f.reason[s];
    if (r.empty()) {
      out.fit_shapes.push_back(s);
      out.fit_count += fleet.shape_nodes[s].size();
      continue;
    }
    ReasonGroup& g = groups[r];
    g.count += fleet.shape_nodes[s].size();
    g.shapes.push_back(s);
  }
  out.fit_nodes = first_by_name(fleet, out.fit_shapes, sample);
  for (auto& [r, g] : groups) {
    g.reason = std::string(r);
    g.nodes = first_by_name(fleet, g.shapes, sample);
    out.rejected.push_back(std::move(g));
  }
}

// Node by node in name order; a repeated name counts once, with its first reason.
void summarize_by_node(const NodeFit& f, size_t sample, PlacementSummary& out) {
  const Fleet& fleet = *f.fleet;
  std::map<std::string_view, ReasonGroup> groups;
  out.total = 0;
  const std::string* last = nullptr;
  for (size_t i : fleet.by_name) {
    if (last != nullptr && *last == fleet.names[i]) {
      continue;
    }
    last = &fleet.names[i];
    ++out.total;
    const std::string& r = f.reason_of(i);
    size_t& count = r.empty() ? out.fit_count : groups[r].count;
    std::vector<size_t>& nodes = r.empty() ? out.fit_nodes : groups[r].nodes;
    ++count;
    if (nodes.size() < sample) {
      nodes.push_back(i);
    }
  }
  for (auto& [r, g] : groups) {
    g.reason = std::string(r);
    out.rejected.push_back(std::move(g));
  }
}

}  // namespace

PlacementSummary Placement::summarize(size_t sample, bool whole_when_per_node) const {
  PlacementSummary out;
  const Fleet& fleet = *fits.fleet;
  out.by_shape = !fits.per_node && fleet.unique_names;
  out.total = fleet.names.size();
  if (out.by_shape) {
    summarize_by_shape(fits, sample, out);
  } else {
    summarize_by_node(fits, whole_when_per_node ? std::numeric_limits<size_t>::max() : sample, out);
  }
  return out;
}

std::map<std::string, size_t> PlacementSummary::reason_counts() const {
  std::map<std::string, size_t> out;
  for (const auto& g : rejected) {
    out.emplace(g.reason, g.count);
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

Placement place_workload(const kube::Workload& w, const kube::Manifests& m, const std::vector<NodeInfo>& nodes,
                         const FleetShapes& shapes, const kube::FitOptions& base_opts, size_t& fit_evaluations) {
  Placement p;
  p.workload = workload_id(w);
  p.object = &w;
  NodeFit& f = p.fits;
  f.fleet = shapes.fleet;
  kube::FitOptions opts = base_opts;
  opts.daemon_set = w.is_daemon_set();
  const kube::PodTemplate* pod = nullptr;
  kube::RuntimeClassAdmission adm;
  const std::string rejected_by_admission = admit(w, opts, adm, pod);
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
    fit_evaluations += nodes.size();
  } else {
    const size_t n_shapes = shapes.shape_rep.size();
    f.reason.reserve(n_shapes);
    for (size_t s = 0; s < n_shapes; ++s) {
      f.reason.push_back(fit_on(nodes[shapes.shape_rep[s]].node));
      f.count += f.reason.back().empty() ? shapes.fleet->shape_nodes[s].size() : 0;
    }
    fit_evaluations += n_shapes;
  }
  return p;
}

}  // namespace talgpu::check
