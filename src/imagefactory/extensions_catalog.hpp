#pragma once
// The official system extensions and SBC overlays per Talos version, as talhelper embeds them
// (pkg/config/schemas/talos-extensions.json, refreshed from ghcr.io/siderolabs/extensions tags).
// talhelper validates `schematic.customization.systemExtensions.officialExtensions` and
// `schematic.overlay` against this list offline; so do we. The data lives in the generated
// extensions_data.cpp, generated at build time from data/talos-extensions.json (scripts/gen-catalog.py).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace talgpu::imagefactory {

struct CatalogOverlay {
  std::string image;  // "siderolabs/sbc-raspberrypi"
  std::string name;   // "rpi_generic"
};

// True when `version` ("v1.11.1"; a missing 'v' is added) is listed.
bool catalog_has_version(std::string_view version);
// Every listed version, oldest first.
std::vector<std::string> catalog_versions();
// The newest listed version with the same major.minor as `version` (for "did you mean" and
// fallbacks), or "" when that minor is unknown.
std::string catalog_nearest_version(std::string_view version);
// Official extensions ("siderolabs/nonfree-kmod-nvidia-lts") for a listed version, sorted; empty
// when the version is not listed.
std::vector<std::string> catalog_extensions(std::string_view version);
std::vector<CatalogOverlay> catalog_overlays(std::string_view version);

// Where the compiled-in list comes from and how far it reaches (`talgpu version`).
struct CatalogInfo {
  std::string source;            // "budimanjojo/talhelper pkg/config/schemas/talos-extensions.json"
  std::string talhelper_commit;  // the talhelper commit the data was imported from
  std::string updated;           // that commit's date, "2026-08-21"
  size_t versions = 0;           // how many Talos versions are listed
  std::string oldest;            // "v1.2.0"
  std::string newest;            // the newest listed release (pre-releases skipped when any)
};
CatalogInfo catalog_info();

namespace catalog_data {
struct VersionRow {
  const char* version;
  uint16_t ext_set;
  uint16_t overlay_set;
};
extern const char* const k_names[];
extern const uint16_t k_ext_offsets[];
extern const uint16_t k_ext_items[];
extern const uint16_t k_overlay_offsets[];
extern const uint16_t k_overlay_items[];
extern const VersionRow k_versions[];
extern const size_t k_version_count;
extern const char* const k_source;
extern const char* const k_talhelper_commit;
extern const char* const k_updated;
}  // namespace catalog_data

}  // namespace talgpu::imagefactory
