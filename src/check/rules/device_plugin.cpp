// The cluster side of the GPU nodes: a RuntimeClass whose handler is the NVIDIA toolkit's
// containerd runtime, a device plugin DaemonSet that lands on every GPU node (or nothing
// advertises nvidia.com/gpu there), and GPU nodes some GPU workload can use.

#include <algorithm>

#include <fmt/format.h>

#include <check/rules/registry.hpp>
#include <kube/resources.hpp>

namespace talgpu::check {

namespace {

void runtime_class_rule(const CheckContext& ctx, Diagnostics& diags) {
  const kube::Manifests& m = ctx.manifests;
  const kube::RuntimeClass* named = m.find_runtime_class("nvidia");
  bool any_handler = std::any_of(m.runtime_classes.begin(), m.runtime_classes.end(),
                                 [](const kube::RuntimeClass& rc) { return rc.handler == "nvidia"; });
  const NodeInfo& first_gpu = ctx.nodes[ctx.gpu_nodes.front()];
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
}

void coverage_rule(const CheckContext& ctx, Diagnostics& diags) {
  const kube::Manifests& m = ctx.manifests;
  std::vector<size_t> plugins;
  for (size_t wi = 0; wi < m.workloads.size(); ++wi) {
    if (is_device_plugin(m.workloads[wi])) {
      plugins.push_back(wi);
    }
  }
  if (plugins.empty()) {
    if (!ctx.any_gpu_request) {
      return;
    }
    for (const auto& w : m.workloads) {
      if (kube::requests_resource(w.pod)) {
        diags.warning("nvidia-device-plugin-missing",
                      fmt::format("{} requests nvidia.com/gpu, but no NVIDIA device plugin DaemonSet is in the "
                                  "manifests to advertise it",
                                  workload_id(w)),
                      w.location);
        return;
      }
    }
    return;
  }
  // O(GPU nodes x plugins), each test a lookup in the plugin's per-shape fit.
  for (size_t gi : ctx.gpu_nodes) {
    bool covered = false;
    for (size_t i : ctx.same_name(gi)) {
      covered = covered || std::any_of(plugins.begin(), plugins.end(),
                                       [&](size_t wi) { return ctx.placements[wi].fits_node(i); });
    }
    if (!covered) {
      const auto& w = m.workloads[plugins.front()];
      diags.error("nvidia-device-plugin-coverage",
                  fmt::format("{} cannot run on GPU node {}: {}", workload_id(w), ctx.nodes[gi].node.name,
                              ctx.placements[plugins.front()].reason_of(ctx.first_of_name(gi))),
                  w.location);
    }
  }
}

// GPU nodes no GPU workload can use: O(workloads x shapes), per node only for name-pinned ones.
void unused_rule(const CheckContext& ctx, Diagnostics& diags) {
  const kube::Manifests& m = ctx.manifests;
  if (m.workloads.empty()) {
    return;
  }
  std::vector<bool> shape_used(ctx.shapes(), false);
  std::vector<bool> node_used(ctx.nodes.size(), false);
  for (size_t wi = 0; wi < m.workloads.size(); ++wi) {
    if (!ctx.gpu_workload[wi] || is_device_plugin(m.workloads[wi])) {
      continue;
    }
    const auto& p = ctx.placements[wi];
    if (p.fits.per_node) {
      for (size_t i = 0; i < ctx.nodes.size(); ++i) {
        node_used[i] = node_used[i] || p.fits_node(i);
      }
    } else {
      for (size_t s = 0; s < ctx.shapes(); ++s) {
        shape_used[s] = shape_used[s] || p.fits.reason[s].empty();
      }
    }
  }
  for (size_t gi : ctx.gpu_nodes) {
    // A name held by several nodes: membership by name, as the sorted name list had it.
    bool used = false;
    for (size_t i : ctx.same_name(gi)) {
      used = used || shape_used[ctx.fleet.shape_of[i]] || node_used[i];
    }
    if (!used) {
      diags.warning("node-gpu-unused",
                    fmt::format("GPU node {}: no GPU workload in the manifests can be scheduled on it",
                                ctx.nodes[gi].node.name),
                    ctx.nodes[gi].node.location);
    }
  }
}

}  // namespace

void rules_device_plugin(const CheckContext& ctx, Diagnostics& diags) {
  if (ctx.gpu_nodes.empty() || ctx.manifests.files.empty()) {
    return;
  }
  runtime_class_rule(ctx, diags);
  coverage_rule(ctx, diags);
  unused_rule(ctx, diags);
}

}  // namespace talgpu::check
