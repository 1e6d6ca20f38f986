#pragma once
// Which schematic and installer image a talconfig node gets: talhelper's precedence rule
// (pkg/talos/schematic.go, pkg/config: `talosImageURL` wins over `schematic`; `imageSchematic` is
// for `genurl image` only). The rule is talhelper's, so it lives here; imagefactory/ only turns a
// schematic and settings into URLs.

#include <string>

#include <core/error.hpp>
#include <imagefactory/schematic.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu::talhelper {

// The node's schematic (parsed strictly), or the empty schematic when it has none.
Result<imagefactory::Schematic> node_schematic(const Node& node);
// The node's `imageSchematic`, else its `schematic`, else the empty one (genurl image).
Result<imagefactory::Schematic> node_image_schematic(const Node& node);

// The exact reference for machine.install.image, offline: `talosImageURL:<tag>` when set, else
// the installer template over the node's schematic ID (the empty schematic when it has none).
Result<std::string> installer_image(const TalConfig& cfg, const Node& node);

}  // namespace talgpu::talhelper
