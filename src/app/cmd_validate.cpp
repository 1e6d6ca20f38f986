// `talgpu validate [talconfig.yaml] [-e FILE]...`: loads a talconfig the way talhelper does (env
// files, ${VAR} substitution, SOPS, group merge), generates every node's config in memory as
// genconfig does, runs the node-level GPU rules, and reports every problem at once.
// Exit codes: 0 clean or warnings only, 1 errors, 2 unreadable or unparseable.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <app/command.hpp>
#include <app/load_config.hpp>
#include <app/preflight.hpp>
#include <core/error.hpp>
#include <core/fs.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu {

namespace {

struct ValidateArgs {
  std::string file = "talconfig.yaml";
  std::vector<std::string> words;  // the positionals: [FILE] or talhelper's `talconfig [FILE]`
  std::string config;              // -c/--config
  std::vector<std::string> env_files;
  bool no_substitute = false;
};

// talhelper spells it `talhelper validate talconfig [file]` (budimanjojo/talhelper
// cmd/validate_talconfig.go, Use: "talconfig [file]"); talgpu accepts that form and its own
// `validate [FILE]`, and -c/--config like every command that reads a talconfig.
void resolve_file(ValidateArgs& a) {
  std::vector<std::string> w = a.words;
  if (!w.empty() && w.front() == "talconfig" && (w.size() == 2 || !file_exists("talconfig"))) {
    w.erase(w.begin());
  } else if (!w.empty() && w.front() == "nodeconfig") {
    throw Abort("talgpu validate checks a talconfig.yaml; for a generated machine config use 'talosctl validate "
                "--config FILE --mode metal'",
                k_exit_usage);
  }
  if (w.size() > 1) {
    throw Abort(fmt::format("validate takes one talconfig.yaml, got {}: {}", w.size(), fmt::join(w, " ")), k_exit_usage);
  }
  if (!w.empty() && !a.config.empty() && w.front() != a.config) {
    throw Abort("both FILE and -c/--config name the talconfig: give one", k_exit_usage);
  }
  a.file = !w.empty() ? w.front() : !a.config.empty() ? a.config : "talconfig.yaml";
}

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
  verbose_declaration(ctx, *cfg);

  if (!diags.has_errors()) {
    // One verdict with genconfig: what generating the configs would reject, and the node-level
    // GPU rules (app/preflight.hpp).
    check_generation(*cfg, diags);
    check_gpu_nodes(*cfg, diags);
    drop_repeats(diags);
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
  app.add_option("file", args->words,
                 "The talconfig.yaml to check (default: talconfig.yaml; '-': standard input); talhelper's form "
                 "'validate talconfig FILE' works too")
      ->expected(0, 2);
  app.add_option("-c,--config,--config-file", args->config, "The talconfig.yaml to check (same as FILE)");
  app.footer(
      "\nExamples:\n"
      "  talgpu validate clusters/prod/talconfig.yaml\n"
      "  talgpu validate talconfig talconfig.yaml      # talhelper's spelling\n"
      "  sops -d talconfig.sops.yaml | talgpu validate -");
  app.add_option("-e,--env-file", args->env_files,
                 "Extra env file for ${VAR} substitution (repeatable; talenv.yaml, talenv.sops.yaml, talenv.yml and "
                 "talenv.sops.yml next to the config are always read)")
      ->allow_extra_args(false);
  app.add_flag("--no-substitute", args->no_substitute, "Do not substitute ${VAR} references");
  run = [&ctx, args]() -> int {
    resolve_file(*args);
    return run_validate(ctx, *args);
  };
}

}  // namespace talgpu
