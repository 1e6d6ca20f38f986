// Placement: where each workload fits. One fit per (workload, node shape); per node only for the
// few workloads that look at node names. The node-independent admission steps (RuntimeClass merge,
// nvidia.com/gpu validation) run once per workload; a rejection there is every node's reason.

#include <check/fleet.hpp>

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
      if (problem.field.find(kube::k_gpu_resource) != std::string::npos) {
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
