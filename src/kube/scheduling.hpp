#pragma once
// Will kube-scheduler (or the DaemonSet controller) place this pod template on this node?
//
// Mirrors, filter by filter, the upstream code:
//  - spec.nodeName: pkg/scheduler/framework/plugins/nodename ("node(s) didn't match the requested
//    node name");
//  - taints: k8s.io/api core/v1 toleration.go ToleratesTaint and component-helpers
//    scheduling/corev1 helpers.go FindMatchingUntoleratedTaint, with the scheduler's filter keeping
//    only NoSchedule and NoExecute taints (plugins/tainttoleration); spec.unschedulable counts as
//    the taint node.kubernetes.io/unschedulable:NoSchedule (plugins/nodeunschedulable);
//  - nodeSelector + required node affinity: component-helpers scheduling/corev1/nodeaffinity
//    (terms ORed, requirements ANDed, empty terms match nothing, Gt/Lt parse integers the way Go's
//    strconv.ParseInt does, matchFields only on metadata.name);
//  - the RuntimeClass admission merge (runtimeclass.hpp) applied first, as it is to every pod the
//    controller creates;
//  - DaemonSet automatic tolerations (pkg/controller/daemon/util/daemonset_util.go);
//  - nvidia.com/gpu requests against the node's GPU count (resources.hpp).
// The first failing filter wins, and its message uses kube-scheduler's words.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <kube/objects.hpp>

namespace talgpu::kube {

// Toleration.ToleratesTaint (comparison operators Gt/Lt only when `comparison_operators`, the
// alpha TaintTolerationComparisonOperators gate, default off).
bool tolerates(const Toleration& t, const Taint& taint, bool comparison_operators = false);
bool tolerations_tolerate_taint(const std::vector<Toleration>& ts, const Taint& taint,
                                bool comparison_operators = false);
// The first taint (in node order) that passes `filter` (all when empty) and no toleration tolerates.
std::optional<Taint> find_untolerated_taint(const std::vector<Taint>& taints, const std::vector<Toleration>& ts,
                                            const std::function<bool(const Taint&)>& filter = {},
                                            bool comparison_operators = false);
// NoSchedule or NoExecute (what blocks scheduling).
bool is_blocking_taint(const Taint& taint);

// One requirement parsed as labels.NewRequirement would; `error` set when it never matches.
struct SelectorError {
  std::string message;
  SourceLocation location;
};

// nodeSelector: every key present with exactly that value.
bool match_node_selector_map(const StringMap& selector, const StringMap& labels);
// One requirement against a label set (parse errors make it false and fill `error`).
bool match_requirement(const NodeSelectorRequirement& r, const StringMap& labels, SelectorError* error = nullptr);
// A NodeSelector (required affinity): OR of non-empty terms. `errors` gets parse errors of terms
// that could not be evaluated (reported only when nothing matched, as upstream does).
bool match_node_selector_terms(const NodeSelector& sel, const Node& node,
                               std::vector<SelectorError>* errors = nullptr);
// GetRequiredNodeAffinity(pod).Match(node): nodeSelector AND required node affinity.
bool match_required_node_affinity(const PodTemplate& pod, const Node& node,
                                  std::vector<SelectorError>* errors = nullptr);

// AddOrUpdateDaemonPodTolerations: the tolerations the DaemonSet controller adds (with origin
// "daemonset"), returned as the template's tolerations plus those missing.
std::vector<Toleration> with_daemonset_tolerations(const PodTemplate& pod);

enum class FitFailure {
  none,
  node_name,               // spec.nodeName names another node
  runtime_class_missing,   // pod rejected: RuntimeClass "x" not found
  runtime_class_conflict,  // nodeSelector conflict in the RuntimeClass merge
  node_affinity,           // nodeSelector / required node affinity
  taint,                   // untolerated NoSchedule/NoExecute taint
  unschedulable,           // spec.unschedulable without a toleration
  gpu_invalid,             // nvidia.com/gpu requests/limits invalid (the pod would be rejected)
  gpu_insufficient,        // more GPUs requested than the node has
};

const char* fit_failure_id(FitFailure f);  // "node-name", "taint", ...

struct FitResult {
  bool fit = true;
  FitFailure failure = FitFailure::none;
  std::string message;        // kube-scheduler's words, e.g. "node(s) had untolerated taint {gpu: true}"
  SourceLocation location;    // the pod field to blame (nodeSelector key, runtimeClassName, ...) or the node's taint
  std::optional<Taint> taint; // for taint failures
  std::vector<SelectorError> selector_errors;  // for node_affinity failures

  explicit operator bool() const { return fit; }
};

struct FitOptions {
  const std::vector<RuntimeClass>* runtime_classes = nullptr;  // nullptr: skip the RuntimeClass merge
  bool daemon_set = false;          // add DaemonSet automatic tolerations
  bool check_gpus = true;           // compare nvidia.com/gpu requests with the node's count
  int64_t time_slicing_replicas = 1;  // from the device plugin config
  bool declared_gpus_advertised = true;  // a device plugin in the manifests advertises declared GPUs
  bool comparison_operators = false;  // TaintTolerationComparisonOperators gate
  // The caller already ran the node-independent admission steps (RuntimeClass merge, resource
  // validation) and passes the merged pod: fits() skips them. Lets a caller fitting one pod on
  // many nodes do them once (check/engine.cpp).
  bool admitted = false;
};

// Order: what admission rejects first (RuntimeClass, invalid nvidia.com/gpu resources), then the
// scheduler's default filter order (pkg/scheduler/apis/config/v1/default_plugins.go):
// NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodeResourcesFit.
FitResult fits(const PodTemplate& pod, const Node& node, const FitOptions& opts = {});
// Convenience for a workload (DaemonSet tolerations when it is one).
FitResult fits(const Workload& w, const Node& node, FitOptions opts = {});

}  // namespace talgpu::kube
