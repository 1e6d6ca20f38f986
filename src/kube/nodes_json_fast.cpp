// The streaming reader of `kubectl get nodes -o json` (see nodes_json.hpp): it walks the JSON
// once and builds only the kube::Nodes, skipping (but still validating) everything read_node does
// not look at. It gives up (nullopt) on anything the generic path would report or read
// differently: invalid JSON, duplicate keys, escapes or bytes the YAML fast path leaves to
// libfyaml, a Node read_node would reject. tests/unit/nodes_json_test.cpp holds it to the generic
// reader's result, field by field and location by location.

#include <kube/nodes_json.hpp>

#include <array>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <yaml/fast_parse.hpp>

namespace talgpu::kube::detail {

namespace {

constexpr size_t k_max_depth = 200;  // below yaml::ParseOptions::max_depth: deeper is the generic path's call

// A scalar as the YAML reader would hold it: its text, and whether it is the null literal.
struct Scalar {
  std::string text;
  bool null = false;
};

// What one Node object held, before the List decides whether it is read at all.
struct NodeRead {
  Node node;
  bool has_name = false;
  bool malformed = false;         // something read_node reports as an error
  std::optional<std::string> kind;  // a non-null scalar `kind`
};

// The keys of one object, as views into the text (escaped keys send the text to the generic
// reader, so every key is a plain slice of it).
class KeySet {
 public:
  // False when the key was there already.
  bool insert(std::string_view key) {
    if (m_big.empty() && m_count < m_small.size()) {
      for (size_t i = 0; i < m_count; ++i) {
        if (m_small[i] == key) {
          return false;
        }
      }
      m_small[m_count++] = key;
      return true;
    }
    if (m_big.empty()) {
      m_big.insert(m_small.begin(), m_small.end());
    }
    return m_big.insert(key).second;
  }

 private:
  std::array<std::string_view, 16> m_small;
  size_t m_count = 0;
  std::unordered_set<std::string_view> m_big;
};

class Reader {
 public:
  Reader(std::string_view text, const std::string& name) : m_t(text), m_name(name) {}

  std::optional<std::vector<Node>> run() {
    space();
    if (peek() != '{') {
      return std::nullopt;
    }
    NodeRead root;
    root.node.location = location_at(m_pos);  // read when the root is itself a Node
    std::optional<std::deque<NodeRead>> items;  // a deque: no moves as it grows
    bool items_other = false;  // `items` present, not null and not a list
    bool ok = object([&](std::string_view key, const KeyPos&) {
      if (key == "items") {
        if (peek() == '[') {
          items.emplace();
          return array([&](size_t at) {
            if (peek() != '{') {
              items->push_back(NodeRead{});
              items->back().malformed = true;  // read_node: "a Node must be a mapping"
              return skip(1);
            }
            NodeRead r;
            if (!node(r, at)) {
              return false;
            }
            items->push_back(std::move(r));
            return true;
          }, 1);
        }
        if (is_scalar_start()) {
          Scalar s;
          if (!scalar(s)) {
            return false;
          }
          items_other = !s.null;
          return true;
        }
        items_other = true;
        return skip(1);
      }
      return node_member(root, key, 1);
    }, 0);
    if (!ok) {
      return std::nullopt;
    }
    space();
    if (m_pos != m_t.size()) {
      return std::nullopt;
    }
    std::vector<Node> out;
    if (root.kind && *root.kind == "Node") {
      if (root.malformed || !root.has_name) {
        return std::nullopt;
      }
      finish(root.node);
      out.push_back(std::move(root.node));
      return out;
    }
    if (!items || items_other) {
      return std::nullopt;  // "expected a Node or a List of Nodes"
    }
    out.reserve(items->size());
    for (auto& r : *items) {
      if (r.kind && *r.kind != "Node") {
        continue;
      }
      if (r.malformed || !r.has_name) {
        return std::nullopt;
      }
      finish(r.node);
      out.push_back(std::move(r.node));
    }
    return out;
  }

 private:
  char peek() const { return m_pos < m_t.size() ? m_t[m_pos] : '\0'; }
  bool is_scalar_start() const { return peek() != '{' && peek() != '['; }

  void space() {
    // A local index: stores to members through `this` could alias the text and force reloads.
    const size_t n = m_t.size();
    const char* p = m_t.data();
    size_t i = m_pos;
    for (;;) {
      while (i < n && p[i] == ' ') {
        ++i;
      }
      if (i < n && p[i] == '\n') {
        m_line_start = ++i;
        ++m_line;
        continue;
      }
      break;
    }
    m_pos = i;
  }

  // Where a key started: its byte offset and line (the value may be on a later line).
  struct KeyPos {
    size_t pos;
    int line;
    size_t line_start;
  };

  // Line and column (in characters) of byte p on the current line, counted incrementally.
  SourceLocation location_at(size_t p) { return location_at(KeyPos{p, m_line, m_line_start}); }
  SourceLocation location_at(const KeyPos& k) {
    if (m_column_line_start != k.line_start || k.pos < m_column_pos) {
      m_column_line_start = k.line_start;
      m_column_pos = k.line_start;
      m_column = 1;
    }
    for (; m_column_pos < k.pos; ++m_column_pos) {
      if ((static_cast<unsigned char>(m_t[m_column_pos]) & 0xC0) != 0x80) {
        ++m_column;
      }
    }
    return SourceLocation{m_name, k.line, m_column};
  }

  // A JSON string at m_pos, decoded as the YAML fast path decodes double-quoted scalars (JSON's
  // escapes only; anything else goes to the generic reader).
  bool string(std::string& out) {
    const size_t n = m_t.size();
    size_t i = m_pos + 1;
    bool escaped = false;
    while (i < n && m_t[i] != '"') {
      if (m_t[i] == '\n') {
        return false;
      }
      if (m_t[i] == '\\') {
        escaped = true;
        ++i;
      }
      ++i;
    }
    if (i >= n) {
      return false;
    }
    std::string_view body = m_t.substr(m_pos + 1, i - m_pos - 1);
    m_pos = i + 1;
    if (!escaped) {
      out.assign(body);
      return true;
    }
    return yaml::detail::decode_double_quoted(body, out, /*json_only=*/true);
  }

  // A key without escapes at m_pos, as a view into the text.
  bool raw_key(std::string_view& out) {
    const size_t n = m_t.size();
    size_t i = m_pos + 1;
    while (i < n && m_t[i] != '"') {
      if (m_t[i] == '\\' || m_t[i] == '\n') {
        return false;
      }
      ++i;
    }
    if (i >= n) {
      return false;
    }
    out = m_t.substr(m_pos + 1, i - m_pos - 1);
    m_pos = i + 1;
    return true;
  }

  // A string, number or literal at m_pos.
  bool scalar(Scalar& out) {
    out.null = false;
    const char c = peek();
    if (c == '"') {
      return string(out.text);
    }
    if (std::string_view word = yaml::detail::json_literal_at(m_t, m_pos); !word.empty()) {
      out.text.assign(word);
      out.null = word == "null";
      m_pos += word.size();
      return true;
    }
    const size_t end = yaml::detail::json_number_end(m_t, m_pos);
    if (end == std::string_view::npos) {
      return false;
    }
    out.text.assign(m_t.substr(m_pos, end - m_pos));
    m_pos = end;
    return true;
  }

  // An object at m_pos: on_member(key, key_position) is called with m_pos at each value and must
  // consume it. Keys are checked for duplicates, as the YAML reader does.
  template <typename F>
  bool object(F&& on_member, size_t depth) {
    if (depth > k_max_depth || peek() != '{') {
      return false;
    }
    ++m_pos;
    KeySet keys;
    space();
    if (peek() == '}') {
      ++m_pos;
      return true;
    }
    for (;;) {
      space();
      if (peek() != '"') {
        return false;
      }
      const KeyPos key_pos{m_pos, m_line, m_line_start};
      std::string_view key;
      if (!raw_key(key) || m_pos - key_pos.pos > 1024 || !keys.insert(key)) {
        return false;
      }
      space();
      if (peek() != ':') {
        return false;
      }
      ++m_pos;
      space();
      if (m_pos >= m_t.size() || !on_member(key, key_pos)) {
        return false;
      }
      space();
      if (peek() == ',') {
        ++m_pos;
        continue;
      }
      if (peek() == '}') {
        ++m_pos;
        return true;
      }
      return false;
    }
  }

  // An array at m_pos: on_item(item_position) is called with m_pos at each item.
  template <typename F>
  bool array(F&& on_item, size_t depth) {
    if (depth > k_max_depth || peek() != '[') {
      return false;
    }
    ++m_pos;
    space();
    if (peek() == ']') {
      ++m_pos;
      return true;
    }
    for (;;) {
      space();
      if (m_pos >= m_t.size() || !on_item(m_pos)) {
        return false;
      }
      space();
      if (peek() == ',') {
        ++m_pos;
        continue;
      }
      if (peek() == ']') {
        ++m_pos;
        return true;
      }
      return false;
    }
  }

  // Any value, validated and dropped.
  bool skip(size_t depth) {
    if (peek() == '{') {
      return object([&](std::string_view, const KeyPos&) { return skip(depth + 1); }, depth);
    }
    if (peek() == '[') {
      return array([&](size_t) { return skip(depth + 1); }, depth);
    }
    Scalar s;
    return scalar(s);
  }

  // A value read as read_node's get(): a non-null scalar gives its text; null, a mapping or a
  // list give nothing (the non-scalar is skipped).
  bool scalar_text(std::optional<std::string>& out, size_t depth) {
    out.reset();
    if (!is_scalar_start()) {
      return skip(depth);
    }
    Scalar s;
    if (!scalar(s)) {
      return false;
    }
    if (!s.null) {
      out = std::move(s.text);
    }
    return true;
  }

  // True when the value at m_pos is the null literal (consumed).
  bool take_null() {
    if (yaml::detail::json_literal_at(m_t, m_pos) == "null") {
      m_pos += 4;
      return true;
    }
    return false;
  }

  bool node(NodeRead& r, size_t at) {
    r.node.location = location_at(at);
    return object([&](std::string_view key, const KeyPos&) { return node_member(r, key, 2); }, 1);
  }

  // One member of a Node object (also used for a List's root, which may itself be a Node).
  bool node_member(NodeRead& r, std::string_view key, size_t depth) {
    Node& n = r.node;
    n.source = NodeSource::observed;
    if (key == "kind") {
      std::optional<std::string> k;
      if (!scalar_text(k, depth)) {
        return false;
      }
      r.kind = std::move(k);
      return true;
    }
    if (key == "metadata") {
      if (peek() != '{') {
        return take_null() || skip(depth);  // not a mapping: no name (read_node reports it)
      }
      return object([&](std::string_view mk, const KeyPos&) {
        if (mk == "name") {
          std::optional<std::string> name;
          if (!is_scalar_start()) {
            return skip(depth + 1);  // a non-scalar name: "missing 'metadata.name'"
          }
          if (!scalar_text(name, depth + 1)) {
            return false;
          }
          if (name) {
            n.name = std::move(*name);
            r.has_name = true;
          }
          return true;
        }
        if (mk == "labels") {
          if (take_null()) {
            return true;
          }
          if (peek() != '{') {
            r.malformed = true;  // "'metadata.labels' must be a mapping"
            return skip(depth + 1);
          }
          n.labels.location = location_at(m_pos);
          return object([&](std::string_view label, const KeyPos& label_pos) {
            SourceLocation where = location_at(label_pos);
            std::optional<std::string> value;
            if (!scalar_text(value, depth + 2)) {
              return false;
            }
            n.labels.set(std::string(label), value ? std::move(*value) : std::string(), std::move(where));
            return true;
          }, depth + 1);
        }
        return skip(depth + 1);
      }, depth);
    }
    if (key == "spec") {
      if (peek() != '{') {
        return skip(depth);  // read_node looks into mappings only
      }
      return object([&](std::string_view sk, const KeyPos&) {
        if (sk == "unschedulable") {
          std::optional<std::string> u;
          if (!scalar_text(u, depth + 1)) {
            return false;
          }
          n.unschedulable = u && *u == "true";
          return true;
        }
        if (sk == "taints") {
          if (take_null()) {
            return true;
          }
          if (peek() != '[') {
            r.malformed = true;  // "'spec.taints' must be a list"
            return skip(depth + 1);
          }
          return array([&](size_t item_pos) {
            Taint t;
            t.location = location_at(item_pos);
            bool ok = true;
            if (peek() == '{') {
              ok = object([&](std::string_view tk, const KeyPos&) {
                std::string* field = tk == "key" ? &t.key : tk == "value" ? &t.value : tk == "effect" ? &t.effect : nullptr;
                if (field == nullptr) {
                  return skip(depth + 3);
                }
                std::optional<std::string> v;
                if (!scalar_text(v, depth + 3)) {
                  return false;
                }
                *field = v ? std::move(*v) : std::string();
                return true;
              }, depth + 2);
            } else {
              ok = skip(depth + 2);
            }
            n.taints.push_back(std::move(t));
            return ok;
          }, depth + 1);
        }
        return skip(depth + 1);
      }, depth);
    }
    if (key == "status") {
      if (peek() != '{') {
        return skip(depth);
      }
      return object([&](std::string_view qk, const KeyPos&) {
        if (qk != "capacity" && qk != "allocatable") {
          return skip(depth + 1);
        }
        std::map<std::string, Quantity>& out = qk == "capacity" ? n.capacity : n.allocatable;
        if (take_null()) {
          return true;
        }
        if (peek() != '{') {
          r.malformed = true;  // "'status.capacity' must be a mapping"
          return skip(depth + 1);
        }
        return object([&](std::string_view resource, const KeyPos&) {
          std::optional<std::string> q;
          if (!scalar_text(q, depth + 2)) {
            return false;
          }
          if (q) {
            out[std::string(resource)] = Quantity::parse(*q);
          }
          return true;
        }, depth + 1);
      }, depth);
    }
    return skip(depth);
  }

  // read_node's derived flags.
  static void finish(Node& n) {
    if (n.labels.contains("node-role.kubernetes.io/control-plane")) {
      n.control_plane = true;
    }
    if (n.allocatable.count(std::string(k_gpu_resource)) || n.labels.contains("nvidia.com/gpu.present")) {
      n.gpu = true;
    }
  }

  std::string_view m_t;
  FileName m_name;  // interned once: every location copies it
  size_t m_pos = 0;
  size_t m_line_start = 0;
  int m_line = 1;
  size_t m_column_line_start = std::string_view::npos;
  size_t m_column_pos = 0;
  int m_column = 1;
};

}  // namespace

std::optional<std::vector<Node>> read_nodes_json_fast(std::string_view text, const std::string& name) {
  if (yaml::detail::has_unsupported_bytes(text)) {
    return std::nullopt;
  }
  return Reader(text, name).run();
}

}  // namespace talgpu::kube::detail
