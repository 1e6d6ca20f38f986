#pragma once
// What NVIDIA software a Talos release ships, as data.
//
// Talos's NVIDIA drivers are system extensions built against one exact kernel, so the driver a
// GPU node runs is a function of (Talos version, extension tier) -- the user cannot pick it. This
// file holds that function as a table, plus the extension names per release and the CUDA ceiling
// of each driver, so that a talconfig.yaml alone tells which CUDA images a node can run.
//
// Sources (see catalog.cpp for the per-row citations):
//  - siderolabs/extensions nvidia-gpu/vars.yaml at each Talos tag (driver per tier, toolkit);
//  - the extension names available per Talos release: talhelper's embedded
//    pkg/config/schemas/talos-extensions.json (built from ghcr.io/siderolabs/extensions tags);
//  - the CUDA ceiling of a driver comes from nvidia/cuda.hpp (NVIDIA's Table 3).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <core/version.hpp>

namespace talgpu::nvidia {

enum class Tier { lts, production };
enum class Flavor { proprietary, open };  // nonfree-kmod-nvidia-* vs nvidia-open-gpu-kernel-modules-*

const char* tier_name(Tier t);      // "lts", "production"
const char* flavor_name(Flavor f);  // "proprietary", "open"

// One row of the driver table: a patch range of one Talos minor release.
struct DriverRelease {
  Version talos_first;
  Version talos_last;
  std::string lts_driver;
  std::string production_driver;
  std::string toolkit;  // nvidia-container-toolkit version, e.g. "v1.17.8"

  const std::string& driver(Tier t) const { return t == Tier::lts ? lts_driver : production_driver; }
};

// The row covering `talos` (pre-releases map to their release), or nullopt when we have no data
// (before 1.8, or newer than the table).
std::optional<DriverRelease> driver_release(const Version& talos);
// Driver version for a Talos release and tier ("535.247.01").
std::optional<std::string> driver_for(const Version& talos, Tier tier);
// Container toolkit version for a Talos release.
std::optional<std::string> toolkit_for(const Version& talos);
// The newest Talos release in the table (for messages).
Version newest_known_talos();

// What the driver table covers (`talgpu version`): the Talos releases, the drivers per tier
// (oldest first, each once) and the date the table was last checked against upstream.
struct DriverTableInfo {
  Version talos_first;
  Version talos_last;
  std::vector<std::string> lts_drivers;
  std::vector<std::string> production_drivers;
  std::string updated;  // "2026-12-03"
};
DriverTableInfo driver_table_info();

// The NVIDIA device plugin (chart nvidia-device-plugin of https://nvidia.github.io/k8s-device-plugin,
// image nvcr.io/nvidia/k8s-device-plugin; chart and image share the version) that Talos's own
// integration tests run against a release's NVIDIA extensions.
struct DevicePluginPin {
  std::string version;   // "0.17.2" (chart version; the image tag is "v" + version)
  bool pinned = true;    // false: the release is newer than our data and the newest pin is used
  std::string source;    // where the pin comes from, for messages
};
DevicePluginPin device_plugin_for(const Version& talos);

// The official CUDA base image for a CUDA ceiling: the newest CUDA release whose minor is at most
// `ceiling` ("12.2" -> "nvcr.io/nvidia/cuda:12.2.2-base-ubuntu22.04"); nullopt below CUDA 12.0.
std::optional<std::string> cuda_base_image(std::string_view ceiling);

// The highest CUDA version ("12.2") a driver version string supports (nvidia/cuda.hpp
// cuda_ceiling, NVIDIA's Table 3). nullopt for unparsable or pre-CUDA-11 drivers.
std::optional<std::string> cuda_ceiling_for_driver(std::string_view driver);

// What an NVIDIA extension name means.
enum class ExtensionRole { kernel_modules, toolkit, fabric_manager, gdrdrv };

struct ExtensionInfo {
  std::string name;  // without "siderolabs/"
  ExtensionRole role = ExtensionRole::kernel_modules;
  std::optional<Tier> tier;      // none for the pre-1.8 names and gdrdrv
  std::optional<Flavor> flavor;  // kernel modules only
  bool legacy = false;           // pre-1.8 name without a tier
};

// Classifies `siderolabs/<name>` or `<name>`; nullopt when it is not an NVIDIA extension.
std::optional<ExtensionInfo> classify_extension(std::string_view name);

// The NVIDIA extension names (without "siderolabs/") published for a Talos release, or an empty
// list when the release predates our data.
std::vector<std::string> nvidia_extensions_for(const Version& talos);
// True when `name` (an NVIDIA extension) exists for that release.
bool extension_available(const Version& talos, std::string_view name);

// Extension names for a (flavor, tier) on a Talos release: the kernel modules and the toolkit.
std::string kmod_extension(Flavor f, std::optional<Tier> tier);
std::string toolkit_extension(std::optional<Tier> tier);

// Kernel modules the NVIDIA extensions provide (and blacklist until listed in machine.kernel).
const std::vector<std::string>& nvidia_kernel_modules();

}  // namespace talgpu::nvidia
