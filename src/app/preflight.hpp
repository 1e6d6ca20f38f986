#pragma once
// The checks `validate`, `genconfig` and `gencommand` share, so the three give one verdict on a
// talconfig (issue 10, items 7 and 16):
//  - every node's config is generated in memory exactly as genconfig generates it (patches,
//    JSON 6902 on multi-document configs, schematics, Talos's own validation, talos/validate.hpp),
//    so what genconfig would reject validate rejects too;
//  - the node-level GPU rules (nvidia/gpu_node.hpp: tiers, toolkit, kernel modules, driver data)
//    and the installer rule: a node that needs the NVIDIA extensions must not install or upgrade
//    from an installer without them (rule `nvidia-installer-image`).

#include <core/diagnostic.hpp>
#include <nvidia/gpu_node.hpp>
#include <talhelper/talconfig.hpp>

#include <vector>

namespace talgpu {

// Generates every node's config with a throwaway secrets bundle (a config's shape does not depend
// on its secrets) and reports what generation reports, located as genconfig locates it.
void check_generation(const talhelper::TalConfig& cfg, Diagnostics& diags);

// The GPU analysis of each node (all, or only `only` when not empty: hostname or IP), with the
// installer rule at `installer_severity`. Returns the analyses, in node order.
std::vector<nvidia::GpuNodeInfo> check_gpu_nodes(const talhelper::TalConfig& cfg, Diagnostics& diags,
                                                 const std::string& only = {},
                                                 Severity installer_severity = Severity::error);

// Keeps the first of diagnostics that say the same thing at the same place (the generation and the
// GPU analysis both read a node's schematic), with the first hint any of them gives.
void drop_repeats(Diagnostics& diags);

}  // namespace talgpu
