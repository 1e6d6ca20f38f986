#pragma once
// Declared (talconfig.yaml) versus observed (the live cluster) for each node: what `talgpu status`
// reports and what `talgpu taint` / `talgpu label` change.
//
// Identity rules follow Kubernetes:
//  - a taint is identified by (key, effect): a node cannot carry two taints with the same key and
//    effect (k8s.io/kubernetes pkg/apis/core/validation ValidateNodeSpec/validateNodeTaints);
//    the same (key, effect) with another value is a changed taint (`kubectl taint --overwrite`);
//  - taints the node lifecycle controller and the kubelet manage (node.kubernetes.io/*,
//    node.cloudprovider.kubernetes.io/uninitialized) are neither declared nor "undeclared":
//    they are never reported as drift and never removed;
//  - labels: only the labels the talconfig declares (nodeLabels and the control-plane role label)
//    are compared; a node carries many others (kubelet, Talos, feature discovery) that talconfig
//    does not own, so an extra label is not drift.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <kube/objects.hpp>

namespace talgpu::kube {

// A taint change on one node.
struct TaintChange {
  enum class Kind { add, change, remove, keep_undeclared } kind;
  Taint taint;          // the declared taint (add/change) or the observed one (remove/keep)
  std::string before;   // for change: the observed value
};

struct LabelChange {
  std::string key;
  std::string value;                  // declared value
  std::optional<std::string> before;  // observed value, nullopt when missing
};

// Taints the control plane manages itself (never reported, never removed).
bool system_taint(std::string_view key);

// What it takes to bring `observed` taints to the declared set. With `prune`, undeclared taints
// are removed; without, they are listed as keep_undeclared.
std::vector<TaintChange> taint_changes(const std::vector<Taint>& declared, const std::vector<Taint>& observed, bool prune);
// The node's taint list after applying `changes` (order: observed order, then additions).
std::vector<Taint> apply_taint_changes(const std::vector<Taint>& observed, const std::vector<TaintChange>& changes);

// Declared labels the node lacks or holds with another value. `declared_keys` restricts the
// comparison to the labels talconfig sets.
std::vector<LabelChange> label_changes(const Node& declared, const Node& observed);

// The equivalent kubectl commands ("kubectl taint nodes gpu1 nvidia.com/gpu=present:NoSchedule").
std::string kubectl_taint_command(const std::string& node, const TaintChange& c);
std::string kubectl_label_command(const std::string& node, const LabelChange& c);

// Facts `talgpu status` reads from an observed Node beyond labels and taints.
struct NodeFacts {
  std::optional<bool> ready;      // Ready condition (nullopt when absent)
  std::string ready_reason;       // its reason/message when not ready
  std::string talos_version;      // from status.nodeInfo.osImage "Talos (v1.11.1)"
  std::string kubelet_version;
  std::vector<std::pair<std::string, std::string>> extensions;  // extensions.talos.dev/<name>: <version>
};

}  // namespace talgpu::kube
