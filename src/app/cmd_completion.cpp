// `talgpu completion bash|zsh|fish`: the shell completion script, generated from the CLI11
// definition of every command (src/app/completion.cpp). The scripts ask talgpu for the values
// that depend on the project: `talgpu completion --list nodes [-c talconfig.yaml]` and
// `talgpu completion --list rules`.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <app/command.hpp>
#include <app/completion.hpp>
#include <check/rules.hpp>
#include <core/error.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu {

namespace {

struct CompletionArgs {
  std::string shell;
  std::string list;
  std::string config = "talconfig.yaml";
};

// Node hostnames of the talconfig, for `--node`. Completion must never fail loudly: an unreadable
// or invalid talconfig gives no names.
void list_nodes(const Context& ctx, const std::string& config) {
  talhelper::LoadOptions opts;
  opts.path = config;
  Diagnostics diags;
  auto cfg = talhelper::load_talconfig(opts, diags);
  if (!cfg) {
    return;
  }
  for (const auto& n : cfg->nodes) {
    if (!n.hostname.empty()) {
      fmt::print(ctx.out, "{}\n", n.hostname);
    }
  }
}

}  // namespace

void setup_completion(CLI::App& app, Context& ctx, CommandRun& run) {
  auto a = std::make_shared<CompletionArgs>();
  app.add_option("shell", a->shell, "Shell to print the completion script for")->check(CLI::IsMember({"bash", "zsh", "fish"}));
  app.add_option("--list", a->list, "Print the values the scripts complete, one per line: nodes (of the talconfig), rules")
      ->check(CLI::IsMember({"nodes", "rules"}));
  app.add_option("-c,--config", a->config, "talconfig.yaml for --list nodes")->capture_default_str();
  app.footer(
      "Commands, flags and their fixed values come from talgpu's own command definitions; node\n"
      "names (--node) are read from talconfig.yaml at completion time, rule ids (explain) from talgpu.\n"
      "\nExamples:\n"
      "  talgpu completion bash > /etc/bash_completion.d/talgpu\n"
      "  source <(talgpu completion bash)\n"
      "  talgpu completion zsh > \"${fpath[1]}/_talgpu\"\n"
      "  talgpu completion fish > ~/.config/fish/completions/talgpu.fish");
  CLI::App* root = app.get_parent();
  run = [&ctx, a, root]() -> int {
    if (a->list == "rules") {
      for (const auto& id : check::rule_ids()) {
        fmt::print(ctx.out, "{}\n", id);
      }
      return k_exit_ok;
    }
    if (a->list == "nodes") {
      list_nodes(ctx, a->config);
      return k_exit_ok;
    }
    if (a->shell.empty()) {
      throw Abort("which shell? talgpu completion bash|zsh|fish", k_exit_usage);
    }
    CliCommand model = cli_model(*root);
    std::string script = a->shell == "bash" ? bash_completion(model)
                         : a->shell == "zsh" ? zsh_completion(model)
                                             : fish_completion(model);
    std::fputs(script.c_str(), ctx.out);
    return k_exit_ok;
  };
}

}  // namespace talgpu
