#pragma once
// Node reads and guarded node writes over the API client.
//
// Writes are JSON patches (RFC 6902) that start with a `test` of metadata.resourceVersion, so a
// patch computed from a node someone else changed meanwhile is refused as a whole (the API server
// answers 409 Conflict, or 422 for the failed test: apiserver endpoints/handlers/patch.go) and
// never half-applied; we then read the node again, recompute and retry. Such a patch is safe to
// resend after a dropped connection: once applied, its test fails.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <core/error.hpp>
#include <kube/client/client.hpp>
#include <kube/drift.hpp>
#include <kube/objects.hpp>

namespace talgpu::kube::client {

struct ObservedNode {
  Node node;  // labels, taints, capacity, allocatable (source = observed)
  NodeFacts facts;
  std::string resource_version;
};

ObservedNode observed_node(const nlohmann::json& object);
ApiResult<std::vector<ObservedNode>> fetch_nodes(Client& client);

enum class ApplyStatus { unchanged, applied, missing, failed };
const char* apply_status_name(ApplyStatus s);

struct ApplyResult {
  std::string node;
  ApplyStatus status = ApplyStatus::unchanged;
  std::vector<std::string> changes;  // human lines ("added nvidia.com/gpu=present:NoSchedule")
  std::vector<std::string> kept;     // undeclared taints left in place
  std::string error;
  int attempts = 0;
};

// Fills `ops` with the patch operations (without the test) that bring `node` to the wanted state
// and `result.changes` / `result.kept` with their description; empty ops: nothing to do.
using PatchPlanner = std::function<void(const nlohmann::json& node, nlohmann::json& ops, ApplyResult& result)>;

// GET, plan, PATCH with the resourceVersion test; on a conflict re-read and retry (max_attempts).
ApplyResult apply_node_patch(Client& client, const std::string& name, const PatchPlanner& plan, int max_attempts = 5);

// Planners for taints (declared set, prune) and labels (declared node).
PatchPlanner taint_planner(std::vector<Taint> declared, bool prune);
PatchPlanner label_planner(Node declared);

// JSON pointer escaping of one path segment (RFC 6901: ~ → ~0, / → ~1).
std::string json_pointer_escape(std::string_view segment);

}  // namespace talgpu::kube::client
