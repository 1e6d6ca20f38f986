// Loading talconfig.yaml: env files, substitution, @file contents, group merge. Cases marked
// "upstream" port budimanjojo/talhelper pkg/config/loader_test.go and nodeconfigs_test.go.

#include <gtest/gtest.h>

#include <cstdlib>

#include <talhelper/talconfig.hpp>
#include <yaml/document.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::talhelper;
using namespace talgpu::imagefactory;

namespace {

Result<TalConfig> load(const std::string& path, Diagnostics& d, std::vector<std::string> env = {}) {
  LoadOptions o;
  o.path = path;
  o.env_files = std::move(env);
  return load_talconfig(o, d);
}

std::vector<std::string> rules(const Diagnostics& d) {
  std::vector<std::string> out;
  for (const auto& i : d.items()) {
    out.push_back(i.rule);
  }
  return out;
}

std::string patch_files(const std::vector<Patch>& ps) {
  std::string out;
  for (const auto& p : ps) {
    out += (p.file.empty() ? std::string("inline") : p.file.substr(p.file.rfind('/') + 1)) + ";";
  }
  return out;
}

}  // namespace

TEST(TalconfigLoad, UpstreamLoaderTestEnvFilesAndMerge) {
  std::string dir = test::shared_path("fixtures/talhelper/testdata/config/");
  Diagnostics d;
  auto cfg = load(dir + "talconfig.yaml", d, {dir + "env1.yaml", dir + "env2.yml"});
  ASSERT_TRUE(cfg.has_value()) << cfg.error().describe();
  EXPECT_FALSE(d.has_errors()) << render_text(d);
  EXPECT_EQ(cfg->cluster_name, "test-cluster");
  ASSERT_EQ(cfg->nodes.size(), 2u);
  const Node& n0 = cfg->nodes[0];
  EXPECT_EQ(n0.hostname, "hostname1");
  EXPECT_EQ(n0.ip_address, "192.168.200.10");
  EXPECT_TRUE(n0.control_plane);
  EXPECT_EQ(n0.install_disk, "/dev/sda");
  EXPECT_EQ(n0.cert_sans, (std::vector<std::string>{"example.net", "example.com"}));  // node then group
  EXPECT_TRUE(n0.disable_search_domain);                                              // inherited
  ASSERT_TRUE(n0.schematic.has_value());  // the node's schematic replaces the group's entirely
  auto s0 = yaml::parse_one("customization:\n  systemExtensions:\n    officialExtensions: [siderolabs/tailscale]\n", "x");
  EXPECT_TRUE(n0.schematic->equals(*s0));
  const Node& n1 = cfg->nodes[1];
  EXPECT_EQ(n1.hostname, "hostname2");
  EXPECT_FALSE(n1.control_plane);
  ASSERT_TRUE(n1.schematic.has_value());  // inherited from worker:
  auto s1 = yaml::parse_one("customization:\n  extraKernelArgs: [net.ifnames=0]\n", "x");
  EXPECT_TRUE(n1.schematic->equals(*s1));
  EXPECT_TRUE(n1.cert_sans.empty());
}

TEST(TalconfigLoad, UpstreamOverrideNodeConfigs) {
  NodeConfigs global;
  global.node_labels = {{"testkey", "testValue", {}}};
  global.schematic = *yaml::parse_one("customization:\n  extraKernelArgs: [enable=1]\n", "g");
  Node node;
  node.hostname = "test-host";
  node.control_plane = true;
  node.node_labels = {{"testkey", "overwritten", {}}};
  node.machine_disks = *yaml::parse_one("- device: /dev/sda\n  partitions:\n    - size: 1\n      mountpoint: /hello\n", "n");
  merge_node_configs(node, global);
  ASSERT_EQ(node.node_labels.size(), 1u);
  EXPECT_EQ(node.node_labels[0].value, "overwritten");
  ASSERT_TRUE(node.machine_disks.has_value());
  ASSERT_TRUE(node.schematic.has_value());
  EXPECT_TRUE(node.schematic->equals(*global.schematic));
}

TEST(TalconfigLoad, GroupMergeQuirks) {
  unsetenv("WORKER_VALUE");
  Diagnostics d;
  auto cfg = load(test::source_path("tests/fixtures/talconfig/merge/talconfig.yaml"), d);
  ASSERT_TRUE(cfg.has_value()) << cfg.error().describe();
  EXPECT_FALSE(d.has_errors()) << render_text(d);
  ASSERT_EQ(cfg->nodes.size(), 3u);
  const Node& cp = cfg->nodes[0];
  EXPECT_EQ(cp.cert_sans, (std::vector<std::string>{"node.example", "group.example"}));
  EXPECT_TRUE(cp.disable_search_domain);  // a group `true` cannot be turned off per node
  ASSERT_EQ(cp.node_labels.size(), 1u);
  EXPECT_EQ(cp.node_labels[0].value, "control");
  EXPECT_EQ(cp.machine_spec.arch, "amd64");  // defaults after the merge

  const Node& w1 = cfg->nodes[1];
  EXPECT_EQ(patch_files(w1.patches), "worker.yaml;inline;inline;");  // group first, then node
  EXPECT_EQ(w1.patches[0].text, "machine:\n  env:\n    WORKER: \"from-talenv\"\n");  // talenv.yaml + envsubst
  EXPECT_NE(w1.patches[2].text.find("node: \"1\""), std::string::npos);
  ASSERT_EQ(w1.extra_manifests.size(), 2u);  // node then group
  EXPECT_NE(w1.extra_manifests[0].find("manifest-node.yaml"), std::string::npos);
  EXPECT_NE(w1.extra_manifests[1].find("manifest-group.yaml"), std::string::npos);
  ASSERT_EQ(w1.node_labels.size(), 1u);  // the map is replaced, not merged
  EXPECT_EQ(w1.node_labels[0].key, "own");
  EXPECT_EQ(w1.ip_addresses(), (std::vector<std::string>{"10.0.0.11", "10.0.0.111"}));
  EXPECT_EQ(w1.machine_spec.arch, "arm64");

  const Node& w2 = cfg->nodes[2];
  // overridePatches without node patches: the zero-value fallback still takes the group's.
  EXPECT_EQ(patch_files(w2.patches), "worker.yaml;inline;");
  EXPECT_EQ(w2.extra_manifests.size(), 1u);  // same quirk for extraManifests
  EXPECT_TRUE(w2.machine_spec.secureboot);
  EXPECT_EQ(w2.machine_spec.arch, "amd64");  // the node's machineSpec replaces the group's whole

  EXPECT_EQ(patch_files(cfg->patches), "global.yaml;");
  EXPECT_EQ(cfg->find_node("10.0.0.111"), &cfg->nodes[1]);
  EXPECT_EQ(cfg->find_node("w2"), &cfg->nodes[2]);
  EXPECT_EQ(cfg->find_node("nope"), nullptr);
}

TEST(TalconfigLoad, GoldentoothExampleIsClean) {
  Diagnostics d;
  auto cfg = load(test::source_path("examples/goldentooth/talconfig.yaml"), d);
  ASSERT_TRUE(cfg.has_value()) << cfg.error().describe();
  EXPECT_TRUE(d.empty()) << render_text(d);
  EXPECT_EQ(cfg->talos_version, "v1.11.1");
  EXPECT_EQ(cfg->kubernetes_version, "1.34.0");
  EXPECT_EQ(cfg->nodes.size(), 7u);
  const Node* gpu = cfg->find_node("velaryon");
  ASSERT_NE(gpu, nullptr);
  EXPECT_EQ(patch_files(gpu->patches), "inline;inline;");  // worker group patch, then the node's
  ASSERT_EQ(gpu->node_taints.size(), 1u);
  EXPECT_EQ(gpu->node_taints[0].value, "true:NoSchedule");
  EXPECT_EQ(gpu->node_taints[0].location.line, 93);
}

TEST(TalconfigLoad, UpstreamExampleWithSopsEnvAndFiles) {
  setenv("SOPS_AGE_KEY_FILE", test::shared_path("fixtures/talhelper/example/key.txt").c_str(), 1);
  Diagnostics d;
  auto cfg = load(test::shared_path("fixtures/talhelper/example/talconfig.yaml"), d);
  unsetenv("SOPS_AGE_KEY_FILE");
  ASSERT_TRUE(cfg.has_value()) << cfg.error().describe();
  EXPECT_FALSE(d.has_errors()) << render_text(d);
  EXPECT_NE(cfg->domain, "${myDomainName}");
  EXPECT_FALSE(cfg->domain.empty());
  EXPECT_TRUE(cfg->allow_scheduling_on_control_planes);  // allowSchedulingOnMasters
  ASSERT_EQ(cfg->patches.size(), 3u);
  EXPECT_NE(cfg->patches[2].file.find("uservolumeconfig3.yaml"), std::string::npos);
  EXPECT_FALSE(cfg->patches[2].text.empty());
  const Node* km = cfg->find_node("kmaster1");
  ASSERT_NE(km, nullptr);
  ASSERT_TRUE(km->machine_files.has_value());
  // tsauth.env reads "TS_AUTHKEY=${tsAuth}": read, then substituted from the decrypted talenv.yaml.
  std::string content = km->machine_files->items()[1].find("content")->value();
  EXPECT_EQ(content.rfind("TS_AUTHKEY=", 0), 0u);
  EXPECT_EQ(content.find("${"), std::string::npos) << content;
  EXPECT_EQ(patch_files(km->patches).substr(0, 7), "inline;");  // controlPlane patches come first
}

TEST(TalconfigLoad, DefaultsAndVersionPrefixes) {
  test::TempDir t;
  std::string p = t.write("talconfig.yaml",
                          "clusterName: c\ntalosVersion: 1.11.1\nkubernetesVersion: v1.33.2\nendpoint: https://c:6443\n"
                          "nodes:\n  - hostname: a\n    ipAddress: 10.0.0.1\n    installDisk: /dev/sda\n");
  Diagnostics d;
  auto cfg = load(p, d);
  ASSERT_TRUE(cfg.has_value());
  EXPECT_TRUE(d.empty()) << render_text(d);
  EXPECT_EQ(cfg->talos_version, "v1.11.1");
  EXPECT_EQ(cfg->kubernetes_version, "1.33.2");
  EXPECT_EQ(cfg->domain, "cluster.local");
  EXPECT_EQ(cfg->cluster_pod_nets, std::vector<std::string>{"10.244.0.0/16"});
  EXPECT_EQ(cfg->cluster_svc_nets, std::vector<std::string>{"10.96.0.0/12"});
  EXPECT_EQ(cfg->image_factory.registry_url, "factory.talos.dev");
  EXPECT_EQ(cfg->nodes[0].machine_spec.mode, "metal");
  EXPECT_EQ(cfg->nodes[0].machine_spec.boot_method, "iso");

  std::string p2 = t.write("v6.yaml", "clusterName: c\nkubernetesVersion: 1.33.0\nendpoint: fd00::1\nnodes: []\n");
  Diagnostics d2;
  auto cfg2 = load(p2, d2);
  ASSERT_TRUE(cfg2.has_value());
  EXPECT_EQ(cfg2->talos_version, k_latest_talos_version);
  EXPECT_EQ(cfg2->cluster_pod_nets, std::vector<std::string>{"fc00:db8:10::/56"});
  EXPECT_EQ(cfg2->cluster_svc_nets, std::vector<std::string>{"fc00:db8:20::/112"});
}

TEST(TalconfigLoad, UnsetVariableIsLocatedAndCommentsAreIgnored) {
  test::TempDir t;
  std::string p = t.write("talconfig.yaml",
                          "# ${IN_A_COMMENT}\nclusterName: ${TALGPU_TEST_UNSET_NAME} # ${ALSO_IGNORED}\n"
                          "kubernetesVersion: 1.33.0\nendpoint: https://c:6443\nnodes: []\n");
  Diagnostics d;
  auto cfg = load(p, d);
  ASSERT_TRUE(cfg.has_value());
  ASSERT_EQ(rules(d), (std::vector<std::string>{"envsubst-unset", "talconfig-required"}));
  EXPECT_EQ(d.items()[0].message, "variable ${TALGPU_TEST_UNSET_NAME} not set");
  EXPECT_EQ(d.items()[0].location.line, 2);
  EXPECT_EQ(d.items()[0].location.column, 14);
}

TEST(TalconfigLoad, MissingAtFileIsALocatedError) {
  test::TempDir t;
  std::string p = t.write("talconfig.yaml",
                          "clusterName: c\nkubernetesVersion: 1.33.0\nendpoint: https://c:6443\nnodes:\n"
                          "  - hostname: a\n    ipAddress: 10.0.0.1\n    installDisk: /dev/sda\n    patches:\n"
                          "      - \"@./missing.yaml\"\n");
  Diagnostics d;
  auto cfg = load(p, d);
  ASSERT_TRUE(cfg.has_value());
  ASSERT_EQ(rules(d), std::vector<std::string>{"talconfig-file-missing"});
  EXPECT_EQ(d.items()[0].location.line, 9);
  EXPECT_EQ(d.items()[0].location.column, 9);
}

TEST(TalconfigLoad, UnknownKeysWarnWithASuggestion) {
  Diagnostics d;
  auto cfg = load(test::source_path("tests/fixtures/talconfig/bad/talconfig.yaml"), d);
  ASSERT_TRUE(cfg.has_value());
  bool found = false;
  for (const auto& i : d.items()) {
    if (i.rule == "talconfig-unknown-key") {
      found = true;
      EXPECT_EQ(i.severity, Severity::warning);
      EXPECT_EQ(i.message, "unknown key 'nodes[1].instalDisk' (did you mean 'installDisk'?)");
      EXPECT_EQ(i.location.line, 24);
    }
  }
  EXPECT_TRUE(found) << render_text(d);
}

TEST(TalconfigLoad, UnreadableAndUnparseableFilesAreErrors) {
  Diagnostics d;
  EXPECT_FALSE(load("/nonexistent/talconfig.yaml", d).has_value());
  test::TempDir t;
  std::string p = t.write("talconfig.yaml", "clusterName: [unclosed\n");
  EXPECT_FALSE(load(p, d).has_value());
}

TEST(TalconfigLoad, SopsEncryptedEnvFileNextToTheConfig) {
  test::TempDir t;
  t.write("talenv.sops.yaml", test::read_text(test::shared_path("fixtures/talhelper/testdata/substitute/file3.sops.yaml")));
  std::string p = t.write("talconfig.yaml",
                          "clusterName: ${enc_hello_env}\nkubernetesVersion: 1.33.0\nendpoint: https://c:6443\n"
                          "nodes: []\n");
  setenv("SOPS_AGE_KEY_FILE", test::shared_path("fixtures/talhelper/example/key.txt").c_str(), 1);
  Diagnostics d;
  auto cfg = load(p, d);
  unsetenv("SOPS_AGE_KEY_FILE");
  ASSERT_TRUE(cfg.has_value());
  EXPECT_FALSE(cfg->cluster_name.empty());
  EXPECT_EQ(cfg->cluster_name.find("${"), std::string::npos);
}

// talhelper genconfig/gencommand: `-e` is a string slice defaulting to the talenv* files, so giving
// it replaces the defaults, and a listed file that is missing is skipped (cmd/genconfig.go).
TEST(TalconfigLoad, EnvFilesCanReplaceTheDefaultsAsTalhelperGenconfigDoes) {
  test::TempDir dir;
  std::string cfg = dir.write("talconfig.yaml",
                              "clusterName: ${NAME}\ntalosVersion: v1.11.1\nkubernetesVersion: v1.34.0\n"
                              "endpoint: https://10.0.0.1:6443\nnodes:\n  - hostname: a\n    ipAddress: 10.0.0.1\n"
                              "    controlPlane: true\n    installDisk: /dev/sda\n");
  dir.write("talenv.yaml", "NAME: from-default\n");
  std::string extra = dir.write("extra.yaml", "NAME: from-e\n");

  LoadOptions adds;  // validate and the other commands: -e adds to the defaults
  adds.path = cfg;
  adds.env_files = {extra};
  Diagnostics d1;
  auto a = load_talconfig(adds, d1);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->cluster_name, "from-e");

  dir.write("talenv.yaml", "NAME: from-default\nONLY_DEFAULT: x\n");
  dir.write("talconfig2.yaml", "clusterName: ${ONLY_DEFAULT}\n");
  LoadOptions replaces;
  replaces.path = dir.file("talconfig2.yaml");
  replaces.env_files = {dir.file("missing.yaml"), extra};
  replaces.env_files_replace_defaults = true;
  Diagnostics d2;
  auto b = load_talconfig(replaces, d2);
  std::string text = render_text(d2, RenderOptions{false, false});
  EXPECT_NE(text.find("warning: env file '" + dir.file("missing.yaml") + "' does not exist; skipped as talhelper does"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("variable ${ONLY_DEFAULT} not set"), std::string::npos) << text;

  replaces.env_files.clear();  // no -e: the defaults apply
  Diagnostics d3;
  auto c = load_talconfig(replaces, d3);
  EXPECT_EQ(render_text(d3).find("ONLY_DEFAULT"), std::string::npos) << render_text(d3);
}
