#pragma once
// Typed access to YAML mappings that reports problems as diagnostics at the right line:
// wrong types, missing required keys and unknown keys (with "did you mean").
//
//   MapReader r(node, "nodes[0]", diags, "talconfig");
//   auto host = r.string("hostname", Need::required);
//   auto ip   = r.string("ipAddress");
//   r.finish();   // warns about every key that was never asked for
//
// Rule ids are "<prefix>-type", "<prefix>-missing-key" and "<prefix>-unknown-key".

#include <core/diagnostic.hpp>
#include <yaml/node.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace talgpu::yaml {

enum class Need { optional, required };

class MapReader {
 public:
  // `node` must outlive the reader. A non-mapping node is reported once (as a type error) and
  // every accessor then returns nothing.
  MapReader(const Node& node, std::string path, Diagnostics& diags, std::string rule_prefix = "yaml");

  bool ok() const { return m_ok; }
  const Node& node() const { return m_node; }
  const std::string& path() const { return m_path; }
  std::string child_path(std::string_view key) const { return path_join(m_path, key); }

  // Marks `key` known and returns its value node (nullptr when absent or null).
  const Node* get(std::string_view key, Need need = Need::optional);
  // Marks keys known without reading them.
  void allow(std::initializer_list<std::string_view> keys);

  std::optional<std::string> string(std::string_view key, Need need = Need::optional);
  std::optional<bool> boolean(std::string_view key, Need need = Need::optional);
  std::optional<int64_t> integer(std::string_view key, Need need = Need::optional);
  std::optional<std::vector<std::string>> strings(std::string_view key, Need need = Need::optional);
  std::optional<std::map<std::string, std::string>> string_map(std::string_view key, Need need = Need::optional);
  const Node* mapping(std::string_view key, Need need = Need::optional);
  const Node* sequence(std::string_view key, Need need = Need::optional);

  // Reports keys never asked for. Severity warning by default (talhelper ignores unknown keys).
  void finish(Severity unknown_severity = Severity::warning);

  void type_error(const Node& n, std::string_view key, std::string_view expected);

 private:
  const Node& m_node;
  std::string m_path;
  Diagnostics& m_diags;
  std::string m_prefix;
  bool m_ok = true;
  std::set<std::string, std::less<>> m_known;
};

// Scalar helpers usable outside a MapReader. They report into `diags` and return nullopt on error.
std::optional<std::string> as_string(const Node& n, std::string_view path, Diagnostics& diags,
                                     std::string_view rule = "yaml-type");
std::optional<bool> as_bool(const Node& n, std::string_view path, Diagnostics& diags,
                            std::string_view rule = "yaml-type");
std::optional<int64_t> as_int(const Node& n, std::string_view path, Diagnostics& diags,
                              std::string_view rule = "yaml-type");

// A short name of a node's type for messages: "a string", "a list", "a mapping", "a number".
std::string describe_kind(const Node& n);

}  // namespace talgpu::yaml
