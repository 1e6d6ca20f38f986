#include <nvidia/gpu_node.hpp>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include <core/strings.hpp>
#include <imagefactory/factory_client.hpp>
#include <imagefactory/image_factory.hpp>
#include <talhelper/node_image.hpp>
#include <yaml/document.hpp>

namespace talgpu::nvidia {

namespace {

using imagefactory::Schematic;

bool is_nvidia_module(std::string_view name) {
  return name.rfind("nvidia", 0) == 0;
}

void add_module(std::vector<std::pair<std::string, SourceLocation>>& out, const std::string& name,
                const SourceLocation& loc) {
  if (!is_nvidia_module(name)) {
    return;
  }
  for (const auto& [n, l] : out) {
    if (n == name) {
      return;
    }
  }
  out.emplace_back(name, loc);
}

void modules_from_list(const yaml::Node& list, const SourceLocation& loc,
                       std::vector<std::pair<std::string, SourceLocation>>& out) {
  if (!list.is_sequence()) {
    return;
  }
  for (const auto& item : list.items()) {
    if (const yaml::Node* name = item.is_mapping() ? item.find("name") : nullptr; name && name->is_scalar()) {
      add_module(out, name->value(), loc);
    }
  }
}

// Follows `keys` below `n` (mappings only).
const yaml::Node* descend(const yaml::Node* n, const std::vector<std::string>& keys, size_t from) {
  for (size_t i = from; i < keys.size() && n != nullptr; ++i) {
    n = n->is_mapping() ? n->find(keys[i]) : nullptr;
  }
  return n;
}

void modules_from_patch(const talhelper::Patch& patch, std::vector<std::pair<std::string, SourceLocation>>& out) {
  std::string name = patch.file.empty() ? patch.location.str() + " (patch)" : patch.file;
  auto docs = yaml::parse(patch.text, name);
  if (!docs) {
    return;  // the patch loader reports syntax errors
  }
  static const std::vector<std::string> k_path = {"machine", "kernel", "modules"};
  for (const auto& doc : *docs) {
    const yaml::Node& root = doc.root;
    if (root.is_mapping()) {
      if (const yaml::Node* mods = descend(&root, k_path, 0)) {
        modules_from_list(*mods, patch.location, out);
      }
      continue;
    }
    if (!root.is_sequence()) {
      continue;
    }
    // JSON6902: [{op, path, value}]. The op puts `value` at `path`; find the modules below it.
    for (const auto& op : root.items()) {
      const yaml::Node* path = op.is_mapping() ? op.find("path") : nullptr;
      const yaml::Node* value = op.is_mapping() ? op.find("value") : nullptr;
      const yaml::Node* kind = op.is_mapping() ? op.find("op") : nullptr;
      if (path == nullptr || value == nullptr || kind == nullptr || kind->value() == "remove") {
        continue;
      }
      std::vector<std::string> parts = split(path->value(), '/');
      if (!parts.empty() && parts.front().empty()) {
        parts.erase(parts.begin());
      }
      if (parts.size() <= k_path.size() && std::equal(parts.begin(), parts.end(), k_path.begin())) {
        if (const yaml::Node* mods = descend(value, k_path, parts.size())) {
          modules_from_list(*mods, patch.location, out);
        }
      } else if (parts.size() == k_path.size() + 1 && std::equal(k_path.begin(), k_path.end(), parts.begin())) {
        yaml::Node one = yaml::Node::sequence();
        one.push_back(*value);
        modules_from_list(one, patch.location, out);
      }
    }
  }
}

SourceLocation url_location(const talhelper::Node& node) {
  return node.talos_image_url_location.empty() ? node.location : node.talos_image_url_location;
}

SourceLocation extension_location(const Schematic& s, size_t i, const talhelper::Node& node) {
  const auto& locs = s.customization.official_extension_locations;
  if (i < locs.size() && !locs[i].empty()) {
    return locs[i];
  }
  return s.location.empty() ? node.location : s.location;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    out += (i ? std::string(sep) : "") + v[i];
  }
  return out;
}

// Checks the NVIDIA extensions of a known schematic and fills tier/flavour.
void analyze_extensions(const Schematic& s, const std::optional<Version>& talos, const talhelper::Node& node,
                        GpuNodeInfo& info, Diagnostics& diags) {
  const auto& exts = s.customization.official_extensions;
  struct Seen {
    ExtensionInfo ext;
    size_t index;
    std::optional<Tier> tier;  // effective tier (legacy names alias to lts on 1.8+)
  };
  std::vector<Seen> seen;
  bool modern = talos && *talos >= Version{1, 8, 0, {}};
  for (size_t i = 0; i < exts.size(); ++i) {
    auto ext = classify_extension(exts[i]);
    if (!ext) {
      continue;
    }
    SourceLocation loc = extension_location(s, i, node);
    std::optional<Tier> tier = ext->tier;
    if (talos) {
      if (ext->legacy && modern) {
        // image-factory internal/profile/profile.go ExtensionNameAlias maps the pre-1.8 names to -lts.
        tier = Tier::lts;
        diags.warning("gpu-legacy-extension",
                      fmt::format("{}: {} is the pre-1.8 extension name; Talos {} splits it into -lts and "
                                  "-production and the factory substitutes {}",
                                  node.hostname, talgpu::quoted(exts[i]), imagefactory::talos_tag(info.talos_version),
                                  talgpu::quoted(ext->name + "-lts")),
                      loc, fmt::format("write siderolabs/{}-lts (or -production, the same for every NVIDIA extension)",
                                       ext->name));
      } else if (!extension_available(*talos, ext->name)) {
        auto names = nvidia_extensions_for(*talos);
        diags.error("gpu-extension-unavailable",
                    fmt::format("{}: extension {} does not exist for Talos {}{}", node.hostname, talgpu::quoted(exts[i]),
                                info.talos_version, did_you_mean(ext->name, names)),
                    loc,
                    names.empty() ? std::string()
                                  : "NVIDIA extensions for this release: " + join(names, ", "));
      }
    }
    seen.push_back({*ext, i, tier});
  }
  if (seen.empty()) {
    return;
  }
  info.gpu = true;

  const Seen* kmod = nullptr;
  const Seen* toolkit = nullptr;
  for (const auto& x : seen) {
    if (x.ext.role == ExtensionRole::kernel_modules) {
      if (kmod != nullptr && kmod->ext.flavor != x.ext.flavor) {
        diags.error("gpu-conflicting-kmods",
                    fmt::format("{}: both {} and {} kernel modules are installed; they provide the same modules",
                                node.hostname, talgpu::quoted(exts[kmod->index]), talgpu::quoted(exts[x.index])),
                    extension_location(s, x.index, node), "keep one: the open modules need a Turing or newer GPU");
      }
      if (kmod == nullptr) {
        kmod = &x;
      }
    } else if (x.ext.role == ExtensionRole::toolkit && toolkit == nullptr) {
      toolkit = &x;
    }
  }
  // Tiers must agree: the toolkit's libraries and the fabric manager must match the kernel driver.
  const Seen* first_tiered = nullptr;
  for (const auto& x : seen) {
    if (!x.tier) {
      continue;
    }
    if (first_tiered == nullptr) {
      first_tiered = &x;
    } else if (*first_tiered->tier != *x.tier) {
      diags.error("gpu-mixed-tiers",
                  fmt::format("{}: {} is {} but {} is {}: the driver libraries would not match the kernel driver",
                              node.hostname, talgpu::quoted(exts[x.index]), tier_name(*x.tier), talgpu::quoted(exts[first_tiered->index]),
                              tier_name(*first_tiered->tier)),
                  extension_location(s, x.index, node),
                  "use the same tier (-lts or -production) for every NVIDIA extension");
    }
  }
  if (kmod != nullptr && toolkit == nullptr) {
    diags.error("gpu-toolkit-missing",
                fmt::format("{}: {} is installed without the NVIDIA container toolkit, so containers cannot use the GPU",
                            node.hostname, talgpu::quoted(exts[kmod->index])),
                extension_location(s, kmod->index, node),
                fmt::format("add siderolabs/{}", toolkit_extension(kmod->tier)));
  }
  if (toolkit != nullptr && kmod == nullptr) {
    diags.error("gpu-kmod-missing",
                fmt::format("{}: {} is installed without NVIDIA kernel modules, so there is no driver", node.hostname,
                            talgpu::quoted(exts[toolkit->index])),
                extension_location(s, toolkit->index, node),
                fmt::format("add siderolabs/{} (or the open modules for Turing and newer GPUs)",
                            kmod_extension(Flavor::proprietary, toolkit->tier)));
  }
  if (kmod != nullptr) {
    info.flavor = kmod->ext.flavor;
    info.tier = kmod->tier;
  } else if (first_tiered != nullptr) {
    info.tier = first_tiered->tier;
  }
  if (toolkit != nullptr && talos) {
    info.toolkit = toolkit_for(*talos).value_or("");
  }
}

}  // namespace

const char* evidence_name(GpuEvidence e) {
  switch (e) {
    case GpuEvidence::none:
      return "none";
    case GpuEvidence::schematic:
      return "schematic";
    case GpuEvidence::recognised_url:
      return "recognised-url";
    case GpuEvidence::factory_lookup:
      return "factory-lookup";
    case GpuEvidence::kernel_modules:
      return "kernel-modules";
  }
  return "none";
}

std::optional<std::string> installer_url_schematic_id(std::string_view url) {
  if (auto at = url.find('@'); at != std::string_view::npos) {
    url = url.substr(0, at);
  }
  auto slash = url.rfind('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view last = url.substr(slash + 1);
  if (auto colon = last.find(':'); colon != std::string_view::npos) {
    last = last.substr(0, colon);
  }
  if (!imagefactory::looks_like_schematic_id(last)) {
    return std::nullopt;
  }
  std::string_view repo = url.substr(0, slash);
  auto prev = repo.rfind('/');
  std::string_view kind = prev == std::string_view::npos ? repo : repo.substr(prev + 1);
  // image-factory internal/frontend/http/registry.go: installer, installer-secureboot,
  // <platform>-installer, <platform>-installer-secureboot.
  bool ok = kind == "installer" || kind == "installer-secureboot" ||
            (kind.size() > 10 && kind.substr(kind.size() - 10) == "-installer") ||
            (kind.size() > 21 && kind.substr(kind.size() - 21) == "-installer-secureboot");
  if (!ok) {
    return std::nullopt;
  }
  return std::string(last);
}

std::vector<Schematic> nvidia_candidate_schematics(const Version& talos) {
  bool modern = talos >= Version{1, 8, 0, {}};
  std::vector<std::optional<Tier>> tiers;
  if (modern) {
    tiers = {Tier::lts, Tier::production};
  } else {
    tiers = {std::nullopt};
  }
  std::vector<Schematic> out;
  std::set<std::string> ids;
  auto add = [&](std::vector<std::string> exts) {
    for (int order = 0; order < 2; ++order) {
      if (order == 1) {
        std::sort(exts.begin(), exts.end());  // the factory web page sorts alphabetically
      }
      Schematic s = imagefactory::schematic_with_extensions(exts);
      if (ids.insert(imagefactory::schematic_id(s)).second) {
        out.push_back(std::move(s));
      }
    }
  };
  for (auto flavor : {Flavor::proprietary, Flavor::open}) {
    for (auto tier : tiers) {
      std::string kmod = "siderolabs/" + kmod_extension(flavor, tier);
      if (!extension_available(talos, kmod)) {
        continue;
      }
      std::vector<std::string> companions = {
          "siderolabs/" + std::string(tier ? std::string("nvidia-fabricmanager-") + tier_name(*tier)
                                           : std::string("nvidia-fabricmanager")),
          "siderolabs/intel-ucode",       "siderolabs/amd-ucode",       "siderolabs/iscsi-tools",
          "siderolabs/util-linux-tools",  "siderolabs/qemu-guest-agent", "siderolabs/zfs"};
      if (talos >= Version{1, 12, 0, {}}) {
        companions.push_back("siderolabs/nvidia-gdrdrv-device");
      }
      std::vector<std::string> base = {kmod, "siderolabs/" + toolkit_extension(tier)};
      add(base);
      for (size_t a = 0; a < companions.size(); ++a) {
        auto one = base;
        one.push_back(companions[a]);
        add(one);
        for (size_t b = a + 1; b < companions.size(); ++b) {
          auto two = one;
          two.push_back(companions[b]);
          add(two);
        }
      }
    }
  }
  return out;
}

std::vector<std::pair<std::string, SourceLocation>> nvidia_modules_in_config(const talhelper::Node& node) {
  std::vector<std::pair<std::string, SourceLocation>> out;
  for (const auto& m : node.kernel_modules) {
    add_module(out, m.name, m.location.empty() ? node.location : m.location);
  }
  for (const auto& p : node.patches) {
    modules_from_patch(p, out);
  }
  return out;
}

GpuNodeInfo analyze_gpu_node(const talhelper::TalConfig& cfg, const talhelper::Node& node, Diagnostics& diags,
                             const GpuAnalysisOptions& opts) {
  GpuNodeInfo info;
  info.hostname = node.hostname;
  info.talos_version = imagefactory::talos_tag(cfg.talos_version);
  std::optional<Version> talos = Version::parse(cfg.talos_version);
  if (talos && talos->prerelease.empty() == false) {
    talos = Version{talos->major, talos->minor, talos->patch, {}};
  }

  if (auto img = talhelper::installer_image(cfg, node)) {
    info.installer = *img;
  } else {
    diags.error(img.error().rule.empty() ? "imagefactory-template" : img.error().rule, img.error().message,
                img.error().location.empty() ? node.location : img.error().location);
  }
  for (const auto& [name, loc] : nvidia_modules_in_config(node)) {
    info.kernel_modules.push_back(name);
  }

  std::optional<Schematic> schematic;
  if (!node.talos_image_url.empty()) {
    auto id = installer_url_schematic_id(node.talos_image_url);
    if (id) {
      info.schematic_id = *id;
      if (*id == imagefactory::k_empty_schematic_id) {
        schematic = Schematic{};
      } else if (talos) {
        for (auto& c : nvidia_candidate_schematics(*talos)) {
          if (imagefactory::schematic_id(c) == *id) {
            schematic = std::move(c);
            info.evidence = GpuEvidence::recognised_url;
            break;
          }
        }
      }
      if (!schematic && opts.factory != nullptr) {
        auto fetched = opts.factory->fetch(*id);
        if (fetched) {
          schematic = std::move(*fetched);
          schematic->location = url_location(node);
          schematic->customization.official_extension_locations.clear();
          info.evidence = GpuEvidence::factory_lookup;
        } else {
          diags.warning("gpu-factory-lookup",
                        fmt::format("{}: cannot read schematic {} from the factory: {}", node.hostname, *id,
                                    fetched.error().message),
                        url_location(node));
        }
      }
      if (!schematic) {
        info.unverified.push_back(fmt::format(
            "the extensions in schematic {} (talosImageURL is not a standard NVIDIA extension set{})", *id,
            opts.factory != nullptr ? " and the factory lookup failed" : "; --online asks the factory"));
      }
    } else {
      info.unverified.push_back(fmt::format("the extensions in {} (not a factory installer URL)",
                                            node.talos_image_url));
    }
  } else {
    if (node.schematic) {
      Diagnostics local;
      schematic = imagefactory::read_schematic(*node.schematic, local);
      diags.append(local);
    } else {
      schematic = Schematic{};
    }
    if (schematic) {
      info.schematic_id = imagefactory::schematic_id(*schematic);
      info.evidence = GpuEvidence::schematic;
    }
  }

  if (schematic) {
    for (size_t i = 0; i < schematic->customization.official_extension_locations.size(); ++i) {
      // Factory-fetched schematics carry locations in the response; point them at talosImageURL.
      if (info.evidence != GpuEvidence::schematic) {
        schematic->customization.official_extension_locations[i] = url_location(node);
      }
    }
    info.extensions = schematic->customization.official_extensions;
    analyze_extensions(*schematic, talos, node, info, diags);
    if (!info.gpu) {
      info.evidence = GpuEvidence::none;
    }
  }

  if (!info.gpu && !info.kernel_modules.empty() && !schematic) {
    info.gpu = true;
    info.evidence = GpuEvidence::kernel_modules;
    info.unverified.push_back("the NVIDIA extension tier and flavour, hence the driver and CUDA version");
    diags.note("gpu-unverified",
               fmt::format("{}: treated as a GPU node because it loads {}, but its installer {} could not be "
                           "matched to NVIDIA extensions: tier, flavour, driver and CUDA version are unverified",
                           node.hostname, join(info.kernel_modules, ", "),
                           node.talos_image_url.empty() ? info.installer : node.talos_image_url),
               url_location(node),
               "declare the node's `schematic:` instead of an opaque talosImageURL, or run with --online");
  }

  if (info.gpu && info.flavor && info.kernel_modules.empty()) {
    diags.warning("gpu-kernel-modules-missing",
                  fmt::format("{}: the NVIDIA extensions blacklist their modules until machine.kernel.modules "
                              "lists them, and this node loads none",
                              node.hostname),
                  node.location,
                  "add kernelModules: [{name: nvidia}, {name: nvidia_uvm}, {name: nvidia_drm}, {name: nvidia_modeset}]");
  }

  if (info.gpu && info.tier && talos) {
    if (auto d = driver_for(*talos, *info.tier)) {
      info.driver = *d;
      info.cuda = cuda_ceiling_for_driver(*d).value_or("");
    }
  }
  if (info.gpu && info.driver.empty() && info.evidence != GpuEvidence::kernel_modules && info.flavor) {
    diags.note("gpu-driver-unknown",
               fmt::format("{}: no driver data for Talos {}{} (known: 1.8.0 to {})", node.hostname,
                           info.talos_version, info.tier ? fmt::format(" ({})", tier_name(*info.tier)) : "",
                           newest_known_talos().str()),
               node.location);
    info.unverified.push_back("the driver version");
  }
  return info;
}

}  // namespace talgpu::nvidia
