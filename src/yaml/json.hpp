#pragma once
// Conversions between our YAML Nodes and JSON (nlohmann), for `-o json`, Kubernetes API bodies and
// JSON inputs. Only the forward declaration of nlohmann::json is visible here.

#include <nlohmann/json_fwd.hpp>

#include <yaml/node.hpp>

namespace talgpu::yaml {

// Scalars become JSON by their resolved type: integers (int64/uint64, else double), floats, booleans,
// null, everything else strings.
nlohmann::json to_json(const Node& n);
nlohmann::ordered_json to_ordered_json(const Node& n);
// JSON values become typed plain scalars; strings become Node::string.
Node from_json(const nlohmann::json& j);
Node from_json(const nlohmann::ordered_json& j);

}  // namespace talgpu::yaml
