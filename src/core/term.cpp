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

namespace {

// Length of the UTF-8 sequence at `s[i]` (1-4), or 0 when it is not well-formed.
size_t utf8_length(std::string_view s, size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size() || (n == 2 && b < 0xC2)) {
    return 0;
  }
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
      return 0;
    }
  }
  return n;
}

uint32_t utf8_code_point(std::string_view s, size_t i, size_t n) {
  auto b = static_cast<unsigned char>(s[i]);
  uint32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
  for (size_t k = 1; k < n; ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  return cp;
}

// The length of a colour sequence styled() emits at `s[i]`, or 0.
size_t own_sgr_length(std::string_view s, size_t i) {
  static constexpr std::string_view k_ours[] = {"\x1b[0m",    "\x1b[1m",    "\x1b[2m",   "\x1b[1;31m",
                                                "\x1b[1;35m", "\x1b[1;36m", "\x1b[1;32m"};
  for (std::string_view seq : k_ours) {
    if (s.substr(i, seq.size()) == seq) {
      return seq.size();
    }
  }
  return 0;
}

std::string escape(std::string_view text, bool keep_layout) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    auto b = static_cast<unsigned char>(text[i]);
    if (keep_layout && (b == '\n' || b == '\t')) {
      out.push_back(static_cast<char>(b));
      ++i;
      continue;
    }
    if (keep_layout && b == 0x1b) {
      if (size_t n = own_sgr_length(text, i)) {
        out.append(text.substr(i, n));
        i += n;
        continue;
      }
    }
    if (b < 0x20 || b == 0x7f) {
      out += b == '\n' ? "\\n" : b == '\t' ? "\\t" : b == '\r' ? "\\r" : fmt::format("\\x{:02x}", b);
      ++i;
      continue;
    }
    size_t n = utf8_length(text, i);
    if (n == 0) {
      out += fmt::format("\\x{:02x}", b);
      ++i;
      continue;
    }
    if (n > 1) {
      uint32_t cp = utf8_code_point(text, i, n);
      if ((cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
        out += fmt::format("\\u{{{:04X}}}", cp);
        i += n;
        continue;
      }
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace

std::string terminal_safe(std::string_view text) {
  return escape(text, false);
}

std::string terminal_safe_text(std::string_view text) {
  return escape(text, true);
}

}  // namespace talgpu
