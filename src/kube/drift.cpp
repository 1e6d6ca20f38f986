#include <kube/drift.hpp>

#include <fmt/format.h>

namespace talgpu::kube {

bool system_taint(std::string_view key) {
  // k8s.io/api core/v1 well_known_taints.go, and the cloud provider's initialisation taint.
  return key.rfind("node.kubernetes.io/", 0) == 0 || key == "node.cloudprovider.kubernetes.io/uninitialized" ||
         key == "node.cloudprovider.kubernetes.io/shutdown";
}

std::vector<TaintChange> taint_changes(const std::vector<Taint>& declared, const std::vector<Taint>& observed, bool prune) {
  std::vector<TaintChange> out;
  for (const auto& d : declared) {
    const Taint* match = nullptr;
    for (const auto& o : observed) {
      if (o.key == d.key && o.effect == d.effect) {
        match = &o;
      }
    }
    if (match == nullptr) {
      out.push_back(TaintChange{TaintChange::Kind::add, d, {}});
    } else if (match->value != d.value) {
      out.push_back(TaintChange{TaintChange::Kind::change, d, match->value});
    }
  }
  for (const auto& o : observed) {
    if (system_taint(o.key)) {
      continue;
    }
    bool is_declared = false;
    for (const auto& d : declared) {
      is_declared = is_declared || (d.key == o.key && d.effect == o.effect);
    }
    if (!is_declared) {
      out.push_back(TaintChange{prune ? TaintChange::Kind::remove : TaintChange::Kind::keep_undeclared, o, {}});
    }
  }
  return out;
}

std::vector<Taint> apply_taint_changes(const std::vector<Taint>& observed, const std::vector<TaintChange>& changes) {
  std::vector<Taint> out;
  for (const auto& o : observed) {
    bool removed = false;
    Taint t = o;
    for (const auto& c : changes) {
      if (c.taint.key != o.key || c.taint.effect != o.effect) {
        continue;
      }
      removed = removed || c.kind == TaintChange::Kind::remove;
      if (c.kind == TaintChange::Kind::change) {
        t.value = c.taint.value;
      }
    }
    if (!removed) {
      out.push_back(t);
    }
  }
  for (const auto& c : changes) {
    if (c.kind == TaintChange::Kind::add) {
      out.push_back(c.taint);
    }
  }
  return out;
}

std::vector<LabelChange> label_changes(const Node& declared, const Node& observed) {
  std::vector<LabelChange> out;
  for (const auto& e : declared.labels) {
    // The kubelet sets these itself from the host; they are not talconfig's to change.
    if (e.key == "kubernetes.io/hostname" || e.key == "kubernetes.io/os" || e.key == "kubernetes.io/arch") {
      continue;
    }
    const std::string* have = observed.labels.find(e.key);
    if (have == nullptr || *have != e.value) {
      out.push_back(LabelChange{e.key, e.value, have ? std::optional<std::string>(*have) : std::nullopt});
    }
  }
  return out;
}

std::string kubectl_taint_command(const std::string& node, const TaintChange& c) {
  const Taint& t = c.taint;
  std::string kv = t.value.empty() ? t.key : t.key + "=" + t.value;
  switch (c.kind) {
    case TaintChange::Kind::add:
      return fmt::format("kubectl taint nodes {} {}:{}", node, kv, t.effect);
    case TaintChange::Kind::change:
      return fmt::format("kubectl taint nodes {} {}:{} --overwrite", node, kv, t.effect);
    case TaintChange::Kind::remove:
    case TaintChange::Kind::keep_undeclared:
      return fmt::format("kubectl taint nodes {} {}:{}-", node, t.key, t.effect);
  }
  return {};
}

std::string kubectl_label_command(const std::string& node, const LabelChange& c) {
  return fmt::format("kubectl label nodes {} {}={}{}", node, c.key, c.value, c.before ? " --overwrite" : "");
}

}  // namespace talgpu::kube
