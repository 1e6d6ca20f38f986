#include <talhelper/node_image.hpp>

#include <imagefactory/image_factory.hpp>

namespace talgpu::talhelper {

using imagefactory::installer_url;
using imagefactory::parse_schematic;
using imagefactory::Schematic;
using imagefactory::schematic_id;
using imagefactory::talos_tag;

Result<imagefactory::Schematic> node_schematic(const Node& node) {
  if (!node.schematic) {
    return Schematic{};
  }
  return parse_schematic(*node.schematic);
}

Result<imagefactory::Schematic> node_image_schematic(const Node& node) {
  if (node.image_schematic) {
    return parse_schematic(*node.image_schematic);
  }
  return node_schematic(node);
}

Result<std::string> installer_image(const TalConfig& cfg, const Node& node) {
  std::string tag = talos_tag(cfg.talos_version);
  if (!node.talos_image_url.empty()) {
    return node.talos_image_url + ":" + tag;
  }
  TRY_ASSIGN(Schematic s, node_schematic(node));
  return installer_url(cfg.image_factory, node.machine_spec, schematic_id(s), tag);
}

}  // namespace talgpu::talhelper
