#pragma once
// Source positions and the registry of loaded texts, so any layer can point a diagnostic at
// `file:line:col` and the renderer can show the offending line with a caret.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace talgpu {

// A file name, interned: each distinct name is stored once for the process lifetime and a FileName
// is a pointer to it. Every parsed node, label, taint and container carries a location, so copying
// one must not allocate (a 30-character path copied per location was a tenth of `check`'s time).
// Converts implicitly from strings; equality is pointer equality, ordering is by the text.
class FileName {
 public:
  FileName() = default;
  FileName(std::string_view name);  // NOLINT(google-explicit-constructor): interning is invisible
  FileName(const std::string& name) : FileName(std::string_view(name)) {}  // NOLINT
  FileName(const char* name) : FileName(std::string_view(name)) {}         // NOLINT

  const std::string& str() const { return *m_name; }
  operator const std::string&() const { return *m_name; }  // NOLINT: reads like the string it is
  operator std::string_view() const { return *m_name; }     // NOLINT
  bool empty() const { return m_name->empty(); }

  friend bool operator==(FileName a, FileName b) { return a.m_name == b.m_name; }
  friend bool operator==(FileName a, std::string_view b) { return *a.m_name == b; }
  friend bool operator==(FileName a, const std::string& b) { return *a.m_name == b; }
  friend bool operator==(FileName a, const char* b) { return *a.m_name == b; }
  friend bool operator<(FileName a, FileName b) { return a.m_name != b.m_name && *a.m_name < *b.m_name; }

 private:
  static const std::string s_empty;
  const std::string* m_name = &s_empty;
};

struct SourceLocation {
  FileName file;   // as the user named it (relative paths stay relative)
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based; 0 = unknown

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
  FileName name(int32_t id) const;
  std::string_view text(int32_t id) const;
  // Finds the text registered under `name` (the newest one), or nullptr.
  std::string_view text_of(std::string_view name) const;
  // The 1-based line `line` of `name`, without its newline; empty when unknown or when `name` is
  // sensitive, or when the text was released and the file no longer holds it.
  std::string line_of(std::string_view name, int line) const;
  // Drops the text of `id`, registered under a file path with that file's content, keeping its
  // size and hash: a big tree is not held in memory for the few lines diagnostics quote. line_of
  // reads the file again (the last one read stays cached: findings are sorted by file) and quotes
  // it only when it still has the same size and hash.
  void release(int32_t id);
  // For texts read from files: keeps them while all such texts together stay within
  // k_kept_file_text_bytes (a homelab tree is quoted from memory), releases the rest.
  static constexpr size_t k_kept_file_text_bytes = 4u << 20;
  void release_over_budget(int32_t id);

  // Marks `name` as sensitive: decrypted SOPS content, secrets bundles and machine configs. Its
  // lines are never quoted (line_of returns nothing, for every renderer: text carets, -v, json,
  // sarif); diagnostics name the file, line and field only. Holds for texts registered under the
  // name before and after the call.
  void mark_sensitive(std::string_view name);
  bool is_sensitive(std::string_view name) const;

 private:
  SourceRegistry();
  ~SourceRegistry();
  std::unique_ptr<struct SourceRegistryImpl> m_impl;
};

}  // namespace talgpu
