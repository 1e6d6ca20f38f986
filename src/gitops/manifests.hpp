#pragma once
// The cluster side of the GPU nodes, generated from the declaration (`talgpu manifests`).
//
// Pure functions: talconfig + GPU node analysis (gpu_nodes.hpp) -> named files of YAML text,
// emitted with the Kubernetes-style emitter (yaml/emit.hpp), so the output is byte-stable. What
// each document is and which upstream behaviour it relies on is said next to its generator in
// manifests.cpp. Writing, diffing and staleness live in tree.hpp.

#include <optional>
#include <string>
#include <vector>

#include <core/diagnostic.hpp>
#include <core/error.hpp>
#include <gitops/gpu_nodes.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu::gitops {

struct ManifestOptions {
  bool flux = false;           // also the Flux Kustomization pointing at the folder
  bool static_plugin = false;  // NVIDIA's static DaemonSet instead of the Flux HelmRelease
  int time_slicing = 0;        // replicas per GPU (0: off)
  bool device_plugin = true;   // false: the cluster installs the plugin another way
  std::string ns = "nvidia";   // the GPU namespace
  // The output folder relative to the talconfig folder ("gitops/infrastructure/nvidia"): named
  // in each file's header and, with `flux_root`, the Flux Kustomization's spec.path.
  std::string out_rel = "gitops/infrastructure/nvidia";
  // The output folder relative to the repository root Flux syncs (defaults to out_rel).
  std::string flux_path;
};

struct GeneratedFile {
  std::string name;     // file name inside the output folder
  std::string content;  // YAML text, starting with the header comment line
  bool listed = true;   // listed in kustomization.yaml
};

struct GeneratedTree {
  Selection selection;
  std::string plugin_version;  // chart/image version, "" without a device plugin
  std::string plugin_source;   // why that version
  std::string smoke_image;     // CUDA base image of the smoke test
  std::string psa_version;     // "v1.34" or "latest"
  std::vector<GeneratedFile> files;  // in kustomization order; the Flux Kustomization last
};

// The command that regenerates the tree, as written in each header ("talgpu manifests --out ...").
std::string regenerate_command(const ManifestOptions& opts);
// The first line every generated file starts with.
std::string header_line(const ManifestOptions& opts);
// True when `text` starts with a talgpu manifests header; then `opts` receives its flags.
bool parse_header(std::string_view text, ManifestOptions& opts);

// Generates the tree. Fails (rule manifests-no-gpu-node) when the talconfig declares no GPU node.
Result<GeneratedTree> generate_manifests(const talhelper::TalConfig& cfg, const ManifestOptions& opts,
                                         Diagnostics& diags);

}  // namespace talgpu::gitops
