#include <kube/declared_nodes.hpp>

namespace talgpu::kube {

namespace {

bool contains_nvidia(const yaml::Node& n) {
  if (n.is_scalar()) {
    return n.value().find("nvidia") != std::string::npos;
  }
  for (const auto& i : n.items()) {
    if (contains_nvidia(i)) {
      return true;
    }
  }
  for (const auto& e : n.entries()) {
    if (contains_nvidia(e.value)) {
      return true;
    }
  }
  return false;
}

}  // namespace

Taint parse_talos_taint(const std::string& key, const std::string& value, SourceLocation loc) {
  Taint t;
  t.key = key;
  t.location = std::move(loc);
  auto colon = value.find(':');
  if (colon == std::string::npos) {
    t.effect = value;
  } else {
    t.value = value.substr(0, colon);
    t.effect = value.substr(colon + 1);
  }
  return t;
}

bool schematic_has_nvidia(const yaml::Node& schematic) {
  // customization.systemExtensions.officialExtensions (siderolabs/nvidia-open-gpu-kernel-modules-*,
  // siderolabs/nonfree-kmod-nvidia-*, siderolabs/nvidia-container-toolkit-*).
  const yaml::Node* c = schematic.is_mapping() ? schematic.find("customization") : nullptr;
  const yaml::Node* se = c && c->is_mapping() ? c->find("systemExtensions") : nullptr;
  return se && contains_nvidia(*se);
}

Node declared_node(const talhelper::Node& n, bool allow_scheduling_on_control_planes) {
  Node out;
  out.name = n.hostname;
  out.source = NodeSource::declared;
  out.location = n.location;
  out.control_plane = n.control_plane;
  out.labels.location = n.field_location("nodeLabels");
  out.labels.set("kubernetes.io/hostname", n.hostname, n.field_location("hostname"));
  out.labels.set("kubernetes.io/os", "linux", n.location);
  out.labels.set("kubernetes.io/arch", n.machine_spec.arch, n.location);
  if (n.control_plane) {
    out.labels.set("node-role.kubernetes.io/control-plane", "", n.location);
  }
  for (const auto& kv : n.node_labels) {
    out.labels.set(kv.key, kv.value, kv.location);
  }
  for (const auto& kv : n.node_taints) {
    out.taints.push_back(parse_talos_taint(kv.key, kv.value, kv.location));
  }
  if (n.control_plane && !allow_scheduling_on_control_planes) {
    out.taints.push_back(Taint{"node-role.kubernetes.io/control-plane", "", "NoSchedule", n.location});
  }
  const std::string* present = out.labels.find("nvidia.com/gpu.present");
  out.gpu = (n.schematic && schematic_has_nvidia(*n.schematic)) || (present && *present == "true");
  return out;
}

std::vector<Node> declared_nodes(const talhelper::TalConfig& cfg) {
  std::vector<Node> out;
  for (const auto& n : cfg.nodes) {
    out.push_back(declared_node(n, cfg.allow_scheduling_on_control_planes));
  }
  return out;
}

}  // namespace talgpu::kube
