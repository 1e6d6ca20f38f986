#pragma once
// talhelper's genconfig pipeline (budimanjojo/talhelper pkg/generate/config.go,
// pkg/talos/nodeconfig.go, multidocs.go, talosconfig.go, pkg/config/gitignore.go): one machine
// config per node of a talconfig.yaml, plus `talosconfig` and `.gitignore` entries.
//
// Per node, in talhelper's order: the generated base config for the node's role and contract;
// the talconfig fields (hostname, nameservers, interfaces, install disk or selector, kernel
// modules, labels, annotations, taints, machine files, schematic kernel args, certSANs); the
// installer image from the schematic; CNI and inline manifests; the extra documents
// (HostnameConfig/ResolverConfig on 1.12, firewall, extension services, volumes, and from 1.12 the
// network documents translated from networkInterfaces, see networkconfig.hpp); then group and
// node patches; then global patches. Files are written with go-yaml v3 at indent 2, as
// talhelper's final re-encode does.
//
// Where talgpu deliberately differs from talhelper (unless `talhelper_compat`):
//  - worker taints go to `machine.kubelet.extraConfig.registerWithTaints` instead of
//    `machine.nodeTaints`, because NodeRestriction refuses taint updates from a kubelet (and the
//    refused update also drops Talos's label changes); a `worker-taint-via-register` note says so;
//  - `nodeLabels` are merged into the generated labels instead of replacing them, so control
//    planes keep `node.kubernetes.io/exclude-from-external-load-balancers`.
//  - from Talos 1.12, translated `networkInterfaces` leave `machine.network.interfaces` (talhelper
//    writes both forms, so every link is configured twice); only a device with a field the
//    documents cannot express stays there.

#include <core/diagnostic.hpp>
#include <core/error.hpp>
#include <talos/secrets.hpp>
#include <talhelper/talconfig.hpp>
#include <yaml/node.hpp>

#include <string>
#include <vector>

namespace talgpu::talhelper {

struct GenconfigOptions {
  std::string out_dir = "./clusterconfig";
  std::string node;               // only this node (hostname or IP); empty = all
  bool dry_run = false;           // print a unified diff, write nothing
  bool talhelper_compat = false;  // reproduce talhelper's output exactly (see above)
  bool gitignore = true;
  bool talosconfig = true;
  bool disable_nodes_section = false;  // talosconfig without `nodes:`
};

// What plan and the commands report per node.
struct NodeSummary {
  std::string hostname;
  std::vector<std::string> ip_addresses;
  std::string role;  // controlplane | worker
  std::string file;  // path of the written (or would-be) config
  std::string install_image;
  std::string install_disk;                  // or "selector" when a diskSelector is used
  std::vector<std::string> labels;           // key=value as placed in machine.nodeLabels
  std::vector<std::string> taints;           // key=value:Effect
  std::string taints_placement;              // "machine.nodeTaints", "registerWithTaints" or ""
  std::vector<std::string> patches;          // names of the patches applied, in order
  bool changed = false;                      // differs from the file on disk
};

struct GenconfigResult {
  std::vector<NodeSummary> nodes;
  std::vector<std::string> written;  // files written (empty in dry-run)
  std::string diff;                  // unified diff (dry-run)
};

// The documents of one node's config (no I/O besides @file patches already read by the loader).
Result<std::vector<yaml::Node>> node_config(const TalConfig& cfg, const Node& node, const talos::SecretsBundle& secrets,
                                            const GenconfigOptions& opts, Diagnostics& diags,
                                            NodeSummary* summary = nullptr);

// The node file name: the node's `filenameTmpl` rendered as talhelper does (fields ClusterName,
// Hostname, IPAddress, Role), else `<clusterName>-<hostname>.yaml`. A template error or a name that
// is not a plain file name is an error (rule `genconfig-filename`) located at the field.
Result<std::string> node_file_name(const TalConfig& cfg, const Node& node);

// The encoded file content of a node config (go-yaml v3, indent 2, `---` between documents).
std::string encode_node_config(const std::vector<yaml::Node>& docs);

// Generates every selected node into `opts.out_dir` (folder 0700, files 0600), plus talosconfig
// and .gitignore; or, with dry_run, only computes the diff. Problems in the inputs go to `diags`.
Result<GenconfigResult> generate_cluster(const TalConfig& cfg, const talos::SecretsBundle& secrets,
                                         const GenconfigOptions& opts, Diagnostics& diags);

// The talosconfig for the cluster: context = cluster name, endpoints = control plane IPs, nodes =
// all IPs, an os:admin client certificate signed by the OS CA. `existing` is the current file's
// text: when it already holds a certificate from this CA valid for 30 more days, that
// certificate is kept, so reruns produce identical bytes.
Result<std::string> talosconfig_yaml(const TalConfig& cfg, const talos::SecretsBundle& secrets, const std::string& existing,
                                     bool nodes_section = true);

// The same for any context: `talosctl gen config` uses it with the endpoint host.
Result<std::string> talosconfig_for(const std::string& context, const std::vector<std::string>& endpoints,
                                    const std::vector<std::string>& nodes, const talos::SecretsBundle& secrets,
                                    const std::string& existing);

// A unified diff (3 lines of context) of two texts, "" when equal.
std::string unified_diff(const std::string& old_text, const std::string& new_text, const std::string& old_name,
                         const std::string& new_name);

// The secrets for a cluster folder: `-s FILE` or the last existing talsecret*.yaml next to the
// talconfig (SOPS-decrypted). When none exists: a freshly generated bundle and a warning
// (`secrets-generated`), as talhelper does.
Result<talos::SecretsBundle> load_cluster_secrets(const TalConfig& cfg, const std::string& explicit_path, Diagnostics& diags);

}  // namespace talgpu::talhelper
