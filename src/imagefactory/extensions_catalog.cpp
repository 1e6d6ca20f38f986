#include <imagefactory/extensions_catalog.hpp>

#include <core/version.hpp>

namespace talgpu::imagefactory {

using namespace catalog_data;

namespace {

std::string with_v(std::string_view v) {
  if (!v.empty() && v.front() == 'v') {
    return std::string(v);
  }
  return "v" + std::string(v);
}

const VersionRow* find_row(std::string_view version) {
  std::string want = with_v(version);
  for (size_t i = 0; i < k_version_count; ++i) {
    if (want == k_versions[i].version) {
      return &k_versions[i];
    }
  }
  return nullptr;
}

}  // namespace

bool catalog_has_version(std::string_view version) {
  return find_row(version) != nullptr;
}

std::vector<std::string> catalog_versions() {
  std::vector<std::string> out;
  out.reserve(k_version_count);
  for (size_t i = 0; i < k_version_count; ++i) {
    out.emplace_back(k_versions[i].version);
  }
  return out;
}

std::string catalog_nearest_version(std::string_view version) {
  auto want = Version::parse(version);
  if (!want) {
    return {};
  }
  std::optional<Version> best;
  std::string best_text;
  for (size_t i = 0; i < k_version_count; ++i) {
    auto v = Version::parse(k_versions[i].version);
    if (v && v->major == want->major && v->minor == want->minor && (!best || *best < *v)) {
      best = v;
      best_text = k_versions[i].version;
    }
  }
  return best_text;
}

std::vector<std::string> catalog_extensions(std::string_view version) {
  std::vector<std::string> out;
  if (const VersionRow* row = find_row(version)) {
    for (uint16_t i = k_ext_offsets[row->ext_set]; i < k_ext_offsets[row->ext_set + 1]; ++i) {
      out.emplace_back(k_names[k_ext_items[i]]);
    }
  }
  return out;
}

std::vector<CatalogOverlay> catalog_overlays(std::string_view version) {
  std::vector<CatalogOverlay> out;
  if (const VersionRow* row = find_row(version)) {
    for (uint16_t i = k_overlay_offsets[row->overlay_set]; i < k_overlay_offsets[row->overlay_set + 1]; i += 2) {
      out.push_back({k_names[k_overlay_items[i]], k_names[k_overlay_items[i + 1]]});
    }
  }
  return out;
}

CatalogInfo catalog_info() {
  CatalogInfo info{k_source, k_talhelper_commit, k_updated, k_version_count, {}, {}};
  std::optional<Version> oldest, newest;
  for (size_t i = 0; i < k_version_count; ++i) {
    auto v = Version::parse(k_versions[i].version);
    if (!v) {
      continue;
    }
    if (!oldest || *v < *oldest) {
      oldest = v;
      info.oldest = k_versions[i].version;
    }
    // The newest release: a pre-release counts only while no release is listed.
    bool better = !newest || (v->prerelease.empty() && !newest->prerelease.empty()) ||
                  (v->prerelease.empty() == newest->prerelease.empty() && *newest < *v);
    if (better) {
      newest = v;
      info.newest = k_versions[i].version;
    }
  }
  return info;
}

}  // namespace talgpu::imagefactory
