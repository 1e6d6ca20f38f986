#include <core/term.hpp>

#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include <fmt/format.h>

namespace talgpu {

bool use_color(ColorMode mode, FILE* stream) {
  switch (mode) {
    case ColorMode::always:
      return true;
    case ColorMode::never:
      return false;
    case ColorMode::auto_detect:
      break;
  }
  if (const char* no = std::getenv("NO_COLOR"); no != nullptr && *no != '\0') {
    return false;
  }
  if (const char* force = std::getenv("CLICOLOR_FORCE"); force != nullptr && std::strcmp(force, "0") != 0) {
    return true;
  }
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) {
    return false;
  }
  return isatty(fileno(stream)) != 0;
}

std::string styled(std::string_view text, TextStyle style, bool color) {
  if (!color || style == TextStyle::plain) {
    return std::string(text);
  }
  const char* code = "";
  switch (style) {
    case TextStyle::bold:
      code = "1";
      break;
    case TextStyle::error:
      code = "1;31";
      break;
    case TextStyle::warning:
      code = "1;35";
      break;
    case TextStyle::note:
      code = "1;36";
      break;
    case TextStyle::good:
      code = "1;32";
      break;
    case TextStyle::dim:
      code = "2";
      break;
    case TextStyle::plain:
      break;
  }
  return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

Progress::Progress(std::string label, bool enabled)
    : m_label(std::move(label)),
      m_enabled(enabled && isatty(fileno(stderr)) != 0),
      m_start(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
  if (m_shown) {
    fmt::print(stderr, "\r\x1b[K");
    std::fflush(stderr);
  }
}

void Progress::tick(std::string_view detail) {
  if (!m_enabled) {
    return;
  }
  auto elapsed = std::chrono::steady_clock::now() - m_start;
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(elapsed).count();
  if (secs < 1) {
    return;
  }
  m_shown = true;
  fmt::print(stderr, "\r\x1b[K{}... {}s{}{}", m_label, secs, detail.empty() ? "" : " ", detail);
  std::fflush(stderr);
}

}  // namespace talgpu
