#pragma once
// Which labels a kubelet may set on its own Node object (the NodeRestriction admission plugin,
// plugin/pkg/admission/noderestriction/admission.go getForbiddenLabels, with the kubelet label list
// of k8s.io/kubelet pkg/apis/well_known_labels.go). Talos applies `machine.nodeLabels` with the
// node's own credentials, so a forbidden key there is rejected by the API server.

#include <string>
#include <string_view>
#include <vector>

namespace talgpu::kube {

// The namespace (prefix before the first /) of a label key; "" when unprefixed (case kept, as upstream).
std::string label_namespace(std::string_view key);
// IsKubeletLabel: the fixed list plus kubelet.kubernetes.io / node.kubernetes.io namespaces and
// their subdomains.
bool is_kubelet_label(std::string_view key);
// Forbidden for a node to set: node-restriction.kubernetes.io (and subdomains), or a
// kubernetes.io / k8s.io namespace (and subdomains) that is not a kubelet label.
bool is_forbidden_node_label(std::string_view key);
// Why a key is forbidden (for hints), "" when allowed.
std::string forbidden_node_label_reason(std::string_view key);
// The fixed kubelet label keys (for messages and docs).
const std::vector<std::string>& kubelet_labels();

}  // namespace talgpu::kube
