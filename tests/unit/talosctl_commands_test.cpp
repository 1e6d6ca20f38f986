#include <gtest/gtest.h>

#include <talhelper/talosctl_commands.hpp>

using namespace talgpu;
using namespace talgpu::talhelper;
using namespace talgpu::imagefactory;

namespace {

// Shapes from budimanjojo/talhelper pkg/generate/command.go.
TalConfig cluster() {
  TalConfig c;
  c.cluster_name = "home";
  c.talos_version = "v1.11.1";
  c.kubernetes_version = "v1.34.1";
  Node cp;
  cp.hostname = "cp1";
  cp.ip_address = "10.0.0.1, 10.0.1.1";
  cp.control_plane = true;
  Node gpu;
  gpu.hostname = "gpu1";
  gpu.ip_address = "10.0.0.2";
  gpu.talos_image_url = "factory.talos.dev/metal-installer/abc";
  c.nodes = {cp, gpu};
  return c;
}

std::vector<std::string> lines(TalosctlCommand cmd, const std::string& node = {},
                               const std::vector<std::string>& extra = {}) {
  auto r = talosctl_commands(cluster(), cmd, "./clusterconfig", node, extra);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : std::vector<std::string>{};
}

}  // namespace

TEST(Gencommand, ApplyEveryIpOfEveryNode) {
  EXPECT_EQ(lines(TalosctlCommand::apply),
            (std::vector<std::string>{
                "talosctl apply-config --talosconfig=./clusterconfig/talosconfig --nodes=10.0.0.1 --file=./clusterconfig/home-cp1.yaml;",
                "talosctl apply-config --talosconfig=./clusterconfig/talosconfig --nodes=10.0.1.1 --file=./clusterconfig/home-cp1.yaml;",
                "talosctl apply-config --talosconfig=./clusterconfig/talosconfig --nodes=10.0.0.2 --file=./clusterconfig/home-gpu1.yaml;"}));
  EXPECT_EQ(lines(TalosctlCommand::apply, "10.0.1.1", {"--insecure"}),
            (std::vector<std::string>{"talosctl apply-config --talosconfig=./clusterconfig/talosconfig --nodes=10.0.1.1 "
                                      "--file=./clusterconfig/home-cp1.yaml --insecure;"}));
}

TEST(Gencommand, UpgradeUsesTheNodeInstallerImage) {
  EXPECT_EQ(lines(TalosctlCommand::upgrade, "gpu1"),
            (std::vector<std::string>{"talosctl upgrade --talosconfig=./clusterconfig/talosconfig --nodes=10.0.0.2 "
                                      "--image=factory.talos.dev/metal-installer/abc:v1.11.1;"}));
}

TEST(Gencommand, ControlPlaneCommandsPutExtraFlagsBeforeNodes) {
  EXPECT_EQ(lines(TalosctlCommand::upgrade_k8s, {}, {"--dry-run"}),
            (std::vector<std::string>{
                "talosctl upgrade-k8s --talosconfig=./clusterconfig/talosconfig --to=v1.34.1 --dry-run --nodes=10.0.0.1;"}));
  EXPECT_EQ(lines(TalosctlCommand::bootstrap),
            (std::vector<std::string>{"talosctl bootstrap --talosconfig=./clusterconfig/talosconfig --nodes=10.0.0.1;"}));
  EXPECT_EQ(lines(TalosctlCommand::kubeconfig, "cp1"),
            (std::vector<std::string>{"talosctl kubeconfig --talosconfig=./clusterconfig/talosconfig --nodes=10.0.0.1;"}));
  EXPECT_EQ(lines(TalosctlCommand::health, "cp1", {"--wait-timeout=5m"}),
            (std::vector<std::string>{
                "talosctl health --talosconfig=./clusterconfig/talosconfig --nodes=cp1 --wait-timeout=5m;"}));
  EXPECT_EQ(lines(TalosctlCommand::reset, "10.0.0.2"),
            (std::vector<std::string>{"talosctl reset --talosconfig=./clusterconfig/talosconfig --nodes=10.0.0.2;"}));
}

TEST(Gencommand, ErrorsUseTalhelperWording) {
  auto missing = talosctl_commands(cluster(), TalosctlCommand::apply, "out", "nope", {});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "node with IP or hostname nope not found");
  auto worker = talosctl_commands(cluster(), TalosctlCommand::bootstrap, "out", "10.0.0.2", {});
  ASSERT_FALSE(worker.has_value());
  EXPECT_EQ(worker.error().message, "node with IP 10.0.0.2 is not a controlplane node");
  EXPECT_FALSE(parse_talosctl_command("aply").has_value());
}
