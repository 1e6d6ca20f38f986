// load_nodes_json's streaming reader against its generic one (the JSON parsed as YAML, then
// read_node): wherever the streaming reader answers, every field and every location must be the
// generic reader's, and the generic reader must report nothing. Checked on the fixtures, on
// `kubectl`-shaped nodes with the fields we skip, and on thousands of generated and mutated texts.

#include <kube/nodes_json.hpp>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <yaml/document.hpp>

#include "test_support.hpp"

namespace talgpu::kube {
namespace {

std::string loc(const SourceLocation& l) {
  return fmt::format("{}:{}:{}", l.file, l.line, l.column);
}

// Everything read_node fills in, as text.
std::string describe(const std::vector<Node>& nodes) {
  std::string out;
  for (const auto& n : nodes) {
    out += fmt::format("node '{}' source={} at {} unschedulable={} cp={} gpu={}\n", n.name, static_cast<int>(n.source),
                       loc(n.location), n.unschedulable, n.control_plane, n.gpu);
    out += fmt::format("  labels at {}\n", loc(n.labels.location));
    for (const auto& [k, v, k_at] : n.labels) {
      out += fmt::format("  label '{}'='{}' at {}\n", k, v, loc(n.labels.location_of(k)));
    }
    for (const auto& t : n.taints) {
      out += fmt::format("  taint '{}'='{}':'{}' at {}\n", t.key, t.value, t.effect, loc(t.location));
    }
    for (const auto* m : {&n.capacity, &n.allocatable}) {
      for (const auto& [k, q] : *m) {
        out += fmt::format("  {} '{}'='{}' valid={} whole={}\n", m == &n.capacity ? "capacity" : "allocatable", k,
                           q.text, q.valid, q.whole());
      }
    }
  }
  return out;
}

struct Outcome {
  bool fast = false;
  std::string problem;
};

Outcome compare(const std::string& text) {
  Outcome o;
  const std::string name = "nodes.json";
  if (!yaml::check_text_encoding(text, name)) {
    return o;  // load_nodes_json refuses it before either reader runs
  }
  auto fast = detail::read_nodes_json_fast(text, name);
  if (!fast) {
    return o;
  }
  o.fast = true;
  Diagnostics diags;
  auto generic = detail::read_nodes_json_generic(text, name, diags);
  if (!generic) {
    o.problem = "generic reader failed: " + generic.error().describe();
    return o;
  }
  if (!diags.empty()) {
    o.problem = fmt::format("generic reader reported {} problem(s)", diags.size());
    return o;
  }
  std::string a = describe(*fast);
  std::string b = describe(*generic);
  if (a != b) {
    o.problem = "streaming:\n" + a + "generic:\n" + b;
  }
  return o;
}

// A node as `kubectl get nodes -o json` prints it, with the parts read_node skips.
std::string kubectl_node(int i) {
  return fmt::format(R"json({{
      "apiVersion": "v1",
      "kind": "Node",
      "metadata": {{
        "annotations": {{
          "node.alpha.kubernetes.io/ttl": "0",
          "talos.dev/owned-labels": "[\"role\"]"
        }},
        "creationTimestamp": "2026-11-20T10:00:00Z",
        "labels": {{
          "beta.kubernetes.io/arch": "amd64",
          "kubernetes.io/hostname": "node-{0}",
          "node-role.kubernetes.io/control-plane": "",
          "nvidia.com/gpu.present": "true",
          "role": "gpu"
        }},
        "managedFields": [{{"apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": {{"f:metadata": {{"f:labels": {{".": {{}}, "f:role": {{}}}}}}}}, "manager": "kubelet", "operation": "Update"}}],
        "name": "node-{0}",
        "resourceVersion": "12345",
        "uid": "0f9e1c2a-0000-4000-8000-00000000000{0}"
      }},
      "spec": {{
        "podCIDR": "10.244.{0}.0/24",
        "taints": [
          {{"effect": "NoSchedule", "key": "gpu", "value": "true"}},
          {{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "timeAdded": "2026-11-20T10:00:00Z"}}
        ],
        "unschedulable": {1}
      }},
      "status": {{
        "addresses": [{{"address": "10.4.0.{0}", "type": "InternalIP"}}],
        "allocatable": {{"cpu": "7800m", "memory": "32Gi", "nvidia.com/gpu": "1", "pods": "110"}},
        "capacity": {{"cpu": "8", "ephemeral-storage": "1Ti", "memory": "33554432Ki", "nvidia.com/gpu": "1"}},
        "conditions": [{{"lastHeartbeatTime": "2026-11-27T10:00:00Z", "message": "kubelet is posting ready status \u00e9", "reason": "KubeletReady", "status": "True", "type": "Ready"}}],
        "images": [{{"names": ["nvcr.io/nvidia/cuda@sha256:abc", "nvcr.io/nvidia/cuda:12.2.0-base-ubuntu22.04"], "sizeBytes": 89123456}}],
        "nodeInfo": {{"kernelVersion": "6.12.48-talos", "osImage": "Talos (v1.11.1)"}}
      }}
    }})json",
                     i, i % 2 == 0 ? "false" : "true");
}

TEST(NodesJsonStreaming, StreamingReaderMatchesOnKubectlOutput) {
  std::string list = "{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n";
  for (int i = 0; i < 5; ++i) {
    list += "    " + kubectl_node(i) + (i < 4 ? ",\n" : "\n");
  }
  list += "  ],\n  \"kind\": \"List\",\n  \"metadata\": {\"resourceVersion\": \"\"}\n}\n";
  auto o = compare(list);
  EXPECT_TRUE(o.fast) << "a plain kubectl List must take the streaming path";
  EXPECT_EQ(o.problem, "");
  auto nodes = detail::read_nodes_json_fast(list, "nodes.json");
  ASSERT_TRUE(nodes.has_value());
  ASSERT_EQ(nodes->size(), 5u);
  EXPECT_EQ((*nodes)[1].name, "node-1");
  EXPECT_TRUE((*nodes)[1].unschedulable);
  EXPECT_TRUE((*nodes)[1].gpu);
  EXPECT_TRUE((*nodes)[1].control_plane);
  ASSERT_EQ((*nodes)[1].taints.size(), 2u);
  EXPECT_EQ((*nodes)[1].taints[0].key, "gpu");
  EXPECT_EQ((*nodes)[1].allocatable.at("nvidia.com/gpu").whole(), 1);

  // A single Node object.
  auto single = compare(kubectl_node(7));
  EXPECT_TRUE(single.fast);
  EXPECT_EQ(single.problem, "");
}

TEST(NodesJsonStreaming, StreamingReaderMatchesOnFixtures) {
  for (const char* rel : {"tests/fixtures/kube/nodes.json"}) {
    std::string text = test::read_text(test::source_path(rel));
    auto o = compare(text);
    EXPECT_EQ(o.problem, "") << rel;
  }
}

// What the generic reader reports, the streaming reader leaves to it.
TEST(NodesJsonStreaming, StreamingReaderDeclinesWhatNeedsADiagnostic) {
  const std::vector<std::string> cases = {
      R"({"kind": "List", "items": [{"metadata": {}}]})",                                  // no name
      R"({"kind": "List", "items": [{"metadata": {"name": "a", "labels": []}}]})",         // labels not a mapping
      R"({"kind": "List", "items": [{"metadata": {"name": "a"}, "spec": {"taints": {}}}]})",  // taints not a list
      R"({"kind": "List", "items": [{"metadata": {"name": "a"}, "status": {"capacity": 1}}]})",
      R"({"kind": "List", "items": ["a"]})",                                               // item not a mapping
      R"({"kind": "List"})",                                                               // no items
      R"({"kind": "List", "items": null})",
      R"({"kind": "List", "items": [], "items": []})",                                     // duplicate key
      R"({"kind": "List", "items": [],})",                                                 // invalid JSON
      R"([])",
      "{\"kind\": \"Node\", \"metadata\": {\"name\": \"a\\x41\"}}",                          // escapes left to YAML
      "{\"kind\":\t\"Node\"}",                                                             // tab
  };
  for (const auto& text : cases) {
    EXPECT_FALSE(detail::read_nodes_json_fast(text, "nodes.json").has_value()) << text;
  }
  // Items of another kind are skipped, even when read_node would reject them.
  auto o = compare(R"({"kind": "List", "items": [{"kind": "Pod"}, {"kind": "Node", "metadata": {"name": "n"}}]})");
  EXPECT_TRUE(o.fast);
  EXPECT_EQ(o.problem, "");
}

TEST(NodesJsonStreaming, StreamingReaderMatchesOnGeneratedNodes) {
  static const std::vector<std::string> scalars = {"\"a\"", "\"\"", "\"true\"", "true", "false", "null", "0", "-1.5e3",
                                                   "\"8\"", "\"7800m\"", "\"1Ki\"", "\"x y\"", "\"caf\\u00e9\"",
                                                   "\"q\\\"q\"", "\"\\n\"", "\"n\xc3\xa9\"", "\"bad quantity\""};
  static const std::vector<std::string> keys = {"kind", "metadata", "spec", "status", "name", "labels", "taints",
                                                "unschedulable", "capacity", "allocatable", "key", "value", "effect",
                                                "nvidia.com/gpu", "cpu", "node-role.kubernetes.io/control-plane",
                                                "nvidia.com/gpu.present", "images", "x"};
  std::mt19937 rng(GTEST_FLAG_GET(random_seed) == 0 ? 5u : static_cast<unsigned>(GTEST_FLAG_GET(random_seed)));
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  auto space = [&]() -> std::string {
    switch (pick(5)) {
      case 0: return "\n   ";
      case 1: return " ";
      default: return "";
    }
  };
  std::function<std::string(int)> value = [&](int depth) -> std::string {
    size_t kind = depth > 4 ? 2 : pick(4);
    if (kind < 2) {
      bool object = kind == 0;
      std::string s = object ? "{" : "[";
      size_t n = pick(5);
      for (size_t i = 0; i < n; ++i) {
        s += space();
        if (object) {
          s += "\"" + keys[pick(keys.size())] + "\"" + space() + ":" + space();
        }
        s += value(depth + 1) + space() + (i + 1 < n ? "," : "");
      }
      return s + space() + (object ? "}" : "]");
    }
    return scalars[pick(scalars.size())];
  };
  // A node that mostly has the right shape, with random values in its fields.
  auto node = [&]() {
    std::string s = "{" + space() + "\"kind\": " + (pick(6) == 0 ? value(3) : "\"Node\"");
    s += "," + space() + "\"metadata\": {\"name\": " + (pick(8) == 0 ? value(3) : "\"n" + std::to_string(pick(50)) + "\"");
    if (pick(2) == 0) {
      s += ", \"labels\": " + (pick(6) == 0 ? value(2) : "{\"role\": " + value(4) + "," + space() + "\"" + keys[pick(keys.size())] + "\": " + value(4) + "}");
    }
    s += "}";
    if (pick(2) == 0) {
      s += "," + space() + "\"spec\": {\"unschedulable\": " + value(4) + ", \"taints\": " +
           (pick(5) == 0 ? value(3) : "[{\"key\": " + value(4) + ", \"effect\": " + value(4) + "}," + space() + value(3) + "]") + "}";
    }
    if (pick(2) == 0) {
      s += ", \"status\": {\"capacity\": " + (pick(5) == 0 ? value(3) : "{\"cpu\": " + value(4) + ", \"nvidia.com/gpu\": " + value(4) + "}") +
           ", \"allocatable\": " + value(2) + "}";
    }
    if (pick(3) == 0) {
      s += ", \"" + keys[pick(keys.size())] + "\": " + value(1);
    }
    return s + space() + "}";
  };
  size_t fast = 0;
  const size_t total = 3000;
  for (size_t t = 0; t < total; ++t) {
    std::string text;
    if (pick(4) == 0) {
      text = node();
    } else {
      text = "{\"apiVersion\": \"v1\"," + space() + "\"items\": [";
      size_t n = pick(4);
      for (size_t i = 0; i < n; ++i) {
        text += space() + node() + (i + 1 < n ? "," : "");
      }
      text += "]," + space() + "\"kind\": \"List\"}";
    }
    if (pick(10) == 0 && !text.empty()) {  // break it somewhere
      text.erase(pick(text.size()), 1);
    }
    auto o = compare(text);
    fast += o.fast ? 1 : 0;
    ASSERT_EQ(o.problem, "") << text;
  }
  EXPECT_GT(fast, total / 5) << fast << " of " << total << " took the streaming path";
}

}  // namespace
}  // namespace talgpu::kube
