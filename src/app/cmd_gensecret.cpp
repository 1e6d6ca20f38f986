// `talgpu gensecret`: a new Talos secrets bundle (talosctl gen secrets / talhelper gensecret).
//
// talhelper prints the bundle to stdout (pkg/generate/secret.go, yaml.v3 at indent 2) and users
// redirect it into talsecret.sops.yaml. Printing private keys to a terminal is easy to regret, so
// talgpu writes the file itself (`-o FILE`, mode 0600, atomically) and prints the bundle only with
// an explicit `--stdout` (same bytes as talhelper). JSON output describes the bundle, never its
// contents.
//
// talhelper's only flag (cmd/gensecret.go) is `-f/--from-configfile FILE`: the bundle is taken from
// an existing controlplane machine config instead of generated (Talos NewBundleFromConfig), for
// clusters made without talhelper. talgpu reads it the same way and checks it like a talsecret.yaml.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <app/command.hpp>
#include <talos/defaults.hpp>
#include <core/error.hpp>
#include <core/fs.hpp>
#include <core/source.hpp>
#include <talos/pki.hpp>
#include <talos/machineconfig.hpp>
#include <talos/secrets.hpp>
#include <yaml/document.hpp>

namespace talgpu {

namespace {

struct GensecretArgs {
  std::string out_file;
  bool to_stdout = false;
  bool force = false;
  std::string talos_version = talos::k_default_talos_version;
  std::string from_config;
};

talos::SecretsBundle bundle_from_config(const Context& ctx, const std::string& path) {
  SourceRegistry::instance().mark_sensitive(path);  // a machine config holds private keys: never quoted
  auto parsed = value_or_abort(yaml::parse_file(path), k_exit_usage);
  std::vector<yaml::Node> docs;
  for (auto& d : parsed) {
    if (!d.empty) {
      docs.push_back(std::move(d.root));
    }
  }
  auto root = value_or_abort(talos::secrets_node_from_config(docs), k_exit_findings);
  Diagnostics diags;
  auto bundle = talos::secrets_from_node(root, diags);
  if (!bundle || diags.has_errors()) {
    print_diagnostics(ctx, diags);
    throw Abort(path + " does not hold a complete secrets bundle (a controlplane config has every key; a worker's lacks "
                       "the CA keys)",
                k_exit_findings);
  }
  return *bundle;
}

int run_gensecret(const Context& ctx, const GensecretArgs& a) {
  if (a.out_file.empty() && !a.to_stdout) {
    throw Abort("refusing to print secrets without being asked: use -o FILE (written with mode 0600) or --stdout",
                k_exit_usage);
  }
  if (a.to_stdout && ctx.json()) {
    throw Abort("--stdout prints the bundle as YAML; it cannot be combined with -o json", k_exit_usage);
  }
  auto contract = talos::Contract::parse(a.talos_version);
  if (!contract) {
    throw Abort("--talos-version '" + a.talos_version + "' is not a version", k_exit_usage);
  }
  if (!a.out_file.empty() && file_exists(a.out_file) && !a.force) {
    throw Abort(a.out_file + " already exists; a new bundle would change every certificate (use --force to replace it)",
                k_exit_usage);
  }
  auto bundle = a.from_config.empty() ? value_or_abort(talos::generate_secrets(*contract), k_exit_findings)
                                      : bundle_from_config(ctx, a.from_config);
  // One layout for the file and --stdout: 2-space indent, as talhelper's gensecret prints it
  // (budimanjojo/talhelper pkg/secret/print.go, encoder.SetIndent(2)), the file a talhelper user
  // already has. (talosctl gen secrets writes go-yaml's default of 4; both read either.)
  constexpr int k_indent = 2;
  if (a.to_stdout) {
    std::fputs(talos::secrets_to_yaml(bundle, k_indent).c_str(), ctx.out);
    return k_exit_ok;
  }
  value_or_abort(talos::write_secrets(a.out_file, bundle, k_indent), k_exit_usage);
  if (ctx.json()) {
    auto key = [](const std::string& pem) { return talos::pki::inspect_key(pem).value_or("unknown"); };
    nlohmann::ordered_json j;
    j["file"] = a.out_file;
    j["mode"] = "0600";
    if (a.from_config.empty()) {
      j["contract"] = contract->str();
    } else {
      j["from"] = a.from_config;
    }
    j["keys"] = {{"etcd", key(bundle.etcd.key)},
                 {"k8s", key(bundle.k8s.key)},
                 {"k8saggregator", key(bundle.k8s_aggregator.key)},
                 {"k8sserviceaccount", key(bundle.k8s_service_account.key)},
                 {"os", key(bundle.os.key)}};
    out_line(ctx, j.dump(2));
  } else if (!ctx.quiet()) {
    out_line(ctx, fmt::format("wrote {} (mode 0600); encrypt it before committing, e.g. sops -e -i {}", a.out_file,
                              a.out_file));
  }
  return k_exit_ok;
}

}  // namespace

void setup_gensecret(CLI::App& app, Context& ctx, CommandRun& run) {
  auto a = std::make_shared<GensecretArgs>();
  app.add_option("-o,--out-file", a->out_file, "Write the bundle to FILE (mode 0600)");
  app.add_flag("--stdout", a->to_stdout, "Print the bundle to stdout instead (talhelper's behaviour)");
  app.add_flag("--force", a->force, "Replace an existing FILE");
  app.add_option("--talos-version", a->talos_version,
                 "Version contract: the service-account key is RSA-4096 from v1.7, ECDSA before")
      ->capture_default_str();
  app.add_option("-f,--from-configfile", a->from_config,
                 "Take the bundle from this controlplane machine config instead of generating one (as talhelper)");
  app.footer(
      "\nExamples:\n"
      "  talgpu gensecret -o talsecret.yaml && sops -e -i talsecret.yaml\n"
      "  talgpu gensecret -f clusterconfig/prod-cp1.yaml -o talsecret.yaml");
  run = [&ctx, a]() -> int { return run_gensecret(ctx, *a); };
}

}  // namespace talgpu
