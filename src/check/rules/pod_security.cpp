// Pod Security admission at each workload's namespace levels (kube/podsecurity.hpp restates the
// upstream policy checks). An unlabelled mode takes the cluster's default: on Talos that is
// enforce baseline, warn restricted, kube-system exempt, unless patched (pod_security_config.hpp);
// without a declaration, Kubernetes's privileged.

#include <set>

#include <fmt/format.h>

#include <check/pod_security_config.hpp>
#include <check/rules/registry.hpp>
#include <kube/podsecurity.hpp>

namespace talgpu::check {

namespace {

constexpr std::string_view k_enforce_label = "pod-security.kubernetes.io/enforce";

std::string defaults_origin(const ClusterPodSecurity& cps) {
  return cps.patched ? fmt::format("the cluster default, patched at {}", cps.location.str())
                     : std::string("Talos's cluster default");
}

}  // namespace

void rules_pod_security(const CheckContext& ctx, Diagnostics& diags) {
  const kube::Manifests& m = ctx.manifests;
  const ClusterPodSecurity cps = cluster_pod_security(ctx.config);
  std::set<std::string> unmanaged_noted;
  for (size_t wi = 0; wi < m.workloads.size(); ++wi) {
    const auto& w = m.workloads[wi];
    const std::string& id = ctx.placements[wi].workload;
    const std::string ns_name = w.namespace_.empty() ? "default" : w.namespace_;
    if (cps.exempt(ns_name, w.pod.runtime_class_name ? &*w.pod.runtime_class_name : nullptr)) {
      continue;  // exempt namespaces and runtime classes are not evaluated at all
    }
    const kube::Namespace* ns = m.find_namespace(ns_name);
    kube::NamespacePolicy policy = kube::namespace_policy(ns, cps.defaults);
    const bool enforce_default = ns == nullptr || !ns->labels.contains(k_enforce_label);
    if (cps.declared && ns == nullptr && cps.defaults.enforce.level != kube::PsaLevel::privileged &&
        unmanaged_noted.insert(ns_name).second) {
      diags.note("psa-namespace-unmanaged",
                 fmt::format("namespace '{}' ({}) is created by no manifest: it gets {} Pod Security levels "
                             "(enforce {}, warn {})",
                             ns_name, id, defaults_origin(cps), cps.defaults.enforce.str(), cps.defaults.warn.str()),
                 w.location,
                 fmt::format("create the namespace in the manifests with the labels it needs, e.g. {}=privileged",
                             k_enforce_label));
    }
    if (policy.enforce.level != kube::PsaLevel::privileged) {
      auto r = kube::evaluate_pod_security(w.pod, policy.enforce);
      if (!r.allowed) {
        std::string msg = fmt::format("{}: {}", id, r.message(policy.enforce));
        std::string hint;
        if (enforce_default && cps.declared) {
          msg += fmt::format(" (namespace '{}' has no {} label: {})", ns_name, k_enforce_label, defaults_origin(cps));
          hint = fmt::format("label namespace '{}' {}=privileged (the workload's own level), or exempt it in "
                             "cluster.apiServer.admissionControl",
                             ns_name, k_enforce_label);
        }
        diags.error("psa-enforce", msg, w.location, hint);
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
