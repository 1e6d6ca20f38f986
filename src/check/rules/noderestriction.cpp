// What a worker's kubelet may set on its own Node object: the NodeRestriction admission plugin
// refuses node taints set through the node's update and labels in the reserved namespaces
// (kube/noderestriction.hpp restates the plugin).

#include <fmt/format.h>

#include <check/patch_facts.hpp>
#include <check/rules/registry.hpp>
#include <kube/noderestriction.hpp>

namespace talgpu::check {

void rules_noderestriction(const CheckContext& ctx, Diagnostics& diags) {
  if (ctx.config == nullptr) {
    return;
  }
  for (const auto& ni : ctx.nodes) {
    if (ni.declared == nullptr || ni.declared->control_plane) {
      continue;
    }
    const talhelper::Node& dn = *ni.declared;
    PatchFacts pf = patch_facts(*ctx.config, dn);
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
}

}  // namespace talgpu::check
