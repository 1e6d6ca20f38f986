// Pod Security admission at each workload's namespace levels (kube/podsecurity.hpp restates the
// upstream policy checks).

#include <fmt/format.h>

#include <check/rules/registry.hpp>
#include <kube/podsecurity.hpp>

namespace talgpu::check {

void rules_pod_security(const CheckContext& ctx, Diagnostics& diags) {
  const kube::Manifests& m = ctx.manifests;
  for (size_t wi = 0; wi < m.workloads.size(); ++wi) {
    const auto& w = m.workloads[wi];
    const std::string& id = ctx.placements[wi].workload;
    const kube::Namespace* ns = m.find_namespace(w.namespace_.empty() ? "default" : w.namespace_);
    kube::NamespacePolicy policy = kube::namespace_policy(ns);
    if (policy.enforce.level != kube::PsaLevel::privileged) {
      auto r = kube::evaluate_pod_security(w.pod, policy.enforce);
      if (!r.allowed) {
        diags.error("psa-enforce", fmt::format("{}: {}", id, r.message(policy.enforce)), w.location);
      }
    }
    if (policy.warn.level != kube::PsaLevel::privileged && policy.warn.str() != policy.enforce.str()) {
      auto r = kube::evaluate_pod_security(w.pod, policy.warn);
      if (!r.allowed) {
        diags.warning("psa-warn", fmt::format("{}: {}", id, r.message(policy.warn)), w.location);
      }
    }
  }
}

}  // namespace talgpu::check
