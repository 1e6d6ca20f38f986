#pragma once
// The talosctl command lines talhelper's `gencommand` prints (budimanjojo/talhelper
// pkg/generate/command.go, cmd/gencommand_*.go): one line per selected node IP, each ending in
// ';', flags in talhelper's exact order. `upgrade` uses the node's installer image (talosImageURL,
// or the Image Factory URL of its schematic) so system extensions survive the upgrade.

#include <core/error.hpp>
#include <talhelper/talconfig.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace talgpu::talhelper {

enum class TalosctlCommand { apply, upgrade, upgrade_k8s, bootstrap, kubeconfig, reset, health };

std::optional<TalosctlCommand> parse_talosctl_command(std::string_view name);
const std::vector<std::string>& talosctl_command_names();

// The lines for `cmd`. `node` selects by IP or hostname (empty: all nodes, or the first control
// plane for upgrade-k8s/bootstrap/kubeconfig/health). Errors use talhelper's wording
// ("node with IP or hostname X not found", "node with IP X is not a controlplane node").
Result<std::vector<std::string>> talosctl_commands(const TalConfig& cfg, TalosctlCommand cmd, const std::string& out_dir,
                                                   const std::string& node, const std::vector<std::string>& extra_flags);

}  // namespace talgpu::talhelper
