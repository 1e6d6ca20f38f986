// `talgpu taint [--apply] [--prune] [--node NAME]`: node taints to the declared set
// (app/node_reconcile.hpp).

#include <CLI/CLI.hpp>

#include <app/command.hpp>
#include <app/node_reconcile.hpp>

namespace talgpu {

void setup_taint(CLI::App& app, Context& ctx, CommandRun& run) {
  auto o = std::make_shared<ReconcileOptions>();
  add_reconcile_flags(app, *o, ReconcileKind::taints);
  run = [&ctx, o]() -> int { return run_reconcile(ctx, *o, ReconcileKind::taints); };
}

}  // namespace talgpu
