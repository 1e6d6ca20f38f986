// The genconfig pipeline; see genconfig.hpp for the order of steps and where we differ from
// talhelper. Field placement follows talhelper pkg/talos/nodeconfig.go and multidocs.go; the
// talosconfig shape follows talos pkg/machinery/client/config (context/contexts).

#include <talhelper/genconfig.hpp>
#include <talhelper/gotemplate.hpp>

#include <algorithm>
#include <ctime>
#include <set>

#include <fmt/format.h>

#include <core/fs.hpp>
#include <core/strings.hpp>
#include <imagefactory/image_factory.hpp>
#include <talhelper/node_image.hpp>
#include <talos/machineconfig.hpp>
#include <talos/networkconfig.hpp>
#include <talos/patch.hpp>
#include <talos/pki.hpp>
#include <imagefactory/schematic.hpp>
#include <talhelper/sops.hpp>
#include <yaml/document.hpp>
#include <yaml/emit.hpp>

namespace talgpu::talhelper {

using talos::ConfigPatch;
using talos::Contract;
using talos::GenOptions;
using talos::MachineType;
using talos::NetworkTranslation;
using talos::SecretsBundle;
using talos::apply_patch;
using talos::canonicalize;
using talos::find_secrets_file;
using talos::generate_config;
using talos::generate_secrets;
using talos::parse_patch;
using talos::parse_secrets;
namespace pki = talos::pki;
using talos::translate_network_interfaces;
using imagefactory::talos_tag;

using YNode = yaml::Node;

namespace {

YNode str_list(const std::vector<std::string>& items) {
  YNode n = YNode::sequence();
  for (const auto& s : items) {
    n.push_back(YNode::string(s));
  }
  return n;
}

struct Taint {
  std::string key;
  std::string value;
  std::string effect;
};

// talos node_taint_spec.go: "value:Effect" or just "Effect".
Taint parse_taint(const KeyValue& kv) {
  Taint t{kv.key, {}, kv.value};
  size_t colon = kv.value.rfind(':');
  if (colon != std::string::npos) {
    t.value = kv.value.substr(0, colon);
    t.effect = kv.value.substr(colon + 1);
  }
  return t;
}

YNode& ensure_map(YNode& parent, std::string_view key) {
  YNode* n = parent.find(key);
  if (n == nullptr || !n->is_mapping()) {
    return parent.set(key, YNode::mapping());
  }
  return *n;
}

YNode& ensure_list(YNode& parent, std::string_view key) {
  YNode* n = parent.find(key);
  if (n == nullptr || !n->is_sequence()) {
    return parent.set(key, YNode::sequence());
  }
  return *n;
}

YNode doc_header(std::string_view kind) {
  YNode d = YNode::mapping();
  d.set("apiVersion", YNode::string("v1alpha1"));
  d.set("kind", YNode::string(std::string(kind)));
  return d;
}

// Items of a talconfig list as documents of `kind` (extensionServices, volumes, userVolumes).
void add_item_documents(std::vector<YNode>& docs, const std::optional<YNode>& list, std::string_view kind) {
  if (!list || !list->is_sequence()) {
    return;
  }
  for (const auto& item : list->items()) {
    if (!item.is_mapping()) {
      continue;
    }
    YNode d = doc_header(kind);
    for (const auto& e : item.entries()) {
      d.entries().push_back(e);
    }
    docs.push_back(std::move(d));
  }
}

}  // namespace

Result<std::string> node_file_name(const TalConfig& cfg, const Node& node) {
  if (node.filename_tmpl.empty()) {
    return cfg.cluster_name + "-" + node.hostname + ".yaml";
  }
  // talhelper pkg/config/outputfilename.go: text/template over {ClusterName, Hostname, IPAddress
  // (the raw string), Role}.
  auto name = render_text_template(node.filename_tmpl, {{"ClusterName", cfg.cluster_name},
                                                        {"Hostname", node.hostname},
                                                        {"IPAddress", node.ip_address},
                                                        {"Role", node.control_plane ? "controlplane" : "worker"}});
  if (!name) {
    return fail(fmt::format("filenameTmpl of node '{}': {} (at character {})", node.hostname, name.error().message,
                            name.error().location.column),
                node.field_location("filenameTmpl"), "genconfig-filename");
  }
  // talhelper would write wherever the name points; talgpu keeps every file inside the out-dir.
  if (name->empty() || name->find('/') != std::string::npos || *name == "." || *name == "..") {
    return fail(fmt::format("filenameTmpl of node '{}' gives '{}', which is not a plain file name", node.hostname, *name),
                node.field_location("filenameTmpl"), "genconfig-filename");
  }
  return *name;
}

std::string encode_node_config(const std::vector<YNode>& docs) {
  return yaml::emit_stream(docs, yaml::goyaml_v3_options(2));
}

namespace {

// One node's config while node_config builds it, step by step in talhelper's order
// (pkg/talos/nodeconfig.go): the base config, talconfig's fields, the installer image, Go
// templates, CNI and inline manifests, extra documents, then patches.
struct NodeBuild {
  const TalConfig& cfg;
  const Node& node;
  const GenconfigOptions& opts;
  Diagnostics& diags;
  Contract c;
  bool cp = false;
  bool multidoc_network = false;  // talhelper MultidocNetworkConfigSupported
  std::vector<YNode> docs;
  std::optional<NetworkTranslation> network_docs;
  std::string taints_placement;

  YNode& doc() { return docs.front(); }
  YNode& machine() { return docs.front()["machine"]; }
  YNode& cluster() { return docs.front()["cluster"]; }
};

// 1. The base config (talhelper pkg/talos/input.go).
Result<void> base_config(NodeBuild& b, const SecretsBundle& secrets) {
  const TalConfig& cfg = b.cfg;
  GenOptions g;
  g.cluster_name = cfg.cluster_name;
  g.endpoint = cfg.endpoint;
  g.kubernetes_version = cfg.kubernetes_version;
  g.contract = b.c;
  g.install_image = "ghcr.io/siderolabs/installer:" + talos_tag(cfg.talos_version);
  g.allow_scheduling_on_control_planes = cfg.allow_scheduling_on_control_planes;
  g.dns_domain = cfg.domain;
  if (!cfg.cluster_pod_nets.empty()) {
    g.pod_subnets = cfg.cluster_pod_nets;
  }
  if (!cfg.cluster_svc_nets.empty()) {
    g.service_subnets = cfg.cluster_svc_nets;
  }
  g.additional_sans = cfg.additional_machine_cert_sans;
  g.api_server_sans = cfg.additional_api_server_cert_sans;
  TRY_ASSIGN(b.docs, generate_config(b.cp ? MachineType::controlplane : MachineType::worker, g, secrets));
  if (!secrets.aescbc_encryption_secret.empty() && b.c.at_least(1, 3) && b.cp) {
    b.cluster().set("aescbcEncryptionSecret", YNode::string(secrets.aescbc_encryption_secret));
  }
  return {};
}

// 2a. Network, install disk, disks, kernel modules (pkg/talos/nodeconfig.go).
void machine_fields(NodeBuild& b) {
  const Node& node = b.node;
  YNode& machine = b.machine();
  if (!b.multidoc_network) {
    YNode& network = ensure_map(machine, "network");
    if (!node.ignore_hostname && !node.hostname.empty()) {
      network.set("hostname", YNode::string(node.hostname));
    }
    if (!node.nameservers.empty()) {
      network.set("nameservers", str_list(node.nameservers));
    }
    if (node.disable_search_domain) {
      network.set("disableSearchDomain", YNode::boolean(true));
    }
  }
  // networkInterfaces: the legacy field before 1.12; from 1.12 Talos's network documents
  // (networkconfig.hpp), added with the other extra documents.
  if (node.network_interfaces) {
    if (b.multidoc_network) {
      b.network_docs = translate_network_interfaces(*node.network_interfaces, b.opts.talhelper_compat, b.diags);
      if (b.network_docs->legacy) {
        ensure_map(machine, "network").set("interfaces", *b.network_docs->legacy);
      }
    } else {
      ensure_map(machine, "network").set("interfaces", *node.network_interfaces);
    }
  }
  YNode& install = ensure_map(machine, "install");
  if (!node.install_disk.empty()) {
    install.set("disk", YNode::string(node.install_disk));
  }
  if (node.install_disk_selector) {
    install.set("diskSelector", *node.install_disk_selector);
  }
  if (node.machine_disks) {
    machine.set("disks", *node.machine_disks);
  }
  if (!node.kernel_modules.empty()) {
    YNode modules = YNode::sequence();
    for (const auto& km : node.kernel_modules) {
      YNode m = YNode::mapping();
      m.set("name", YNode::string(km.name));
      if (!km.parameters.empty()) {
        m.set("parameters", str_list(km.parameters));
      }
      modules.push_back(std::move(m));
    }
    ensure_map(machine, "kernel").set("modules", std::move(modules));
  }
}

// 2b. nodeAnnotations and nodeLabels; templated values are rendered after the installer image is
// set (talhelper templateConfig, step 4).
void labels_and_annotations(NodeBuild& b) {
  const Node& node = b.node;
  YNode& machine = b.machine();
  if (!node.node_annotations.empty()) {
    YNode ann = YNode::mapping();
    for (const auto& kv : node.node_annotations) {
      if (!is_go_template(kv.value)) {
        ann.set(kv.key, YNode::string(kv.value));
      }
    }
    machine.set("nodeAnnotations", std::move(ann));
  }
  if (!node.node_labels.empty()) {
    // talhelper assigns the map (dropping Talos's exclude-from-external-load-balancers label).
    YNode labels =
        b.opts.talhelper_compat || machine.find("nodeLabels") == nullptr ? YNode::mapping() : machine["nodeLabels"];
    for (const auto& kv : node.node_labels) {
      if (!is_go_template(kv.value)) {
        labels.set(kv.key, YNode::string(kv.value));
      }
    }
    machine.set("nodeLabels", std::move(labels));
  }
}

// 2c. Taints: machine.nodeTaints on control planes (and with --talhelper-compat); a worker's go
// to the kubelet's registerWithTaints, because NodeRestriction refuses them from the kubelet.
void taints(NodeBuild& b) {
  const Node& node = b.node;
  if (node.node_taints.empty()) {
    return;
  }
  if (b.cp || b.opts.talhelper_compat) {
    YNode t = YNode::mapping();
    for (const auto& kv : node.node_taints) {
      t.set(kv.key, YNode::string(kv.value));
    }
    b.machine().set("nodeTaints", std::move(t));
    b.taints_placement = "machine.nodeTaints";
    return;
  }
  YNode list = YNode::sequence();
  std::string example;
  for (const auto& kv : node.node_taints) {
    Taint t = parse_taint(kv);
    YNode item = YNode::mapping();
    item.set("key", YNode::string(t.key));
    if (!t.value.empty()) {
      item.set("value", YNode::string(t.value));
    }
    item.set("effect", YNode::string(t.effect));
    list.push_back(std::move(item));
    if (example.empty()) {
      example = t.key + (t.value.empty() ? "" : "=" + t.value) + ":" + t.effect;
    }
  }
  YNode& kubelet = ensure_map(b.machine(), "kubelet");
  YNode& extra = ensure_map(kubelet, "extraConfig");
  extra.set("registerWithTaints", std::move(list));
  b.taints_placement = "registerWithTaints";
  b.diags.note("worker-taint-via-register",
               fmt::format("taints of worker '{}' are set with the kubelet's registerWithTaints, not machine.nodeTaints",
                           node.hostname),
               node.field_location("nodeTaints"),
               fmt::format("Talos applies nodeTaints with the kubelet's credentials and NodeRestriction refuses "
                           "taint changes from a kubelet (dropping the label update of the same request); "
                           "registerWithTaints applies when the node first registers. For a node that is already "
                           "registered run: kubectl taint nodes {} {}",
                           node.hostname, example));
}

// 2d. Machine files, the schematic's kernel args (before 1.12), certSANs.
void files_args_sans(NodeBuild& b) {
  const Node& node = b.node;
  YNode& machine = b.machine();
  if (node.machine_files) {
    machine.set("files", *node.machine_files);
  }
  if (node.schematic && !node.machine_spec.use_uki && !b.c.greater(1, 11)) {
    auto schematic = node_schematic(node);
    if (schematic && !schematic->customization.extra_kernel_args.empty()) {
      YNode& args = ensure_list(ensure_map(machine, "install"), "extraKernelArgs");
      for (const auto& a : schematic->customization.extra_kernel_args) {
        args.push_back(YNode::string(a));
      }
    }
  }
  if (!node.cert_sans.empty()) {
    YNode& sans = ensure_list(machine, "certSANs");
    for (const auto& s : node.cert_sans) {
      sans.push_back(YNode::string(s));
    }
  }
}

// 4. Go templates in nodeLabels / nodeAnnotations (talhelper pkg/talos/nodeconfig.go
// templateConfig): rendered against the config as it is now, the results added to the map.
Result<void> render_templates(NodeBuild& b) {
  bool template_failed = false;
  auto render = [&](const std::vector<KeyValue>& items, std::string_view key, std::string_view field) {
    const YNode unchanged = b.doc();
    for (const auto& kv : items) {
      if (!is_go_template(kv.value)) {
        continue;
      }
      auto rendered = render_go_template(kv.value, unchanged);
      if (!rendered) {
        b.diags.error("genconfig-template",
                      fmt::format("{} '{}': {} (at character {} of the template)", field, kv.key,
                                  rendered.error().message, rendered.error().location.column),
                      kv.location, "talgpu renders {{ .Go.Field }} chains, literals and a few sprig string functions");
        template_failed = true;
        continue;
      }
      ensure_map(b.machine(), key).set(kv.key, YNode::string(*rendered));
    }
  };
  render(b.node.node_labels, "nodeLabels", "nodeLabels");
  render(b.node.node_annotations, "nodeAnnotations", "nodeAnnotations");
  if (template_failed) {
    return fail("a nodeLabels or nodeAnnotations template cannot be rendered", {}, "genconfig-template");
  }
  return {};
}

// 5. CNI and inline manifests.
void cni_and_inline_manifests(NodeBuild& b) {
  if (b.cfg.cni_config) {
    ensure_map(b.cluster(), "network").set("cni", *b.cfg.cni_config);
  }
  if (b.cp && !b.cfg.inline_manifests.empty()) {
    YNode list = YNode::sequence();
    for (const auto& m : b.cfg.inline_manifests) {
      YNode item = YNode::mapping();
      item.set("name", YNode::string(m.name));
      item.set("contents", YNode::string(m.contents));
      list.push_back(std::move(item));
    }
    b.cluster().set("inlineManifests", std::move(list));
  }
}

// 7a. ResolverConfig and HostnameConfig (1.12+).
void naming_documents(const NodeBuild& b, std::vector<YNode>& extra) {
  const Node& node = b.node;
  if (!b.multidoc_network) {
    return;
  }
  if (!node.nameservers.empty() || node.disable_search_domain) {
    YNode resolver = doc_header("ResolverConfig");
    if (!node.nameservers.empty()) {
      YNode ns = YNode::sequence();
      for (const auto& a : node.nameservers) {
        YNode item = YNode::mapping();
        item.set("address", YNode::string(a));
        ns.push_back(std::move(item));
      }
      resolver.set("nameservers", std::move(ns));
    }
    if (node.disable_search_domain) {
      resolver.set("searchDomains", YNode::mapping()).set("disableDefault", YNode::boolean(true));
    }
    extra.push_back(std::move(resolver));
  }
  YNode hostname = doc_header("HostnameConfig");
  if (node.ignore_hostname) {
    hostname.set("auto", YNode::string("stable"));
  } else {
    hostname.set("hostname", YNode::string(node.hostname));
    hostname.set("auto", YNode::string("off"));
  }
  extra.push_back(std::move(hostname));
}

// 7. Extra documents (talhelper multidocs.go order).
Result<void> extra_documents(NodeBuild& b) {
  const Node& node = b.node;
  std::vector<YNode> extra;
  naming_documents(b, extra);
  if (node.ingress_firewall && node.ingress_firewall->is_mapping()) {
    const YNode& fw = *node.ingress_firewall;
    if (const YNode* action = fw.find("defaultAction")) {
      YNode d = doc_header("NetworkDefaultActionConfig");
      d.set("ingress", *action);
      extra.push_back(std::move(d));
    }
    if (const YNode* rules = fw.find("rules"); rules != nullptr && rules->is_sequence()) {
      for (const auto& rule : rules->items()) {
        YNode d = doc_header("NetworkRuleConfig");
        for (const auto& e : rule.entries()) {
          d.entries().push_back(e);
        }
        extra.push_back(std::move(d));
      }
    }
  }
  add_item_documents(extra, node.extension_services, "ExtensionServiceConfig");
  add_item_documents(extra, node.volumes, "VolumeConfig");
  add_item_documents(extra, node.user_volumes, "UserVolumeConfig");
  if (b.network_docs) {
    for (auto& d : b.network_docs->documents) {
      extra.push_back(std::move(d));
    }
  }
  if (!extra.empty()) {
    ConfigPatch p;
    p.name = "talconfig documents";
    p.documents = std::move(extra);
    TRY(apply_patch(b.docs, p));
  }
  return {};
}

// 8-9. Group and node patches (the loader merged them), then global patches. Returns what was applied.
Result<std::vector<std::string>> user_patches(NodeBuild& b) {
  std::vector<std::string> applied;
  auto apply_list = [&](const std::vector<Patch>& patches) -> Result<void> {
    for (const Patch& p : patches) {
      if (trim(p.text).empty()) {
        continue;  // talhelper skips empty patch files
      }
      std::string name = !p.file.empty() ? p.file : p.location.str() + " (inline patch)";
      TRY_ASSIGN(auto parsed, parse_patch(p.text, name, p.location));
      TRY(apply_patch(b.docs, parsed));
      applied.push_back(!p.file.empty() ? p.file : "inline patch at " + p.location.str());
    }
    return {};
  };
  TRY(apply_list(b.node.patches));
  TRY(apply_list(b.cfg.patches));
  return applied;
}

Result<void> fill_summary(const NodeBuild& b, std::vector<std::string> applied, NodeSummary& summary) {
  const Node& node = b.node;
  summary.hostname = node.hostname;
  summary.ip_addresses = node.ip_addresses();
  summary.role = node.role();
  TRY_ASSIGN(std::string file, node_file_name(b.cfg, node));
  summary.file = join_path(b.opts.out_dir, file);
  const YNode& m = *b.docs.front().find("machine");
  if (const YNode* inst = m.find("install")) {
    if (const YNode* img = inst->find("image")) {
      summary.install_image = img->value();
    }
    if (const YNode* disk = inst->find("disk")) {
      summary.install_disk = disk->value();
    } else if (inst->contains("diskSelector")) {
      summary.install_disk = "selector";
    }
  }
  if (const YNode* labels = m.find("nodeLabels"); labels != nullptr && labels->is_mapping()) {
    for (const auto& e : labels->entries()) {
      summary.labels.push_back(e.key.value() + "=" + e.value.value());
    }
  }
  for (const auto& kv : node.node_taints) {
    Taint t = parse_taint(kv);
    summary.taints.push_back(t.key + (t.value.empty() ? "" : "=" + t.value) + ":" + t.effect);
  }
  summary.taints_placement = b.taints_placement;
  summary.patches = std::move(applied);
  return {};
}

}  // namespace

Result<std::vector<YNode>> node_config(const TalConfig& cfg, const Node& node, const SecretsBundle& secrets,
                                      const GenconfigOptions& opts, Diagnostics& diags, NodeSummary* summary) {
  auto contract = Contract::parse(cfg.talos_version);
  if (!contract) {
    return fail("talosVersion '" + cfg.talos_version + "' is not a version", {}, "genconfig-version");
  }
  NodeBuild b{cfg, node, opts, diags, *contract};
  b.cp = node.control_plane;
  b.multidoc_network = b.c.greater(1, 11);
  TRY(base_config(b, secrets));
  machine_fields(b);
  labels_and_annotations(b);
  taints(b);
  files_args_sans(b);
  // 3. The installer image: talosImageURL, else the Image Factory URL of the node's schematic.
  TRY_ASSIGN(std::string image, installer_image(cfg, node));
  ensure_map(b.machine(), "install").set("image", YNode::string(image));
  TRY(render_templates(b));
  cni_and_inline_manifests(b);
  TRY(extra_documents(b));
  TRY_ASSIGN(std::vector<std::string> applied, user_patches(b));
  canonicalize(b.docs);
  if (summary != nullptr) {
    TRY(fill_summary(b, std::move(applied), *summary));
  }
  return std::move(b.docs);
}

// ---------------------------------------------------------------------------------------------

std::string unified_diff(const std::string& old_text, const std::string& new_text, const std::string& old_name,
                         const std::string& new_name) {
  if (old_text == new_text) {
    return {};
  }
  auto lines = [](const std::string& t) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < t.size()) {
      size_t nl = t.find('\n', start);
      out.push_back(t.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      start = nl == std::string::npos ? t.size() : nl + 1;
    }
    return out;
  };
  auto a = lines(old_text);
  auto b = lines(new_text);
  size_t n = a.size();
  size_t m = b.size();
  // LCS table; configs are a few hundred lines.
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  struct Line {
    char op;
    size_t ai;
    size_t bi;
  };
  std::vector<Line> script;
  size_t i = 0;
  size_t j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      script.push_back({' ', i++, j++});
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      script.push_back({'+', i, j++});
    } else {
      script.push_back({'-', i++, j});
    }
  }
  std::string out = "--- " + old_name + "\n+++ " + new_name + "\n";
  const size_t ctx = 3;
  size_t k = 0;
  while (k < script.size()) {
    if (script[k].op == ' ') {
      ++k;
      continue;
    }
    size_t start = k >= ctx ? k - ctx : 0;
    size_t end = k;
    size_t last_change = k;
    while (end < script.size()) {
      if (script[end].op != ' ') {
        last_change = end;
      } else if (end - last_change > 2 * ctx) {
        break;
      }
      ++end;
    }
    end = std::min(script.size(), last_change + ctx + 1);
    size_t a_start = script[start].ai;
    size_t b_start = script[start].bi;
    size_t a_len = 0;
    size_t b_len = 0;
    std::string body;
    for (size_t x = start; x < end; ++x) {
      const auto& l = script[x];
      if (l.op != '+') {
        ++a_len;
      }
      if (l.op != '-') {
        ++b_len;
      }
      body += l.op;
      body += l.op == '+' ? b[l.bi] : a[l.ai];
      body += '\n';
    }
    out += fmt::format("@@ -{},{} +{},{} @@\n", a_len ? a_start + 1 : a_start, a_len, b_len ? b_start + 1 : b_start,
                       b_len);
    out += body;
    k = end;
  }
  return out;
}

Result<std::string> talosconfig_yaml(const TalConfig& cfg, const SecretsBundle& secrets, const std::string& existing,
                                     bool nodes_section) {
  std::vector<std::string> endpoints;
  std::vector<std::string> nodes;
  for (const auto& n : cfg.nodes) {
    for (const auto& ip : n.ip_addresses()) {
      if (n.control_plane) {
        endpoints.push_back(ip);
      }
      if (nodes_section) {
        nodes.push_back(ip);
      }
    }
  }
  return talosconfig_for(cfg.cluster_name, endpoints, nodes, secrets, existing);
}

Result<std::string> talosconfig_for(const std::string& context_name, const std::vector<std::string>& endpoints,
                                    const std::vector<std::string>& nodes, const SecretsBundle& secrets,
                                    const std::string& existing) {
  std::string crt;
  std::string key;
  // Keep the current admin certificate when it comes from this CA and stays valid a while.
  if (!existing.empty()) {
    auto root = yaml::parse_one(existing, "talosconfig");
    if (root && root->is_mapping()) {
      const YNode* ctxs = root->find("contexts");
      const YNode* ctx = ctxs != nullptr ? ctxs->find(context_name) : nullptr;
      const YNode* c = ctx != nullptr ? ctx->find("crt") : nullptr;
      const YNode* k = ctx != nullptr ? ctx->find("key") : nullptr;
      if (c != nullptr && k != nullptr) {
        auto c_pem = pki::base64_decode(c->value());
        auto k_pem = pki::base64_decode(k->value());
        if (c_pem && k_pem) {
          auto signed_by = pki::cert_signed_by(*c_pem, secrets.os.crt);
          auto info = pki::inspect_cert(*c_pem);
          auto matches = pki::key_matches_cert(*c_pem, *k_pem);
          int64_t now = static_cast<int64_t>(std::time(nullptr));
          if (signed_by && *signed_by && info && info->not_after > now + 30LL * 86400 && matches && *matches) {
            crt = *c_pem;
            key = *k_pem;
          }
        }
      }
    }
  }
  if (crt.empty()) {
    pki::ClientCertOptions opts;
    opts.organization = "os:admin";
    TRY_ASSIGN(auto pair, pki::issue_client_cert({secrets.os.crt, secrets.os.key}, opts));
    crt = pair.crt;
    key = pair.key;
  }
  YNode context = YNode::mapping();
  context.set("endpoints", str_list(endpoints));
  if (!nodes.empty()) {
    context.set("nodes", str_list(nodes));
  }
  context.set("ca", YNode::string(pki::base64_encode(secrets.os.crt)));
  context.set("crt", YNode::string(pki::base64_encode(crt)));
  context.set("key", YNode::string(pki::base64_encode(key)));
  YNode root = YNode::mapping();
  root.set("context", YNode::string(context_name));
  root.set("contexts", YNode::mapping()).set(context_name, std::move(context));
  return yaml::emit(root, yaml::goyaml_v3_options(4));
}

Result<SecretsBundle> load_cluster_secrets(const TalConfig& cfg, const std::string& explicit_path, Diagnostics& diags) {
  auto path = find_secrets_file(cfg.dir, explicit_path);
  if (!path) {
    auto contract = Contract::parse(cfg.talos_version).value_or(Contract{});
    diags.warning("secrets-generated",
                  "no talsecret.yaml found: generating a new secrets bundle for this run only",
                  SourceLocation{cfg.path, 0, 0},
                  "run 'talgpu gensecret -o talsecret.yaml' (then encrypt it with sops) so configs stay stable");
    return generate_secrets(contract);
  }
  TRY_ASSIGN(auto text, read_file(*path));
  if (is_sops_encrypted(text)) {
    TRY_ASSIGN(text, sops_decrypt_yaml(text, *path));
  }
  TRY_ASSIGN(auto bundle, parse_secrets(text, *path, diags));
  return bundle;
}

Result<GenconfigResult> generate_cluster(const TalConfig& cfg, const SecretsBundle& secrets,
                                         const GenconfigOptions& opts, Diagnostics& diags) {
  GenconfigResult result;
  std::vector<const Node*> selected;
  if (!opts.node.empty()) {
    const Node* n = cfg.find_node(opts.node);
    if (n == nullptr) {
      return fail("node with IP or hostname " + opts.node + " not found", {}, "genconfig-node");
    }
    selected.push_back(n);
  } else {
    for (const auto& n : cfg.nodes) {
      selected.push_back(&n);
    }
  }
  std::vector<std::pair<std::string, std::string>> outputs;  // path, content
  for (const Node* n : selected) {
    NodeSummary summary;
    Diagnostics node_diags;
    auto docs = node_config(cfg, *n, secrets, opts, node_diags, &summary);
    diags.append(node_diags);
    if (!docs) {
      Error e = docs.error();
      e.message = "node " + n->hostname + ": " + e.message;
      return tl::unexpected<Error>(e);
    }
    std::string content = encode_node_config(*docs);
    auto existing = read_file(summary.file);
    summary.changed = !existing || *existing != content;
    outputs.emplace_back(summary.file, std::move(content));
    result.nodes.push_back(std::move(summary));
  }
  if (diags.has_errors()) {
    return result;
  }
  std::string talosconfig_path = join_path(opts.out_dir, "talosconfig");
  if (opts.dry_run) {
    for (const auto& [path, content] : outputs) {
      std::string old = read_file(path).value_or("");
      result.diff += unified_diff(old, content, path, path);
    }
    return result;
  }
  TRY(make_dirs(opts.out_dir, 0700));
  WriteOptions w;
  w.mode = 0600;
  for (const auto& [path, content] : outputs) {
    TRY(write_file_atomic(path, content, w));
    result.written.push_back(path);
  }
  if (opts.talosconfig) {
    TRY_ASSIGN(auto tc, talosconfig_yaml(cfg, secrets, read_file(talosconfig_path).value_or(""),
                                         !opts.disable_nodes_section));
    TRY(write_file_atomic(talosconfig_path, tc, w));
    result.written.push_back(talosconfig_path);
  }
  if (opts.gitignore) {
    // talhelper pkg/config/gitignore.go: append entries not already listed.
    std::string gi_path = join_path(opts.out_dir, ".gitignore");
    std::string gi = read_file(gi_path).value_or("");
    std::set<std::string> present;
    for (auto& line : split(gi, '\n')) {
      present.insert(std::string(trim(line)));
    }
    std::string add;
    std::vector<std::string> entries;
    for (const auto& n : result.nodes) {
      entries.push_back(n.file.substr(n.file.rfind('/') + 1));
    }
    if (opts.talosconfig) {
      entries.push_back("talosconfig");
    }
    for (const auto& e : entries) {
      if (!present.count(e)) {
        add += e + "\n";
        present.insert(e);
      }
    }
    if (!add.empty()) {
      if (!gi.empty() && gi.back() != '\n') {
        gi += '\n';
      }
      TRY(write_file_atomic(gi_path, gi + add, WriteOptions{}));
      result.written.push_back(gi_path);
    }
  }
  return result;
}

}  // namespace talgpu::talhelper
