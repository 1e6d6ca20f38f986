#pragma once
// What every command receives: the global flags and the decisions derived from them.

#include <cstdio>
#include <string>

#include <core/diagnostic.hpp>
#include <core/term.hpp>

namespace talgpu {

enum class OutputFormat { text, json, sarif };

struct Context {
  OutputFormat output = OutputFormat::text;
  ColorMode color_mode = ColorMode::auto_detect;
  int verbosity = 0;  // -1 quiet, 0 normal, 1+ verbose
  bool color_out = false;
  bool color_err = false;
  std::FILE* out = stdout;
  std::FILE* err = stderr;

  bool json() const { return output == OutputFormat::json; }
  bool quiet() const { return verbosity < 0; }
  RenderOptions render_options() const { return RenderOptions{color_err, true}; }
};

// Prints diagnostics the way every command does: text to stderr (with a summary line unless
// quiet), or nothing in JSON mode (commands embed them in their JSON document).
void print_diagnostics(const Context& ctx, const Diagnostics& diags);
// Prints a line to stdout / stderr.
void out_line(const Context& ctx, std::string_view text);
void err_line(const Context& ctx, std::string_view text);
// Verbose-only note on stderr.
void verbose(const Context& ctx, std::string_view text);

}  // namespace talgpu
