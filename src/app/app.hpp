#pragma once

#include <string>
#include <vector>

#include <app/command.hpp>

namespace CLI {
class App;
}

namespace talgpu {

// The whole program: parses global flags, dispatches to a command from the command table, and
// is the one place that catches `Abort` and maps it to an exit code.
int app_main(int argc, char** argv);

// The global flags, before the command.
struct GlobalFlags {
  std::string output = "text";
  std::string color = "auto";
  bool verbose = false;
  bool quiet = false;
  bool help = false;
  bool version = false;
};

// Declares the global flags and every command of the command table on `root` (the definition
// that parsing, the man page and the shell completions all read); `runs` gets one entry per
// command. Returns the command sub-apps in table order.
std::vector<CLI::App*> define_cli(CLI::App& root, GlobalFlags& g, Context& ctx, std::vector<CommandRun>& runs);

}  // namespace talgpu
