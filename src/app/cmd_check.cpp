// `talgpu check [PATH...] [--config talconfig.yaml] [--nodes nodes.json]`: the rules engine over
// the declared nodes, the observed nodes and the manifests (src/check/check.hpp). Exit 1 when any
// finding is an error, 2 when an input cannot be read.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <app/command.hpp>
#include <app/load_config.hpp>
#include <app/live.hpp>
#include <check/check.hpp>
#include <check/policy.hpp>
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
  std::string repo_root;
  std::string fail_on;
  std::string project_file;
  std::vector<std::string> detail_nodes;  // --node
  bool live = false;
  LiveOptions live_opts;
};

// A run that cannot complete: in JSON and SARIF a whole document that says so (CI tools read
// stdout whatever the exit code), in text the usual error line. Exit 2.
[[noreturn]] void stop(Context& ctx, const Error& e, const check::Policy& policy) {
  if (ctx.output == OutputFormat::text) {
    throw Abort(e.describe(), k_exit_usage);
  }
  check::RunOutcome outcome;
  outcome.success = false;
  outcome.failure = e.describe();
  outcome.policy = &policy;
  Diagnostics none;
  fmt::print(ctx.out, "{}",
             ctx.output == OutputFormat::json ? check::render_findings_json(none, nullptr, outcome)
                                              : check::render_sarif(none, outcome));
  throw Abort(e.describe(), k_exit_usage);  // and the error line on stderr
}

check::Policy load_project_policy(Context& ctx, const CheckOptions& o, const std::string& start, Diagnostics& diags) {
  std::optional<std::string> file = o.project_file.empty() ? check::find_project_file(start) : o.project_file;
  if (!file) {
    return {};
  }
  verbose(ctx, fmt::format("project file: {}", *file));
  auto p = check::load_policy(*file, diags);
  if (!p) {
    stop(ctx, p.error(), check::Policy{});
  }
  return *p;
}

int run_check_command(Context& ctx, const CheckOptions& o) {
  Diagnostics load_diags;
  std::vector<std::string> paths = o.paths.empty() ? std::vector<std::string>{"."} : o.paths;
  check::Policy policy = load_project_policy(ctx, o, paths.front(), load_diags);
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
  verbose(ctx, config.empty() ? "declared nodes: none (no talconfig.yaml)" : fmt::format("declared nodes: {}", config));
  std::optional<talhelper::TalConfig> cfg;
  if (!config.empty()) {
    talhelper::LoadOptions lo;
    lo.path = config;
    auto loaded = talhelper::load_talconfig(lo, load_diags);
    if (!loaded) {
      stop(ctx, loaded.error(), policy);
    }
    verbose_declaration(ctx, *loaded);
    cfg = std::move(*loaded);
  }
  kube::ManifestLoadOptions mo;
  mo.paths = paths;
  mo.repo_root = o.repo_root;
  auto manifests = kube::load_manifests(mo, load_diags);
  if (!manifests) {
    stop(ctx, manifests.error(), policy);
  }
  verbose(ctx, fmt::format("read {} manifest file(s): {} workload(s)", manifests->files.size(),
                           manifests->workloads.size()));
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
      stop(ctx, observed.error(), policy);
    }
    in.observed = std::move(*observed);
  }
  check::CheckReport report = check::run_check(std::move(in));
  report.findings.append(load_diags);
  size_t suppressed = check::apply_policy(report.findings, policy, &*manifests);
  report.findings.sort();
  if (suppressed > 0) {
    verbose(ctx, fmt::format("{} finding(s) suppressed by {} or talgpu.dev/ignore annotations", suppressed,
                             policy.file.empty() ? "(no project file)" : policy.file));
  }

  check::PlacementDetail detail;
  detail.all = ctx.verbosity > 0;
  detail.nodes = o.detail_nodes;
  // --node shapes the text table only (-o json lists every node's reason already).
  if (auto unknown = check::unknown_detail_nodes(report, detail);
      ctx.output == OutputFormat::text && !unknown.empty()) {
    throw Abort(fmt::format("--node {}: no such node among the {} checked", unknown.front(), report.nodes.size()),
                k_exit_usage);
  }
  check::RunOutcome outcome;
  outcome.policy = &policy;
  switch (ctx.output) {
    case OutputFormat::json:
      fmt::print(ctx.out, "{}", check::render_findings_json(report.findings, &report, outcome));
      break;
    case OutputFormat::sarif:
      fmt::print(ctx.out, "{}", check::render_sarif(report.findings, outcome));
      break;
    case OutputFormat::text:
      if (ctx.quiet()) {
        print_diagnostics(ctx, report.findings);  // errors only, on stderr
      } else {
        RenderOptions ro{ctx.color_out, true};
        fmt::print(ctx.out, "{}", check::render_report_text(report, ro, detail));
      }
      break;
  }
  check::FailOn threshold = policy.fail_on.value_or(check::FailOn::error);
  if (!o.fail_on.empty()) {
    threshold = *check::parse_fail_on(o.fail_on);
  }
  return check::fails(report.findings, threshold) ? k_exit_findings : k_exit_ok;
}

}  // namespace

void setup_check(CLI::App& app, Context& ctx, CommandRun& run) {
  auto o = std::make_shared<CheckOptions>();
  app.add_option("paths", o->paths, "Manifest files and folders (default: .); a folder with talconfig.yaml is a cluster");
  app.add_option("-c,--config,--config-file,--talconfig", o->config, "talconfig.yaml with the declared nodes");
  app.add_option("--nodes", o->nodes, "Observed nodes: the output of 'kubectl get nodes -o json'");
  app.add_option("--repo-root", o->repo_root,
                 "Folder Flux Kustomization spec.path values are relative to (default: the Flux source root a "
                 "flux-system/gotk-sync.yaml shows, else the git root)");
  app.add_option("--fail-on", o->fail_on, "Exit 1 on findings of this severity or worse: error (default), warning")
      ->check(CLI::IsMember({"error", "warning"}));
  app.add_option("--project-file", o->project_file,
                 "Project settings (default: the nearest .talgpu.yaml in the first path's folder or above)");
  app.add_option("--node", o->detail_nodes,
                 "Text output: list this node's reason for every workload in the placement table (repeatable; -v lists every "
                 "node; fleets of more than 10 nodes otherwise get counts per reason)");
  app.add_flag("--live", o->live, "Observed nodes from the cluster (kubeconfig as kubectl resolves it)");
  add_live_flags(app, o->live_opts);
  app.footer(
      "Examples:\n"
      "  talgpu check clusters/prod                 # a cluster folder: talconfig.yaml + manifests\n"
      "  talgpu check apps/ -c talconfig.yaml --nodes nodes.json\n"
      "  talgpu check clusters/prod --live            # the nodes as the cluster has them now\n"
      "  talgpu -o sarif check . --fail-on warning > talgpu.sarif\n"
      "\n"
      "Rules: talgpu explain. Output: -o text (findings, then the placement table: per workload the nodes\n"
      "it fits and kube-scheduler's counts per reason; a line per node for fleets of up to 10 nodes,\n"
      "--node NAME, or -v), -o json\n"
      "(docs/schemas/findings.schema.json), -o sarif. Per-rule levels: .talgpu.yaml ('rules: {ID: off}');\n"
      "one object: annotation 'talgpu.dev/ignore: ID,...'.\n"
      "Exit codes: 0 no errors, 1 errors found (or warnings with --fail-on warning), 2 unreadable input.");
  run = [&ctx, o]() -> int { return run_check_command(ctx, *o); };
}

}  // namespace talgpu
