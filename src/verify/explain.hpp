#pragma once
// Why a verify pod did not run, in the user's terms, with the fix -- read from the pod's status,
// its events, or the API server's refusal to create it.
//
// The texts recognised are the ones Kubernetes and the NVIDIA stack print:
//  - scheduler (PodScheduled=False, reason Unschedulable; pkg/scheduler/framework/plugins):
//    "node(s) had untolerated taint {key: value}" (tainttoleration), "Insufficient nvidia.com/gpu"
//    (noderesources), "node(s) didn't match Pod's node affinity/selector" (nodeaffinity);
//  - admission (403 on create): "pod rejected: RuntimeClass \"nvidia\" not found"
//    (plugin/pkg/admission/runtimeclass), "violates PodSecurity \"restricted:latest\""
//    (pod-security-admission);
//  - kubelet: ErrImagePull / ImagePullBackOff / InvalidImageName (pkg/kubelet/images),
//    FailedCreatePodSandBox "no runtime for \"nvidia\" is configured" (containerd CRI);
//  - libnvidia-container: "unsatisfied condition: cuda>=X.Y" (src/cli/dsl.c) when the image's
//    CUDA is newer than the driver;
//  - nvidia-smi: a non-zero exit, e.g. "couldn't communicate with the NVIDIA driver".

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace talgpu::verify {

struct Explanation {
  std::string code;     // untolerated-taint, insufficient-gpu, selector-mismatch, runtimeclass-missing,
                        // psa-rejected, namespace-missing, image-pull, cuda-too-new, runtime-missing,
                        // nvidia-smi-failed, not-started, unschedulable, create-failed
  std::string message;  // what happened, one sentence
  std::string fix;      // what to do
};

struct NodeContext {
  std::string node;
  std::string image;
  std::string driver;        // expected driver, may be empty
  std::string cuda_ceiling;  // of that driver, may be empty
  std::string namespace_;
  bool node_advertises_gpu = false;
  long gpu_allocatable = 0;
};

// The API server refused to create the pod (code, Status message).
Explanation explain_create_failure(long code, const std::string& message, const NodeContext& ctx);
// The pod is settled without success, or still pending at the deadline (`timed_out`). Returns an
// empty code when the pod shows nothing wrong yet.
Explanation explain_pod(const nlohmann::json& pod, const std::vector<nlohmann::json>& events, const NodeContext& ctx,
                        bool timed_out, const std::string& logs = {});

// True when the pod will not get further without a change (failed, unschedulable, image pull
// failing, container refused to start).
bool pod_stuck(const nlohmann::json& pod);

}  // namespace talgpu::verify
