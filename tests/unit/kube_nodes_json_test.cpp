// load_nodes_json's streaming reader against its generic one (the JSON parsed as YAML, then
// read_node): wherever the streaming reader answers, every field and every location must be the
// generic reader's, and the generic reader must report nothing. Checked on the fixtures, on
// `kubectl`-shaped nodes with the fields we skip, and on thousands of generated and mutated texts.

#include <kube/nodes_json.hpp>

#include <algorithm>
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


unsigned test_seed() {
  return GTEST_FLAG_GET(random_seed) == 0 ? 5u : static_cast<unsigned>(GTEST_FLAG_GET(random_seed));
}

// A List of one node whose labels (and a skipped sibling object) are `members`, e.g. "\"a\": \"b\"".
std::string node_with(const std::string& labels, const std::string& skipped = "{}") {
  return "{\"kind\": \"List\", \"items\": [{\"kind\": \"Node\", \"metadata\": {\"name\": \"n\", \"labels\": {" + labels +
         "}, \"annotations\": " + skipped + "}}]}";
}

// The streaming reader scans whitespace runs, string bodies and keys 16 bytes at a time and
// fingerprints keys by their first and last 8 bytes: every length around those sizes, at every
// alignment, including runs and strings that end with the text.
TEST(NodesJsonStreaming, StreamingReaderMatchesAcrossScanBoundaries) {
  size_t fast = 0;
  size_t total = 0;
  auto check = [&](const std::string& text, bool must_be_fast) {
    auto o = compare(text);
    ++total;
    fast += o.fast ? 1 : 0;
    ASSERT_EQ(o.problem, "") << text;
    if (must_be_fast) {
      ASSERT_TRUE(o.fast) << text;
    }
  };
  for (size_t indent = 0; indent <= 40; ++indent) {
    const std::string pad(indent, ' ');
    for (size_t len = 0; len <= 40; len += (len < 20 ? 1 : 7)) {
      const std::string word(len, 'k');
      const std::string other = len == 0 ? "x" : word.substr(0, len - 1) + "x";  // differs in the last byte
      const std::string middle = len < 3 ? "y" : word.substr(0, len / 2) + "y" + word.substr(len / 2 + 1);
      std::string text = "{\n" + pad + "\"kind\":" + pad + "\"List\",\n" + pad + "\"items\": [\n" + pad + "{\"kind\": \"Node\",\n" +
                         pad + "\"metadata\": {\"name\": \"" + word + "n\",\n" + pad + "\"labels\": {\n" + pad + "\"" + word +
                         "\": \"" + word + "\",\n" + pad + "\"" + other + "\":\n" + pad + "\"" + middle + "\"" + pad +
                         "\n}}}\n" + pad + "]\n" + pad + "}" + pad;
      const bool distinct = word != other && word != middle && other != middle;
      check(text, distinct);
      check(text + "\n" + pad, distinct);
      // The text cut anywhere near its end: strings, runs and keys that stop with the text.
      for (size_t cut = 1; cut <= std::min<size_t>(text.size(), 48); ++cut) {
        check(text.substr(0, text.size() - cut), false);
      }
      // Duplicate keys, the same up to their length.
      check(node_with("\"" + word + "\": \"a\", \"" + word + "\": \"b\""), false);
      check(node_with("\"a\": 1", "{\"" + word + "\": 1, \"b\": {}, \"" + word + "\": []}"), false);
      // Escapes around the 16-byte blocks: in values, at the end of a body, before a quote.
      for (const char* esc : {"\\\"", "\\\\", "\\n", "\\u00e9", "\\/", "\\x41", "\\\\\\\""}) {
        check(node_with("\"a\": \"" + word + esc + "\", \"b\": \"" + esc + word + "\""), false);
        check(node_with("\"a\": \"" + word + "\"", "{\"s\": \"" + word + esc + word + "\"}"), false);
        check(node_with("\"" + word + esc + "\": \"a\", \"b\": 1"), false);  // escaped keys, decoded
        check(node_with("\"a\": 1", "{\"" + word + esc + "\": 1, \"" + esc + word + "\": 2}"), false);
      }
    }
  }
  EXPECT_GT(fast, total / 4) << fast << " of " << total << " took the streaming path";
}

// Objects past 16 keys check duplicates through a hash table: every size up to well past its
// first growth, the duplicate anywhere, keys that share their first and last 8 bytes.
TEST(NodesJsonStreaming, StreamingReaderFindsDuplicatesInBigObjects) {
  auto key = [](size_t i, size_t style) {
    switch (style) {
      case 0: return fmt::format("k{}", i);
      case 1: return fmt::format("nvidia.com/gpu.{:04}.present", i);   // same head and tail, same length
      default: return fmt::format("feature.node.kubernetes.io/{}", std::string(i % 7 + 1, 'a') + std::to_string(i));
    }
  };
  std::mt19937 rng(test_seed());
  for (size_t style = 0; style < 3; ++style) {
    for (size_t n : {1, 2, 7, 8, 15, 16, 17, 18, 31, 32, 33, 40, 63, 64, 65, 100, 200}) {
      std::string members;
      for (size_t i = 0; i < n; ++i) {
        members += fmt::format("{}\"{}\": \"v{}\"", i ? ",\n    " : "", key(i, style), i);
      }
      auto ok = compare(node_with(members));
      EXPECT_TRUE(ok.fast) << n;
      EXPECT_EQ(ok.problem, "");
      auto skipped = compare(node_with("\"a\": \"b\"", "{" + members + "}"));
      EXPECT_TRUE(skipped.fast) << n;
      EXPECT_EQ(skipped.problem, "");
      for (size_t t = 0; t < 6; ++t) {
        const size_t dup = std::uniform_int_distribution<size_t>(0, n - 1)(rng);
        const size_t at = std::uniform_int_distribution<size_t>(0, n)(rng);
        std::string with_dup;
        for (size_t i = 0; i <= n; ++i) {
          if (i == at) {
            with_dup += fmt::format("{}\"{}\": \"dup\"", with_dup.empty() ? "" : ", ", key(dup, style));
          }
          if (i < n) {
            with_dup += fmt::format("{}\"{}\": \"v{}\"", with_dup.empty() ? "" : ", ", key(i, style), i);
          }
        }
        EXPECT_FALSE(detail::read_nodes_json_fast(node_with(with_dup), "nodes.json").has_value()) << with_dup;
        EXPECT_FALSE(detail::read_nodes_json_fast(node_with("\"a\": \"b\"", "{" + with_dup + "}"), "nodes.json").has_value());
        // The same keys again in a nested object are no duplicates.
        auto nested = compare(node_with(members, "{" + members + ", \"inner\": {" + members + "}}"));
        EXPECT_TRUE(nested.fast);
        EXPECT_EQ(nested.problem, "");
      }
    }
  }
}

// Labels in any order, escaped values, non-scalar and null values, locations after multi-byte
// characters on one long line (the column count skips 8 bytes at a time).
TEST(NodesJsonStreaming, StreamingReaderMatchesOnOddLabelsAndLines) {
  const std::vector<std::string> cases = {
      node_with("\"z\": \"1\", \"a\": \"2\", \"m\": \"3\", \"b\": null, \"c\": {\"x\": 1}, \"d\": [1], \"e\": 5, \"f\": true"),
      node_with("\"b\": \"caf\\u00e9\", \"a\": \"\\\"q\\\"\", \"c\": \"\\\\\", \"d\": \"x\\ny\", \"e\": \"\\/\""),
      node_with("\"role\": \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\", \"\xe2\x82\xac\xe2\x82\xac"
                "\xe2\x82\xac\xe2\x82\xac\": \"\xf0\x9f\x98\x80\"",
                "{\"x\": \"" + std::string(100, 'a') + "\xc3\xa9\xe2\x82\xac" + std::string(37, 'b') + "\"}"),
      // One line: every location is on line 1, far along it.
      "{\"kind\":\"List\",\"items\":[" + kubectl_node(1) + "," + kubectl_node(2) + "]}",
      // Names and kinds with escapes; taints with odd values.
      "{\"kind\": \"List\", \"items\": [{\"kind\": \"No\\u0064e\", \"metadata\": {\"name\": \"\\u00e9\"}, \"spec\": {\"taints\": "
      "[{\"key\": \"k\\\"\", \"value\": null, \"effect\": {\"a\": 1}}, null, 5, {}]}}, {\"kind\": \"N\\u006Fde \", "
      "\"metadata\": {}}]}",
      // Strings far longer than a scan block; a key of 1022 bytes (the longest taken) and 1023.
      node_with("\"a\": \"" + std::string(5000, 'v') + "\"", "{\"" + std::string(1022, 'k') + "\": 1}"),
      node_with("\"a\": \"b\"", "{\"" + std::string(1023, 'k') + "\": 1}"),
      node_with("\"" + std::string(1022, 'k') + "\": \"b\""),
  };
  for (const auto& text : cases) {
    std::string one_line = text;
    std::replace(one_line.begin(), one_line.end(), '\n', ' ');
    for (const std::string& t : {text, one_line}) {
      auto o = compare(t);
      EXPECT_EQ(o.problem, "") << t;
    }
  }
  EXPECT_TRUE(compare(cases[0]).fast);
  EXPECT_TRUE(compare(cases[1]).fast);
  EXPECT_TRUE(compare(cases[3]).fast);
}

// Keys with escapes (managedFields writes `k:{\"type\":\"Ready\"}`) are compared decoded, as the YAML
// reader compares them, and read decoded where they matter (labels, and the fields of a Node).
TEST(NodesJsonStreaming, StreamingReaderMatchesOnEscapedKeys) {
  const std::vector<std::string> ok = {
      node_with("\"a\\u0062\": \"1\", \"a\\\"c\": \"2\", \"\\u00e9\": \"3\", \"ab\\/\": \"\\u00e9\", \"aa\": 1"),
      node_with("\"a\": 1", "{\"k:{\\\"type\\\":\\\"Ready\\\"}\": {\".\": {}, \"f:type\": {}}, \"k:{\\\"type\\\":\\\"DiskPressure\\\"}\": {}}"),
      R"({"kind": "List", "items": [{"ki\u006ed": "Node", "m\u0065tadata": {"n\u0061me": "n", "labels": {"x": "y"}}, "sp\u0065c": {"t\u0061ints": [{"k\u0065y": "k"}]}}]})",
      R"({"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "p"}}, {"k\u0069nd": "Node", "metadata": {"name": "q"}}]})",
  };
  for (const auto& text : ok) {
    auto o = compare(text);
    EXPECT_TRUE(o.fast) << text;
    EXPECT_EQ(o.problem, "") << text;
  }
  const std::vector<std::string> duplicates = {
      node_with("\"ab\": \"1\", \"a\\u0062\": \"2\""),
      node_with("\"a\\u0062\": \"1\", \"ab\": \"2\""),
      node_with("\"a\\u0062\": \"1\", \"\\u0061b\": \"2\""),
      node_with("\"a\": 1", "{\"k:{\\\"t\\\"}\": 1, \"k:{\\u0022t\\u0022}\": 2}"),
      R"({"kind": "List", "items": [], "item\u0073": []})",
  };
  for (const auto& text : duplicates) {
    EXPECT_FALSE(detail::read_nodes_json_fast(text, "nodes.json").has_value()) << text;
    EXPECT_EQ(compare(text).problem, "") << text;
  }
  // Escaped keys in big objects (past the scan; past 128 keys the YAML reader hands the text to
  // libyaml), duplicates among them.
  for (size_t n : {40, 150}) {
    std::string members;
    for (size_t i = 0; i < n; ++i) {
      members += fmt::format("{}\"k:{{\\\"type\\\":\\\"T{}\\\"}}\": {{}}", i ? ", " : "", i);
    }
    auto big = compare(node_with("\"a\": 1", "{" + members + "}"));
    EXPECT_TRUE(big.fast);
    EXPECT_EQ(big.problem, "");
    const std::string dup = members + ", \"k:{\\u0022type\\u0022:\\u0022T17\\u0022}\": {}";
    EXPECT_FALSE(detail::read_nodes_json_fast(node_with("\"a\": 1", "{" + dup + "}"), "nodes.json").has_value());
    EXPECT_FALSE(detail::read_nodes_json_fast(node_with(dup), "nodes.json").has_value());
  }
}

// Nesting up to the reader's limit and past it, in skipped values and under a label.
TEST(NodesJsonStreaming, StreamingReaderMatchesOnDeepNesting) {
  for (size_t depth : {1, 50, 150, 194, 195, 196, 197, 198, 199, 200, 201, 250, 300}) {
    for (bool arrays : {false, true}) {
      std::string deep;
      for (size_t i = 0; i < depth; ++i) {
        deep += arrays ? (i % 2 ? "[" : "[1, ") : "{\"a\": ";
      }
      deep += "1";
      for (size_t i = 0; i < depth; ++i) {
        deep += arrays ? "]" : "}";
      }
      for (const std::string& text : {node_with("\"a\": \"b\"", deep), node_with("\"a\": " + deep)}) {
        auto o = compare(text);
        EXPECT_EQ(o.problem, "") << depth;
        if (depth <= 150) {
          EXPECT_TRUE(o.fast) << depth;
        }
      }
    }
  }
}

// Tabs and CRs (inside strings too), and other whitespace the YAML fast path leaves to libyaml.
TEST(NodesJsonStreaming, StreamingReaderLeavesOtherWhitespaceToTheGenericReader) {
  const std::string base = node_with("\"a\": \"b\"");
  for (const char* ws : {"\t", "\r", "\r\n", "\f", "\v"}) {
    for (size_t at : {size_t{0}, size_t{1}, base.find(':'), base.find("\"b\"") + 1, base.size()}) {
      std::string text = base;
      text.insert(at, ws);
      EXPECT_FALSE(detail::read_nodes_json_fast(text, "nodes.json").has_value()) << text;
      EXPECT_EQ(compare(text).problem, "");
    }
  }
}

// Realistic nodes (GPU feature discovery labels, managedFields, images, conditions) in kubectl's
// layout, then mutated a byte at a time with the characters the reader treats specially.
TEST(NodesJsonStreaming, StreamingReaderMatchesOnMutatedKubectlOutput) {
  std::mt19937 rng(test_seed());
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  auto big_node = [&](int i) {
    std::string labels;
    std::vector<std::string> keys = {"kubernetes.io/hostname", "nvidia.com/gpu.present", "nvidia.com/gpu.product",
                                     "nvidia.com/gpu.count", "nvidia.com/cuda.driver.major", "nvidia.com/cuda.driver.minor",
                                     "nvidia.com/gfd.timestamp", "feature.node.kubernetes.io/pci-10de.present",
                                     "node-role.kubernetes.io/control-plane", "topology.kubernetes.io/zone"};
    for (size_t k = 0; k < 20; ++k) {
      keys.push_back(fmt::format("nvidia.com/gpu.deploy.{}", std::string(k % 5 + 1, 'd') + std::to_string(k)));
    }
    std::shuffle(keys.begin(), keys.end(), rng);
    std::string managed;
    for (size_t k = 0; k < keys.size(); ++k) {
      labels += fmt::format("{}\n                    \"{}\": \"{}\"", k ? "," : "", keys[k], pick(3) ? "true" : "");
      managed += fmt::format("{}\"f:{}\": {{}}", k ? ", " : "", keys[k]);
    }
    return fmt::format(R"json({{
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {{
                "labels": {{{}
                }},
                "managedFields": [
                    {{"fieldsV1": {{"f:metadata": {{"f:labels": {{{}}}}}}}, "manager": "gpu-feature-discovery"}}
                ],
                "name": "worker-{}"
            }},
            "spec": {{"taints": [{{"effect": "NoSchedule", "key": "nvidia.com/gpu", "value": "present"}}]}},
            "status": {{
                "allocatable": {{"cpu": "223800m", "memory": "2113148488Ki", "nvidia.com/gpu": "8"}},
                "capacity": {{"cpu": "224", "memory": "2113660488Ki", "nvidia.com/gpu": "8"}},
                "conditions": [{{"lastHeartbeatTime": "2026-11-27T10:00:00Z", "message": "kubelet is posting ready status", "status": "True", "type": "Ready"}}],
                "daemonEndpoints": {{"kubeletEndpoint": {{"Port": 10250}}}},
                "images": [{{"names": ["nvcr.io/nvidia/k8s-device-plugin@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "nvcr.io/nvidia/k8s-device-plugin:v0.17.0"], "sizeBytes": 123456789}}],
                "nodeInfo": {{"kernelVersion": "6.12.48-talos", "osImage": "Talos (v1.11.1)"}}
            }}
        }})json",
                       labels, managed, i);
  };
  std::string list = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        " + big_node(0) + ",\n        " + big_node(1) +
                     "\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n";
  auto o = compare(list);
  ASSERT_TRUE(o.fast);
  ASSERT_EQ(o.problem, "");
  static const std::string specials = "\"\\{}[]:, \n\t\ru0aez\xc3\xa9-.";
  size_t fast = 0;
  const size_t total = 1500;
  for (size_t t = 0; t < total; ++t) {
    std::string text = list;
    for (size_t m = 1 + pick(2); m > 0; --m) {
      const size_t at = pick(text.size());
      switch (pick(4)) {
        case 0: text.erase(at, 1); break;
        case 1: text.insert(at, 1, specials[pick(specials.size())]); break;
        case 2: text[at] = specials[pick(specials.size())]; break;
        default: text.insert(at, text.substr(pick(text.size()), pick(40))); break;  // a copied run
      }
    }
    auto r = compare(text);
    fast += r.fast ? 1 : 0;
    ASSERT_EQ(r.problem, "") << text;
  }
  EXPECT_GT(fast, total / 10) << fast << " of " << total << " took the streaming path";
}

// Honest sizes: past the generic reader's bound a kubectl List still loads (the streaming reader
// keeps only the Nodes); YAML or JSON with something to report gets a located refusal instead of
// a tree several times the file's size; past max_bytes nothing is read. Small limits stand in for
// the real ones (4 GiB, 256 MiB), so the rule is tested at its edges without gigabyte files.
TEST(NodesJsonLimits, BigKubectlListsLoadAndOnlyTheGenericReaderIsBounded) {
  std::string list = "{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n";
  for (int i = 0; i < 20; ++i) {
    list += "    " + kubectl_node(i) + (i < 19 ? ",\n" : "\n");
  }
  list += "  ],\n  \"kind\": \"List\",\n  \"metadata\": {\"resourceVersion\": \"\"}\n}\n";
  test::TempDir tmp;
  NodesJsonLimits lim;
  lim.max_generic_bytes = list.size() / 4;
  lim.max_bytes = list.size() * 2;
  Diagnostics diags;
  auto big = load_nodes_json(tmp.write("nodes.json", list), diags, lim);
  ASSERT_TRUE(big.has_value()) << big.error().describe();
  EXPECT_EQ(big->size(), 20u);
  EXPECT_TRUE(diags.empty());

  // The same fleet as YAML: the streaming reader declines it, and it is over the generic bound.
  std::string yaml = "apiVersion: v1\nkind: List\nitems:\n";
  for (int i = 0; i < 200; ++i) {
    yaml += fmt::format("- apiVersion: v1\n  kind: Node\n  metadata:\n    name: node-{}\n    labels:\n      role: gpu\n", i);
  }
  lim.max_generic_bytes = yaml.size() - 1;
  auto refused = load_nodes_json(tmp.write("nodes.yaml", yaml), diags, lim);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().rule, "nodes-json-too-large");
  EXPECT_EQ(refused.error().location.file, tmp.file("nodes.yaml"));
  EXPECT_NE(refused.error().message.find("kubectl get nodes -o json"), std::string::npos);

  // At the bound exactly, the generic reader takes it.
  lim.max_generic_bytes = yaml.size();
  auto taken = load_nodes_json(tmp.file("nodes.yaml"), diags, lim);
  ASSERT_TRUE(taken.has_value()) << taken.error().describe();
  EXPECT_EQ(taken->size(), 200u);
  EXPECT_EQ((*taken)[199].name, "node-199");

  // A JSON List with a node the streaming reader must leave to the generic one (its taints are
  // not a list), over the generic bound: refused, not half-read.
  std::string odd = list;
  auto at = odd.find("\"taints\": [");
  ASSERT_NE(at, std::string::npos);
  odd.replace(at, 11, "\"taints\": {}, \"x\": [");
  lim.max_generic_bytes = odd.size() / 4;
  auto odd_big = load_nodes_json(tmp.write("odd.json", odd), diags, lim);
  ASSERT_FALSE(odd_big.has_value());
  EXPECT_EQ(odd_big.error().rule, "nodes-json-too-large");

  // Past max_bytes nothing is read at all.
  lim.max_bytes = list.size() - 1;
  auto over = load_nodes_json(tmp.file("nodes.json"), diags, lim);
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().rule, "io-too-large");
}

// The real bounds: a real fleet's file (11,000 nodes with managedFields are 256 MiB) is not
// refused for its size; the generic reader keeps the one input limit.
TEST(NodesJsonLimits, DefaultsTakeRealFleets) {
  NodesJsonLimits lim;
  EXPECT_GE(lim.max_bytes, size_t{1} << 30);
  EXPECT_EQ(lim.max_generic_bytes, k_max_input_bytes);
}

}  // namespace
}  // namespace talgpu::kube
