// Mirrors plugin/pkg/admission/noderestriction/admission.go (getForbiddenLabels, isKubernetesLabel,
// getLabelNamespace) and k8s.io/kubelet pkg/apis/well_known_labels.go (IsKubeletLabel). Comparisons
// are exact and case-sensitive, as upstream's are.

#include <kube/noderestriction.hpp>

#include <fmt/format.h>

namespace talgpu::kube {

namespace {

bool in_namespace(std::string_view ns, std::string_view domain) {
  if (ns == domain) {
    return true;
  }
  return ns.size() > domain.size() && ns.substr(ns.size() - domain.size()) == domain &&
         ns[ns.size() - domain.size() - 1] == '.';
}

bool is_kubernetes_label(std::string_view key) {
  std::string ns = label_namespace(key);
  return in_namespace(ns, "kubernetes.io") || in_namespace(ns, "k8s.io");
}

}  // namespace

const std::vector<std::string>& kubelet_labels() {
  static const std::vector<std::string> k_labels = {
      "kubernetes.io/hostname",
      "topology.kubernetes.io/zone",
      "topology.kubernetes.io/region",
      "failure-domain.beta.kubernetes.io/zone",
      "failure-domain.beta.kubernetes.io/region",
      "beta.kubernetes.io/instance-type",
      "node.kubernetes.io/instance-type",
      "kubernetes.io/os",
      "kubernetes.io/arch",
      "beta.kubernetes.io/os",
      "beta.kubernetes.io/arch",
  };
  return k_labels;
}

std::string label_namespace(std::string_view key) {
  auto slash = key.find('/');
  return slash == std::string_view::npos ? std::string() : std::string(key.substr(0, slash));
}

bool is_kubelet_label(std::string_view key) {
  for (const auto& l : kubelet_labels()) {
    if (l == key) {
      return true;
    }
  }
  std::string ns = label_namespace(key);
  return in_namespace(ns, "kubelet.kubernetes.io") || in_namespace(ns, "node.kubernetes.io");
}

bool is_forbidden_node_label(std::string_view key) {
  return !forbidden_node_label_reason(key).empty();
}

std::string forbidden_node_label_reason(std::string_view key) {
  std::string ns = label_namespace(key);
  if (in_namespace(ns, "node-restriction.kubernetes.io")) {
    return fmt::format("the {} prefix is reserved for labels set by cluster administrators, never by the node itself",
                       ns);
  }
  if (is_kubernetes_label(key) && !is_kubelet_label(key)) {
    return fmt::format(
        "a kubelet may only set {} labels that are kubelet labels (kubernetes.io/hostname, topology.kubernetes.io/*, "
        "kubernetes.io/os, kubernetes.io/arch, node.kubernetes.io/*, kubelet.kubernetes.io/*, ...)",
        ns);
  }
  return {};
}

}  // namespace talgpu::kube
