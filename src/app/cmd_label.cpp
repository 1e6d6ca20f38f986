// `talgpu label [--apply] [--node NAME]`: declared node labels onto the live nodes
// (app/node_reconcile.hpp).

#include <CLI/CLI.hpp>

#include <app/command.hpp>
#include <app/node_reconcile.hpp>

namespace talgpu {

void setup_label(CLI::App& app, Context& ctx, CommandRun& run) {
  auto o = std::make_shared<ReconcileOptions>();
  add_reconcile_flags(app, *o, ReconcileKind::labels);
  run = [&ctx, o]() -> int { return run_reconcile(ctx, *o, ReconcileKind::labels); };
}

}  // namespace talgpu
