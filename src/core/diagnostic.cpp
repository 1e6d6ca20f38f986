#include <core/diagnostic.hpp>

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <core/error.hpp>
#include <core/term.hpp>

namespace talgpu {

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::note:
      return "note";
    case Severity::warning:
      return "warning";
    case Severity::error:
      return "error";
  }
  return "error";
}

void Diagnostics::error(std::string rule, std::string message, SourceLocation loc, std::string hint) {
  add({Severity::error, std::move(rule), std::move(message), std::move(loc), std::move(hint)});
}
void Diagnostics::warning(std::string rule, std::string message, SourceLocation loc, std::string hint) {
  add({Severity::warning, std::move(rule), std::move(message), std::move(loc), std::move(hint)});
}
void Diagnostics::note(std::string rule, std::string message, SourceLocation loc, std::string hint) {
  add({Severity::note, std::move(rule), std::move(message), std::move(loc), std::move(hint)});
}
void Diagnostics::append(const Diagnostics& other) {
  m_items.insert(m_items.end(), other.m_items.begin(), other.m_items.end());
  for (size_t i = 0; i < 3; ++i) {
    m_counts[i] += other.m_counts[i];
  }
}

void Diagnostics::truncate(size_t n) {
  while (m_items.size() > n) {
    --m_counts[static_cast<size_t>(m_items.back().severity)];
    m_items.pop_back();
  }
}

void Diagnostics::sort() {
  std::stable_sort(m_items.begin(), m_items.end(), [](const Diagnostic& a, const Diagnostic& b) {
    const auto& la = a.location;
    const auto& lb = b.location;
    return std::tie(la.file, la.line, la.column) < std::tie(lb.file, lb.line, lb.column);
  });
}

namespace {

TextStyle severity_style(Severity s) {
  switch (s) {
    case Severity::error:
      return TextStyle::error;
    case Severity::warning:
      return TextStyle::warning;
    case Severity::note:
      return TextStyle::note;
  }
  return TextStyle::plain;
}

// Expands tabs so the caret lines up with what the terminal shows. Columns count characters, so
// UTF-8 continuation bytes take no room.
std::string caret_line(std::string_view src, int column) {
  std::string pad;
  int col = 1;
  for (char c : src) {
    if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) {
      continue;
    }
    if (col >= column) {
      break;
    }
    pad.push_back(c == '\t' ? '\t' : ' ');
    ++col;
  }
  while (col < column) {
    pad.push_back(' ');
    ++col;
  }
  return pad + "^";
}

}  // namespace

std::string render_text(const Diagnostic& d, const RenderOptions& opts) {
  std::string out;
  if (!d.location.empty()) {
    out += styled(terminal_safe(d.location.str()) + ":", TextStyle::bold, opts.color) + " ";
  }
  out += styled(std::string(severity_name(d.severity)) + ":", severity_style(d.severity), opts.color);
  out += " " + styled(terminal_safe(d.message), TextStyle::bold, opts.color);
  if (!d.rule.empty()) {
    out += " [" + terminal_safe(d.rule) + "]";
  }
  out += "\n";
  if (opts.show_source && d.location.line > 0) {
    const std::string src = SourceRegistry::instance().line_of(d.location.file, d.location.line);
    // Lines with control characters (binary input) are not echoed to the terminal.
    bool printable = std::none_of(src.begin(), src.end(), [](char c) {
      auto u = static_cast<unsigned char>(c);
      return (u < 0x20 && c != '\t') || u == 0x7f;
    });
    if (!src.empty() && src.size() < 400 && printable) {
      out += fmt::format("  {}\n", src);
      if (d.location.column > 0) {
        out += "  " + styled(caret_line(src, d.location.column), TextStyle::good, opts.color) + "\n";
      }
    }
  }
  if (!d.hint.empty()) {
    out += "  " + styled("hint:", TextStyle::note, opts.color) + " " + terminal_safe(d.hint) + "\n";
  }
  return out;
}

std::string render_text(const Diagnostics& ds, const RenderOptions& opts) {
  std::string out;
  for (const auto& d : ds.items()) {
    out += render_text(d, opts);
  }
  return out;
}

std::string summary_line(const Diagnostics& ds) {
  auto plural = [](size_t n, const char* word) {
    return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
  };
  std::vector<std::string> parts;
  if (size_t n = ds.count(Severity::error)) {
    parts.push_back(plural(n, "error"));
  }
  if (size_t n = ds.count(Severity::warning)) {
    parts.push_back(plural(n, "warning"));
  }
  if (size_t n = ds.count(Severity::note)) {
    parts.push_back(plural(n, "note"));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string render_json(const Diagnostics& ds, int indent) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const auto& d : ds.items()) {
    nlohmann::ordered_json j;
    j["rule"] = d.rule;
    j["severity"] = severity_name(d.severity);
    j["message"] = d.message;
    j["file"] = d.location.file;
    j["line"] = d.location.line;
    j["column"] = d.location.column;
    if (!d.hint.empty()) {
      j["hint"] = d.hint;
    }
    arr.push_back(std::move(j));
  }
  // Messages quote user input, which may hold invalid UTF-8: replace it rather than throw.
  return arr.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string Error::describe() const {
  if (location.empty()) {
    return message;
  }
  return location.str() + ": " + message;
}

}  // namespace talgpu
