// MapReader and the scalar helpers: type errors, missing keys and unknown keys, each located.

#include <gtest/gtest.h>

#include <yaml/document.hpp>
#include <yaml/reader.hpp>

using namespace talgpu;
using namespace talgpu::yaml;

namespace {

Node parse_ok(const std::string& text, const std::string& name) {
  auto r = parse_one(text, name);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().describe());
  return r ? *r : Node();
}

std::string rendered(const Diagnostics& ds) {
  RenderOptions o;
  o.show_source = false;
  return render_text(ds, o);
}

}  // namespace

TEST(YamlReader, ReadsTypedValues) {
  Node n = parse_ok(
      "hostname: gpu-1\nport: 6443\nenabled: true\nversion: 1.11\nlabels:\n  a: x\n  b:\n  c: 3\n"
      "args: [a, 'b']\nmtu: 0x5DC\nsize: 1_000\nneg: -12\nquoted: \"42\"\n",
      "reader-ok.yaml");
  Diagnostics ds;
  MapReader r(n, "nodes[0]", ds, "talconfig");
  EXPECT_EQ(r.string("hostname", Need::required), "gpu-1");
  EXPECT_EQ(r.integer("port"), 6443);
  EXPECT_EQ(r.boolean("enabled"), true);
  EXPECT_EQ(r.string("version"), "1.11");  // a plain number read as a string keeps its text
  auto labels = r.string_map("labels");
  ASSERT_TRUE(labels);
  EXPECT_EQ(*labels, (std::map<std::string, std::string>{{"a", "x"}, {"b", ""}, {"c", "3"}}));
  EXPECT_EQ(r.strings("args"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.integer("mtu"), 1500);  // Go's base prefixes and underscores, as go-yaml decodes ints
  EXPECT_EQ(r.integer("size"), 1000);
  EXPECT_EQ(r.integer("neg"), -12);
  EXPECT_EQ(r.integer("quoted"), 42);
  EXPECT_EQ(r.string("absent"), std::nullopt);
  r.finish();
  EXPECT_TRUE(ds.empty()) << rendered(ds);
}

TEST(YamlReader, TypeErrorsAreLocated) {
  Node n = parse_ok("hostname: [a]\nport: abc\nenabled: yes\nlabels: [x]\nargs: {a: b}\nlist: [a, [b], c]\n"
                    "big: 99999999999999999999\n",
                    "reader-types.yaml");
  Diagnostics ds;
  MapReader r(n, "nodes[1]", ds, "talconfig");
  EXPECT_EQ(r.string("hostname"), std::nullopt);
  EXPECT_EQ(r.integer("port"), std::nullopt);
  EXPECT_EQ(r.boolean("enabled"), std::nullopt);
  EXPECT_EQ(r.string_map("labels"), std::nullopt);
  EXPECT_EQ(r.strings("args"), std::nullopt);
  EXPECT_EQ(r.strings("list"), std::nullopt);
  EXPECT_EQ(r.integer("big"), std::nullopt);
  r.finish();
  EXPECT_EQ(rendered(ds),
            "reader-types.yaml:1:11: error: 'nodes[1].hostname' must be a string, not a list [talconfig-type]\n"
            "reader-types.yaml:2:7: error: 'nodes[1].port' must be an integer, not a string [talconfig-type]\n"
            "reader-types.yaml:3:10: error: 'nodes[1].enabled' must be true or false, not a string "
            "[talconfig-type]\n"
            "reader-types.yaml:4:9: error: 'nodes[1].labels' must be a mapping, not a list [talconfig-type]\n"
            "reader-types.yaml:5:7: error: 'nodes[1].args' must be a list, not a mapping [talconfig-type]\n"
            "reader-types.yaml:6:11: error: 'nodes[1].list[1]' must be a string, not a list [talconfig-type]\n"
            "reader-types.yaml:7:6: error: 'nodes[1].big' must be an integer, not a number [talconfig-type]\n");
}

TEST(YamlReader, MissingRequiredKeys) {
  Node n = parse_ok("a: 1\nempty:\n", "reader-missing.yaml");
  Diagnostics ds;
  MapReader r(n, "", ds, "talconfig");
  EXPECT_EQ(r.string("clusterName", Need::required), std::nullopt);
  EXPECT_EQ(r.string("empty", Need::required), std::nullopt);
  r.allow({"a"});
  r.finish();
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds.items()[0].rule, "talconfig-missing-key");
  EXPECT_EQ(ds.items()[0].message, "'clusterName' is required");
  EXPECT_EQ(ds.items()[0].location.str(), "reader-missing.yaml:1:1");  // the mapping itself
  EXPECT_EQ(ds.items()[1].message, "'empty' is required");
  EXPECT_EQ(ds.items()[1].location.line, 2);
}

TEST(YamlReader, UnknownKeysWithDidYouMean) {
  Node n = parse_ok("hostname: a\nipAdress: 10.0.0.1\nzzz: 1\n", "reader-unknown.yaml");
  Diagnostics ds;
  MapReader r(n, "nodes[0]", ds, "talconfig");
  r.string("hostname");
  r.string("ipAddress");
  r.finish();
  EXPECT_EQ(rendered(ds),
            "reader-unknown.yaml:2:1: warning: unknown key 'nodes[0].ipAdress' (did you mean 'ipAddress'?) "
            "[talconfig-unknown-key]\n"
            "reader-unknown.yaml:3:1: warning: unknown key 'nodes[0].zzz' [talconfig-unknown-key]\n");
  Diagnostics strict;
  MapReader r2(n, "", strict, "x");
  r2.finish(Severity::error);
  EXPECT_EQ(strict.count(Severity::error), 3u);
}

TEST(YamlReader, NonMappingIsReportedOnce) {
  Node n = parse_ok("- a\n- b\n", "reader-list.yaml");
  Diagnostics ds;
  MapReader r(n, "", ds, "talconfig");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.string("x", Need::required), std::nullopt);
  EXPECT_EQ(r.mapping("y"), nullptr);
  r.finish();
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds.items()[0].message, "'document' must be a mapping, not a list");
  EXPECT_EQ(ds.items()[0].rule, "talconfig-type");
  // A null (empty document) is not an error by itself.
  Node null_node;
  Diagnostics none;
  MapReader r2(null_node, "", none);
  EXPECT_FALSE(r2.ok());
  EXPECT_TRUE(none.empty());
}

TEST(YamlReader, DescribeKind) {
  Node n = parse_ok("a: 1\nb: x\nc: true\nd: ~\ne: []\nf: {}\ng: 1.5\nh: 2024-01-01\n", "reader-kind.yaml");
  EXPECT_EQ(describe_kind(*n.find("a")), "a number");
  EXPECT_EQ(describe_kind(*n.find("b")), "a string");
  EXPECT_EQ(describe_kind(*n.find("c")), "a boolean");
  EXPECT_EQ(describe_kind(*n.find("d")), "null");
  EXPECT_EQ(describe_kind(*n.find("e")), "a list");
  EXPECT_EQ(describe_kind(*n.find("f")), "a mapping");
  EXPECT_EQ(describe_kind(*n.find("g")), "a number");
  EXPECT_EQ(describe_kind(*n.find("h")), "a string");
}

TEST(YamlReader, PathHelpers) {
  EXPECT_EQ(path_join("", "machine"), "machine");
  EXPECT_EQ(path_join("machine", "install"), "machine.install");
  EXPECT_EQ(path_index("nodes", 2), "nodes[2]");
  EXPECT_EQ(path_join(path_index("nodes", 0), "hostname"), "nodes[0].hostname");
}
