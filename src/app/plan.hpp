#pragma once
#include <string>

#include <app/context.hpp>

namespace talgpu {

// Runs the plan on `dir`, writing generated configs into `scratch` (a new temporary folder when
// empty, removed at exit, on SIGINT/SIGTERM/SIGHUP too, unless `keep`); returns the exit code.
int run_plan(Context& ctx, const std::string& dir, const std::string& scratch = {}, const std::string& repo_root = {},
             bool keep = false);

}  // namespace talgpu
