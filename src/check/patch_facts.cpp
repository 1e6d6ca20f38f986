#include <check/patch_facts.hpp>

#include <string_view>

#include <fmt/format.h>

#include <core/source.hpp>

#include <yaml/document.hpp>

namespace talgpu::check {

namespace {

// The line `n` (1-based) of `text`, without its newline.
std::string_view nth_line(std::string_view text, int n) {
  for (int i = 1; i < n; ++i) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos) {
      return {};
    }
    text.remove_prefix(nl + 1);
  }
  return text.substr(0, text.find('\n'));
}

SourceLocation patch_location(const talhelper::Patch& p, const yaml::Node& n) {
  // @file patches were parsed under their own name, so node marks are exact.
  SourceLocation in = n.location();
  if (!p.file.empty()) {
    return in;
  }
  // An inline patch written as a literal block (`- |-`) starts on the line after its indicator,
  // indented: point at the field there when the line reads as the patch's (envsubst may have
  // changed it, then the patch's start is all we can say).
  if (in.line <= 0 || in.column <= 0 || p.location.line <= 0) {
    return p.location;
  }
  const auto& reg = SourceRegistry::instance();
  const std::string indicator = reg.line_of(p.location.file.str(), p.location.line);
  const std::string first = reg.line_of(p.location.file.str(), p.location.line + 1);
  const std::string at = reg.line_of(p.location.file.str(), p.location.line + in.line);
  size_t col = static_cast<size_t>(p.location.column);
  size_t indent = first.find_first_not_of(' ');
  if (col == 0 || indicator.size() < col || indicator[col - 1] != '|' || indent == std::string_view::npos ||
      at.size() < indent || at.substr(indent) != nth_line(p.text, in.line)) {
    return p.location;
  }
  return SourceLocation{p.location.file, p.location.line + in.line, static_cast<int>(indent) + in.column};
}

// A containerd TOML fragment with `default_runtime_name = "nvidia"` (any spacing, either quote).
bool sets_nvidia_default_runtime(const std::string& toml) {
  size_t at = 0;
  while ((at = toml.find("default_runtime_name", at)) != std::string::npos) {
    size_t eol = toml.find('\n', at);
    std::string line = toml.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
    size_t eq = line.find('=');
    if (eq != std::string::npos) {
      std::string v = line.substr(eq + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      if (v.rfind("\"nvidia\"", 0) == 0 || v.rfind("'nvidia'", 0) == 0) {
        return true;
      }
    }
    at += 20;
  }
  return false;
}

void facts_from_machine(const yaml::Node& machine, const talhelper::Patch& p, PatchFacts& out) {
  if (!machine.is_mapping()) {
    return;
  }
  if (const auto* sysctls = machine.find("sysctls"); sysctls != nullptr && sysctls->is_mapping()) {
    if (const auto* v = sysctls->find("net.core.bpf_jit_harden"); v != nullptr && v->is_scalar()) {
      out.bpf_jit_harden = v->value();
      out.bpf_location = patch_location(p, *v);
    }
  }
  if (const auto* taints = machine.find("nodeTaints"); taints != nullptr && taints->is_mapping()) {
    for (const auto& e : taints->entries()) {
      out.node_taints.emplace_back(e.key.value(), patch_location(p, e.key));
    }
  }
  if (const auto* files = machine.find("files"); files != nullptr && files->is_sequence()) {
    for (const auto& f : files->items()) {
      const yaml::Node* path = f.is_mapping() ? f.find("path") : nullptr;
      const yaml::Node* content = f.is_mapping() ? f.find("content") : nullptr;
      if (path != nullptr && content != nullptr && path->is_scalar() && content->is_scalar() &&
          path->value().rfind("/etc/cri/conf.d/", 0) == 0) {
        out.default_runtime_nvidia = out.default_runtime_nvidia || sets_nvidia_default_runtime(content->value());
      }
    }
  }
  if (const auto* install = machine.find("install"); install != nullptr && install->is_mapping()) {
    if (const auto* img = install->find("image"); img != nullptr && img->is_scalar()) {
      out.install_image = img->value();
      out.install_image_location = patch_location(p, *img);
    }
  }
}

std::optional<bool> yaml_bool(const yaml::Node& v) {
  if (!v.is_scalar()) {
    return std::nullopt;
  }
  // Talos decodes with go-yaml v3 into a bool: true/false in any YAML 1.2 core spelling.
  const std::string& s = v.value();
  if (s == "true" || s == "True" || s == "TRUE") {
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    return false;
  }
  return std::nullopt;
}

void facts_from_cluster(const yaml::Node& cluster, PatchFacts& out) {
  if (!cluster.is_mapping()) {
    return;
  }
  if (const auto* v = cluster.find("allowSchedulingOnControlPlanes"); v != nullptr) {
    if (auto b = yaml_bool(*v)) {
      out.allow_scheduling_on_control_planes = b;
    }
  }
}

// JSON 6902 operations ("op", "path", "value") on the same fields.
void facts_from_json_patch(const yaml::Node& ops, const talhelper::Patch& p, PatchFacts& out) {
  for (const auto& op : ops.items()) {
    if (!op.is_mapping()) {
      continue;
    }
    const auto* path = op.find("path");
    const auto* value = op.find("value");
    const auto* kind = op.find("op");
    if (path == nullptr || value == nullptr || kind == nullptr || kind->value() == "remove") {
      continue;
    }
    const std::string& at = path->value();
    yaml::Node wrapped = yaml::Node::mapping();
    if (at == "/machine") {
      facts_from_machine(*value, p, out);
    } else if (at == "/machine/sysctls") {
      wrapped.set("sysctls", *value);
      facts_from_machine(wrapped, p, out);
    } else if (at == "/machine/sysctls/net.core.bpf_jit_harden" && value->is_scalar()) {
      out.bpf_jit_harden = value->value();
      out.bpf_location = patch_location(p, *value);
    } else if (at == "/machine/nodeTaints") {
      wrapped.set("nodeTaints", *value);
      facts_from_machine(wrapped, p, out);
    } else if (at.rfind("/machine/nodeTaints/", 0) == 0) {
      out.node_taints.emplace_back(at.substr(20), patch_location(p, *path));
    } else if (at == "/machine/install/image" && value->is_scalar()) {
      out.install_image = value->value();
      out.install_image_location = patch_location(p, *value);
    } else if (at == "/machine/install") {
      wrapped.set("install", *value);
      facts_from_machine(wrapped, p, out);
    } else if (at == "/cluster") {
      facts_from_cluster(*value, out);
    } else if (at == "/cluster/allowSchedulingOnControlPlanes") {
      wrapped.set("allowSchedulingOnControlPlanes", *value);
      facts_from_cluster(wrapped, out);
    }
  }
}

}  // namespace

PatchFacts patch_facts(const talhelper::TalConfig& cfg, const talhelper::Node& node) {
  PatchFacts out;
  auto visit = [&](const talhelper::Patch& p) {
    std::string name = p.file.empty() ? fmt::format("{}#patch", p.location.str()) : p.file;
    auto docs = yaml::parse(p.text, name);
    if (!docs) {
      return;  // the talconfig loader reports broken patches
    }
    for (const auto& d : *docs) {
      if (d.root.is_mapping()) {
        if (const auto* m = d.root.find("machine")) {
          facts_from_machine(*m, p, out);
        }
        if (const auto* c = d.root.find("cluster")) {
          facts_from_cluster(*c, out);
        }
      } else if (d.root.is_sequence()) {
        facts_from_json_patch(d.root, p, out);
      }
    }
  };
  // Global patches apply after the node's (talhelper order), so they win.
  for (const auto& p : node.patches) {
    visit(p);
  }
  for (const auto& p : cfg.patches) {
    visit(p);
  }
  return out;
}

}  // namespace talgpu::check
