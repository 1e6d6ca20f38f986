// `talgpu plan [DIR]`: the main job. Loads a cluster folder as a user keeps it in git
// (talconfig.yaml plus GitOps manifests) and summarises what talgpu sees. Each capability adds
// its section: schematics and drivers, generated configs, the placement check.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <app/command.hpp>
#include <app/plan.hpp>
#include <core/error.hpp>

namespace talgpu {

void setup_plan(CLI::App& app, Context& ctx, CommandRun& run) {
  auto dir = std::make_shared<std::string>(".");
  app.add_option("dir", *dir, "Cluster folder holding talconfig.yaml (default: .)");
  run = [&ctx, dir]() -> int { return run_plan(ctx, *dir); };
}

}  // namespace talgpu
