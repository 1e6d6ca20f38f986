// A re-statement of go-yaml v3's encoder (encode.go: stringv) and emitter (emitterc.go:
// yaml_emitter_analyze_scalar, yaml_emitter_select_scalar_style, yaml_emitter_increase_indent_compact,
// the write_* functions) for the block-style subset we produce. The spec is that upstream code;
// the unit tests pin its observable output (schematic ID vectors, Talos stability fixtures).
//
// Indentation follows go-yaml v3's rule "everything aligns to the chosen indentation": a nested
// collection or scalar goes to the next multiple of the indent, except directly inside a sequence
// item, where it skips the "- " (indent + 2). With indent 4, a mapping inside a list item has its
// keys at column 10 (8 + 2), and a list under one of those keys starts at column 12, the next
// multiple of 4, not 14. Talos's stability fixtures show exactly this.

#include <yaml/emit.hpp>

#include <algorithm>

#include <fmt/format.h>

namespace talgpu::yaml {

EmitOptions goyaml_v3_options(int indent) {
  EmitOptions o;
  o.flavor = Flavor::goyaml_v3;
  o.indent = indent;
  o.width = 80;
  return o;
}

EmitOptions kubernetes_options() {
  EmitOptions o;
  o.flavor = Flavor::kubernetes;
  o.indent = 2;
  o.width = 0;
  return o;
}

namespace {

using u8 = unsigned char;

size_t utf8_width(u8 c) {
  if ((c & 0x80) == 0x00) {
    return 1;
  }
  if ((c & 0xE0) == 0xC0) {
    return 2;
  }
  if ((c & 0xF0) == 0xE0) {
    return 3;
  }
  if ((c & 0xF8) == 0xF0) {
    return 4;
  }
  return 1;
}

u8 at(std::string_view s, size_t i) {
  return i < s.size() ? static_cast<u8>(s[i]) : 0;
}

bool is_space(std::string_view s, size_t i) {
  return at(s, i) == ' ';
}
bool is_tab(std::string_view s, size_t i) {
  return at(s, i) == '\t';
}
bool is_blank(std::string_view s, size_t i) {
  return is_space(s, i) || is_tab(s, i);
}
bool is_break(std::string_view s, size_t i) {
  u8 c = at(s, i);
  return c == '\r' || c == '\n' || (c == 0xC2 && at(s, i + 1) == 0x85) ||
         (c == 0xE2 && at(s, i + 1) == 0x80 && (at(s, i + 2) == 0xA8 || at(s, i + 2) == 0xA9));
}
bool is_blankz(std::string_view s, size_t i) {
  return is_blank(s, i) || is_break(s, i) || i >= s.size();
}

bool is_printable(std::string_view s, size_t i) {
  u8 b = at(s, i);
  u8 b1 = at(s, i + 1);
  u8 b2 = at(s, i + 2);
  return b == 0x0A || (b >= 0x20 && b <= 0x7E) || (b == 0xC2 && b1 >= 0xA0) || (b > 0xC2 && b < 0xED) ||
         (b == 0xED && b1 < 0xA0) || b == 0xEE ||
         (b == 0xEF && !(b1 == 0xBB && b2 == 0xBF) && !(b1 == 0xBF && (b2 == 0xBE || b2 == 0xBF)));
}

struct Analysis {
  bool multiline = false;
  bool flow_plain_allowed = true;
  bool block_plain_allowed = true;
  bool single_quoted_allowed = true;
  bool block_allowed = true;
};

Analysis analyze(std::string_view value) {
  Analysis a;
  if (value.empty()) {
    a.flow_plain_allowed = false;
    a.block_plain_allowed = true;
    a.single_quoted_allowed = true;
    a.block_allowed = false;
    return a;
  }
  bool block_indicators = false;
  bool flow_indicators = false;
  bool line_breaks = false;
  bool other_breaks = false;  // a line break other than LF
  bool special_characters = false;
  bool tab_characters = false;
  bool leading_space = false;
  bool leading_break = false;
  bool trailing_space = false;
  bool trailing_break = false;
  bool break_space = false;
  bool space_break = false;
  bool previous_space = false;
  bool previous_break = false;

  if (value.size() >= 3 && (value.substr(0, 3) == "---" || value.substr(0, 3) == "...")) {
    block_indicators = true;
    flow_indicators = true;
  }
  bool preceded_by_whitespace = true;
  for (size_t i = 0, w = 0; i < value.size(); i += w) {
    w = utf8_width(at(value, i));
    bool followed_by_whitespace = i + w >= value.size() || is_blank(value, i + w);
    char c = value[i];
    if (i == 0) {
      switch (c) {
        case '#': case ',': case '[': case ']': case '{': case '}': case '&': case '*':
        case '!': case '|': case '>': case '\'': case '"': case '%': case '@': case '`':
          flow_indicators = true;
          block_indicators = true;
          break;
        case '?': case ':':
          flow_indicators = true;
          if (followed_by_whitespace) {
            block_indicators = true;
          }
          break;
        case '-':
          if (followed_by_whitespace) {
            flow_indicators = true;
            block_indicators = true;
          }
          break;
        default:
          break;
      }
    } else {
      switch (c) {
        case ',': case '?': case '[': case ']': case '{': case '}':
          flow_indicators = true;
          break;
        case ':':
          flow_indicators = true;
          if (followed_by_whitespace) {
            block_indicators = true;
          }
          break;
        case '#':
          if (preceded_by_whitespace) {
            flow_indicators = true;
            block_indicators = true;
          }
          break;
        default:
          break;
      }
    }
    if (c == '\t') {
      tab_characters = true;
    } else if (!is_printable(value, i)) {  // the encoder sets unicode = true
      special_characters = true;
    }
    if (is_space(value, i)) {
      if (i == 0) {
        leading_space = true;
      }
      if (i + w == value.size()) {
        trailing_space = true;
      }
      if (previous_break) {
        break_space = true;
      }
      previous_space = true;
      previous_break = false;
    } else if (is_break(value, i)) {
      line_breaks = true;
      other_breaks = other_breaks || c != '\n';
      if (i == 0) {
        leading_break = true;
      }
      if (i + w == value.size()) {
        trailing_break = true;
      }
      if (previous_space) {
        space_break = true;
      }
      previous_space = false;
      previous_break = true;
    } else {
      previous_space = false;
      previous_break = false;
    }
    preceded_by_whitespace = is_blankz(value, i);
  }
  a.multiline = line_breaks;
  if (leading_space || leading_break || trailing_space || trailing_break) {
    a.flow_plain_allowed = false;
    a.block_plain_allowed = false;
  }
  if (trailing_space) {
    a.block_allowed = false;
  }
  if (break_space) {
    a.flow_plain_allowed = false;
    a.block_plain_allowed = false;
    a.single_quoted_allowed = false;
  }
  if (space_break || tab_characters || special_characters) {
    a.flow_plain_allowed = false;
    a.block_plain_allowed = false;
    a.single_quoted_allowed = false;
  }
  if (space_break || special_characters || other_breaks) {
    // other_breaks (talgpu, not go-yaml): CR, NEL, LS or PS written raw into a block scalar are
    // read back as line breaks of their own (libyaml normalises CR and NEL to LF and counts LS/PS
    // as breaks), so the text would not survive the round trip; double quotes escape them.
    a.block_allowed = false;
  }
  if (line_breaks) {
    a.flow_plain_allowed = false;
    a.block_plain_allowed = false;
  }
  if (flow_indicators) {
    a.flow_plain_allowed = false;
  }
  if (block_indicators) {
    a.block_plain_allowed = false;
  }
  return a;
}

// ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
bool is_base60_float(std::string_view s) {
  if (s.empty() || s.find(':') == std::string_view::npos) {
    return false;
  }
  size_t i = 0;
  if (s[i] == '+' || s[i] == '-') {
    ++i;
  }
  if (i >= s.size() || s[i] < '0' || s[i] > '9') {
    return false;
  }
  ++i;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_')) {
    ++i;
  }
  int groups = 0;
  while (i < s.size() && s[i] == ':') {
    ++i;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 2) {
      ++i;
    }
    size_t n = i - start;
    if (n == 0) {
      return false;
    }
    if (n == 2 && s[start] > '5') {
      return false;
    }
    ++groups;
  }
  if (groups == 0) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_')) {
      ++i;
    }
  }
  return i == s.size();
}

bool is_old_bool(std::string_view s) {
  static constexpr std::string_view k[] = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON",
                                           "n", "N", "no", "No", "NO", "off", "Off", "OFF"};
  for (auto v : k) {
    if (s == v) {
      return true;
    }
  }
  return false;
}

const char* core_tag(ScalarType t) {
  switch (t) {
    case ScalarType::null:
      return "!!null";
    case ScalarType::boolean:
      return "!!bool";
    case ScalarType::integer:
      return "!!int";
    case ScalarType::floating:
      return "!!float";
    case ScalarType::timestamp:
      return "!!timestamp";
    case ScalarType::string:
      break;
  }
  return "!!str";
}

// encode.go stringv(): the requested style before the emitter's own checks.
ChosenStyle requested_string_style(std::string_view s) {
  if (s.find('\n') != std::string_view::npos) {
    return ChosenStyle::literal;
  }
  bool can_plain = resolve_plain(s) == ScalarType::string && !is_base60_float(s) && !is_old_bool(s);
  return can_plain ? ChosenStyle::plain : ChosenStyle::double_quoted;
}

// emitterc.go yaml_emitter_select_scalar_style (block context, implicit tags).
ChosenStyle select_style(ChosenStyle requested, const Analysis& a, std::string_view value, bool simple_key) {
  ChosenStyle style = requested;
  if (simple_key && a.multiline) {
    style = ChosenStyle::double_quoted;
  }
  if (style == ChosenStyle::plain) {
    if (!a.block_plain_allowed) {
      style = ChosenStyle::single_quoted;
    }
    if (value.empty() && simple_key) {
      style = ChosenStyle::single_quoted;
    }
  }
  if (style == ChosenStyle::single_quoted && !a.single_quoted_allowed) {
    style = ChosenStyle::double_quoted;
  }
  if (style == ChosenStyle::literal && (!a.block_allowed || simple_key)) {
    style = ChosenStyle::double_quoted;
  }
  return style;
}

enum class Parent { root, seq_item, map_key, map_value };

class Emitter {
 public:
  explicit Emitter(const EmitOptions& o) : m_opts(o) {}

  std::string take() { return std::move(m_out); }

  void document(const Node& root) {
    m_indent = -1;
    m_column = 0;
    m_whitespace = true;
    m_indention = true;
    node(root, Parent::root);
    // yaml_emitter_emit_document_end: write_indent puts the final line break.
    write_indent();
  }

 private:
  void put(char c) {
    m_out.push_back(c);
    if ((static_cast<u8>(c) & 0xC0) != 0x80) {
      ++m_column;
    }
  }
  void put_str(std::string_view s) {
    for (char c : s) {
      put(c);
    }
  }
  void put_break() {
    m_out.push_back('\n');
    m_column = 0;
    m_indention = true;
  }
  void write_indent() {
    int indent = m_indent < 0 ? 0 : m_indent;
    if (!m_indention || m_column > indent || (m_column == indent && !m_whitespace)) {
      put_break();
    }
    while (m_column < indent) {
      put(' ');
    }
    m_whitespace = true;
    m_indention = true;
  }
  void write_indicator(std::string_view ind, bool need_whitespace, bool is_whitespace, bool is_indention) {
    if (need_whitespace && !m_whitespace) {
      put(' ');
    }
    put_str(ind);
    m_whitespace = is_whitespace;
    m_indention = m_indention && is_indention;
  }

  bool v3() const { return m_opts.flavor == Flavor::goyaml_v3; }
  int best() const { return m_opts.indent; }

  int increased(bool flow, bool indentless, Parent parent) const {
    if (m_indent < 0) {
      return flow ? best() : 0;
    }
    if (indentless) {
      return m_indent;
    }
    if (v3()) {
      if (parent == Parent::seq_item) {
        return m_indent + 2;
      }
      return best() * ((m_indent + best()) / best());
    }
    return m_indent + best();
  }

  bool folding(bool simple_key) const { return m_opts.width > 0 && !simple_key; }

  void node(const Node& n, Parent parent) {
    switch (n.kind()) {
      case Kind::mapping:
        mapping(n, parent);
        break;
      case Kind::sequence:
        sequence(n, parent);
        break;
      case Kind::scalar:
        scalar(n, parent);
        break;
    }
  }

  void mapping(const Node& n, Parent parent) {
    if (n.entries().empty()) {
      write_indicator("{", true, true, false);
      write_indicator("}", false, false, false);
      return;
    }
    int saved = m_indent;
    m_indent = increased(false, false, parent);
    for (const auto& e : n.entries()) {
      write_indent();
      scalar(e.key, Parent::map_key);
      write_indicator(":", false, false, false);
      node(e.value, Parent::map_value);
    }
    m_indent = saved;
  }

  void sequence(const Node& n, Parent parent) {
    if (n.items().empty()) {
      write_indicator("[", true, true, false);
      write_indicator("]", false, false, false);
      return;
    }
    int saved = m_indent;
    bool indentless = !v3() && parent == Parent::map_value && !m_indention;
    m_indent = increased(false, indentless, parent);
    for (const auto& item : n.items()) {
      write_indent();
      write_indicator("-", true, false, true);
      node(item, Parent::seq_item);
    }
    m_indent = saved;
  }

  void scalar(const Node& n, Parent parent) {
    bool simple_key = parent == Parent::map_key;
    // A null key read from an empty node (`&a : x`, `!t : x`) has no text; an empty implicit key
    // does not parse back, so it is written as go-yaml writes a nil key: null.
    static const std::string k_null_text = "null";
    const std::string& v = simple_key && !n.is_string() && n.value().empty() ? k_null_text : n.value();
    ChosenStyle style;
    if (n.is_string()) {
      style = select_style(requested_string_style(v), analyze(v), v, simple_key);
    } else if (resolve_plain(v) != n.scalar_type() && !(v.empty() && n.scalar_type() == ScalarType::null)) {
      // An explicit core tag on text that does not resolve to it (`!!float x`): the tag is the
      // type, so it is written, with the text double-quoted (found by yaml_roundtrip fuzzing).
      write_indicator(core_tag(n.scalar_type()), true, false, false);
      style = ChosenStyle::double_quoted;
    } else {
      style = ChosenStyle::plain;  // typed values are written as they are
    }
    int saved = m_indent;
    m_indent = increased(true, false, parent);
    switch (style) {
      case ChosenStyle::plain:
        write_plain(v, !simple_key);
        break;
      case ChosenStyle::single_quoted:
        write_single(v, !simple_key);
        break;
      case ChosenStyle::double_quoted:
        write_double(v, !simple_key);
        break;
      case ChosenStyle::literal:
        write_literal(v, saved);
        break;
    }
    m_indent = saved;
  }

  bool over_width() const { return m_opts.width > 0 && m_column > m_opts.width; }

  void write_plain(std::string_view v, bool allow_breaks) {
    if (!v.empty() && !m_whitespace) {
      put(' ');
    }
    bool spaces = false;
    for (size_t i = 0; i < v.size();) {
      size_t w = utf8_width(at(v, i));
      if (is_space(v, i)) {
        if (allow_breaks && folding(false) && !spaces && over_width() && !is_space(v, i + 1)) {
          write_indent();
        } else {
          put(' ');
        }
        ++i;
        spaces = true;
      } else {
        for (size_t k = 0; k < w && i < v.size(); ++k) {
          put(v[i++]);
        }
        m_indention = false;
        spaces = false;
      }
    }
    m_whitespace = false;
    m_indention = false;
  }

  void write_single(std::string_view v, bool allow_breaks) {
    write_indicator("'", true, false, false);
    bool spaces = false;
    for (size_t i = 0; i < v.size();) {
      size_t w = utf8_width(at(v, i));
      if (is_space(v, i)) {
        if (allow_breaks && folding(false) && !spaces && over_width() && i != 0 && i != v.size() - 1 &&
            !is_space(v, i + 1)) {
          write_indent();
        } else {
          put(' ');
        }
        ++i;
        spaces = true;
      } else {
        if (v[i] == '\'') {
          put('\'');
        }
        for (size_t k = 0; k < w && i < v.size(); ++k) {
          put(v[i++]);
        }
        m_indention = false;
        spaces = false;
      }
    }
    write_indicator("'", false, false, false);
  }

  void write_double(std::string_view v, bool allow_breaks) {
    write_indicator("\"", true, false, false);
    bool spaces = false;
    for (size_t i = 0; i < v.size();) {
      u8 c = at(v, i);
      size_t w = utf8_width(c);
      bool bom = c == 0xEF && at(v, i + 1) == 0xBB && at(v, i + 2) == 0xBF;
      if (!is_printable(v, i) || bom || is_break(v, i) || c == '"' || c == '\\') {
        // Decode the code point for the escape.
        uint32_t cp = c;
        if (w == 2) {
          cp = ((c & 0x1Fu) << 6) | (at(v, i + 1) & 0x3Fu);
        } else if (w == 3) {
          cp = ((c & 0x0Fu) << 12) | ((at(v, i + 1) & 0x3Fu) << 6) | (at(v, i + 2) & 0x3Fu);
        } else if (w == 4) {
          cp = ((c & 0x07u) << 18) | ((at(v, i + 1) & 0x3Fu) << 12) | ((at(v, i + 2) & 0x3Fu) << 6) |
               (at(v, i + 3) & 0x3Fu);
        }
        i += w;
        put('\\');
        switch (cp) {
          case 0x00: put('0'); break;
          case 0x07: put('a'); break;
          case 0x08: put('b'); break;
          case 0x09: put('t'); break;
          case 0x0A: put('n'); break;
          case 0x0B: put('v'); break;
          case 0x0C: put('f'); break;
          case 0x0D: put('r'); break;
          case 0x1B: put('e'); break;
          case 0x22: put('"'); break;
          case 0x5C: put('\\'); break;
          case 0x85: put('N'); break;
          case 0xA0: put('_'); break;
          case 0x2028: put('L'); break;
          case 0x2029: put('P'); break;
          default:
            if (cp <= 0xFF) {
              put_str(fmt::format("x{:02X}", cp));
            } else if (cp <= 0xFFFF) {
              put_str(fmt::format("u{:04X}", cp));
            } else {
              put_str(fmt::format("U{:08X}", cp));
            }
            break;
        }
        spaces = false;
      } else if (is_space(v, i)) {
        if (allow_breaks && folding(false) && !spaces && over_width() && i != 0 && i != v.size() - 1) {
          write_indent();
          if (is_space(v, i + 1)) {
            put('\\');
          }
          ++i;
        } else {
          put(v[i++]);
        }
        spaces = true;
      } else {
        for (size_t k = 0; k < w && i < v.size(); ++k) {
          put(v[i++]);
        }
        spaces = false;
      }
    }
    write_indicator("\"", false, false, false);
    m_whitespace = false;
    m_indention = false;
  }

  // `enclosing`: the indentation of the collection holding the scalar (-1 at the root).
  void write_literal(std::string_view v, int enclosing) {
    write_indicator("|", true, false, false);
    // Block scalar hints: an indentation indicator when the text starts with a space or break,
    // then the chomping indicator. A reader puts the content at the enclosing collection's
    // indentation plus the indicator (libyaml scanner.c yaml_parser_scan_block_scalar), so the
    // indicator is the distance to where the content is written: go-yaml writes its best indent,
    // which is wrong for a sequence item at indent 4 (content at +2); the fuzz target found it.
    if (is_space(v, 0) || is_break(v, 0)) {
      int hint = enclosing >= 0 ? m_indent - enclosing : m_indent;
      put(static_cast<char>('0' + std::clamp(hint, 1, 9)));
    }
    if (v.empty() || v.back() != '\n') {
      put('-');
    } else if (v.size() == 1 || v[v.size() - 2] == '\n') {
      put('+');
    }
    // yaml_emitter_process_line_comment_linebreak(emitter, true): the header line ends here, so a
    // value that starts with a line break keeps it as an empty first line (go-yaml issue 755;
    // before this, "\nx" was written as "x").
    put_break();
    m_whitespace = true;
    bool breaks = true;
    for (size_t i = 0; i < v.size();) {
      if (is_break(v, i)) {
        put_break();
        i += (at(v, i) == '\r' && at(v, i + 1) == '\n') ? 2 : utf8_width(at(v, i));
        breaks = true;
      } else {
        if (breaks) {
          write_indent();
        }
        size_t w = utf8_width(at(v, i));
        for (size_t k = 0; k < w && i < v.size(); ++k) {
          put(v[i++]);
        }
        m_indention = false;
        breaks = false;
      }
    }
  }

  const EmitOptions& m_opts;
  std::string m_out;
  int m_indent = -1;
  int m_column = 0;
  bool m_whitespace = true;
  bool m_indention = true;
};

}  // namespace

std::string emit(const Node& root, const EmitOptions& opts) {
  Emitter e(opts);
  e.document(root);
  return e.take();
}

std::string emit_stream(const std::vector<Node>& docs, const EmitOptions& opts) {
  std::string out;
  for (size_t i = 0; i < docs.size(); ++i) {
    if (i > 0) {
      out += "---\n";
    }
    out += emit(docs[i], opts);
  }
  return out;
}

ChosenStyle goyaml_string_style(std::string_view s, bool simple_key) {
  return select_style(requested_string_style(s), analyze(s), s, simple_key);
}

}  // namespace talgpu::yaml
