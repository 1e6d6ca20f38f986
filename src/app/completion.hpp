#pragma once
// Shell completion generated from the CLI11 definition of the commands (never a hand-written list
// that drifts): `talgpu completion bash|zsh|fish`. Values that depend on the project come from
// talgpu itself at completion time: `talgpu completion --list nodes` (the nodes of talconfig.yaml)
// and `--list rules` (the check rule ids).

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace talgpu {

// What the completion of an option value or a positional offers.
enum class ValueKind { none, file, nodes, rules, choices };

struct CliOption {
  std::vector<std::string> names;  // "-n", "--node"
  bool takes_value = false;
  ValueKind kind = ValueKind::none;
  std::vector<std::string> choices;  // for ValueKind::choices
  std::string help;
};

struct CliCommand {
  std::string name;  // "" for the root
  std::string help;
  std::vector<CliOption> options;
  ValueKind positional = ValueKind::none;  // what a positional argument completes to
  std::vector<CliCommand> subcommands;
};

// Walks the CLI11 tree (options, flags, subcommands, validators' choices).
CliCommand cli_model(const CLI::App& root);

std::string bash_completion(const CliCommand& root);
std::string zsh_completion(const CliCommand& root);
std::string fish_completion(const CliCommand& root);

}  // namespace talgpu
