// `talgpu check [PATH...] [--config talconfig.yaml] [--nodes nodes.json]`: the rules engine over
// the declared nodes, the observed nodes and the manifests (src/check/check.hpp). Exit 1 when any
// finding is an error, 2 when an input cannot be read.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <app/command.hpp>
#include <app/live.hpp>
#include <check/check.hpp>
#include <check/render.hpp>
#include <core/error.hpp>
#include <core/fs.hpp>
#include <kube/client/nodes.hpp>
#include <kube/manifest_loader.hpp>
#include <kube/nodes_json.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu {

namespace {

struct CheckOptions {
  std::vector<std::string> paths;
  std::string config;
  std::string nodes;
  bool live = false;
  LiveOptions live_opts;
};

int run_check_command(Context& ctx, const CheckOptions& o) {
  Diagnostics load_diags;
  std::vector<std::string> paths = o.paths.empty() ? std::vector<std::string>{"."} : o.paths;
  std::string config = o.config;
  if (config.empty()) {
    // A cluster folder: its talconfig.yaml is the declaration.
    for (const auto& p : paths) {
      std::string candidate = join_path(p, "talconfig.yaml");
      if (is_directory(p) && file_exists(candidate)) {
        config = candidate;
        break;
      }
    }
  }
  std::optional<talhelper::TalConfig> cfg;
  if (!config.empty()) {
    talhelper::LoadOptions lo;
    lo.path = config;
    auto loaded = talhelper::load_talconfig(lo, load_diags);
    if (!loaded) {
      throw Abort(loaded.error().describe(), k_exit_usage);
    }
    cfg = std::move(*loaded);
  }
  kube::ManifestLoadOptions mo;
  mo.paths = paths;
  auto manifests = kube::load_manifests(mo, load_diags);
  if (!manifests) {
    throw Abort(manifests.error().describe(), k_exit_usage);
  }
  check::CheckInputs in;
  in.config = cfg ? &*cfg : nullptr;
  in.manifests = &*manifests;
  if (o.live || !o.live_opts.kubeconfig.empty() || !o.live_opts.context.empty()) {
    if (!o.nodes.empty()) {
      throw Abort("--nodes and --live both give the observed nodes: use one", k_exit_usage);
    }
    auto client = connect_or_abort(ctx, o.live_opts);
    auto observed = value_or_abort(kube::client::fetch_nodes(*client).map_error([](const auto& e) { return e.error(); }));
    for (auto& n : observed) {
      in.observed.push_back(std::move(n.node));
    }
  } else if (!o.nodes.empty()) {
    auto observed = kube::load_nodes_json(o.nodes, load_diags);
    if (!observed) {
      throw Abort(observed.error().describe(), k_exit_usage);
    }
    in.observed = std::move(*observed);
  }
  check::CheckReport report = check::run_check(std::move(in));
  report.findings.append(load_diags);
  report.findings.sort();

  switch (ctx.output) {
    case OutputFormat::json:
      fmt::print(ctx.out, "{}", check::render_report_json(report));
      break;
    case OutputFormat::sarif:
      fmt::print(ctx.out, "{}", check::render_report_sarif(report));
      break;
    case OutputFormat::text: {
      RenderOptions ro{ctx.color_out, true};
      fmt::print(ctx.out, "{}", check::render_report_text(report, ro));
      break;
    }
  }
  return report.has_errors() ? k_exit_findings : k_exit_ok;
}

}  // namespace

void setup_check(CLI::App& app, Context& ctx, CommandRun& run) {
  auto o = std::make_shared<CheckOptions>();
  app.add_option("paths", o->paths, "Manifest files and folders (default: .); a folder with talconfig.yaml is a cluster");
  app.add_option("--config", o->config, "talconfig.yaml with the declared nodes");
  app.add_option("--nodes", o->nodes, "Observed nodes: the output of 'kubectl get nodes -o json'");
  app.add_flag("--live", o->live, "Observed nodes from the cluster (kubeconfig as kubectl resolves it)");
  add_live_flags(app, o->live_opts);
  app.footer(
      "Rules: talgpu explain. Output: -o text (findings, then the placement table), -o json, -o sarif.\n"
      "Exit codes: 0 no errors, 1 errors found, 2 unreadable input.");
  run = [&ctx, o]() -> int { return run_check_command(ctx, *o); };
}

}  // namespace talgpu
