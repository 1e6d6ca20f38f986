// Shape grouping in check::run_check: the fit runs once per (workload, node shape), not per node,
// and the per-shape results expand to exactly what a per-node fit would give.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <check/check.hpp>
#include <check/render.hpp>
#include <kube/manifest_loader.hpp>
#include <kube/scheduling.hpp>

#include "test_support.hpp"

using namespace talgpu;
using talgpu::test::source_path;

namespace {

// 1,000 observed nodes of 4 shapes: pool a, pool b, tainted GPU nodes with 8 GPUs, cordoned pool a.
std::vector<kube::Node> fleet(size_t n) {
  std::vector<kube::Node> out;
  for (size_t i = 0; i < n; ++i) {
    kube::Node node;
    node.name = fmt::format("node-{:04}", n - i);  // names out of node order: expansion must sort
    node.source = kube::NodeSource::observed;
    node.labels.set("kubernetes.io/hostname", node.name);  // differs per node, not part of the shape
    switch (i % 4) {
      case 0:
        node.labels.set("example.com/pool", "a");
        break;
      case 1:
        node.labels.set("example.com/pool", "b");
        break;
      case 2:
        node.labels.set("nvidia.com/gpu.present", "true");
        node.taints.push_back(kube::Taint{"nvidia.com/gpu", "present", "NoSchedule", {}});
        node.capacity["nvidia.com/gpu"] = kube::Quantity::from_int(8);
        node.allocatable["nvidia.com/gpu"] = kube::Quantity::from_int(8);
        break;
      case 3:
        node.labels.set("example.com/pool", "a");
        node.unschedulable = true;
        break;
    }
    out.push_back(std::move(node));
  }
  return out;
}

kube::Manifests load(Diagnostics& diags) {
  kube::ManifestLoadOptions mo;
  mo.paths.push_back(source_path("tests/fixtures/check/scaling"));
  auto m = kube::load_manifests(mo, diags);
  EXPECT_TRUE(m);
  return std::move(*m);
}

}  // namespace

TEST(CheckScaling, FitRunsOncePerWorkloadAndShape) {
  Diagnostics diags;
  kube::Manifests m = load(diags);
  ASSERT_EQ(m.workloads.size(), 3u);
  check::CheckInputs in;
  in.manifests = &m;
  in.observed = fleet(1000);
  check::CheckReport report = check::run_check(in);
  EXPECT_EQ(report.nodes.size(), 1000u);
  EXPECT_EQ(report.node_shapes, 4u);
  EXPECT_EQ(report.fit_evaluations, 3u * 4u);
}

TEST(CheckScaling, FitEvaluationsDoNotGrowWithTheNodeCount) {
  Diagnostics diags;
  kube::Manifests m = load(diags);
  check::CheckInputs small;
  small.manifests = &m;
  small.observed = fleet(4);
  check::CheckInputs big = small;
  big.observed = fleet(4000);
  EXPECT_EQ(check::run_check(small).fit_evaluations, check::run_check(big).fit_evaluations);
}

TEST(CheckScaling, PerShapeFitExpandsToThePerNodeFit) {
  Diagnostics diags;
  kube::Manifests m = load(diags);
  check::CheckInputs in;
  in.manifests = &m;
  in.observed = fleet(200);
  check::CheckReport report = check::run_check(in);
  kube::FitOptions opts;
  opts.runtime_classes = &m.runtime_classes;
  for (const auto& p : report.placements) {
    std::vector<std::string> fits;
    std::map<std::string, std::string> rejected;
    for (const auto& ni : report.nodes) {
      auto r = kube::fits(*p.object, ni.node, opts);
      if (r.fit) {
        fits.push_back(ni.node.name);
      } else {
        rejected.emplace(ni.node.name, r.message);
      }
    }
    std::sort(fits.begin(), fits.end());
    EXPECT_EQ(p.fits.names(), fits) << p.workload;
    EXPECT_EQ(p.fits.size(), fits.size()) << p.workload;
    EXPECT_EQ(p.rejected(), rejected) << p.workload;
  }
  // web: pool a and schedulable (50 nodes); trainer: the 50 GPU nodes; batch: everything but the
  // tainted and the cordoned nodes.
  EXPECT_EQ(report.placements[0].fits.size(), 50u);
  EXPECT_EQ(report.placements[1].fits.size(), 50u);
  EXPECT_EQ(report.placements[2].fits.size(), 100u);
}

TEST(CheckScaling, NamePinnedWorkloadsAreFittedPerNode) {
  Diagnostics diags;
  kube::Manifests m = load(diags);
  m.workloads[2].pod.node_name = "node-0007";
  check::CheckInputs in;
  in.manifests = &m;
  in.observed = fleet(100);
  check::CheckReport report = check::run_check(in);
  EXPECT_EQ(report.fit_evaluations, 2u * 4u + 100u);
  EXPECT_EQ(report.placements[2].fits.names(), std::vector<std::string>{"node-0007"});
}
