// Scheduling predicates, filter by filter, after the upstream files cited in scheduling.hpp.
//
// Why the details matter: a GPU workload that "almost" tolerates a taint (wrong effect, Equal with
// a different value, an operator written in lower case) is silently never scheduled, and the event
// the user eventually sees names only the first untolerated taint. We reproduce the same first
// failure and the same words so `talgpu check` output matches what `kubectl describe pod` says.

#include <kube/scheduling.hpp>

#include <fmt/format.h>

#include <kube/labels.hpp>
#include <kube/resources.hpp>
#include <kube/runtimeclass.hpp>

namespace talgpu::kube {

namespace {

// content.IsDecimalInteger (used by the alpha Gt/Lt toleration operators): optional '-', no '+',
// no leading zeros, at least one digit.
std::optional<int64_t> decimal_integer(std::string_view s) {
  std::string_view digits = s;
  if (!digits.empty() && digits[0] == '-') {
    digits.remove_prefix(1);
  }
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) {
    return std::nullopt;
  }
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
  }
  return go_parse_int(s);
}

}  // namespace

bool tolerates(const Toleration& t, const Taint& taint, bool comparison_operators) {
  // core/v1 toleration.go ToleratesTaint.
  if (!t.effect.empty() && t.effect != taint.effect) {
    return false;
  }
  if (!t.key.empty() && t.key != taint.key) {
    return false;
  }
  if (t.op.empty() || t.op == "Equal") {
    return t.value == taint.value;
  }
  if (t.op == "Exists") {
    return true;
  }
  if (comparison_operators && (t.op == "Gt" || t.op == "Lt")) {
    auto tv = decimal_integer(t.value);
    auto nv = decimal_integer(taint.value);
    if (!tv || !nv) {
      return false;
    }
    return t.op == "Gt" ? *nv > *tv : *nv < *tv;
  }
  return false;
}

bool tolerations_tolerate_taint(const std::vector<Toleration>& ts, const Taint& taint, bool comparison_operators) {
  for (const auto& t : ts) {
    if (tolerates(t, taint, comparison_operators)) {
      return true;
    }
  }
  return false;
}

std::optional<Taint> find_untolerated_taint(const std::vector<Taint>& taints, const std::vector<Toleration>& ts,
                                            const std::function<bool(const Taint&)>& filter,
                                            bool comparison_operators) {
  for (const auto& taint : taints) {
    if (filter && !filter(taint)) {
      continue;
    }
    if (!tolerations_tolerate_taint(ts, taint, comparison_operators)) {
      return taint;
    }
  }
  return std::nullopt;
}

bool is_blocking_taint(const Taint& taint) {
  return taint.effect == "NoSchedule" || taint.effect == "NoExecute";
}

bool match_node_selector_map(const StringMap& selector, const StringMap& labels) {
  for (const auto& [k, v, k_at] : selector) {
    const std::string* have = labels.find(k);
    if (!have || *have != v) {
      return false;
    }
  }
  return true;
}

namespace {

// labels.NewRequirement's checks (apimachinery pkg/labels/selector.go) as used by
// nodeSelectorRequirementsAsSelector. Returns an error message or "".
std::string requirement_error(const NodeSelectorRequirement& r) {
  if (!is_qualified_name(r.key)) {
    return fmt::format("invalid label key \"{}\"", r.key);
  }
  if (r.op == "In" || r.op == "NotIn") {
    if (r.values.empty()) {
      return "for 'in', 'notin' operators, values set can't be empty";
    }
  } else if (r.op == "Exists" || r.op == "DoesNotExist") {
    if (!r.values.empty()) {
      return "values set must be empty for exists and does not exist";
    }
  } else if (r.op == "Gt" || r.op == "Lt") {
    if (r.values.size() != 1) {
      return "for 'Gt', 'Lt' operators, exactly one value is required";
    }
    if (!go_parse_int(r.values[0])) {
      return fmt::format("for 'Gt', 'Lt' operators, the value must be an integer: \"{}\"", r.values[0]);
    }
  } else {
    return fmt::format("\"{}\" is not a valid node selector operator", r.op);
  }
  for (const auto& v : r.values) {
    if (!is_label_value(v)) {
      return fmt::format("invalid label value: \"{}\"", v);
    }
  }
  return {};
}

bool requirement_matches(const NodeSelectorRequirement& r, const StringMap& labels) {
  const std::string* have = labels.find(r.key);
  if (r.op == "In") {
    if (!have) {
      return false;
    }
    for (const auto& v : r.values) {
      if (v == *have) {
        return true;
      }
    }
    return false;
  }
  if (r.op == "NotIn") {
    if (!have) {
      return true;
    }
    for (const auto& v : r.values) {
      if (v == *have) {
        return false;
      }
    }
    return true;
  }
  if (r.op == "Exists") {
    return have != nullptr;
  }
  if (r.op == "DoesNotExist") {
    return have == nullptr;
  }
  // Gt / Lt: the label value must parse as an integer.
  if (!have) {
    return false;
  }
  auto lv = go_parse_int(*have);
  auto rv = go_parse_int(r.values[0]);
  if (!lv || !rv) {
    return false;
  }
  return r.op == "Gt" ? *lv > *rv : *lv < *rv;
}

// nodeSelectorRequirementsAsFieldSelector: In/NotIn with exactly one value.
std::string field_requirement_error(const NodeSelectorRequirement& r) {
  if (r.op != "In" && r.op != "NotIn") {
    return fmt::format("\"{}\" is not a valid field selector operator", r.op);
  }
  if (r.values.size() != 1) {
    return fmt::format("unexpected number of value ({}) for node field selector operator \"{}\"", r.values.size(),
                       r.op);
  }
  return {};
}

bool field_requirement_matches(const NodeSelectorRequirement& r, const std::string& node_name) {
  std::string field = r.key == "metadata.name" ? node_name : std::string();
  bool equal = field == r.values[0];
  return r.op == "In" ? equal : !equal;
}

}  // namespace

bool match_requirement(const NodeSelectorRequirement& r, const StringMap& labels, SelectorError* error) {
  std::string err = requirement_error(r);
  if (!err.empty()) {
    if (error) {
      *error = SelectorError{std::move(err), r.location};
    }
    return false;
  }
  return requirement_matches(r, labels);
}

bool match_node_selector_terms(const NodeSelector& sel, const Node& node, std::vector<SelectorError>* errors) {
  // component-helpers nodeaffinity.go LazyErrorNodeSelector.Match: empty terms are dropped, terms
  // with parse errors never match, errors surface only when nothing matched.
  std::vector<SelectorError> errs;
  for (const auto& term : sel.terms) {
    if (term.match_expressions.empty() && term.match_fields.empty()) {
      continue;
    }
    bool parse_error = false;
    for (const auto& r : term.match_expressions) {
      std::string e = requirement_error(r);
      if (!e.empty()) {
        errs.push_back({std::move(e), r.location});
        parse_error = true;
      }
    }
    for (const auto& r : term.match_fields) {
      std::string e = field_requirement_error(r);
      if (!e.empty()) {
        errs.push_back({std::move(e), r.location});
        parse_error = true;
      }
    }
    if (parse_error) {
      continue;
    }
    bool ok = true;
    for (const auto& r : term.match_expressions) {
      if (!requirement_matches(r, node.labels)) {
        ok = false;
        break;
      }
    }
    // Fields are compared only when the node has a name (nodeFields is empty otherwise).
    if (ok && !node.name.empty()) {
      for (const auto& r : term.match_fields) {
        if (!field_requirement_matches(r, node.name)) {
          ok = false;
          break;
        }
      }
    }
    if (ok) {
      return true;
    }
  }
  if (errors) {
    *errors = std::move(errs);
  }
  return false;
}

bool match_required_node_affinity(const PodTemplate& pod, const Node& node, std::vector<SelectorError>* errors) {
  if (!pod.node_selector.empty() && !match_node_selector_map(pod.node_selector, node.labels)) {
    return false;
  }
  if (pod.node_affinity && pod.node_affinity->required) {
    return match_node_selector_terms(*pod.node_affinity->required, node, errors);
  }
  return true;
}

std::vector<Toleration> with_daemonset_tolerations(const PodTemplate& pod) {
  // pkg/controller/daemon/util/daemonset_util.go AddOrUpdateDaemonPodTolerations: each one goes
  // through AddOrUpdateTolerationInPodSpec (pkg/apis/core/v1/helper), which replaces a toleration
  // with the same (key, operator, value, effect) unless it is identical, and otherwise appends.
  std::vector<Toleration> out = pod.tolerations;
  auto add = [&out](std::string key, std::string effect) {
    Toleration t;
    t.key = std::move(key);
    t.op = "Exists";
    t.effect = std::move(effect);
    t.origin = "daemonset";
    for (auto& have : out) {
      if (have.key == t.key && have.op == t.op && have.value == t.value && have.effect == t.effect) {
        if (have.toleration_seconds) {
          have = t;
        }
        return;
      }
    }
    out.push_back(std::move(t));
  };
  add("node.kubernetes.io/not-ready", "NoExecute");
  add("node.kubernetes.io/unreachable", "NoExecute");
  add("node.kubernetes.io/disk-pressure", "NoSchedule");
  add("node.kubernetes.io/memory-pressure", "NoSchedule");
  add("node.kubernetes.io/pid-pressure", "NoSchedule");
  add("node.kubernetes.io/unschedulable", "NoSchedule");
  if (pod.host_network) {
    add("node.kubernetes.io/network-unavailable", "NoSchedule");
  }
  return out;
}

const char* fit_failure_id(FitFailure f) {
  switch (f) {
    case FitFailure::none:
      return "fit";
    case FitFailure::node_name:
      return "node-name";
    case FitFailure::runtime_class_missing:
      return "runtimeclass-missing";
    case FitFailure::runtime_class_conflict:
      return "runtimeclass-conflict";
    case FitFailure::node_affinity:
      return "node-affinity";
    case FitFailure::taint:
      return "taint";
    case FitFailure::unschedulable:
      return "unschedulable";
    case FitFailure::gpu_invalid:
      return "gpu-invalid";
    case FitFailure::gpu_insufficient:
      return "gpu-insufficient";
  }
  return "fit";
}

namespace {

FitResult fail(FitFailure f, std::string message, SourceLocation loc) {
  FitResult r;
  r.fit = false;
  r.failure = f;
  r.message = std::move(message);
  r.location = std::move(loc);
  return r;
}

}  // namespace

FitResult fits(const PodTemplate& input, const Node& node, const FitOptions& opts) {
  // Admission: the RuntimeClass merge, then the API's resource validation.
  const PodTemplate* pod = &input;
  RuntimeClassAdmission admitted;
  if (!opts.admitted && opts.runtime_classes && input.runtime_class_name) {
    admitted = admit_runtime_class(input, *opts.runtime_classes);
    if (!admitted) {
      bool missing = admitted.runtime_class == nullptr;
      return fail(missing ? FitFailure::runtime_class_missing : FitFailure::runtime_class_conflict, admitted.error,
                  admitted.location);
    }
    pod = &admitted.pod;
  }
  if (opts.check_gpus && !opts.admitted) {
    for (const auto& p : validate_resources(*pod)) {
      if (is_nvidia_problem(p)) {
        return fail(FitFailure::gpu_invalid, fmt::format("{}: {}", p.field, p.message), p.location);
      }
    }
  }

  // Only a DaemonSet needs its own list (the controller's automatic tolerations added).
  std::vector<Toleration> daemon_set_tolerations;
  if (opts.daemon_set) {
    daemon_set_tolerations = with_daemonset_tolerations(*pod);
  }
  const std::vector<Toleration>& tolerations = opts.daemon_set ? daemon_set_tolerations : pod->tolerations;

  // NodeUnschedulable (pkg/scheduler/framework/plugins/nodeunschedulable).
  if (node.unschedulable) {
    Taint t{"node.kubernetes.io/unschedulable", "", "NoSchedule", node.location};
    if (!tolerations_tolerate_taint(tolerations, t, opts.comparison_operators)) {
      return fail(FitFailure::unschedulable, "node(s) were unschedulable", node.location);
    }
  }
  // NodeName.
  if (!pod->node_name.empty() && pod->node_name != node.name) {
    return fail(FitFailure::node_name, "node(s) didn't match the requested node name", pod->node_name_location);
  }
  // TaintToleration: only NoSchedule / NoExecute taints block.
  if (auto taint = find_untolerated_taint(node.taints, tolerations, is_blocking_taint, opts.comparison_operators)) {
    FitResult r = fail(FitFailure::taint, fmt::format("node(s) had untolerated taint {{{}: {}}}", taint->key, taint->value),
                       taint->location);
    r.taint = *taint;
    return r;
  }
  // NodeAffinity (nodeSelector AND required terms).
  std::vector<SelectorError> errors;
  if (!match_required_node_affinity(*pod, node, &errors)) {
    SourceLocation loc = pod->node_selector.location;
    if (!pod->node_selector.empty()) {
      for (const auto& [k, v, k_at] : pod->node_selector) {
        const std::string* have = node.labels.find(k);
        if (!have || *have != v) {
          loc = pod->node_selector.location_of(k);
          break;
        }
      }
      if (match_node_selector_map(pod->node_selector, node.labels) && pod->node_affinity) {
        loc = pod->node_affinity->location;
      }
    } else if (pod->node_affinity) {
      loc = pod->node_affinity->required ? pod->node_affinity->required->location : pod->node_affinity->location;
    }
    FitResult r = fail(FitFailure::node_affinity, "node(s) didn't match Pod's node affinity/selector", loc);
    r.selector_errors = std::move(errors);
    return r;
  }
  // NodeResourcesFit, for nvidia.com/gpu only.
  if (opts.check_gpus && requests_resource(*pod)) {
    int64_t want = pod_request(*pod);
    GpuCount have = node_gpu_count(node, opts.time_slicing_replicas, opts.declared_gpus_advertised);
    if (have.count && want > *have.count) {
      SourceLocation loc;
      for (const Container* c : pod->all_containers()) {
        if (const auto* l = c->resources.limits.find(k_gpu_resource)) {
          loc = l->location;
          break;
        }
        if (const auto* q = c->resources.requests.find(k_gpu_resource)) {
          loc = q->location;
          break;
        }
      }
      return fail(FitFailure::gpu_insufficient, fmt::format("Insufficient {}", k_gpu_resource), loc);
    }
  }
  return FitResult{};
}

FitResult fits(const Workload& w, const Node& node, FitOptions opts) {
  opts.daemon_set = opts.daemon_set || w.is_daemon_set();
  return fits(w.pod, node, opts);
}

}  // namespace talgpu::kube
