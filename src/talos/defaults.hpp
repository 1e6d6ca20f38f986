#pragma once
// The one default Talos version of every talgpu command (talconfig.yaml without talosVersion,
// genurl, gen config, gensecret). It is talhelper's LatestTalosVersion
// (budimanjojo/talhelper pkg/config/defaults.go, `var LatestTalosVersion = "v1.13.9"` at
// commit 39b69792), so a talconfig.yaml without talosVersion means the same to talhelper and
// to talgpu. Update it together with data/talos-extensions.json.

namespace talgpu::talos {

inline constexpr const char* k_default_talos_version = "v1.13.9";

}  // namespace talgpu::talos
