// envsubst, env files and comment stripping. Cases marked "upstream" are ported from
// budimanjojo/talhelper pkg/substitute/envsubst_test.go; operator semantics follow
// a8m/envsubst parse/node.go in restricted (noUnset, noEmpty) mode.

#include <gtest/gtest.h>

#include <talhelper/envsubst.hpp>

using namespace talgpu;
using namespace talgpu::talhelper;

namespace {

EnvVars vars(std::initializer_list<std::pair<const std::string, std::string>> kv) {
  EnvVars e;
  e.values = kv;
  e.use_process_env = false;
  return e;
}

std::string subst_ok(std::string_view text, const EnvVars& env) {
  Diagnostics d;
  std::string out = envsubst(strip_yaml_comments(text), env, "t.yaml", d);
  EXPECT_TRUE(d.empty()) << render_text(d);
  return out;
}

}  // namespace

TEST(Envsubst, UpstreamSubstituteEnvFromYaml) {
  auto env = parse_env_file("env1: value1\nenv2: \"true\"\nenv3: 123\ndefault: default value\n", "env.yaml");
  ASSERT_TRUE(env.has_value());
  EnvVars e;
  e.values = *env;
  e.use_process_env = false;
  EXPECT_EQ(subst_ok("a: ${env1}\nb: \"${env2:+$default}\"\nc: \"${env3-$default}\"\nd: ${env4:=$default}\n", e),
            "a: value1\nb: \"default value\"\nc: \"123\"\nd: default value\n");
}

TEST(Envsubst, UpstreamLoadEnv) {
  auto env = parse_env_file("env1: value1\nenv2: \"true\"\nenv3: 123\ndefault: default value\n", "env.yaml");
  ASSERT_TRUE(env.has_value());
  std::map<std::string, std::string> want{{"env1", "value1"}, {"env2", "true"}, {"env3", "123"}, {"default", "default value"}};
  EXPECT_EQ(*env, want);
}

struct OpCase {
  const char* input;
  const char* expected;  // nullptr: an error is expected
  const char* rule;
};

class EnvsubstOperators : public ::testing::TestWithParam<OpCase> {};

TEST_P(EnvsubstOperators, Table) {
  EnvVars e = vars({{"SET", "val"}, {"EMPTY", ""}, {"OTHER", "other"}});
  Diagnostics d;
  std::string out = envsubst(GetParam().input, e, "t.yaml", d);
  if (GetParam().expected != nullptr) {
    EXPECT_TRUE(d.empty()) << render_text(d);
    EXPECT_EQ(out, GetParam().expected);
  } else {
    ASSERT_EQ(d.size(), 1u) << out;
    EXPECT_EQ(d.items()[0].rule, GetParam().rule);
  }
}

INSTANTIATE_TEST_SUITE_P(
    A8m, EnvsubstOperators,
    ::testing::Values(OpCase{"$SET", "val", ""}, OpCase{"${SET}", "val", ""}, OpCase{"x${SET}y", "xvaly", ""},
                      OpCase{"${UNSET-def}", "def", ""}, OpCase{"${SET-def}", "val", ""},
                      OpCase{"${EMPTY-def}", nullptr, "envsubst-empty"},  // set but empty, no fallback
                      OpCase{"${UNSET:-def}", "def", ""}, OpCase{"${EMPTY:-def}", "def", ""},
                      OpCase{"${SET:-def}", "val", ""}, OpCase{"${UNSET=def}", "def", ""},
                      OpCase{"${EMPTY:=def}", "def", ""}, OpCase{"${SET+alt}", "alt", ""},
                      OpCase{"${UNSET+alt}", "", ""}, OpCase{"${EMPTY:+alt}", "alt", ""},
                      OpCase{"${UNSET:+alt}", "", ""}, OpCase{"${UNSET:-$OTHER}", "other", ""},
                      OpCase{"${UNSET:-$NOPE}", nullptr, "envsubst-unset"}, OpCase{"$$SET", "$SET", ""},
                      OpCase{"cost: 5$", "cost: 5$", ""}, OpCase{"${}", "${}", ""}, OpCase{"$_", "$_", ""},
                      OpCase{"$UNSET", nullptr, "envsubst-unset"}, OpCase{"${UNSET}", nullptr, "envsubst-unset"},
                      OpCase{"${EMPTY}", nullptr, "envsubst-empty"}, OpCase{"$EMPTY", nullptr, "envsubst-empty"},
                      OpCase{"${UNSET:-}", nullptr, "envsubst-unset"},
                      OpCase{"${SET\n}", nullptr, "envsubst-syntax"}));

TEST(Envsubst, UnsetVariableIsLocatedAtItsLine) {
  Diagnostics d;
  envsubst("a: 1\nb: x ${MISSING}\n", vars({}), "talconfig.yaml", d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.items()[0].message, "variable ${MISSING} not set");
  EXPECT_EQ(d.items()[0].location.str(), "talconfig.yaml:2:6");
}

TEST(Envsubst, EveryProblemIsReported) {
  Diagnostics d;
  envsubst("a: ${A}\nb: ${B}\n", vars({}), "t.yaml", d);
  EXPECT_EQ(d.size(), 2u);
}

TEST(Envsubst, ProcessEnvironmentIsTheFallbackAndEnvFilesWin) {
  setenv("TALGPU_TEST_ENVSUBST", "from-process", 1);
  EnvVars e;
  Diagnostics d;
  EXPECT_EQ(envsubst("${TALGPU_TEST_ENVSUBST}", e, "t", d), "from-process");
  e.set("TALGPU_TEST_ENVSUBST", "from-file");
  EXPECT_EQ(envsubst("${TALGPU_TEST_ENVSUBST}", e, "t", d), "from-file");
  unsetenv("TALGPU_TEST_ENVSUBST");
  EXPECT_TRUE(d.empty());
}

TEST(StripComments, CommentsGoLinesStay) {
  std::string in =
      "# ${HEADER}\n"
      "a: 1 # ${TRAILING}\n"
      "b: \"x # not a comment\"\n"
      "c: 'it''s # kept'\n"
      "d: url#fragment\n"
      "e: |\n"
      "  # kept inside a block scalar ${SET}\n"
      "  line\n"
      "f: 2\n"
      "  # indented comment\n";
  std::string out = strip_yaml_comments(in);
  EXPECT_EQ(out,
            "\n"
            "a: 1\n"
            "b: \"x # not a comment\"\n"
            "c: 'it''s # kept'\n"
            "d: url#fragment\n"
            "e: |\n"
            "  # kept inside a block scalar ${SET}\n"
            "  line\n"
            "f: 2\n"
            "\n");
  // So substitution ignores the commented references but still sees the block scalar one.
  Diagnostics d;
  envsubst(out, vars({{"SET", "v"}}), "t", d);
  EXPECT_TRUE(d.empty()) << render_text(d);
}

TEST(StripComments, BlockScalarInSequenceEndsAtDedent) {
  EXPECT_EQ(strip_yaml_comments("p:\n  - |-\n    # inside\n    x: 1\n  # outside\n  - y\n"),
            "p:\n  - |-\n    # inside\n    x: 1\n\n  - y\n");
}

TEST(EnvFile, GodotenvForms) {
  auto env = parse_env_file("# comment\n---\nexport A=1\nB: 'single # q'\nC=\"line\\nnext\"\nD: plain # trailing\nE:\n", "e");
  ASSERT_TRUE(env.has_value()) << env.error().describe();
  EXPECT_EQ((*env)["A"], "1");
  EXPECT_EQ((*env)["B"], "single # q");
  EXPECT_EQ((*env)["C"], "line\nnext");
  EXPECT_EQ((*env)["D"], "plain");
  EXPECT_EQ((*env)["E"], "");
}

TEST(EnvFile, ALineThatIsNotKeyValueIsAnErrorWithItsLine) {
  auto env = parse_env_file("A: 1\nthis is not an env line\n", "talenv.yaml");
  ASSERT_FALSE(env.has_value());
  EXPECT_EQ(env.error().location.str(), "talenv.yaml:2:1");
}
