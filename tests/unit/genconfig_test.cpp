// The talhelper genconfig pipeline on the bundled example: what lands in each node's config.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <talhelper/genconfig.hpp>
#include <imagefactory/image_factory.hpp>
#include <talhelper/node_image.hpp>
#include <talos/machineconfig.hpp>
#include <talos/secrets.hpp>
#include <talhelper/talconfig.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::talos;
using namespace talgpu::talhelper;
using namespace talgpu::imagefactory;

namespace {

struct Example {
  TalConfig cfg;
  SecretsBundle secrets;
};

Example load_example() {
  Diagnostics diags;
  LoadOptions lo;
  lo.path = test::source_path("examples/goldentooth/talconfig.yaml");
  auto cfg = load_talconfig(lo, diags);
  EXPECT_TRUE(cfg.has_value());
  EXPECT_FALSE(diags.has_errors()) << render_text(diags);
  auto secrets = load_secrets_file(test::shared_path("fixtures/talos/stability/secrets.yaml"), diags);
  EXPECT_TRUE(secrets.has_value());
  return Example{std::move(*cfg), std::move(*secrets)};
}

std::vector<yaml::Node> config_of(const Example& ex, std::string_view host, const GenconfigOptions& opts = {}) {
  Diagnostics diags;
  const Node* node = ex.cfg.find_node(host);
  EXPECT_NE(node, nullptr);
  auto docs = node_config(ex.cfg, *node, ex.secrets, opts, diags);
  EXPECT_TRUE(docs.has_value()) << (docs ? "" : docs.error().describe());
  return docs ? *docs : std::vector<yaml::Node>{};
}

}  // namespace

TEST(Genconfig, EveryNodeInstallsItsOwnFactoryInstaller) {
  Example ex = load_example();
  for (const auto& node : ex.cfg.nodes) {
    auto expected = installer_image(ex.cfg, node);
    ASSERT_TRUE(expected.has_value());
    auto docs = config_of(ex, node.hostname);
    ASSERT_FALSE(docs.empty());
    const yaml::Node* image = docs.front().find("machine")->find("install")->find("image");
    ASSERT_NE(image, nullptr) << node.hostname;
    EXPECT_EQ(image->value(), *expected) << node.hostname;
  }
}

TEST(Genconfig, GpuWorkerKeepsTheNvidiaSchematicInstaller) {
  Example ex = load_example();
  auto docs = config_of(ex, "velaryon");
  ASSERT_FALSE(docs.empty());
  const yaml::Node& machine = *docs.front().find("machine");
  EXPECT_EQ(machine.find("install")->find("image")->value(),
            "factory.talos.dev/metal-installer/af8eb82417d3deaa94d2ef19c3b590b0dac1b2549d0b9b35b3da2bc325de75f7:v1.11.1");
  EXPECT_EQ(machine.find("install")->find("disk")->value(), "/dev/nvme0n1");
  EXPECT_EQ(machine.find("nodeLabels")->find("role")->value(), "gpu");
  EXPECT_EQ(machine.find("kernel")->find("modules")->size(), 4u);
  EXPECT_EQ(machine.find("sysctls")->find("net.core.bpf_jit_harden")->value(), "1");
}

TEST(Genconfig, WorkerTaintsAreRegisteredNotPatched) {
  Example ex = load_example();
  auto docs = config_of(ex, "velaryon");
  ASSERT_FALSE(docs.empty());
  const yaml::Node& machine = *docs.front().find("machine");
  EXPECT_EQ(machine.find("nodeTaints"), nullptr);
  const yaml::Node* reg = machine.find("kubelet")->find("extraConfig")->find("registerWithTaints");
  ASSERT_NE(reg, nullptr);
  ASSERT_EQ(reg->size(), 1u);
  const yaml::Node& t = reg->items()[0];
  EXPECT_EQ(t.find("key")->value(), "gpu");
  EXPECT_EQ(t.find("value")->value(), "true");
  EXPECT_TRUE(t.find("value")->is_string());
  EXPECT_EQ(t.find("effect")->value(), "NoSchedule");
}

TEST(Genconfig, TalhelperCompatKeepsNodeTaints) {
  Example ex = load_example();
  GenconfigOptions opts;
  opts.talhelper_compat = true;
  auto docs = config_of(ex, "velaryon", opts);
  ASSERT_FALSE(docs.empty());
  const yaml::Node* taints = docs.front().find("machine")->find("nodeTaints");
  ASSERT_NE(taints, nullptr);
  EXPECT_EQ(taints->find("gpu")->value(), "true:NoSchedule");
}

TEST(Genconfig, OutputIsDeterministicAndValidAgainstTheTalosSchema) {
  Example ex = load_example();
  auto schema = load_schema(test::shared_path("fixtures/talos/config.schema.v1.11.json"));
  ASSERT_TRUE(schema.has_value());
  SchemaValidator validator(*schema);
  for (const auto& node : ex.cfg.nodes) {
    std::string a = encode_node_config(config_of(ex, node.hostname));
    std::string b = encode_node_config(config_of(ex, node.hostname));
    EXPECT_EQ(a, b) << node.hostname;
    auto docs = config_of(ex, node.hostname);
    Diagnostics diags;
    validator.validate(docs.front(), diags);
    EXPECT_FALSE(diags.has_errors()) << node.hostname << "\n" << render_text(diags);
  }
}

// talhelper renders templated nodeLabels / nodeAnnotations against the node's generated config
// (pkg/talos/nodeconfig.go templateConfig); its docs use the installer image for
// system-upgrade-controller plans.
TEST(Genconfig, TemplatedLabelsAndAnnotationsAreRendered) {
  Example ex = load_example();
  Node& node = ex.cfg.nodes.front();
  node.node_annotations.push_back({"installerImage", "{{ .MachineConfig.MachineInstall.InstallImage }}", {}});
  node.node_labels.push_back({"secureboot", "{{ .MachineConfig.MachineInstall.InstallImage | contains \"secureboot\" }}", {}});
  auto expected = installer_image(ex.cfg, node);
  ASSERT_TRUE(expected.has_value());
  auto docs = config_of(ex, node.hostname);
  ASSERT_FALSE(docs.empty());
  yaml::Node& machine = docs.front()["machine"];
  ASSERT_NE(machine.find("nodeAnnotations"), nullptr);
  EXPECT_EQ(machine["nodeAnnotations"]["installerImage"].value(), *expected);
  EXPECT_EQ(machine["nodeLabels"]["secureboot"].value(), "false");
}

TEST(Genconfig, UnsupportedTemplateIsALocatedError) {
  Example ex = load_example();
  Node& node = ex.cfg.nodes.front();
  node.node_labels.push_back({"who", "{{ env \"USER\" }}", SourceLocation{"talconfig.yaml", 7, 9}});
  Diagnostics diags;
  auto docs = node_config(ex.cfg, node, ex.secrets, {}, diags);
  EXPECT_FALSE(docs.has_value());
  std::string text = render_text(diags, RenderOptions{false, false});
  EXPECT_NE(text.find("talconfig.yaml:7:9: error: nodeLabels 'who': function 'env' is not supported"), std::string::npos)
      << text;
}

TEST(Genconfig, V113ConfigHasNoEmptyNetworkAndKeepsTalconfigFields) {
  Example ex = load_example();
  ex.cfg.talos_version = "v1.13.0";
  const Node& node = ex.cfg.nodes.front();
  auto docs = config_of(ex, node.hostname);
  ASSERT_FALSE(docs.empty());
  std::string text = encode_node_config(docs);
  EXPECT_EQ(text.find("network: {}"), std::string::npos) << text;
  EXPECT_NE(text.find("kind: HostnameConfig\nauto: \"off\"\nhostname: " + node.hostname + "\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("grubUseUKICmdline: true"), std::string::npos);
}
