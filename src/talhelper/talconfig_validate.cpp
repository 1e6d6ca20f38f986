#include <talhelper/talconfig_validate.hpp>

#include <arpa/inet.h>
#include <charconv>
#include <regex>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include <core/fs.hpp>
#include <core/strings.hpp>
#include <imagefactory/extensions_catalog.hpp>

namespace talgpu::talhelper {

using imagefactory::catalog_extensions;
using imagefactory::catalog_has_version;
using imagefactory::catalog_nearest_version;
using imagefactory::catalog_overlays;

// ---------------------------------------------------------------------------------------------
// Building blocks.

bool is_valid_hostname(std::string_view s) {
  static const std::regex k_re(R"(^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$)");
  return !s.empty() && s.size() <= 253 && std::regex_match(s.begin(), s.end(), k_re);
}

bool is_valid_domain(std::string_view s) {
  // talhelper pkg/config/validate/validator.go IsDomain.
  static const std::regex k_re(R"(^([a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})(\.[a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})*[._]?$)");
  size_t dots = static_cast<size_t>(std::count(s.begin(), s.end(), '.'));
  return !s.empty() && s.size() - dots <= 255 && std::regex_match(s.begin(), s.end(), k_re);
}

bool is_valid_ip(std::string_view s) {
  std::string t(s);
  unsigned char buf[16];
  return inet_pton(AF_INET, t.c_str(), buf) == 1 || inet_pton(AF_INET6, t.c_str(), buf) == 1;
}

bool is_valid_cidr(std::string_view s) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) {
    return false;
  }
  std::string ip(s.substr(0, slash));
  std::string_view bits = s.substr(slash + 1);
  unsigned char buf[16];
  int max = 0;
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) {
    max = 32;
  } else if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) {
    max = 128;
  } else {
    return false;
  }
  int n = -1;
  auto r = std::from_chars(bits.data(), bits.data() + bits.size(), n);
  return r.ec == std::errc() && r.ptr == bits.data() + bits.size() && n >= 0 && n <= max;
}

std::string validate_endpoint_uri(std::string_view ep) {
  size_t sep = ep.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return "missing scheme: write it as https://<host>:<port>";
  }
  static const std::regex k_scheme(R"(^[a-zA-Z][a-zA-Z0-9+.-]*$)");
  std::string_view scheme = ep.substr(0, sep);
  if (!std::regex_match(scheme.begin(), scheme.end(), k_scheme)) {
    return fmt::format("invalid scheme '{}'", scheme);
  }
  std::string_view rest = ep.substr(sep + 3);
  std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = host.rfind('@'); at != std::string_view::npos) {
    host = host.substr(at + 1);
  }
  std::string_view hostname = host;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) {
      return "missing ']' in host";
    }
    hostname = host.substr(1, close - 1);
    std::string_view after = host.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return "invalid port after host";
      }
      port = after.substr(1);
    }
  } else {
    if (std::count(host.begin(), host.end(), ':') > 1) {
      return "IPv6 addresses MUST be enclosed by square brackets";
    }
    if (size_t colon = host.find(':'); colon != std::string_view::npos) {
      hostname = host.substr(0, colon);
      port = host.substr(colon + 1);
    }
  }
  if (hostname.empty()) {
    return "hostname must not be blank";
  }
  if (!port.empty()) {
    int p = 0;
    auto r = std::from_chars(port.data(), port.data() + port.size(), p);
    if (r.ec != std::errc() || r.ptr != port.data() + port.size()) {
      return "port number must be numeric";
    }
    if (p < 1 || p > 65535) {
      return "port number must be between 1 and 65535";
    }
  }
  return {};
}

namespace {

// Kubernetes apimachinery validation.IsQualifiedName / IsDNS1123Subdomain / IsValidLabelValue.
const std::regex& qualified_name_re() {
  static const std::regex k_re(R"(^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$)");
  return k_re;
}

bool is_dns1123_subdomain(std::string_view s) {
  static const std::regex k_re(R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)");
  return !s.empty() && s.size() <= 253 && std::regex_match(s.begin(), s.end(), k_re);
}

}  // namespace

std::string validate_label_key(std::string_view key) {
  std::string_view name = key;
  if (size_t slash = key.find('/'); slash != std::string_view::npos) {
    std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty()) {
      return "prefix part must be non-empty";
    }
    if (!is_dns1123_subdomain(prefix)) {
      return fmt::format("prefix part '{}' must be a lowercase RFC 1123 subdomain", prefix);
    }
  }
  if (name.empty()) {
    return "name part must be non-empty";
  }
  if (name.size() > 63) {
    return "name part must be no more than 63 characters";
  }
  if (!std::regex_match(name.begin(), name.end(), qualified_name_re())) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
           "alphanumeric character";
  }
  return {};
}

std::string validate_label_value(std::string_view value) {
  if (value.empty()) {
    return {};
  }
  if (value.size() > 63) {
    return "must be no more than 63 characters";
  }
  if (!std::regex_match(value.begin(), value.end(), qualified_name_re())) {
    return "must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
           "alphanumeric character";
  }
  return {};
}

std::string validate_taint(std::string_view key, std::string_view value) {
  // Talos pkg/machinery/labels ValidateTaints: "value:Effect" or "Effect"; the effect is required.
  if (std::string e = validate_label_key(key); !e.empty()) {
    return fmt::format("invalid taint key '{}': {}", key, e);
  }
  std::string_view val;
  std::string_view effect = value;
  if (size_t colon = value.rfind(':'); colon != std::string_view::npos) {
    val = value.substr(0, colon);
    effect = value.substr(colon + 1);
  }
  if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute") {
    return fmt::format("invalid taint effect '{}' for '{}': must be NoSchedule, PreferNoSchedule or NoExecute "
                       "(write the value as \"value:Effect\" or \"Effect\")",
                       effect, key);
  }
  if (std::string e = validate_label_value(val); !e.empty()) {
    return fmt::format("invalid taint value '{}': {}", val, e);
  }
  return {};
}

std::optional<KubernetesRange> kubernetes_range_for_talos(const Version& talos) {
  struct Row {
    int minor;
    int kmin;
    int kmax;
  };
  // siderolabs/talos pkg/machinery/compatibility/talos1X/talos1X.go: Minimum..Maximum(1.X.99).
  static const Row k_rows[] = {{2, 23, 25},  {3, 24, 26},  {4, 25, 27},  {5, 26, 28},  {6, 27, 29},
                               {7, 25, 30},  {8, 26, 31},  {9, 27, 32},  {10, 28, 33}, {11, 29, 34},
                               {12, 30, 35}, {13, 31, 36}, {14, 32, 37}, {15, 33, 38}};
  if (talos.major != 1) {
    return std::nullopt;
  }
  for (const auto& r : k_rows) {
    if (r.minor == talos.minor) {
      return KubernetesRange{Version{1, r.kmin, 0, {}}, Version{1, r.kmax, 99, {}}};
    }
  }
  return std::nullopt;
}

std::string check_kubernetes_compat(std::string_view talos_version, std::string_view kubernetes_version) {
  auto t = Version::parse(talos_version);
  if (!t) {
    return fmt::format("cannot check Kubernetes compatibility: '{}' is not a Talos version", talos_version);
  }
  auto k = Version::parse(kubernetes_version);
  if (!k) {
    return fmt::format("'{}' is not a Kubernetes version", kubernetes_version);
  }
  auto range = kubernetes_range_for_talos(*t);
  if (!range) {
    return fmt::format("compatibility with version {} is not supported", t->str());
  }
  // Talos compares major.minor.patch only (pre-release tags ignored).
  Version core{k->major, k->minor, k->patch, {}};
  if (core < range->minimum) {
    return fmt::format("version of Kubernetes {} is too old to be used with Talos {} (supported: {}.{} to {}.{})",
                       k->str(), t->str(), range->minimum.major, range->minimum.minor, range->maximum.major,
                       range->maximum.minor);
  }
  if (!(core < range->maximum)) {
    return fmt::format("version of Kubernetes {} is too new to be used with Talos {} (supported: {}.{} to {}.{})",
                       k->str(), t->str(), range->minimum.major, range->minimum.minor, range->maximum.major,
                       range->maximum.minor);
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// The validator.

namespace {

struct Validator {
  const TalConfig& cfg;
  Diagnostics& diags;

  SourceLocation top(std::string_view key) const {
    if (cfg.raw.is_mapping()) {
      if (const yaml::MapEntry* e = cfg.raw.find_entry(key)) {
        return e->value.location();
      }
    }
    return SourceLocation{cfg.path, 1, 1};
  }

  SourceLocation item_location(const yaml::Node* seq, size_t i, const SourceLocation& fallback) const {
    if (seq != nullptr && seq->is_sequence() && i < seq->items().size()) {
      return seq->items()[i].location();
    }
    return fallback;
  }

  void required(std::string_view key, bool missing) {
    if (missing) {
      diags.error("talconfig-required", fmt::format("'{}' is required to be not empty", key), top(key));
    }
  }

  void top_level() {
    required("clusterName", cfg.cluster_name.empty());
    required("kubernetesVersion", cfg.kubernetes_version.empty());
    required("endpoint", cfg.endpoint.empty());
    required("nodes", cfg.nodes.empty());

    // talhelper checkSupportedTalosVersion: listed -> ok; known minor -> warning; else error.
    auto tv = Version::parse(cfg.talos_version);
    if (!catalog_has_version(cfg.talos_version)) {
      std::string nearest = catalog_nearest_version(cfg.talos_version);
      if (tv && !nearest.empty()) {
        diags.warning("talconfig-talos-version",
                      fmt::format("'talosVersion' {} is not a known Talos release and might not be compatible",
                                  cfg.talos_version),
                      top("talosVersion"), fmt::format("the newest known {}.{} release is {}", tv->major, tv->minor, nearest));
      } else {
        diags.error("talconfig-talos-version", fmt::format("'talosVersion' {} is not a supported Talos version", cfg.talos_version),
                    top("talosVersion"));
      }
    }
    if (!cfg.kubernetes_version.empty() && tv) {
      if (std::string e = check_kubernetes_compat(cfg.talos_version, cfg.kubernetes_version); !e.empty()) {
        diags.error("talconfig-k8s-version", fmt::format("'kubernetesVersion': {}", e), top("kubernetesVersion"));
      }
    }
    if (!cfg.endpoint.empty()) {
      if (std::string e = validate_endpoint_uri(cfg.endpoint); !e.empty()) {
        diags.error("talconfig-endpoint", fmt::format("'endpoint' {} is not a valid URL: {}", quoted(cfg.endpoint), e),
                    top("endpoint"));
      }
    }
    if (!is_valid_domain(cfg.domain)) {
      diags.error("talconfig-domain", fmt::format("'domain' {} is not a valid domain", quoted(cfg.domain)), top("domain"));
    }
    for (const char* key : {"clusterPodNets", "clusterSvcNets"}) {
      const auto& nets = std::string_view(key) == "clusterPodNets" ? cfg.cluster_pod_nets : cfg.cluster_svc_nets;
      const yaml::Node* seq = cfg.raw.is_mapping() ? cfg.raw.find(key) : nullptr;
      for (size_t i = 0; i < nets.size(); ++i) {
        if (!is_valid_cidr(nets[i])) {
          diags.error("talconfig-cidr", fmt::format("'{}[{}]' {} is not a CIDR", key, i, quoted(nets[i])),
                      item_location(seq, i, top(key)));
        }
      }
    }
    if (cfg.cni_config) {
      const yaml::Node* name = cfg.cni_config->find("name");
      const yaml::Node* urls = cfg.cni_config->find("urls");
      std::string n = name != nullptr ? name->value() : "";
      bool has_urls = urls != nullptr && urls->is_sequence() && !urls->items().empty();
      if (n != "none" && n != "flannel" && n != "custom") {
        diags.error("talconfig-cni", fmt::format("'cniConfig.name' {} must be none, flannel or custom", quoted(n)),
                    name != nullptr ? name->location() : top("cniConfig"));
      } else if (n == "custom" && !has_urls) {
        diags.error("talconfig-cni", "'cniConfig.urls' is required when the CNI name is custom", top("cniConfig"));
      } else if (n != "custom" && has_urls) {
        diags.error("talconfig-cni", fmt::format("'cniConfig.urls' is only allowed with the custom CNI, not {}", n),
                    urls->location());
      }
    }
    const yaml::Node* ims = cfg.raw.is_mapping() ? cfg.raw.find("inlineManifests") : nullptr;
    for (size_t i = 0; i < cfg.inline_manifests.size(); ++i) {
      const auto& im = cfg.inline_manifests[i];
      if (im.name.empty() || im.contents.empty()) {
        diags.error("talconfig-inline-manifest",
                    fmt::format("'inlineManifests[{}]' needs both a name and contents", i),
                    item_location(ims, i, top("inlineManifests")));
      }
    }
  }

  void labels(const std::vector<KeyValue>& kvs, std::string_view path, bool annotations) {
    for (const auto& kv : kvs) {
      bool templated = kv.value.find("{{") != std::string::npos || kv.value.find("}}") != std::string::npos;
      std::string p = yaml::path_join(path, kv.key);
      if (std::string e = validate_label_key(kv.key); !e.empty()) {
        diags.error(annotations ? "talconfig-annotation" : "talconfig-label",
                    fmt::format("'{}': invalid {} key {}: {}", p, annotations ? "annotation" : "label", quoted(kv.key), e),
                    kv.location);
      }
      if (!annotations && !templated) {
        if (std::string e = validate_label_value(kv.value); !e.empty()) {
          diags.error("talconfig-label", fmt::format("'{}': invalid label value {}: {}", p, quoted(kv.value), e),
                      kv.location);
        }
      }
    }
  }

  void schematic(const yaml::Node& s, std::string_view path, const Node& node) {
    if (node.no_schematic_validate || cfg.image_factory.registry_url != "factory.talos.dev") {
      return;
    }
    std::string version = catalog_has_version(cfg.talos_version) ? cfg.talos_version
                                                                  : catalog_nearest_version(cfg.talos_version);
    if (version.empty()) {
      return;  // the unknown version is reported once, at talosVersion
    }
    const yaml::Node* cust = s.find("customization");
    const yaml::Node* sys = cust != nullptr ? cust->find("systemExtensions") : nullptr;
    const yaml::Node* exts = sys != nullptr ? sys->find("officialExtensions") : nullptr;
    if (exts != nullptr && exts->is_sequence()) {
      std::vector<std::string> known = catalog_extensions(version);
      std::set<std::string> seen;
      for (size_t i = 0; i < exts->items().size(); ++i) {
        const yaml::Node& e = exts->items()[i];
        std::string p = fmt::format("{}.customization.systemExtensions.officialExtensions[{}]", path, i);
        if (!std::binary_search(known.begin(), known.end(), e.value())) {
          diags.error("talconfig-extension",
                      fmt::format("'{}': {} is not an official extension for Talos {}{}", p, quoted(e.value()), version,
                                  did_you_mean(e.value(), known)),
                      e.location());
        }
        if (!seen.insert(e.value()).second) {
          diags.error("talconfig-duplicate-extension", fmt::format("'{}': duplicate system extension {}", p, quoted(e.value())),
                      e.location());
        }
      }
    }
    if (const yaml::Node* ov = s.find("overlay"); ov != nullptr && ov->is_mapping()) {
      const yaml::Node* name = ov->find("name");
      const yaml::Node* image = ov->find("image");
      std::string n = name != nullptr ? name->value() : "";
      std::string im = image != nullptr ? image->value() : "";
      bool found = false;
      std::vector<std::string> names;
      for (const auto& o : catalog_overlays(version)) {
        found = found || (o.name == n && o.image == im);
        names.push_back(o.name);
      }
      if (!found) {
        diags.error("talconfig-overlay",
                    fmt::format("'{}.overlay': {} (image {}) is not an official overlay for Talos {}{}", path, quoted(n),
                                quoted(im), version, did_you_mean(n, names)),
                    ov->location());
      }
    }
  }

  void node(const Node& n, size_t idx, std::set<std::string>& hostnames) {
    std::string path = fmt::format("nodes[{}]", idx);
    auto loc = [&](std::string_view key) { return n.field_location(key); };
    if (n.hostname.empty()) {
      diags.error("talconfig-required", fmt::format("'{}.hostname' is required to be not empty", path), n.location);
    } else {
      if (!is_valid_hostname(n.hostname)) {
        diags.error("talconfig-hostname", fmt::format("'{}.hostname' {} is not a valid hostname", path, quoted(n.hostname)),
                    loc("hostname"), "use letters, digits and '-' (RFC 1123), dots between labels");
      }
      if (!hostnames.insert(n.hostname).second) {
        diags.error("talconfig-duplicate-hostname",
                    fmt::format("'{}.hostname' {} is used by another node", path, quoted(n.hostname)), loc("hostname"));
      }
    }
    if (n.ip_address.empty()) {
      diags.error("talconfig-required", fmt::format("'{}.ipAddress' is required to be not empty", path), n.location);
    } else {
      for (const auto& ip : n.ip_addresses()) {
        if (!is_valid_ip(ip) && !is_valid_domain(ip)) {
          diags.error("talconfig-ip", fmt::format("'{}.ipAddress' {} is not a valid domain or IP address", path, quoted(ip)),
                      loc("ipAddress"));
        }
      }
    }
    if (n.install_disk.empty() && !n.install_disk_selector) {
      diags.error("talconfig-install-disk",
                  fmt::format("'{}' needs 'installDisk' or 'installDiskSelector'", path), n.location);
    }
    labels(n.node_labels, path + ".nodeLabels", false);
    labels(n.node_annotations, path + ".nodeAnnotations", true);
    for (const auto& t : n.node_taints) {
      if (std::string e = validate_taint(t.key, t.value); !e.empty()) {
        diags.error("talconfig-taint", fmt::format("'{}.nodeTaints.{}': {}", path, t.key, e), t.location);
      }
    }
    if (n.schematic) {
      schematic(*n.schematic, path + ".schematic", n);
    }
    for (size_t i = 0; i < n.nameservers.size(); ++i) {
      if (!is_valid_ip(n.nameservers[i])) {
        diags.error("talconfig-nameserver",
                    fmt::format("'{}.nameservers[{}]' {} is not an IP address", path, i, quoted(n.nameservers[i])),
                    loc("nameservers"));
      }
    }
    if (!n.talos_image_url.empty()) {
      std::string_view u = n.talos_image_url;
      std::string_view last = u.substr(u.rfind('/') == std::string_view::npos ? 0 : u.rfind('/') + 1);
      if (last.find(':') != std::string_view::npos || u.find('@') != std::string_view::npos) {
        diags.error("talconfig-image-url",
                    fmt::format("'{}.talosImageURL' {} must not contain a tag or digest (talhelper appends the Talos version)",
                                path, quoted(n.talos_image_url)),
                    n.talos_image_url_location);
      }
    }
    if (n.machine_files && n.machine_files->is_sequence()) {
      for (size_t i = 0; i < n.machine_files->items().size(); ++i) {
        const yaml::Node& f = n.machine_files->items()[i];
        const yaml::Node* op = f.find("op");
        const yaml::Node* p = f.find("path");
        std::string ov = op != nullptr ? op->value() : "";
        if (ov != "create" && ov != "append" && ov != "overwrite") {
          diags.error("talconfig-machine-file",
                      fmt::format("'{}.machineFiles[{}].op' {} is not a valid operation (create, append, overwrite)", path,
                                  i, quoted(ov)),
                      op != nullptr ? op->location() : f.location());
        }
        std::string pv = p != nullptr ? p->value() : "";
        if (pv.empty() || pv.front() != '/') {
          diags.error("talconfig-machine-file",
                      fmt::format("'{}.machineFiles[{}].path' {} is not an absolute Unix path", path, i, quoted(pv)),
                      p != nullptr ? p->location() : f.location());
        }
      }
    }
    const std::string& bm = n.machine_spec.boot_method;
    if (bm != "iso" && bm != "disk-image" && bm != "pxe") {
      diags.error("talconfig-machine-spec",
                  fmt::format("'{}.machineSpec.bootMethod' {} must be iso, disk-image or pxe", path, quoted(bm)),
                  loc("machineSpec"));
    }
    if (n.machine_disks) {
      diags.warning("talconfig-deprecated", fmt::format("'{}.machineDisks' is deprecated; use userVolumes", path),
                    n.machine_disks->location());
    }
    if (!n.extra_manifests.empty()) {
      diags.warning("talconfig-deprecated",
                    fmt::format("'{}.extraManifests' is deprecated; use patches or inlineManifests", path),
                    loc("extraManifests"));
      for (const auto& m : n.extra_manifests) {
        if (!file_exists(m)) {
          diags.error("talconfig-extra-manifest", fmt::format("'{}.extraManifests': file '{}' does not exist", path, m),
                      loc("extraManifests"));
        }
      }
    }
    if (n.user_volumes && n.user_volumes->is_sequence()) {
      std::set<std::string> names;
      for (const auto& v : n.user_volumes->items()) {
        const yaml::Node* nm = v.find("name");
        if (nm != nullptr && !names.insert(nm->value()).second) {
          diags.error("talconfig-user-volume",
                      fmt::format("'{}.userVolumes': duplicate volume name {}", path, quoted(nm->value())), nm->location());
        }
      }
    }
  }

  void run() {
    top_level();
    std::set<std::string> hostnames;
    for (size_t i = 0; i < cfg.nodes.size(); ++i) {
      node(cfg.nodes[i], i, hostnames);
    }
  }
};

}  // namespace

void validate_talconfig(const TalConfig& cfg, Diagnostics& diags) {
  Diagnostics found;
  Validator{cfg, found}.run();
  // A group value (labels, schematic, ...) is merged into every node of the group: report a
  // problem in it once, at its location, not once per node.
  std::set<std::tuple<std::string, std::string, int, int>> seen;
  for (const auto& d : found.items()) {
    if (d.location.line == 0 || seen.emplace(d.rule, d.location.file, d.location.line, d.location.column).second) {
      diags.add(d);
    }
  }
}

}  // namespace talgpu::talhelper
