#pragma once
// Observed nodes from `kubectl get nodes -o json` (a v1 List of Node, or a single Node): names,
// labels, taints, spec.unschedulable, status.capacity and status.allocatable. Every node gets
// source = observed; locations point into the JSON file (parsed by our YAML reader, which accepts
// JSON, so line:col are exact).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <core/diagnostic.hpp>
#include <core/error.hpp>
#include <kube/objects.hpp>
#include <core/fs.hpp>
#include <yaml/node.hpp>

namespace talgpu::kube {

// How big a `kubectl get nodes -o json` may be. Real fleets are big (about 24 KB a node with
// managedFields and images: 11,000 nodes are 256 MiB), and the streaming reader keeps only the
// Nodes, so the file itself is the only large allocation: up to `max_bytes`. The generic reader
// (a YAML tree of the whole text, several times its size) only runs up to `max_generic_bytes`.
struct NodesJsonLimits {
  size_t max_bytes = size_t{4} << 30;
  size_t max_generic_bytes = k_max_input_bytes;
};

// Rule ids: nodes-json-type / nodes-json-missing-key for malformed items; nodes-json-too-large
// when a file over max_generic_bytes is not one the streaming reader takes.
Result<std::vector<Node>> load_nodes_json(const std::string& path, Diagnostics& diags, const NodesJsonLimits& limits = {});
// Reads one Node object (a document or a List item).
std::optional<Node> read_node(const yaml::Node& obj, NodeSource source, Diagnostics& diags);

namespace detail {
// load_nodes_json's two readers, for tests that hold them to the same result. The streaming one
// reads the JSON directly and builds only the Nodes (real `kubectl get nodes -o json` carries
// images, conditions and managedFields we skip); it returns nullopt for anything it would have to
// report, and load_nodes_json then uses the generic one (the text parsed as YAML, read_node per
// item), which reports it.
std::optional<std::vector<Node>> read_nodes_json_fast(std::string_view text, const std::string& name);
Result<std::vector<Node>> read_nodes_json_generic(std::string_view text, const std::string& name, Diagnostics& diags);
}  // namespace detail

}  // namespace talgpu::kube
