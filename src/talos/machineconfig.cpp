// Machine config generation. The shape per contract follows talos
// pkg/machinery/config/generate/init.go (control plane; `controlplane.go` only changes the type)
// and worker.go; the byte layout is checked against Talos's own stability fixtures
// (pkg/machinery/config/types/v1alpha1/testdata/stability/v1.*).
//
// We build the documents in any order and let `canonicalize` sort them into the Go struct order,
// so that generation, patching and talconfig overrides share one notion of "where a key goes".

#include <talos/machineconfig.hpp>

#include <algorithm>
#include <cwctype>
#include <unordered_map>

#include <core/strings.hpp>
#include <talos/pki.hpp>
#include <yaml/emit.hpp>

namespace talgpu::talos {

using yaml::Node;

const char* machine_type_name(MachineType t) {
  return t == MachineType::controlplane ? "controlplane" : "worker";
}

namespace {

Node str_list(const std::vector<std::string>& items) {
  Node n = Node::sequence();
  for (const auto& s : items) {
    n.push_back(Node::string(s));
  }
  return n;
}

Node ca_node(const CertPair& p, bool with_key) {
  Node n = Node::mapping();
  n.set("crt", Node::string(pki::base64_encode(p.crt)));
  n.set("key", Node::string(with_key ? pki::base64_encode(p.key) : std::string()));
  return n;
}

// The host of the control plane endpoint URL ("https://[fd00::1]:6443" -> "fd00::1").
std::string endpoint_host(std::string_view url) {
  size_t scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    return std::string(rest.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  return std::string(rest.substr(0, rest.find(':')));
}

// k8s.DefaultPodSecurityAdmissionControlConfig (talos pkg/machinery/config/types/k8s).
Node pod_security_admission() {
  Node defaults = Node::mapping();
  defaults.set("audit", Node::string("restricted"));
  defaults.set("audit-version", Node::string("latest"));
  defaults.set("enforce", Node::string("baseline"));
  defaults.set("enforce-version", Node::string("latest"));
  defaults.set("warn", Node::string("restricted"));
  defaults.set("warn-version", Node::string("latest"));
  Node exemptions = Node::mapping();
  exemptions.set("namespaces", str_list({"kube-system"}));
  exemptions.set("runtimeClasses", Node::sequence());
  exemptions.set("usernames", Node::sequence());
  Node conf = Node::mapping();
  conf.set("apiVersion", Node::string("pod-security.admission.config.k8s.io/v1alpha1"));
  conf.set("defaults", std::move(defaults));
  conf.set("exemptions", std::move(exemptions));
  conf.set("kind", Node::string("PodSecurityConfiguration"));
  Node plugin = Node::mapping();
  plugin.set("name", Node::string("PodSecurity"));
  plugin.set("configuration", std::move(conf));
  Node list = Node::sequence();
  list.push_back(std::move(plugin));
  return list;
}

// v1alpha1.APIServerDefaultAuditPolicy.
Node default_audit_policy() {
  Node policy = Node::mapping();
  policy.set("apiVersion", Node::string("audit.k8s.io/v1"));
  policy.set("kind", Node::string("Policy"));
  Node rule = Node::mapping();
  rule.set("level", Node::string("Metadata"));
  Node rules = Node::sequence();
  rules.push_back(std::move(rule));
  policy.set("rules", std::move(rules));
  return policy;
}

// machine.install (v1alpha1 InstallConfig as generate/install.go fills it).
Node install_section(const GenOptions& o, const Contract& c) {
  Node install = Node::mapping();
  if (!o.install_disk.empty()) {
    install.set("disk", Node::string(o.install_disk));
  }
  if (!o.install_extra_kernel_args.empty()) {
    install.set("extraKernelArgs", str_list(o.install_extra_kernel_args));
  }
  if (!o.install_image.empty()) {
    install.set("image", Node::string(o.install_image));
  }
  install.set("wipe", Node::boolean(false));
  if (c.grub_use_uki_cmdline_default()) {
    install.set("grubUseUKICmdline", Node::boolean(true));
  }
  return install;
}

// machine.features: the defaults each version contract switches on (generate/features.go).
Node features_section(const Contract& c) {
  const bool hide_rbac = c.greater(1, 11);  // HideRBACAndKeyUsage (1.12)
  Node features = Node::mapping();
  if (!hide_rbac) {
    features.set("rbac", Node::boolean(true));
    if (c.stable_hostname_default()) {
      features.set("stableHostname", Node::boolean(true));
    }
    if (c.apid_ext_key_usage_default()) {
      features.set("apidCheckExtKeyUsage", Node::boolean(true));
    }
  }
  if (c.disk_quota_default()) {
    features.set("diskQuotaSupport", Node::boolean(true));
  }
  if (c.kubeprism_default()) {
    Node kp = Node::mapping();
    kp.set("enabled", Node::boolean(true));
    kp.set("port", Node::integer(7445));
    features.set("kubePrism", std::move(kp));
  }
  if (c.host_dns_default()) {
    Node dns = Node::mapping();
    dns.set("enabled", Node::boolean(true));
    if (c.host_dns_forward_kube_dns()) {
      dns.set("forwardKubeDNSToHost", Node::boolean(true));
    }
    features.set("hostDNS", std::move(dns));
  }
  return features;
}

Node machine_section(MachineType type, const GenOptions& o, const SecretsBundle& s, const std::string& k8s) {
  const Contract& c = o.contract;
  const bool cp = type == MachineType::controlplane;
  Node m = Node::mapping();
  m.set("type", Node::string(machine_type_name(type)));
  m.set("token", Node::string(s.trustd_token));
  m.set("ca", ca_node(s.os, cp));
  m.set("certSANs", str_list(o.additional_sans));
  Node kubelet = Node::mapping();
  kubelet.set("image", Node::string("ghcr.io/siderolabs/kubelet:v" + k8s));
  if (c.stable_hostname_default()) {
    kubelet.set("defaultRuntimeSeccompProfileEnabled", Node::boolean(true));
  }
  if (c.apid_ext_key_usage_default()) {
    kubelet.set("disableManifestsDirectory", Node::boolean(true));
  }
  m.set("kubelet", std::move(kubelet));
  if (!c.kubespan_multidoc()) {
    m.set("network", Node::mapping());
  }
  m.set("install", install_section(o, c));
  if (!o.sysctls.empty()) {
    Node sysctls = Node::mapping();
    for (const auto& [k, v] : o.sysctls) {
      sysctls.set(k, Node::string(v));
    }
    m.set("sysctls", std::move(sysctls));
  }
  if (!o.registry_mirrors.empty() && !c.multidoc_network()) {
    Node mirrors = Node::mapping();
    for (const auto& mirror : o.registry_mirrors) {
      mirrors.set(mirror.host, Node::mapping()).set("endpoints", str_list(mirror.endpoints));
    }
    m.set("registries", Node::mapping()).set("mirrors", std::move(mirrors));
  }
  m.set("features", features_section(c));
  if (cp && c.exclude_from_lb_label()) {
    m.set("nodeLabels", Node::mapping()).set("node.kubernetes.io/exclude-from-external-load-balancers", Node::string(""));
  }
  return m;
}

// cluster.apiServer of a control plane.
Node api_server_section(const GenOptions& o, const std::string& k8s) {
  const Contract& c = o.contract;
  Node api = Node::mapping();
  api.set("image", Node::string("registry.k8s.io/kube-apiserver:v" + k8s));
  // Input.GetAPIServerSANs: the endpoint host (until 1.11), then the additional SANs.
  std::vector<std::string> sans;
  if (!c.greater(1, 11)) {
    sans.push_back(endpoint_host(o.endpoint));
  }
  for (const auto& san : o.api_server_sans ? *o.api_server_sans : o.additional_sans) {
    if (std::find(sans.begin(), sans.end(), san) == sans.end()) {
      sans.push_back(san);
    }
  }
  if (!sans.empty()) {
    api.set("certSANs", str_list(sans));
  }
  if (!c.greater(1, 11)) {
    api.set("disablePodSecurityPolicy", Node::boolean(true));
  }
  api.set("admissionControl", pod_security_admission());
  if (c.greater(1, 2)) {
    api.set("auditPolicy", default_audit_policy());
  }
  return api;
}

Node cluster_section(MachineType type, const GenOptions& o, const SecretsBundle& s, const std::string& k8s) {
  const Contract& c = o.contract;
  const bool cp = type == MachineType::controlplane;
  Node cl = Node::mapping();
  cl.set("id", Node::string(s.cluster_id));
  cl.set("secret", Node::string(s.cluster_secret));
  Node control_plane = Node::mapping();
  control_plane.set("endpoint", Node::string(o.endpoint));
  if (cp && o.local_api_server_port != 0) {
    control_plane.set("localAPIServerPort", Node::integer(o.local_api_server_port));
  }
  cl.set("controlPlane", std::move(control_plane));
  if (cp || c.cluster_name_on_workers()) {
    cl.set("clusterName", Node::string(o.cluster_name));
  }
  Node net = Node::mapping();
  if (!o.cni_custom_url.empty()) {
    Node cni = Node::mapping();
    cni.set("name", Node::string("custom"));
    cni.set("urls", str_list({o.cni_custom_url}));
    net.set("cni", std::move(cni));
  }
  net.set("dnsDomain", Node::string(o.dns_domain));
  net.set("podSubnets", str_list(o.pod_subnets));
  net.set("serviceSubnets", str_list(o.service_subnets));
  cl.set("network", std::move(net));
  cl.set("token", Node::string(s.bootstrap_token));
  if (cp) {
    if (c.secretbox_encryption()) {
      cl.set("secretboxEncryptionSecret", Node::string(s.secretbox_encryption_secret));
    } else {
      cl.set("aescbcEncryptionSecret", Node::string(s.aescbc_encryption_secret));
    }
  }
  cl.set("ca", ca_node(s.k8s, cp));
  if (cp) {
    cl.set("aggregatorCA", ca_node(s.k8s_aggregator, true));
    cl.set("serviceAccount", Node::mapping()).set("key", Node::string(pki::base64_encode(s.k8s_service_account.key)));
    cl.set("apiServer", api_server_section(o, k8s));
    cl.set("controllerManager", Node::mapping()).set("image", Node::string("registry.k8s.io/kube-controller-manager:v" + k8s));
    cl.set("proxy", Node::mapping()).set("image", Node::string("registry.k8s.io/kube-proxy:v" + k8s));
    cl.set("scheduler", Node::mapping()).set("image", Node::string("registry.k8s.io/kube-scheduler:v" + k8s));
  }
  if (o.discovery) {
    Node disc = Node::mapping();
    disc.set("enabled", Node::boolean(true));
    Node regs = Node::mapping();
    if (c.greater(1, 1)) {
      regs.set("kubernetes", Node::mapping()).set("disabled", Node::boolean(true));
    }
    regs.set("service", Node::mapping());
    disc.set("registries", std::move(regs));
    cl.set("discovery", std::move(disc));
  }
  if (cp) {
    cl.set("etcd", Node::mapping()).set("ca", ca_node(s.etcd, true));
    if (o.allow_scheduling_on_control_planes) {
      cl.set(c.greater(1, 1) ? "allowSchedulingOnControlPlanes" : "allowSchedulingOnMasters", Node::boolean(true));
    }
  }
  return cl;
}

// The documents next to v1alpha1: RegistryMirrorConfig (1.12+), HostnameConfig (1.12+).
void extra_documents(const GenOptions& o, std::vector<Node>& docs) {
  const Contract& c = o.contract;
  if (c.multidoc_network()) {
    // generate/registry.go: one RegistryMirrorConfig per mirror, sorted by name, before the
    // network documents.
    std::vector<const RegistryMirror*> mirrors;
    for (const auto& mirror : o.registry_mirrors) {
      mirrors.push_back(&mirror);
    }
    std::stable_sort(mirrors.begin(), mirrors.end(),
                     [](const RegistryMirror* a, const RegistryMirror* b) { return a->host < b->host; });
    for (const auto* mirror : mirrors) {
      Node d = Node::mapping();
      d.set("apiVersion", Node::string("v1alpha1"));
      d.set("kind", Node::string("RegistryMirrorConfig"));
      d.set("name", Node::string(mirror->host));
      Node endpoints = Node::sequence();
      for (const auto& url : mirror->endpoints) {
        endpoints.push_back(Node::mapping()).set("url", Node::string(url));
      }
      d.set("endpoints", std::move(endpoints));
      docs.push_back(std::move(d));
    }
  }
  if (c.multidoc_hostname()) {
    Node hostname = Node::mapping();
    hostname.set("apiVersion", Node::string("v1alpha1"));
    hostname.set("kind", Node::string("HostnameConfig"));
    hostname.set("auto", Node::string("stable"));
    docs.push_back(std::move(hostname));
  }
}

}  // namespace

Result<std::vector<Node>> generate_config(MachineType type, const GenOptions& o, const SecretsBundle& s) {
  const Contract& c = o.contract;
  if (!c.at_least(1, 3) || c.greater(1, Contract::k_newest_minor)) {
    return fail("version contract " + c.str() + " is not supported (talgpu generates v1.3 to v1." +
                std::to_string(Contract::k_newest_minor) + " configs)");
  }
  if (o.cluster_name.empty()) {
    return fail("a cluster name is required");
  }
  if (o.endpoint.empty()) {
    return fail("a control plane endpoint is required");
  }
  std::string k8s = o.kubernetes_version;
  if (!k8s.empty() && k8s[0] == 'v') {
    k8s.erase(0, 1);
  }
  if (k8s.empty()) {
    return fail("a Kubernetes version is required");
  }
  Node doc = Node::mapping();
  doc.set("version", Node::string("v1alpha1"));
  doc.set("debug", Node::boolean(false));
  doc.set("persist", Node::boolean(true));
  doc.set("machine", machine_section(type, o, s, k8s));
  doc.set("cluster", cluster_section(type, o, s, k8s));
  std::vector<Node> docs;
  docs.push_back(std::move(doc));
  extra_documents(o, docs);
  canonicalize(docs);
  return docs;
}

std::string encode_config(const std::vector<Node>& docs) {
  return yaml::emit_stream(docs, yaml::goyaml_v3_options(4));
}

// ---------------------------------------------------------------------------------------------
// Key order.

bool goyaml_key_less(std::string_view a_text, std::string_view b_text) {
  // go-yaml v3 sorter.go (keyList.Less) for two string keys, on Unicode code points.
  auto decode = [](std::string_view s) {
    std::vector<char32_t> out;
    for (size_t i = 0; i < s.size();) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
      char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
      for (int k = 1; k < len && i + k < s.size(); ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
      }
      out.push_back(cp);
      i += static_cast<size_t>(len);
    }
    return out;
  };
  auto is_digit = [](char32_t r) { return r >= '0' && r <= '9'; };
  auto is_letter = [](char32_t r) { return std::iswalpha(static_cast<wint_t>(r)) != 0; };
  auto ar = decode(a_text);
  auto br = decode(b_text);
  bool digits = false;
  for (size_t i = 0; i < ar.size() && i < br.size(); ++i) {
    if (ar[i] == br[i]) {
      digits = is_digit(ar[i]);
      continue;
    }
    bool al = is_letter(ar[i]);
    bool bl = is_letter(br[i]);
    if (al && bl) {
      return ar[i] < br[i];
    }
    if (al || bl) {
      return digits ? al : bl;
    }
    int64_t an = 0;
    int64_t bn = 0;
    if (ar[i] == '0' || br[i] == '0') {
      for (size_t j = i; j-- > 0 && is_digit(ar[j]);) {
        if (ar[j] != '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    size_t ai = i;
    size_t bi = i;
    for (; ai < ar.size() && is_digit(ar[ai]); ++ai) {
      an = an * 10 + static_cast<int64_t>(ar[ai] - '0');
    }
    for (; bi < br.size() && is_digit(br[bi]); ++bi) {
      bn = bn * 10 + static_cast<int64_t>(br[bi] - '0');
    }
    if (an != bn) {
      return an < bn;
    }
    if (ai != bi) {
      return ai < bi;
    }
    return ar[i] < br[i];
  }
  return ar.size() < br.size();
}

namespace {

const SchemaDef* find_def(std::string_view name) {
  static const auto k_index = [] {
    std::unordered_map<std::string, const SchemaDef*> index;
    for (const auto& d : schema_order_defs()) {
      index.emplace(d.name, &d);
    }
    return index;
  }();
  auto it = k_index.find(std::string(name));
  return it == k_index.end() ? nullptr : it->second;
}

const SchemaDef* def_for_kind(std::string_view kind) {
  for (const auto& d : schema_order_defs()) {
    if (kind == d.kind) {
      return &d;
    }
  }
  return nullptr;
}

void sort_unstructured(Node& n) {
  if (n.is_mapping()) {
    std::stable_sort(n.entries().begin(), n.entries().end(), [](const yaml::MapEntry& a, const yaml::MapEntry& b) {
      return goyaml_key_less(a.key.value(), b.key.value());
    });
    for (auto& e : n.entries()) {
      sort_unstructured(e.value);
    }
  } else if (n.is_sequence()) {
    for (auto& item : n.items()) {
      sort_unstructured(item);
    }
  }
}

void order_struct(Node& n, const SchemaDef& def);

void order_value(Node& value, const SchemaProp& prop) {
  switch (prop.shape) {
    case 'o':
      if (const auto* d = find_def(prop.ref); d != nullptr && value.is_mapping()) {
        order_struct(value, *d);
      }
      break;
    case 'a':
      if (const auto* d = find_def(prop.ref); d != nullptr && value.is_sequence()) {
        for (auto& item : value.items()) {
          if (item.is_mapping()) {
            order_struct(item, *d);
          }
        }
      }
      break;
    case 'm':
      if (value.is_mapping()) {
        std::stable_sort(value.entries().begin(), value.entries().end(),
                         [](const yaml::MapEntry& a, const yaml::MapEntry& b) {
                           return goyaml_key_less(a.key.value(), b.key.value());
                         });
        if (const auto* d = find_def(prop.ref); d != nullptr) {
          for (auto& e : value.entries()) {
            if (e.value.is_mapping()) {
              order_struct(e.value, *d);
            }
          }
        }
      }
      break;
    case 'u':
      sort_unstructured(value);
      break;
    default:
      break;
  }
}

void order_struct(Node& n, const SchemaDef& def) {
  auto rank = [&def](const std::string& key) -> size_t {
    for (size_t i = 0; i < def.props.size(); ++i) {
      if (key == def.props[i].name) {
        return i;
      }
    }
    return def.props.size();
  };
  std::stable_sort(n.entries().begin(), n.entries().end(), [&rank](const yaml::MapEntry& a, const yaml::MapEntry& b) {
    return rank(a.key.value()) < rank(b.key.value());
  });
  for (auto& e : n.entries()) {
    size_t r = rank(e.key.value());
    if (r < def.props.size()) {
      order_value(e.value, def.props[r]);
    }
  }
}

}  // namespace

void canonicalize(Node& doc) {
  if (!doc.is_mapping()) {
    return;
  }
  const SchemaDef* def = nullptr;
  if (const Node* kind = doc.find("kind"); kind != nullptr && kind->is_scalar()) {
    def = def_for_kind(kind->value());
  } else if (doc.contains("version")) {
    def = find_def("v1alpha1.Config");
  }
  if (def != nullptr) {
    order_struct(doc, *def);
  }
}

void canonicalize(std::vector<Node>& docs) {
  for (auto& d : docs) {
    canonicalize(d);
  }
}

std::string document_id(const Node& doc) {
  if (!doc.is_mapping()) {
    return {};
  }
  const Node* kind = doc.find("kind");
  if (kind == nullptr && doc.contains("version")) {
    return "v1alpha1";
  }
  auto text = [&doc](std::string_view key) {
    const Node* n = doc.find(key);
    return n != nullptr && n->is_scalar() ? n->value() : std::string();
  };
  return text("apiVersion") + "/" + text("kind") + "/" + text("name");
}

// talos pkg/machinery/config/generate/secrets/bundle.go NewBundleFromConfig: which config
// field feeds which bundle key.
Result<yaml::Node> secrets_node_from_config(const std::vector<yaml::Node>& docs) {
  const yaml::Node* main = nullptr;
  for (const auto& d : docs) {
    if (d.is_mapping() && (d.contains("machine") || d.contains("cluster"))) {
      main = &d;
      break;
    }
  }
  if (main == nullptr) {
    return fail("no v1alpha1 machine config document (with machine: and cluster:) found", {}, "secrets-from-config");
  }
  auto at = [&](std::initializer_list<std::string_view> path) -> const yaml::Node* {
    const yaml::Node* n = main;
    for (auto key : path) {
      n = n != nullptr && n->is_mapping() ? n->find(key) : nullptr;
    }
    return n;
  };
  auto copy = [&](yaml::Node& into, std::string_view key, std::initializer_list<std::string_view> path) {
    if (const yaml::Node* n = at(path); n != nullptr && !n->is_null()) {
      into.set(key, *n);
    }
  };
  yaml::Node root = yaml::Node::mapping();
  root.set_mark(main->mark());
  yaml::Node& cluster = root.set("cluster", yaml::Node::mapping());
  copy(cluster, "id", {"cluster", "id"});
  copy(cluster, "secret", {"cluster", "secret"});
  yaml::Node& secrets = root.set("secrets", yaml::Node::mapping());
  copy(secrets, "bootstraptoken", {"cluster", "token"});
  copy(secrets, "aescbcencryptionsecret", {"cluster", "aescbcEncryptionSecret"});
  copy(secrets, "secretboxencryptionsecret", {"cluster", "secretboxEncryptionSecret"});
  copy(root.set("trustdinfo", yaml::Node::mapping()), "token", {"machine", "token"});
  yaml::Node& certs = root.set("certs", yaml::Node::mapping());
  auto pair = [&](std::string_view key, std::initializer_list<std::string_view> path, bool with_crt) {
    yaml::Node& p = certs.set(key, yaml::Node::mapping());
    if (const yaml::Node* n = at(path); n != nullptr && n->is_mapping()) {
      p.set_mark(n->mark());
      if (with_crt) {
        if (const yaml::Node* crt = n->find("crt")) {
          p.set("crt", *crt);
        }
      }
      if (const yaml::Node* key_node = n->find("key")) {
        p.set("key", *key_node);
      }
    }
  };
  pair("etcd", {"cluster", "etcd", "ca"}, true);
  pair("k8s", {"cluster", "ca"}, true);
  pair("k8saggregator", {"cluster", "aggregatorCA"}, true);
  pair("k8sserviceaccount", {"cluster", "serviceAccount"}, false);
  pair("os", {"machine", "ca"}, true);
  return root;
}

}  // namespace talgpu::talos
