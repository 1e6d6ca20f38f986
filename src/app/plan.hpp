#pragma once
#include <string>

#include <app/context.hpp>

namespace talgpu {

// CI settings of a plan run (the same as `check`'s).
struct PlanCiOptions {
  std::string fail_on;       // "", "error", "warning"
  std::string project_file;  // "" = the nearest .talgpu.yaml
};

// Runs the plan on `dir`, writing generated configs into `scratch` (a new temporary folder when
// empty); returns the exit code.
int run_plan(Context& ctx, const std::string& dir, const std::string& scratch = {}, const PlanCiOptions& ci = {});

}  // namespace talgpu
