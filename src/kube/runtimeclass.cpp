// RuntimeClass admission on a pod template; see runtimeclass.hpp for the upstream files.

#include <kube/runtimeclass.hpp>

#include <fmt/format.h>

namespace talgpu::kube {

namespace {

bool same_toleration(const Toleration& a, const Toleration& b) {
  // apiequality.Semantic.DeepEqual on the API fields (locations and origin are ours).
  return a.key == b.key && a.op == b.op && a.value == b.value && a.effect == b.effect &&
         a.toleration_seconds == b.toleration_seconds;
}

// pkg/util/tolerations/tolerations.go isSuperset: does `ss` tolerate a superset of `t`?
bool is_superset(const Toleration& ss, const Toleration& t) {
  if (same_toleration(ss, t)) {
    return true;
  }
  if (t.key != ss.key && (!ss.key.empty() || ss.op != "Exists")) {
    return false;
  }
  if (t.effect != ss.effect && !ss.effect.empty()) {
    return false;
  }
  if (ss.effect == "NoExecute" && ss.toleration_seconds) {
    if (!t.toleration_seconds || *t.toleration_seconds > *ss.toleration_seconds) {
      return false;
    }
  }
  if (ss.op.empty() || ss.op == "Equal") {
    return t.op == "Equal" && t.value == ss.value;
  }
  return ss.op == "Exists";
}

bool same_overhead(const ResourceList& a, const ResourceList& b) {
  if (a.items.size() != b.items.size()) {
    return false;
  }
  for (const auto& [name, v] : a.items) {
    const ResourceValue* o = b.find(name);
    if (!o || !v.quantity.same_amount(o->quantity)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<Toleration> merge_tolerations(const std::vector<Toleration>& first, const std::vector<Toleration>& second) {
  // MergeTolerations: keep a toleration unless an earlier kept one or a later different one is a
  // superset of it.
  std::vector<Toleration> all = first;
  all.insert(all.end(), second.begin(), second.end());
  std::vector<Toleration> merged;
  for (size_t i = 0; i < all.size(); ++i) {
    const Toleration& t = all[i];
    bool redundant = false;
    for (const auto& kept : merged) {
      if (is_superset(kept, t)) {
        redundant = true;
        break;
      }
    }
    for (size_t j = i + 1; !redundant && j < all.size(); ++j) {
      if (!same_toleration(t, all[j]) && is_superset(all[j], t)) {
        redundant = true;
      }
    }
    if (!redundant) {
      merged.push_back(t);
    }
  }
  return merged;
}

const RuntimeClass* find_runtime_class(const std::vector<RuntimeClass>& classes, std::string_view name) {
  for (const auto& rc : classes) {
    if (rc.name == name) {
      return &rc;
    }
  }
  return nullptr;
}

RuntimeClassAdmission admit_runtime_class(const PodTemplate& pod, const std::vector<RuntimeClass>& classes) {
  RuntimeClassAdmission out;
  out.pod = pod;
  if (!pod.runtime_class_name || pod.runtime_class_name->empty()) {
    // Validate: an overhead without a RuntimeClass is rejected.
    if (!pod.overhead.empty()) {
      out.admitted = false;
      out.error = "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead";
      out.location = pod.overhead.location;
    }
    return out;
  }
  const RuntimeClass* rc = find_runtime_class(classes, *pod.runtime_class_name);
  out.runtime_class = rc;
  if (!rc) {
    out.admitted = false;
    out.error = fmt::format("pod rejected: RuntimeClass \"{}\" not found", *pod.runtime_class_name);
    out.location = pod.runtime_class_location;
    return out;
  }
  // setOverhead / validateOverhead.
  if (!rc->overhead.empty()) {
    if (!pod.overhead.empty() && !same_overhead(pod.overhead, rc->overhead)) {
      out.admitted = false;
      out.error = "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead";
      out.location = pod.overhead.location;
      return out;
    }
    out.pod.overhead = rc->overhead;
  } else if (!pod.overhead.empty()) {
    out.admitted = false;
    out.error = "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead";
    out.location = pod.overhead.location;
    return out;
  }
  // setScheduling. Go iterates the RuntimeClass map in random order; we report the first conflict
  // in key order so the output is stable.
  if (rc->has_scheduling) {
    for (const auto& [k, v, k_at] : rc->node_selector) {
      const std::string* have = pod.node_selector.find(k);
      if (have && *have != v) {
        out.admitted = false;
        out.error = fmt::format("conflict: runtimeClass.scheduling.nodeSelector[{}] = {}; pod.spec.nodeSelector[{}] = {}",
                                k, v, k, *have);
        out.location = pod.node_selector.location_of(k);
        return out;
      }
      if (!have) {
        out.pod.node_selector.set(k, v, rc->node_selector.location_of(k));
      }
    }
    std::vector<Toleration> rc_tolerations = rc->tolerations;
    for (auto& t : rc_tolerations) {
      t.origin = "runtimeclass:" + rc->name;
    }
    out.pod.tolerations = merge_tolerations(pod.tolerations, rc_tolerations);
  }
  return out;
}

}  // namespace talgpu::kube
