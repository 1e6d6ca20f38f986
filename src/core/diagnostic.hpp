#pragma once
// Compiler-style diagnostics for problems in the user's inputs.
//
// Every loader and rule reports into a `Diagnostics` collector instead of stopping at the first
// problem (mold's "report all errors of a phase, then checkpoint"). Each diagnostic has a stable
// rule id (e.g. `yaml-syntax`, `talconfig-unknown-key`) that users can grep, suppress and look up
// with `talgpu explain`.

#include <core/source.hpp>

#include <string>
#include <vector>

namespace talgpu {

enum class Severity { note, warning, error };

const char* severity_name(Severity s);

struct Diagnostic {
  Severity severity = Severity::error;
  std::string rule;     // stable id
  std::string message;  // one line
  SourceLocation location;
  std::string hint;     // optional: how to fix it
};

class Diagnostics {
 public:
  void add(Diagnostic d) {
    ++m_counts[static_cast<size_t>(d.severity)];
    m_items.push_back(std::move(d));
  }
  void error(std::string rule, std::string message, SourceLocation loc = {}, std::string hint = {});
  void warning(std::string rule, std::string message, SourceLocation loc = {}, std::string hint = {});
  void note(std::string rule, std::string message, SourceLocation loc = {}, std::string hint = {});
  void append(const Diagnostics& other);

  const std::vector<Diagnostic>& items() const { return m_items; }
  bool empty() const { return m_items.empty(); }
  size_t size() const { return m_items.size(); }
  // O(1): kept per severity as diagnostics are added (the manifest loader asks after every object).
  size_t count(Severity s) const { return m_counts[static_cast<size_t>(s)]; }
  bool has_errors() const { return count(Severity::error) > 0; }

  // Stable order: by file, line, column, then insertion order.
  void sort();
  // Drops every diagnostic after the first `n` (a loader undoing what one file added when the file
  // turns out not to be valid YAML after all).
  void truncate(size_t n);

 private:
  std::vector<Diagnostic> m_items;
  size_t m_counts[3] = {0, 0, 0};  // by Severity
};

struct RenderOptions {
  bool color = false;
  bool show_source = true;  // quote the source line with a caret under the column
};

// `file:line:col: error: message [rule]` + source line + caret + `  hint: ...` lines.
std::string render_text(const Diagnostic& d, const RenderOptions& opts = {});
std::string render_text(const Diagnostics& ds, const RenderOptions& opts = {});
// "2 errors, 1 warning" (empty string when there is nothing).
std::string summary_line(const Diagnostics& ds);
// JSON array of {"rule","severity","message","file","line","column","hint"?}.
std::string render_json(const Diagnostics& ds, int indent = 2);

}  // namespace talgpu
