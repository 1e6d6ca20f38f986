// The check engine: builds the fleet (fleet.cpp), fits every workload on every node shape
// (placement.cpp), then runs the registered rule families (rules/registry.cpp) over one shared,
// read-only context (context.hpp). See check.hpp for the shape grouping and rules.hpp for what
// each rule id means.

#include <check/check.hpp>

#include <check/context.hpp>
#include <check/fleet.hpp>
#include <check/rules/registry.hpp>

namespace talgpu::check {

namespace {

CheckReport run_check_with(const CheckInputs& in, std::vector<kube::Node> observed) {
  CheckReport report;
  static const kube::Manifests k_empty;
  const kube::Manifests& m = in.manifests != nullptr ? *in.manifests : k_empty;
  report.nodes = build_nodes(in.config, std::move(observed), in.run_gpu_analysis, report.findings);

  kube::FitOptions base_opts;
  base_opts.runtime_classes = &m.runtime_classes;
  base_opts.time_slicing_replicas = m.gpu_time_slicing_replicas();
  FleetShapes shapes = group_shapes(report.nodes, m, base_opts.time_slicing_replicas);
  report.node_shapes = shapes.shape_rep.size();
  report.fleet = shapes.fleet;

  report.placements.reserve(m.workloads.size());
  for (const auto& w : m.workloads) {
    report.placements.push_back(place_workload(w, m, report.nodes, shapes, base_opts, report.fit_evaluations));
  }

  CheckContext ctx(in.config, m, report.nodes, *shapes.fleet, report.placements);
  ctx.gpu_counts = std::move(shapes.gpu_counts);
  ctx.shape_rep = std::move(shapes.shape_rep);
  for (size_t rep : ctx.shape_rep) {  // the GPU count and the GPU flag are part of the shape
    ctx.shape_gpus.push_back(ctx.gpu_counts[rep]);
    ctx.shape_is_gpu.push_back(report.nodes[rep].is_gpu);
  }
  for (const RuleFamily& family : rule_families()) {
    family.run(ctx, report.findings);
  }
  report.findings.sort();
  return report;
}

}  // namespace

CheckReport run_check(const CheckInputs& in) {
  return run_check_with(in, in.observed);
}

CheckReport run_check(CheckInputs&& in) {
  std::vector<kube::Node> observed = std::move(in.observed);
  return run_check_with(in, std::move(observed));
}

}  // namespace talgpu::check
