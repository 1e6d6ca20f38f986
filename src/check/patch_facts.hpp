#pragma once
// What a node's Talos patches set, for the rules and the node builder that look at machine config
// fields (strategic-merge patches and JSON 6902 operations, node patches then global ones, as
// talhelper applies them).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <core/source.hpp>
#include <talhelper/talconfig.hpp>

namespace talgpu::check {

struct PatchFacts {
  std::optional<std::string> bpf_jit_harden;
  SourceLocation bpf_location;
  std::vector<std::pair<std::string, SourceLocation>> node_taints;  // machine.nodeTaints keys
  std::optional<std::string> install_image;
  SourceLocation install_image_location;
};

PatchFacts patch_facts(const talhelper::TalConfig& cfg, const talhelper::Node& node);

}  // namespace talgpu::check
