#pragma once

namespace talgpu {

// The whole program: parses global flags, dispatches to a command from the command table, and
// is the one place that catches `Abort` and maps it to an exit code.
int app_main(int argc, char** argv);

}  // namespace talgpu
