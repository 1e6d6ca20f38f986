#pragma once
// `talgpu taint` and `talgpu label`: bring node taints / labels to the talconfig.yaml declaration
// as a cluster admin (the kubelet cannot: NodeRestriction). Dry run by default (prints the
// equivalent kubectl commands); --apply writes guarded JSON patches (kube/client/nodes.hpp).

#include <string>
#include <vector>

#include <app/context.hpp>
#include <app/live.hpp>

namespace CLI {
class App;
}

namespace talgpu {

enum class ReconcileKind { taints, labels };

struct ReconcileOptions {
  LiveOptions live;
  std::string config;
  bool apply = false;
  bool prune = false;  // taints only
  std::vector<std::string> nodes;
};

void add_reconcile_flags(CLI::App& app, ReconcileOptions& o, ReconcileKind kind);
int run_reconcile(Context& ctx, const ReconcileOptions& o, ReconcileKind kind);

}  // namespace talgpu
