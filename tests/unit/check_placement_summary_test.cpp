// Placement output in O(workloads + nodes) (issue 18): each workload is summarised as
// kube-scheduler's FitError histogram (counts per reason) plus the first nodes it fits; the text
// table lists a line per node only for small fleets, --node NAME or -v; -o json stays whole through
// reasons per node shape and one list of every shape's nodes.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <check/check.hpp>
#include <check/render.hpp>
#include <kube/manifest_loader.hpp>

#include "test_support.hpp"

using namespace talgpu;
using talgpu::test::source_path;

namespace {

// n observed nodes of 4 shapes (pool a, pool b, tainted 8-GPU nodes, cordoned pool a), named out of
// node order so that every name list must be sorted.
std::vector<kube::Node> fleet(size_t n) {
  std::vector<kube::Node> out;
  for (size_t i = 0; i < n; ++i) {
    kube::Node node;
    node.name = fmt::format("node-{:04}", n - i);
    node.source = kube::NodeSource::observed;
    node.labels.set("kubernetes.io/hostname", node.name);
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

struct Checked {
  kube::Manifests manifests;
  check::CheckReport report;
};

// The scaling fixture (web: pool a; trainer: GPU; batch: anything untainted) on `n` nodes; with
// `pin`, batch is pinned to node-0007 (fitted node by node).
std::unique_ptr<Checked> run(size_t n, bool pin = false) {
  auto c = std::make_unique<Checked>();
  Diagnostics diags;
  kube::ManifestLoadOptions mo;
  mo.paths.push_back(source_path("tests/fixtures/check/scaling"));
  auto m = kube::load_manifests(mo, diags);
  EXPECT_TRUE(m);
  c->manifests = std::move(*m);
  if (pin) {
    c->manifests.workloads[2].pod.node_name = "node-0007";
  }
  check::CheckInputs in;
  in.manifests = &c->manifests;
  in.observed = fleet(n);
  c->report = check::run_check(in);
  return c;
}

std::vector<std::string> names_of(const check::CheckReport& r, const std::vector<size_t>& v) {
  std::vector<std::string> out;
  for (size_t i : v) {
    out.push_back(r.fleet->names[i]);
  }
  return out;
}

size_t count_lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

// Every summary agrees with the per-node expansion: counts per reason, the first names of each
// group in name order, and (per shape) shapes that hold exactly the group's nodes.
void expect_summary_matches_expansion(const check::CheckReport& report, size_t sample) {
  for (const auto& p : report.placements) {
    const check::PlacementSummary sum = p.summarize(sample);
    std::map<std::string, std::vector<std::string>> by_reason;
    for (const auto& [node, reason] : p.rejected()) {
      by_reason[reason].push_back(node);  // rejected() is in name order
    }
    const std::vector<std::string> fits = p.fits.names();
    EXPECT_EQ(sum.total, report.nodes.size());
    EXPECT_EQ(sum.fit_count, fits.size()) << p.workload;
    EXPECT_EQ(names_of(report, sum.fit_nodes),
              std::vector<std::string>(fits.begin(), fits.begin() + std::min(sample, fits.size())))
        << p.workload;
    ASSERT_EQ(sum.rejected.size(), by_reason.size()) << p.workload;
    size_t k = 0;
    for (const auto& [reason, nodes] : by_reason) {
      const check::ReasonGroup& g = sum.rejected[k++];
      EXPECT_EQ(g.reason, reason);
      EXPECT_EQ(g.count, nodes.size()) << reason;
      EXPECT_EQ(names_of(report, g.nodes),
                std::vector<std::string>(nodes.begin(), nodes.begin() + std::min(sample, nodes.size())))
          << reason;
      if (sum.by_shape) {
        std::set<std::string> in_shapes;
        for (size_t s : g.shapes) {
          for (size_t i : report.fleet->shape_nodes[s]) {
            in_shapes.insert(report.fleet->names[i]);
          }
        }
        EXPECT_EQ(in_shapes, std::set<std::string>(nodes.begin(), nodes.end())) << reason;
      }
    }
    EXPECT_EQ(sum.reason_counts(), p.reason_counts()) << p.workload;
  }
}

}  // namespace

TEST(PlacementSummary, IsTheSchedulerHistogramOfThePerNodeFit) {
  auto c = run(200);
  for (size_t sample : {0u, 1u, 5u, 60u, 500u}) {
    expect_summary_matches_expansion(c->report, sample);
  }
  const check::PlacementSummary web = c->report.placements[0].summarize(3);
  EXPECT_TRUE(web.by_shape);
  EXPECT_EQ(web.fit_count, 50u);  // pool a, schedulable
  EXPECT_EQ(names_of(c->report, web.fit_nodes), (std::vector<std::string>{"node-0004", "node-0008", "node-0012"}));
}

TEST(PlacementSummary, NamePinnedWorkloadsListEveryNodeWhenAsked) {
  auto c = run(100, true);
  expect_summary_matches_expansion(c->report, 5);
  const auto& batch = c->report.placements[2];
  const check::PlacementSummary whole = batch.summarize(5, true);
  EXPECT_FALSE(whole.by_shape);
  EXPECT_EQ(names_of(c->report, whole.fit_nodes), std::vector<std::string>{"node-0007"});
  size_t listed = 0;
  for (const auto& g : whole.rejected) {
    EXPECT_EQ(g.nodes.size(), g.count) << g.reason;
    listed += g.nodes.size();
  }
  EXPECT_EQ(listed, 99u);
}

TEST(PlacementSummary, SmallFleetsKeepALinePerNode) {
  auto c = run(check::k_placement_detail_nodes);
  const std::string text = check::render_placements_text(c->report);
  // One head line per workload plus one line per rejected node.
  size_t expected = 1;
  for (const auto& p : c->report.placements) {
    expected += 1 + p.rejected().size();
  }
  EXPECT_EQ(count_lines(text), expected) << text;
  EXPECT_NE(text.find("      node-0001: "), std::string::npos) << text;
  EXPECT_EQ(text.find("nodes are available"), std::string::npos) << text;
}

TEST(PlacementSummary, LargeFleetsGetCountsPerReason) {
  auto c = run(check::k_placement_detail_nodes + 1);
  const std::string text = check::render_placements_text(c->report);
  // A head line and a histogram line per workload (every workload is rejected somewhere).
  EXPECT_EQ(count_lines(text), 1 + 2 * c->report.placements.size()) << text;
  EXPECT_NE(text.find("  team/Deployment/web -> 3 of 11 nodes: node-0003, node-0007, node-0011\n"
                      "      rejected by 8 of 11 nodes: "),
            std::string::npos)
      << text;
  auto big = run(2000);
  const std::string big_text = check::render_placements_text(big->report);
  EXPECT_EQ(count_lines(big_text), 1 + 2 * big->report.placements.size()) << big_text;
  EXPECT_NE(big_text.find(", ... (495 more)\n"), std::string::npos) << big_text;
}

TEST(PlacementSummary, NoFitReadsAsKubeSchedulerFitError) {
  auto none = run(40);
  none->manifests.workloads[0].pod.node_selector.set("example.com/pool", "nowhere");
  check::CheckInputs in;
  in.manifests = &none->manifests;
  in.observed = fleet(40);
  check::CheckReport report = check::run_check(in);
  const std::string text = check::render_placements_text(report);
  // kubernetes pkg/scheduler/framework/types.go FitError.Error: "0/N nodes are available: ...".
  EXPECT_NE(text.find("  team/Deployment/web -> (no node)\n      0/40 nodes are available: "),
            std::string::npos)
      << text;
}

TEST(PlacementSummary, NodeLinesOnRequest) {
  auto c = run(200);
  check::PlacementDetail one;
  one.nodes = {"node-0008", "node-0003", "node-0008"};  // repeated: listed once, in name order
  const std::string text = check::render_placements_text(c->report, one);
  EXPECT_EQ(count_lines(text), 1 + 4 * c->report.placements.size()) << text;
  EXPECT_NE(text.find("      node-0003: "), std::string::npos) << text;
  EXPECT_LT(text.find("      node-0003: "), text.find("      node-0008: fits\n")) << text;
  EXPECT_TRUE(check::unknown_detail_nodes(c->report, one).empty());
  one.nodes.push_back("node-9999");
  EXPECT_EQ(check::unknown_detail_nodes(c->report, one), std::vector<std::string>{"node-9999"});

  check::PlacementDetail all;
  all.all = true;
  size_t expected = 1;
  for (const auto& p : c->report.placements) {
    expected += 1 + p.rejected().size();
  }
  EXPECT_EQ(count_lines(check::render_placements_text(c->report, all)), expected);
}

TEST(PlacementSummary, JsonIsWholeThroughShapes) {
  for (size_t n : {8u, 400u}) {
    for (bool pin : {false, true}) {
      auto c = run(n, pin);
      const auto j = nlohmann::json::parse(check::render_report_json(c->report));
      EXPECT_EQ(j["schemaVersion"].get<int>(), 2);
      const auto shapes = j["nodeShapes"].get<std::vector<std::vector<std::string>>>();
      size_t listed = 0;
      for (const auto& s : shapes) {
        listed += s.size();
      }
      EXPECT_EQ(listed, n);
      for (size_t k = 0; k < c->report.placements.size(); ++k) {
        const auto& p = c->report.placements[k];
        const auto& jp = j["placements"][k];
        // Rebuild node -> reason from the document alone.
        std::map<std::string, std::string> rejected;
        std::set<std::string> fits;
        if (jp["byShape"].get<bool>()) {
          for (const auto& s : jp["fitShapes"]) {
            const auto& nodes = shapes.at(s.get<size_t>());
            fits.insert(nodes.begin(), nodes.end());
          }
          for (const auto& g : jp["rejectedByReason"]) {
            for (const auto& s : g["shapes"]) {
              for (const auto& name : shapes.at(s.get<size_t>())) {
                rejected.emplace(name, g["reason"].get<std::string>());
              }
            }
          }
        } else {
          for (const auto& name : jp["fits"]) {
            fits.insert(name.get<std::string>());
          }
          for (const auto& g : jp["rejectedByReason"]) {
            for (const auto& name : g["nodes"]) {
              rejected.emplace(name.get<std::string>(), g["reason"].get<std::string>());
            }
          }
        }
        EXPECT_EQ(rejected, p.rejected()) << p.workload << " on " << n;
        const auto names = p.fits.names();
        EXPECT_EQ(fits, std::set<std::string>(names.begin(), names.end())) << p.workload;
        EXPECT_EQ(jp["fitCount"].get<size_t>(), names.size());
        // Schema 1's node -> reason map stays for small fleets only.
        EXPECT_EQ(jp.contains("rejected"), n <= check::k_placement_detail_nodes);
        if (jp.contains("rejected")) {
          const auto old_map = jp["rejected"].get<std::map<std::string, std::string>>();
          EXPECT_EQ(old_map, p.rejected());
        }
      }
    }
  }
}

TEST(PlacementSummary, OutputGrowsWithNodesNotWorkloadsTimesNodes) {
  // Per workload the document holds at most a fixed number of names, whatever the fleet size:
  // growing the fleet tenfold adds the names once (nodeShapes), not once per workload.
  auto small = run(400);
  auto big = run(4000);
  const std::string a = check::render_report_json(small->report);
  const std::string b = check::render_report_json(big->report);
  auto placements_part = [](const std::string& s) { return s.substr(0, s.find("\"nodeShapes\"")); };
  EXPECT_LT(placements_part(b).size(), placements_part(a).size() + 200) << placements_part(b);
  const std::string ta = check::render_placements_text(small->report);
  const std::string tb = check::render_placements_text(big->report);
  EXPECT_LT(tb.size(), ta.size() + 100) << tb;
}
