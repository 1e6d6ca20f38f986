#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>

#include <talos/machineconfig.hpp>
#include <talos/patch.hpp>
#include <talos/secrets.hpp>
#include <yaml/document.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::talos;

namespace {

SecretsBundle stability_secrets() {
  Diagnostics diags;
  auto b = load_secrets_file(test::shared_path("fixtures/talos/stability/secrets.yaml"), diags);
  EXPECT_TRUE(b.has_value());
  EXPECT_FALSE(diags.has_errors()) << render_text(diags);
  return b ? *b : SecretsBundle{};
}

// The inputs of Talos's stability test (v1alpha1 generate_test / stability_test): see
// /work/shared/fixtures/README.md.
GenOptions base_options(int minor) {
  GenOptions o;
  o.cluster_name = "base";
  o.endpoint = "https://base:6443";
  o.kubernetes_version = "1.28.0";
  o.contract = Contract{1, minor};
  return o;
}

GenOptions override_options(int minor) {
  GenOptions o = base_options(minor);
  o.additional_sans = {"foo", "bar"};
  o.allow_scheduling_on_control_planes = true;
  o.dns_domain = "example.com";
  o.install_disk = "/dev/vda";
  o.install_extra_kernel_args = {"foo=bar", "bar=baz"};
  o.local_api_server_port = 5443;
  o.sysctls = {{"foo", "bar"}};
  o.cni_custom_url = "https://example.com/cni.yaml";
  o.registry_mirrors = {{"ghcr.io", {"https://ghcr.io.my-mirror.com"}}};
  return o;
}

std::string generate(MachineType type, const GenOptions& o, bool overrides) {
  auto docs = generate_config(type, o, stability_secrets());
  EXPECT_TRUE(docs.has_value()) << (docs ? "" : docs.error().describe());
  if (!docs) {
    return {};
  }
  if (overrides) {
    auto patch = load_patch_argument("@" + test::shared_path("fixtures/talos/stability/patch.yaml"));
    EXPECT_TRUE(patch.has_value());
    auto applied = apply_patch(*docs, *patch);
    EXPECT_TRUE(applied.has_value()) << (applied ? "" : applied.error().describe());
  }
  return encode_config(*docs);
}

struct StabilityCase {
  int minor;
  const char* fixture_minor;  // which fixture folder holds the expected bytes
  bool controlplane;
  bool overrides;
};

}  // namespace

class TalosStability : public ::testing::TestWithParam<StabilityCase> {};

// Byte-identical to talos pkg/machinery/config/types/v1alpha1/testdata/stability/v1.1x. The
// v1.8 and v1.9 contracts produce the same bytes as v1.10 (their golden files upstream are
// identical: no contract switch differs between 1.8 and 1.11).
TEST_P(TalosStability, GeneratedConfigMatchesUpstreamFixture) {
  const auto& c = GetParam();
  std::string name = std::string(c.overrides ? "overrides" : "base") + "-" + (c.controlplane ? "controlplane" : "worker");
  std::string expected = test::read_text(test::shared_path(std::string("fixtures/talos/stability/") + c.fixture_minor +
                                                           "/" + name + ".yaml"));
  GenOptions o = c.overrides ? override_options(c.minor) : base_options(c.minor);
  EXPECT_EQ(generate(c.controlplane ? MachineType::controlplane : MachineType::worker, o, c.overrides), expected)
      << name << " contract 1." << c.minor;
}

INSTANTIATE_TEST_SUITE_P(
    Contracts, TalosStability,
    ::testing::Values(StabilityCase{11, "v1.11", true, false}, StabilityCase{11, "v1.11", false, false},
                      StabilityCase{11, "v1.11", true, true}, StabilityCase{11, "v1.11", false, true},
                      StabilityCase{10, "v1.10", true, false}, StabilityCase{10, "v1.10", false, false},
                      StabilityCase{10, "v1.10", true, true}, StabilityCase{10, "v1.10", false, true},
                      StabilityCase{9, "v1.10", true, false}, StabilityCase{9, "v1.10", false, true},
                      StabilityCase{8, "v1.10", true, true}, StabilityCase{8, "v1.10", false, false}));

// tests/fixtures/machineconfig/v1.12-base-controlplane.yaml is upstream's v1.12 stability file
// (siderolabs/talos commit 8d1468209aa2, see the README there). That revision predates the
// GrubUseUKICmdlineDefault switch that Talos 1.12.0 ships (talhelper #1341 reports the conflict
// it causes), so the one line it adds is the only accepted difference.
TEST(TalosStability, V112ControlPlaneMatchesUpstreamFixtureAndAddsGrubUKICmdline) {
  std::string expected = test::read_text(test::source_path("tests/fixtures/machineconfig/v1.12-base-controlplane.yaml"));
  std::string got = generate(MachineType::controlplane, base_options(12), false);
  const std::string grub = "        grubUseUKICmdline: true\n";
  auto pos = got.find(grub);
  ASSERT_NE(pos, std::string::npos) << got;
  got.erase(pos, grub.size());
  EXPECT_EQ(got, expected);
}

// tests/fixtures/talos/stability/v1.12 holds upstream's newest v1.12 files (see the NOTE there):
// byte-identical, grubUseUKICmdline included, no install.disk or install.image in the base files.
class TalosStability112 : public ::testing::TestWithParam<std::pair<bool, bool>> {};

TEST_P(TalosStability112, GeneratedConfigMatchesUpstreamNewestFixture) {
  auto [controlplane, overrides] = GetParam();
  std::string name = std::string(overrides ? "overrides" : "base") + "-" + (controlplane ? "controlplane" : "worker");
  std::string expected = test::read_text(test::source_path("tests/fixtures/talos/stability/v1.12/" + name + ".yaml"));
  GenOptions o = overrides ? override_options(12) : base_options(12);
  std::string got = generate(controlplane ? MachineType::controlplane : MachineType::worker, o, overrides);
  EXPECT_EQ(got, expected) << name;
  if (!overrides) {  // no install options: no install.disk, no install.image
    EXPECT_NE(got.find("    install:\n        wipe: false\n        grubUseUKICmdline: true\n"), std::string::npos)
        << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Files, TalosStability112,
                         ::testing::Values(std::pair{true, false}, std::pair{false, false}, std::pair{true, true},
                                           std::pair{false, true}));

// tests/fixtures/talos/stability/v1.13 holds upstream's v1.13 files (see the NOTE there): the 1.13
// contract drops the empty machine.network, keeps grubUseUKICmdline and writes registry mirrors as
// RegistryMirrorConfig documents.
class TalosStability113 : public ::testing::TestWithParam<std::pair<bool, bool>> {};

TEST_P(TalosStability113, GeneratedConfigMatchesUpstreamFixture) {
  auto [controlplane, overrides] = GetParam();
  std::string name = std::string(overrides ? "overrides" : "base") + "-" + (controlplane ? "controlplane" : "worker");
  std::string expected = test::read_text(test::source_path("tests/fixtures/talos/stability/v1.13/" + name + ".yaml"));
  GenOptions o = overrides ? override_options(13) : base_options(13);
  EXPECT_EQ(generate(controlplane ? MachineType::controlplane : MachineType::worker, o, overrides), expected) << name;
}

INSTANTIATE_TEST_SUITE_P(Files, TalosStability113,
                         ::testing::Values(std::pair{true, false}, std::pair{false, false}, std::pair{true, true}));

TEST(MachineConfig, V112WritesRegistryMirrorDocumentsSortedByName) {
  GenOptions o = base_options(12);
  o.registry_mirrors = {{"quay.io", {"https://q.example"}}, {"docker.io", {"https://a.example", "https://b.example"}}};
  std::string got = generate(MachineType::worker, o, false);
  EXPECT_EQ(got.find("mirrors:"), std::string::npos) << got;
  EXPECT_NE(got.find("    network: {}\n"), std::string::npos) << got;  // still there on 1.12
  const std::string docker =
      "---\napiVersion: v1alpha1\nkind: RegistryMirrorConfig\nname: docker.io\nendpoints:\n"
      "    - url: https://a.example\n    - url: https://b.example\n";
  const std::string quay = "---\napiVersion: v1alpha1\nkind: RegistryMirrorConfig\nname: quay.io\n";
  auto d = got.find(docker);
  auto q = got.find(quay);
  auto h = got.find("kind: HostnameConfig");
  ASSERT_NE(d, std::string::npos) << got;
  ASSERT_NE(q, std::string::npos) << got;
  EXPECT_LT(d, q);
  EXPECT_LT(q, h);
  // Contract 1.11 keeps them in the v1alpha1 document.
  o.contract = Contract{1, 11};
  std::string old = generate(MachineType::worker, o, false);
  EXPECT_NE(old.find("    registries:\n        mirrors:\n            docker.io:\n"), std::string::npos) << old;
  EXPECT_EQ(old.find("RegistryMirrorConfig"), std::string::npos);
}

TEST(MachineConfig, V112WorkerHasHostnameDocumentAndNoLegacyFeatures) {
  std::string got = generate(MachineType::worker, base_options(12), false);
  EXPECT_NE(got.find("---\napiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n"), std::string::npos) << got;
  EXPECT_EQ(got.find("rbac:"), std::string::npos);
  EXPECT_EQ(got.find("stableHostname"), std::string::npos);
  EXPECT_NE(got.find("    clusterName: base\n"), std::string::npos);
}

TEST(MachineConfig, OlderContractsDropNewerDefaults) {
  // Contract 1.7: no forwardKubeDNSToHost, no clusterName on workers, no exclude-from-LB label.
  std::string worker = generate(MachineType::worker, base_options(7), false);
  EXPECT_EQ(worker.find("forwardKubeDNSToHost"), std::string::npos);
  EXPECT_EQ(worker.find("clusterName"), std::string::npos);
  std::string cp = generate(MachineType::controlplane, base_options(7), false);
  EXPECT_EQ(cp.find("exclude-from-external-load-balancers"), std::string::npos);
  EXPECT_NE(cp.find("clusterName: base"), std::string::npos);
}

TEST(MachineConfig, RejectsUnsupportedContract) {
  // 1.14 moves Kubernetes settings into Kube*Config documents (MultidocKubernetesConfigSupported).
  GenOptions o = base_options(14);
  auto r = generate_config(MachineType::worker, o, stability_secrets());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("v1.14"), std::string::npos);
  EXPECT_NE(r.error().message.find("v1.3 to v1.13"), std::string::npos) << r.error().message;
}

TEST(MachineConfig, GoYamlKeyOrder) {
  EXPECT_TRUE(goyaml_key_less("a", "b"));
  EXPECT_TRUE(goyaml_key_less("a2", "a10"));   // numbers compare by value
  EXPECT_FALSE(goyaml_key_less("a10", "a2"));
  EXPECT_TRUE(goyaml_key_less("audit", "audit-version"));
  EXPECT_TRUE(goyaml_key_less("net.core.a", "net.core.b"));
}

TEST(MachineConfig, CanonicalizePutsUserKeysInStructOrder) {
  auto doc = yaml::parse_one(
      "machine:\n  nodeLabels: {b: '1', a: '2'}\n  type: worker\n  install: {wipe: false, disk: /dev/sda}\nversion: v1alpha1\n",
      "t.yaml");
  ASSERT_TRUE(doc.has_value());
  canonicalize(*doc);
  EXPECT_EQ(encode_config({*doc}),
            "version: v1alpha1\nmachine:\n    type: worker\n    install:\n        disk: /dev/sda\n        wipe: false\n"
            "    nodeLabels:\n        a: \"2\"\n        b: \"1\"\n");
}

// --- JSON schema -----------------------------------------------------------------------------

class SchemaConformance : public ::testing::TestWithParam<int> {};

TEST_P(SchemaConformance, GeneratedConfigsValidate) {
  int minor = GetParam();
  // No 1.13 schema is bundled (upstream's is 329 kB); 1.13 configs are checked against 1.12's,
  // which already knows every document kind the 1.13 generator writes.
  int schema_minor = std::min(minor, 12);
  auto schema = load_schema(test::shared_path("fixtures/talos/config.schema.v1." + std::to_string(schema_minor) + ".json"));
  ASSERT_TRUE(schema.has_value());
  SchemaValidator validator(*schema);
  for (auto type : {MachineType::controlplane, MachineType::worker}) {
    for (bool overrides : {false, true}) {
      GenOptions o = overrides ? override_options(minor) : base_options(minor);
      if (minor >= 12) {
        o.install_extra_kernel_args.clear();  // hidden in the 1.12 schema (grubUseUKICmdline conflicts)
      }
      auto docs = generate_config(type, o, stability_secrets());
      ASSERT_TRUE(docs.has_value());
      Diagnostics diags;
      for (const auto& d : *docs) {
        validator.validate(d, diags);
      }
      EXPECT_FALSE(diags.has_errors()) << machine_type_name(type) << " overrides=" << overrides << "\n"
                                       << render_text(diags);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Minors, SchemaConformance, ::testing::Values(10, 11, 12, 13));

TEST(SchemaValidator, ReportsTypesUnknownFieldsAndEnumsWithLocations) {
  auto schema = load_schema(test::shared_path("fixtures/talos/config.schema.v1.11.json"));
  ASSERT_TRUE(schema.has_value());
  SchemaValidator validator(*schema);
  auto doc = yaml::parse_one(
      "version: v1alpha1\nmachine:\n  type: worker\n  instal:\n    disk: /dev/sda\n  install:\n    wipe: maybe\n"
      "  features:\n    kubePrism:\n      port: high\n",
      "bad.yaml");
  ASSERT_TRUE(doc.has_value());
  Diagnostics diags;
  validator.validate(*doc, diags);
  std::string text = render_text(diags, RenderOptions{false, false});
  EXPECT_NE(text.find("bad.yaml:4:3: error: unknown field 'machine.instal' (did you mean 'install'?)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("bad.yaml:7:11: error: 'machine.install.wipe' must be true or false"), std::string::npos) << text;
  EXPECT_NE(text.find("'machine.features.kubePrism.port' must be an integer"), std::string::npos) << text;

  auto other = yaml::parse_one("apiVersion: v1alpha1\nkind: ExtensionServiceConfg\nname: x\n", "kind.yaml");
  ASSERT_TRUE(other.has_value());
  Diagnostics d2;
  validator.validate(*other, d2);
  EXPECT_NE(render_text(d2).find("unknown document kind 'ExtensionServiceConfg' (did you mean 'ExtensionServiceConfig'?)"),
            std::string::npos)
      << render_text(d2);
}

TEST(SchemaValidator, EnumAndRequiredFields) {
  nlohmann::json schema = nlohmann::json::parse(R"({
    "$defs": {"T": {"type": "object", "additionalProperties": false, "required": ["mode"],
                    "properties": {"mode": {"enum": ["stable", "off"]}, "n": {"type": "integer"},
                                   "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}}}}},
    "$ref": "#/$defs/T"})");
  SchemaValidator validator(schema);
  auto ok = yaml::parse_one("mode: stable\nn: 3\ntags: [abc]\n", "ok.yaml");
  Diagnostics d1;
  validator.validate(*ok, d1);
  EXPECT_TRUE(d1.empty()) << render_text(d1);
  auto bad = yaml::parse_one("n: '3x'\ntags: [ABC]\n", "bad.yaml");
  Diagnostics d2;
  validator.validate(*bad, d2);
  std::string text = render_text(d2);
  EXPECT_NE(text.find("missing the required field 'mode'"), std::string::npos) << text;
  EXPECT_NE(text.find("does not match the pattern"), std::string::npos) << text;
  auto bad_enum = yaml::parse_one("mode: stabel\n", "e.yaml");
  Diagnostics d3;
  validator.validate(*bad_enum, d3);
  EXPECT_NE(render_text(d3).find("(did you mean 'stable'?)"), std::string::npos) << render_text(d3);
}

// talhelper `gensecret -f` (Talos NewBundleFromConfig): a controlplane config gives back the
// bundle it was generated from; a worker config lacks the CA keys.
TEST(MachineConfig, SecretsBundleFromAControlplaneConfig) {
  const SecretsBundle original = stability_secrets();
  for (auto type : {MachineType::controlplane, MachineType::worker}) {
    auto docs = generate_config(type, base_options(12), original);
    ASSERT_TRUE(docs.has_value());
    auto text = encode_config(*docs);
    auto parsed = yaml::parse(text, "config.yaml");
    ASSERT_TRUE(parsed.has_value());
    std::vector<yaml::Node> roots;
    for (const auto& d : *parsed) {
      roots.push_back(d.root);
    }
    auto node = secrets_node_from_config(roots);
    ASSERT_TRUE(node.has_value());
    Diagnostics diags;
    auto bundle = secrets_from_node(*node, diags);
    if (type == MachineType::controlplane) {
      ASSERT_TRUE(bundle.has_value());
      EXPECT_FALSE(diags.has_errors()) << render_text(diags);
      EXPECT_EQ(secrets_to_yaml(*bundle), secrets_to_yaml(original));
    } else {
      EXPECT_TRUE(diags.has_errors());
      EXPECT_NE(render_text(diags).find("'certs.os.key' is not a valid private key"), std::string::npos)
          << render_text(diags);
    }
  }
  auto none = secrets_node_from_config({yaml::Node::mapping()});
  EXPECT_FALSE(none.has_value());
}
