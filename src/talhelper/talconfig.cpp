// Loading talconfig.yaml the way talhelper does (budimanjojo/talhelper pkg/config/loader.go):
//
//   read -> env files -> strip comments -> envsubst -> parse -> typed read -> @file contents ->
//   group merge (pkg/config/nodeconfigs.go) -> validate (talconfig_validate.cpp)
//
// Two deliberate differences: unknown keys are warnings with "did you mean" (talhelper drops them
// silently), and every problem is collected instead of stopping at the first. Comment stripping
// keeps line numbers, so a diagnostic points at the line the user wrote even after substitution.

#include <talhelper/talconfig.hpp>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include <core/fs.hpp>
#include <core/strings.hpp>
#include <talhelper/envsubst.hpp>
#include <talhelper/sops.hpp>
#include <talhelper/talconfig_validate.hpp>
#include <talos/defaults.hpp>
#include <yaml/document.hpp>
#include <yaml/reader.hpp>

namespace talgpu::talhelper {

// talhelper pkg/config/defaults.go (renovate-bumped; value at the pinned commit 39b69792).
const char* const k_latest_talos_version = talos::k_default_talos_version;

std::vector<std::string> Node::ip_addresses() const {
  std::vector<std::string> out;
  for (const auto& part : split(ip_address, ',')) {
    std::string t(trim(part));
    if (!t.empty()) {
      out.push_back(t);
    }
  }
  return out;
}

SourceLocation Node::field_location(std::string_view key) const {
  if (raw.is_mapping()) {
    if (const yaml::MapEntry* e = raw.find_entry(key)) {
      return e->value.location();
    }
  }
  return location;
}

const Node* TalConfig::find_node(std::string_view hostname_or_ip) const {
  for (const auto& n : nodes) {
    if (n.hostname == hostname_or_ip) {
      return &n;
    }
    for (const auto& ip : n.ip_addresses()) {
      if (ip == hostname_or_ip) {
        return &n;
      }
    }
  }
  return nullptr;
}

namespace {

struct Loader {
  const LoadOptions& opts;
  Diagnostics& diags;
  std::string dir;
  EnvVars env;

  std::string resolve(std::string_view rel) const {
    std::string p = join_path(dir, std::string(rel));
    return std::filesystem::path(p).lexically_normal().string();
  }

  // Reads an `@file` reference (SOPS-aware); a missing or undecryptable file is a located error.
  std::optional<std::string> read_at_file(const std::string& path, const SourceLocation& where, std::string_view what) {
    auto text = read_maybe_sops(path);
    if (!text) {
      diags.error(text.error().rule == "io-read" ? "talconfig-file-missing" : "talconfig-file-decrypt",
                  fmt::format("cannot read {} '{}': {}", what, path, text.error().message), where);
      return std::nullopt;
    }
    return *text;
  }

  std::string substitute(const std::string& text, const std::string& file) {
    if (!opts.substitute_env) {
      return text;
    }
    return envsubst(strip_yaml_comments(text), env, file, diags);
  }

  void load_env_file(const std::string& path, bool explicit_file) {
    if (!file_exists(path)) {
      if (explicit_file) {
        diags.error("talenv-missing", fmt::format("env file '{}' does not exist", path), SourceLocation{path, 0, 0});
      }
      return;
    }
    auto text = read_maybe_sops(path);
    if (!text) {
      diags.error(text.error().rule.empty() ? "talenv-read" : text.error().rule, text.error().message,
                  SourceLocation{path, 0, 0});
      return;
    }
    auto vars = parse_env_file(*text, path);
    if (!vars) {
      // talhelper ignores the whole file silently (pkg/substitute/envsubst.go LoadEnv); we say so.
      diags.warning("talenv-parse", fmt::format("{}; the env file is ignored", vars.error().message),
                    vars.error().location, "env files hold flat `KEY: value` lines");
      return;
    }
    for (auto& [k, v] : *vars) {
      env.set(k, v);
    }
  }

  std::vector<KeyValue> key_values(yaml::MapReader& r, std::string_view key) {
    std::vector<KeyValue> out;
    const yaml::Node* m = r.mapping(key);
    if (m == nullptr) {
      return out;
    }
    for (const auto& e : m->entries()) {
      std::string p = yaml::path_join(r.child_path(key), e.key.value());
      std::string v;
      if (!e.value.is_null()) {
        auto s = yaml::as_string(e.value, p, diags, "talconfig-type");
        if (!s) {
          continue;
        }
        v = *s;
      }
      out.push_back({e.key.value(), v, e.key.location()});
    }
    return out;
  }

  std::vector<Patch> patches(yaml::MapReader& r) {
    std::vector<Patch> out;
    const yaml::Node* seq = r.sequence("patches");
    if (seq == nullptr) {
      return out;
    }
    for (size_t i = 0; i < seq->items().size(); ++i) {
      const yaml::Node& item = seq->items()[i];
      auto s = yaml::as_string(item, yaml::path_index(r.child_path("patches"), i), diags, "talconfig-type");
      if (!s) {
        continue;
      }
      Patch p;
      p.location = item.location();
      if (!s->empty() && s->front() == '@') {
        p.file = resolve(s->substr(1));
        auto text = read_at_file(p.file, p.location, "patch file");
        if (!text) {
          continue;
        }
        if (trim(*text).empty()) {
          continue;  // talhelper pkg/patcher: an empty patch file is skipped
        }
        p.text = substitute(*text, p.file);
      } else {
        p.text = *s;
      }
      out.push_back(std::move(p));
    }
    return out;
  }

  // machineFiles: `content: "@file"` is read (SOPS-aware) and substituted unless skipEnvsubst.
  std::optional<yaml::Node> machine_files(yaml::MapReader& r) {
    const yaml::Node* seq = r.sequence("machineFiles");
    if (seq == nullptr) {
      return std::nullopt;
    }
    yaml::Node out = *seq;
    for (size_t i = 0; i < out.items().size(); ++i) {
      yaml::Node& item = out.items()[i];
      yaml::MapReader f(item, yaml::path_index(r.child_path("machineFiles"), i), diags, "talconfig");
      auto content = f.string("content");
      f.allow({"permissions", "path", "op"});
      auto skip = f.boolean("skipEnvsubst");
      f.finish();
      if (content && !content->empty() && content->front() == '@' && item.is_mapping()) {
        std::string path = resolve(content->substr(1));
        auto text = read_at_file(path, item.find("content")->location(), "machine file");
        if (text) {
          yaml::Mark mark = item.find("content")->mark();
          yaml::Node& c = item.set("content", yaml::Node::string(skip.value_or(false) ? *text : substitute(*text, path)));
          c.set_mark(mark);
        }
      }
    }
    return out;
  }

  std::optional<yaml::Node> schematic(yaml::MapReader& r, std::string_view key) {
    const yaml::Node* s = r.mapping(key);
    if (s == nullptr) {
      return std::nullopt;
    }
    yaml::MapReader sr(*s, r.child_path(key), diags, "talconfig");
    if (const yaml::Node* ov = sr.mapping("overlay")) {
      yaml::MapReader o(*ov, sr.child_path("overlay"), diags, "talconfig");
      o.string("image");
      o.string("name");
      o.mapping("options");
      o.finish();
    }
    if (const yaml::Node* cu = sr.mapping("customization")) {
      yaml::MapReader c(*cu, sr.child_path("customization"), diags, "talconfig");
      c.strings("extraKernelArgs");
      c.sequence("meta");
      if (const yaml::Node* se = c.mapping("systemExtensions")) {
        yaml::MapReader x(*se, c.child_path("systemExtensions"), diags, "talconfig");
        x.strings("officialExtensions");
        x.finish();
      }
      c.string("bootloader");
      c.mapping("secureboot");
      c.allow({"diskImage", "embeddedMachineConfiguration"});
      c.finish();
    }
    sr.allow({"owner"});
    sr.finish();
    return *s;
  }

  void node_configs(yaml::MapReader& r, NodeConfigs& c) {
    c.node_labels = key_values(r, "nodeLabels");
    c.node_annotations = key_values(r, "nodeAnnotations");
    c.node_taints = key_values(r, "nodeTaints");
    if (const yaml::Node* km = r.sequence("kernelModules")) {
      for (size_t i = 0; i < km->items().size(); ++i) {
        yaml::MapReader k(km->items()[i], yaml::path_index(r.child_path("kernelModules"), i), diags, "talconfig");
        KernelModule m;
        m.name = k.string("name", yaml::Need::required).value_or("");
        m.parameters = k.strings("parameters").value_or(std::vector<std::string>{});
        m.location = km->items()[i].location();
        k.finish();
        c.kernel_modules.push_back(std::move(m));
      }
    }
    c.cert_sans = r.strings("certSANs").value_or(std::vector<std::string>{});
    c.nameservers = r.strings("nameservers").value_or(std::vector<std::string>{});
    c.disable_search_domain = r.boolean("disableSearchDomain").value_or(false);
    auto node_of = [&](std::string_view key, bool list) -> std::optional<yaml::Node> {
      const yaml::Node* n = list ? r.sequence(key) : r.mapping(key);
      return n != nullptr ? std::optional<yaml::Node>(*n) : std::nullopt;
    };
    c.network_interfaces = node_of("networkInterfaces", true);
    c.machine_files = machine_files(r);
    c.machine_disks = node_of("machineDisks", true);
    c.ingress_firewall = node_of("ingressFirewall", false);
    c.extension_services = node_of("extensionServices", true);
    c.volumes = node_of("volumes", true);
    c.user_volumes = node_of("userVolumes", true);
    for (const auto& m : r.strings("extraManifests").value_or(std::vector<std::string>{})) {
      c.extra_manifests.push_back(resolve(!m.empty() && m.front() == '@' ? m.substr(1) : m));
    }
    c.patches = patches(r);
    if (const yaml::Node* u = r.get("talosImageURL")) {
      c.talos_image_url = yaml::as_string(*u, r.child_path("talosImageURL"), diags, "talconfig-type").value_or("");
      c.talos_image_url_location = u->location();
    }
    c.schematic = schematic(r, "schematic");
    c.image_schematic = schematic(r, "imageSchematic");
    c.no_schematic_validate = r.boolean("noSchematicValidate").value_or(false);
    if (const yaml::Node* ms = r.mapping("machineSpec")) {
      yaml::MapReader m(*ms, r.child_path("machineSpec"), diags, "talconfig");
      MachineSpec spec;
      spec.declared = true;
      spec.mode = m.string("mode").value_or("");
      spec.arch = m.string("arch").value_or("");
      spec.secureboot = m.boolean("secureboot").value_or(false);
      spec.use_uki = m.boolean("useUKI").value_or(false);
      spec.boot_method = m.string("bootMethod").value_or("");
      spec.image_suffix = m.string("imageSuffix").value_or("");
      m.finish();
      c.machine_spec = spec;
    } else {
      c.machine_spec = MachineSpec{"", "", false, false, "", "", false};
    }
    c.filename_tmpl = r.string("filenameTmpl").value_or("");
  }

  std::vector<InlineManifest> inline_manifests(yaml::MapReader& r) {
    std::vector<InlineManifest> out;
    const yaml::Node* seq = r.sequence("inlineManifests");
    if (seq == nullptr) {
      return out;
    }
    for (size_t i = 0; i < seq->items().size(); ++i) {
      const yaml::Node& item = seq->items()[i];
      yaml::MapReader m(item, yaml::path_index(r.child_path("inlineManifests"), i), diags, "talconfig");
      InlineManifest im;
      im.name = m.string("name").value_or("");
      im.contents = m.string("contents").value_or("");
      im.skip_envsubst = m.boolean("skipEnvsubst").value_or(false);
      m.finish();
      if (!im.contents.empty() && im.contents.front() == '@') {
        std::string path = resolve(im.contents.substr(1));
        auto text = read_at_file(path, item.find("contents")->location(), "inline manifest");
        if (text) {
          im.contents = im.skip_envsubst ? *text : substitute(*text, path);
        }
      }
      out.push_back(std::move(im));
    }
    return out;
  }
};

template <typename T>
bool is_zero(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return !v;
  } else if constexpr (std::is_same_v<T, MachineSpec>) {
    return !v.declared;
  } else if constexpr (std::is_same_v<T, std::optional<yaml::Node>>) {
    return !v.has_value();
  } else {
    return v.empty();
  }
}

template <typename T>
void take_if_zero(T& node_value, const T& group_value) {
  if (is_zero(node_value)) {
    node_value = group_value;
  }
}

}  // namespace

// talhelper pkg/config/nodeconfigs.go mergeNodeConfigs: appends first, then every field falls back
// to the group's value when the node's is Go's zero value (so `overridePatches: true` with no node
// patches still inherits the group's patches, and a group `true` cannot be turned off per node).
void merge_node_configs(Node& node, const NodeConfigs& group) {
  if (!group.patches.empty() && !node.override_patches) {
    std::vector<Patch> merged = group.patches;
    merged.insert(merged.end(), node.patches.begin(), node.patches.end());
    node.patches = std::move(merged);
  }
  if (!group.extra_manifests.empty() && !node.override_extra_manifests) {
    node.extra_manifests.insert(node.extra_manifests.end(), group.extra_manifests.begin(), group.extra_manifests.end());
  }
  if (!group.cert_sans.empty() && !node.override_machine_cert_sans) {
    node.cert_sans.insert(node.cert_sans.end(), group.cert_sans.begin(), group.cert_sans.end());
  }
  take_if_zero(node.node_labels, group.node_labels);
  take_if_zero(node.node_annotations, group.node_annotations);
  take_if_zero(node.node_taints, group.node_taints);
  take_if_zero(node.kernel_modules, group.kernel_modules);
  take_if_zero(node.cert_sans, group.cert_sans);
  take_if_zero(node.nameservers, group.nameservers);
  take_if_zero(node.disable_search_domain, group.disable_search_domain);
  take_if_zero(node.network_interfaces, group.network_interfaces);
  take_if_zero(node.machine_files, group.machine_files);
  take_if_zero(node.machine_disks, group.machine_disks);
  take_if_zero(node.ingress_firewall, group.ingress_firewall);
  take_if_zero(node.extension_services, group.extension_services);
  take_if_zero(node.volumes, group.volumes);
  take_if_zero(node.user_volumes, group.user_volumes);
  take_if_zero(node.extra_manifests, group.extra_manifests);
  take_if_zero(node.patches, group.patches);
  if (node.talos_image_url.empty()) {
    node.talos_image_url = group.talos_image_url;
    node.talos_image_url_location = group.talos_image_url_location;
  }
  take_if_zero(node.schematic, group.schematic);
  take_if_zero(node.image_schematic, group.image_schematic);
  take_if_zero(node.no_schematic_validate, group.no_schematic_validate);
  take_if_zero(node.machine_spec, group.machine_spec);
  take_if_zero(node.filename_tmpl, group.filename_tmpl);
}

namespace {

// talhelper GetMachineSpec / GetFilenameTmpl defaults, applied after the merge.
void apply_node_defaults(NodeConfigs& c) {
  MachineSpec& m = c.machine_spec;
  if (m.mode.empty()) {
    m.mode = "metal";
  }
  if (m.arch.empty()) {
    m.arch = "amd64";
  }
  if (m.boot_method.empty()) {
    m.boot_method = "iso";
  }
}

bool is_bare_ipv6(const std::string& s) {
  return s.find(':') != std::string::npos && s.find("://") == std::string::npos &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; });
}

}  // namespace

Result<TalConfig> load_talconfig(const LoadOptions& opts, Diagnostics& diags) {
  TRY_ASSIGN(std::string text, read_file(opts.path));
  Loader l{opts, diags, dirname_of(opts.path), {}};

  const bool replace = opts.env_files_replace_defaults && !opts.env_files.empty();
  if (!replace) {
    for (const char* const* name = default_env_file_names(); *name != nullptr; ++name) {
      l.load_env_file(join_path(l.dir, *name), false);
    }
  }
  for (const auto& f : opts.env_files) {
    if (replace && !file_exists(f)) {
      diags.warning("talenv-missing", fmt::format("env file '{}' does not exist; skipped as talhelper does", f),
                    SourceLocation{f, 0, 0});
      continue;
    }
    l.load_env_file(f, true);
  }

  std::string substituted = l.substitute(text, opts.path);
  TRY_ASSIGN(yaml::Node root, yaml::parse_one(substituted, opts.path));

  TalConfig cfg;
  cfg.path = opts.path;
  cfg.dir = l.dir;
  cfg.raw = root;
  cfg.env = l.env;
  if (root.is_null()) {
    diags.error("talconfig-empty", "the file is empty", SourceLocation{opts.path, 1, 1});
    return cfg;
  }
  yaml::MapReader r(cfg.raw, "", diags, "talconfig");
  if (!r.ok()) {
    return fail(fmt::format("'{}' is not a talconfig: the document must be a mapping", opts.path),
                root.location(), "talconfig-type");
  }
  cfg.cluster_name = r.string("clusterName").value_or("");
  if (const yaml::Node* tv = r.get("talosVersion")) {
    cfg.talos_version = yaml::as_string(*tv, "talosVersion", diags, "talconfig-type").value_or("");
    if (tv->style() == yaml::Style::plain && tv->scalar_type() == yaml::ScalarType::floating) {
      diags.warning("talconfig-unquoted-version",
                    fmt::format("talosVersion {} is a number in YAML; talhelper re-encodes the document and may "
                                "read it differently (1.10 becomes 1.1)",
                                tv->value()),
                    tv->location(), fmt::format("quote it: talosVersion: \"v{}\"", tv->value()));
    }
  }
  if (cfg.talos_version.empty()) {
    cfg.talos_version = k_latest_talos_version;
  } else if (cfg.talos_version.front() != 'v') {
    cfg.talos_version = "v" + cfg.talos_version;
  }
  cfg.kubernetes_version = r.string("kubernetesVersion").value_or("");
  if (!cfg.kubernetes_version.empty() && cfg.kubernetes_version.front() == 'v') {
    cfg.kubernetes_version.erase(0, 1);
  }
  cfg.endpoint = r.string("endpoint").value_or("");
  cfg.domain = r.string("domain").value_or("cluster.local");
  if (cfg.domain.empty()) {
    cfg.domain = "cluster.local";
  }
  bool masters = r.boolean("allowSchedulingOnMasters").value_or(false);
  bool cps = r.boolean("allowSchedulingOnControlPlanes").value_or(false);
  cfg.allow_scheduling_on_control_planes = masters || cps;
  cfg.additional_machine_cert_sans = r.strings("additionalMachineCertSans").value_or(std::vector<std::string>{});
  cfg.additional_api_server_cert_sans = r.strings("additionalApiServerCertSans").value_or(std::vector<std::string>{});
  cfg.cluster_pod_nets = r.strings("clusterPodNets").value_or(std::vector<std::string>{});
  cfg.cluster_svc_nets = r.strings("clusterSvcNets").value_or(std::vector<std::string>{});
  bool v6 = is_bare_ipv6(cfg.endpoint);  // talhelper endpointisIPv6: netip.ParseAddr(endpoint)
  if (cfg.cluster_pod_nets.empty()) {
    cfg.cluster_pod_nets = {v6 ? "fc00:db8:10::/56" : "10.244.0.0/16"};
  }
  if (cfg.cluster_svc_nets.empty()) {
    cfg.cluster_svc_nets = {v6 ? "fc00:db8:20::/112" : "10.96.0.0/12"};
  }
  if (const yaml::Node* cni = r.mapping("cniConfig")) {
    yaml::MapReader c(*cni, "cniConfig", diags, "talconfig");
    c.string("name");
    c.strings("urls");
    c.mapping("flannel");
    c.finish();
    cfg.cni_config = *cni;
  }
  cfg.inline_manifests = l.inline_manifests(r);
  cfg.patches = l.patches(r);
  if (const yaml::Node* f = r.mapping("imageFactory")) {
    yaml::MapReader m(*f, "imageFactory", diags, "talconfig");
    ImageFactory& imf = cfg.image_factory;
    auto set = [](std::string& field, std::optional<std::string> v) {
      if (v && !v->empty()) {
        field = *v;
      }
    };
    set(imf.registry_url, m.string("registryURL"));
    set(imf.schematic_endpoint, m.string("schematicEndpoint"));
    set(imf.protocol, m.string("protocol"));
    set(imf.installer_url_tmpl, m.string("installerURLTmpl"));
    set(imf.iso_url_tmpl, m.string("ISOURLTmpl"));
    m.finish();
  }
  for (const char* group : {"controlPlane", "worker"}) {
    NodeConfigs& g = std::string_view(group) == "controlPlane" ? cfg.control_plane : cfg.worker;
    if (const yaml::Node* gn = r.mapping(group)) {
      yaml::MapReader gr(*gn, group, diags, "talconfig");
      l.node_configs(gr, g);
      gr.finish();
    } else {
      g.machine_spec = MachineSpec{"", "", false, false, "", "", false};
    }
  }
  if (const yaml::Node* ns = r.sequence("nodes")) {
    for (size_t i = 0; i < ns->items().size(); ++i) {
      const yaml::Node& item = ns->items()[i];
      Node node;
      node.location = item.location();
      node.raw = item;
      yaml::MapReader nr(item, yaml::path_index("nodes", i), diags, "talconfig");
      node.hostname = nr.string("hostname").value_or("");
      node.ip_address = nr.string("ipAddress").value_or("");
      node.control_plane = nr.boolean("controlPlane").value_or(false);
      node.install_disk = nr.string("installDisk").value_or("");
      if (const yaml::Node* sel = nr.mapping("installDiskSelector")) {
        yaml::MapReader s(*sel, nr.child_path("installDiskSelector"), diags, "talconfig");
        s.allow({"size", "name", "model", "serial", "modalias", "uuid", "wwid", "type", "busPath"});
        s.finish();
        node.install_disk_selector = *sel;
      }
      node.ignore_hostname = nr.boolean("ignoreHostname").value_or(false);
      node.override_patches = nr.boolean("overridePatches").value_or(false);
      node.override_extra_manifests = nr.boolean("overrideExtraManifests").value_or(false);
      node.override_machine_cert_sans = nr.boolean("overrideMachineCertSANs").value_or(false);
      l.node_configs(nr, node);
      nr.finish();
      merge_node_configs(node, node.control_plane ? cfg.control_plane : cfg.worker);
      apply_node_defaults(node);
      cfg.nodes.push_back(std::move(node));
    }
  }
  r.finish();
  apply_node_defaults(cfg.control_plane);
  apply_node_defaults(cfg.worker);

  validate_talconfig(cfg, diags);
  return cfg;
}

}  // namespace talgpu::talhelper
