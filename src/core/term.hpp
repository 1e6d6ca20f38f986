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
