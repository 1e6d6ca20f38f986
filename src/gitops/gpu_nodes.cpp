#include <gitops/gpu_nodes.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <kube/declared_nodes.hpp>
#include <yaml/document.hpp>

namespace talgpu::gitops {

namespace {

const yaml::Node* child(const yaml::Node* n, std::string_view key) {
  return n != nullptr && n->is_mapping() ? n->find(key) : nullptr;
}

void taints_from_patch(const talhelper::Patch& p, std::vector<kube::Taint>& out) {
  std::string name = p.file.empty() ? p.location.str() + " (patch)" : p.file;
  auto docs = yaml::parse(p.text, name);
  if (!docs) {
    return;  // the talconfig loader reports patch syntax errors
  }
  for (const auto& doc : *docs) {
    const yaml::Node* machine = child(&doc.root, "machine");
    // KubeletConfiguration.registerWithTaints: [{key, value, effect}] (k8s.io/kubelet config/v1beta1).
    const yaml::Node* reg = child(child(child(machine, "kubelet"), "extraConfig"), "registerWithTaints");
    if (reg != nullptr && reg->is_sequence()) {
      for (const auto& t : reg->items()) {
        const yaml::Node* key = child(&t, "key");
        if (key == nullptr || !key->is_scalar()) {
          continue;
        }
        const yaml::Node* value = child(&t, "value");
        const yaml::Node* effect = child(&t, "effect");
        out.push_back(kube::Taint{key->value(), value != nullptr && value->is_scalar() ? value->value() : "",
                                  effect != nullptr && effect->is_scalar() ? effect->value() : "",
                                  p.file.empty() ? p.location : t.location()});
      }
    }
    // machine.nodeTaints: {key: "value:Effect"} (Talos v1alpha1 MachineConfig.NodeTaints).
    const yaml::Node* nt = child(machine, "nodeTaints");
    if (nt != nullptr && nt->is_mapping()) {
      for (const auto& e : nt->entries()) {
        if (e.value.is_scalar()) {
          out.push_back(kube::parse_talos_taint(e.key.value(), e.value.value(),
                                                p.file.empty() ? p.location : e.key.location()));
        }
      }
    }
  }
}

bool same_taint(const kube::Taint& a, const kube::Taint& b) {
  return a.key == b.key && a.value == b.value && a.effect == b.effect;
}

void add_unique(std::vector<kube::Taint>& out, const kube::Taint& t) {
  if (std::none_of(out.begin(), out.end(), [&](const kube::Taint& o) { return same_taint(o, t); })) {
    out.push_back(t);
  }
}

// Labels the kubelet or Talos set on every node: never a GPU selector.
bool kubelet_label(std::string_view key) {
  return key == "kubernetes.io/hostname" || key == "kubernetes.io/os" || key == "kubernetes.io/arch" ||
         key.rfind("node-role.kubernetes.io/", 0) == 0 || key.rfind("extensions.talos.dev/", 0) == 0;
}

bool mentions_gpu(std::string_view s) {
  return s.find("gpu") != std::string_view::npos || s.find("nvidia") != std::string_view::npos;
}

}  // namespace

std::vector<kube::Taint> patch_taints(const talhelper::TalConfig& cfg, const talhelper::Node& node) {
  std::vector<kube::Taint> out;
  for (const auto& p : cfg.patches) {
    taints_from_patch(p, out);
  }
  for (const auto& p : node.patches) {
    taints_from_patch(p, out);
  }
  return out;
}

kube::Toleration toleration_for(const kube::Taint& t) {
  kube::Toleration tol;
  tol.key = t.key;
  if (t.value.empty()) {
    tol.op = "Exists";
  } else {
    tol.op = "Equal";
    tol.value = t.value;
  }
  tol.effect = t.effect;
  return tol;
}

Selection select_gpu_nodes(const talhelper::TalConfig& cfg, Diagnostics& diags) {
  Selection sel;
  std::vector<check::NodeInfo> nodes = check::build_nodes(&cfg, {}, true, diags);
  std::vector<const check::NodeInfo*> others;
  for (const auto& ni : nodes) {
    if (!ni.is_gpu || !ni.gpu || ni.declared == nullptr) {
      others.push_back(&ni);
      continue;
    }
    GpuNode g;
    g.hostname = ni.node.name;
    g.declared = ni.declared;
    g.gpu = *ni.gpu;
    g.labels = ni.node.labels;
    g.taints = ni.node.taints;
    for (const auto& t : patch_taints(cfg, *ni.declared)) {
      add_unique(g.taints, t);
    }
    sel.gpu_nodes.push_back(std::move(g));
  }
  if (sel.gpu_nodes.empty()) {
    return sel;
  }
  for (const auto& g : sel.gpu_nodes) {
    sel.hostnames.push_back(g.hostname);
    for (const auto& t : g.taints) {
      add_unique(sel.taints, t);
    }
  }
  std::sort(sel.hostnames.begin(), sel.hostnames.end());

  // Candidates: labels of the first GPU node that every GPU node carries with the same value and
  // no other node carries with that value.
  std::vector<std::pair<std::string, std::string>> exclusive;
  for (const auto& e : sel.gpu_nodes.front().labels) {
    if (kubelet_label(e.key)) {
      continue;
    }
    bool shared = std::all_of(sel.gpu_nodes.begin(), sel.gpu_nodes.end(), [&](const GpuNode& g) {
      const std::string* v = g.labels.find(e.key);
      return v != nullptr && *v == e.value;
    });
    bool elsewhere = std::any_of(others.begin(), others.end(), [&](const check::NodeInfo* o) {
      const std::string* v = o->node.labels.find(e.key);
      return v != nullptr && *v == e.value;
    });
    if (shared && !elsewhere) {
      exclusive.emplace_back(e.key, e.value);
    }
  }
  std::stable_sort(exclusive.begin(), exclusive.end(), [](const auto& a, const auto& b) {
    bool ga = mentions_gpu(a.first) || mentions_gpu(a.second);
    bool gb = mentions_gpu(b.first) || mentions_gpu(b.second);
    return ga != gb ? ga : a.first < b.first;
  });
  if (!exclusive.empty()) {
    sel.label_key = exclusive.front().first;
    sel.label_value = exclusive.front().second;
    return sel;
  }
  const GpuNode& first = sel.gpu_nodes.front();
  diags.warning("manifests-no-shared-label",
                fmt::format("the GPU nodes ({}) share no label that only they carry: the RuntimeClass gets no "
                            "nodeSelector, so GPU pods are kept off other nodes only by their GPU request",
                            fmt::join(sel.hostnames, ", ")),
                first.declared->field_location("nodeLabels"),
                fmt::format("add `nodeLabels: {{{}: \"{}\"}}` to every GPU node in talconfig.yaml and run talgpu "
                            "manifests again",
                            sel.suggested_key, sel.suggested_value));
  return sel;
}

}  // namespace talgpu::gitops
