// `talgpu validate [talconfig.yaml] [-e FILE]...`: loads a talconfig the way talhelper does (env
// files, ${VAR} substitution, SOPS, group merge) and reports every problem at once.
// Exit codes: 0 clean or warnings only, 1 errors, 2 unreadable or unparseable.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <app/command.hpp>
#include <core/error.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu {

namespace {

struct ValidateArgs {
  std::string file = "talconfig.yaml";
  std::vector<std::string> env_files;
  bool no_substitute = false;
};

void print_json(const Context& ctx, const std::string& file, bool valid, const Diagnostics& diags) {
  nlohmann::ordered_json j;
  j["file"] = file;
  j["valid"] = valid;
  j["diagnostics"] = nlohmann::ordered_json::parse(render_json(diags));
  fmt::print(ctx.out, "{}\n", j.dump(2));
}

int run_validate(const Context& ctx, const ValidateArgs& args) {
  talhelper::LoadOptions opts;
  opts.path = args.file;
  opts.env_files = args.env_files;
  opts.substitute_env = !args.no_substitute;
  Diagnostics diags;
  auto cfg = talhelper::load_talconfig(opts, diags);
  if (!cfg) {
    // Unreadable or not YAML at all: one located error, exit 2.
    const Error& e = cfg.error();
    diags.add({Severity::error, e.rule.empty() ? "talconfig-read" : e.rule, e.message,
               e.location.empty() ? SourceLocation{args.file, 0, 0} : e.location, {}});
    diags.sort();
    if (ctx.json()) {
      print_json(ctx, args.file, false, diags);
    } else {
      print_diagnostics(ctx, diags);
    }
    return k_exit_usage;
  }
  diags.sort();
  bool valid = !diags.has_errors();
  if (ctx.json()) {
    print_json(ctx, args.file, valid, diags);
  } else {
    print_diagnostics(ctx, diags);
    if (valid && !ctx.quiet()) {
      out_line(ctx, fmt::format("{}: {} node{}, Talos {}, Kubernetes {}: valid", args.file, cfg->nodes.size(),
                                cfg->nodes.size() == 1 ? "" : "s",
                                cfg->talos_version, cfg->kubernetes_version));
    }
  }
  return valid ? k_exit_ok : k_exit_findings;
}

}  // namespace

void setup_validate(CLI::App& app, Context& ctx, CommandRun& run) {
  auto args = std::make_shared<ValidateArgs>();
  app.add_option("file", args->file, "The talconfig.yaml to check (default: talconfig.yaml)");
  app.add_option("-e,--env-file", args->env_files,
                 "Extra env file for ${VAR} substitution (repeatable; talenv.yaml, talenv.sops.yaml, talenv.yml and "
                 "talenv.sops.yml next to the config are always read)")
      ->allow_extra_args(false);
  app.add_flag("--no-substitute", args->no_substitute, "Do not substitute ${VAR} references");
  run = [&ctx, args]() -> int { return run_validate(ctx, *args); };
}

}  // namespace talgpu
