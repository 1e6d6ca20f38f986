#pragma once
// `talgpu status`: the declaration (talconfig.yaml) against the live cluster, per node and for the
// cluster-wide GPU pieces, and every difference as a drift item with the change that fixes it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <kube/client/nodes.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu::kube {

struct DriftItem {
  std::string subject;  // node name, "RuntimeClass nvidia", "Namespace nvidia"
  std::string rule;     // stable id: status-node-missing, status-taint-missing, ...
  std::string message;
  std::string fix;      // the command or change that fixes it
};

struct NodeStatus {
  std::string name;
  bool declared = false;
  bool observed = false;
  std::optional<bool> ready;
  std::string ready_reason;
  std::string talos_declared;
  std::string talos_observed;
  bool gpu_declared = false;
  std::optional<int64_t> gpu_allocatable;
  std::string driver_declared;  // from the schematic and Talos version (nvidia/catalog.hpp)
  std::string driver_observed;  // from the NVIDIA extension labels
  std::vector<std::pair<std::string, std::string>> extensions;
  std::vector<std::string> taints_missing;     // declared, absent (or another value)
  std::vector<std::string> taints_undeclared;  // present, not declared
  std::vector<std::string> labels_missing;     // declared key=value absent or different
};

struct ClusterStatus {
  std::vector<NodeStatus> nodes;
  bool runtime_class_present = false;
  std::string runtime_class_handler;
  bool runtime_class_scheduling = false;
  std::string runtime_class_selector;     // "role=gpu", "" when none
  std::string runtime_class_tolerations;  // "gpu=true:NoSchedule, ...", "" when none
  std::string gpu_namespace;
  bool namespace_present = false;
  std::vector<std::pair<std::string, std::string>> namespace_psa;  // pod-security.kubernetes.io/*
  std::vector<DriftItem> drift;
};

struct Manifests;

struct StatusInputs {
  const talhelper::TalConfig* config = nullptr;
  std::vector<client::ObservedNode> observed;
  std::shared_ptr<const nlohmann::json> runtime_class;  // null: not found
  std::string gpu_namespace = "nvidia";
  std::shared_ptr<const nlohmann::json> namespace_;  // null: not found
  // The GitOps manifests the cluster should run (`talgpu status gitops/`): the live RuntimeClass
  // nvidia and GPU namespace are compared with them. Null: not given.
  const Manifests* manifests = nullptr;
};

ClusterStatus compute_status(const StatusInputs& in);

// The NVIDIA driver version an extension label value names ("535.247.01-v1.11.1" → "535.247.01").
std::string driver_from_extension_labels(const std::vector<std::pair<std::string, std::string>>& extensions);

std::string render_status_text(const ClusterStatus& s, bool color);
std::string render_status_json(const ClusterStatus& s);

}  // namespace talgpu::kube
