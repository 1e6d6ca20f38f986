#include <nvidia/catalog.hpp>

#include <algorithm>

#include <nvidia/cuda.hpp>

namespace talgpu::nvidia {

namespace {

Version v(int major, int minor, int patch) {
  Version out;
  out.major = major;
  out.minor = minor;
  out.patch = patch;
  return out;
}

// Driver versions per Talos patch range: siderolabs/extensions `nvidia-gpu/vars.yaml`
// (NVIDIA_DRIVER_LTS_VERSION / NVIDIA_DRIVER_PRODUCTION_VERSION / CONTAINER_TOOLKIT_VERSION) at each
// Talos tag, cross-checked against the siderolabs/pkgs commit pinned in
// talos:<tag>:pkg/machinery/gendata/data/pkgs (research notes talos.md §5.3; the 1.9.3+ driver pair
// re-checked in extensions' vars.yaml). The proprietary and open flavours share the driver of
// their tier. The 1.12.x line is where the LTS branch (580) became newer than production (570).
const std::vector<DriverRelease>& driver_table() {
  static const std::vector<DriverRelease> k_table = {
      {v(1, 8, 0), v(1, 8, 4), "535.183.06", "550.90.07", "v1.16.1"},
      {v(1, 9, 0), v(1, 9, 2), "535.216.03", "550.127.08", "v1.17.2"},
      {v(1, 9, 3), v(1, 9, 6), "535.230.02", "550.144.03", "v1.17.3"},
      {v(1, 10, 0), v(1, 10, 1), "535.230.02", "570.124.06", "v1.17.5"},
      {v(1, 10, 2), v(1, 10, 3), "535.247.01", "570.133.20", "v1.17.6"},
      {v(1, 10, 4), v(1, 10, 9), "535.247.01", "570.148.08", "v1.17.8"},
      {v(1, 11, 0), v(1, 11, 6), "535.247.01", "570.172.08", "v1.17.8"},
      {v(1, 12, 0), v(1, 12, 1), "580.105.08", "570.195.03", "v1.18.1"},
      {v(1, 12, 2), v(1, 12, 2), "580.126.09", "570.211.01", "v1.18.1"},
      {v(1, 12, 3), v(1, 12, 3), "580.126.09", "570.211.01", "v1.18.2"},
      {v(1, 12, 4), v(1, 12, 5), "580.126.16", "570.211.01", "v1.18.2"},
      {v(1, 12, 6), v(1, 12, 11), "580.126.20", "570.211.01", "v1.18.2"},
      // 1.13: siderolabs/extensions nvidia-gpu/vars.yaml at tags v1.13.0 .. v1.13.9 (read
      // 2026-12-03); production moved to the 595 branch, the toolkit to v1.19.
      {v(1, 13, 0), v(1, 13, 0), "580.126.20", "595.58.03", "v1.19.0"},
      {v(1, 13, 1), v(1, 13, 2), "580.159.03", "595.71.05", "v1.19.0"},
      {v(1, 13, 3), v(1, 13, 3), "580.159.04", "595.71.05", "v1.19.0"},
      {v(1, 13, 4), v(1, 13, 4), "580.159.04", "595.71.05", "v1.19.1"},
      {v(1, 13, 5), v(1, 13, 6), "580.167.08", "595.71.05", "v1.19.1"},
      {v(1, 13, 7), v(1, 13, 8), "580.173.02", "595.71.05", "v1.19.1"},
      {v(1, 13, 9), v(1, 13, 9), "580.178.04", "595.91.07", "v1.19.1"},
  };
  return k_table;
}

Version release_of(const Version& talos) {
  return v(talos.major, talos.minor, talos.patch);  // v1.12.0-alpha.1 counts as 1.12.0
}

}  // namespace

const char* tier_name(Tier t) {
  return t == Tier::lts ? "lts" : "production";
}

const char* flavor_name(Flavor f) {
  return f == Flavor::proprietary ? "proprietary" : "open";
}

std::optional<DriverRelease> driver_release(const Version& talos) {
  Version r = release_of(talos);
  for (const auto& row : driver_table()) {
    if (r >= row.talos_first && r <= row.talos_last) {
      return row;
    }
  }
  return std::nullopt;
}

std::optional<std::string> driver_for(const Version& talos, Tier tier) {
  auto row = driver_release(talos);
  if (!row) {
    return std::nullopt;
  }
  return row->driver(tier);
}

std::optional<std::string> toolkit_for(const Version& talos) {
  auto row = driver_release(talos);
  if (!row) {
    return std::nullopt;
  }
  return row->toolkit;
}

Version newest_known_talos() {
  return driver_table().back().talos_last;
}

DriverTableInfo driver_table_info() {
  // The last time the rows above were checked against siderolabs/extensions (update with them).
  constexpr const char* k_updated = "2026-12-03";
  DriverTableInfo info{driver_table().front().talos_first, driver_table().back().talos_last, {}, {}, k_updated};
  auto add = [](std::vector<std::string>& list, const std::string& driver) {
    if (std::find(list.begin(), list.end(), driver) == list.end()) {
      list.push_back(driver);
    }
  };
  for (const auto& row : driver_table()) {
    add(info.lts_drivers, row.lts_driver);
    add(info.production_drivers, row.production_driver);
  }
  return info;
}

DevicePluginPin device_plugin_for(const Version& talos) {
  // Talos's integration test of the NVIDIA extensions pins the device plugin per release branch:
  //  - v1.8.0 .. v1.10.9: a static DaemonSet of nvcr.io/nvidia/k8s-device-plugin:v0.14.1 with
  //    runtimeClassName nvidia (siderolabs/talos internal/integration/api/extensions_nvidia.go);
  //  - v1.11.x: NvidiaDevicePluginChartVersion = "v0.17.2", v1.12.x: "v0.18.0", installed as the
  //    nvidia-device-plugin chart from https://nvidia.github.io/k8s-device-plugin
  //    (internal/integration/api/constants.go at each tag; research notes talos.md §5.1).
  // From v1.13 the test installs the GPU Operator instead and pins no device plugin.
  Version r = release_of(talos);
  if (r < v(1, 11, 0)) {
    return {"0.14.1", r >= v(1, 8, 0), "Talos v1.8-v1.10 integration tests (k8s-device-plugin v0.14.1)"};
  }
  if (r < v(1, 12, 0)) {
    return {"0.17.2", true, "Talos v1.11 integration tests (NvidiaDevicePluginChartVersion v0.17.2)"};
  }
  bool known = r < v(1, 13, 0);
  return {"0.18.0", known,
          known ? "Talos v1.12 integration tests (NvidiaDevicePluginChartVersion v0.18.0)"
                : "the newest pin known to talgpu (Talos v1.12; later Talos tests use the GPU Operator)"};
}

std::optional<std::string> cuda_base_image(std::string_view ceiling) {
  // The newest patch of each CUDA minor that NVIDIA publishes as <ver>-base-ubuntu22.04
  // (gitlab.com/nvidia/container-images/cuda doc/supported-tags.md; only the newest patch of a
  // minor stays supported, doc/support-policy.md). There is no CUDA 12.7.
  static const std::vector<std::pair<std::string, std::string>> k_images = {
      {"12.0", "12.0.1"}, {"12.1", "12.1.1"}, {"12.2", "12.2.2"}, {"12.3", "12.3.2"}, {"12.4", "12.4.1"},
      {"12.5", "12.5.1"}, {"12.6", "12.6.3"}, {"12.8", "12.8.2"}, {"12.9", "12.9.1"}, {"13.0", "13.0.3"},
      {"13.1", "13.1.2"}, {"13.2", "13.2.1"},
  };
  auto c = CudaVersion::parse(ceiling);
  if (!c) {
    return std::nullopt;
  }
  const std::string* best = nullptr;
  for (const auto& [minor, release] : k_images) {
    auto m = CudaVersion::parse(minor);
    if (m && *m <= *c) {
      best = &release;
    }
  }
  if (best == nullptr) {
    return std::nullopt;
  }
  return "nvcr.io/nvidia/cuda:" + *best + "-base-ubuntu22.04";
}

std::optional<std::string> cuda_ceiling_for_driver(std::string_view driver) {
  auto d = Version::parse(driver);
  if (!d || !d->prerelease.empty()) {
    return std::nullopt;
  }
  auto c = cuda_ceiling(*d);
  if (!c) {
    return std::nullopt;
  }
  return c->minor_str();
}

std::optional<ExtensionInfo> classify_extension(std::string_view name) {
  if (name.rfind("siderolabs/", 0) == 0) {
    name.remove_prefix(11);
  }
  ExtensionInfo info;
  info.name = std::string(name);
  std::string_view base = name;
  if (base.size() > 4 && base.substr(base.size() - 4) == "-lts") {
    info.tier = Tier::lts;
    base.remove_suffix(4);
  } else if (base.size() > 11 && base.substr(base.size() - 11) == "-production") {
    info.tier = Tier::production;
    base.remove_suffix(11);
  }
  if (base == "nonfree-kmod-nvidia") {
    info.role = ExtensionRole::kernel_modules;
    info.flavor = Flavor::proprietary;
  } else if (base == "nvidia-open-gpu-kernel-modules") {
    info.role = ExtensionRole::kernel_modules;
    info.flavor = Flavor::open;
  } else if (base == "nvidia-container-toolkit") {
    info.role = ExtensionRole::toolkit;
  } else if (base == "nvidia-fabricmanager") {
    info.role = ExtensionRole::fabric_manager;
  } else if (name == "nvidia-gdrdrv-device") {
    info.role = ExtensionRole::gdrdrv;
    return info;
  } else {
    return std::nullopt;
  }
  info.legacy = !info.tier.has_value();
  return info;
}

// Per release, from talhelper pkg/config/schemas/talos-extensions.json (all NVIDIA names of each
// tag): 1.2-1.4 the open modules, toolkit and fabric manager; 1.5 adds the proprietary modules;
// 1.8 splits every name into -lts / -production (siderolabs/extensions 37f2297) and drops the old
// names; 1.12 adds nvidia-gdrdrv-device. Checked up to v1.14.0.
std::vector<std::string> nvidia_extensions_for(const Version& talos) {
  struct Name {
    const char* name;
    Version first;  // first release that publishes it
    Version last;   // last release that publishes it
  };
  static const Version k_never = v(999, 0, 0);
  static const Name k_names[] = {
      {"nonfree-kmod-nvidia", v(1, 5, 0), v(1, 7, 999)},
      {"nonfree-kmod-nvidia-lts", v(1, 8, 0), k_never},
      {"nonfree-kmod-nvidia-production", v(1, 8, 0), k_never},
      {"nvidia-container-toolkit", v(1, 2, 0), v(1, 7, 999)},
      {"nvidia-container-toolkit-lts", v(1, 8, 0), k_never},
      {"nvidia-container-toolkit-production", v(1, 8, 0), k_never},
      {"nvidia-fabricmanager", v(1, 2, 0), v(1, 7, 999)},
      {"nvidia-fabricmanager-lts", v(1, 8, 0), k_never},
      {"nvidia-fabricmanager-production", v(1, 8, 0), k_never},
      {"nvidia-gdrdrv-device", v(1, 12, 0), k_never},
      {"nvidia-open-gpu-kernel-modules", v(1, 2, 0), v(1, 7, 999)},
      {"nvidia-open-gpu-kernel-modules-lts", v(1, 8, 0), k_never},
      {"nvidia-open-gpu-kernel-modules-production", v(1, 8, 0), k_never},
  };
  Version r = release_of(talos);
  std::vector<std::string> out;  // k_names is sorted, so is the result
  for (const auto& n : k_names) {
    if (r >= n.first && r <= n.last) {
      out.emplace_back(n.name);
    }
  }
  return out;
}

bool extension_available(const Version& talos, std::string_view name) {
  if (name.rfind("siderolabs/", 0) == 0) {
    name.remove_prefix(11);
  }
  auto names = nvidia_extensions_for(talos);
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string kmod_extension(Flavor f, std::optional<Tier> tier) {
  std::string base = f == Flavor::proprietary ? "nonfree-kmod-nvidia" : "nvidia-open-gpu-kernel-modules";
  return tier ? base + "-" + tier_name(*tier) : base;
}

std::string toolkit_extension(std::optional<Tier> tier) {
  std::string base = "nvidia-container-toolkit";
  return tier ? base + "-" + tier_name(*tier) : base;
}

const std::vector<std::string>& nvidia_kernel_modules() {
  // The modules each kmod extension blacklists in files/nvidia.conf (siderolabs/extensions
  // nvidia-gpu/*/files/nvidia.conf) and the NVIDIA guide lists under machine.kernel.modules.
  static const std::vector<std::string> k_modules = {"nvidia", "nvidia_uvm", "nvidia_drm", "nvidia_modeset"};
  return k_modules;
}

}  // namespace talgpu::nvidia
