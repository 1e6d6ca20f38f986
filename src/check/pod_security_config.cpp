#include <check/pod_security_config.hpp>

#include <algorithm>
#include <string_view>

#include <talos/machineconfig.hpp>
#include <talos/patch.hpp>
#include <yaml/document.hpp>

namespace talgpu::check {

namespace {

constexpr std::string_view k_admission_path = "/cluster/apiServer/admissionControl";

// A JSON 6902 path that reaches the admission list: above it (/cluster, /cluster/apiServer) or in it.
bool touches_admission(std::string_view path) {
  if (path.empty()) {
    return false;
  }
  if (path.size() <= k_admission_path.size()) {
    return k_admission_path.substr(0, path.size()) == path &&
           (path.size() == k_admission_path.size() || k_admission_path[path.size()] == '/');
  }
  return path.substr(0, k_admission_path.size()) == k_admission_path && path[k_admission_path.size()] == '/';
}

// Keeps what can change the admission list: the other fields are absent from the small document
// the patches are applied to, and an operation on them would fail there.
bool narrow(talos::ConfigPatch& p) {
  if (p.kind == talos::ConfigPatch::Kind::json6902) {
    std::erase_if(p.ops, [](const talos::JsonPatchOp& op) {
      return !touches_admission(op.path) && (op.from.empty() || !touches_admission(op.from));
    });
    return !p.ops.empty();
  }
  std::erase_if(p.documents, [](const yaml::Node& d) {
    const yaml::Node* c = d.is_mapping() ? d.find("cluster") : nullptr;
    const yaml::Node* a = c != nullptr && c->is_mapping() ? c->find("apiServer") : nullptr;
    return a == nullptr || !a->is_mapping() || a->find("admissionControl") == nullptr;
  });
  return !p.documents.empty();
}

std::vector<std::string> strings(const yaml::Node* n) {
  std::vector<std::string> out;
  if (n != nullptr && n->is_sequence()) {
    for (const auto& i : n->items()) {
      if (i.is_scalar()) {
        out.push_back(i.value());
      }
    }
  }
  return out;
}

// One mode of PodSecurityConfiguration.defaults ("enforce", "enforce-version"); unset levels are
// privileged and unset versions latest (SetDefaults_PodSecurityDefaults).
kube::PsaPolicy read_mode(const yaml::Node& defaults, const std::string& mode) {
  kube::PsaPolicy p;
  if (const yaml::Node* l = defaults.find(mode); l != nullptr && l->is_scalar()) {
    p.level = kube::parse_psa_level(l->value()).value_or(kube::PsaLevel::privileged);
  }
  if (const yaml::Node* v = defaults.find(mode + "-version"); v != nullptr && v->is_scalar()) {
    p.version = kube::parse_psa_version(v->value()).value_or(kube::PsaVersion::make_latest());
  }
  return p;
}

void read_config(const yaml::Node& list, ClusterPodSecurity& out) {
  if (!list.is_sequence()) {
    return;
  }
  for (const auto& plugin : list.items()) {
    const yaml::Node* name = plugin.is_mapping() ? plugin.find("name") : nullptr;
    if (name == nullptr || !name->is_scalar() || name->value() != "PodSecurity") {
      continue;
    }
    const yaml::Node* conf = plugin.find("configuration");
    if (conf == nullptr || !conf->is_mapping()) {
      continue;
    }
    if (const yaml::Node* d = conf->find("defaults"); d != nullptr && d->is_mapping()) {
      out.defaults.enforce = read_mode(*d, "enforce");
      out.defaults.audit = read_mode(*d, "audit");
      out.defaults.warn = read_mode(*d, "warn");
    }
    if (const yaml::Node* e = conf->find("exemptions"); e != nullptr && e->is_mapping()) {
      out.exempt_namespaces = strings(e->find("namespaces"));
      out.exempt_runtime_classes = strings(e->find("runtimeClasses"));
    }
  }
}

}  // namespace

bool ClusterPodSecurity::exempt(const std::string& ns, const std::string* runtime_class) const {
  return std::find(exempt_namespaces.begin(), exempt_namespaces.end(), ns) != exempt_namespaces.end() ||
         (runtime_class != nullptr &&
          std::find(exempt_runtime_classes.begin(), exempt_runtime_classes.end(), *runtime_class) !=
              exempt_runtime_classes.end());
}

ClusterPodSecurity cluster_pod_security(const talhelper::TalConfig* cfg) {
  ClusterPodSecurity out;
  if (cfg == nullptr) {
    return out;
  }
  out.declared = true;
  out.location = SourceLocation{cfg->path, 1, 1};
  yaml::Node api = yaml::Node::mapping();
  api.set("admissionControl", talos::default_pod_security_admission());
  yaml::Node cluster = yaml::Node::mapping();
  cluster.set("apiServer", std::move(api));
  yaml::Node doc = yaml::Node::mapping();
  doc.set("version", yaml::Node::string("v1alpha1"));
  doc.set("cluster", std::move(cluster));
  std::vector<yaml::Node> docs;
  docs.push_back(std::move(doc));

  const talhelper::Node* cp = nullptr;
  for (const auto& n : cfg->nodes) {
    if (n.control_plane) {
      cp = &n;
      break;
    }
  }
  auto apply = [&](const std::vector<talhelper::Patch>& patches) {
    for (const auto& p : patches) {
      std::string name = !p.file.empty() ? p.file : p.location.str() + " (inline patch)";
      auto parsed = talos::parse_patch(p.text, name, p.location);
      if (!parsed || !narrow(*parsed)) {
        continue;
      }
      std::vector<yaml::Node> next = docs;
      if (talos::apply_patch(next, *parsed)) {
        docs = std::move(next);
        out.patched = true;
        out.location = p.location;
      }
    }
  };
  apply(cp != nullptr ? cp->patches : cfg->control_plane.patches);
  apply(cfg->patches);
  const yaml::Node* c = docs.front().find("cluster");
  const yaml::Node* a = c != nullptr && c->is_mapping() ? c->find("apiServer") : nullptr;
  const yaml::Node* list = a != nullptr && a->is_mapping() ? a->find("admissionControl") : nullptr;
  if (list != nullptr) {
    read_config(*list, out);
  }
  return out;
}

}  // namespace talgpu::check
