#include <app/node_reconcile.hpp>

#include <algorithm>
#include <map>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <core/strings.hpp>
#include <core/term.hpp>
#include <kube/client/nodes.hpp>
#include <kube/declared_nodes.hpp>

namespace talgpu {

namespace {

using nlohmann::json;
namespace kc = kube::client;

struct NodeReport {
  std::string name;
  std::string status;  // in-sync, pending, applied, unchanged, missing, failed
  std::vector<std::string> changes;
  std::vector<std::string> kept;
  std::vector<std::string> commands;
  std::string error;
};

std::vector<kube::Node> selected_nodes(const talhelper::TalConfig& cfg, const std::vector<std::string>& only) {
  std::vector<kube::Node> out;
  std::vector<std::string> names;
  for (const auto& n : cfg.nodes) {
    names.push_back(n.hostname);
  }
  for (const auto& want : only) {
    if (std::find(names.begin(), names.end(), want) == names.end()) {
      throw Abort(fmt::format("--node {}: not a node of {}{}", want, cfg.path, did_you_mean(want, names)), k_exit_usage);
    }
  }
  for (const auto& n : cfg.nodes) {
    if (only.empty() || std::find(only.begin(), only.end(), n.hostname) != only.end()) {
      out.push_back(kube::declared_node(n, cfg.allow_scheduling_on_control_planes));
    }
  }
  return out;
}

NodeReport dry_run(const kube::Node& declared, const kc::ObservedNode* observed, ReconcileKind kind, bool prune) {
  NodeReport r;
  r.name = declared.name;
  if (observed == nullptr) {
    r.status = "missing";
    r.error = fmt::format("node {} is not in the cluster (talgpu does not create nodes)", declared.name);
    return r;
  }
  if (kind == ReconcileKind::taints) {
    for (const auto& c : kube::taint_changes(declared.taints, observed->node.taints, prune)) {
      if (c.kind == kube::TaintChange::Kind::keep_undeclared) {
        r.kept.push_back(c.taint.str());
      } else {
        r.changes.push_back(c.kind == kube::TaintChange::Kind::add      ? "add " + c.taint.str()
                            : c.kind == kube::TaintChange::Kind::change ? "change " + c.taint.str()
                                                                        : "remove " + c.taint.str());
        r.commands.push_back(kube::kubectl_taint_command(declared.name, c));
      }
    }
  } else {
    for (const auto& c : kube::label_changes(declared, observed->node)) {
      r.changes.push_back((c.before ? "change " : "add ") + c.key + "=" + c.value);
      r.commands.push_back(kube::kubectl_label_command(declared.name, c));
    }
  }
  r.status = r.changes.empty() ? "in-sync" : "pending";
  return r;
}

void print_text(const Context& ctx, const std::vector<NodeReport>& reports, ReconcileKind kind, bool apply) {
  const char* what = kind == ReconcileKind::taints ? "taints" : "labels";
  for (const auto& r : reports) {
    if (r.status == "missing" || r.status == "failed") {
      fmt::print(ctx.out, "{}: {}: {}\n", safe_text(r.name), styled(r.status, TextStyle::error, ctx.color_out), safe_text(r.error));
      continue;
    }
    if (!apply) {
      if (r.changes.empty()) {
        fmt::print(ctx.out, "# {}: {} match the declaration\n", safe_text(r.name), what);
      }
      for (const auto& c : r.commands) {
        fmt::print(ctx.out, "{}\n", safe_text(c));
      }
    } else {
      fmt::print(ctx.out, "{}: {}{}\n", safe_text(r.name), r.status,
                 r.changes.empty() ? "" : ": " + safe_text(fmt::format("{}", fmt::join(r.changes, "; "))));
    }
    for (const auto& k : r.kept) {
      fmt::print(ctx.out, "# {}: kept undeclared taint {} (--prune removes it)\n", safe_text(r.name), safe_text(k));
    }
  }
}

}  // namespace

void add_reconcile_flags(CLI::App& app, ReconcileOptions& o, ReconcileKind kind) {
  app.add_option("-c,--config,--config-file", o.config, "talconfig.yaml with the declared nodes (default: ./talconfig.yaml)");
  app.add_flag("--apply", o.apply, "write the changes (default: print the equivalent kubectl commands)");
  if (kind == ReconcileKind::taints) {
    app.add_flag("--prune", o.prune, "also remove taints the declaration does not list (never node.kubernetes.io/*)");
  }
  app.add_option("--node", o.nodes, "only this node (repeatable)");
  add_live_flags(app, o.live);
  app.footer(kind == ReconcileKind::taints
                 ? "Exit codes: 0 in sync (or all applied), 1 changes pending or a node missing/failed, 2 unreadable input.\n"
                   "\nExamples:\n"
                   "  talgpu taint -c clusters/prod/talconfig.yaml            # dry run: the kubectl commands\n"
                   "  talgpu taint -c clusters/prod/talconfig.yaml --apply --node velaryon"
                 : "Only declared labels are written; labels the declaration does not list are never removed.\n"
                   "Exit codes: 0 in sync (or all applied), 1 changes pending or a node missing/failed, 2 unreadable input.\n"
                   "\nExamples:\n"
                   "  talgpu label -c clusters/prod/talconfig.yaml            # dry run: the kubectl commands\n"
                   "  talgpu label -c clusters/prod/talconfig.yaml --apply");
}

int run_reconcile(Context& ctx, const ReconcileOptions& o, ReconcileKind kind) {
  talhelper::TalConfig cfg = load_declaration_or_abort(ctx, o.config);
  std::vector<kube::Node> declared = selected_nodes(cfg, o.nodes);
  auto client = connect_or_abort(ctx, o.live);
  std::vector<NodeReport> reports;
  if (!o.apply) {
    auto observed = value_or_abort(kc::fetch_nodes(*client).map_error([](const auto& e) { return e.error(); }));
    std::map<std::string, const kc::ObservedNode*> by_name;
    for (const auto& n : observed) {
      by_name[n.node.name] = &n;
    }
    for (const auto& d : declared) {
      auto it = by_name.find(d.name);
      reports.push_back(dry_run(d, it == by_name.end() ? nullptr : it->second, kind, o.prune));
    }
  } else {
    for (const auto& d : declared) {
      auto planner = kind == ReconcileKind::taints ? kc::taint_planner(d.taints, o.prune) : kc::label_planner(d);
      kc::ApplyResult a = kc::apply_node_patch(*client, d.name, planner);
      reports.push_back(NodeReport{d.name, kc::apply_status_name(a.status), a.changes, a.kept, {}, a.error});
    }
  }
  bool bad = false;
  for (const auto& r : reports) {
    bad = bad || r.status == "missing" || r.status == "failed" || r.status == "pending";
  }
  if (ctx.json()) {
    json j = {{"applied", o.apply}, {"nodes", json::array()}};
    for (const auto& r : reports) {
      json n = {{"name", r.name}, {"status", r.status}, {"changes", r.changes}, {"kept", r.kept}};
      if (!o.apply) {
        n["commands"] = r.commands;
      }
      if (!r.error.empty()) {
        n["error"] = r.error;
      }
      j["nodes"].push_back(n);
    }
    fmt::print(ctx.out, "{}\n", j.dump(2));
  } else {
    print_text(ctx, reports, kind, o.apply);
  }
  return bad ? k_exit_findings : k_exit_ok;
}

}  // namespace talgpu
