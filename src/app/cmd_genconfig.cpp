// `talgpu genconfig`: talhelper's genconfig (one machine config per node, talosconfig,
// .gitignore), with talgpu's fixes for worker taints unless --talhelper-compat.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <app/command.hpp>
#include <app/load_config.hpp>
#include <app/preflight.hpp>
#include <core/error.hpp>
#include <core/fs.hpp>
#include <core/term.hpp>
#include <talhelper/genconfig.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu {

namespace {

struct GenconfigArgs {
  std::string config = "talconfig.yaml";
  std::vector<std::string> secrets;
  std::vector<std::string> env_files;
  talhelper::GenconfigOptions opts;
  bool no_gitignore = false;
  bool offline_mode = false;
  std::string talos_mode = "metal";
};

int run_genconfig(const Context& ctx, GenconfigArgs a) {
  if (a.talos_mode != "metal") {
    throw Abort(fmt::format("-m {}: talgpu generates machine configs for bare metal only; run with -m metal (or "
                            "without -m), or use 'talhelper genconfig -m {}'",
                            a.talos_mode, a.talos_mode),
                k_exit_usage);
  }
  talhelper::LoadOptions lo;
  lo.path = a.config;
  lo.env_files = a.env_files;
  lo.env_files_replace_defaults = true;
  Diagnostics diags;
  const talhelper::TalConfig cfg = load_talconfig_or_abort(ctx, lo, diags);
  if (!diags.has_errors()) {
    check_gpu_nodes(cfg, diags, a.opts.node);  // the node-level GPU rules, as validate and check run them
  }
  if (diags.has_errors()) {
    print_diagnostics(ctx, diags);
    return k_exit_findings;
  }
  // talhelper's -s is a list whose last existing file wins (cmd/genconfig.go). When none of the
  // files given exists talhelper silently generates new secrets; talgpu stops instead, because
  // configs from a throwaway bundle do not join the existing cluster.
  std::string secrets_file;
  for (const auto& f : a.secrets) {
    if (file_exists(f)) {
      secrets_file = f;
    }
  }
  if (!a.secrets.empty() && secrets_file.empty()) {
    throw Abort(fmt::format("none of the secret files given with -s exists: {}", fmt::join(a.secrets, ", ")), k_exit_usage);
  }
  auto secrets = talhelper::load_cluster_secrets(cfg, secrets_file, diags);
  if (!secrets || diags.has_errors()) {
    print_diagnostics(ctx, diags);
    if (!secrets) {
      throw Abort(secrets.error().describe(), k_exit_usage);
    }
    return k_exit_findings;
  }
  a.opts.gitignore = !a.no_gitignore;
  auto result = talhelper::generate_cluster(cfg, *secrets, a.opts, diags);
  drop_repeats(diags);
  diags.sort();
  print_diagnostics(ctx, diags);
  if (!result) {
    throw Abort(result.error().describe(), k_exit_findings);
  }
  if (diags.has_errors()) {
    return k_exit_findings;
  }
  if (ctx.json()) {
    nlohmann::ordered_json nodes = nlohmann::ordered_json::array();
    for (const auto& n : result->nodes) {
      nodes.push_back({{"hostname", n.hostname},
                       {"role", n.role},
                       {"file", n.file},
                       {"installImage", n.install_image},
                       {"installDisk", n.install_disk},
                       {"labels", n.labels},
                       {"taints", n.taints},
                       {"taintsPlacement", n.taints_placement},
                       {"patches", n.patches},
                       {"changed", n.changed}});
    }
    nlohmann::ordered_json j{{"dryRun", a.opts.dry_run}, {"nodes", nodes}, {"written", result->written}};
    if (a.opts.dry_run) {
      j["diff"] = result->diff;
    }
    out_line(ctx, j.dump(2));
    return a.opts.dry_run && !result->diff.empty() ? k_exit_findings : k_exit_ok;
  }
  if (a.opts.dry_run) {
    // For CI, as `diff` and `git diff --exit-code`: 1 when a node config would change.
    std::fputs(terminal_safe_text(result->diff).c_str(), ctx.out);
    return result->diff.empty() ? k_exit_ok : k_exit_findings;
  }
  if (!ctx.quiet()) {
    for (const auto& n : result->nodes) {
      out_line(ctx, fmt::format("generated config for {} in {}", n.hostname, n.file));
    }
  }
  return k_exit_ok;
}

}  // namespace

void setup_genconfig(CLI::App& app, Context& ctx, CommandRun& run) {
  auto a = std::make_shared<GenconfigArgs>();
  // Flags follow talhelper cmd/genconfig.go: -c, -e, -s (lists, comma-separated or repeated),
  // -o, -n/--dry-run, --no-gitignore, --offline-mode, --disable-nodes-section.
  app.add_option("-c,--config,--config-file", a->config, "The talconfig.yaml")->capture_default_str();
  // talhelper's -m/--talos-mode (cmd/genconfig.go, default metal) names the mode its validation of
  // the generated configs assumes; talgpu generates and checks for bare metal only.
  app.add_option("-m,--talos-mode", a->talos_mode, "Talos runtime mode: metal (the only one talgpu supports)")
      ->capture_default_str();
  app.add_option("-s,--secret-file", a->secrets,
                 "Secrets bundles; the last one that exists wins (default: talsecret*.yaml next to the config)")
      ->delimiter(',');
  app.add_option("-e,--env-file", a->env_files,
                 "Env files; giving any replaces the talenv*.yaml defaults, as in talhelper")
      ->delimiter(',');
  app.add_option("-o,--out-dir", a->opts.out_dir, "Output folder")->capture_default_str();
  app.add_option("--node", a->opts.node, "Only this node (IP or hostname)");
  app.add_flag("-n,--dry-run", a->opts.dry_run, "Print a unified diff against the existing node configs and write nothing; exit 1 when any would change");
  app.add_flag("--offline-mode", a->offline_mode,
               "Accepted for talhelper compatibility: talgpu always computes schematic IDs offline");
  app.add_flag("--talhelper-compat", a->opts.talhelper_compat,
               "Reproduce talhelper's output (worker taints in machine.nodeTaints, nodeLabels replace the defaults)");
  app.add_flag("--no-gitignore", a->no_gitignore, "Do not update <out-dir>/.gitignore");
  app.add_flag("--disable-nodes-section", a->opts.disable_nodes_section, "talosconfig without nodes");
  app.footer(
      "\nExamples:\n"
      "  talgpu genconfig -c clusters/prod/talconfig.yaml -o clusters/prod/clusterconfig\n"
      "  talgpu genconfig -c clusters/prod/talconfig.yaml --dry-run   # CI: exit 1 when a config would change");
  run = [&ctx, a]() -> int { return run_genconfig(ctx, *a); };
}

}  // namespace talgpu
