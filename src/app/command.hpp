#pragma once
// The command table. Each command lives in its own file (src/app/cmd_<name>.cpp) and exposes a
// `setup` function that declares its flags on a CLI11 sub-app and sets `run`.

#include <functional>
#include <string>
#include <vector>

#include <app/context.hpp>

namespace CLI {
class App;
}

namespace talgpu {

using CommandRun = std::function<int()>;
using CommandSetup = void (*)(CLI::App& app, Context& ctx, CommandRun& run);

struct CommandSpec {
  const char* name;
  const char* summary;
  CommandSetup setup;
};

const std::vector<CommandSpec>& command_table();

// One declaration per command file.
void setup_plan(CLI::App& app, Context& ctx, CommandRun& run);
void setup_validate(CLI::App& app, Context& ctx, CommandRun& run);
void setup_schematic(CLI::App& app, Context& ctx, CommandRun& run);
void setup_genurl(CLI::App& app, Context& ctx, CommandRun& run);
void setup_gensecret(CLI::App& app, Context& ctx, CommandRun& run);
void setup_gen(CLI::App& app, Context& ctx, CommandRun& run);
void setup_genconfig(CLI::App& app, Context& ctx, CommandRun& run);
void setup_gencommand(CLI::App& app, Context& ctx, CommandRun& run);
void setup_manifests(CLI::App& app, Context& ctx, CommandRun& run);
void setup_check(CLI::App& app, Context& ctx, CommandRun& run);
void setup_status(CLI::App& app, Context& ctx, CommandRun& run);
void setup_taint(CLI::App& app, Context& ctx, CommandRun& run);
void setup_label(CLI::App& app, Context& ctx, CommandRun& run);
void setup_verify(CLI::App& app, Context& ctx, CommandRun& run);
void setup_podsecurity(CLI::App& app, Context& ctx, CommandRun& run);
void setup_explain(CLI::App& app, Context& ctx, CommandRun& run);
void setup_probe(CLI::App& app, Context& ctx, CommandRun& run);
void setup_version(CLI::App& app, Context& ctx, CommandRun& run);
void setup_completion(CLI::App& app, Context& ctx, CommandRun& run);

}  // namespace talgpu
