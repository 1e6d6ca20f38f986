// `talgpu plan [DIR]`: the main job. Loads a cluster folder as a user keeps it in git
// (talconfig.yaml plus GitOps manifests) and summarises what talgpu sees. Each capability adds
// its section: schematics and drivers, generated configs, the placement check.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <app/command.hpp>
#include <app/plan.hpp>
#include <core/error.hpp>
#include <core/fs.hpp>

namespace talgpu {

void setup_plan(CLI::App& app, Context& ctx, CommandRun& run) {
  auto dir = std::make_shared<std::string>(".");
  auto o = std::make_shared<PlanOptions>();
  auto dir_opt = app.add_option("dir", *dir, "Cluster folder holding talconfig.yaml and the manifests (default: ., or -c's folder)");
  app.add_option("-c,--config,--config-file", o->talconfig,
                 "talconfig file when it is not DIR/talconfig.yaml (talhelper's -c); DIR defaults to its folder");
  app.add_option("--scratch", o->scratch, "Folder for the generated machine configs (default: a new temporary folder)");
  app.add_option("--fail-on", o->fail_on, "Exit 1 on findings of this severity or worse: error (default), warning")
      ->check(CLI::IsMember({"error", "warning"}));
  app.add_option("--project-file", o->project_file,
                 "Project settings (default: the nearest .talgpu.yaml in DIR or above)");
  app.add_option("--repo-root", o->repo_root,
                 "Folder Flux Kustomization spec.path values are relative to (default: the Flux source root a "
                 "flux-system/gotk-sync.yaml shows, else the git root)");
  app.add_flag("--keep", o->keep, "Keep the temporary folder of generated configs (default: removed at exit)");
  app.footer(
      "Loads the declaration (talconfig.yaml), analyses each node's schematic and NVIDIA driver,\n"
      "generates the machine configs into a scratch folder, and checks where every workload in the\n"
      "folder's manifests will run. -o json and -o sarif write the same findings as 'check'\n"
      "(docs/schemas/plan.schema.json).\n"
      "\n"
      "Examples:\n"
      "  talgpu plan examples/goldentooth --scratch /tmp/goldentooth\n"
      "  talgpu plan -c clusters/prod/talconfig.prod.yaml\n"
      "  talgpu -o json plan clusters/prod --fail-on warning > plan.json");
  run = [&ctx, dir, o, dir_opt]() -> int {
    if (o->talconfig == "-") {
      throw Abort("plan -c -: plan reads a cluster folder, not standard input; use 'talgpu check -' or 'validate -'",
                  k_exit_usage);
    }
    if (!o->talconfig.empty() && dir_opt->count() == 0) {
      *dir = dirname_of(o->talconfig);
    }
    return run_plan(ctx, *dir, *o);
  };
}

}  // namespace talgpu
