#pragma once
// Observed nodes from `kubectl get nodes -o json` (a v1 List of Node, or a single Node): names,
// labels, taints, spec.unschedulable, status.capacity and status.allocatable. Every node gets
// source = observed; locations point into the JSON file (parsed by our YAML reader, which accepts
// JSON, so line:col are exact).

#include <string>
#include <vector>

#include <core/diagnostic.hpp>
#include <core/error.hpp>
#include <kube/objects.hpp>
#include <yaml/node.hpp>

namespace talgpu::kube {

// Rule ids: nodes-json-type / nodes-json-missing-key for malformed items.
Result<std::vector<Node>> load_nodes_json(const std::string& path, Diagnostics& diags);
// Reads one Node object (a document or a List item).
std::optional<Node> read_node(const yaml::Node& obj, NodeSource source, Diagnostics& diags);

}  // namespace talgpu::kube
