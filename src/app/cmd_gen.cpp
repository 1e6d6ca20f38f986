// `talgpu gen config NAME ENDPOINT`: talosctl gen config (cmd/talosctl/cmd/mgmt/gen/config.go),
// comments off: controlplane.yaml, worker.yaml and talosconfig in --output-dir.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>

#include <app/command.hpp>
#include <core/error.hpp>
#include <core/fs.hpp>
#include <talhelper/genconfig.hpp>
#include <talos/machineconfig.hpp>
#include <talos/patch.hpp>
#include <talos/secrets.hpp>

namespace talgpu {

namespace {

struct GenArgs {
  std::string name;
  std::string endpoint;
  std::string kubernetes_version = "1.34.1";
  std::string talos_version = "v1.11.6";
  std::string with_secrets;
  std::string install_disk = "/dev/sda";
  std::string install_image;
  std::string dns_domain = "cluster.local";
  std::vector<std::string> sans;
  std::vector<std::string> registry_mirrors;  // host=endpoint, repeatable
  std::vector<std::string> patches, patches_cp, patches_worker;
  bool with_docs = false;
  bool with_examples = false;
  std::string output_dir = ".";
  bool force = false;
};

int run_gen_config(const Context& ctx, const GenArgs& a) {
  if (a.with_docs || a.with_examples) {
    throw Abort("talgpu writes configs without comments: pass --with-docs=false --with-examples=false", k_exit_usage);
  }
  auto contract = talos::Contract::parse(a.talos_version);
  if (!contract) {
    throw Abort("--talos-version '" + a.talos_version + "' is not a version", k_exit_usage);
  }
  talos::SecretsBundle secrets;
  if (!a.with_secrets.empty()) {
    Diagnostics diags;
    auto b = talos::load_secrets_file(a.with_secrets, diags);
    print_diagnostics(ctx, diags);
    if (!b) {
      throw Abort(b.error().describe(), k_exit_usage);
    }
    if (diags.has_errors()) {
      return k_exit_findings;
    }
    secrets = *b;
  } else {
    secrets = value_or_abort(talos::generate_secrets(*contract), k_exit_findings);
  }
  talos::GenOptions o;
  o.cluster_name = a.name;
  o.endpoint = a.endpoint;
  o.kubernetes_version = a.kubernetes_version;
  o.contract = *contract;
  o.install_disk = a.install_disk;
  o.install_image = a.install_image.empty() ? "ghcr.io/siderolabs/installer:" + a.talos_version : a.install_image;
  o.dns_domain = a.dns_domain;
  o.additional_sans = a.sans;
  // talosctl config.go: `<registry host>=<mirror URL>`, several flags for one host append endpoints
  // (generate.WithRegistryMirror). Contract 1.12 and later write RegistryMirrorConfig documents.
  for (const auto& spec : a.registry_mirrors) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      throw Abort("invalid registry mirror spec '" + spec + "' (expected <registry host>=<mirror URL>)", k_exit_usage);
    }
    std::string host = spec.substr(0, eq);
    auto it = std::find_if(o.registry_mirrors.begin(), o.registry_mirrors.end(),
                           [&host](const talos::RegistryMirror& m) { return m.host == host; });
    if (it == o.registry_mirrors.end()) {
      o.registry_mirrors.push_back({host, {}});
      it = std::prev(o.registry_mirrors.end());
    }
    it->endpoints.push_back(spec.substr(eq + 1));
  }
  auto load = [](const std::vector<std::string>& args) {
    std::vector<talos::ConfigPatch> out;
    for (const auto& p : args) {
      out.push_back(value_or_abort(talos::load_patch_argument(p), k_exit_usage));
    }
    return out;
  };
  auto common = load(a.patches);
  std::vector<std::string> written;
  for (auto type : {talos::MachineType::controlplane, talos::MachineType::worker}) {
    auto docs = value_or_abort(talos::generate_config(type, o, secrets), k_exit_usage);
    value_or_abort(talos::apply_patches(docs, common), k_exit_findings);
    value_or_abort(talos::apply_patches(docs, load(type == talos::MachineType::controlplane ? a.patches_cp
                                                                                            : a.patches_worker)),
                   k_exit_findings);
    std::string path = join_path(a.output_dir, std::string(talos::machine_type_name(type)) + ".yaml");
    if (file_exists(path) && !a.force) {
      throw Abort(path + " already exists, use --force to overwrite", k_exit_usage);
    }
    WriteOptions w;
    w.mode = 0600;
    w.create_parents = true;
    value_or_abort(write_file_atomic(path, talos::encode_config(docs), w), k_exit_usage);
    written.push_back(path);
  }
  std::string host = a.endpoint.substr(a.endpoint.find("://") == std::string::npos ? 0 : a.endpoint.find("://") + 3);
  host = host.substr(0, host.find(':'));
  std::string tc_path = join_path(a.output_dir, "talosconfig");
  auto tc = value_or_abort(talhelper::talosconfig_for(a.name, {host}, {}, secrets, ""), k_exit_usage);
  WriteOptions w;
  w.mode = 0600;
  value_or_abort(write_file_atomic(tc_path, tc, w), k_exit_usage);
  written.push_back(tc_path);
  if (ctx.json()) {
    out_line(ctx, nlohmann::json{{"files", written}, {"contract", contract->str()}}.dump(2));
  } else if (!ctx.quiet()) {
    for (const auto& f : written) {
      out_line(ctx, "Created " + f);
    }
  }
  return k_exit_ok;
}

}  // namespace

void setup_gen(CLI::App& app, Context& ctx, CommandRun& run) {
  auto a = std::make_shared<GenArgs>();
  CLI::App* config = app.add_subcommand("config", "Generate controlplane.yaml, worker.yaml and talosconfig");
  config->add_option("name", a->name, "Cluster name")->required();
  config->add_option("endpoint", a->endpoint, "Control plane endpoint, e.g. https://10.0.0.1:6443")->required();
  config->add_option("--kubernetes-version", a->kubernetes_version)->capture_default_str();
  config->add_option("--talos-version", a->talos_version, "Version contract and installer tag")->capture_default_str();
  config->add_option("--with-secrets", a->with_secrets, "Use this secrets bundle");
  config->add_option("--install-disk", a->install_disk)->capture_default_str();
  config->add_option("--install-image", a->install_image);
  config->add_option("--dns-domain", a->dns_domain)->capture_default_str();
  config->add_option("--additional-sans", a->sans)->delimiter(',');
  config->add_option("--registry-mirror", a->registry_mirrors, "Registry mirror <registry host>=<mirror URL> (repeatable)");
  config->add_option("--config-patch", a->patches, "Patch (inline or @file) for both configs");
  config->add_option("--config-patch-control-plane", a->patches_cp);
  config->add_option("--config-patch-worker", a->patches_worker);
  config->add_option("--with-docs", a->with_docs)->default_str("false");
  config->add_option("--with-examples", a->with_examples)->default_str("false");
  config->add_option("--output-dir", a->output_dir)->capture_default_str();
  config->add_flag("--force", a->force, "Overwrite existing files");
  app.require_subcommand(1);
  run = [&ctx, a]() -> int { return run_gen_config(ctx, *a); };
}

}  // namespace talgpu
