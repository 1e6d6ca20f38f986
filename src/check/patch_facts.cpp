#include <check/patch_facts.hpp>

#include <fmt/format.h>

#include <yaml/document.hpp>

namespace talgpu::check {

namespace {

SourceLocation patch_location(const talhelper::Patch& p, const yaml::Node& n) {
  // @file patches were parsed under their own name, so node marks are exact; inline patches
  // point at their declaration in talconfig.yaml.
  return p.file.empty() ? p.location : n.location();
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
  if (const auto* install = machine.find("install"); install != nullptr && install->is_mapping()) {
    if (const auto* img = install->find("image"); img != nullptr && img->is_scalar()) {
      out.install_image = img->value();
      out.install_image_location = patch_location(p, *img);
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
