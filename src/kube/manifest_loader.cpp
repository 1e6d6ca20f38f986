// Manifest loading: files, folders, kustomizations, Lists, Flux objects; see manifest_loader.hpp.
//
// We read Kubernetes objects leniently, like the API server's decoder does for fields we do not
// model: unknown fields are ignored (no "unknown key" noise on real manifests), but a field we do
// model with the wrong type is a located error, because the API server would reject the object.

#include <kube/manifest_loader.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_set>

#include <dirent.h>
#include <sched.h>

#include <fmt/format.h>

#include <core/fs.hpp>
#include <core/prefetch.hpp>
#include <kube/labels.hpp>
#include <yaml/document.hpp>
#include <yaml/reader.hpp>

namespace talgpu::kube {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_type = "manifest-type";
constexpr const char* k_missing = "manifest-missing-key";

// Typed field access on a mapping with located type errors.
class Fields {
 public:
  Fields(const yaml::Node* node, std::string path, Diagnostics& diags)
      : m_node(node && node->is_mapping() ? node : nullptr), m_path(std::move(path)), m_diags(diags) {
    if (node && !node->is_mapping() && !node->is_null()) {
      diags.error(k_type, fmt::format("'{}' must be a mapping, not {}", m_path, yaml::describe_kind(*node)),
                  node->location());
    }
  }

  bool ok() const { return m_node != nullptr; }
  const yaml::Node* node() const { return m_node; }
  std::string child(std::string_view key) const { return yaml::path_join(m_path, key); }
  SourceLocation location() const { return m_node ? m_node->location() : SourceLocation{}; }

  const yaml::Node* get(std::string_view key) const {
    if (!m_node) {
      return nullptr;
    }
    const yaml::Node* n = m_node->find(key);
    return n && !n->is_null() ? n : nullptr;
  }
  SourceLocation key_location(std::string_view key) const {
    if (!m_node) {
      return {};
    }
    const yaml::MapEntry* e = m_node->find_entry(key);
    return e ? e->key.location() : location();
  }

  std::optional<std::string> str(std::string_view key) const {
    const yaml::Node* n = get(key);
    if (!n) {
      return std::nullopt;
    }
    if (!n->is_scalar()) {
      type_error(*n, key, "a string");
      return std::nullopt;
    }
    return n->value();
  }
  std::string str_or(std::string_view key, std::string dflt = {}) const { return str(key).value_or(std::move(dflt)); }

  std::optional<bool> boolean(std::string_view key) const {
    const yaml::Node* n = get(key);
    if (!n) {
      return std::nullopt;
    }
    if (!n->is_scalar() || n->scalar_type() != yaml::ScalarType::boolean) {
      type_error(*n, key, "true or false");
      return std::nullopt;
    }
    return n->value() == "true" || n->value() == "True" || n->value() == "TRUE";
  }

  std::optional<int64_t> integer(std::string_view key) const {
    const yaml::Node* n = get(key);
    if (!n) {
      return std::nullopt;
    }
    return yaml::as_int(*n, child(key), m_diags, k_type);
  }

  const yaml::Node* seq(std::string_view key) const {
    const yaml::Node* n = get(key);
    if (n && !n->is_sequence()) {
      type_error(*n, key, "a list");
      return nullptr;
    }
    return n;
  }

  std::optional<std::vector<std::string>> strings(std::string_view key) const {
    const yaml::Node* n = seq(key);
    if (!n) {
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (size_t i = 0; i < n->items().size(); ++i) {
      const yaml::Node& item = n->items()[i];
      if (!item.is_scalar() || item.is_null()) {
        m_diags.error(k_type,
                      fmt::format("'{}' must be a string, not {}", yaml::path_index(child(key), i),
                                  yaml::describe_kind(item)),
                      item.location());
        continue;
      }
      out.push_back(item.value());
    }
    return out;
  }

  StringMap string_map(std::string_view key) const {
    StringMap out;
    const yaml::Node* n = get(key);
    if (!n) {
      return out;
    }
    if (!n->is_mapping()) {
      type_error(*n, key, "a mapping");
      return out;
    }
    out.location = n->location();
    for (const auto& e : n->entries()) {
      if (!e.value.is_scalar()) {
        m_diags.error(k_type,
                      fmt::format("'{}' must be a string, not {}", yaml::path_join(child(key), e.key.value()),
                                  yaml::describe_kind(e.value)),
                      e.value.location());
        continue;
      }
      out.set(e.key.value(), e.value.is_null() ? std::string() : e.value.value(), e.key.location());
    }
    return out;
  }

  void type_error(const yaml::Node& n, std::string_view key, std::string_view expected) const {
    m_diags.error(k_type,
                  fmt::format("'{}' must be {}, not {}", child(key), expected, yaml::describe_kind(n)),
                  n.location());
  }

  Diagnostics& diags() const { return m_diags; }

 private:
  const yaml::Node* m_node;
  std::string m_path;
  Diagnostics& m_diags;
};

Toleration read_toleration(const yaml::Node& n, const std::string& path, Diagnostics& diags) {
  Fields f(&n, path, diags);
  Toleration t;
  t.key = f.str_or("key");
  t.op = f.str_or("operator");
  t.value = f.str_or("value");
  t.effect = f.str_or("effect");
  t.toleration_seconds = f.integer("tolerationSeconds");
  t.location = n.location();
  return t;
}

NodeSelectorRequirement read_requirement(const yaml::Node& n, const std::string& path, Diagnostics& diags) {
  Fields f(&n, path, diags);
  NodeSelectorRequirement r;
  r.key = f.str_or("key");
  r.op = f.str_or("operator");
  r.values = f.strings("values").value_or(std::vector<std::string>{});
  r.location = n.location();
  if (f.ok() && !f.get("key")) {
    diags.error(k_missing, fmt::format("'{}' is missing 'key'", path), n.location());
  }
  if (f.ok() && !f.get("operator")) {
    diags.error(k_missing, fmt::format("'{}' is missing 'operator'", path), n.location());
  }
  return r;
}

NodeSelectorTerm read_term(const yaml::Node& n, const std::string& path, Diagnostics& diags) {
  Fields f(&n, path, diags);
  NodeSelectorTerm term;
  term.location = n.location();
  for (const char* which : {"matchExpressions", "matchFields"}) {
    if (const yaml::Node* s = f.seq(which)) {
      for (size_t i = 0; i < s->items().size(); ++i) {
        auto r = read_requirement(s->items()[i], yaml::path_index(f.child(which), i), diags);
        (std::string_view(which) == "matchExpressions" ? term.match_expressions : term.match_fields).push_back(r);
      }
    }
  }
  return term;
}

std::optional<NodeAffinity> read_node_affinity(const Fields& spec) {
  const yaml::Node* aff = spec.get("affinity");
  if (!aff) {
    return std::nullopt;
  }
  Fields a(aff, spec.child("affinity"), spec.diags());
  const yaml::Node* na = a.get("nodeAffinity");
  if (!na) {
    return std::nullopt;
  }
  Fields f(na, a.child("nodeAffinity"), spec.diags());
  NodeAffinity out;
  out.location = na->location();
  if (const yaml::Node* req = f.get("requiredDuringSchedulingIgnoredDuringExecution")) {
    Fields r(req, f.child("requiredDuringSchedulingIgnoredDuringExecution"), spec.diags());
    NodeSelector sel;
    sel.location = req->location();
    if (const yaml::Node* terms = r.seq("nodeSelectorTerms")) {
      for (size_t i = 0; i < terms->items().size(); ++i) {
        sel.terms.push_back(read_term(terms->items()[i], yaml::path_index(r.child("nodeSelectorTerms"), i), spec.diags()));
      }
    }
    out.required = std::move(sel);
  }
  if (const yaml::Node* pref = f.seq("preferredDuringSchedulingIgnoredDuringExecution")) {
    for (size_t i = 0; i < pref->items().size(); ++i) {
      std::string p = yaml::path_index(f.child("preferredDuringSchedulingIgnoredDuringExecution"), i);
      Fields pf(&pref->items()[i], p, spec.diags());
      PreferredSchedulingTerm t;
      t.weight = static_cast<int32_t>(pf.integer("weight").value_or(0));
      if (const yaml::Node* pn = pf.get("preference")) {
        t.preference = read_term(*pn, pf.child("preference"), spec.diags());
      }
      out.preferred.push_back(std::move(t));
    }
  }
  return out;
}

ResourceList read_resource_list(const Fields& f, std::string_view key) {
  ResourceList out;
  const yaml::Node* n = f.get(key);
  if (!n) {
    return out;
  }
  if (!n->is_mapping()) {
    f.type_error(*n, key, "a mapping");
    return out;
  }
  out.location = n->location();
  for (const auto& e : n->entries()) {
    if (!e.value.is_scalar() || e.value.is_null()) {
      f.diags().error(k_type,
                      fmt::format("'{}' must be a quantity, not {}", yaml::path_join(f.child(key), e.key.value()),
                                  yaml::describe_kind(e.value)),
                      e.value.location());
      continue;
    }
    out.items[e.key.value()] = ResourceValue{Quantity::parse(e.value.value()), e.value.location()};
  }
  return out;
}

std::optional<SELinuxOptions> read_selinux(const Fields& f) {
  const yaml::Node* n = f.get("seLinuxOptions");
  if (!n) {
    return std::nullopt;
  }
  Fields s(n, f.child("seLinuxOptions"), f.diags());
  return SELinuxOptions{s.str("user"), s.str("role"), s.str("type"), s.str("level")};
}

template <typename Profile>
std::optional<Profile> read_profile(const Fields& f, std::string_view key) {
  const yaml::Node* n = f.get(key);
  if (!n) {
    return std::nullopt;
  }
  Fields s(n, f.child(key), f.diags());
  return Profile{s.str_or("type"), s.str("localhostProfile")};
}

std::optional<WindowsOptions> read_windows(const Fields& f) {
  const yaml::Node* n = f.get("windowsOptions");
  if (!n) {
    return std::nullopt;
  }
  Fields s(n, f.child("windowsOptions"), f.diags());
  return WindowsOptions{s.boolean("hostProcess")};
}

std::optional<PodSecurityContext> read_pod_security_context(const Fields& spec) {
  const yaml::Node* n = spec.get("securityContext");
  if (!n) {
    return std::nullopt;
  }
  Fields f(n, spec.child("securityContext"), spec.diags());
  PodSecurityContext out;
  out.location = n->location();
  out.run_as_non_root = f.boolean("runAsNonRoot");
  out.run_as_user = f.integer("runAsUser");
  out.run_as_group = f.integer("runAsGroup");
  out.fs_group = f.integer("fsGroup");
  out.se_linux_options = read_selinux(f);
  out.seccomp_profile = read_profile<SeccompProfile>(f, "seccompProfile");
  out.app_armor_profile = read_profile<AppArmorProfile>(f, "appArmorProfile");
  out.windows_options = read_windows(f);
  if (const yaml::Node* s = f.seq("sysctls")) {
    for (size_t i = 0; i < s->items().size(); ++i) {
      Fields sf(&s->items()[i], yaml::path_index(f.child("sysctls"), i), spec.diags());
      out.sysctls.push_back(Sysctl{sf.str_or("name"), sf.str_or("value")});
    }
  }
  return out;
}

std::optional<SecurityContext> read_security_context(const Fields& c) {
  const yaml::Node* n = c.get("securityContext");
  if (!n) {
    return std::nullopt;
  }
  Fields f(n, c.child("securityContext"), c.diags());
  SecurityContext out;
  out.location = n->location();
  out.privileged = f.boolean("privileged");
  out.allow_privilege_escalation = f.boolean("allowPrivilegeEscalation");
  if (const yaml::Node* caps = f.get("capabilities")) {
    Fields cf(caps, f.child("capabilities"), c.diags());
    out.capabilities = Capabilities{cf.strings("add"), cf.strings("drop")};
  }
  out.run_as_non_root = f.boolean("runAsNonRoot");
  out.run_as_user = f.integer("runAsUser");
  out.run_as_group = f.integer("runAsGroup");
  out.read_only_root_filesystem = f.boolean("readOnlyRootFilesystem");
  out.proc_mount = f.str("procMount");
  out.se_linux_options = read_selinux(f);
  out.seccomp_profile = read_profile<SeccompProfile>(f, "seccompProfile");
  out.app_armor_profile = read_profile<AppArmorProfile>(f, "appArmorProfile");
  out.windows_options = read_windows(f);
  return out;
}

void read_handler_hosts(const Fields& c, std::vector<HandlerHost>& out) {
  auto handler = [&](const yaml::Node* h, const std::string& field_path) {
    if (!h) {
      return;
    }
    Fields hf(h, c.child(field_path), c.diags());
    for (const char* kind : {"httpGet", "tcpSocket"}) {
      if (const yaml::Node* k = hf.get(kind)) {
        Fields kf(k, hf.child(kind), c.diags());
        if (auto host = kf.str("host")) {
          out.push_back(HandlerHost{fmt::format("{}.{}.host", field_path, kind), *host, kf.key_location("host")});
        }
      }
    }
  };
  for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    handler(c.get(probe), probe);
  }
  if (const yaml::Node* lc = c.get("lifecycle")) {
    Fields lf(lc, c.child("lifecycle"), c.diags());
    for (const char* hook : {"postStart", "preStop"}) {
      handler(lf.get(hook), fmt::format("lifecycle.{}", hook));
    }
  }
}

Container read_container(const yaml::Node& n, const std::string& path, ContainerKind kind, Diagnostics& diags) {
  Fields f(&n, path, diags);
  Container c;
  c.kind = kind;
  c.location = n.location();
  c.name = f.str_or("name");
  c.image = f.str_or("image");
  c.image_location = f.get("image") ? f.get("image")->location() : n.location();
  c.restart_policy = f.str("restartPolicy");
  if (f.ok() && !f.get("name")) {
    diags.error(k_missing, fmt::format("'{}' is missing 'name'", path), n.location());
  }
  if (const yaml::Node* r = f.get("resources")) {
    Fields rf(r, f.child("resources"), diags);
    c.resources.location = r->location();
    c.resources.requests = read_resource_list(rf, "requests");
    c.resources.limits = read_resource_list(rf, "limits");
  }
  c.security_context = read_security_context(f);
  if (const yaml::Node* ports = f.seq("ports")) {
    for (size_t i = 0; i < ports->items().size(); ++i) {
      Fields pf(&ports->items()[i], yaml::path_index(f.child("ports"), i), diags);
      ContainerPort p;
      p.name = pf.str_or("name");
      p.container_port = static_cast<int32_t>(pf.integer("containerPort").value_or(0));
      p.host_port = static_cast<int32_t>(pf.integer("hostPort").value_or(0));
      p.protocol = pf.str_or("protocol", "TCP");
      p.location = ports->items()[i].location();
      c.ports.push_back(p);
    }
  }
  if (const yaml::Node* env = f.seq("env")) {
    for (size_t i = 0; i < env->items().size(); ++i) {
      Fields ef(&env->items()[i], yaml::path_index(f.child("env"), i), diags);
      EnvVar e;
      e.name = ef.str_or("name");
      if (!ef.get("valueFrom")) {
        e.value = ef.str_or("value");
      }
      e.location = env->items()[i].location();
      c.env.push_back(std::move(e));
    }
  }
  read_handler_hosts(f, c.handler_hosts);
  return c;
}

std::vector<Container> read_containers(const Fields& spec, const char* key, ContainerKind kind) {
  std::vector<Container> out;
  if (const yaml::Node* s = spec.seq(key)) {
    out.reserve(s->items().size());
    for (size_t i = 0; i < s->items().size(); ++i) {
      out.push_back(read_container(s->items()[i], yaml::path_index(spec.child(key), i), kind, spec.diags()));
    }
  }
  return out;
}

Volume read_volume(const yaml::Node& n, const std::string& path, Diagnostics& diags) {
  Fields f(&n, path, diags);
  Volume v;
  v.name = f.str_or("name");
  v.location = n.location();
  if (f.ok()) {
    for (const auto& e : n.entries()) {
      if (e.key.value() != "name" && !e.value.is_null()) {
        v.source = e.key.value();
        break;
      }
    }
    if (v.source == "hostPath") {
      Fields hp(f.get("hostPath"), f.child("hostPath"), diags);
      v.host_path = hp.str_or("path");
    }
  }
  return v;
}

std::string str_at(const yaml::Node& doc, std::initializer_list<std::string_view> path) {
  const yaml::Node* n = &doc;
  for (auto k : path) {
    if (!n->is_mapping()) {
      return {};
    }
    n = n->find(k);
    if (!n) {
      return {};
    }
  }
  return n->is_scalar() && !n->is_null() ? n->value() : std::string();
}

}  // namespace

std::vector<Toleration> read_tolerations(const yaml::Node& seq, std::string_view path, Diagnostics& diags) {
  std::vector<Toleration> out;
  if (!seq.is_sequence()) {
    if (!seq.is_null()) {
      diags.error(k_type, fmt::format("'{}' must be a list, not {}", path, yaml::describe_kind(seq)), seq.location());
    }
    return out;
  }
  for (size_t i = 0; i < seq.items().size(); ++i) {
    out.push_back(read_toleration(seq.items()[i], yaml::path_index(path, i), diags));
  }
  return out;
}

PodTemplate read_pod_spec(const yaml::Node& spec_node, const yaml::Node* metadata, std::string_view path,
                          Diagnostics& diags) {
  PodTemplate pod;
  Fields meta(metadata, yaml::path_join(path, "metadata"), diags);
  pod.labels = meta.string_map("labels");
  pod.annotations = meta.string_map("annotations");
  std::string spec_path = yaml::path_join(path, "spec");
  Fields spec(&spec_node, spec_path, diags);
  pod.location = spec_node.location();
  pod.node_selector = spec.string_map("nodeSelector");
  pod.node_affinity = read_node_affinity(spec);
  if (const yaml::Node* t = spec.get("tolerations")) {
    pod.tolerations = read_tolerations(*t, spec.child("tolerations"), diags);
    pod.tolerations_location = t->location();
  }
  pod.runtime_class_name = spec.str("runtimeClassName");
  pod.runtime_class_location = spec.get("runtimeClassName") ? spec.get("runtimeClassName")->location() : SourceLocation{};
  pod.node_name = spec.str_or("nodeName");
  pod.node_name_location = spec.get("nodeName") ? spec.get("nodeName")->location() : SourceLocation{};
  pod.priority_class_name = spec.str_or("priorityClassName");
  pod.service_account_name = spec.str_or("serviceAccountName");
  pod.host_network = spec.boolean("hostNetwork").value_or(false);
  pod.host_pid = spec.boolean("hostPID").value_or(false);
  pod.host_ipc = spec.boolean("hostIPC").value_or(false);
  pod.host_users = spec.boolean("hostUsers");
  if (const yaml::Node* os = spec.get("os")) {
    Fields of(os, spec.child("os"), diags);
    pod.os_name = of.str("name");
  }
  pod.security_context = read_pod_security_context(spec);
  if (const yaml::Node* vols = spec.seq("volumes")) {
    for (size_t i = 0; i < vols->items().size(); ++i) {
      pod.volumes.push_back(read_volume(vols->items()[i], yaml::path_index(spec.child("volumes"), i), diags));
    }
  }
  pod.overhead = read_resource_list(spec, "overhead");
  pod.init_containers = read_containers(spec, "initContainers", ContainerKind::init);
  pod.containers = read_containers(spec, "containers", ContainerKind::regular);
  pod.ephemeral_containers = read_containers(spec, "ephemeralContainers", ContainerKind::ephemeral);
  if (spec.ok() && !spec.get("containers")) {
    diags.error(k_missing, fmt::format("'{}' is missing 'containers'", spec_path), spec_node.location());
  }
  return pod;
}

std::optional<Workload> read_workload(const yaml::Node& doc, Diagnostics& diags) {
  Fields top(&doc, "", diags);
  auto kind = parse_workload_kind(top.str_or("kind"));
  if (!kind) {
    return std::nullopt;
  }
  Workload w;
  w.kind = *kind;
  w.api_version = top.str_or("apiVersion");
  w.location = doc.location();
  Fields meta(top.get("metadata"), "metadata", diags);
  w.name = meta.str_or("name");
  w.namespace_ = meta.str_or("namespace");
  if (const yaml::Node* annotations = meta.get("annotations"); annotations && annotations->is_mapping()) {
    if (const yaml::Node* ignore = annotations->find("talgpu.dev/ignore"); ignore && ignore->is_scalar()) {
      w.ignore_rules = ignore->value();
    }
  }
  if (w.name.empty() && !meta.get("generateName")) {
    diags.error(k_missing, fmt::format("{} is missing 'metadata.name'", workload_kind_name(w.kind)), doc.location());
  }
  // Where the pod template lives for each kind (pod-security-admission DefaultPodSpecExtractor).
  const yaml::Node* tmpl_meta = nullptr;
  const yaml::Node* spec = nullptr;
  std::string path;
  if (w.kind == WorkloadKind::pod) {
    tmpl_meta = top.get("metadata");
    spec = top.get("spec");
    path = "";
    if (!spec) {
      diags.error(k_missing, "Pod is missing 'spec'", doc.location());
      return std::nullopt;
    }
  } else {
    Fields s(top.get("spec"), "spec", diags);
    if (!s.ok()) {
      diags.error(k_missing, fmt::format("{} is missing 'spec'", workload_kind_name(w.kind)), doc.location());
      return std::nullopt;
    }
    w.replicas = s.integer("replicas");
    const yaml::Node* tmpl_parent = s.node();
    std::string parent_path = "spec";
    if (w.kind == WorkloadKind::cron_job) {
      Fields jt(s.get("jobTemplate"), "spec.jobTemplate", diags);
      Fields js(jt.get("spec"), "spec.jobTemplate.spec", diags);
      if (!js.ok()) {
        diags.error(k_missing, "CronJob is missing 'spec.jobTemplate.spec'", doc.location());
        return std::nullopt;
      }
      tmpl_parent = js.node();
      parent_path = "spec.jobTemplate.spec";
    }
    Fields parent(tmpl_parent, parent_path, diags);
    Fields tmpl(parent.get("template"), parent_path + ".template", diags);
    if (!tmpl.ok()) {
      diags.error(k_missing, fmt::format("{} is missing '{}.template'", workload_kind_name(w.kind), parent_path),
                  doc.location());
      return std::nullopt;
    }
    tmpl_meta = tmpl.get("metadata");
    spec = tmpl.get("spec");
    path = parent_path + ".template";
    if (!spec) {
      diags.error(k_missing, fmt::format("{} is missing '{}.spec'", workload_kind_name(w.kind), path), doc.location());
      return std::nullopt;
    }
  }
  w.pod = read_pod_spec(*spec, tmpl_meta, path, diags);
  return w;
}

std::optional<RuntimeClass> read_runtime_class(const yaml::Node& doc, Diagnostics& diags) {
  Fields top(&doc, "", diags);
  RuntimeClass rc;
  rc.location = doc.location();
  Fields meta(top.get("metadata"), "metadata", diags);
  rc.name = meta.str_or("name");
  rc.handler = top.str_or("handler");
  rc.handler_location = top.get("handler") ? top.get("handler")->location() : doc.location();
  if (rc.name.empty()) {
    diags.error(k_missing, "RuntimeClass is missing 'metadata.name'", doc.location());
    return std::nullopt;
  }
  if (rc.handler.empty()) {
    diags.error(k_missing, fmt::format("RuntimeClass '{}' is missing 'handler'", rc.name), doc.location());
  }
  if (const yaml::Node* s = top.get("scheduling")) {
    Fields sf(s, "scheduling", diags);
    rc.has_scheduling = true;
    rc.node_selector = sf.string_map("nodeSelector");
    if (const yaml::Node* t = sf.get("tolerations")) {
      rc.tolerations = read_tolerations(*t, "scheduling.tolerations", diags);
    }
  }
  if (const yaml::Node* o = top.get("overhead")) {
    Fields of(o, "overhead", diags);
    rc.overhead = read_resource_list(of, "podFixed");
  }
  return rc;
}

std::optional<Namespace> read_namespace(const yaml::Node& doc, Diagnostics& diags) {
  Fields top(&doc, "", diags);
  Fields meta(top.get("metadata"), "metadata", diags);
  Namespace ns;
  ns.name = meta.str_or("name");
  ns.location = doc.location();
  if (ns.name.empty()) {
    diags.error(k_missing, "Namespace is missing 'metadata.name'", doc.location());
    return std::nullopt;
  }
  ns.labels = meta.string_map("labels");
  return ns;
}

// ---------------------------------------------------------------------------------------------
// NVIDIA device plugin chart and its time-slicing configuration.

namespace {

// The device plugin config format (NVIDIA/k8s-device-plugin api/config/v1): sharing.timeSlicing.
void read_sharing_config(const std::string& name, const std::string& text, SourceLocation loc, Manifests& out,
                         Diagnostics& diags) {
  auto docs = yaml::parse(text, loc.str() + " (config " + name + ")");
  if (!docs || docs->empty()) {
    return;
  }
  const yaml::Node& root = (*docs)[0].root;
  const yaml::Node* sharing = root.is_mapping() ? root.find("sharing") : nullptr;
  const yaml::Node* ts = sharing && sharing->is_mapping() ? sharing->find("timeSlicing") : nullptr;
  if (!ts || !ts->is_mapping()) {
    return;
  }
  Fields tf(ts, "sharing.timeSlicing", diags);
  bool rename = tf.boolean("renameByDefault").value_or(false);
  if (const yaml::Node* res = tf.seq("resources")) {
    for (const auto& r : res->items()) {
      Fields rf(&r, "sharing.timeSlicing.resources[]", diags);
      DevicePluginSharing s;
      s.config_name = name;
      s.resource = rf.str_or("name", std::string(k_gpu_resource));
      s.replicas = rf.integer("replicas").value_or(1);
      s.rename_by_default = rename;
      s.location = loc;
      out.device_plugin_sharing.push_back(std::move(s));
    }
  }
}

bool is_device_plugin_chart(std::string_view chart) {
  return chart == "nvidia-device-plugin";
}

const yaml::Node* child(const yaml::Node* n, std::string_view key) {
  if (!n || !n->is_mapping()) {
    return nullptr;
  }
  const yaml::Node* c = n->find(key);
  return c && !c->is_null() ? c : nullptr;
}

// The chart's default tolerations (values.yaml).
yaml::Node chart_default_tolerations() {
  yaml::Node tolerations = yaml::Node::sequence();
  yaml::Node t1 = yaml::Node::mapping();
  t1.set("key", yaml::Node::string("CriticalAddonsOnly"));
  t1.set("operator", yaml::Node::string("Exists"));
  yaml::Node t2 = yaml::Node::mapping();
  t2.set("key", yaml::Node::string("nvidia.com/gpu"));
  t2.set("operator", yaml::Node::string("Exists"));
  t2.set("effect", yaml::Node::string("NoSchedule"));
  tolerations.push_back(t1);
  tolerations.push_back(t2);
  return tolerations;
}

// The chart's default affinity (values.yaml): NFD's NVIDIA PCI label, or GFD's gpu.present.
yaml::Node chart_default_affinity() {
  yaml::Node affinity = yaml::Node::mapping();
  yaml::Node terms = yaml::Node::sequence();
  auto term = [&terms](const char* key, const char* value) {
    yaml::Node expr = yaml::Node::mapping();
    expr.set("key", yaml::Node::string(key));
    expr.set("operator", yaml::Node::string("In"));
    yaml::Node vals = yaml::Node::sequence();
    vals.push_back(yaml::Node::string(value));
    expr.set("values", vals);
    yaml::Node exprs = yaml::Node::sequence();
    exprs.push_back(expr);
    yaml::Node t = yaml::Node::mapping();
    t.set("matchExpressions", exprs);
    terms.push_back(t);
  };
  term("feature.node.kubernetes.io/pci-10de.present", "true");
  term("feature.node.kubernetes.io/cpu-model.vendor_id", "NVIDIA");
  term("nvidia.com/gpu.present", "true");
  yaml::Node req = yaml::Node::mapping();
  req.set("nodeSelectorTerms", terms);
  yaml::Node na = yaml::Node::mapping();
  na.set("requiredDuringSchedulingIgnoredDuringExecution", req);
  affinity.set("nodeAffinity", na);
  return affinity;
}

// The plugin container: image, env and security context (the chart's default is
// allowPrivilegeEscalation=false with all capabilities dropped).
yaml::Node plugin_container(const HelmRelease& hr, const yaml::Node* values) {
  yaml::Node ctr = yaml::Node::mapping();
  ctr.set("name", yaml::Node::string("nvidia-device-plugin-ctr"));
  std::string repo = str_at(values ? *values : yaml::Node(), {"image", "repository"});
  std::string tag = str_at(values ? *values : yaml::Node(), {"image", "tag"});
  if (repo.empty()) {
    repo = "nvcr.io/nvidia/k8s-device-plugin";
  }
  if (tag.empty()) {
    tag = hr.chart_version.empty() ? "latest" : "v" + hr.chart_version;
  }
  ctr.set("image", yaml::Node::string(repo + ":" + tag));
  const yaml::Node* env = child(child(child(child(values, "devicePlugin"), "containers"), "main"), "env");
  if (env) {
    ctr.set("env", *env);
  } else {
    yaml::Node e = yaml::Node::sequence();
    for (auto [n, v] : {std::pair{"NVIDIA_VISIBLE_DEVICES", "all"}, std::pair{"NVIDIA_DRIVER_CAPABILITIES", "compute,utility"}}) {
      yaml::Node item = yaml::Node::mapping();
      item.set("name", yaml::Node::string(n));
      item.set("value", yaml::Node::string(v));
      e.push_back(item);
    }
    ctr.set("env", e);
  }
  if (const yaml::Node* sc = child(values, "securityContext"); sc && sc->is_mapping() && sc->size() > 0) {
    ctr.set("securityContext", *sc);
  } else {
    yaml::Node sc2 = yaml::Node::mapping();
    sc2.set("allowPrivilegeEscalation", yaml::Node::boolean(false));
    yaml::Node caps = yaml::Node::mapping();
    yaml::Node drop = yaml::Node::sequence();
    drop.push_back(yaml::Node::string("ALL"));
    caps.set("drop", drop);
    sc2.set("capabilities", caps);
    ctr.set("securityContext", sc2);
  }
  if (const yaml::Node* res = child(values, "resources"); res && res->is_mapping() && res->size() > 0) {
    ctr.set("resources", *res);
  }
  return ctr;
}

// Generated nodes carry no file, so their locations fall back to the HelmRelease.
void mark_generated(yaml::Node& n) {
  if (n.mark().file < 0) {
    yaml::Mark m;
    m.file = -1;
    n.set_mark(m);
  }
  for (auto& i : n.items()) {
    mark_generated(i);
  }
  for (auto& e : n.entries()) {
    mark_generated(e.value);
  }
}

void locate_at_release(Workload& w, const HelmRelease& hr) {
  auto fix = [&hr](SourceLocation& l) {
    if (l.empty()) {
      l = hr.location;
    }
  };
  fix(w.pod.location);
  fix(w.pod.tolerations_location);
  for (auto& t : w.pod.tolerations) {
    fix(t.location);
  }
  if (w.pod.node_affinity) {
    fix(w.pod.node_affinity->location);
    if (w.pod.node_affinity->required) {
      fix(w.pod.node_affinity->required->location);
    }
  }
  for (auto& c : w.pod.containers) {
    fix(c.location);
    fix(c.image_location);
  }
}

// The DaemonSet the nvidia-device-plugin chart renders
// (deployments/helm/nvidia-device-plugin/templates/daemonset-device-plugin.yml), built as a YAML
// pod template from the chart's values.yaml defaults overridden by spec.values, then read with the
// normal pod reader so every value keeps the location it was written at in the HelmRelease.
Workload device_plugin_daemonset(const HelmRelease& hr, const yaml::Node* values, Diagnostics& diags) {
  yaml::Node spec = yaml::Node::mapping();
  spec.set("tolerations", child(values, "tolerations") ? *child(values, "tolerations") : chart_default_tolerations());
  spec.set("affinity", child(values, "affinity") ? *child(values, "affinity") : chart_default_affinity());
  if (const yaml::Node* ns = child(values, "nodeSelector")) {
    spec.set("nodeSelector", *ns);
  }
  if (const yaml::Node* rc = child(values, "runtimeClassName")) {
    spec.set("runtimeClassName", *rc);
  }
  spec.set("priorityClassName", child(values, "priorityClassName") ? *child(values, "priorityClassName")
                                                                    : yaml::Node::string("system-node-critical"));
  if (const yaml::Node* hn = child(child(values, "devicePlugin"), "enableHostNetwork")) {
    spec.set("hostNetwork", *hn);
  }
  if (const yaml::Node* psc = child(values, "podSecurityContext"); psc && psc->is_mapping() && psc->size() > 0) {
    spec.set("securityContext", *psc);
  }
  yaml::Node containers = yaml::Node::sequence();
  containers.push_back(plugin_container(hr, values));
  spec.set("containers", containers);
  yaml::Node vols = yaml::Node::sequence();
  {
    yaml::Node v = yaml::Node::mapping();
    v.set("name", yaml::Node::string("device-plugin"));
    yaml::Node hp = yaml::Node::mapping();
    hp.set("path", yaml::Node::string("/var/lib/kubelet/device-plugins"));
    v.set("hostPath", hp);
    vols.push_back(v);
  }
  spec.set("volumes", vols);
  mark_generated(spec);
  yaml::Node meta = yaml::Node::mapping();
  if (const yaml::Node* ann = child(values, "podAnnotations")) {
    meta.set("annotations", *ann);
  }
  Workload w;
  w.kind = WorkloadKind::daemon_set;
  w.api_version = "apps/v1";
  std::string fullname = str_at(values ? *values : yaml::Node(), {"fullnameOverride"});
  if (fullname.empty()) {
    fullname = hr.name.find("nvidia-device-plugin") != std::string::npos ? hr.name : hr.name + "-nvidia-device-plugin";
  }
  w.name = fullname;
  std::string ns_override = str_at(values ? *values : yaml::Node(), {"namespaceOverride"});
  w.namespace_ = !ns_override.empty() ? ns_override : !hr.target_namespace.empty() ? hr.target_namespace : hr.namespace_;
  w.location = hr.location;
  w.derived_from = fmt::format("HelmRelease {}/{}", hr.namespace_, hr.name);
  w.pod = read_pod_spec(spec, &meta, "spec.values", diags);
  locate_at_release(w, hr);
  return w;
}

// bjw-s app-template (charts/library/common, values.schema.json): `controllers.<id>` each render
// one workload of `type` (deployment by default; statefulset, daemonset, job, cronjob) whose pod
// takes `defaultPodOptions` overridden key by key by the controller's `pod`, and whose containers
// are the map `controllers.<id>.containers.<name>` with `image.repository`/`image.tag` and
// `resources`, `securityContext` as in a container. Named after the release, with "-<id>" when
// the release has several controllers. Values keep the locations they were written at.
void add_app_template_workloads(const HelmRelease& hr, const yaml::Node* values, Manifests& out, Diagnostics& diags) {
  const yaml::Node* controllers = child(values, "controllers");
  if (controllers == nullptr || !controllers->is_mapping()) {
    return;
  }
  const yaml::Node* defaults = child(values, "defaultPodOptions");
  for (const auto& ctl : controllers->entries()) {
    if (!ctl.value.is_mapping()) {
      continue;
    }
    if (const yaml::Node* en = ctl.value.find("enabled"); en != nullptr && en->is_scalar() && en->value() == "false") {
      continue;
    }
    yaml::Node spec = yaml::Node::mapping();
    for (const yaml::Node* opts : {defaults, child(&ctl.value, "pod")}) {
      if (opts != nullptr && opts->is_mapping()) {
        for (const auto& e : opts->entries()) {
          spec.set(e.key.value(), e.value);
        }
      }
    }
    for (const char* list : {"initContainers", "containers"}) {
      const yaml::Node* cs = child(&ctl.value, list);
      if (cs == nullptr || !cs->is_mapping()) {
        continue;
      }
      yaml::Node seq = yaml::Node::sequence();
      for (const auto& c : cs->entries()) {
        yaml::Node ctr = yaml::Node::mapping();
        ctr.set("name", yaml::Node::string(c.key.value()));
        std::string repo = str_at(c.value, {"image", "repository"});
        std::string tag = str_at(c.value, {"image", "tag"});
        ctr.set("image", yaml::Node::string(tag.empty() ? repo : repo + ":" + tag));
        for (const char* key : {"resources", "securityContext", "command", "args"}) {
          if (const yaml::Node* v = child(&c.value, key)) {
            ctr.set(key, *v);
          }
        }
        seq.push_back(std::move(ctr));
      }
      spec.set(list, std::move(seq));
    }
    Workload w;
    std::string type = str_at(ctl.value, {"type"});
    w.kind = type == "statefulset" ? WorkloadKind::stateful_set
             : type == "daemonset" ? WorkloadKind::daemon_set
             : type == "job"       ? WorkloadKind::job
             : type == "cronjob"   ? WorkloadKind::cron_job
                                   : WorkloadKind::deployment;
    w.name = controllers->entries().size() == 1 ? hr.name : hr.name + "-" + ctl.key.value();
    w.namespace_ = !hr.target_namespace.empty() ? hr.target_namespace : hr.namespace_;
    if (std::string r = str_at(ctl.value, {"replicas"}); !r.empty() && w.kind != WorkloadKind::daemon_set) {
      w.replicas = go_parse_int(r);
    }
    w.location = ctl.key.location().empty() ? hr.location : ctl.key.location();
    w.derived_from = fmt::format("HelmRelease {}/{}", hr.namespace_, hr.name);
    w.pod = read_pod_spec(spec, nullptr, "spec.values", diags);
    if (w.pod.location.empty()) {
      w.pod.location = w.location;
    }
    out.workloads.push_back(std::move(w));
  }
}

void add_helm_release(const yaml::Node& doc, Manifests& out, Diagnostics& diags) {
  Fields top(&doc, "", diags);
  Fields meta(top.get("metadata"), "metadata", diags);
  Fields spec(top.get("spec"), "spec", diags);
  HelmRelease hr;
  hr.name = meta.str_or("name");
  hr.namespace_ = meta.str_or("namespace");
  hr.location = doc.location();
  hr.target_namespace = spec.str_or("targetNamespace");
  // spec.chart.spec.chart (+ version), or spec.chartRef (an OCIRepository/HelmChart named after the chart).
  std::string chart = str_at(doc, {"spec", "chart", "spec", "chart"});
  hr.chart_version = str_at(doc, {"spec", "chart", "spec", "version"});
  if (chart.empty()) {
    chart = str_at(doc, {"spec", "chartRef", "name"});
  }
  // An OCI chart reference ends with the chart name (oci://ghcr.io/nvidia/nvidia-device-plugin).
  if (auto slash = chart.rfind('/'); slash != std::string::npos) {
    chart = chart.substr(slash + 1);
  }
  hr.chart = chart;
  const yaml::Node* values = spec.get("values");
  if (values && !values->is_mapping()) {
    spec.type_error(*values, "values", "a mapping");
    values = nullptr;
  }
  if (const yaml::Node* rc = child(child(values, "operator"), "runtimeClass"); rc != nullptr && rc->is_scalar()) {
    hr.operator_runtime_class = rc->value();
  }
  out.helm_releases.push_back(hr);
  if (hr.chart == "app-template") {
    add_app_template_workloads(hr, values, out, diags);
    return;
  }
  if (!is_device_plugin_chart(hr.chart)) {
    return;
  }
  if (const yaml::Node* map = child(child(values, "config"), "map"); map && map->is_mapping()) {
    for (const auto& e : map->entries()) {
      if (e.value.is_scalar()) {
        read_sharing_config(e.key.value(), e.value.value(), e.value.location(), out, diags);
      }
    }
  }
  const yaml::Node* enabled = child(child(values, "devicePlugin"), "enabled");
  if (enabled && enabled->is_scalar() && enabled->value() == "false") {
    return;
  }
  out.workloads.push_back(device_plugin_daemonset(hr, values, diags));
}

void add_config_map(const yaml::Node& doc, Manifests& out, Diagnostics& diags) {
  const yaml::Node* data = child(&doc, "data");
  if (!data || !data->is_mapping()) {
    return;
  }
  for (const auto& e : data->entries()) {
    if (e.value.is_scalar() && e.value.value().find("timeSlicing") != std::string::npos) {
      read_sharing_config(e.key.value(), e.value.value(), e.value.location(), out, diags);
    }
  }
}

}  // namespace

void add_document(const yaml::Node& doc, const std::string& file, Manifests& out, Diagnostics& diags) {
  if (!doc.is_mapping()) {
    return;  // comments-only documents, scalars: not Kubernetes objects
  }
  std::string kind = str_at(doc, {"kind"});
  std::string api = str_at(doc, {"apiVersion"});
  if (kind == "List" || (kind.size() > 4 && kind.substr(kind.size() - 4) == "List" && doc.find("items"))) {
    const yaml::Node* items = doc.find("items");
    if (items && items->is_sequence()) {
      for (const auto& item : items->items()) {
        add_document(item, file, out, diags);
      }
    }
    return;
  }
  // A malformed object of a known kind is reported and skipped: the API server would refuse it.
  size_t errors_before = diags.count(Severity::error);
  auto clean = [&] { return diags.count(Severity::error) == errors_before; };
  if (parse_workload_kind(kind)) {
    if (auto w = read_workload(doc, diags); w && clean()) {
      out.workloads.push_back(std::move(*w));
    }
  } else if (kind == "RuntimeClass") {
    if (auto rc = read_runtime_class(doc, diags); rc && clean()) {
      out.runtime_classes.push_back(std::move(*rc));
    }
  } else if (kind == "Namespace") {
    if (auto ns = read_namespace(doc, diags); ns && clean()) {
      out.namespaces.push_back(std::move(*ns));
    }
  } else if (kind == "HelmRelease" && api.rfind("helm.toolkit.fluxcd.io/", 0) == 0) {
    add_helm_release(doc, out, diags);
  } else if (kind == "Kustomization" && api.rfind("kustomize.toolkit.fluxcd.io/", 0) == 0) {
    FluxKustomization k;
    k.name = str_at(doc, {"metadata", "name"});
    k.namespace_ = str_at(doc, {"metadata", "namespace"});
    k.path = str_at(doc, {"spec", "path"});
    k.target_namespace = str_at(doc, {"spec", "targetNamespace"});
    k.location = doc.location();
    out.flux_kustomizations.push_back(std::move(k));
  } else if (kind == "ConfigMap") {
    add_config_map(doc, out, diags);
  }
  (void)file;
}

// ---------------------------------------------------------------------------------------------
// Files and folders.

namespace {

// A folder's entries from readdir (names and d_type, no stat), without "." and "..".
// readdir, not std::filesystem: a walk of 100,000 tiny files spent more in path objects than in
// the system calls (issue 18).
struct FolderEntry {
  std::string name;
  unsigned char type;
};
Result<std::vector<FolderEntry>> list_folder(const std::string& dir) {
  std::vector<FolderEntry> entries;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    return fail(fmt::format("cannot read folder '{}': {}", dir, std::strerror(errno)), {}, "io-read");
  }
  errno = 0;
  while (const struct dirent* de = ::readdir(d)) {
    std::string_view n = de->d_name;
    if (n != "." && n != "..") {
      entries.push_back(FolderEntry{std::string(n), de->d_type});
    }
    errno = 0;
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) {
    return fail(fmt::format("cannot read folder '{}': {}", dir, std::strerror(err)), {}, "io-read");
  }
  return entries;
}

// The names of the folders in `dir` that do not start with a dot (links to folders included),
// from readdir's d_type (a stat only for links and file systems without d_type); unreadable: none.
std::vector<std::string> subfolders(const std::string& dir) {
  std::vector<std::string> out;
  auto entries = list_folder(dir);
  if (!entries) {
    return out;
  }
  for (auto& e : *entries) {
    if (e.name[0] == '.') {
      continue;
    }
    bool folder = e.type == DT_DIR;
    if (e.type == DT_LNK || e.type == DT_UNKNOWN) {
      std::error_code ec;
      folder = fs::is_directory(fs::path(dir) / e.name, ec);
    }
    if (folder) {
      out.push_back(std::move(e.name));
    }
  }
  return out;
}

// is_manifest_file on a bare file name (std::filesystem's extension rule: the text from the last
// dot, unless that dot starts the name).
bool is_manifest_name(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) {
    return false;
  }
  const std::string_view ext = name.substr(dot);
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// Whether a folder walk reads files ahead on a second thread: only with two CPUs or more to run
// on (sched_getaffinity: a container or `taskset` limited to one CPU gains nothing from it), and
// not with TALGPU_READ_AHEAD=0 (bench/files.sh compares the two).
bool read_ahead_enabled() {
  static const bool enabled = [] {
    if (const char* v = std::getenv("TALGPU_READ_AHEAD"); v != nullptr && std::string_view(v) == "0") {
      return false;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) != 0) {
      return false;
    }
    return CPU_COUNT(&set) >= 2;
  }();
  return enabled;
}

// The last component of a path (std::filesystem's filename(), without building a path object).
std::string_view basename_of(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool is_kustomization_name(std::string_view name) {
  return name == "kustomization.yaml" || name == "kustomization.yml" || name == "Kustomization";
}

bool is_remote(const std::string& s) {
  return s.find("://") != std::string::npos || s.rfind("github.com/", 0) == 0 || s.rfind("git@", 0) == 0;
}

// Whether entry a of a folder comes before entry b in the order of the full paths below them: a
// folder's paths all start with its name and '/', so it compares as that; names never hold '/'.
bool path_order_less(std::string_view a, bool a_folder, std::string_view b, bool b_folder) {
  const size_t n = std::min(a.size(), b.size());
  if (int c = a.compare(0, n, b.substr(0, n)); c != 0) {
    return c < 0;
  }
  // One name is the other's prefix: what follows it is its next character, a folder's '/', or
  // the end (-1).
  auto next = [n](std::string_view s, bool folder) {
    return s.size() > n ? static_cast<int>(static_cast<unsigned char>(s[n])) : folder ? int{'/'} : -1;
  };
  return next(a, a_folder) < next(b, b_folder);
}

struct WalkedFile {
  std::string path;
  std::string canonical;  // empty when it has to be resolved (a symbolic link)
};

class Loader {
 public:
  Loader(Manifests& out, Diagnostics& diags) : m_out(out), m_diags(diags) {}

  Result<void> load_path(const std::string& path, SourceLocation from = {}) {
    if (is_stdin_path(path) && from.empty()) {
      return load_file(path);  // `talgpu check -`: manifests on standard input
    }
    if (is_directory(path)) {
      return load_dir(path);
    }
    if (!file_exists(path)) {
      if (from.empty()) {
        return fail(fmt::format("{}: no such file or directory", path), {}, "io-read");
      }
      m_diags.error("manifest-path", fmt::format("'{}' does not exist", path), from);
      return {};
    }
    return load_file(path);
  }

  // `key`: the file's canonical path when the caller knows it (the folder walk does), else
  // computed here (realpath: an lstat per path component).
  Result<void> load_file(const std::string& path, std::string key = {}) {
    if (!first_visit(path, std::move(key))) {
      return {};
    }
    if (is_kustomization_name(basename_of(path))) {
      return load_kustomization(path);
    }
    return load_contents(path, read_file(path, m_parse.max_bytes));
  }

  // False when the file was read before (by another path, a link, a kustomization).
  bool first_visit(const std::string& path, std::string key) {
    if (key.empty()) {
      key = canonical(path);
    }
    return m_seen.insert(std::move(key)).second;
  }

  // Parses a file's text one document at a time, each turned into objects as it completes, so a
  // file of 30,000 documents is never one YAML tree. What the documents add is staged: when the
  // file turns out not to be valid YAML after all (a syntax error in its last document), all of
  // it is taken back, so a broken file contributes exactly its error, as before.
  Result<void> load_contents(const std::string& path, Result<std::string> text) {
    if (!text) {
      return finding_or_error(path, text.error());
    }
    const Staged mark = staged();
    auto done = yaml::parse_file_each(path, std::move(*text), m_parse,
                                      [&](yaml::Document&& d) { add_document(d.root, path, m_out, m_diags); });
    if (!done) {
      take_back(mark);
      return finding_or_error(path, done.error());
    }
    m_out.files.push_back(path);
    return {};
  }

  // How far each of the loader's outputs had grown (staged), and taking back what came after.
  struct Staged {
    size_t workloads, runtime_classes, namespaces, nodes, helm_releases, flux_kustomizations, sharing, files,
        skipped_remote, diagnostics;
  };
  Staged staged() const {
    return Staged{m_out.workloads.size(),       m_out.runtime_classes.size(),     m_out.namespaces.size(),
                  m_out.nodes.size(),           m_out.helm_releases.size(),       m_out.flux_kustomizations.size(),
                  m_out.device_plugin_sharing.size(), m_out.files.size(),       m_out.skipped_remote.size(),
                  m_diags.size()};
  }
  void take_back(const Staged& m) {
    auto cut = [](auto& c, size_t n) { c.erase(c.begin() + static_cast<std::ptrdiff_t>(n), c.end()); };
    cut(m_out.workloads, m.workloads);
    cut(m_out.runtime_classes, m.runtime_classes);
    cut(m_out.namespaces, m.namespaces);
    cut(m_out.nodes, m.nodes);
    cut(m_out.helm_releases, m.helm_releases);
    cut(m_out.flux_kustomizations, m.flux_kustomizations);
    cut(m_out.device_plugin_sharing, m.sharing);
    cut(m_out.files, m.files);
    cut(m_out.skipped_remote, m.skipped_remote);
    m_diags.truncate(m.diagnostics);
  }

  Result<void> load_dir(const std::string& dir) {
    for (const char* name : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
      std::string k = join_path(dir, name);
      if (file_exists(k)) {
        return load_file(k);
      }
    }
    std::string key = canonical(dir) + "/";
    if (!m_seen.insert(key).second) {
      return {};
    }
    // No kustomization: every manifest below, in path order (deterministic).
    std::vector<WalkedFile> files;
    std::vector<std::string> chain;  // canonical folders from `dir` down to the one being read
    std::set<std::string> visited;   // every folder read once, however many links lead to it
    TRY(walk(dir, files, chain, visited));
    // In path order already: walk() goes through each folder in that order.
    if (!read_ahead_enabled()) {
      for (auto& f : files) {
        TRY(load_file(f.path, std::move(f.canonical)));
      }
      return {};
    }
    // A reader thread runs ahead when the folder's first files are small (core/prefetch.hpp decides),
    // taken in the same order.
    std::vector<std::string> paths;
    paths.reserve(files.size());
    for (const auto& f : files) {
      paths.push_back(f.path);
    }
    Prefetcher ahead(std::move(paths), PrefetchOptions{.max_bytes = m_parse.max_bytes});
    for (size_t i = 0; i < files.size(); ++i) {
      if (first_visit(files[i].path, std::move(files[i].canonical))) {
        TRY(load_contents(files[i].path, ahead.take(i)));
      }
    }
    return {};
  }

  // Collects the manifest files below `dir`. Symbolic links are followed, each target folder at
  // most once; a link back to a folder on the current path is a loop, reported; an entry that
  // cannot be read (a folder without permission, a dangling link) is an error, exit 2, because a
  // check that skipped part of the folder would report "no findings" for what it never saw.
  // FIFOs, sockets and devices are never opened (kubectl reads regular files only).
  // The folder's entries come with their type (d_type), so only symbolic links cost a stat; a
  // file's canonical path is the folder's plus its name unless it is a link, so it needs no
  // realpath later.
  // `known_real`: the folder's canonical path when the caller knows it (a folder entry that is
  // not a link, below a canonical folder), else resolved here (realpath: a system call per path
  // component, per folder).
  Result<void> walk(const std::string& dir, std::vector<WalkedFile>& files, std::vector<std::string>& chain,
                    std::set<std::string>& visited, std::string known_real = {}) {
    constexpr size_t k_max_depth = 64;
    std::error_code ec;
    std::string real = std::move(known_real);
    if (real.empty()) {
      real = fs::canonical(dir, ec).string();
      if (ec) {
        return fail(fmt::format("cannot read folder '{}': {}", dir, ec.message()), {}, "io-read");
      }
    }
    if (std::find(chain.begin(), chain.end(), real) != chain.end()) {
      return fail(fmt::format("symbolic link loop: '{}' leads back to '{}'", dir, real), {}, "manifest-symlink-loop");
    }
    if (!visited.insert(real).second) {
      return {};
    }
    if (chain.size() >= k_max_depth) {
      return fail(fmt::format("folder '{}' is nested more than {} levels deep", dir, k_max_depth), {}, "io-read");
    }
    chain.push_back(real);
    TRY_ASSIGN(std::vector<FolderEntry> entries, list_folder(dir));
    const std::string prefix = !dir.empty() && dir.back() == '/' ? dir : dir + "/";
    TRY_ASSIGN(std::vector<Kept> kept, keep_entries(prefix, entries));
    const std::string real_prefix = real == "/" ? "" : real;
    for (const auto& k : kept) {
      std::string path = prefix + k.name;
      std::string canonical = k.link ? std::string() : real_prefix + "/" + k.name;
      if (k.folder) {
        TRY(walk(path, files, chain, visited, std::move(canonical)));
      } else {
        files.push_back(WalkedFile{std::move(path), std::move(canonical)});
      }
    }
    chain.pop_back();
    return {};
  }

  // The entries of a folder the walk goes on with: sub-folders (not starting with a dot) and
  // manifest files, in the order of their full paths (a folder sorts as its name plus '/', so
  // walking the folders in this order lists every file in path order without sorting them all).
  struct Kept {
    std::string name;
    bool folder = false;
    bool link = false;
  };
  Result<std::vector<Kept>> keep_entries(const std::string& prefix, const std::vector<FolderEntry>& entries) {
    std::vector<Kept> kept;
    std::error_code ec;
    for (const auto& e : entries) {
      const std::string& name = e.name;
      // The entry's type from d_type (no system call); a link, anything but a folder or a regular
      // file, or a file system without d_type is stat'ed (following links).
      // DT_UNKNOWN (file systems without d_type): lstat tells a link from the rest.
      const bool needs_stat = e.type != DT_DIR && e.type != DT_REG;
      const std::string path = needs_stat ? prefix + name : std::string();
      const bool link = e.type == DT_LNK || (e.type == DT_UNKNOWN && fs::is_symlink(fs::symlink_status(path, ec)));
      fs::file_status st;
      if (e.type == DT_DIR) {
        st = fs::file_status(fs::file_type::directory);
      } else if (e.type == DT_REG) {
        st = fs::file_status(fs::file_type::regular);
      } else {
        st = fs::status(path, ec);
      }
      if (ec || st.type() == fs::file_type::not_found) {
        return fail(fmt::format("cannot read '{}': {}", prefix + name,
                                ec ? ec.message() : std::string("dangling symbolic link")),
                    {}, "io-read");
      }
      if (fs::is_directory(st)) {
        if (name[0] != '.') {  // .git and friends
          kept.push_back(Kept{name, true, link});
        }
        continue;
      }
      if (!is_manifest_name(name) || is_kustomization_name(name)) {
        continue;
      }
      if (!fs::is_regular_file(st)) {
        m_diags.warning("manifest-not-regular",
                        fmt::format("'{}' is not a regular file (a FIFO, socket or device): not read", prefix + name),
                        SourceLocation{prefix + name, 0, 0});
        continue;
      }
      kept.push_back(Kept{name, false, link});
    }
    std::sort(kept.begin(), kept.end(), [](const Kept& a, const Kept& b) {
      return path_order_less(a.name, a.folder, b.name, b.folder);
    });
    return kept;
  }

  // A file that was read but is not valid YAML is a located finding for that file (the other
  // files are still checked); a file that cannot be read at all, or that is refused by a size,
  // nesting or alias limit before it is parsed, stops the load (exit 2).
  Result<void> finding_or_error(const std::string& path, const Error& e) {
    if (e.rule.rfind("yaml-", 0) != 0 || e.rule == "yaml-limit" || e.location.empty()) {
      return tl::unexpected(e);
    }
    m_out.files.push_back(path);
    m_diags.error(e.rule, e.message, e.location);
    return {};
  }

  Result<void> load_kustomization(const std::string& path) {
    auto parsed = yaml::parse_file(path, m_parse);
    if (!parsed) {
      return finding_or_error(path, parsed.error());
    }
    const auto& docs = *parsed;
    m_out.files.push_back(path);
    if (docs.empty() || !docs[0].root.is_mapping()) {
      return {};
    }
    const yaml::Node& root = docs[0].root;
    std::string dir = dirname_of(path);
    for (const char* key : {"resources", "bases", "components"}) {
      const yaml::Node* list = root.find(key);
      if (!list || list->is_null()) {
        continue;
      }
      if (!list->is_sequence()) {
        m_diags.error(k_type, fmt::format("'{}' must be a list, not {}", key, yaml::describe_kind(*list)),
                      list->location());
        continue;
      }
      for (const auto& item : list->items()) {
        if (!item.is_scalar()) {
          continue;
        }
        const std::string& ref = item.value();
        if (is_remote(ref)) {
          m_out.skipped_remote.push_back(ref);
          m_diags.note("manifest-remote", fmt::format("remote resource '{}' is not fetched; it is not checked", ref),
                       item.location());
          continue;
        }
        TRY(load_path(join_path(dir, ref), item.location()));
      }
    }
    return {};
  }

  std::string canonical(const std::string& p) const {
    std::error_code ec;
    auto c = fs::weakly_canonical(p, ec);
    return ec ? p : c.string();
  }

 private:
  Manifests& m_out;
  Diagnostics& m_diags;
  std::unordered_set<std::string> m_seen;
  yaml::AliasBudget m_alias_budget;  // one budget for the whole tree (README "Limits")
  yaml::ParseOptions m_parse{.alias_budget = &m_alias_budget};
};

std::string find_repo_root(const std::string& start) {
  std::error_code ec;
  fs::path p = fs::absolute(start, ec);
  if (!is_directory(p.string())) {
    p = p.parent_path();
  }
  for (fs::path q = p; !q.empty(); q = q.parent_path()) {
    if (fs::exists(q / ".git", ec)) {
      return q.string();
    }
    if (q == q.root_path()) {
      break;
    }
  }
  return is_directory(start) ? start : dirname_of(start);
}

// The `spec.path` of the flux-system Kustomization in a bootstrap's gotk-sync.yaml, or "".
std::string gotk_sync_path(const std::string& file) {
  auto text = read_file(file);
  if (!text) {
    return {};
  }
  auto docs = yaml::parse(*text, file);
  if (!docs) {
    return {};
  }
  for (const auto& d : *docs) {
    const yaml::Node* kind = d.root.is_mapping() ? d.root.find("kind") : nullptr;
    const yaml::Node* spec = d.root.is_mapping() ? d.root.find("spec") : nullptr;
    const yaml::Node* path = spec != nullptr && spec->is_mapping() ? spec->find("path") : nullptr;
    if (kind != nullptr && kind->is_scalar() && kind->value() == "Kustomization" && path != nullptr &&
        path->is_scalar()) {
      return path->value();
    }
  }
  return {};
}

// The root of the Flux source a folder belongs to. flux bootstrap writes
// <path>/flux-system/gotk-sync.yaml, whose Kustomization's spec.path is <path> relative to the
// GitRepository's root (kustomize-controller resolves spec.path against the artifact's root,
// api/v1 KustomizationSpec.Path: "Path to the directory containing the kustomization.yaml file
// ... relative to the root of the source"): a gotk-sync.yaml at X/flux-system whose path is P
// with X ending in P puts the root at X minus P. Searched from `start` up to `stop` (the git
// root), at most two folders deep below each; "" when none is found.
std::string find_flux_root(const std::string& start, const std::string& stop) {
  std::error_code ec;
  fs::path p = fs::absolute(start, ec);
  if (!is_directory(p.string())) {
    p = p.parent_path();
  }
  const fs::path limit = fs::absolute(stop, ec).lexically_normal();
  auto root_from = [](const fs::path& sync) -> std::string {
    fs::path x = sync.parent_path().parent_path().lexically_normal();  // X (holds flux-system/)
    std::string rel = gotk_sync_path(sync.string());
    fs::path rp = fs::path(rel).lexically_normal();
    std::vector<fs::path> parts;
    for (const auto& c : rp) {
      if (!c.empty() && c != "." && c != "/") {
        parts.push_back(c);
      }
    }
    fs::path root = x;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
      if (root.filename() != *it) {
        return {};
      }
      root = root.parent_path();
    }
    return root.string();
  };
  for (fs::path q = p.lexically_normal(); !q.empty(); q = q.parent_path()) {
    std::vector<fs::path> levels = {q};
    for (size_t depth = 0; depth < 3 && !levels.empty(); ++depth) {
      std::vector<fs::path> next;
      for (const auto& dir : levels) {
        fs::path sync = dir / "flux-system" / "gotk-sync.yaml";
        if (fs::exists(sync, ec)) {
          if (std::string r = root_from(sync); !r.empty()) {
            return r;
          }
        }
        if (depth + 1 < 3) {
          for (auto& sub : subfolders(dir.string())) {
            next.push_back(dir / sub);
          }
        }
      }
      std::sort(next.begin(), next.end());
      levels = std::move(next);
    }
    if (q == limit || q == q.root_path()) {
      break;
    }
  }
  return {};
}

}  // namespace

const RuntimeClass* Manifests::find_runtime_class(std::string_view name) const {
  for (const auto& rc : runtime_classes) {
    if (rc.name == name) {
      return &rc;
    }
  }
  return nullptr;
}

const Namespace* Manifests::find_namespace(std::string_view name) const {
  // An index built on the first lookup (a tree with a Namespace per workload made every lookup a
  // scan: quadratic). The first Namespace of a name wins, as the scan had it.
  if (m_namespace_index_size != namespaces.size()) {
    m_namespace_index.clear();
    m_namespace_index.reserve(namespaces.size());
    for (size_t i = 0; i < namespaces.size(); ++i) {
      m_namespace_index.emplace(namespaces[i].name, i);
    }
    m_namespace_index_size = namespaces.size();
  }
  auto it = m_namespace_index.find(std::string(name));
  return it == m_namespace_index.end() ? nullptr : &namespaces[it->second];
}

int64_t Manifests::gpu_time_slicing_replicas() const {
  int64_t best = 1;
  for (const auto& s : device_plugin_sharing) {
    if (s.resource == k_gpu_resource && !s.rename_by_default) {
      best = std::max(best, s.replicas);
    }
  }
  return best;
}

namespace {

// The GPU Operator's ClusterPolicy controller creates the RuntimeClass named by the chart value
// operator.runtimeClass (default "nvidia") with handler "nvidia" (NVIDIA/gpu-operator
// controllers/object_controls.go, the RuntimeClass it applies; deployments/gpu-operator/values.yaml
// operator.runtimeClass), so a cluster with the operator has it without a manifest.
void add_operator_runtime_classes(Manifests& out) {
  for (const auto& hr : out.helm_releases) {
    if (hr.chart != "gpu-operator") {
      continue;
    }
    std::string name = hr.operator_runtime_class.empty() ? "nvidia" : hr.operator_runtime_class;
    if (out.find_runtime_class(name) != nullptr) {
      continue;
    }
    RuntimeClass rc;
    rc.name = name;
    rc.handler = "nvidia";
    rc.location = hr.location;
    rc.handler_location = hr.location;
    out.runtime_classes.push_back(std::move(rc));
  }
}

Result<void> follow_flux(const ManifestLoadOptions& opts, Manifests& out, Loader& loader, Diagnostics& diags);

// kustomize-controller: spec.targetNamespace "sets or overrides the namespace" of every namespaced
// object the Kustomization applies (fluxcd/kustomize-controller api/v1 KustomizationSpec). A
// HelmRelease moved there installs its chart there too, unless it names its own targetNamespace.
void apply_target_namespaces(Manifests& out) {
  std::vector<std::pair<std::string, const FluxKustomization*>> dirs;
  std::error_code ec;
  for (const auto& k : out.flux_kustomizations) {
    if (!k.target_namespace.empty() && !k.resolved_path.empty()) {
      std::string d = fs::weakly_canonical(k.resolved_path, ec).string();
      dirs.emplace_back(ec ? k.resolved_path : d, &k);
    }
  }
  if (dirs.empty()) {
    return;
  }
  std::map<std::string, std::string, std::less<>> by_file;  // file -> target namespace ("" none)
  auto target_of = [&](const SourceLocation& loc) -> const std::string& {
    auto [it, fresh] = by_file.try_emplace(std::string(loc.file.str()));
    if (fresh) {
      std::string f = fs::weakly_canonical(it->first, ec).string();
      size_t best = 0;
      for (const auto& [d, k] : dirs) {  // the deepest Kustomization path holding the file wins
        if (f.size() > d.size() && f.compare(0, d.size(), d) == 0 && f[d.size()] == '/' && d.size() > best) {
          best = d.size();
          it->second = k->target_namespace;
        }
      }
    }
    return it->second;
  };
  for (auto& hr : out.helm_releases) {
    if (const std::string& t = target_of(hr.location); !t.empty()) {
      hr.namespace_ = t;
    }
  }
  for (auto& w : out.workloads) {
    const std::string& t = target_of(w.location);
    if (t.empty()) {
      continue;
    }
    if (w.derived_from.empty()) {
      w.namespace_ = t;
      continue;
    }
    // Rendered from a HelmRelease: its own targetNamespace wins, else the release's namespace.
    for (const auto& hr : out.helm_releases) {
      const std::string suffix = "/" + hr.name;
      if (hr.location.file == w.location.file && w.derived_from.size() > suffix.size() &&
          w.derived_from.compare(w.derived_from.size() - suffix.size(), suffix.size(), suffix) == 0) {
        if (hr.target_namespace.empty()) {
          w.namespace_ = t;
        }
        w.derived_from = fmt::format("HelmRelease {}/{}", t, hr.name);
        break;
      }
    }
  }
}

}  // namespace

Result<Manifests> load_manifests(const ManifestLoadOptions& opts, Diagnostics& diags) {
  Manifests out;
  Loader loader(out, diags);
  for (const auto& p : opts.paths) {
    TRY(loader.load_path(p));
  }
  if (opts.follow_flux && !opts.paths.empty()) {
    TRY(follow_flux(opts, out, loader, diags));
  }
  apply_target_namespaces(out);
  add_operator_runtime_classes(out);
  return out;
}

namespace {

Result<void> follow_flux(const ManifestLoadOptions& opts, Manifests& out, Loader& loader, Diagnostics& diags) {
  std::string root = opts.repo_root;
  if (root.empty()) {
    // The Flux source's root when a bootstrap shows where it is, else the git repository's root.
    std::string git_root = find_repo_root(opts.paths.front());
    root = find_flux_root(opts.paths.front(), git_root);
    if (root.empty()) {
      root = git_root;
    }
  }
  std::string shown_root = root;  // in messages: relative to the working folder when below it
  {
    std::error_code ec;
    fs::path rel = fs::relative(root, fs::current_path(ec), ec);
    if (!ec && !rel.empty() && rel.begin()->string() != "..") {
      shown_root = rel.string();
    }
  }
  // Flux Kustomizations found so far (and in what they lead to) name more folders.
  for (size_t i = 0; i < out.flux_kustomizations.size(); ++i) {
    FluxKustomization& k = out.flux_kustomizations[i];
    if (k.path.empty()) {
      continue;
    }
    std::string rel = k.path;
    while (rel.rfind("./", 0) == 0) {
      rel = rel.substr(2);
    }
    std::string resolved = rel.empty() || rel == "." ? root : join_path(root, rel);
    if (!is_directory(resolved)) {
      diags.warning("manifest-path",
                    fmt::format("Flux Kustomization '{}' path '{}' is not a folder under {}", k.name, k.path, shown_root),
                    k.location);
      continue;
    }
    k.resolved_path = resolved;
    std::string path_copy = resolved;
    TRY(loader.load_path(path_copy));
  }
  return {};
}

}  // namespace

}  // namespace talgpu::kube
