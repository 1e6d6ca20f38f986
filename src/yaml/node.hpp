#pragma once
// Our YAML document model. libyaml parses; everything downstream works on this small owned tree,
// which keeps the source position of every node (for diagnostics) and the scalar style (so a
// quoted "true" stays a string). Mappings keep insertion order; keys are strings.

#include <core/source.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace talgpu::yaml {

// Where a node starts. `file` is a SourceRegistry id (-1 = generated in code).
struct Mark {
  int32_t file = -1;
  int32_t line = 0;    // 1-based
  int32_t column = 0;  // 1-based
  SourceLocation location() const;
};

enum class Kind : uint8_t { scalar, sequence, mapping };

// `any` marks a string built in code: the emitter picks the style (plain when safe, else quoted).
// Parsed scalars keep the style they were written in.
enum class Style : uint8_t { any, plain, single_quoted, double_quoted, literal, folded };

// How a scalar resolves under YAML 1.2 core schema as go-yaml v3 applies it.
enum class ScalarType : uint8_t { string, null, boolean, integer, floating, timestamp };

struct MapEntry;

class Node {
 public:
  Node() = default;  // the null scalar
  Node(const Node& other);
  Node& operator=(const Node& other);
  Node(Node&&) noexcept = default;
  Node& operator=(Node&&) noexcept = default;
  ~Node() = default;

  static Node string(std::string value);          // a string, quoted on output when needed
  static Node plain(std::string value);           // emitted as-is: numbers, booleans, null
  static Node boolean(bool value);
  static Node integer(int64_t value);
  static Node null();
  static Node sequence();
  static Node mapping();

  Kind kind() const { return m_kind; }
  bool is_scalar() const { return m_kind == Kind::scalar; }
  bool is_sequence() const { return m_kind == Kind::sequence; }
  bool is_mapping() const { return m_kind == Kind::mapping; }
  bool is_null() const;  // `~`, `null`, empty plain scalar, or `!!null`
  // The resolved type of a scalar (strings for quoted scalars and `!!str`).
  ScalarType scalar_type() const;
  // True when the scalar would be read back as a string.
  bool is_string() const { return is_scalar() && scalar_type() == ScalarType::string; }

  const std::string& value() const { return m_value; }  // scalar text (decoded)
  Style style() const { return m_style; }
  const std::string& tag() const { return m_tag ? *m_tag : empty_tag(); }  // e.g. "!!str"; empty when implicit
  const Mark& mark() const { return m_mark; }
  SourceLocation location() const { return m_mark.location(); }

  void set_value(std::string v) {
    m_value = std::move(v);
    m_type = k_type_unknown;
  }
  void set_style(Style s) {
    m_style = s;
    m_type = k_type_unknown;
  }
  void set_tag(std::string t) {
    m_tag = t.empty() ? nullptr : std::make_unique<std::string>(std::move(t));
    m_type = k_type_unknown;
  }
  void set_mark(Mark m) { m_mark = m; }

  // Sequences.
  const std::vector<Node>& items() const { return m_items; }
  std::vector<Node>& items() { return m_items; }
  Node& push_back(Node n);
  size_t size() const;  // items or entries

  // Mappings (keys compared by their text).
  const std::vector<MapEntry>& entries() const { return m_entries; }
  std::vector<MapEntry>& entries() { return m_entries; }
  const Node* find(std::string_view key) const;
  Node* find(std::string_view key);
  const MapEntry* find_entry(std::string_view key) const;
  // Sets key to value (replacing in place, or appending). Returns the stored value.
  Node& set(std::string_view key, Node value);
  // Returns the value for key, inserting a null when missing.
  Node& operator[](std::string_view key);
  bool erase(std::string_view key);
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  // Structural equality of data (ignores marks; compares resolved scalar text and type).
  bool equals(const Node& other) const;

 private:
  Kind m_kind = Kind::scalar;
  Style m_style = Style::plain;
  // scalar_type() memoised (readers ask is_null()/scalar_type() of the same scalar many times);
  // every setter of value, style or tag resets it. Sits in padding: the node does not grow.
  static constexpr uint8_t k_type_unknown = 0xFF;
  mutable uint8_t m_type = k_type_unknown;
  Mark m_mark;
  std::string m_value;
  // Tags are rare: a pointer keeps the node small and cheap to move (the parser moves nodes a lot).
  std::unique_ptr<std::string> m_tag;
  static const std::string& empty_tag();
  ScalarType resolve_type() const;
  std::vector<Node> m_items;
  std::vector<MapEntry> m_entries;
};

struct MapEntry {
  Node key;
  Node value;
};

// go-yaml v3's resolution of a plain scalar (resolve.go): what `text` would mean unquoted.
ScalarType resolve_plain(std::string_view text);

// Dotted path helper for messages: "machine.install.disk", "nodes[2].hostname".
std::string path_join(std::string_view base, std::string_view key);
std::string path_index(std::string_view base, size_t index);

}  // namespace talgpu::yaml
