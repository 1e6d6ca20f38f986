// Which containerd runtime a GPU pod gets on the nodes it can land on.
//
// - A pod whose RuntimeClass has handler `nvidia` fails on a node without the NVIDIA container
//   toolkit: containerd answers `no runtime for "nvidia" is configured` (containerd
//   internal/cri/server/podsandbox: the handler must be a configured runtime). The RuntimeClass
//   admission plugin (kubernetes plugin/pkg/admission/runtimeclass/admission.go) only merges
//   `scheduling.nodeSelector` and `scheduling.tolerations` into the pod; a class without
//   `scheduling` (the form in Talos's NVIDIA guide) restricts nothing, so the pod must select
//   the GPU nodes itself.
// - A pod that requests nvidia.com/gpu without that RuntimeClass runs under the node's default
//   runtime, runc on Talos. NVIDIA's device plugin passes the allocated GPUs with its default
//   DEVICE_LIST_STRATEGY=envvar as NVIDIA_VISIBLE_DEVICES (k8s-device-plugin README, "envvar"),
//   which only the NVIDIA runtime acts on: under runc the container gets no device nodes and no
//   driver libraries. CDI strategies (cdi-annotations, cdi-cri) inject devices through containerd
//   instead, and a node whose containerd default runtime is `nvidia` needs no class.

#include <algorithm>

#include <fmt/format.h>

#include <check/patch_facts.hpp>
#include <check/rules/registry.hpp>
#include <kube/resources.hpp>

namespace talgpu::check {

namespace {

// The node has the containerd runtime "nvidia": a declared node whose image carries the NVIDIA
// container toolkit (or whose NVIDIA extensions could not be listed: unknown counts as present,
// gpu-unverified says so); an observed node reported as a GPU node.
bool has_nvidia_runtime(const NodeInfo& ni) {
  if (ni.gpu && ni.gpu->gpu) {
    if (ni.gpu->extensions.empty()) {
      return true;
    }
    return std::any_of(ni.gpu->extensions.begin(), ni.gpu->extensions.end(),
                       [](const std::string& e) { return e.find("nvidia-container-toolkit") != std::string::npos; });
  }
  return ni.declared == nullptr && ni.is_gpu;
}

std::string some_names(std::vector<std::string> names) {
  constexpr size_t k_shown = 6;
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (names.size() <= k_shown) {
    return join_names(names);
  }
  size_t more = names.size() - k_shown;
  names.resize(k_shown);
  return fmt::format("{} and {} more", join_names(names), more);
}

// Nodes `p` fits on that fail `ok`, by name: O(shapes) plus the nodes of mixed shapes.
std::vector<std::string> fitting_nodes_without(const CheckContext& ctx, const Placement& p,
                                               const std::vector<bool>& ok, const std::vector<int>& shape_ok) {
  std::vector<std::string> out;
  if (p.fits.per_node) {
    for (size_t i = 0; i < ctx.nodes.size(); ++i) {
      if (p.fits_node(i) && !ok[i]) {
        out.push_back(ctx.nodes[i].node.name);
      }
    }
    return out;
  }
  for (size_t s = 0; s < ctx.shapes(); ++s) {
    if (!p.fits.reason[s].empty() || shape_ok[s] == 1) {
      continue;
    }
    for (size_t i : ctx.fleet.shape_nodes[s]) {
      if (!ok[i]) {
        out.push_back(ctx.nodes[i].node.name);
      }
    }
  }
  return out;
}

bool device_plugin_uses_cdi(const kube::Manifests& m) {
  for (const auto& w : m.workloads) {
    if (!is_device_plugin(w)) {
      continue;
    }
    for (const auto& c : w.pod.containers) {
      const kube::EnvVar* e = c.find_env("DEVICE_LIST_STRATEGY");
      if (e != nullptr && e->value && e->value->find("cdi") != std::string::npos) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

void rules_nvidia_runtime(const CheckContext& ctx, Diagnostics& diags) {
  const kube::Manifests& m = ctx.manifests;
  if (ctx.nodes.empty() || m.workloads.empty()) {
    return;
  }
  // Per node: the nvidia runtime exists; it is containerd's default. Per shape: 1 all, 0 mixed/none.
  std::vector<bool> runtime(ctx.nodes.size());
  std::vector<bool> default_nvidia(ctx.nodes.size(), false);
  for (size_t i = 0; i < ctx.nodes.size(); ++i) {
    runtime[i] = has_nvidia_runtime(ctx.nodes[i]);
    if (ctx.config != nullptr && ctx.nodes[i].declared != nullptr && runtime[i]) {
      default_nvidia[i] = patch_facts(*ctx.config, *ctx.nodes[i].declared).default_runtime_nvidia;
    }
  }
  std::vector<int> shape_runtime(ctx.shapes(), 1);
  for (size_t s = 0; s < ctx.shapes(); ++s) {
    for (size_t i : ctx.fleet.shape_nodes[s]) {
      shape_runtime[s] = shape_runtime[s] != 0 && runtime[i] ? 1 : 0;
    }
  }
  const bool cdi = device_plugin_uses_cdi(m);
  for (size_t wi = 0; wi < m.workloads.size(); ++wi) {
    const auto& w = m.workloads[wi];
    const Placement& p = ctx.placements[wi];
    if (is_nvidia_runtime(w.pod, m)) {
      std::vector<std::string> lacking = fitting_nodes_without(ctx, p, runtime, shape_runtime);
      if (!lacking.empty()) {
        diags.error("nvidia-runtime-unavailable",
                    fmt::format("{} uses RuntimeClass '{}' (handler nvidia) and can be scheduled on {}, which "
                                "have no NVIDIA container toolkit: there it fails with \"no runtime for \\\"nvidia\\\" "
                                "is configured\"",
                                p.workload, *w.pod.runtime_class_name, some_names(std::move(lacking))),
                    w.pod.runtime_class_location.empty() ? w.location : w.pod.runtime_class_location,
                    fmt::format("add scheduling.nodeSelector (the GPU nodes' label) to RuntimeClass '{}', or a "
                                "nodeSelector to the pod",
                                *w.pod.runtime_class_name));
      }
      continue;
    }
    if (cdi || is_device_plugin(w) || !kube::requests_resource(w.pod)) {
      continue;
    }
    // GPU nodes it may run on (all GPU nodes when it fits none: it is wrong wherever it lands).
    std::vector<std::string> runc_nodes;
    for (size_t gi : ctx.gpu_nodes) {
      if ((p.fits.empty() || p.fits_node(gi)) && !default_nvidia[gi]) {
        runc_nodes.push_back(ctx.nodes[gi].node.name);
      }
    }
    if (!runc_nodes.empty()) {
      diags.error("gpu-request-without-runtime",
                  fmt::format("{} requests nvidia.com/gpu without runtimeClassName: nvidia; on {} the default "
                              "runtime is runc, and the device plugin only sets NVIDIA_VISIBLE_DEVICES, so the "
                              "container gets no GPU device and no driver",
                              p.workload, some_names(std::move(runc_nodes))),
                  w.pod.location.empty() ? w.location : w.pod.location,
                  "set spec.runtimeClassName: nvidia (with RuntimeClass nvidia, handler nvidia)");
    }
  }
}

}  // namespace talgpu::check
