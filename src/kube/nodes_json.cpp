// `kubectl get nodes -o json` → observed Nodes. The JSON is read with our YAML parser (JSON is
// YAML 1.2), so every label and taint keeps its exact line:col in the file.

#include <kube/nodes_json.hpp>

#include <fmt/format.h>

#include <algorithm>

#include <core/fs.hpp>
#include <core/source.hpp>
#include <core/strings.hpp>
#include <yaml/document.hpp>
#include <yaml/reader.hpp>

namespace talgpu::kube {

namespace {

constexpr const char* k_type = "nodes-json-type";

const yaml::Node* get(const yaml::Node& n, std::string_view key) {
  if (!n.is_mapping()) {
    return nullptr;
  }
  const yaml::Node* c = n.find(key);
  return c && !c->is_null() ? c : nullptr;
}

void read_quantities(const yaml::Node* m, std::map<std::string, Quantity>& out, const std::string& path,
                     Diagnostics& diags) {
  if (!m) {
    return;
  }
  if (!m->is_mapping()) {
    diags.error(k_type, fmt::format("'{}' must be a mapping, not {}", path, yaml::describe_kind(*m)), m->location());
    return;
  }
  for (const auto& e : m->entries()) {
    if (e.value.is_scalar() && !e.value.is_null()) {
      out[e.key.value()] = Quantity::parse(e.value.value());
    }
  }
}

}  // namespace

std::optional<Node> read_node(const yaml::Node& obj, NodeSource source, Diagnostics& diags) {
  if (!obj.is_mapping()) {
    diags.error(k_type, fmt::format("a Node must be a mapping, not {}", yaml::describe_kind(obj)), obj.location());
    return std::nullopt;
  }
  Node node;
  node.source = source;
  node.location = obj.location();
  const yaml::Node* meta = get(obj, "metadata");
  const yaml::Node* name = meta ? get(*meta, "name") : nullptr;
  if (!name || !name->is_scalar()) {
    diags.error("nodes-json-missing-key", "Node is missing 'metadata.name'", obj.location());
    return std::nullopt;
  }
  node.name = name->value();
  if (const yaml::Node* labels = meta ? get(*meta, "labels") : nullptr) {
    if (labels->is_mapping()) {
      node.labels.location = labels->location();
      for (const auto& e : labels->entries()) {
        node.labels.set(e.key.value(), e.value.is_null() ? std::string() : e.value.value(), e.key.location());
      }
    } else {
      diags.error(k_type, "'metadata.labels' must be a mapping", labels->location());
    }
  }
  if (const yaml::Node* spec = get(obj, "spec")) {
    if (const yaml::Node* u = get(*spec, "unschedulable")) {
      node.unschedulable = u->is_scalar() && u->value() == "true";
    }
    if (const yaml::Node* taints = get(*spec, "taints")) {
      if (!taints->is_sequence()) {
        diags.error(k_type, "'spec.taints' must be a list", taints->location());
      } else {
        for (const auto& t : taints->items()) {
          Taint taint;
          taint.location = t.location();
          auto s = [&t](const char* k) {
            const yaml::Node* v = get(t, k);
            return v && v->is_scalar() ? v->value() : std::string();
          };
          taint.key = s("key");
          taint.value = s("value");
          taint.effect = s("effect");
          node.taints.push_back(std::move(taint));
        }
      }
    }
  }
  if (const yaml::Node* status = get(obj, "status")) {
    read_quantities(get(*status, "capacity"), node.capacity, "status.capacity", diags);
    read_quantities(get(*status, "allocatable"), node.allocatable, "status.allocatable", diags);
  }
  if (node.labels.contains("node-role.kubernetes.io/control-plane")) {
    node.control_plane = true;
  }
  if (node.allocatable.count(std::string(k_gpu_resource)) || node.labels.contains("nvidia.com/gpu.present")) {
    node.gpu = true;
  }
  return node;
}

namespace detail {

Result<std::vector<Node>> read_nodes_json_generic(std::string_view text, const std::string& name, Diagnostics& diags) {
  // `kubectl get nodes -o json` of a large fleet is far bigger than a hand-written manifest.
  yaml::ParseOptions po;
  po.max_bytes = std::max(text.size(), k_max_input_bytes);  // load_nodes_json bounds it
  TRY_ASSIGN(auto docs, yaml::parse(text, name, po));
  std::vector<Node> out;
  for (const auto& d : docs) {
    const yaml::Node& root = d.root;
    if (!root.is_mapping()) {
      continue;
    }
    const yaml::Node* kind = get(root, "kind");
    std::string k = kind && kind->is_scalar() ? kind->value() : "";
    if (k == "Node") {
      if (auto n = read_node(root, NodeSource::observed, diags)) {
        out.push_back(std::move(*n));
      }
      continue;
    }
    const yaml::Node* items = get(root, "items");
    if (!items || !items->is_sequence()) {
      diags.error(k_type, fmt::format("{}: expected a Node or a List of Nodes (kubectl get nodes -o json)", name),
                  root.location());
      continue;
    }
    for (const auto& item : items->items()) {
      const yaml::Node* ik = get(item, "kind");
      if (ik && ik->is_scalar() && ik->value() != "Node") {
        continue;
      }
      if (auto n = read_node(item, NodeSource::observed, diags)) {
        out.push_back(std::move(*n));
      }
    }
  }
  return out;
}

}  // namespace detail

Result<std::vector<Node>> load_nodes_json(const std::string& path, Diagnostics& diags, const NodesJsonLimits& limits) {
  TRY_ASSIGN(std::string text, read_file(path, limits.max_bytes));
  if (trim(text).empty()) {
    // An empty file is not "a cluster without nodes" (that is a List with no items): it is a
    // failed `kubectl get nodes -o json > nodes.json`, and checking against it would prove nothing.
    return fail("the file is empty (expected the output of 'kubectl get nodes -o json')",
                SourceLocation{path, 0, 0}, "nodes-empty");
  }
  TRY(yaml::check_text_encoding(text, path));
  if (auto nodes = detail::read_nodes_json_fast(text, path)) {
    // Registered for diagnostics that quote a node's line later (read again when over budget).
    auto& reg = SourceRegistry::instance();
    reg.release_over_budget(reg.add(path, std::move(text)));
    return std::move(*nodes);
  }
  if (text.size() > limits.max_generic_bytes) {
    // The generic reader builds a tree of the whole text (several times its size): not for a
    // file this big. The streaming reader declines YAML, and JSON with something to report.
    return fail(fmt::format("{} MiB: over {} MiB only `kubectl get nodes -o json` output is read, and this file is "
                            "YAML or JSON with a node talgpu cannot read (write it with 'kubectl get nodes -o json' "
                            "unchanged, or check part of the fleet to be told which node and where)",
                            text.size() >> 20, limits.max_generic_bytes >> 20),
                SourceLocation{path, 0, 0}, "nodes-json-too-large");
  }
  auto nodes = detail::read_nodes_json_generic(text, path, diags);
  text = std::string();  // yaml::parse registered its own copy
  return nodes;
}

}  // namespace talgpu::kube
