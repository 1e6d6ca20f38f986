#pragma once
#include <string>

#include <app/context.hpp>

namespace talgpu {

// Settings of a plan run; fail_on and project_file are the same as `check`'s.
struct PlanOptions {
  std::string scratch;       // "" = a new temporary folder
  std::string repo_root;     // "" = the Flux source root or the git root
  bool keep = false;         // keep the temporary folder
  std::string fail_on;       // "", "error", "warning"
  std::string project_file;  // "" = the nearest .talgpu.yaml
  std::string talconfig;     // "" = DIR/talconfig.yaml
};

// Runs the plan on `dir`, writing generated configs into `scratch` (a new temporary folder when
// empty, removed at exit, on SIGINT/SIGTERM/SIGHUP too, unless `keep`); returns the exit code.
int run_plan(Context& ctx, const std::string& dir, const PlanOptions& o = {});

}  // namespace talgpu
