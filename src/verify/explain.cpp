#include <verify/explain.hpp>

#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace talgpu::verify {

using nlohmann::json;

namespace {

bool has(const std::string& s, std::string_view what) {
  return s.find(what) != std::string::npos;
}

std::string cut(const std::string& s, size_t max = 300) {
  return s.size() > max ? s.substr(0, max) + "..." : s;
}

// The scheduler's reason ("0/3 nodes are available: 1 node(s) had untolerated taint {gpu: true}. ...").
Explanation explain_unschedulable(const std::string& msg, const NodeContext& c) {
  static const std::regex taint_re(R"(untolerated taint \{([^:}]+): ?([^}]*)\})");
  std::smatch m;
  if (std::regex_search(msg, m, taint_re)) {
    std::string t = m[2].str().empty() ? m[1].str() : m[1].str() + "=" + m[2].str();
    return {"untolerated-taint",
            fmt::format("node {} has taint {} which the pod does not tolerate: GPU pods written from the declaration "
                        "cannot schedule there", c.node, t),
            fmt::format("remove it (talgpu taint --apply --prune --node {}) or declare it under the node's nodeTaints", c.node)};
  }
  if (has(msg, "Insufficient nvidia.com/gpu")) {
    if (!c.node_advertises_gpu) {
      return {"insufficient-gpu",
              fmt::format("node {} advertises no nvidia.com/gpu: the NVIDIA device plugin is not running there", c.node),
              "deploy the NVIDIA device plugin with runtimeClassName: nvidia and check its pod on this node "
              "(kubectl -n <ns> get pods -o wide)"};
    }
    return {"insufficient-gpu",
            fmt::format("all {} GPU(s) of node {} are taken by other pods", c.gpu_allocatable, c.node),
            fmt::format("free one (kubectl get pods -A --field-selector spec.nodeName={}) and run verify again", c.node)};
  }
  if (has(msg, "didn't match Pod's node affinity/selector") || has(msg, "node affinity/selector")) {
    return {"selector-mismatch",
            fmt::format("no node carries kubernetes.io/hostname={} (the scheduler: {})", c.node, cut(msg)),
            fmt::format("check the node's hostname label: kubectl get node {} --show-labels", c.node)};
  }
  return {"unschedulable", fmt::format("the scheduler cannot place the pod on {}: {}", c.node, cut(msg)),
          fmt::format("kubectl describe node {}", c.node)};
}

Explanation explain_container_message(const std::string& msg, const NodeContext& c) {
  static const std::regex cuda_re(R"(unsatisfied condition: (cuda>=[0-9.]+))");
  std::smatch m;
  if (std::regex_search(msg, m, cuda_re)) {
    return {"cuda-too-new",
            fmt::format("the image {} needs {}, but the node's driver{} supports CUDA {} at most: the NVIDIA runtime "
                        "refused to start the container", c.image, m[1].str(), c.driver.empty() ? "" : " " + c.driver,
                        c.cuda_ceiling.empty() ? "(unknown)" : c.cuda_ceiling),
            c.cuda_ceiling.empty() ? "use an image built for an older CUDA, or upgrade the driver"
                                   : fmt::format("use an image with CUDA {} or older (talgpu verify picks one when --image "
                                                 "is not given), or move the node to a newer driver tier", c.cuda_ceiling)};
  }
  if (has(msg, "no runtime for \"nvidia\"") || has(msg, "no runtime for nvidia")) {
    return {"runtime-missing",
            fmt::format("containerd on {} has no \"nvidia\" runtime: the NVIDIA container toolkit extension is not loaded", c.node),
            "add siderolabs/nvidia-container-toolkit-<tier> to the node's schematic and upgrade it (talgpu gencommand upgrade)"};
  }
  return {};
}

}  // namespace

Explanation explain_create_failure(long code, const std::string& message, const NodeContext& c) {
  if (has(message, "RuntimeClass") && has(message, "not found")) {
    return {"runtimeclass-missing", "RuntimeClass nvidia does not exist, so the API server rejects every GPU pod",
            "create it: a RuntimeClass named nvidia with handler: nvidia (talgpu status checks it)"};
  }
  if (has(message, "violates PodSecurity")) {
    return {"psa-rejected",
            fmt::format("namespace {} refuses the pod through Pod Security admission: {}", c.namespace_, cut(message)),
            fmt::format("run verify in a namespace whose pod-security.kubernetes.io/enforce level admits it (--namespace), "
                        "or relax {}'s level", c.namespace_)};
  }
  if (code == 404 && has(message, "namespaces")) {
    return {"namespace-missing", fmt::format("namespace {} does not exist", c.namespace_),
            fmt::format("kubectl create namespace {} (or pass --namespace)", c.namespace_)};
  }
  if (code == 403) {
    return {"create-failed", fmt::format("not allowed to create pods in {}: {}", c.namespace_, cut(message)),
            "use a kubeconfig user that may create, watch and delete pods there"};
  }
  return {"create-failed", fmt::format("the API server refused the pod: {}", cut(message)), "see the message"};
}

bool pod_stuck(const json& pod) {
  const json status = pod.value("status", json::object());
  std::string phase = status.value("phase", "");
  if (phase == "Failed") {
    return true;
  }
  for (const auto& c : status.value("conditions", json::array())) {
    if (c.value("type", "") == "PodScheduled" && c.value("status", "") == "False" && c.value("reason", "") == "Unschedulable") {
      return true;
    }
  }
  for (const auto& cs : status.value("containerStatuses", json::array())) {
    std::string reason = cs.value("state", json::object()).value("waiting", json::object()).value("reason", "");
    if (reason == "ErrImagePull" || reason == "ImagePullBackOff" || reason == "InvalidImageName" ||
        reason == "CreateContainerError" || reason == "RunContainerError" || reason == "CreateContainerConfigError") {
      return true;
    }
  }
  return false;
}

Explanation explain_pod(const json& pod, const std::vector<json>& events, const NodeContext& c, bool timed_out,
                        const std::string& logs) {
  const json status = pod.value("status", json::object());
  for (const auto& cond : status.value("conditions", json::array())) {
    if (cond.value("type", "") == "PodScheduled" && cond.value("status", "") == "False") {
      return explain_unschedulable(cond.value("message", ""), c);
    }
  }
  for (const auto& cs : status.value("containerStatuses", json::array())) {
    const json state = cs.value("state", json::object());
    if (state.contains("waiting")) {
      std::string reason = state["waiting"].value("reason", "");
      std::string msg = state["waiting"].value("message", "");
      if (reason == "ErrImagePull" || reason == "ImagePullBackOff" || reason == "InvalidImageName") {
        return {"image-pull", fmt::format("node {} cannot pull {}: {}", c.node, c.image, cut(msg.empty() ? reason : msg)),
                "check the image name and that the node reaches the registry (Talos machine.registries for mirrors)"};
      }
      if (auto e = explain_container_message(msg, c); !e.code.empty()) {
        return e;
      }
    }
    if (state.contains("terminated")) {
      const json t = state["terminated"];
      std::string msg = t.value("message", "");
      if (auto e = explain_container_message(msg, c); !e.code.empty()) {
        return e;
      }
      int code = t.value("exitCode", 0);
      if (code != 0) {
        std::string first_log = logs.substr(0, logs.find('\n'));
        return {"nvidia-smi-failed",
                fmt::format("nvidia-smi exited with status {} on {}{}", code, c.node,
                            first_log.empty() ? (msg.empty() ? "" : ": " + cut(msg)) : ": " + cut(first_log)),
                fmt::format("the driver or the toolkit is not loaded: check talosctl -n {} get extensions and "
                            "talosctl -n {} read /proc/modules (nvidia, nvidia_uvm)", c.node, c.node)};
      }
    }
  }
  // Events carry what the pod status does not (sandbox creation, pulls in progress).
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    std::string reason = it->value("reason", "");
    std::string msg = it->value("message", "");
    if (auto e = explain_container_message(msg, c); !e.code.empty()) {
      return e;
    }
    if (reason == "FailedScheduling") {
      return explain_unschedulable(msg, c);
    }
    if (reason == "Failed" && has(msg, "pull")) {
      return {"image-pull", fmt::format("node {} cannot pull {}: {}", c.node, c.image, cut(msg)),
              "check the image name and that the node reaches the registry (Talos machine.registries for mirrors)"};
    }
  }
  if (timed_out) {
    std::string phase = status.value("phase", "Pending");
    std::string last = events.empty() ? std::string("no events") : "last event: " + cut(events.back().value("message", ""));
    return {"not-started", fmt::format("the pod on {} was still {} at the deadline ({})", c.node, phase, last),
            fmt::format("kubectl describe node {}; a slow image pull needs a longer --timeout", c.node)};
  }
  return {};
}

}  // namespace talgpu::verify
