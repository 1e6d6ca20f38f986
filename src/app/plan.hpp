#pragma once
#include <string>

#include <app/context.hpp>

namespace talgpu {

// Runs the plan on `dir`; returns the exit code.
int run_plan(Context& ctx, const std::string& dir);

}  // namespace talgpu
