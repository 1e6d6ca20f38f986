// talhelper's networkInterfaces -> Talos 1.12 network documents (talos/networkconfig.hpp).
// Inputs in tests/fixtures/talos/network/<case>.input.yaml follow talhelper's own test data
// (pkg/talos/networkconfig_test.go) where it has some; <case>.expected.yaml are the documents
// (go-yaml v3, indent 2), checked by hand against talhelper's generators and Talos's schema.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <core/fs.hpp>
#include <talhelper/genconfig.hpp>
#include <talos/machineconfig.hpp>
#include <talos/networkconfig.hpp>
#include <talos/secrets.hpp>
#include <talhelper/talconfig.hpp>
#include <yaml/document.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::talos;
using namespace talgpu::talhelper;
using namespace talgpu::imagefactory;

namespace {

std::string fixture(const std::string& name) {
  return test::source_path("tests/fixtures/talos/network/" + name);
}

yaml::Node load_input(const std::string& name) {
  auto doc = yaml::parse_one(test::read_text(fixture(name + ".input.yaml")), name + ".input.yaml");
  EXPECT_TRUE(doc.has_value());
  return doc ? *doc : yaml::Node::sequence();
}

std::string encode(std::vector<yaml::Node> docs) {
  canonicalize(docs);
  return encode_node_config(docs);
}

const SchemaValidator& schema(int minor) {
  static std::map<int, std::unique_ptr<SchemaValidator>> cache;
  auto& v = cache[minor];
  if (!v) {
    std::string path = minor == 13 ? test::source_path("tests/fixtures/talos/config.schema.v1.13.json")
                                   : test::shared_path("fixtures/talos/config.schema.v1." + std::to_string(minor) + ".json");
    auto s = load_schema(path);
    EXPECT_TRUE(s.has_value()) << path;
    v = std::make_unique<SchemaValidator>(s ? *s : nlohmann::json::object());
  }
  return *v;
}

}  // namespace

class NetworkGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(NetworkGolden, DocumentsMatchAndValidate) {
  const std::string name = GetParam();
  Diagnostics diags;
  auto result = translate_network_interfaces(load_input(name), false, diags);
  EXPECT_FALSE(result.legacy.has_value()) << name;
  EXPECT_TRUE(diags.empty()) << render_text(diags);
  std::string got = encode(result.documents);
  EXPECT_EQ(got, test::read_text(fixture(name + ".expected.yaml"))) << "\n<<<GOT\n" << got << "GOT>>>";
  Diagnostics schema_diags;
  for (const auto& d : result.documents) {
    schema(12).validate(d, schema_diags);
  }
  EXPECT_FALSE(schema_diags.has_errors()) << render_text(schema_diags);
}

INSTANTIATE_TEST_SUITE_P(Cases, NetworkGolden,
                         ::testing::Values("dhcp", "static", "bond", "vlan", "vip", "selector", "wireguard"));

TEST(NetworkConfig, DocumentKindsComeInTalhelpersOrder) {
  // One device of each shape: every alias first, then bonds, DHCP, VIPs, links, VLANs, bridges.
  auto input = yaml::parse_one(
      "- interface: br0\n  bridge: {interfaces: [eth2]}\n"
      "- interface: eth0\n  addresses: [10.0.0.2/24]\n  vip: {ip: 10.0.0.9}\n  dhcp: true\n"
      "  vlans: [{vlanId: 7, dhcp: true}]\n"
      "- interface: bond0\n  bond: {mode: balance-rr, deviceSelectors: [{driver: igb}]}\n"
      "- deviceSelector: {hardwareAddr: 'aa:*'}\n  addresses: [10.1.0.2/24]\n",
      "order.yaml");
  ASSERT_TRUE(input.has_value());
  Diagnostics diags;
  auto result = translate_network_interfaces(*input, false, diags);
  std::vector<std::string> kinds;
  for (const auto& d : result.documents) {
    kinds.push_back(d.find("kind")->value() + "/" + d.find("name")->value());
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"LinkAliasConfig/ethSel0", "LinkAliasConfig/bond0-m0", "BondConfig/bond0",
                                             "DHCPv4Config/eth0", "Layer2VIPConfig/10.0.0.9", "LinkConfig/eth0",
                                             "LinkConfig/ethSel0", "VLANConfig/eth0.7", "DHCPv4Config/eth0.7",
                                             "BridgeConfig/br0"}));
}

TEST(NetworkConfig, UntranslatableDeviceStaysLegacyWithALocatedWarning) {
  auto input = yaml::parse_one(
      "- interface: eth0\n  dhcp: true\n"
      "- interface: eth1\n  dhcp: true\n  vip:\n    ip: 10.0.0.5\n    hcloud:\n      apiToken: secret\n"
      "- interface: eth2\n  ignore: true\n",
      "talconfig.yaml");
  ASSERT_TRUE(input.has_value());
  Diagnostics diags;
  auto result = translate_network_interfaces(*input, false, diags);
  ASSERT_TRUE(result.legacy.has_value());
  ASSERT_EQ(result.legacy->size(), 2u);
  EXPECT_EQ(result.legacy->items()[0].find("interface")->value(), "eth1");
  EXPECT_EQ(result.legacy->items()[1].find("interface")->value(), "eth2");
  ASSERT_EQ(result.documents.size(), 1u);
  EXPECT_EQ(result.documents[0].find("kind")->value(), "DHCPv4Config");
  std::string text = render_text(diags, RenderOptions{false, false});
  EXPECT_NE(text.find("talconfig.yaml:8:7: warning: network interface 'eth1' stays in the deprecated "
                      "machine.network.interfaces: vip.hcloud has no equivalent"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("talconfig.yaml:10:11: warning: network interface 'eth2' stays in the deprecated "
                      "machine.network.interfaces: ignore has no equivalent"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("[genconfig-interface-legacy]"), std::string::npos) << text;
}

TEST(NetworkConfig, TalhelperCompatKeepsEveryDeviceInBothForms) {
  auto input = yaml::parse_one("- interface: eth0\n  dhcp: true\n  ignore: true\n", "t.yaml");
  ASSERT_TRUE(input.has_value());
  Diagnostics diags;
  auto result = translate_network_interfaces(*input, true, diags);
  ASSERT_TRUE(result.legacy.has_value());
  EXPECT_TRUE(result.legacy->equals(*input));
  ASSERT_EQ(result.documents.size(), 1u);
  EXPECT_EQ(result.documents[0].find("kind")->value(), "DHCPv4Config");
  EXPECT_TRUE(diags.empty()) << render_text(diags);
}

TEST(NetworkConfig, ValuesTalhelperDropsAreWarnings) {
  auto input = yaml::parse_one(
      "- interface: eth0\n  addresses: [10.0.0.300/24, 10.0.0.2/24]\n  routes:\n    - network: 10.1.0.0/99\n"
      "      gateway: 10.0.0.1\n"
      "- interface: bond0\n  bond: {mode: fastest, interfaces: [eth1]}\n"
      "- interface: bond1\n  bond: {interfaces: [eth2]}\n",
      "bad.yaml");
  ASSERT_TRUE(input.has_value());
  Diagnostics diags;
  auto result = translate_network_interfaces(*input, false, diags);
  std::string text = render_text(diags, RenderOptions{false, false});
  EXPECT_NE(text.find("bad.yaml:2:15: warning: address '10.0.0.300/24' of link 'eth0' is not an IP address or prefix"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("route network '10.1.0.0/99' of link 'eth0' is not a prefix"), std::string::npos) << text;
  EXPECT_NE(text.find("bond mode 'fastest' of 'bond0' is not one of Talos's names"), std::string::npos) << text;
  EXPECT_NE(text.find("bond 'bond1' has no mode"), std::string::npos) << text;
  EXPECT_NE(text.find("[genconfig-interface-value]"), std::string::npos) << text;
  std::string got = encode(result.documents);
  EXPECT_NE(got.find("kind: LinkConfig\nname: eth0\naddresses:\n  - address: 10.0.0.2/24\n"), std::string::npos) << got;
  EXPECT_EQ(got.find("routes:"), std::string::npos) << got;
}

// genconfig: on 1.12 the documents replace machine.network.interfaces; before 1.12 the legacy
// field is written as is; --talhelper-compat writes both, as talhelper does.
namespace {

struct Example {
  TalConfig cfg;
  SecretsBundle secrets;
};

Example example_with_interfaces(const std::string& version) {
  Diagnostics diags;
  LoadOptions lo;
  lo.path = test::source_path("examples/goldentooth/talconfig.yaml");
  auto cfg = load_talconfig(lo, diags);
  EXPECT_TRUE(cfg.has_value());
  auto secrets = load_secrets_file(test::shared_path("fixtures/talos/stability/secrets.yaml"), diags);
  EXPECT_TRUE(secrets.has_value());
  cfg->talos_version = version;
  cfg->nodes.front().network_interfaces = load_input("vlan");
  return Example{std::move(*cfg), std::move(*secrets)};
}

std::string generate(const Example& ex, bool compat, Diagnostics& diags) {
  GenconfigOptions opts;
  opts.talhelper_compat = compat;
  auto docs = node_config(ex.cfg, ex.cfg.nodes.front(), ex.secrets, opts, diags);
  EXPECT_TRUE(docs.has_value()) << (docs ? "" : docs.error().describe());
  return docs ? encode_node_config(*docs) : std::string();
}

}  // namespace

TEST(NetworkConfig, GenconfigOn112WritesDocumentsInsteadOfLegacyInterfaces) {
  for (const std::string version : {"v1.12.0", "v1.13.0"}) {
    Example ex = example_with_interfaces(version);
    Diagnostics diags;
    std::string text = generate(ex, false, diags);
    EXPECT_EQ(text.find("interfaces:"), std::string::npos) << text;
    EXPECT_EQ(render_text(diags).find("genconfig-legacy-interfaces"), std::string::npos);
    EXPECT_NE(text.find("---\napiVersion: v1alpha1\nkind: VLANConfig\nname: eth0.100\nvlanID: 100\nparent: eth0\n"),
              std::string::npos)
        << text;
    auto docs = yaml::parse(text, "out.yaml");
    ASSERT_TRUE(docs.has_value());
    Diagnostics schema_diags;
    int minor = 12;  // until the 1.13 schema is bundled
    for (const auto& d : *docs) {
      schema(minor).validate(d.root, schema_diags);
    }
    EXPECT_FALSE(schema_diags.has_errors()) << version << "\n" << render_text(schema_diags);
  }
}

TEST(NetworkConfig, GenconfigCompatAndOldVersionsKeepLegacyInterfaces) {
  Example compat = example_with_interfaces("v1.12.0");
  Diagnostics d1;
  std::string text = generate(compat, true, d1);
  EXPECT_NE(text.find("    interfaces:\n      - interface: eth0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("kind: VLANConfig"), std::string::npos) << text;

  Example old = example_with_interfaces("v1.11.0");
  Diagnostics d2;
  std::string old_text = generate(old, false, d2);
  EXPECT_NE(old_text.find("    interfaces:\n      - interface: eth0\n"), std::string::npos) << old_text;
  EXPECT_EQ(old_text.find("kind: VLANConfig"), std::string::npos) << old_text;
}
