// Node facts a declared GPU node needs for the NVIDIA stack to work on Talos (Talos's NVIDIA
// guide): the four kernel modules loaded, net.core.bpf_jit_harden relaxed for the container
// toolkit's device rules, and an installer image that carries the node's NVIDIA extensions so
// upgrades keep them.

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include <check/patch_facts.hpp>
#include <check/rules/registry.hpp>
#include <imagefactory/schematic.hpp>
#include <nvidia/gpu_node.hpp>

namespace talgpu::check {

namespace {

const std::vector<std::string> k_nvidia_modules = {"nvidia", "nvidia_uvm", "nvidia_drm", "nvidia_modeset"};

// All four modules (an empty list is gpu-kernel-modules-missing, from the GPU analysis).
void kernel_modules_rule(const talhelper::Node& dn, const nvidia::GpuNodeInfo& g, Diagnostics& diags) {
  if (g.kernel_modules.empty()) {
    return;
  }
  std::vector<std::string> missing;
  for (const auto& mod : k_nvidia_modules) {
    if (std::find(g.kernel_modules.begin(), g.kernel_modules.end(), mod) == g.kernel_modules.end()) {
      missing.push_back(mod);
    }
  }
  if (!missing.empty()) {
    diags.error("nvidia-kernel-modules",
                fmt::format("{}: the NVIDIA modules {} are not loaded (machine.kernel.modules)", dn.hostname,
                            join_names(missing)),
                dn.location);
  }
}

void bpf_jit_harden_rule(const talhelper::Node& dn, const nvidia::GpuNodeInfo& g, const PatchFacts& pf,
                         Diagnostics& diags) {
  bool has_toolkit = std::any_of(g.extensions.begin(), g.extensions.end(), [](const std::string& e) {
    return e.find("nvidia-container-toolkit") != std::string::npos;
  });
  if (!has_toolkit) {
    return;
  }
  if (!pf.bpf_jit_harden) {
    diags.error("nvidia-bpf-jit-harden",
                fmt::format("{}: net.core.bpf_jit_harden stays at Talos's default 2; the NVIDIA container "
                            "toolkit cannot add device rules",
                            dn.hostname),
                dn.location, "add `machine.sysctls: {net.core.bpf_jit_harden: 1}` to the node's patches");
  } else if (*pf.bpf_jit_harden != "1" && *pf.bpf_jit_harden != "0") {
    diags.error("nvidia-bpf-jit-harden",
                fmt::format("{}: net.core.bpf_jit_harden is {}; the NVIDIA container toolkit needs 1", dn.hostname,
                            *pf.bpf_jit_harden),
                pf.bpf_location);
  }
}

bool plain_installer(std::string_view img) {
  return img.rfind("ghcr.io/siderolabs/installer", 0) == 0;
}

// The installer must carry this node's extensions.
void installer_rule(const talhelper::Node& dn, const nvidia::GpuNodeInfo& g, const PatchFacts& pf,
                    Diagnostics& diags) {
  if (pf.install_image) {
    auto id = nvidia::installer_url_schematic_id(*pf.install_image);
    if (plain_installer(*pf.install_image) || !id || (!g.schematic_id.empty() && *id != g.schematic_id)) {
      diags.error("nvidia-installer-image",
                  fmt::format("{}: machine.install.image '{}' is not the factory installer of the node's "
                              "schematic{}; upgrades drop the NVIDIA extensions",
                              dn.hostname, *pf.install_image,
                              g.schematic_id.empty() ? "" : fmt::format(" ({})", g.schematic_id)),
                  pf.install_image_location);
    }
    return;
  }
  if (dn.talos_image_url.empty()) {
    return;
  }
  auto id = nvidia::installer_url_schematic_id(dn.talos_image_url);
  std::string declared_id;
  if (dn.schematic) {
    Diagnostics ignore;
    if (auto s = imagefactory::read_schematic(*dn.schematic, ignore)) {
      declared_id = imagefactory::schematic_id(*s);
    }
  }
  if (plain_installer(dn.talos_image_url) || (id && !declared_id.empty() && *id != declared_id)) {
    diags.error("nvidia-installer-image",
                fmt::format("{}: talosImageURL '{}' is not the factory installer of the node's schematic{}; "
                            "upgrades drop the NVIDIA extensions",
                            dn.hostname, dn.talos_image_url,
                            declared_id.empty() ? "" : fmt::format(" ({})", declared_id)),
                dn.talos_image_url_location.empty() ? dn.location : dn.talos_image_url_location);
  }
}

}  // namespace

void rules_nvidia_node(const CheckContext& ctx, Diagnostics& diags) {
  if (ctx.config == nullptr) {
    return;
  }
  for (const auto& ni : ctx.nodes) {
    if (ni.declared == nullptr || !ni.gpu || !ni.gpu->gpu) {
      continue;
    }
    PatchFacts pf = patch_facts(*ctx.config, *ni.declared);
    kernel_modules_rule(*ni.declared, *ni.gpu, diags);
    bpf_jit_harden_rule(*ni.declared, *ni.gpu, pf, diags);
    installer_rule(*ni.declared, *ni.gpu, pf, diags);
  }
}

}  // namespace talgpu::check
