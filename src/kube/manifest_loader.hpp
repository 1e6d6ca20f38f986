#pragma once
// Loading Kubernetes manifests the way a GitOps repository holds them.
//
// Inputs are files and folders. A folder with a kustomization.yaml is read through its
// `resources:` (local files and folders followed; remote URLs noted and skipped); a folder without
// one is walked for *.yaml / *.yml / *.json files in name order. Each file may hold several
// documents and `List` objects. Known kinds become typed objects (objects.hpp); unknown kinds are
// skipped quietly; a known kind that is malformed is reported as a located diagnostic
// (`manifest-*` rule ids) and skipped.
//
// Flux objects are recognised: a `Kustomization` (kustomize.toolkit.fluxcd.io) has its
// `spec.path` resolved against the repository root and, when that folder exists and was not
// already read, loaded too. A `HelmRelease` of NVIDIA's `nvidia-device-plugin` chart is turned
// into the DaemonSet the chart renders (NVIDIA/k8s-device-plugin
// deployments/helm/nvidia-device-plugin/templates/daemonset-device-plugin.yml with the chart's
// values.yaml defaults, overridden by spec.values), so it is checked like the static manifest.

#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include <core/diagnostic.hpp>
#include <core/error.hpp>
#include <kube/objects.hpp>
#include <yaml/node.hpp>

namespace talgpu::kube {

struct Manifests {
  // A deque: a Workload is ~1.8 kB and fleets have tens of thousands; a vector would move them all
  // (and hold twice the memory) each time it grows.
  std::deque<Workload> workloads;
  std::vector<RuntimeClass> runtime_classes;
  std::vector<Namespace> namespaces;
  std::vector<Node> nodes;  // Node objects found in manifests (source = observed)
  std::vector<HelmRelease> helm_releases;
  std::vector<FluxKustomization> flux_kustomizations;
  std::vector<DevicePluginSharing> device_plugin_sharing;
  std::vector<std::string> files;           // every file read, in order
  std::vector<std::string> skipped_remote;  // remote kustomize resources not fetched

  const RuntimeClass* find_runtime_class(std::string_view name) const;
  const Namespace* find_namespace(std::string_view name) const;
  // The highest time-slicing replica count for nvidia.com/gpu (1 when there is none).
  int64_t gpu_time_slicing_replicas() const;

 private:
  // find_namespace's index (name -> position), rebuilt when `namespaces` has grown. Names are
  // copied, so a copied Manifests keeps a valid index.
  mutable std::unordered_map<std::string, size_t> m_namespace_index;
  mutable size_t m_namespace_index_size = 0;
};

struct ManifestLoadOptions {
  std::vector<std::string> paths;  // files and folders
  // Where Flux `spec.path` values resolve ("./clusters/prod" is relative to the repository root).
  // Empty: the nearest folder above the first input that holds a `.git`, else the first input's
  // folder.
  std::string repo_root;
  bool follow_flux = true;
};

// Loads every path. Unreadable inputs are an error (exit 2 material); problems inside the files are
// diagnostics. Rule ids: yaml-syntax (from the parser), manifest-type, manifest-missing-key,
// manifest-invalid, manifest-path (kustomize resource or Flux path that does not exist),
// manifest-remote (note: remote resource skipped).
Result<Manifests> load_manifests(const ManifestLoadOptions& opts, Diagnostics& diags);

// Adds the objects of one already-parsed document (and the items of a List) to `out`.
// `file` names the document's source for messages.
void add_document(const yaml::Node& doc, const std::string& file, Manifests& out, Diagnostics& diags);

// Typed readers for single objects (used by `talgpu podsecurity` and tests). They report problems
// into `diags` with rule prefix "manifest" and return nullopt when the object is unusable.
std::optional<Workload> read_workload(const yaml::Node& doc, Diagnostics& diags);
PodTemplate read_pod_spec(const yaml::Node& spec, const yaml::Node* metadata, std::string_view path,
                          Diagnostics& diags);
std::optional<RuntimeClass> read_runtime_class(const yaml::Node& doc, Diagnostics& diags);
std::optional<Namespace> read_namespace(const yaml::Node& doc, Diagnostics& diags);
std::vector<Toleration> read_tolerations(const yaml::Node& seq, std::string_view path, Diagnostics& diags);

}  // namespace talgpu::kube
