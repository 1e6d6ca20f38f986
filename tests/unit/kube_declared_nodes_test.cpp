// Declared nodes from a talconfig: labels, Talos taint syntax, the control-plane taint and GPU
// detection from the schematic.

#include <gtest/gtest.h>

#include <kube/declared_nodes.hpp>
#include <kube/scheduling.hpp>
#include <yaml/document.hpp>

using namespace talgpu;
using namespace talgpu::kube;

TEST(DeclaredNodes, TalosTaintSyntax) {
  Taint a = parse_talos_taint("nvidia.com/gpu", "true:NoSchedule");
  EXPECT_EQ(a.value, "true");
  EXPECT_EQ(a.effect, "NoSchedule");
  Taint b = parse_talos_taint("dedicated", "NoExecute");
  EXPECT_EQ(b.value, "");
  EXPECT_EQ(b.effect, "NoExecute");
}

TEST(DeclaredNodes, FromTalconfigNodes) {
  talhelper::TalConfig cfg;
  talhelper::Node cp;
  cp.hostname = "cp-1";
  cp.control_plane = true;
  talhelper::Node gpu;
  gpu.hostname = "gpu-1";
  gpu.node_labels.push_back({"nvidia.com/gpu.count", "2", {"talconfig.yaml", 12, 9}});
  gpu.node_taints.push_back({"nvidia.com/gpu", "present:NoSchedule", {"talconfig.yaml", 14, 9}});
  auto schematic = yaml::parse_one(
      "customization:\n  systemExtensions:\n    officialExtensions:\n      - siderolabs/nonfree-kmod-nvidia-lts\n",
      "schematic.yaml");
  ASSERT_TRUE(schematic.has_value());
  gpu.schematic = *schematic;
  cfg.nodes = {cp, gpu};

  auto nodes = declared_nodes(cfg);
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_TRUE(nodes[0].control_plane);
  EXPECT_FALSE(nodes[0].gpu);
  ASSERT_EQ(nodes[0].taints.size(), 1u);
  EXPECT_EQ(nodes[0].taints[0].str(), "node-role.kubernetes.io/control-plane:NoSchedule");
  EXPECT_TRUE(nodes[1].gpu);
  EXPECT_EQ(*nodes[1].labels.find("kubernetes.io/hostname"), "gpu-1");
  EXPECT_EQ(nodes[1].taints.at(0).location.line, 14);

  cfg.allow_scheduling_on_control_planes = true;
  EXPECT_TRUE(declared_nodes(cfg)[0].taints.empty());

  // A plain pod lands on neither (control-plane taint, GPU taint).
  PodTemplate pod;
  EXPECT_EQ(fits(pod, nodes[0]).message, "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }");
  EXPECT_EQ(fits(pod, nodes[1]).message, "node(s) had untolerated taint {nvidia.com/gpu: present}");
}
