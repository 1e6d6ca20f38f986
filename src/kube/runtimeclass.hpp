#pragma once
// The RuntimeClass admission plugin, applied to a pod template the way it is applied to each pod
// a controller creates (plugin/pkg/admission/runtimeclass/admission.go; the toleration merge is
// pkg/util/tolerations/tolerations.go MergeTolerations):
//  - no runtimeClassName: nothing to do;
//  - RuntimeClass not found: "pod rejected: RuntimeClass \"x\" not found";
//  - overhead: pod overhead must be unset or equal to the RuntimeClass's podFixed;
//  - nodeSelector: RuntimeClass keys are added; a key the pod sets to another value is a conflict
//    "conflict: runtimeClass.scheduling.nodeSelector[k] = v1; pod.spec.nodeSelector[k] = v2";
//  - tolerations: all RuntimeClass tolerations first, then the pod's whose (key, effect) the
//    RuntimeClass does not already cover.

#include <optional>
#include <string>
#include <vector>

#include <kube/objects.hpp>

namespace talgpu::kube {

struct RuntimeClassAdmission {
  bool admitted = true;
  std::string error;        // upstream message when rejected
  SourceLocation location;  // runtimeClassName or the conflicting nodeSelector key
  const RuntimeClass* runtime_class = nullptr;
  PodTemplate pod;          // the merged pod (a copy of the input when nothing applies)

  explicit operator bool() const { return admitted; }
};

RuntimeClassAdmission admit_runtime_class(const PodTemplate& pod, const std::vector<RuntimeClass>& classes);

// MergeTolerations(first = pod, second = runtime class).
std::vector<Toleration> merge_tolerations(const std::vector<Toleration>& pod, const std::vector<Toleration>& rc);

const RuntimeClass* find_runtime_class(const std::vector<RuntimeClass>& classes, std::string_view name);

}  // namespace talgpu::kube
