#pragma once
// Source positions and the registry of loaded texts, so any layer can point a diagnostic at
// `file:line:col` and the renderer can show the offending line with a caret.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace talgpu {

struct SourceLocation {
  std::string file;  // as the user named it (relative paths stay relative)
  int line = 0;      // 1-based; 0 = unknown
  int column = 0;    // 1-based; 0 = unknown

  bool empty() const { return file.empty(); }
  std::string str() const;  // "file:line:col", "file:line" or "file"
};

// Every text we parse is registered here, so a diagnostic can quote its line. Files are identified
// by a small integer so that YAML nodes carry a 12-byte mark instead of a string.
class SourceRegistry {
 public:
  static SourceRegistry& instance();

  // Registers `text` under `name` and returns its id. The text is kept for the process lifetime.
  int32_t add(std::string name, std::string text);
  const std::string& name(int32_t id) const;
  std::string_view text(int32_t id) const;
  // Finds the text registered under `name` (the newest one), or nullptr.
  std::string_view text_of(std::string_view name) const;
  // The 1-based line `line` of `name`, without its newline; empty when unknown.
  std::string_view line_of(std::string_view name, int line) const;

 private:
  SourceRegistry();
  ~SourceRegistry();
  std::unique_ptr<struct SourceRegistryImpl> m_impl;
};

}  // namespace talgpu
