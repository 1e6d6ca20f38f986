#pragma once
// Which nodes of a talconfig.yaml are NVIDIA GPU nodes, and what driver and CUDA ceiling they get.
//
// The answer is exact when the node declares its `schematic:`: the NVIDIA extensions in it fix
// the tier and flavour, and the Talos version fixes the driver (nvidia/catalog.hpp). Many users
// instead pin an opaque `talosImageURL: factory.talos.dev/metal-installer/<id>` copied from the
// factory web page. A schematic ID is a hash, so we recognise it by recomputing the IDs of the
// standard NVIDIA extension sets for that Talos version (every flavour and tier with its toolkit,
// optionally with common companions, in the web page's alphabetical order and in listed order).
// When that fails we can ask the factory (GET /schematics/<id>) if allowed, and otherwise infer
// "GPU node" from the NVIDIA kernel modules it loads -- and say plainly what is unverified.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <core/diagnostic.hpp>
#include <nvidia/catalog.hpp>
#include <imagefactory/schematic.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu::imagefactory {
class FactoryClient;
}

namespace talgpu::nvidia {

enum class GpuEvidence {
  none,            // no sign of a GPU
  schematic,       // the node's schematic lists NVIDIA extensions
  recognised_url,  // talosImageURL's ID equals a standard NVIDIA extension set
  factory_lookup,  // the factory returned the schematic behind talosImageURL's ID
  kernel_modules,  // only NVIDIA kernel modules in kernelModules / patches: unverified
};
const char* evidence_name(GpuEvidence e);  // "schematic", "recognised-url", ...

struct GpuNodeInfo {
  std::string hostname;
  bool gpu = false;
  GpuEvidence evidence = GpuEvidence::none;
  std::optional<Tier> tier;
  std::optional<Flavor> flavor;
  std::string talos_version;  // "v1.11.1"
  std::string driver;         // "535.247.01"; empty when unknown
  std::string toolkit;        // container toolkit version; empty when unknown or absent
  std::string cuda;           // CUDA ceiling "12.2"; empty when unknown
  std::string schematic_id;   // the ID the installer uses (from the schematic or the URL)
  std::string installer;      // machine.install.image
  std::vector<std::string> extensions;          // official extensions, when known
  std::vector<std::string> kernel_modules;      // NVIDIA modules loaded by the config
  std::vector<std::string> unverified;          // what could not be checked, in words
};

struct GpuAnalysisOptions {
  imagefactory::FactoryClient* factory = nullptr;  // set for --online: GET /schematics/<id>
};

// Analyses one node. Diagnostics (rules gpu-mixed-tiers, gpu-toolkit-missing, gpu-kmod-missing,
// gpu-conflicting-kmods, gpu-legacy-extension, gpu-extension-unavailable, gpu-kernel-modules-missing,
// gpu-driver-unknown, gpu-unverified, gpu-factory-lookup, schematic-*) go to `diags`.
GpuNodeInfo analyze_gpu_node(const talhelper::TalConfig& cfg, const talhelper::Node& node, Diagnostics& diags,
                             const GpuAnalysisOptions& opts = {});

// The schematic ID inside a factory installer repository
// ("factory.talos.dev/metal-installer/<id>", "<registry>/installer-secureboot/<id>", with or
// without a tag), or nullopt.
std::optional<std::string> installer_url_schematic_id(std::string_view url);

// The standard NVIDIA extension sets for a Talos release with their schematics, for recognising
// opaque IDs: every kmod flavour and tier with its toolkit, alone and with up to two common
// companions (fabric manager, CPU microcode, ...), each in listed and alphabetical order.
std::vector<imagefactory::Schematic> nvidia_candidate_schematics(const Version& talos);

// NVIDIA kernel modules the node's config loads (kernelModules and machine.kernel.modules in
// its patches, strategic-merge or JSON6902), in order of appearance, without duplicates.
std::vector<std::pair<std::string, SourceLocation>> nvidia_modules_in_config(const talhelper::Node& node);

}  // namespace talgpu::nvidia
