// `talgpu gencommand apply|upgrade|upgrade-k8s|bootstrap|kubeconfig|reset|health`: the talosctl
// command lines for the cluster, exactly as talhelper's gencommand prints them.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <app/command.hpp>
#include <app/load_config.hpp>
#include <app/preflight.hpp>
#include <core/error.hpp>
#include <core/strings.hpp>
#include <talhelper/talconfig.hpp>
#include <talhelper/talosctl_commands.hpp>

namespace talgpu {

namespace {

struct GencommandArgs {
  std::string command;
  std::string config = "talconfig.yaml";
  std::string out_dir = "./clusterconfig";
  std::vector<std::string> env_files;
  std::vector<std::string> extra_flags;
  std::string node;
  bool offline_mode = false;
  bool force = false;
};

int run_gencommand(const Context& ctx, const GencommandArgs& a) {
  auto cmd = talhelper::parse_talosctl_command(a.command);
  if (!cmd) {
    throw Abort("unknown command '" + a.command + "'" + did_you_mean(a.command, talhelper::talosctl_command_names()) +
                    " (one of: apply, upgrade, upgrade-k8s, bootstrap, kubeconfig, reset, health)",
                k_exit_usage);
  }
  // talhelper defines --offline-mode on `gencommand upgrade` only (cmd/gencommand_upgrade.go).
  if (a.offline_mode && *cmd != talhelper::TalosctlCommand::upgrade) {
    throw Abort("--offline-mode applies to 'gencommand upgrade' only", k_exit_usage);
  }
  talhelper::LoadOptions lo;
  lo.path = a.config;
  lo.env_files = a.env_files;
  lo.env_files_replace_defaults = true;  // talhelper cmd/gencommand.go: --env-file replaces the defaults
  Diagnostics diags;
  auto cfg = talhelper::load_talconfig(lo, diags);
  if (!cfg || diags.has_errors()) {
    Diagnostics errors;
    for (const auto& d : diags.items()) {
      if (d.severity == Severity::error) {
        errors.add(d);  // talhelper's gencommand validates without printing warnings
      }
    }
    print_diagnostics(ctx, errors);
    if (!cfg) {
      throw Abort(cfg.error().describe(), k_exit_usage);
    }
    return k_exit_findings;
  }
  verbose_declaration(ctx, *cfg);

  if (*cmd == talhelper::TalosctlCommand::upgrade) {
    // An upgrade to an installer without the node's NVIDIA extensions leaves the GPU without a
    // driver after the reboot: refused unless --force (then a warning).
    Diagnostics gpu;
    check_gpu_nodes(*cfg, gpu, a.node, a.force ? Severity::warning : Severity::error);
    Diagnostics shown;
    for (const auto& d : gpu.items()) {
      if (d.severity == Severity::error || d.rule == "nvidia-installer-image") {
        shown.add(d);
      }
    }
    shown.sort();
    print_diagnostics(ctx, shown);
    if (shown.has_errors()) {
      return k_exit_findings;
    }
  }
  std::string out_dir = a.out_dir;
  while (out_dir.size() > 1 && out_dir.back() == '/') {
    out_dir.pop_back();
  }
  auto lines = value_or_abort(talhelper::talosctl_commands(*cfg, *cmd, out_dir, a.node, a.extra_flags), k_exit_findings);
  if (ctx.json()) {
    out_line(ctx, nlohmann::json{{"command", a.command}, {"lines", lines}}.dump(2));
  } else {
    for (const auto& l : lines) {
      out_line(ctx, l);
    }
  }
  return k_exit_ok;
}

}  // namespace

void setup_gencommand(CLI::App& app, Context& ctx, CommandRun& run) {
  auto a = std::make_shared<GencommandArgs>();
  app.add_option("command", a->command, "apply, upgrade, upgrade-k8s, bootstrap, kubeconfig, reset or health")
      ->required();
  app.add_option("-c,--config,--config-file", a->config, "The talconfig.yaml")->capture_default_str();
  app.add_option("-o,--out-dir", a->out_dir, "Where genconfig writes (used to build paths)")->capture_default_str();
  app.add_option("-e,--env-file", a->env_files, "Env files; giving any replaces the talenv*.yaml defaults, as in talhelper")
      ->delimiter(',');
  app.add_option("--extra-flags", a->extra_flags, "Flags appended to each talosctl command")->delimiter(',');
  app.add_option("-n,--node", a->node, "Only this node (IP or hostname)");
  app.add_flag("--offline-mode", a->offline_mode,
               "upgrade: accepted for talhelper compatibility; talgpu always computes schematic IDs offline");
  app.add_flag("--force", a->force,
               "upgrade: print the command even when the installer would drop the node's NVIDIA extensions");
  app.footer(
      "\nExamples:\n"
      "  talgpu gencommand apply -c clusters/prod/talconfig.yaml\n"
      "  talgpu gencommand upgrade -c clusters/prod/talconfig.yaml -n velaryon | sh");
  run = [&ctx, a]() -> int { return run_gencommand(ctx, *a); };
}

}  // namespace talgpu
