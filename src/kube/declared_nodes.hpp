#pragma once
// Nodes as a talconfig.yaml declares them, for placement checks before the cluster exists.
//
// What Kubernetes will see on each Node once Talos registers it:
//  - labels: the node's nodeLabels plus the kubelet's own kubernetes.io/hostname, kubernetes.io/os
//    and kubernetes.io/arch; control planes get node-role.kubernetes.io/control-plane="";
//  - taints: nodeTaints ("value:Effect" or "Effect", as Talos parses machine.nodeTaints), plus
//    node-role.kubernetes.io/control-plane:NoSchedule on control planes unless
//    allowSchedulingOnControlPlanes;
//  - gpu: the schematic installs an NVIDIA system extension, or the labels say
//    nvidia.com/gpu.present=true.
// Every label and taint keeps its talconfig location.

#include <vector>

#include <kube/objects.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu::kube {

Node declared_node(const talhelper::Node& node, bool allow_scheduling_on_control_planes);
std::vector<Node> declared_nodes(const talhelper::TalConfig& cfg);

// Splits a Talos taint value: "true:NoSchedule" → {"true", "NoSchedule"}, "NoSchedule" → {"", "NoSchedule"}.
Taint parse_talos_taint(const std::string& key, const std::string& value, SourceLocation loc = {});

// True when the schematic (as written in talconfig) lists an NVIDIA system extension.
bool schematic_has_nvidia(const yaml::Node& schematic);

}  // namespace talgpu::kube
