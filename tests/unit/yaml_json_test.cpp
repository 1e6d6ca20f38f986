// YAML <-> JSON conversion: scalars by resolved type, order kept in ordered_json, and back.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <yaml/document.hpp>
#include <yaml/emit.hpp>
#include <yaml/json.hpp>

using namespace talgpu;
using namespace talgpu::yaml;

namespace {

Node parse_ok(const std::string& text) {
  auto r = parse_one(text, "json-test.yaml");
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().describe());
  return r ? *r : Node();
}

}  // namespace

TEST(YamlJson, ScalarsByResolvedType) {
  Node n = parse_ok(
      "s: hello\nq: \"true\"\nb: True\nnul: ~\nempty:\ni: 42\nneg: -7\nhex: 0x1F\noct: 0o17\nold_oct: 0777\n"
      "bin: 0b101\nund: 1_000\nf: 1.5\nexp: 1e3\ninf: .inf\nnan: .NaN\nts: 2024-01-02\nyes: yes\n"
      "big: 18446744073709551615\nmin: -9223372036854775808\nhuge: 18446744073709551616\nstr: !!str 12\n"
      "ver: v1.11\n");
  nlohmann::json j = to_json(n);
  EXPECT_EQ(j["s"], "hello");
  EXPECT_EQ(j["q"], "true");
  EXPECT_EQ(j["b"], true);
  EXPECT_TRUE(j["nul"].is_null());
  EXPECT_TRUE(j["empty"].is_null());
  EXPECT_EQ(j["i"], 42);
  EXPECT_TRUE(j["i"].is_number_integer());
  EXPECT_EQ(j["neg"], -7);
  EXPECT_EQ(j["hex"], 31);
  EXPECT_EQ(j["oct"], 15);
  EXPECT_EQ(j["old_oct"], 511);
  EXPECT_EQ(j["bin"], 5);
  EXPECT_EQ(j["und"], 1000);
  EXPECT_EQ(j["f"], 1.5);
  EXPECT_EQ(j["exp"], 1000.0);
  EXPECT_TRUE(j["exp"].is_number_float());
  EXPECT_EQ(j["inf"], ".inf");  // JSON has no infinities: kept as text
  EXPECT_EQ(j["nan"], ".NaN");
  EXPECT_EQ(j["ts"], "2024-01-02");
  EXPECT_EQ(j["yes"], "yes");
  EXPECT_TRUE(j["big"].is_number_unsigned());
  EXPECT_EQ(j["big"].get<uint64_t>(), 18446744073709551615ULL);
  EXPECT_EQ(j["min"].get<int64_t>(), INT64_MIN);
  EXPECT_TRUE(j["huge"].is_number_float());
  EXPECT_EQ(j["str"], "12");
  EXPECT_EQ(j["ver"], "v1.11");
}

TEST(YamlJson, OrderedJsonKeepsDocumentOrder) {
  Node n = parse_ok("zeta: 1\nalpha: [b, a]\nmid: {y: 1, x: 2}\n");
  EXPECT_EQ(to_ordered_json(n).dump(), R"({"zeta":1,"alpha":["b","a"],"mid":{"y":1,"x":2}})");
  EXPECT_EQ(to_json(n).dump(), R"({"alpha":["b","a"],"mid":{"x":2,"y":1},"zeta":1})");
}

TEST(YamlJson, FromJsonBuildsTypedNodes) {
  auto j = nlohmann::ordered_json::parse(
      R"({"name":"true","num":5,"f":2.5,"b":false,"z":null,"list":[1,"1",{"k":"v"}],"neg":-3,"big":18446744073709551615})");
  Node n = from_json(j);
  ASSERT_TRUE(n.is_mapping());
  EXPECT_EQ(n.entries()[0].key.value(), "name");
  EXPECT_EQ(n.find("name")->scalar_type(), ScalarType::string);
  EXPECT_EQ(n.find("num")->scalar_type(), ScalarType::integer);
  EXPECT_EQ(n.find("f")->scalar_type(), ScalarType::floating);
  EXPECT_EQ(n.find("b")->scalar_type(), ScalarType::boolean);
  EXPECT_TRUE(n.find("z")->is_null());
  EXPECT_EQ(n.find("list")->items()[1].scalar_type(), ScalarType::string);
  EXPECT_EQ(n.find("big")->value(), "18446744073709551615");
  // Strings that look like other types are quoted when emitted, so they stay strings.
  EXPECT_EQ(emit(n, kubernetes_options()),
            "name: \"true\"\nnum: 5\nf: 2.5\nb: false\nz: null\nlist:\n- 1\n- \"1\"\n- k: v\nneg: -3\n"
            "big: 18446744073709551615\n");
}

TEST(YamlJson, RoundTripIsLossless) {
  const char* text =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  labels: {app: x, \"on\": \"yes\"}\n"
      "data:\n  n: \"5\"\n  list: [1, 2.5, true, null, \"null\", '']\n  nested: {a: {b: [{}, []]}}\n";
  Node n = parse_ok(text);
  nlohmann::ordered_json j = to_ordered_json(n);
  Node back = from_json(j);
  EXPECT_EQ(to_ordered_json(back), j);
  EXPECT_TRUE(back.equals(n)) << emit(back, kubernetes_options());
  nlohmann::json unordered = to_json(n);
  EXPECT_EQ(to_json(from_json(unordered)), unordered);
}

TEST(YamlJson, TopLevelScalarsAndEmptyCollections) {
  EXPECT_EQ(to_json(parse_ok("[]")).dump(), "[]");
  EXPECT_EQ(to_json(parse_ok("{}")).dump(), "{}");
  EXPECT_EQ(to_json(parse_ok("")).dump(), "null");
  EXPECT_EQ(to_json(parse_ok("hello")).dump(), "\"hello\"");
  EXPECT_TRUE(from_json(nlohmann::json::array()).is_sequence());
  EXPECT_TRUE(from_json(nlohmann::json::object()).is_mapping());
}

TEST(YamlJson, TaggedScalars) {
  Node n = parse_ok("a: !!int \"7\"\nb: !!bool \"true\"\nc: !!float \"2\"\nd: !!null \"\"\n");
  nlohmann::json j = to_json(n);
  EXPECT_EQ(j["a"], 7);
  EXPECT_EQ(j["b"], true);
  EXPECT_EQ(j["c"], 2.0);
  EXPECT_TRUE(j["d"].is_null());
}
