#include <kube/live_status.hpp>

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <core/term.hpp>
#include <kube/declared_nodes.hpp>
#include <kube/manifest_loader.hpp>
#include <kube/scheduling.hpp>
#include <nvidia/catalog.hpp>
#include <nvidia/gpu_node.hpp>

namespace talgpu::kube {

using nlohmann::json;

std::string driver_from_extension_labels(const std::vector<std::pair<std::string, std::string>>& extensions) {
  for (const auto& [name, version] : extensions) {
    auto info = nvidia::classify_extension(name);
    if (info && info->role == nvidia::ExtensionRole::kernel_modules) {
      return version.substr(0, version.find('-'));
    }
  }
  return {};
}

namespace {

void add(ClusterStatus& s, std::string subject, std::string rule, std::string message, std::string fix) {
  s.drift.push_back(DriftItem{std::move(subject), std::move(rule), std::move(message), std::move(fix)});
}

void compare_node(ClusterStatus& s, NodeStatus& row, const Node& declared, const client::ObservedNode& o,
                  const std::string& talos_declared) {
  const std::string& n = row.name;
  row.ready = o.facts.ready;
  row.ready_reason = o.facts.ready_reason;
  row.talos_observed = o.facts.talos_version;
  row.extensions = o.facts.extensions;
  row.driver_observed = driver_from_extension_labels(o.facts.extensions);
  if (auto it = o.node.allocatable.find(std::string(k_gpu_resource)); it != o.node.allocatable.end() && it->second.milli) {
    row.gpu_allocatable = *it->second.milli / 1000;
  }
  if (row.ready != true) {
    add(s, n, "status-node-not-ready",
        row.ready ? fmt::format("node is not Ready{}", row.ready_reason.empty() ? "" : " (" + row.ready_reason + ")")
                  : std::string("node reports no Ready condition"),
        fmt::format("kubectl describe node {}; talosctl -n {} dmesg", n, n));
  }
  if (!talos_declared.empty() && !row.talos_observed.empty() && talos_declared != row.talos_observed) {
    add(s, n, "status-talos-version", fmt::format("runs Talos {}, talconfig declares {}", row.talos_observed, talos_declared),
        fmt::format("talgpu gencommand upgrade --node {} (talosctl upgrade to the declared installer)", n));
  }
  for (const auto& c : taint_changes(declared.taints, o.node.taints, false)) {
    if (c.kind == TaintChange::Kind::keep_undeclared) {
      row.taints_undeclared.push_back(c.taint.str());
      add(s, n, "status-taint-undeclared", fmt::format("taint {} is not in talconfig.yaml", c.taint.str()),
          fmt::format("declare it under nodeTaints, or talgpu taint --apply --prune --node {} ({})", n,
                      kubectl_taint_command(n, c)));
    } else {
      row.taints_missing.push_back(c.taint.str());
      add(s, n, "status-taint-missing",
          c.kind == TaintChange::Kind::change
              ? fmt::format("taint {}:{} has value {}, talconfig declares {}", c.taint.key, c.taint.effect,
                            c.before.empty() ? "\"\"" : c.before, c.taint.str())
              : fmt::format("declared taint {} is missing", c.taint.str()),
          fmt::format("talgpu taint --apply --node {} ({})", n, kubectl_taint_command(n, c)));
    }
  }
  for (const auto& c : label_changes(declared, o.node)) {
    row.labels_missing.push_back(c.key + "=" + c.value);
    add(s, n, "status-label-missing",
        c.before ? fmt::format("label {} is {}, talconfig declares {}", c.key, *c.before, c.value)
                 : fmt::format("declared label {}={} is missing", c.key, c.value),
        fmt::format("talgpu label --apply --node {} ({})", n, kubectl_label_command(n, c)));
  }
  if (row.gpu_declared) {
    if (!row.gpu_allocatable || *row.gpu_allocatable == 0) {
      add(s, n, "status-gpu-not-advertised", "declared GPU node advertises no allocatable nvidia.com/gpu",
          "install the NVIDIA device plugin (runtimeClassName: nvidia) and check its pod on this node");
    }
    if (row.driver_observed.empty()) {
      add(s, n, "status-extension-missing", "no NVIDIA kernel-module extension is running (no extensions.talos.dev/*nvidia* label)",
          fmt::format("talgpu gencommand upgrade --node {} (install the schematic's installer)", n));
    } else if (!row.driver_declared.empty() && row.driver_declared != row.driver_observed) {
      add(s, n, "status-driver-version",
          fmt::format("runs NVIDIA driver {}, the declaration gives {}", row.driver_observed, row.driver_declared),
          fmt::format("talgpu gencommand upgrade --node {}", n));
    }
  }
}


// A toleration of the live RuntimeClass's scheduling (core/v1 Toleration JSON).
Toleration toleration_from_json(const json& t) {
  Toleration out;
  out.key = t.value("key", "");
  out.op = t.value("operator", "");
  out.value = t.value("value", "");
  out.effect = t.value("effect", "");
  return out;
}

std::string toleration_text(const Toleration& t) {
  std::string s = t.key.empty() ? "*" : t.key;
  if (t.op == "Exists") {
    s += " (exists)";
  } else if (!t.value.empty()) {
    s += "=" + t.value;
  }
  return s + (t.effect.empty() ? "" : ":" + t.effect);
}

// The RuntimeClass admission plugin merges scheduling.nodeSelector and scheduling.tolerations
// into every pod with runtimeClassName: nvidia (plugin/pkg/admission/runtimeclass): a GPU node
// that lacks a selected label, or carries a NoSchedule/NoExecute taint the class does not
// tolerate, is out of reach for those pods -- the scenario's second taint, months unnoticed.
void runtime_class_reach(ClusterStatus& s, const json& rc, const std::vector<const client::ObservedNode*>& gpu_nodes) {
  const json sched = rc.value("scheduling", json::object());
  const json selector = sched.value("nodeSelector", json::object());
  std::vector<Toleration> tolerations;
  for (const auto& t : sched.value("tolerations", json::array())) {
    tolerations.push_back(toleration_from_json(t));
  }
  std::vector<std::string> parts;
  for (const auto& [k, v] : selector.items()) {
    parts.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
  }
  s.runtime_class_selector = fmt::format("{}", fmt::join(parts, ","));
  parts.clear();
  for (const auto& t : tolerations) {
    parts.push_back(toleration_text(t));
  }
  s.runtime_class_tolerations = fmt::format("{}", fmt::join(parts, ", "));
  if (!s.runtime_class_scheduling) {
    return;  // pods carry their own selector and tolerations: nothing to compare
  }
  for (const client::ObservedNode* o : gpu_nodes) {
    const std::string& n = o->node.name;
    for (const auto& [k, v] : selector.items()) {
      std::string want = v.is_string() ? v.get<std::string>() : v.dump();
      const std::string* have = o->node.labels.find(k);
      if (have == nullptr || *have != want) {
        add(s, n, "status-runtimeclass-selector",
            fmt::format("RuntimeClass nvidia selects {}={}, which this GPU node {}: pods with runtimeClassName: "
                        "nvidia never land here",
                        k, want, have == nullptr ? "does not carry" : "has as " + *have),
            fmt::format("talgpu label --apply --node {} (if talconfig declares it), or regenerate the RuntimeClass: "
                        "talgpu manifests",
                        n));
      }
    }
    for (const auto& taint : o->node.taints) {
      if (taint.effect != "NoSchedule" && taint.effect != "NoExecute") {
        continue;
      }
      bool ok = std::any_of(tolerations.begin(), tolerations.end(),
                            [&](const Toleration& t) { return tolerates(t, taint); });
      if (!ok) {
        add(s, n, "status-runtimeclass-toleration",
            fmt::format("GPU node has taint {} that RuntimeClass nvidia does not tolerate: pods with runtimeClassName: "
                        "nvidia (and the device plugin, if it uses the class) cannot schedule here",
                        taint.str()),
            fmt::format("regenerate the RuntimeClass with every GPU node taint (talgpu manifests), commit, let Flux "
                        "apply it; or remove the taint (talgpu taint --apply --prune --node {})",
                        n));
      }
    }
  }
}

// The live RuntimeClass and GPU namespace against the GitOps manifests (`talgpu status gitops/`).
void against_manifests(ClusterStatus& s, const StatusInputs& in) {
  const Manifests& m = *in.manifests;
  if (const RuntimeClass* want = m.find_runtime_class("nvidia"); want != nullptr && in.runtime_class) {
    std::vector<std::string> diff;
    if (want->handler != s.runtime_class_handler) {
      diff.push_back(fmt::format("handler {} vs {}", s.runtime_class_handler, want->handler));
    }
    std::vector<std::string> sel;
    for (const auto& e : want->node_selector) {
      sel.push_back(e.key + "=" + e.value);
    }
    std::string want_sel = fmt::format("{}", fmt::join(sel, ","));
    if (want_sel != s.runtime_class_selector) {
      diff.push_back(fmt::format("nodeSelector {{{}}} vs {{{}}}", s.runtime_class_selector, want_sel));
    }
    std::vector<std::string> tol;
    for (const auto& t : want->tolerations) {
      tol.push_back(toleration_text(t));
    }
    std::string want_tol = fmt::format("{}", fmt::join(tol, ", "));
    if (want_tol != s.runtime_class_tolerations) {
      diff.push_back(fmt::format("tolerations [{}] vs [{}]", s.runtime_class_tolerations, want_tol));
    }
    if (!diff.empty()) {
      add(s, "RuntimeClass nvidia", "status-runtimeclass-not-applied",
          fmt::format("the cluster's RuntimeClass differs from {}:{} (cluster vs manifest: {})", want->location.file,
                      want->location.line, fmt::join(diff, "; ")),
          fmt::format("apply the manifest: flux reconcile kustomization <name> --with-source, or kubectl apply -f {}",
                      want->location.file));
    }
  } else if (want != nullptr && !in.runtime_class) {
    add(s, "RuntimeClass nvidia", "status-runtimeclass-not-applied",
        fmt::format("{}:{} defines RuntimeClass nvidia, the cluster has none", want->location.file, want->location.line),
        fmt::format("flux reconcile kustomization <name> --with-source, or kubectl apply -f {}", want->location.file));
  }
  if (const Namespace* want = m.find_namespace(s.gpu_namespace); want != nullptr && in.namespace_) {
    for (const auto& e : want->labels) {
      if (e.key.rfind("pod-security.kubernetes.io/", 0) != 0) {
        continue;
      }
      auto it = std::find_if(s.namespace_psa.begin(), s.namespace_psa.end(), [&](const auto& kv) { return kv.first == e.key; });
      if (it == s.namespace_psa.end() || it->second != e.value) {
        add(s, "Namespace " + s.gpu_namespace, "status-namespace-not-applied",
            fmt::format("label {} is {} in the cluster, {} in {}:{}", e.key, it == s.namespace_psa.end() ? "absent" : it->second,
                        e.value, want->location.file, want->location.line),
            fmt::format("flux reconcile kustomization <name> --with-source, or kubectl apply -f {}", want->location.file));
      }
    }
  }
}
}  // namespace

ClusterStatus compute_status(const StatusInputs& in) {
  ClusterStatus s;
  s.gpu_namespace = in.gpu_namespace;
  std::map<std::string, const client::ObservedNode*> observed;
  for (const auto& o : in.observed) {
    observed[o.node.name] = &o;
  }
  bool any_gpu = false;
  std::map<std::string, bool> seen;
  if (in.config != nullptr) {
    for (const auto& tn : in.config->nodes) {
      Node declared = declared_node(tn, in.config->allow_scheduling_on_control_planes);
      NodeStatus row;
      row.name = declared.name;
      row.declared = true;
      row.gpu_declared = declared.gpu;
      row.talos_declared = in.config->talos_version;
      if (declared.gpu) {
        Diagnostics ignored;
        row.driver_declared = nvidia::analyze_gpu_node(*in.config, tn, ignored).driver;
      }
      any_gpu = any_gpu || declared.gpu;
      seen[row.name] = true;
      auto it = observed.find(row.name);
      if (it == observed.end()) {
        add(s, row.name, "status-node-missing", "declared node is not in the cluster",
            fmt::format("boot it with its machine config: talgpu gencommand apply --node {}", row.name));
      } else {
        row.observed = true;
        compare_node(s, row, declared, *it->second, row.talos_declared);
      }
      s.nodes.push_back(std::move(row));
    }
  }
  for (const auto& o : in.observed) {
    if (seen.count(o.node.name)) {
      continue;
    }
    NodeStatus row;
    row.name = o.node.name;
    row.observed = true;
    row.ready = o.facts.ready;
    row.talos_observed = o.facts.talos_version;
    row.extensions = o.facts.extensions;
    row.driver_observed = driver_from_extension_labels(o.facts.extensions);
    if (auto it = o.node.allocatable.find(std::string(k_gpu_resource)); it != o.node.allocatable.end() && it->second.milli) {
      row.gpu_allocatable = *it->second.milli / 1000;
    }
    if (in.config != nullptr) {
      add(s, row.name, "status-node-undeclared", "node is in the cluster but not in talconfig.yaml",
          fmt::format("add it to talconfig.yaml, or remove it: kubectl delete node {}", row.name));
    }
    s.nodes.push_back(std::move(row));
  }
  if (in.runtime_class) {
    s.runtime_class_present = true;
    s.runtime_class_handler = in.runtime_class->value("handler", "");
    s.runtime_class_scheduling = in.runtime_class->contains("scheduling");
    if (s.runtime_class_handler != "nvidia") {
      add(s, "RuntimeClass nvidia", "status-runtimeclass-handler",
          fmt::format("handler is {}, Talos's NVIDIA container toolkit registers \"nvidia\"", s.runtime_class_handler),
          "set handler: nvidia in the RuntimeClass manifest and re-apply it");
    }
    std::vector<const client::ObservedNode*> gpu_nodes;
    for (const auto& row : s.nodes) {
      bool gpu = row.gpu_declared || (row.gpu_allocatable && *row.gpu_allocatable > 0) || !row.driver_observed.empty();
      if (auto it = observed.find(row.name); gpu && it != observed.end()) {
        gpu_nodes.push_back(it->second);
      }
    }
    runtime_class_reach(s, *in.runtime_class, gpu_nodes);
  } else if (any_gpu) {
    add(s, "RuntimeClass nvidia", "status-runtimeclass-missing", "RuntimeClass nvidia does not exist: GPU pods are rejected",
        "kubectl apply a RuntimeClass named nvidia with handler: nvidia");
  }
  if (in.namespace_) {
    s.namespace_present = true;
    const json labels = in.namespace_->value("metadata", json::object()).value("labels", json::object());
    for (const auto& [k, v] : labels.items()) {
      if (k.rfind("pod-security.kubernetes.io/", 0) == 0 && v.is_string()) {
        s.namespace_psa.emplace_back(k, v.get<std::string>());
      }
    }
    for (const auto& [k, v] : s.namespace_psa) {
      if (k == "pod-security.kubernetes.io/enforce" && v != "privileged") {
        add(s, "Namespace " + s.gpu_namespace, "status-namespace-psa",
            fmt::format("enforces Pod Security {}: the NVIDIA device plugin (hostPath, privileged) is rejected there", v),
            fmt::format("kubectl label namespace {} pod-security.kubernetes.io/enforce=privileged --overwrite", s.gpu_namespace));
      }
    }
  } else if (any_gpu) {
    add(s, "Namespace " + s.gpu_namespace, "status-namespace-missing",
        fmt::format("namespace {} (device plugin, talgpu verify) does not exist", s.gpu_namespace),
        fmt::format("kubectl create namespace {} && kubectl label namespace {} pod-security.kubernetes.io/enforce=privileged",
                    s.gpu_namespace, s.gpu_namespace));
  }
  if (in.manifests != nullptr) {
    against_manifests(s, in);
  }
  return s;
}

namespace {

// Names and values come from the cluster: control characters are escaped in human output.
std::string esc(std::string_view v) {
  std::string out;
  for (unsigned char c : v) {
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

std::string render_status_text(const ClusterStatus& s, bool color) {
  std::string out;
  out += fmt::format("{:<20} {:<6} {:<9} {:<9} {:>4}  {:<12} {}\n", "NODE", "READY", "TALOS", "DECLARED", "GPUS", "DRIVER", "TAINTS");
  for (const auto& r : s.nodes) {
    std::string ready = !r.observed ? "absent" : r.ready ? (*r.ready ? "yes" : "no") : "?";
    std::string gpus = r.gpu_allocatable ? std::to_string(*r.gpu_allocatable) : (r.gpu_declared ? "0" : "-");
    std::string taints = r.taints_missing.empty() && r.taints_undeclared.empty() ? "ok"
                         : fmt::format("{} missing, {} undeclared", r.taints_missing.size(), r.taints_undeclared.size());
    out += fmt::format("{:<20} {:<6} {:<9} {:<9} {:>4}  {:<12} {}\n", esc(r.name), ready,
                       r.talos_observed.empty() ? "-" : esc(r.talos_observed), r.declared ? (r.gpu_declared ? "gpu" : "yes") : "no",
                       gpus, r.driver_observed.empty() ? "-" : esc(r.driver_observed), taints);
  }
  out += fmt::format("\nRuntimeClass nvidia: {}\n",
                     s.runtime_class_present
                         ? fmt::format("present (handler {}{}{})", esc(s.runtime_class_handler),
                                       s.runtime_class_selector.empty() ? "" : ", nodeSelector " + esc(s.runtime_class_selector),
                                       s.runtime_class_tolerations.empty() ? "" : ", tolerates " + esc(s.runtime_class_tolerations))
                                             : "absent");
  std::string psa;
  for (const auto& [k, v] : s.namespace_psa) {
    psa += (psa.empty() ? "" : ", ") + esc(k.substr(27)) + "=" + esc(v);
  }
  out += fmt::format("Namespace {}: {}\n", s.gpu_namespace,
                     !s.namespace_present ? "absent" : psa.empty() ? "present (no Pod Security labels)" : "present (" + psa + ")");
  if (s.drift.empty()) {
    out += "\n" + styled("No drift: the cluster matches the declaration.", TextStyle::good, color) + "\n";
    return out;
  }
  out += "\n" + styled(fmt::format("Drift ({}):", s.drift.size()), TextStyle::bold, color) + "\n";
  for (const auto& d : s.drift) {
    out += fmt::format("  {}: {} [{}]\n    fix: {}\n", esc(d.subject), esc(d.message), styled(d.rule, TextStyle::dim, color), esc(d.fix));
  }
  return out;
}

std::string render_status_json(const ClusterStatus& s) {
  json j;
  j["nodes"] = json::array();
  for (const auto& r : s.nodes) {
    json n = {{"name", r.name}, {"declared", r.declared}, {"observed", r.observed}, {"gpuDeclared", r.gpu_declared},
              {"talosDeclared", r.talos_declared}, {"talosObserved", r.talos_observed},
              {"driverDeclared", r.driver_declared}, {"driverObserved", r.driver_observed},
              {"taintsMissing", r.taints_missing}, {"taintsUndeclared", r.taints_undeclared},
              {"labelsMissing", r.labels_missing}};
    n["ready"] = r.ready ? json(*r.ready) : json(nullptr);
    n["gpuAllocatable"] = r.gpu_allocatable ? json(*r.gpu_allocatable) : json(nullptr);
    json ext = json::object();
    for (const auto& [k, v] : r.extensions) {
      ext[k] = v;
    }
    n["extensions"] = ext;
    j["nodes"].push_back(n);
  }
  j["runtimeClass"] = {{"present", s.runtime_class_present}, {"handler", s.runtime_class_handler},
                       {"scheduling", s.runtime_class_scheduling}, {"nodeSelector", s.runtime_class_selector},
                       {"tolerations", s.runtime_class_tolerations}};
  json psa = json::object();
  for (const auto& [k, v] : s.namespace_psa) {
    psa[k] = v;
  }
  j["namespace"] = {{"name", s.gpu_namespace}, {"present", s.namespace_present}, {"podSecurity", psa}};
  j["drift"] = json::array();
  for (const auto& d : s.drift) {
    j["drift"].push_back({{"subject", d.subject}, {"rule", d.rule}, {"message", d.message}, {"fix", d.fix}});
  }
  return j.dump(2) + "\n";
}

}  // namespace talgpu::kube
