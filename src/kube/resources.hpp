#pragma once
// Extended resources such as nvidia.com/gpu, as the API server validates them
// (pkg/apis/core/validation/validation.go validateResourceRequirements and
// validateContainerResourceName; pkg/apis/core/helper/helpers.go IsExtendedResourceName) and as
// the scheduler sums them (component-helpers/resource PodRequests: containers summed, init
// containers maxed, restartable init containers (sidecars) added, overhead added).

#include <optional>
#include <string>
#include <vector>

#include <kube/objects.hpp>

namespace talgpu::kube {

struct ResourceProblem {
  std::string rule;     // resource-not-integer, resource-request-not-equal-limit, resource-limit-missing,
                        // resource-invalid-name, resource-invalid-quantity, resource-negative
  std::string field;    // "spec.containers[0].resources.requests[nvidia.com/gpu]" (or ".limits" when missing)
  std::string resource;  // the resource the problem is about ("nvidia.com/gpu"); empty for none
  std::string message;  // the API server's words
  SourceLocation location;
};

// The problem concerns an NVIDIA resource (nvidia.com/gpu, nvidia.com/mig-*, ...). Tested on the
// resource name, not the field path: "Limit must be set" is reported at ".limits", which names
// no resource (validation.go: field.Required(limPath, ...)).
bool is_nvidia_problem(const ResourceProblem& p);

// native = no '/' or a kubernetes.io/ prefix; extended = not native, not "requests."-prefixed.
bool is_native_resource(std::string_view name);
bool is_extended_resource_name(std::string_view name);

// Validates every container's resources (init, regular, ephemeral) and the pod overhead.
// `is_pod` selects Pod semantics: limits are copied into missing requests before validation.
std::vector<ResourceProblem> validate_resources(const PodTemplate& pod, bool is_pod = false);

// The effective request of `resource` for one pod (limits stand in for missing requests of
// extended resources, which the API defaults on Pod creation).
int64_t pod_request(const PodTemplate& pod, std::string_view resource = k_gpu_resource);
bool requests_resource(const PodTemplate& pod, std::string_view resource = k_gpu_resource);

struct GpuCount {
  std::optional<int64_t> count;  // nullopt: unknown
  std::string source;            // "allocatable", "capacity", "label nvidia.com/gpu.count", "declared GPU node"
  SourceLocation location;
};

// How many `nvidia.com/gpu` the node advertises: status.allocatable (observed), else capacity,
// else the nvidia.com/gpu.count label (times time-slicing replicas), else at least 1 for a node
// declared as a GPU node, else 0 for a declared non-GPU node.
// `declared_advertised`: whether something in the manifests (a device plugin) will advertise the
// GPUs of a declared GPU node. When false, a declared node without an observed count has 0: the
// kubelet reports nvidia.com/gpu only once a device plugin registers it (k8s-device-plugin
// README, "the device plugin ... advertises nvidia.com/gpu"), so a GPU pod stays Pending.
GpuCount node_gpu_count(const Node& node, int64_t time_slicing_replicas = 1, bool declared_advertised = true);

}  // namespace talgpu::kube
