#pragma once
// Terminal decisions in one place: colour only on a TTY, honouring NO_COLOR and CLICOLOR_FORCE
// (the logic of ninja's LinePrinter), and a progress line for waits longer than a second.

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

namespace talgpu {

enum class ColorMode { auto_detect, always, never };
enum class TextStyle { plain, bold, error, warning, note, good, dim };

// True when `stream` should get colour under `mode` (auto = TTY, TERM != dumb, no NO_COLOR).
bool use_color(ColorMode mode, FILE* stream);
// Wraps `text` in ANSI codes when `color` is true.
std::string styled(std::string_view text, TextStyle style, bool color);

// Escapes what a terminal would act on, so text from inputs (YAML keys and values, file names,
// node names) cannot move the cursor, clear the screen, set the title or forge a line: C0 controls
// (newline and tab too) as \n \t \r or \xNN, DEL as \x7f, the C1 controls U+0080-U+009F and the
// bidirectional overrides U+202A-U+202E / U+2066-U+2069 as \u{XXXX}, bytes that are not UTF-8 as
// \xNN (the quoting git applies to path names, core.quotePath, extended to the whole line).
std::string terminal_safe(std::string_view text);
// The same for multi-line human output assembled by talgpu: keeps newlines, tabs and the exact
// colour sequences styled() emits, escapes everything else. Use terminal_safe on each input-derived
// piece where a piece must stay on one line.
std::string terminal_safe_text(std::string_view text);

// Shows "label... (3s)" on stderr once an operation has taken more than a second, only on a TTY.
// Call tick() while waiting; the destructor clears the line.
class Progress {
 public:
  Progress(std::string label, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void tick(std::string_view detail = {});

 private:
  std::string m_label;
  bool m_enabled;
  bool m_shown = false;
  std::chrono::steady_clock::time_point m_start;
};

}  // namespace talgpu
