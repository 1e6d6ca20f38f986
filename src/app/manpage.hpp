#pragma once
// The talgpu(1) man page, written from the same help texts `talgpu help` prints (the build
// generates it with `talgpu help --man`; `cmake --install` installs it).

#include <string>

namespace CLI {
class App;
}

namespace talgpu {

// troff (man macros) for the root help text plus every command's (and subcommand's) help.
std::string man_page(const CLI::App& root, const std::string& root_help);
// Escapes text for troff: backslashes, hyphens as \-, a leading '.' or '\''.
std::string troff_escape(const std::string& text);

}  // namespace talgpu
