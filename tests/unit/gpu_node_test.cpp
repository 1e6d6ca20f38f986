#include <gtest/gtest.h>

#include <algorithm>

#include <core/http.hpp>
#include <nvidia/gpu_node.hpp>
#include <imagefactory/factory_client.hpp>
#include <imagefactory/image_factory.hpp>
#include <yaml/document.hpp>

#include "support/https_server.hpp"

using namespace talgpu;
using namespace talgpu::nvidia;
using talgpu::imagefactory::Schematic;

namespace {

talhelper::TalConfig config(std::string version = "v1.11.1") {
  talhelper::TalConfig c;
  c.talos_version = std::move(version);
  return c;
}

talhelper::Node node(const std::string& schematic_yaml = {}) {
  talhelper::Node n;
  n.hostname = "velaryon";
  n.location = SourceLocation{"talconfig.yaml", 80, 5};
  if (!schematic_yaml.empty()) {
    auto doc = yaml::parse_one(schematic_yaml, "talconfig.yaml");
    EXPECT_TRUE(doc.has_value());
    n.schematic = *doc;
  }
  return n;
}

void load_modules(talhelper::Node& n) {
  n.patches.push_back(talhelper::Patch{
      "machine:\n  kernel:\n    modules:\n      - name: nvidia\n      - name: nvidia_uvm\n"
      "      - name: nvidia_drm\n      - name: nvidia_modeset\n  sysctls:\n    net.core.bpf_jit_harden: 1\n",
      "", SourceLocation{"talconfig.yaml", 90, 9}});
}

std::string exts(std::initializer_list<const char*> names) {
  std::string s = "customization:\n  systemExtensions:\n    officialExtensions:\n";
  for (const char* n : names) {
    s += std::string("      - ") + n + "\n";
  }
  return s;
}

bool has_rule(const Diagnostics& d, std::string_view rule) {
  return std::any_of(d.items().begin(), d.items().end(), [&](const Diagnostic& x) { return x.rule == rule; });
}

const Diagnostic* find_rule(const Diagnostics& d, std::string_view rule) {
  for (const auto& x : d.items()) {
    if (x.rule == rule) {
      return &x;
    }
  }
  return nullptr;
}

}  // namespace

TEST(GpuNode, ReferenceScenario) {
  auto n = node(exts({"siderolabs/nonfree-kmod-nvidia-lts", "siderolabs/nvidia-container-toolkit-lts"}));
  load_modules(n);
  Diagnostics d;
  GpuNodeInfo info = analyze_gpu_node(config(), n, d);
  EXPECT_TRUE(d.empty()) << render_text(d);
  EXPECT_TRUE(info.gpu);
  EXPECT_EQ(info.evidence, GpuEvidence::schematic);
  EXPECT_EQ(info.tier, Tier::lts);
  EXPECT_EQ(info.flavor, Flavor::proprietary);
  EXPECT_EQ(info.driver, "535.247.01");
  EXPECT_EQ(info.cuda, "12.2");
  EXPECT_EQ(info.toolkit, "v1.17.8");
  EXPECT_EQ(info.installer, "factory.talos.dev/metal-installer/" + info.schematic_id + ":v1.11.1");
  EXPECT_EQ(info.kernel_modules, (std::vector<std::string>{"nvidia", "nvidia_uvm", "nvidia_drm", "nvidia_modeset"}));
  EXPECT_TRUE(info.unverified.empty());
}

TEST(GpuNode, PlainNodeIsNotAGpuNode) {
  Diagnostics d;
  GpuNodeInfo info = analyze_gpu_node(config(), node("overlay:\n  image: siderolabs/sbc-raspberrypi\n  name: rpi_generic\n"), d);
  EXPECT_FALSE(info.gpu);
  EXPECT_EQ(info.evidence, GpuEvidence::none);
  EXPECT_EQ(info.schematic_id, "ee21ef4a5ef808a9b7484cc0dda0f25075021691c8c09a276591eedb638ea1f9");
  EXPECT_TRUE(d.empty());
}

TEST(GpuNode, MixedTiers) {
  auto n = node(exts({"siderolabs/nonfree-kmod-nvidia-lts", "siderolabs/nvidia-container-toolkit-production"}));
  load_modules(n);
  Diagnostics d;
  analyze_gpu_node(config(), n, d);
  const Diagnostic* x = find_rule(d, "gpu-mixed-tiers");
  ASSERT_NE(x, nullptr) << render_text(d);
  EXPECT_EQ(x->severity, Severity::error);
  EXPECT_EQ(x->location.str(), "talconfig.yaml:5:9");  // the production toolkit line
}

TEST(GpuNode, KmodWithoutToolkitAndViceVersa) {
  auto a = node(exts({"siderolabs/nvidia-open-gpu-kernel-modules-production"}));
  load_modules(a);
  Diagnostics d1;
  GpuNodeInfo info = analyze_gpu_node(config(), a, d1);
  ASSERT_TRUE(has_rule(d1, "gpu-toolkit-missing")) << render_text(d1);
  EXPECT_EQ(find_rule(d1, "gpu-toolkit-missing")->hint, "add siderolabs/nvidia-container-toolkit-production");
  EXPECT_EQ(info.flavor, Flavor::open);
  EXPECT_EQ(info.driver, "570.172.08");
  EXPECT_EQ(info.cuda, "12.8");

  Diagnostics d2;
  analyze_gpu_node(config(), node(exts({"siderolabs/nvidia-container-toolkit-lts"})), d2);
  EXPECT_TRUE(has_rule(d2, "gpu-kmod-missing")) << render_text(d2);
}

TEST(GpuNode, LegacyNamesOnNewTalos) {
  auto n = node(exts({"siderolabs/nonfree-kmod-nvidia", "siderolabs/nvidia-container-toolkit"}));
  load_modules(n);
  Diagnostics d;
  GpuNodeInfo info = analyze_gpu_node(config(), n, d);
  ASSERT_EQ(d.count(Severity::warning), 2u) << render_text(d);
  EXPECT_EQ(d.items()[0].rule, "gpu-legacy-extension");
  EXPECT_EQ(d.items()[0].location.str(), "talconfig.yaml:4:9");
  // The factory aliases the old names to -lts.
  EXPECT_EQ(info.tier, Tier::lts);
  EXPECT_EQ(info.driver, "535.247.01");
}

TEST(GpuNode, ExtensionMissingForThatTalos) {
  auto n = node(exts({"siderolabs/nonfree-kmod-nvidia-lts", "siderolabs/nvidia-container-toolkit-lts"}));
  load_modules(n);
  Diagnostics d;
  GpuNodeInfo info = analyze_gpu_node(config("v1.7.6"), n, d);
  ASSERT_EQ(d.count(Severity::error), 2u) << render_text(d);
  EXPECT_EQ(d.items()[0].rule, "gpu-extension-unavailable");
  EXPECT_NE(d.items()[0].message.find("does not exist for Talos v1.7.6 (did you mean 'nonfree-kmod-nvidia'?)"),
            std::string::npos)
      << d.items()[0].message;
  EXPECT_TRUE(info.driver.empty());

  Diagnostics d2;
  analyze_gpu_node(config("v1.11.1"), node(exts({"siderolabs/nvidia-gdrdrv-device"})), d2);
  EXPECT_TRUE(has_rule(d2, "gpu-extension-unavailable"));
}

TEST(GpuNode, ConflictingFlavoursAndMissingModules) {
  auto n = node(exts({"siderolabs/nonfree-kmod-nvidia-lts", "siderolabs/nvidia-open-gpu-kernel-modules-lts",
                      "siderolabs/nvidia-container-toolkit-lts"}));
  Diagnostics d;
  analyze_gpu_node(config(), n, d);
  EXPECT_TRUE(has_rule(d, "gpu-conflicting-kmods")) << render_text(d);
  EXPECT_TRUE(has_rule(d, "gpu-kernel-modules-missing")) << render_text(d);
}

TEST(GpuNode, SchematicErrorsAreReported) {
  Diagnostics d;
  GpuNodeInfo info = analyze_gpu_node(config(), node("customization:\n  systemExtension: {}\n"), d);
  EXPECT_TRUE(has_rule(d, "schematic-unknown-field")) << render_text(d);
  EXPECT_FALSE(info.gpu);
}

TEST(GpuNode, RecognisesAnOpaqueFactoryUrl) {
  // What the factory web page hands out: extensions sorted, copied as talosImageURL.
  Schematic s = imagefactory::schematic_with_extensions(
      {"siderolabs/intel-ucode", "siderolabs/nvidia-container-toolkit-production",
       "siderolabs/nvidia-open-gpu-kernel-modules-production"});
  auto n = node();
  n.talos_image_url = "factory.talos.dev/metal-installer/" + imagefactory::schematic_id(s);
  n.talos_image_url_location = SourceLocation{"talconfig.yaml", 85, 20};
  load_modules(n);
  Diagnostics d;
  GpuNodeInfo info = analyze_gpu_node(config(), n, d);
  EXPECT_TRUE(d.empty()) << render_text(d);
  EXPECT_TRUE(info.gpu);
  EXPECT_EQ(info.evidence, GpuEvidence::recognised_url);
  EXPECT_EQ(info.flavor, Flavor::open);
  EXPECT_EQ(info.tier, Tier::production);
  EXPECT_EQ(info.driver, "570.172.08");
  EXPECT_EQ(info.installer, n.talos_image_url + ":v1.11.1");
  EXPECT_EQ(info.extensions, s.customization.official_extensions);
}

TEST(GpuNode, UnknownOpaqueUrlFallsBackToKernelModules) {
  auto n = node();
  n.talos_image_url = "factory.talos.dev/metal-installer/" + std::string(64, 'c');
  n.talos_image_url_location = SourceLocation{"talconfig.yaml", 85, 20};
  load_modules(n);
  Diagnostics d;
  GpuNodeInfo info = analyze_gpu_node(config(), n, d);
  EXPECT_TRUE(info.gpu);
  EXPECT_EQ(info.evidence, GpuEvidence::kernel_modules);
  EXPECT_FALSE(info.tier);
  EXPECT_TRUE(info.driver.empty());
  ASSERT_EQ(d.size(), 1u) << render_text(d);
  EXPECT_EQ(d.items()[0].rule, "gpu-unverified");
  EXPECT_EQ(d.items()[0].severity, Severity::note);
  EXPECT_EQ(d.items()[0].location.str(), "talconfig.yaml:85:20");
  EXPECT_FALSE(info.unverified.empty());
}

TEST(GpuNode, AsksTheFactoryWhenAllowed) {
  Schematic s = imagefactory::schematic_with_extensions(
      {"siderolabs/nonfree-kmod-nvidia-lts", "siderolabs/nvidia-container-toolkit-lts", "siderolabs/gvisor"});
  s.customization.extra_kernel_args = {"nomodeset"};
  std::string id = imagefactory::schematic_id(s);
  test::HttpsServer server;
  server.route("GET", "/schematics/" + id,
               [&](const test::RecordedRequest&) { return test::ServerResponse{200, {}, imagefactory::canonical_yaml(s)}; });
  http::TransportOptions opts;
  opts.tls.ca_pem = server.ca_pem();
  auto transport = http::make_curl_transport(opts);
  imagefactory::FactoryClient client(*transport, server.url());

  auto n = node();
  n.talos_image_url = "factory.talos.dev/installer/" + id;
  load_modules(n);
  Diagnostics d;
  GpuNodeInfo info = analyze_gpu_node(config(), n, d, GpuAnalysisOptions{&client});
  EXPECT_TRUE(d.empty()) << render_text(d);
  EXPECT_EQ(info.evidence, GpuEvidence::factory_lookup);
  EXPECT_EQ(info.driver, "535.247.01");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(GpuNode, KernelModulesFromJson6902AndKernelModulesField) {
  talhelper::Node n;
  n.hostname = "x";
  n.kernel_modules.push_back(talhelper::KernelModule{"nvidia", {}, {}});
  n.patches.push_back(talhelper::Patch{"- op: add\n  path: /machine/kernel\n  value:\n    modules:\n      - name: nvidia_uvm\n"
                                   "- op: add\n  path: /machine/kernel/modules/-\n  value: {name: nvidia_drm}\n"
                                   "- op: add\n  path: /machine/kernel/modules/-\n  value: {name: zfs}\n",
                                   "", {}});
  auto mods = nvidia_modules_in_config(n);
  ASSERT_EQ(mods.size(), 3u);
  EXPECT_EQ(mods[0].first, "nvidia");
  EXPECT_EQ(mods[1].first, "nvidia_uvm");
  EXPECT_EQ(mods[2].first, "nvidia_drm");
}

TEST(GpuNode, InstallerUrlSchematicId) {
  std::string id(imagefactory::k_empty_schematic_id);
  EXPECT_EQ(installer_url_schematic_id("factory.talos.dev/metal-installer/" + id), id);
  EXPECT_EQ(installer_url_schematic_id("factory.talos.dev/installer-secureboot/" + id + ":v1.11.1"), id);
  EXPECT_EQ(installer_url_schematic_id("my.registry:5000/aws-installer-secureboot/" + id), id);
  EXPECT_FALSE(installer_url_schematic_id("ghcr.io/siderolabs/installer"));
  EXPECT_FALSE(installer_url_schematic_id("factory.talos.dev/image/" + id));
}

TEST(GpuNode, CandidatesCoverBothOrders) {
  auto cands = nvidia_candidate_schematics(*Version::parse("v1.11.1"));
  EXPECT_GT(cands.size(), 100u);
  auto has = [&](std::vector<std::string> exts) {
    std::string id = imagefactory::schematic_id(imagefactory::schematic_with_extensions(std::move(exts)));
    return std::any_of(cands.begin(), cands.end(), [&](const Schematic& s) { return imagefactory::schematic_id(s) == id; });
  };
  EXPECT_TRUE(has({"siderolabs/nvidia-open-gpu-kernel-modules-lts", "siderolabs/nvidia-container-toolkit-lts"}));
  EXPECT_TRUE(has({"siderolabs/nvidia-container-toolkit-lts", "siderolabs/nvidia-open-gpu-kernel-modules-lts"}));
  EXPECT_TRUE(has({"siderolabs/amd-ucode", "siderolabs/nonfree-kmod-nvidia-production",
                   "siderolabs/nvidia-container-toolkit-production", "siderolabs/nvidia-fabricmanager-production"}));
  EXPECT_FALSE(has({"siderolabs/nonfree-kmod-nvidia", "siderolabs/nvidia-container-toolkit"}));
}
