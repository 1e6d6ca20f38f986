#include <gtest/gtest.h>

#include <yaml/document.hpp>
#include <yaml/emit.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::yaml;

namespace {

Node parse_ok(const std::string& text) {
  auto r = parse_one(text, "test.yaml");
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().describe());
  return r ? *r : Node();
}

std::string v3(const Node& n) {
  return emit(n, goyaml_v3_options(4));
}

}  // namespace

// Talos writes machine configs with go-yaml v3 (indent 4). Re-emitting its own stability
// fixtures must reproduce them byte for byte: indentation rounding, quoting, `{}` and `[]`.
class TalosFixtureRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(TalosFixtureRoundTrip, ReemitIsByteIdentical) {
  std::string text = test::read_text(test::upstream_path("talos/stability/" + GetParam()));
  auto docs = parse(text, GetParam());
  ASSERT_TRUE(docs.has_value()) << docs.error().describe();
  std::vector<Node> roots;
  for (auto& d : *docs) {
    roots.push_back(d.root);
  }
  EXPECT_EQ(emit_stream(roots, goyaml_v3_options(4)), text);
}

INSTANTIATE_TEST_SUITE_P(Stability, TalosFixtureRoundTrip,
                         ::testing::Values("v1.11/base-worker.yaml", "v1.11/base-controlplane.yaml",
                                           "v1.11/overrides-worker.yaml", "v1.11/overrides-controlplane.yaml",
                                           "v1.10/base-worker.yaml", "v1.10/base-controlplane.yaml",
                                           "v1.10/overrides-worker.yaml", "v1.10/overrides-controlplane.yaml"));

TEST(YamlEmit, SchematicCanonicalForm) {
  Node n = parse_ok("customization:\n  extraKernelArgs: [noapic, nolapic]\n");
  EXPECT_EQ(v3(n), "customization:\n    extraKernelArgs:\n        - noapic\n        - nolapic\n");
}

TEST(YamlEmit, EmptyCollections) {
  Node n = Node::mapping();
  n.set("customization", Node::mapping());
  n.set("list", Node::sequence());
  EXPECT_EQ(v3(n), "customization: {}\nlist: []\n");
}

TEST(YamlEmit, KubernetesStyleDoesNotIndentSequences) {
  Node n = parse_ok("spec:\n  containers:\n    - name: a\n      args: [x, z]\n");
  EXPECT_EQ(emit(n, kubernetes_options()), "spec:\n  containers:\n  - name: a\n    args:\n    - x\n    - z\n");
}

TEST(YamlEmit, LiteralBlockForMultilineStrings) {
  Node n = Node::mapping();
  n.set("a", Node::string("line1\nline2\n"));
  n.set("b", Node::string("x\ny"));
  EXPECT_EQ(v3(n), "a: |\n    line1\n    line2\nb: |-\n    x\n    y\n");
}

// A multi-line text with a line break other than LF (CR, NEL, LS, PS) is not written as a block
// scalar: raw, libyaml reads each of them back as a line break of its own (found by the
// yaml_roundtrip fuzz target). Double quotes escape them, and the text survives.
TEST(YamlEmit, OtherLineBreaksAreNotWrittenAsBlocks) {
  for (const char* brk : {"\r", "\xc2\x85", "\xe2\x80\xa8", "\xe2\x80\xa9"}) {
    Node n = Node::mapping();
    const std::string text = std::string("one") + brk + "\ntwo\n";
    n.set("a", Node::string(text));
    const std::string out = v3(n);
    EXPECT_EQ(out.rfind("a: \"", 0), 0u) << out;
    Node back = parse_ok(out);
    ASSERT_NE(back.find_entry("a"), nullptr);
    EXPECT_EQ(back.find_entry("a")->value.value(), text);
  }
}

struct QuoteCase {
  const char* value;
  const char* expected;  // the emitted scalar after "k: "
};

class GoYamlQuoting : public ::testing::TestWithParam<QuoteCase> {};

TEST_P(GoYamlQuoting, MatchesGoYamlV3) {
  Node n = Node::mapping();
  n.set("k", Node::string(GetParam().value));
  EXPECT_EQ(v3(n), std::string("k: ") + GetParam().expected + "\n") << "value: [" << GetParam().value << "]";
}

// Expected outputs follow go-yaml v3 (encode.go stringv + emitterc.go scalar analysis).
INSTANTIATE_TEST_SUITE_P(
    Table, GoYamlQuoting,
    ::testing::Values(QuoteCase{"plain", "plain"}, QuoteCase{"", "\"\""}, QuoteCase{"true", "\"true\""},
                      QuoteCase{"False", "\"False\""}, QuoteCase{"yes", "\"yes\""}, QuoteCase{"on", "\"on\""},
                      QuoteCase{"Off", "\"Off\""}, QuoteCase{"y", "\"y\""}, QuoteCase{"N", "\"N\""},
                      QuoteCase{"null", "\"null\""}, QuoteCase{"~", "\"~\""}, QuoteCase{"123", "\"123\""},
                      QuoteCase{"-1", "\"-1\""}, QuoteCase{"1.5", "\"1.5\""}, QuoteCase{".5", "\".5\""},
                      QuoteCase{"1e3", "\"1e3\""}, QuoteCase{"0x1F", "\"0x1F\""}, QuoteCase{"0o17", "\"0o17\""},
                      QuoteCase{"0b101", "\"0b101\""}, QuoteCase{"0755", "\"0755\""}, QuoteCase{"08", "\"08\""},
                      QuoteCase{"1_000", "\"1_000\""}, QuoteCase{".inf", "\".inf\""}, QuoteCase{"-.Inf", "\"-.Inf\""},
                      QuoteCase{".nan", "\".nan\""}, QuoteCase{"2024-01-01", "\"2024-01-01\""},
                      QuoteCase{"2001-12-14t21:59:43.10-05:00", "\"2001-12-14t21:59:43.10-05:00\""},
                      QuoteCase{"2024-13-01", "2024-13-01"}, QuoteCase{"1:20", "\"1:20\""},
                      QuoteCase{"190:20:30", "\"190:20:30\""}, QuoteCase{"1.11", "\"1.11\""},
                      QuoteCase{"v1.11.1", "v1.11.1"}, QuoteCase{"1.11.1", "1.11.1"},
                      QuoteCase{"a: b", "'a: b'"}, QuoteCase{"a:b", "a:b"}, QuoteCase{"a #b", "'a #b'"},
                      QuoteCase{"a#b", "a#b"}, QuoteCase{"- a", "'- a'"}, QuoteCase{"-a", "-a"},
                      QuoteCase{"*", "'*'"}, QuoteCase{"&x", "'&x'"}, QuoteCase{"!tag", "'!tag'"},
                      QuoteCase{"@at", "'@at'"}, QuoteCase{"`tick", "'`tick'"}, QuoteCase{"%p", "'%p'"},
                      QuoteCase{"{a}", "'{a}'"}, QuoteCase{"[a]", "'[a]'"}, QuoteCase{"a[0]", "a[0]"},
                      QuoteCase{" lead", "' lead'"}, QuoteCase{"trail ", "'trail '"}, QuoteCase{"it's", "it's"},
                      QuoteCase{"'q'", "'''q'''"}, QuoteCase{"\"dq\"", "'\"dq\"'"}, QuoteCase{"a\tb", "\"a\\tb\""},
                      QuoteCase{"---", "'---'"}, QuoteCase{"...", "'...'"}, QuoteCase{"?", "'?'"},
                      QuoteCase{"? x", "'? x'"}, QuoteCase{":x", ":x"}, QuoteCase{"x:", "'x:'"},
                      QuoteCase{"|", "'|'"}, QuoteCase{">", "'>'"}, QuoteCase{"<<", "<<"},
                      QuoteCase{"true:NoSchedule", "true:NoSchedule"}, QuoteCase{"gpu=true:NoSchedule", "gpu=true:NoSchedule"},
                      QuoteCase{"https://factory.talos.dev", "https://factory.talos.dev"},
                      QuoteCase{"caf\xc3\xa9", "caf\xc3\xa9"}, QuoteCase{"bell\x07", "\"bell\\a\""},
                      QuoteCase{"+", "+"}, QuoteCase{"-", "'-'"}, QuoteCase{"+1", "\"+1\""}, QuoteCase{"0.", "\"0.\""}),
    [](const ::testing::TestParamInfo<QuoteCase>& info) { return "case" + std::to_string(info.index); });

TEST(YamlEmit, LongPlainScalarsFoldAt80Columns) {
  std::string words;
  for (int i = 0; i < 20; ++i) {
    words += (i ? " " : "") + std::string("word") + std::to_string(i);
  }
  Node n = Node::mapping();
  n.set("k", Node::string(words));
  std::string out = v3(n);
  // go-yaml v3 breaks at the first space after column 80 and indents the continuation.
  EXPECT_NE(out.find("\n    word"), std::string::npos) << out;
  auto back = parse_one(out, "fold.yaml");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->find("k")->value(), words);
}
