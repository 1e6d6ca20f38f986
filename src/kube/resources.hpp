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
  std::string field;    // "spec.containers[0].resources.requests[nvidia.com/gpu]"
  std::string message;  // the API server's words
  SourceLocation location;
};

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
GpuCount node_gpu_count(const Node& node, int64_t time_slicing_replicas = 1);

}  // namespace talgpu::kube
