// The streaming reader of `kubectl get nodes -o json` (see nodes_json.hpp): it walks the JSON
// once and builds only the kube::Nodes, skipping (but still validating) everything read_node does
// not look at. It gives up (nullopt) on anything the generic path would report or read
// differently: invalid JSON, duplicate keys, escapes or bytes the YAML fast path leaves to
// libyaml, a Node read_node would reject. tests/unit/kube_nodes_json_test.cpp holds it to the
// generic reader's result, field by field and location by location.
//
// Most of a real node is skipped (managedFields, images, conditions), so the per-byte work is
// what matters: a raw cursor, 16-byte scans for whitespace runs and string bodies, scalars as
// slices of the text (decoded only when they carry escapes), duplicate keys checked on
// fingerprints, and Nodes built straight into the result.

#include <kube/nodes_json.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml/fast_parse.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace talgpu::kube::detail {

namespace {

// Nesting of objects and arrays the reader follows (the root is 1); deeper is the generic path's
// call. Well below yaml::ParseOptions::max_depth.
constexpr size_t k_max_depth = 200;
// Longest key (bytes between the quotes) taken here: the YAML reader limits simple keys to 1024
// characters including the quotes.
constexpr size_t k_max_key_bytes = 1022;
// Objects with more keys than this check duplicates through a hash table instead of a scan.
constexpr size_t k_linear_keys = 16;

// 16 bytes of text, compared all at once (GCC vector extensions: SSE2 on x86-64, NEON on arm64).
using Bytes = char __attribute__((vector_size(16)));
using Mask = decltype(std::declval<Bytes>() == std::declval<Bytes>());  // a comparison's result: 0 or -1 per byte

Bytes load16(const char* p) {
  Bytes v;
  std::memcpy(&v, p, 16);
  return v;
}

// The index of the first byte of `hit` that is set, or 16.
[[gnu::always_inline]] inline size_t first_hit(Mask hit) {
#if defined(__SSE2__)
  const unsigned bits = static_cast<unsigned>(_mm_movemask_epi8(reinterpret_cast<__m128i>(hit)));
  return bits != 0 ? static_cast<size_t>(std::countr_zero(bits)) : 16;
#else
  uint64_t w[2];
  std::memcpy(w, &hit, 16);
  static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big);
  auto first = [](uint64_t x) {
    return static_cast<size_t>(std::endian::native == std::endian::little ? std::countr_zero(x) : std::countl_zero(x)) / 8;
  };
  if (w[0] != 0) {
    return first(w[0]);
  }
  return w[1] != 0 ? 8 + first(w[1]) : 16;
#endif
}

// 8 bytes from p (all readable), as a number.
uint64_t load8(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}

// The first `len` (< 8) of 8 loaded bytes; the others zeroed.
uint64_t keep_first(uint64_t x, size_t len) {
  const uint64_t mask = (uint64_t{1} << (8 * len)) - 1;
  return std::endian::native == std::endian::little ? x & mask : x & ~(~uint64_t{0} >> (8 * len));
}

// A key of an open object: a slice of the text plus a fingerprint of its length, first 8 and last
// 8 bytes, so that telling two keys apart rarely needs to look at their bytes.
struct Key {
  const char* p;
  size_t len;
  uint64_t fp;

  bool same(const Key& o) const { return fp == o.fp && len == o.len && std::memcmp(p, o.p, len) == 0; }
};

// A scalar as the YAML reader would hold it: its text (a slice of the JSON, or of the reader's
// decode buffer when it had escapes), and whether it is the null literal.
struct Scalar {
  std::string_view text;
  bool null = false;
  bool decoded = false;  // text lives in Reader::m_decoded: copy it before the next scalar
};

// A Node's `kind`, as the List reader looks at it.
enum class Kind : uint8_t {
  unset,  // absent, null or not a scalar: read as a Node
  node,   // "Node"
  other,  // any other scalar: the item is skipped
};

// What the reader learnt about one Node object besides the Node itself.
struct NodeState {
  Node* node;
  bool has_name = false;
  bool malformed = false;  // something read_node reports as an error
  Kind kind = Kind::unset;
  // What read_node's derived flags look up, noted while reading (keys are unique).
  bool control_plane_label = false;
  bool gpu_label = false;
  bool gpu_allocatable = false;
};

// One label while its map is read; the StringMap is built once the map is complete. Key and value
// are slices of the text, or (decoded from escapes) of Reader::m_label_text from *_at on.
struct LabelRead {
  std::string_view key;
  std::string_view value;
  size_t key_at = std::string_view::npos;
  size_t value_at = std::string_view::npos;
  SourceLocation where;
};

class Reader {
 public:
  Reader(std::string_view text, const std::string& name)
      : m_begin(text.data()), m_end(text.data() + text.size()), m_p(m_begin), m_line_start(m_begin), m_name(name) {}

  std::optional<std::vector<Node>> run() {
    space();
    if (!at('{')) {
      return std::nullopt;
    }
    Node root_node;
    root_node.source = NodeSource::observed;
    NodeState root{&root_node};
    root_node.location = location_at(m_p);  // read when the root is itself a Node
    bool items_list = false;   // `items` is a list
    bool items_other = false;  // `items` present, not null and not a list
    bool items_bad = false;    // an item read_node would report (unless the root is the Node)
    bool ok = object(1, [&](std::string_view key, const KeyPos&) {
      if (key != "items") {
        return node_member(root, key, 2);
      }
      if (at('[')) {
        items_list = true;
        return array(2, [&] { return item(items_bad); });
      }
      if (!at('{')) {
        Scalar s;
        if (!scalar(s)) {
          return false;
        }
        items_other = !s.null;
        return true;
      }
      items_other = true;
      return skip(2);
    });
    if (!ok) {
      return std::nullopt;
    }
    space();
    if (m_p != m_end) {
      return std::nullopt;
    }
    if (root.kind == Kind::node) {
      if (root.malformed || !root.has_name) {
        return std::nullopt;
      }
      finish(root);
      std::vector<Node> out;
      out.push_back(std::move(root_node));
      return out;
    }
    if (!items_list || items_other || items_bad) {
      return std::nullopt;  // "expected a Node or a List of Nodes", or an item read_node reports
    }
    return std::move(m_out);
  }

 private:
  // Where a key started, and the line it was on (its value may be on a later one).
  struct KeyPos {
    const char* pos;
    int line;
    const char* line_start;
  };

  [[gnu::always_inline]] bool at(char c) const { return m_p != m_end && *m_p == c; }
  // Whether s is a slice of the text rather than of a decode buffer (std::less: a total order
  // even for pointers into different objects).
  bool in_text(std::string_view s) const {
    return !std::less<const char*>{}(s.data(), m_begin) && !std::less<const char*>{}(m_end, s.data());
  }

  // Skips spaces and newlines, counting lines. has_unsupported_bytes() has ruled out tabs, CR and
  // the other control characters, so the only bytes up to ' ' left are JSON's whitespace here.
  static bool is_space(char c) { return static_cast<unsigned char>(c) <= ' '; }
  [[gnu::always_inline]] void space() { m_p = ws(m_p); }
  // The first byte at or after p that is not whitespace.
  [[gnu::always_inline]] const char* ws(const char* p) {
    return p != m_end && is_space(*p) ? space_run(p) : p;
  }
  const char* space_run(const char* p) {
    if (*p == ' ' && m_end - p > 1 && !is_space(p[1])) {  // the space after a colon
      return p + 1;
    }
    for (;;) {
      if (*p == '\n') {
        ++m_line;
        m_line_start = ++p;
      }
      p = after_spaces(p);
      if (p == m_end || !is_space(*p)) {
        return p;
      }
    }
  }

  // The first byte at or after p that is not a space. Pretty-printed JSON indents every line, so
  // runs are scanned 16 bytes at a time.
  [[gnu::always_inline]] const char* after_spaces(const char* p) const {
    while (m_end - p >= 16) {
      const size_t n = first_hit(load16(p) != ' ');
      if (n < 16) {
        return p + n;
      }
      p += 16;
    }
    while (p != m_end && *p == ' ') {
      ++p;
    }
    return p;
  }

  // The first '"', '\\' or newline at or after p (end when none): where a string body stops.
  [[gnu::always_inline]] const char* string_stop(const char* p) const {
    while (m_end - p >= 16) {
      const Bytes v = load16(p);
      const size_t n = first_hit((v == '"') | (v == '\\') | (v == '\n'));
      if (n < 16) {
        return p + n;
      }
      p += 16;
    }
    while (p != m_end && *p != '"' && *p != '\\' && *p != '\n') {
      ++p;
    }
    return p;
  }

  // Line and column (in characters) of byte `pos`, counted incrementally along the line: locations
  // are asked for in text order, so no byte is counted twice.
  SourceLocation location_at(const char* pos) { return location_at(KeyPos{pos, m_line, m_line_start}); }
  SourceLocation location_at(const KeyPos& k) {
    if (m_column_line_start != k.line_start || k.pos < m_column_pos) {
      m_column_line_start = k.line_start;
      m_column_pos = k.line_start;
      m_column = 1;
    }
    const char* p = m_column_pos;
    int chars = 0;
    // 8 bytes at a time: every byte but a UTF-8 continuation byte (10xxxxxx) starts a character.
    for (; k.pos - p >= 8; p += 8) {
      const uint64_t x = load8(p);
      const uint64_t continuation = x & ~(x << 1) & 0x8080808080808080u;
      chars += 8 - static_cast<int>(((continuation >> 7) * 0x0101010101010101u) >> 56);
    }
    if (m_end - p >= 8) {  // the last few bytes, as one masked word
      const size_t n = static_cast<size_t>(k.pos - p);
      const uint64_t x = keep_first(load8(p), n);
      const uint64_t continuation = x & ~(x << 1) & 0x8080808080808080u;
      chars += static_cast<int>(n) - static_cast<int>(((continuation >> 7) * 0x0101010101010101u) >> 56);
      p = k.pos;
    }
    for (; p < k.pos; ++p) {
      chars += (static_cast<unsigned char>(*p) & 0xC0) != 0x80 ? 1 : 0;
    }
    m_column_pos = k.pos;
    m_column += chars;
    return SourceLocation{m_name, k.line, m_column};
  }

  // A JSON string at m_p: its body, decoded as the YAML fast path decodes double-quoted scalars
  // (JSON's escapes only; anything else goes to the generic reader). A body without escapes is a
  // slice of the text.
  [[gnu::always_inline]] bool string(Scalar& out) {
    const char* body = m_p + 1;
    const char* p = string_stop(body);
    if (p == m_end || *p == '\n') {
      return false;
    }
    if (*p == '"') {
      out.text = std::string_view(body, static_cast<size_t>(p - body));
      out.decoded = false;
      m_p = p + 1;
      return true;
    }
    return escaped_string(body, p, out);
  }
  // The rest of string(): p is at the first backslash of the body.
  [[gnu::noinline]] bool escaped_string(const char* body, const char* p, Scalar& out) {
    // Escapes: find the closing quote (an escaped character never ends the body), then decode.
    while (*p == '\\') {
      if (m_end - p < 2 || p[1] == '\n') {
        return false;
      }
      p = string_stop(p + 2);
      if (p == m_end || *p == '\n') {
        return false;
      }
    }
    m_p = p + 1;
    if (!yaml::detail::decode_double_quoted(std::string_view(body, static_cast<size_t>(p - body)), m_decoded,
                                            /*json_only=*/true)) {
      return false;
    }
    out.text = m_decoded;
    out.decoded = true;
    return true;
  }

  // A string, number or literal at m_p.
  [[gnu::always_inline]] bool scalar(Scalar& out) {
    out.null = false;
    out.decoded = false;
    if (*m_p == '"') {
      return string(out);
    }
    return number_or_literal(out);
  }
  [[gnu::noinline]] bool number_or_literal(Scalar& out) {
    const std::string_view text(m_begin, static_cast<size_t>(m_end - m_begin));
    const size_t pos = static_cast<size_t>(m_p - m_begin);
    if (std::string_view word = yaml::detail::json_literal_at(text, pos); !word.empty()) {
      out.text = word;
      out.null = word == "null";
      m_p += word.size();
      return true;
    }
    const size_t end = yaml::detail::json_number_end(text, pos);
    if (end == std::string_view::npos) {
      return false;
    }
    out.text = text.substr(pos, end - pos);
    m_p = m_begin + end;
    return true;
  }

  // A key at m_p: a slice of the text, or (with escapes, as managedFields' `k:{\"type\":...}` keys
  // have) its decoded text kept in m_decoded_keys while its object is open. The YAML reader
  // compares keys decoded, and limits them to 1024 characters of text with the quotes.
  [[gnu::always_inline]] bool key(Key& out, size_t& decoded) {
    const char* body = m_p + 1;
    const char* p = string_stop(body);
    if (p != m_end && *p == '"' && static_cast<size_t>(p - body) <= k_max_key_bytes) {
      m_p = p + 1;
      out = make_key(body, static_cast<size_t>(p - body), m_end);
      return true;
    }
    if (p == m_end || *p != '\\') {
      return false;
    }
    return escaped_key(out, decoded);
  }
  [[gnu::noinline]] bool escaped_key(Key& out, size_t& decoded) {
    const char* start = m_p;
    Scalar s;
    if (!string(s) || static_cast<size_t>(m_p - start) > k_max_key_bytes + 2) {
      return false;
    }
    const std::string& kept = m_decoded_keys.emplace_back(s.text);
    ++decoded;
    out = make_key(kept.data(), kept.size(), kept.data() + kept.size());
    return true;
  }

  // A Key for the `len` bytes at p; bytes up to `readable` may be loaded. The fingerprint is made
  // of the first and last 8 bytes (fewer when shorter: the key's own bytes only).
  [[gnu::always_inline]] static Key make_key(const char* p, size_t len, const char* readable) {
    uint64_t head = 0;
    uint64_t tail = 0;
    if (len >= 8) {
      head = load8(p);
      tail = load8(p + len - 8);
    } else if (readable - p >= 8) {
      head = keep_first(load8(p), len);
    } else {
      std::memcpy(&head, p, len);
    }
    return Key{p, len, (head * 0x9E3779B97F4A7C15u) ^ tail ^ len};
  }

  // Records a key of the object whose keys start at m_keys[first]; false when it was there already
  // (the YAML reader rejects duplicate keys).
  bool add_key(const Key& k, size_t first, size_t depth) {
    const size_t count = m_key_count - first;
    if (count < k_linear_keys) {
      for (size_t i = first; i < m_key_count; ++i) {
        if (m_keys[i].same(k)) {
          return false;
        }
      }
    } else if (!add_hashed(k, first, count, depth)) {
      return false;
    }
    if (m_key_count == m_keys.size()) {
      m_keys.resize(std::max<size_t>(64, m_keys.size() * 2));
    }
    m_keys[m_key_count++] = k;
    return true;
  }

  // add_key for big objects: an open-addressing table per depth (nested objects keep theirs) of
  // indices into the object's keys, built when the object outgrows the scan. Slots come from a
  // hash of all of a key's bytes (the fingerprint plus the 8-byte words between its head and
  // tail): many keys of one map share their first and last 8, `nvidia.com/gpu.*.present`.
  bool add_hashed(const Key& k, size_t first, size_t count, size_t depth) {
    if (m_tables.size() <= depth) {
      m_tables.resize(depth + 1);
    }
    std::vector<uint32_t>& table = m_tables[depth];
    auto slot_of = [&table](const Key& key) {
      uint64_t h = key.fp;
      for (size_t i = 8; i + 8 < key.len; i += 8) {
        h = (h ^ load8(key.p + i)) * 0x9E3779B97F4A7C15u;
      }
      return static_cast<size_t>((h * 0xFF51AFD7ED558CCDu) >> 32) & (table.size() - 1);
    };
    // Slots hold a key's number in the object plus one; 0 is empty.
    auto place = [&](const Key& key, size_t number) {
      size_t s = slot_of(key);
      while (table[s] != 0) {
        s = (s + 1) & (table.size() - 1);
      }
      table[s] = static_cast<uint32_t>(number + 1);
    };
    if (count == k_linear_keys || (count + 1) * 2 > table.size()) {  // first use by this object, or full
      table.assign(std::max<size_t>(64, std::bit_ceil((count + 1) * 4)), 0);
      for (size_t i = 0; i < count; ++i) {
        place(m_keys[first + i], i);
      }
    }
    for (size_t s = slot_of(k); table[s] != 0; s = (s + 1) & (table.size() - 1)) {
      if (m_keys[first + table[s] - 1].same(k)) {
        return false;
      }
    }
    place(k, count);  // add_key appends it to the keys
    return true;
  }

  // An object at m_p ('{'), `depth` its nesting: on_member(key, key_position) is called with m_p at
  // each value and must consume it.
  template <typename F>
  bool object(size_t depth, F&& on_member) {
    if (depth > k_max_depth) {
      return false;
    }
    // The punctuation between members is read through a local cursor; m_p is the reader's between
    // key() and on_member().
    const char* p = ws(m_p + 1);
    if (p != m_end && *p == '}') {
      m_p = p + 1;
      return true;
    }
    const size_t first = m_key_count;
    size_t decoded = 0;  // keys of this object in m_decoded_keys
    for (;;) {
      if (p == m_end || *p != '"') {
        return false;
      }
      const KeyPos key_pos{p, m_line, m_line_start};
      Key k;
      m_p = p;
      if (!key(k, decoded) || !add_key(k, first, depth)) {
        return false;
      }
      // The key's ':' on a later line: the YAML reference (libyaml, as go-yaml) refuses it.
      const int key_line = m_line;
      p = ws(m_p);
      if (p == m_end || *p != ':' || m_line != key_line) {
        return false;
      }
      p = ws(p + 1);
      if (p == m_end) {
        return false;
      }
      m_p = p;
      if (!on_member(std::string_view(k.p, k.len), key_pos)) {
        return false;
      }
      p = ws(m_p);
      if (p != m_end && *p == ',') {
        p = ws(p + 1);
        continue;
      }
      if (p != m_end && *p == '}') {
        m_p = p + 1;
        m_key_count = first;
        for (; decoded > 0; --decoded) {
          m_decoded_keys.pop_back();
        }
        return true;
      }
      return false;
    }
  }

  // An array at m_p ('['): on_item() is called with m_p at each item and must consume it.
  template <typename F>
  bool array(size_t depth, F&& on_item) {
    if (depth > k_max_depth) {
      return false;
    }
    const char* p = ws(m_p + 1);
    if (p != m_end && *p == ']') {
      m_p = p + 1;
      return true;
    }
    for (;;) {
      if (p == m_end) {
        return false;
      }
      m_p = p;
      if (!on_item()) {
        return false;
      }
      p = ws(m_p);
      if (p != m_end && *p == ',') {
        p = ws(p + 1);
        continue;
      }
      if (p != m_end && *p == ']') {
        m_p = p + 1;
        return true;
      }
      return false;
    }
  }

  // Any value at m_p (nesting `depth` if it is a collection), validated and dropped.
  bool skip(size_t depth) {
    switch (*m_p) {
      case '{':
        return object(depth, [this, depth](std::string_view, const KeyPos&) { return skip(depth + 1); });
      case '[':
        return array(depth, [this, depth] { return skip(depth + 1); });
      default: {
        Scalar s;
        return scalar(s);
      }
    }
  }

  // A value read as read_node's get() reads a scalar: false on invalid JSON; `out` is the text of a
  // non-null scalar, else empty with `present` false (null, or a mapping or list, which is skipped).
  [[gnu::always_inline]] bool scalar_text(Scalar& out, bool& present, size_t depth) {
    present = false;
    if (*m_p == '{' || *m_p == '[') {
      out = Scalar{};
      return skip(depth);
    }
    if (!scalar(out)) {
      return false;
    }
    present = !out.null;
    if (out.null) {
      out.text = {};
    }
    return true;
  }

  // True when the value at m_p is the null literal (consumed).
  bool take_null() {
    if (m_end - m_p >= 4 && std::memcmp(m_p, "null", 4) == 0 &&
        yaml::detail::json_delimiter(std::string_view(m_begin, static_cast<size_t>(m_end - m_begin)),
                                     static_cast<size_t>(m_p - m_begin) + 4)) {
      m_p += 4;
      return true;
    }
    return false;
  }

  // One item of the List's `items`, at m_p, built straight into m_out (dropped again when its kind
  // says it is not a Node). `bad` is set for an item read_node would report.
  bool item(bool& bad) {
    if (!at('{')) {
      bad = true;  // read_node: "a Node must be a mapping" (an item without a kind is not skipped)
      return skip(3);
    }
    const char* item_start = m_p;
    Node& n = m_out.emplace_back();  // nothing else is added to m_out until this item is read
    n.source = NodeSource::observed;
    n.location = location_at(m_p);
    NodeState st{&n};
    if (!object(3, [&](std::string_view key, const KeyPos&) { return node_member(st, key, 4); })) {
      return false;
    }
    if (st.kind == Kind::other) {
      m_out.pop_back();
      return true;
    }
    if (st.malformed || !st.has_name) {
      bad = true;
      m_out.pop_back();
      return true;
    }
    finish(st);
    if (m_out.size() == 1) {
      // Fleets are uniform: size the result from the first Node's share of the text (a wrong guess
      // only costs the growth it was meant to save).
      const auto item_bytes = static_cast<size_t>(m_p - item_start) + 1;
      m_out.reserve(std::min<size_t>(static_cast<size_t>(m_end - m_begin) / item_bytes + 16, size_t{1} << 16));
    }
    return true;
  }

  // Quantity::parse, remembered: a fleet repeats the same few capacities ("16", "64Gi", "8").
  Quantity quantity(std::string_view text) {
    for (const auto& q : m_quantities) {
      if (q.text == text) {
        return q;
      }
    }
    Quantity q = Quantity::parse(text);
    if (m_quantities.size() < 64) {
      m_quantities.push_back(q);
    }
    return q;
  }

  // One member of a Node object at nesting depth - 1 (also used for a List's root, which may
  // itself be a Node): m_p at its value.
  bool node_member(NodeState& st, std::string_view key, size_t depth) {
    if (key == "kind") {
      Scalar k;
      bool present = false;
      if (!scalar_text(k, present, depth)) {
        return false;
      }
      st.kind = !present ? Kind::unset : k.text == "Node" ? Kind::node : Kind::other;
      return true;
    }
    if (key == "metadata") {
      if (!at('{')) {
        return take_null() || skip(depth);  // not a mapping: no name (read_node reports it)
      }
      return object(depth, [&](std::string_view mk, const KeyPos&) { return metadata_member(st, mk, depth + 1); });
    }
    if (key == "spec") {
      if (!at('{')) {
        return skip(depth);  // read_node looks into mappings only
      }
      return object(depth, [&](std::string_view sk, const KeyPos&) { return spec_member(st, sk, depth + 1); });
    }
    if (key == "status") {
      if (!at('{')) {
        return skip(depth);
      }
      return object(depth, [&](std::string_view qk, const KeyPos&) { return status_member(st, qk, depth + 1); });
    }
    return skip(depth);
  }

  bool metadata_member(NodeState& st, std::string_view key, size_t depth) {
    Node& n = *st.node;
    if (key == "name") {
      if (*m_p == '{' || *m_p == '[') {
        return skip(depth);  // a non-scalar name: "missing 'metadata.name'"
      }
      Scalar name;
      bool present = false;
      if (!scalar_text(name, present, depth)) {
        return false;
      }
      if (present) {
        n.name.assign(name.text);
        st.has_name = true;
      }
      return true;
    }
    if (key != "labels") {
      return skip(depth);
    }
    if (take_null()) {
      return true;
    }
    if (!at('{')) {
      st.malformed = true;  // "'metadata.labels' must be a mapping"
      return skip(depth);
    }
    n.labels.location = location_at(m_p);
    m_labels.clear();
    m_label_text.clear();
    const bool ok = object(depth, [&](std::string_view label, const KeyPos& label_pos) {
      LabelRead& l = m_labels.emplace_back();
      l.key = label;
      if (!in_text(label)) {
        l.key_at = m_label_text.size();
        m_label_text += label;
      }
      l.where = location_at(label_pos);
      Scalar value;
      bool present = false;
      if (!scalar_text(value, present, depth + 1)) {
        return false;
      }
      l.value = value.text;  // empty for null and non-scalars
      if (value.decoded) {
        l.value_at = m_label_text.size();
        m_label_text += value.text;
      }
      return true;
    });
    if (!ok) {
      return false;
    }
    const std::string_view buffered(m_label_text);  // complete now: point into it
    for (LabelRead& l : m_labels) {
      if (l.key_at != std::string_view::npos) {
        l.key = buffered.substr(l.key_at, l.key.size());
      }
      if (l.value_at != std::string_view::npos) {
        l.value = buffered.substr(l.value_at, l.value.size());
      }
    }
    // Keys are unique (duplicates were refused), so sorting gives StringMap's order; kubectl
    // writes them sorted already.
    auto by_key = [](const LabelRead& a, const LabelRead& b) { return a.key < b.key; };
    if (!std::is_sorted(m_labels.begin(), m_labels.end(), by_key)) {
      std::sort(m_labels.begin(), m_labels.end(), by_key);
    }
    std::vector<StringMap::Entry>& entries = n.labels.entries;
    entries.clear();
    entries.reserve(m_labels.size());
    for (const LabelRead& l : m_labels) {
      entries.push_back(StringMap::Entry{std::string(l.key), std::string(l.value), l.where});
      st.control_plane_label = st.control_plane_label || l.key == "node-role.kubernetes.io/control-plane";
      st.gpu_label = st.gpu_label || l.key == "nvidia.com/gpu.present";
    }
    return true;
  }

  bool spec_member(NodeState& st, std::string_view key, size_t depth) {
    Node& n = *st.node;
    if (key == "unschedulable") {
      Scalar u;
      bool present = false;
      if (!scalar_text(u, present, depth)) {
        return false;
      }
      n.unschedulable = present && u.text == "true";
      return true;
    }
    if (key != "taints") {
      return skip(depth);
    }
    if (take_null()) {
      return true;
    }
    if (!at('[')) {
      st.malformed = true;  // "'spec.taints' must be a list"
      return skip(depth);
    }
    return array(depth, [&] {
      Taint& t = n.taints.emplace_back();
      t.location = location_at(m_p);
      if (!at('{')) {
        return skip(depth + 1);  // read_node keeps it, with empty fields
      }
      return object(depth + 1, [&](std::string_view tk, const KeyPos&) {
        std::string* field = tk == "key" ? &t.key : tk == "value" ? &t.value : tk == "effect" ? &t.effect : nullptr;
        if (field == nullptr) {
          return skip(depth + 2);
        }
        Scalar v;
        bool present = false;
        if (!scalar_text(v, present, depth + 2)) {
          return false;
        }
        field->assign(v.text);
        return true;
      });
    });
  }

  bool status_member(NodeState& st, std::string_view key, size_t depth) {
    Node& n = *st.node;
    if (key != "capacity" && key != "allocatable") {
      return skip(depth);
    }
    std::map<std::string, Quantity>& out = key == "capacity" ? n.capacity : n.allocatable;
    if (take_null()) {
      return true;
    }
    if (!at('{')) {
      st.malformed = true;  // "'status.capacity' must be a mapping"
      return skip(depth);
    }
    return object(depth, [&](std::string_view resource, const KeyPos&) {
      Scalar q;
      bool present = false;
      if (!scalar_text(q, present, depth + 1)) {
        return false;
      }
      if (present) {
        out.emplace_hint(out.end(), std::string(resource), quantity(q.text));
        st.gpu_allocatable = st.gpu_allocatable || (&out == &n.allocatable && resource == k_gpu_resource);
      }
      return true;
    });
  }

  // read_node's derived flags.
  static void finish(NodeState& st) {
    if (st.control_plane_label) {
      st.node->control_plane = true;
    }
    if (st.gpu_allocatable || st.gpu_label) {
      st.node->gpu = true;
    }
  }

  const char* m_begin;
  const char* m_end;
  const char* m_p;  // the cursor
  const char* m_line_start;
  int m_line = 1;
  const char* m_column_line_start = nullptr;  // location_at's place: a line, a byte on it and its column
  const char* m_column_pos = nullptr;
  int m_column = 1;
  FileName m_name;  // interned once: every location copies it

  std::vector<Node> m_out;          // the List's Nodes, in order
  std::vector<Quantity> m_quantities;  // quantity()'s memory
  std::vector<Key> m_keys;          // keys of the open objects, innermost last: [0, m_key_count)
  size_t m_key_count = 0;
  std::deque<std::string> m_decoded_keys;  // the escaped ones among them, decoded (a deque: they stay put)
  std::vector<std::vector<uint32_t>> m_tables;  // add_hashed's table per depth
  std::string m_decoded;            // the last escaped string, decoded
  std::vector<LabelRead> m_labels;  // the labels map being read
  std::string m_label_text;         // its decoded values
};

}  // namespace

std::optional<std::vector<Node>> read_nodes_json_fast(std::string_view text, const std::string& name) {
  if (yaml::detail::has_unsupported_bytes(text)) {
    return std::nullopt;
  }
  return Reader(text, name).run();
}

}  // namespace talgpu::kube::detail
