#pragma once
// The talhelper-compatible cluster declaration (talconfig.yaml) as plain values.
//
// Field names and defaults follow talhelper's `pkg/config/config.go` / `defaults.go`; the group
// merge follows `pkg/config/nodeconfigs.go`. Complex Talos-typed fields that talhelper copies
// verbatim into the machine config (network interfaces, machine files, volumes, ...) are kept as
// YAML nodes so they are emitted exactly as written. Every value a diagnostic may point at keeps
// its source location.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <core/diagnostic.hpp>
#include <core/error.hpp>
#include <core/version.hpp>
#include <imagefactory/settings.hpp>
#include <yaml/node.hpp>

namespace talgpu::talhelper {

struct KeyValue {
  std::string key;
  std::string value;
  SourceLocation location;  // of the key
};

struct KernelModule {
  std::string name;
  std::vector<std::string> parameters;
  SourceLocation location;
};

// A patch as written: inline text or `@file` (already read; SOPS-decrypted when needed).
struct Patch {
  std::string text;
  std::string file;         // set for @file patches: the resolved path
  SourceLocation location;  // where the patch is declared in talconfig.yaml
};

// talhelper's machineSpec: the Image Factory's machine description plus whether the file set it
// (the group merge takes the node's only when declared).
struct MachineSpec : imagefactory::MachineSpec {
  bool declared = false;
};
using imagefactory::ImageFactory;

// Fields allowed both in `controlPlane:` / `worker:` and on a node (talhelper `NodeConfigs`).
struct NodeConfigs {
  std::vector<KeyValue> node_labels;
  std::vector<KeyValue> node_annotations;
  std::vector<KeyValue> node_taints;  // value is "value:Effect" or "Effect"
  std::vector<KernelModule> kernel_modules;
  std::vector<std::string> cert_sans;
  std::vector<std::string> nameservers;
  bool disable_search_domain = false;
  std::optional<yaml::Node> network_interfaces;
  std::optional<yaml::Node> machine_files;
  std::optional<yaml::Node> machine_disks;
  std::optional<yaml::Node> ingress_firewall;
  std::optional<yaml::Node> extension_services;
  std::optional<yaml::Node> volumes;
  std::optional<yaml::Node> user_volumes;
  std::vector<std::string> extra_manifests;
  std::vector<Patch> patches;
  std::string talos_image_url;
  SourceLocation talos_image_url_location;
  std::optional<yaml::Node> schematic;        // image-factory schematic, as written
  std::optional<yaml::Node> image_schematic;  // for `genurl image` only
  bool no_schematic_validate = false;
  MachineSpec machine_spec;
  std::string filename_tmpl;
};

struct Node : NodeConfigs {
  std::string hostname;
  std::string ip_address;  // raw; may be a comma-separated list
  bool control_plane = false;
  std::string install_disk;
  std::optional<yaml::Node> install_disk_selector;
  bool ignore_hostname = false;
  bool override_patches = false;
  bool override_extra_manifests = false;
  bool override_machine_cert_sans = false;
  SourceLocation location;  // the node's entry in `nodes:`
  yaml::Node raw;           // the node's mapping after substitution (for locations of any field)

  std::vector<std::string> ip_addresses() const;  // split on ',' and trimmed
  const char* role() const { return control_plane ? "controlplane" : "worker"; }
  // Location of a field of this node (falls back to the node entry).
  SourceLocation field_location(std::string_view key) const;
};

struct InlineManifest {
  std::string name;
  std::string contents;
  bool skip_envsubst = false;
};

struct TalConfig {
  std::string path;  // the talconfig.yaml as given
  std::string dir;   // its folder; relative @file paths resolve here

  std::string cluster_name;
  std::string talos_version;       // with leading 'v'
  std::string kubernetes_version;  // without leading 'v'
  std::string endpoint;
  std::string domain = "cluster.local";
  bool allow_scheduling_on_control_planes = false;
  std::vector<std::string> additional_machine_cert_sans;
  std::vector<std::string> additional_api_server_cert_sans;
  std::vector<std::string> cluster_pod_nets;
  std::vector<std::string> cluster_svc_nets;
  std::optional<yaml::Node> cni_config;
  std::vector<InlineManifest> inline_manifests;
  std::vector<Patch> patches;  // global patches, applied last
  ImageFactory image_factory;
  NodeConfigs control_plane;  // the group blocks as written
  NodeConfigs worker;
  std::vector<Node> nodes;  // merged with their group

  yaml::Node raw;  // the whole document after substitution

  std::optional<Version> talos() const { return Version::parse(talos_version); }
  const Node* find_node(std::string_view hostname_or_ip) const;
};

struct LoadOptions {
  std::string path = "talconfig.yaml";
  std::vector<std::string> env_files;  // -e FILE (in addition to the talenv*.yaml defaults)
  // talhelper's genconfig/gencommand `-e` is a cobra string slice whose default is the talenv*
  // list, so giving -e replaces the defaults (cmd/genconfig.go), and a listed file that does not
  // exist is skipped. With this set, `env_files` (when not empty) replaces the defaults and a
  // missing one is a warning (`talenv-missing`) instead of an error.
  bool env_files_replace_defaults = false;
  bool substitute_env = true;          // talhelper --no-substitute turns this off
};

// talhelper's LatestTalosVersion (pkg/config/defaults.go): the talosVersion used when none is set.
extern const char* const k_latest_talos_version;

// Merges a group block (`controlPlane:` / `worker:`) into a node as talhelper does
// (pkg/config/nodeconfigs.go): patches = group then node, certSANs / extraManifests = node then
// group (unless the node's override* flag is set), every other field node-if-set-else-group.
void merge_node_configs(Node& node, const NodeConfigs& group);

// Loads, substitutes, merges and validates. Problems go to `diags` (all of them); the result is
// an error only when the file cannot be read or parsed at all.
Result<TalConfig> load_talconfig(const LoadOptions& opts, Diagnostics& diags);

}  // namespace talgpu::talhelper
