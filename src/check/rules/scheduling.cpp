// Scheduling rules: what kube-apiserver admission and kube-scheduler decide for each workload,
// plus two aggregate views over the placements (GPU visibility and GPU capacity).

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include <check/rules/registry.hpp>
#include <kube/resources.hpp>
#include <kube/runtimeclass.hpp>
#include <kube/scheduling.hpp>

namespace talgpu::check {

void rules_scheduling(const CheckContext& ctx, Diagnostics& diags) {
  const kube::Manifests& m = ctx.manifests;
  for (size_t wi = 0; wi < m.workloads.size(); ++wi) {
    const auto& w = m.workloads[wi];
    const auto& pod = w.pod;
    const Placement& p = ctx.placements[wi];
    const std::string& id = p.workload;
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
    if (!pod.node_name.empty() && !ctx.has_node_named(pod.node_name) && !ctx.nodes.empty()) {
      diags.error("sched-node-name-unknown",
                  fmt::format("{}: spec.nodeName '{}' is not a declared or observed node", id, pod.node_name),
                  pod.node_name_location.empty() ? w.location : pod.node_name_location);
      admission_error = true;
    }
    if (p.fits.empty() && !ctx.nodes.empty() && !admission_error) {
      std::string msg =
          fmt::format("no node fits {}: {}", id, scheduler_summary(p.reason_counts(), ctx.nodes.size()));
      if (ctx.gpu_workload[wi]) {
        diags.error("sched-no-node-fits", msg, w.location);
      } else {
        diags.warning("sched-no-node-fits", msg, w.location);
      }
    }
  }
}

// Pinned to GPU nodes but cannot see a GPU.
void rules_gpu_visibility(const CheckContext& ctx, Diagnostics& diags) {
  const kube::Manifests& m = ctx.manifests;
  for (size_t wi = 0; wi < m.workloads.size(); ++wi) {
    const auto& w = m.workloads[wi];
    const auto& pod = w.pod;
    const Placement& p = ctx.placements[wi];
    bool pinned = !pod.node_selector.empty() || !pod.node_name.empty() ||
                  (pod.node_affinity && pod.node_affinity->required);
    if (ctx.gpu_workload[wi] || !pinned || p.fits.empty() || is_device_plugin(w)) {
      continue;
    }
    bool all_gpu = true;
    if (p.fits.per_node) {
      for (size_t i = 0; i < ctx.nodes.size() && all_gpu; ++i) {
        all_gpu = !p.fits_node(i) || ctx.nodes[i].is_gpu;
      }
    } else {
      for (size_t s = 0; s < ctx.shapes() && all_gpu; ++s) {
        all_gpu = !p.fits.reason[s].empty() || ctx.shape_is_gpu[s];
      }
    }
    if (all_gpu) {
      diags.warning("workload-gpu-invisible",
                    fmt::format("{} runs only on GPU nodes ({}) but neither requests nvidia.com/gpu nor uses the "
                                "nvidia RuntimeClass: it will not see the GPU",
                                p.workload, join_names(p.fits.names())),
                    w.location);
    }
  }
}

namespace {

// A fit set keyed canonically by the shapes it covers whole plus the nodes it holds outside
// those, so grouping costs O(shapes) per workload (O(nodes) only for name-pinned ones).
using FitSetKey = std::pair<std::vector<bool>, std::vector<size_t>>;

FitSetKey fit_set_key(const CheckContext& ctx, const Placement& p) {
  FitSetKey key;
  key.first.assign(ctx.shapes(), false);
  if (!p.fits.per_node) {
    for (size_t s = 0; s < ctx.shapes(); ++s) {
      key.first[s] = p.fits.reason[s].empty();
    }
    return key;
  }
  for (size_t s = 0; s < ctx.shapes(); ++s) {
    const auto& members = ctx.fleet.shape_nodes[s];
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
  return key;
}

}  // namespace

// Rough GPU capacity: workloads that can only land on the same set of GPU nodes.
void rules_gpu_capacity(const CheckContext& ctx, Diagnostics& diags) {
  const kube::Manifests& m = ctx.manifests;
  std::map<FitSetKey, std::pair<int64_t, std::vector<size_t>>> demand;
  for (size_t wi = 0; wi < m.workloads.size(); ++wi) {
    const auto& w = m.workloads[wi];
    const auto& p = ctx.placements[wi];
    if (w.is_daemon_set() || p.fits.empty()) {
      continue;
    }
    int64_t per_pod = kube::pod_request(w.pod);
    if (per_pod <= 0) {
      continue;
    }
    auto& d = demand[fit_set_key(ctx, p)];
    d.first += per_pod * w.replicas.value_or(1);
    d.second.push_back(wi);
  }
  // Warnings in the order of the fit sets' sorted node names.
  std::vector<std::pair<std::vector<std::string>, Diagnostic>> short_sets;
  for (const auto& [key, d] : demand) {
    int64_t supply = 0;
    for (size_t s = 0; s < ctx.shapes(); ++s) {
      if (key.first[s]) {
        supply += ctx.shape_gpus[s] * static_cast<int64_t>(ctx.fleet.shape_nodes[s].size());
      }
    }
    for (size_t i : key.second) {
      supply += ctx.gpu_counts[i];
    }
    if (d.first > supply) {
      std::vector<std::string> fit_set = ctx.placements[d.second.front()].fits.names();
      const auto& first = m.workloads[d.second.front()];
      Diagnostics one;
      one.warning("sched-gpu-capacity",
                  fmt::format("{} GPU(s) requested by {} workload(s) that fit only {} ({} GPU(s))", d.first,
                              d.second.size(), join_names(fit_set), supply),
                  first.location);
      short_sets.emplace_back(std::move(fit_set), one.items().front());
    }
  }
  std::sort(short_sets.begin(), short_sets.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [names, d] : short_sets) {
    diags.add(std::move(d));
  }
}

}  // namespace talgpu::check
