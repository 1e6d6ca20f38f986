#include <kube/client/nodes.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <kube/nodes_json.hpp>
#include <yaml/json.hpp>

namespace talgpu::kube::client {

using nlohmann::json;

std::string json_pointer_escape(std::string_view segment) {
  std::string out;
  for (char c : segment) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

const char* apply_status_name(ApplyStatus s) {
  switch (s) {
    case ApplyStatus::unchanged: return "unchanged";
    case ApplyStatus::applied: return "applied";
    case ApplyStatus::missing: return "missing";
    case ApplyStatus::failed: return "failed";
  }
  return "?";
}

ObservedNode observed_node(const json& object) {
  ObservedNode o;
  Diagnostics ignored;
  if (auto n = read_node(yaml::from_json(object), NodeSource::observed, ignored)) {
    o.node = std::move(*n);
  }
  const json meta = object.value("metadata", json::object());
  o.node.name = meta.value("name", o.node.name);
  o.resource_version = meta.value("resourceVersion", "");
  const json status = object.value("status", json::object());
  for (const auto& c : status.value("conditions", json::array())) {
    if (c.is_object() && c.value("type", "") == "Ready") {
      o.facts.ready = c.value("status", "") == "True";
      std::string reason = c.value("reason", "");
      std::string msg = c.value("message", "");
      o.facts.ready_reason = msg.empty() ? reason : reason + ": " + msg;
    }
  }
  const json info = status.value("nodeInfo", json::object());
  std::string os = info.value("osImage", "");
  // Talos reports osImage "Talos (v1.11.1)" (siderolabs/talos internal/pkg/... version.Name + tag).
  if (os.rfind("Talos (", 0) == 0 && os.back() == ')') {
    o.facts.talos_version = os.substr(7, os.size() - 8);
  }
  o.facts.kubelet_version = info.value("kubeletVersion", "");
  for (const auto& e : o.node.labels) {
    if (e.key.rfind("extensions.talos.dev/", 0) == 0) {
      o.facts.extensions.emplace_back(e.key.substr(21), e.value);
    }
  }
  return o;
}

ApiResult<std::vector<ObservedNode>> fetch_nodes(Client& client) {
  auto listed = client.list("/api/v1/nodes");
  if (!listed) {
    return tl::unexpected(listed.error());
  }
  std::vector<ObservedNode> out;
  for (const auto& item : (*listed)["items"]) {
    out.push_back(observed_node(item));
  }
  return out;
}

namespace {

json taint_json(const Taint& t) {
  json j = {{"key", t.key}, {"effect", t.effect}};
  if (!t.value.empty()) {
    j["value"] = t.value;
  }
  return j;
}

}  // namespace

PatchPlanner taint_planner(std::vector<Taint> declared, bool prune) {
  return [declared = std::move(declared), prune](const json& object, json& ops, ApplyResult& r) {
    ObservedNode o = observed_node(object);
    auto changes = taint_changes(declared, o.node.taints, prune);
    bool write = false;
    for (const auto& c : changes) {
      switch (c.kind) {
        case TaintChange::Kind::add:
          r.changes.push_back("added " + c.taint.str());
          write = true;
          break;
        case TaintChange::Kind::change:
          r.changes.push_back(fmt::format("changed {}:{} value {} → {}", c.taint.key, c.taint.effect,
                                          c.before.empty() ? "\"\"" : c.before, c.taint.value.empty() ? "\"\"" : c.taint.value));
          write = true;
          break;
        case TaintChange::Kind::remove:
          r.changes.push_back("removed undeclared " + c.taint.str());
          write = true;
          break;
        case TaintChange::Kind::keep_undeclared:
          r.kept.push_back(c.taint.str());
          break;
      }
    }
    if (!write) {
      return;
    }
    // Only the taint list is written; kept entries are copied from what the server sent, so their
    // other fields (timeAdded) survive.
    json list = json::array();
    auto want = apply_taint_changes(o.node.taints, changes);
    const json observed = object.value("spec", json::object()).value("taints", json::array());
    for (const auto& t : want) {
      json item = taint_json(t);
      for (const auto& src : observed) {
        if (src.value("key", "") == t.key && src.value("effect", "") == t.effect && src.value("value", "") == t.value) {
          item = src;
        }
      }
      list.push_back(item);
    }
    if (!object.contains("spec")) {
      ops.push_back({{"op", "add"}, {"path", "/spec"}, {"value", json::object()}});
    }
    ops.push_back({{"op", "add"}, {"path", "/spec/taints"}, {"value", list}});
  };
}

PatchPlanner label_planner(Node declared) {
  return [declared = std::move(declared)](const json& object, json& ops, ApplyResult& r) {
    ObservedNode o = observed_node(object);
    auto changes = label_changes(declared, o.node);
    if (changes.empty()) {
      return;
    }
    if (!object.value("metadata", json::object()).contains("labels")) {
      ops.push_back({{"op", "add"}, {"path", "/metadata/labels"}, {"value", json::object()}});
    }
    for (const auto& c : changes) {
      ops.push_back({{"op", "add"}, {"path", "/metadata/labels/" + json_pointer_escape(c.key)}, {"value", c.value}});
      r.changes.push_back(c.before ? fmt::format("changed {}={} (was {})", c.key, c.value, *c.before)
                                   : fmt::format("added {}={}", c.key, c.value));
    }
  };
}

ApplyResult apply_node_patch(Client& client, const std::string& name, const PatchPlanner& plan, int max_attempts) {
  ApplyResult r;
  r.node = name;
  std::string path = "/api/v1/nodes/" + url_escape(name);
  std::string last_rv;
  std::vector<std::string> sent_changes;  // what the last patch we sent would have done
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    r.attempts = attempt;
    auto node = client.get(path);
    if (!node) {
      r.status = node.error().code == 404 ? ApplyStatus::missing : ApplyStatus::failed;
      r.error = node.error().code == 404 ? fmt::format("node {} is not in the cluster (talgpu does not create nodes)", name)
                                         : node.error().message;
      return r;
    }
    std::string rv = (*node)["metadata"].value("resourceVersion", "");
    json ops = json::array();
    r.changes.clear();
    r.kept.clear();
    plan(*node, ops, r);
    if (ops.empty()) {
      if (!sent_changes.empty()) {
        // An earlier attempt's answer was lost but the node now holds the wanted state.
        r.status = ApplyStatus::applied;
        r.changes = sent_changes;
      } else {
        r.status = ApplyStatus::unchanged;
      }
      return r;
    }
    sent_changes = r.changes;
    json patch = json::array({{{"op", "test"}, {"path", "/metadata/resourceVersion"}, {"value", rv}}});
    for (auto& op : ops) {
      patch.push_back(op);
    }
    auto done = client.patch(path, patch, PatchType::json, /*safe=*/true);
    if (done) {
      r.status = ApplyStatus::applied;
      return r;
    }
    long code = done.error().code;
    // 409: the object changed; 422 with a new resourceVersion: our test failed for the same
    // reason. A 422 on an unchanged node is a real rejection: report it.
    if (code == 409 || (code == 422 && rv != last_rv)) {
      if (code == 409) {
        sent_changes.clear();  // refused as a whole: ours did not land
      }
      last_rv = rv;
      continue;
    }
    r.status = ApplyStatus::failed;
    r.error = done.error().message;
    return r;
  }
  r.status = ApplyStatus::failed;
  r.error = fmt::format("node {} kept changing under us ({} attempts); nothing was applied by the last one", name, max_attempts);
  return r;
}

}  // namespace talgpu::kube::client
