// Placeholder until the capability lands; replaced by its own implementation.
#include <CLI/CLI.hpp>

#include <app/command.hpp>
#include <core/error.hpp>

namespace talgpu {

void setup_gencommand(CLI::App& app, Context&, CommandRun& run) {
  app.allow_extras();
  run = [] () -> int { throw Abort("'gencommand' is not available yet", k_exit_usage); };
  (void)app;
}

}  // namespace talgpu
