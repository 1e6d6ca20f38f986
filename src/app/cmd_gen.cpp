// `talgpu gen config NAME ENDPOINT`: talosctl gen config (cmd/talosctl/cmd/mgmt/gen/config.go),
// comments off: controlplane.yaml, worker.yaml and talosconfig in --output-dir.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>

#include <app/command.hpp>
#include <talos/defaults.hpp>
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
  std::string talos_version = talos::k_default_talos_version;
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
  std::vector<std::string> output_types;
  bool force = false;
};

// talosctl gen config refuses an endpoint that is not an https:// URL and says what to type
// (siderolabs/talos cmd/talosctl/cmd/mgmt/gen/config.go validateClusterEndpoint and
// fixControlPlaneEndpoint: scheme https, port 6443 when none is given).
std::optional<std::string> endpoint_problem(const std::string& endpoint) {
  std::string_view rest = endpoint;
  std::string scheme;
  if (auto p = rest.find("://"); p != std::string_view::npos) {
    scheme = std::string(rest.substr(0, p));
    rest.remove_prefix(p + 3);
  }
  std::string_view host_port = rest.substr(0, rest.find('/'));
  bool has_port = false;
  if (auto colon = host_port.rfind(':'); colon != std::string_view::npos) {
    has_port = host_port.find(']', colon) == std::string_view::npos;  // not inside [v6]
  }
  std::string fixed = "https://" + std::string(host_port) + (has_port ? "" : ":6443");
  if (scheme.empty()) {
    return fmt::format("no scheme{} specified for the cluster endpoint URL; try: \"{}\"",
                       has_port ? "" : " and port", fixed);
  }
  if (scheme != "https") {
    return fmt::format("the control plane endpoint URL should have scheme https://; try: \"{}\"", fixed);
  }
  if (host_port.empty()) {
    return std::string("the cluster endpoint URL has no host, e.g. https://10.0.0.1:6443");
  }
  return std::nullopt;
}

int run_gen_config(const Context& ctx, const GenArgs& a) {
  if (auto problem = endpoint_problem(a.endpoint)) {
    throw Abort(*problem, k_exit_usage);
  }
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
  // Build everything, then check every target, then write: an existing file (without --force), a
  // symlink or a FIFO under any of the three names stops the command before anything is written,
  // so a failure never leaves a mismatched controlplane/worker/talosconfig set.
  std::vector<std::pair<std::string, std::string>> outputs;  // path, content
  for (auto type : {talos::MachineType::controlplane, talos::MachineType::worker}) {
    auto docs = value_or_abort(talos::generate_config(type, o, secrets), k_exit_usage);
    value_or_abort(talos::apply_patches(docs, common), k_exit_findings);
    value_or_abort(talos::apply_patches(docs, load(type == talos::MachineType::controlplane ? a.patches_cp
                                                                                            : a.patches_worker)),
                   k_exit_findings);
    outputs.emplace_back(join_path(a.output_dir, std::string(talos::machine_type_name(type)) + ".yaml"),
                         talos::encode_config(docs));
  }
  std::string host = a.endpoint.substr(a.endpoint.find("://") == std::string::npos ? 0 : a.endpoint.find("://") + 3);
  host = host.substr(0, host.find(':'));
  outputs.emplace_back(join_path(a.output_dir, "talosconfig"),
                       value_or_abort(talhelper::talosconfig_for(a.name, {host}, {}, secrets, ""), k_exit_usage));
  // talosctl -t/--output-types (cmd/talosctl/cmd/mgmt/gen/config.go): which of the three to write.
  if (!a.output_types.empty()) {
    std::vector<std::pair<std::string, std::string>> kept;
    for (const auto& t : a.output_types) {
      auto it = std::find_if(outputs.begin(), outputs.end(), [&t](const auto& o) {
        std::string name = o.first.substr(o.first.find_last_of('/') + 1);
        return name == t || name == t + ".yaml";
      });
      if (it == outputs.end()) {
        throw Abort(fmt::format("invalid output type '{}' (valid: controlplane, worker, talosconfig)", t), k_exit_usage);
      }
      kept.push_back(*it);
    }
    outputs = std::move(kept);
  }
  // talosctl -o: with one output type it is a file path, or "-" for standard output.
  std::string confine = a.output_dir.empty() ? "." : a.output_dir;
  if (outputs.size() == 1 && a.output_types.size() == 1 && !is_directory(a.output_dir)) {
    if (a.output_dir == "-") {
      std::fputs(outputs.front().second.c_str(), ctx.out);
      return k_exit_ok;
    }
    outputs.front().first = a.output_dir;
    confine = dirname_of(a.output_dir);
  }
  WriteOptions w;
  w.mode = 0600;
  w.create_parents = true;
  w.confine_to = confine;
  for (const auto& [path, content] : outputs) {
    if (file_exists(path) && !a.force) {
      throw Abort(path + " already exists, use --force to overwrite (nothing was written)", k_exit_usage);
    }
    value_or_abort(check_output_path(path, w), k_exit_usage);
  }
  std::vector<std::string> written;
  for (const auto& [path, content] : outputs) {
    value_or_abort(write_file_atomic(path, content, w), k_exit_usage);
    written.push_back(path);
  }
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
  // Flag names and meanings follow talosctl gen config (siderolabs/talos cmd/talosctl/cmd/mgmt/gen/config.go).
  config->add_option("--kubernetes-version", a->kubernetes_version, "Kubernetes version to run")->capture_default_str();
  config->add_option("--talos-version", a->talos_version,
                     "Version contract and installer tag (default: talgpu's one default Talos version)")
      ->capture_default_str();
  config->add_option("--with-secrets", a->with_secrets, "Use this secrets bundle");
  config->add_option("--install-disk", a->install_disk, "Disk to install Talos to")->capture_default_str();
  config->add_option("--install-image", a->install_image,
                     "Installer image (default: ghcr.io/siderolabs/installer:<talos version>)");
  config->add_option("--dns-domain", a->dns_domain, "DNS domain of the cluster")->capture_default_str();
  config->add_option("--additional-sans", a->sans, "Extra Subject Alternative Names for the API server certificate (comma-separated)")
      ->delimiter(',');
  config->add_option("--registry-mirror", a->registry_mirrors, "Registry mirror <registry host>=<mirror URL> (repeatable)");
  config->add_option("--config-patch", a->patches, "Patch (inline or @file) for both configs");
  config->add_option("--config-patch-control-plane", a->patches_cp, "Patch (inline or @file) for controlplane.yaml only");
  config->add_option("--config-patch-worker", a->patches_worker, "Patch (inline or @file) for worker.yaml only");
  config->add_option("--with-docs", a->with_docs, "Comments with documentation: only false is supported")->default_str("false");
  config->add_option("--with-examples", a->with_examples, "Commented examples: only false is supported")->default_str("false");
  config->add_option("-o,--output,--output-dir", a->output_dir,
                     "Folder to write the files into; with one -t type a file path, or '-' for stdout (talosctl -o)")
      ->capture_default_str();
  config->add_option("-t,--output-types", a->output_types,
                     "Which files to write: controlplane, worker, talosconfig (comma-separated; default: all three)")
      ->delimiter(',');
  config->footer(
      "Writes what 'talosctl gen config NAME ENDPOINT' writes (same flags, no comments). The endpoint\n"
      "must be an https:// URL, as talosctl requires.\n"
      "\nExamples:\n"
      "  talgpu gen config prod https://10.0.0.1:6443 --with-secrets secrets.yaml -o _out\n"
      "  talgpu gen config prod https://10.0.0.1:6443 -t worker -o worker.yaml --config-patch @gpu.yaml");
  config->add_flag("--force", a->force, "Overwrite existing files");
  app.footer(
      "\nExamples:\n"
      "  talgpu gen config prod https://10.0.0.1:6443 --with-secrets secrets.yaml -o _out");
  app.require_subcommand(1);
  run = [&ctx, a]() -> int { return run_gen_config(ctx, *a); };
}

}  // namespace talgpu
