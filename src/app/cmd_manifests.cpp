// `talgpu manifests [--config talconfig.yaml] [--out DIR] [--flux] [--static] [--time-slicing N]
// [--diff | --check] [--talos-patch FILE]`: writes the cluster side of the GPU nodes (namespace,
// RuntimeClass, device plugin, smoke test, kustomization) from the declaration (src/gitops/).
// Exit 0 written or up to date, 1 when --check finds the tree stale or there is no GPU node,
// 2 for unreadable input or an output folder that cannot be written.

#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <app/command.hpp>
#include <app/load_config.hpp>
#include <core/error.hpp>
#include <core/fs.hpp>
#include <gitops/manifests.hpp>
#include <gitops/talos_patch.hpp>
#include <gitops/tree.hpp>

namespace talgpu {

namespace {

namespace fs = std::filesystem;

struct ManifestsArgs {
  std::string config = "talconfig.yaml";
  std::string out;  // default: gitops/infrastructure/nvidia next to the talconfig
  gitops::ManifestOptions opts;
  bool diff = false;
  bool check = false;
  std::string talos_patch;
  std::string hostname = "gpu-worker";
  bool no_device_plugin = false;
};

// `path` relative to `base`, both made absolute (symlinks resolved where they exist).
std::string relative_to(const std::string& path, const std::string& base) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  fs::path b = fs::weakly_canonical(fs::absolute(base.empty() ? "." : base, ec), ec);
  fs::path rel = p.lexically_relative(b);
  return rel.empty() ? p.string() : rel.generic_string();
}

int run_talos_patch(Context& ctx, const ManifestsArgs& a, const talhelper::TalConfig& cfg, Diagnostics& diags) {
  gitops::Selection sel = gitops::select_gpu_nodes(cfg, diags);
  std::string text = gitops::talos_gpu_patch();
  auto old = read_file(a.talos_patch, 1 << 20);
  bool unchanged = old && *old == text;
  if (!unchanged) {
    WriteOptions wo;
    wo.create_parents = true;
    if (auto w = write_file_atomic(a.talos_patch, text, wo); !w) {
      print_diagnostics(ctx, diags);
      throw Abort(fmt::format("cannot write {}: {}", a.talos_patch, w.error().message), k_exit_usage);
    }
  }
  gitops::NodeEntryOptions no;
  no.hostname = a.hostname;
  no.patch_ref = "@./" + relative_to(a.talos_patch, cfg.dir);
  std::string entry = gitops::talconfig_node_entry(cfg, sel, no);
  print_diagnostics(ctx, diags);
  if (ctx.json()) {
    nlohmann::ordered_json j{{"patch", a.talos_patch}, {"written", !unchanged}, {"nodeEntry", entry}};
    out_line(ctx, j.dump(2));
    return k_exit_ok;
  }
  err_line(ctx, fmt::format("{} {}", unchanged ? "unchanged" : "wrote", a.talos_patch));
  err_line(ctx, "add this entry under nodes: in talconfig.yaml (set GPU_NODE_IP and GPU_NODE_INSTALL_DISK, or "
                "replace them):");
  std::fputs(entry.c_str(), ctx.out);
  return k_exit_ok;
}

void print_summary(Context& ctx, const gitops::GeneratedTree& tree) {
  const auto& sel = tree.selection;
  std::vector<std::string> nodes;
  for (const auto& g : sel.gpu_nodes) {
    nodes.push_back(fmt::format("{} (driver {}, CUDA {})", g.hostname, g.gpu.driver.empty() ? "unknown" : g.gpu.driver,
                                g.gpu.cuda.empty() ? "unknown" : g.gpu.cuda));
  }
  std::vector<std::string> taints;
  for (const auto& t : sel.taints) {
    taints.push_back(t.str());
  }
  out_line(ctx, fmt::format("GPU nodes     {}", fmt::join(nodes, ", ")));
  out_line(ctx, fmt::format("RuntimeClass  nvidia: nodeSelector {}; tolerates {}",
                            sel.has_selector() ? sel.label_key + "=" + sel.label_value : "none",
                            taints.empty() ? "no taints" : fmt::format("{}", fmt::join(taints, ", "))));
  if (!tree.plugin_version.empty()) {
    out_line(ctx, fmt::format("device plugin {}, as in {}", tree.plugin_version, tree.plugin_source));
  }
  out_line(ctx, fmt::format("smoke test    {}", tree.smoke_image));
}

int run_manifests(Context& ctx, ManifestsArgs a) {
  a.opts.device_plugin = !a.no_device_plugin;
  Diagnostics diags;
  talhelper::LoadOptions lo;
  lo.path = a.config;
  talhelper::TalConfig cfg = load_talconfig_or_abort(ctx, lo, diags);
  if (!a.talos_patch.empty()) {
    // The entry may already name the patch that is about to be written: load errors do not stop it.
    return run_talos_patch(ctx, a, cfg, diags);
  }
  if (diags.has_errors()) {
    print_diagnostics(ctx, diags);
    err_line(ctx, "talgpu: error: fix the errors in the talconfig first; nothing was written");
    return k_exit_findings;
  }
  std::string out = a.out.empty() ? join_path(cfg.dir, "gitops/infrastructure/nvidia") : a.out;
  a.opts.out_rel = relative_to(out, cfg.dir);
  auto tree = gitops::generate_manifests(cfg, a.opts, diags);
  if (!tree) {
    diags.error(tree.error().rule, tree.error().message, tree.error().location,
                "declare a node's schematic with the NVIDIA extensions (talgpu manifests --talos-patch FILE prints "
                "an entry)");
    print_diagnostics(ctx, diags);
    return k_exit_findings;
  }
  auto status = gitops::compare_tree(out, tree->files);
  if (!status) {
    print_diagnostics(ctx, diags);
    throw Abort(status.error().message, k_exit_usage);
  }
  bool write = !a.diff && !a.check;
  if (write) {
    if (auto w = gitops::write_tree(*status); !w) {
      print_diagnostics(ctx, diags);
      throw Abort(w.error().message, k_exit_usage);
    }
  }
  print_diagnostics(ctx, diags);
  std::string diff = a.diff ? gitops::tree_diff(*status, out) : "";
  if (ctx.json()) {
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    for (const auto& f : status->files) {
      files.push_back({{"name", f.name}, {"state", gitops::file_state_name(f.state)}});
    }
    nlohmann::ordered_json j{{"out", out},
                             {"stale", status->stale()},
                             {"written", write && status->stale()},
                             {"gpuNodes", tree->selection.hostnames},
                             {"nodeSelector", tree->selection.has_selector()
                                                  ? nlohmann::ordered_json{{tree->selection.label_key,
                                                                            tree->selection.label_value}}
                                                  : nlohmann::ordered_json::object()},
                             {"devicePluginVersion", tree->plugin_version},
                             {"smokeTestImage", tree->smoke_image},
                             {"files", files}};
    if (a.diff) {
      j["diff"] = diff;
    }
    out_line(ctx, j.dump(2));
  } else if (a.diff) {
    std::fputs(diff.c_str(), ctx.out);
  } else {
    if (!ctx.quiet()) {
      print_summary(ctx, *tree);
    }
    if (ctx.quiet() && !a.check) {
      return k_exit_ok;
    }
    size_t stale = 0;
    for (const auto& f : status->files) {
      stale += f.state != gitops::FileState::unchanged ? 1 : 0;
    }
    std::string verb = write ? (stale == 0 ? "up to date" : "written") : (stale == 0 ? "up to date" : "stale");
    out_line(ctx, fmt::format("{}: {} ({} of {} files {})", out, verb, stale, status->files.size(),
                              write ? "changed" : "differ"));
    for (const auto& f : status->files) {
      out_line(ctx, fmt::format("  {:<10} {}", gitops::file_state_name(f.state), f.name));
    }
    if (a.check && stale != 0) {
      gitops::ManifestOptions here = a.opts;
      here.out_rel = out;
      std::string cmd = gitops::regenerate_command(here);
      if (a.config != "talconfig.yaml") {
        cmd.insert(std::string("talgpu manifests").size(), " --config " + a.config);
      }
      err_line(ctx, fmt::format("talgpu: the manifests in {} do not match {}; run: {}", out, a.config, cmd));
    }
  }
  return a.check && status->stale() ? k_exit_findings : k_exit_ok;
}

}  // namespace

void setup_manifests(CLI::App& app, Context& ctx, CommandRun& run) {
  auto a = std::make_shared<ManifestsArgs>();
  app.add_option("-c,--config,--config-file", a->config, "The talconfig.yaml")->capture_default_str();
  app.add_option("--out", a->out, "Output folder (default: gitops/infrastructure/nvidia next to the talconfig)");
  app.add_flag("--flux", a->opts.flux, "Also write the Flux Kustomization of the folder (flux-kustomization.yaml)");
  app.add_option("--flux-path", a->opts.flux_path,
                 "The folder's path in the repository Flux syncs (default: relative to the talconfig folder)");
  app.add_flag("--static", a->opts.static_plugin, "NVIDIA's static device plugin DaemonSet instead of a HelmRelease");
  app.add_option("--time-slicing", a->opts.time_slicing, "Share each GPU between N containers (time-slicing)")
      ->check(CLI::Range(2, 1024));
  app.add_flag("--no-device-plugin", a->no_device_plugin,
               "The cluster installs the device plugin another way (GPU Operator): generate none");
  app.add_option("--namespace", a->opts.ns, "The GPU namespace")->capture_default_str();
  auto diff = app.add_flag("--diff", a->diff, "Print a unified diff of what would change; write nothing");
  app.add_flag("--check", a->check, "Exit 1 when the folder is not what talconfig.yaml generates; write nothing")
      ->excludes(diff);
  app.add_option("--talos-patch", a->talos_patch,
                 "Write the Talos patch of a new GPU node to FILE and print its talconfig node entry");
  app.add_option("--hostname", a->hostname, "Hostname in the printed node entry (with --talos-patch)")
      ->capture_default_str();
  app.footer(
      "Writes namespace.yaml (Pod Security privileged, pinned version), runtimeclass.yaml (RuntimeClass\n"
      "nvidia whose scheduling selects and tolerates the GPU nodes), device-plugin.yaml (Flux HelmRelease\n"
      "of NVIDIA's chart, or --static DaemonSet), time-slicing.yaml, gpu-smoke-test.yaml and\n"
      "kustomization.yaml. Unchanged files are not rewritten.\n"
      "\nExamples:\n"
      "  talgpu manifests -c clusters/prod/talconfig.yaml --flux\n"
      "  talgpu manifests -c clusters/prod/talconfig.yaml --check   # CI: exit 1 when the tree drifted");
  run = [&ctx, a]() -> int { return run_manifests(ctx, *a); };
}

}  // namespace talgpu
