#pragma once
// The engine's building steps (engine.cpp runs them in order): the nodes, their shapes, and each
// workload's placement. Internal to src/check; check.hpp is the public face.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <check/check.hpp>
#include <kube/scheduling.hpp>

namespace talgpu::check {

struct FleetShapes {
  std::shared_ptr<Fleet> fleet;
  std::vector<size_t> shape_rep;    // shape -> representative node
  std::vector<int64_t> gpu_counts;  // node -> allocatable nvidia.com/gpu (time-slicing applied)
};

// Groups nodes by shape: the labels some workload or RuntimeClass selects on (not the hostname),
// taints, unschedulable, GPU count and flag. Hash first, confirmed field by field.
FleetShapes group_shapes(const std::vector<NodeInfo>& nodes, const kube::Manifests& m, int64_t time_slicing_replicas);

// Where one workload fits (one fit per shape, or per node for name-pinned workloads); adds the
// number of kube::fits calls to `fit_evaluations`.
Placement place_workload(const kube::Workload& w, const kube::Manifests& m, const std::vector<NodeInfo>& nodes,
                         const FleetShapes& shapes, const kube::FitOptions& base_opts, size_t& fit_evaluations);

}  // namespace talgpu::check
