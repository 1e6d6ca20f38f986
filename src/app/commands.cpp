#include <app/command.hpp>

namespace talgpu {

const std::vector<CommandSpec>& command_table() {
  static const std::vector<CommandSpec> table = {
      {"plan", "Load a cluster folder and show what talgpu would build and check", setup_plan},
      {"validate", "Validate a talconfig.yaml (talhelper semantics) and report every problem", setup_validate},
      {"schematic", "Print each node's Image Factory schematic, its ID and installer URL", setup_schematic},
      {"genurl", "Print installer or ISO URLs, as talhelper genurl does", setup_genurl},
      {"gensecret", "Generate a Talos secrets bundle (written 0600)", setup_gensecret},
      {"gen", "Generate Talos machine configs like 'talosctl gen config'", setup_gen},
      {"genconfig", "Generate per-node machine configs from talconfig.yaml", setup_genconfig},
      {"gencommand", "Print talosctl commands (apply, upgrade, bootstrap, ...) per node", setup_gencommand},
      {"manifests", "Write the cluster side of the GPU nodes (RuntimeClass, device plugin, ...) for GitOps",
       setup_manifests},
      {"check", "Prove that every GPU workload will schedule and run", setup_check},
      {"status", "Compare the live cluster with the declaration: nodes, taints, GPUs, drivers", setup_status},
      {"taint", "Bring live node taints to the declared set (dry run unless --apply)", setup_taint},
      {"label", "Bring live node labels to the declared set (dry run unless --apply)", setup_label},
      {"verify", "Prove on the live cluster that every GPU node runs a GPU pod (nvidia-smi or --probe)", setup_verify},
      {"podsecurity", "Evaluate pods against a Pod Security level", setup_podsecurity},
      {"probe", "Check the health and bandwidth of this host's GPUs (NVML + CUDA driver)", setup_probe},
      {"explain", "Explain a rule id: why it matters and how to fix it", setup_explain},
      {"completion", "Print the shell completion script (bash, zsh, fish)", setup_completion},
      {"version", "Print the version, commit, build date and the catalogs' coverage", setup_version},
  };
  return table;
}

}  // namespace talgpu
