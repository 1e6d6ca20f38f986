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
  auto scratch = std::make_shared<std::string>();
  auto keep = std::make_shared<bool>(false);
  app.add_option("dir", *dir, "Cluster folder holding talconfig.yaml (default: .)");
  app.add_option("--scratch", *scratch, "Folder for the generated machine configs (default: a new temporary folder)");
  auto repo_root = std::make_shared<std::string>();
  app.add_option("--repo-root", *repo_root,
                 "Folder Flux Kustomization spec.path values are relative to (default: the Flux source root a "
                 "flux-system/gotk-sync.yaml shows, else the git root)");
  app.add_flag("--keep", *keep, "Keep the temporary folder of generated configs (default: removed at exit)");
  app.footer(
      "Loads the declaration (talconfig.yaml), analyses each node's schematic and NVIDIA driver,\n"
      "generates the machine configs into a scratch folder, and checks where every workload in the\n"
      "folder's manifests will run.");
  run = [&ctx, dir, scratch, repo_root, keep]() -> int { return run_plan(ctx, *dir, *scratch, *repo_root, *keep); };
}

}  // namespace talgpu
