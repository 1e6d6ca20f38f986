// The block-YAML fast path (see fast_parse.hpp). It is a recognizer for a strict subset: every
// rule below either produces what libyaml would (YAML 1.2 spec, chapters 6-8: indentation,
// comments, block collections, plain and quoted scalars) or gives up. Giving up is always safe,
// so the code never guesses.

#include <yaml/fast_parse.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <iterator>
#include <optional>
#include <string>
#include <unordered_map>

namespace talgpu::yaml::detail {

// Bytes that send the whole text to libyaml: tabs and CR (libyaml counts columns and line
// breaks its own way), C0 controls and DEL, and the non-ASCII characters YAML treats specially
// or excludes from printable text: U+0085 (NEL, a line break), U+0080-U+009F, U+2028/U+2029
// (line/paragraph separators), U+FEFF (BOM) and U+FFFE/U+FFFF. The text is valid UTF-8 already.
bool has_unsupported_bytes(std::string_view t) {
  const auto* p = reinterpret_cast<const unsigned char*>(t.data());
  const size_t n = t.size();
  // 32 bytes at a time while they are all printable ASCII or newlines (GCC vector extensions:
  // SSE2 on x86-64, NEON on arm64, plain words elsewhere); a block with anything else takes the
  // byte loop below.
  using Bytes = unsigned char __attribute__((vector_size(16)));
  auto clean = [](const unsigned char* q) {
    Bytes a;
    Bytes b;
    std::memcpy(&a, q, 16);
    std::memcpy(&b, q + 16, 16);
    // Unsigned: (c - 0x20) < 0x5F is printable ASCII; newline is the one other byte allowed.
    auto bad = ((a - 0x20) >= 0x5F && a != '\n') | ((b - 0x20) >= 0x5F && b != '\n');
    uint64_t w[2];
    std::memcpy(w, &bad, 16);
    return (w[0] | w[1]) == 0;
  };
  for (size_t i = 0; i < n; ++i) {
    while (i + 32 <= n && clean(p + i)) {
      i += 32;
    }
    if (i >= n) {
      break;
    }
    unsigned char c = p[i];
    if (static_cast<unsigned char>(c - 0x20) < 0x5F) {  // printable ASCII
      continue;
    }
    if (c == '\n') {
      continue;
    }
    if (c < 0x80) {
      return true;  // C0 controls (tab, CR included) and DEL
    }
    if (c == 0xC2 && i + 1 < n && p[i + 1] <= 0x9F) {
      return true;  // U+0080-U+009F
    }
    if (c == 0xE2 && i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
      return true;  // U+2028, U+2029
    }
    if (c == 0xEF && i + 2 < n &&
        ((p[i + 1] == 0xBB && p[i + 2] == 0xBF) || (p[i + 1] == 0xBF && (p[i + 2] == 0xBE || p[i + 2] == 0xBF)))) {
      return true;  // U+FEFF, U+FFFE, U+FFFF
    }
  }
  return false;
}

namespace {

// The bytes a scan of a plain key / a plain value has to stop at; every other byte is content.
constexpr std::array<bool, 256> stops(std::string_view chars) {
  std::array<bool, 256> t{};
  for (char c : chars) {
    t[static_cast<unsigned char>(c)] = true;
  }
  return t;
}
constexpr std::array<bool, 256> k_key_stops = stops("\n:#");
constexpr std::array<bool, 256> k_value_stops = stops("\n:# ");

bool is_space_or_end(std::string_view t, size_t i) {
  return i >= t.size() || t[i] == ' ' || t[i] == '\n';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

bool decode_double_quoted(std::string_view body, std::string& out, bool json_only) {
  out.clear();
  out.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i >= body.size()) {
      return false;
    }
    char e = body[i];
    switch (e) {
      case '\\': out.push_back('\\'); break;
      case '"': out.push_back('"'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 't': out.push_back('\t'); break;
      case 'n': out.push_back('\n'); break;
      case 'f': out.push_back('\f'); break;
      case 'r': out.push_back('\r'); break;
      case 'u': case 'x': case 'U': case ' ': case '0': case 'a': case 'v': case 'e': {
        if (json_only && e != 'u') {
          return false;  // YAML's own escapes
        }
        if (e == ' ' || e == '0' || e == 'a' || e == 'v' || e == 'e') {
          out.push_back(e == ' ' ? ' ' : e == '0' ? '\0' : e == 'a' ? '\a' : e == 'v' ? '\v' : '\x1b');
          break;
        }
        size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (size_t k = 1; k <= digits; ++k) {
          if (i + k >= body.size()) {
            return false;
          }
          int v = hex_value(body[i + k]);
          if (v < 0) {
            return false;
          }
          cp = cp * 16 + static_cast<uint32_t>(v);
        }
        i += digits;
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
          return false;  // surrogates: libyaml decides
        }
        append_utf8(out, cp);
        break;
      }
      default:
        return false;  // \N, \_, \L, \P and invalid escapes: libyaml decides
    }
  }
  return true;
}

bool json_delimiter(std::string_view t, size_t p) {
  return p >= t.size() || t[p] == ',' || t[p] == ']' || t[p] == '}' || t[p] == ' ' || t[p] == '\n';
}

size_t json_number_end(std::string_view t, size_t p) {
  const size_t n = t.size();
  size_t i = p;
  auto digits = [&] {
    size_t start = i;
    while (i < n && t[i] >= '0' && t[i] <= '9') {
      ++i;
    }
    return i > start;
  };
  if (i < n && t[i] == '-') {
    ++i;
  }
  if (i < n && t[i] == '0') {
    ++i;
  } else if (!digits()) {
    return std::string_view::npos;
  }
  if (i < n && t[i] == '.') {
    ++i;
    if (!digits()) {
      return std::string_view::npos;
    }
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) {
      ++i;
    }
    if (!digits()) {
      return std::string_view::npos;
    }
  }
  return json_delimiter(t, i) ? i : std::string_view::npos;
}

std::string_view json_literal_at(std::string_view t, size_t p) {
  if (p >= t.size()) {
    return {};
  }
  std::string_view word;
  switch (t[p]) {
    case 't': word = "true"; break;
    case 'f': word = "false"; break;
    case 'n': word = "null"; break;
    default: return {};
  }
  return t.substr(p, word.size()) == word && json_delimiter(t, p + word.size()) ? word : std::string_view{};
}

namespace {

// What the line after the current node holds.
enum class Next : uint8_t { content, document_start, end };

class FastParser {
 public:
  FastParser(std::string_view text, int32_t file, const ParseOptions& opts) : m_t(text), m_file(file), m_opts(opts) {}

  // Hands each document to `sink` once the line after it is a document start or the end of the
  // text (so libyaml would end it there too), counting them in `handed`.
  bool run(const DocumentSink& sink, size_t& handed) {
    auto hand = [&](Document&& d) {
      ++handed;
      sink(std::move(d));
    };
    if (has_unsupported_bytes(m_t)) {
      return false;
    }
    if (starts_with_json()) {
      Document doc;
      if (!json_document(doc)) {
        return false;
      }
      hand(std::move(doc));
      return true;
    }
    if (!scan_from_line_start()) {
      return false;
    }
    bool explicit_open = false;  // a `---` whose document has no content yet
    for (;;) {
      if (m_next == Next::end) {
        if (explicit_open) {
          hand(empty_document());
        }
        return true;
      }
      if (m_next == Next::document_start) {
        if (explicit_open) {
          hand(empty_document());
        }
        m_pos += 3;
        if (!end_line()) {  // only a comment may follow `---` here
          return false;
        }
        explicit_open = true;
        continue;
      }
      Document doc;
      doc.empty = false;
      m_depth = 0;
      m_anchors.clear();  // anchors are per document
      if (!node_at(m_indent, doc.root)) {
        return false;
      }
      if (m_next == Next::content) {
        return false;  // content left at a lower indentation than the root node
      }
      hand(std::move(doc));
      explicit_open = false;
    }
  }

 private:
  Document empty_document() const {
    Document d;
    d.root.set_mark(Mark{m_file, 0, 0});
    d.empty = true;
    return d;
  }

  // Columns count characters, not bytes. Counting resumes from the previous mark on the same
  // line, so a minified JSON file (one long line) stays linear.
  Mark mark_at(size_t p) {
    if (m_column_line_start != m_line_start || p < m_column_pos) {
      m_column_line_start = m_line_start;
      m_column_pos = m_line_start;
      m_column = 1;
    }
    for (; m_column_pos < p; ++m_column_pos) {
      if ((static_cast<unsigned char>(m_t[m_column_pos]) & 0xC0) != 0x80) {
        ++m_column;
      }
    }
    return Mark{m_file, m_line, m_column};
  }

  bool at_line_end(size_t p) const { return p >= m_t.size() || m_t[p] == '\n'; }

  // Skips blank and comment-only lines starting at m_pos (a line start) and classifies the next
  // one. For content, m_pos is left at its first non-space character and m_indent is its column.
  bool scan_from_line_start() {
    const size_t n = m_t.size();
    for (;;) {
      if (m_pos >= n) {
        m_next = Next::end;
        return true;
      }
      size_t p = m_pos;
      while (p < n && m_t[p] == ' ') {
        ++p;
      }
      if (p >= n) {
        m_pos = p;
        m_next = Next::end;
        return true;
      }
      char c = m_t[p];
      if (c == '\n' || c == '#') {
        size_t nl = m_t.find('\n', p);
        if (nl == std::string_view::npos) {
          m_pos = n;
          m_next = Next::end;
          return true;
        }
        m_pos = nl + 1;
        m_line_start = m_pos;
        ++m_line;
        continue;
      }
      if (p == m_pos) {
        if (c == '%') {
          return false;  // directives
        }
        if ((c == '-' || c == '.') && m_t.substr(p, 3) == (c == '-' ? "---" : "...") &&
            is_space_or_end(m_t, p + 3)) {
          if (c == '.') {
            return false;  // document end markers
          }
          m_next = Next::document_start;
          return true;
        }
      }
      m_indent = p - m_pos;
      m_pos = p;
      m_next = Next::content;
      return true;
    }
  }

  // After a node's text on this line: spaces, an optional comment, the line break. Then scans to
  // the next content line.
  bool end_line() {
    const size_t n = m_t.size();
    size_t p = m_pos;
    while (p < n && m_t[p] == ' ') {
      ++p;
    }
    if (p < n && m_t[p] == '#') {
      if (p > m_line_start && m_t[p - 1] != ' ') {
        return false;  // `"x"#y`: a comment needs whitespace before it
      }
      p = m_t.find('\n', p);
      if (p == std::string_view::npos) {
        p = n;
      }
    }
    if (p < n && m_t[p] != '\n') {
      return false;
    }
    if (p >= n) {
      m_pos = n;
      m_next = Next::end;
      return true;
    }
    m_pos = p + 1;
    m_line_start = m_pos;
    ++m_line;
    return scan_from_line_start();
  }

  bool is_sequence_entry(size_t p) const { return m_t[p] == '-' && is_space_or_end(m_t, p + 1); }

  // Characters that cannot start a plain scalar (YAML 1.2 c-indicator), plus the ones that could
  // but that we leave to libyaml (`?`, `:`, `-` followed by a space).
  bool plain_start_ok(size_t p) const {
    switch (m_t[p]) {
      case ',': case '[': case ']': case '{': case '}': case '#': case '&': case '*': case '!':
      case '|': case '>': case '\'': case '"': case '%': case '@': case '`': case '?': case ':':
        return false;
      case '-':
        return !is_space_or_end(m_t, p + 1);
      default:
        return true;
    }
  }

  // Finds the end of a quoted scalar starting at p (the quote) on this line; npos if it does not
  // close on this line.
  size_t quoted_end(size_t p) const {
    const char q = m_t[p];
    const size_t n = m_t.size();
    size_t i = p + 1;
    while (i < n && m_t[i] != '\n') {
      if (q == '"' && m_t[i] == '\\') {
        if (i + 1 >= n || m_t[i + 1] == '\n') {
          return std::string_view::npos;
        }
        i += 2;
        continue;
      }
      if (m_t[i] == q) {
        if (q == '\'' && i + 1 < n && m_t[i + 1] == '\'') {
          i += 2;
          continue;
        }
        return i;
      }
      ++i;
    }
    return std::string_view::npos;
  }

  // Decodes the quoted scalar [p, close] into out.
  bool decode_quoted(size_t p, size_t close, std::string& out) const {
    const char q = m_t[p];
    std::string_view body = m_t.substr(p + 1, close - p - 1);
    if (body.find(q == '\'' ? '\'' : '\\') == std::string_view::npos) {
      out.assign(body);  // nothing to unescape: the common case
      return true;
    }
    out.clear();
    out.reserve(body.size());
    if (q == '\'') {
      for (size_t i = 0; i < body.size(); ++i) {
        out.push_back(body[i]);
        if (body[i] == '\'') {
          ++i;  // '' -> '
        }
      }
      return true;
    }
    return decode_double_quoted(body, out, /*json_only=*/false);
  }

  // When the text at p (a node's first character) starts a `key: value` pair, the position of its
  // `:`; else npos.
  size_t key_colon(size_t p) const {
    constexpr size_t none = std::string_view::npos;
    const size_t n = m_t.size();
    size_t i = p;
    if (m_t[p] == '"' || m_t[p] == '\'') {
      size_t close = quoted_end(p);
      if (close == none) {
        return none;
      }
      i = close + 1;
      while (i < n && m_t[i] == ' ') {
        ++i;
      }
      return i < n && m_t[i] == ':' && is_space_or_end(m_t, i + 1) ? i : none;
    }
    const char* d = m_t.data();
    for (;; ++i) {
      while (i < n && !k_key_stops[static_cast<unsigned char>(d[i])]) {
        ++i;
      }
      if (i >= n || d[i] == '\n') {
        return none;
      }
      if (d[i] == ':') {
        if (is_space_or_end(m_t, i + 1)) {
          return i;
        }
      } else if (i > p && d[i - 1] == ' ') {  // '#'
        return none;
      }
    }
  }

  // Reads the mapping key at m_pos whose `:` is at `colon` (from key_colon); m_pos ends after it.
  bool read_key(Node& key, size_t colon) {
    const size_t p = m_pos;
    key.set_mark(mark_at(p));
    if (m_t[p] == '"' || m_t[p] == '\'') {
      size_t close = quoted_end(p);
      std::string v;
      if (close == std::string_view::npos || !decode_quoted(p, close, v)) {
        return false;
      }
      key.set_value(std::move(v));
      key.set_style(m_t[p] == '"' ? Style::double_quoted : Style::single_quoted);
      m_pos = colon + 1;
      return close - p <= 1024;
    }
    if (!plain_start_ok(p)) {
      return false;
    }
    size_t end = colon;
    while (end > p && m_t[end - 1] == ' ') {
      --end;
    }
    if (end - p > 1024) {
      return false;  // longer than an implicit key may be
    }
    std::string_view text = m_t.substr(p, end - p);
    if (text == "<<") {
      return false;  // merge keys
    }
    key.set_value(std::string(text));
    key.set_style(Style::plain);
    m_pos = colon + 1;
    return true;
  }

  // A scalar (or `[]` / `{}`) on the rest of this line at m_pos, then the end of the line; or a
  // block scalar starting there. `indent` is the column of the collection the value belongs to.
  bool inline_value(Node& out, size_t indent) {
    const size_t p = m_pos;
    const size_t n = m_t.size();
    const char c = m_t[p];
    if (c == '"' || c == '\'') {
      size_t close = quoted_end(p);
      std::string v;
      if (close == std::string_view::npos) {
        Mark open;
        if (!quoted_lines(v, indent, close, open)) {
          return false;
        }
        out.set_mark(open);
      } else if (!decode_quoted(p, close, v)) {
        return false;
      } else {
        out.set_mark(mark_at(p));
      }
      out.set_value(std::move(v));
      out.set_style(c == '"' ? Style::double_quoted : Style::single_quoted);
      m_pos = close + 1;
      return end_line();
    }
    if ((c == '[' || c == '{') && p + 1 < n && m_t[p + 1] == (c == '[' ? ']' : '}')) {
      out = c == '[' ? Node::sequence() : Node::mapping();
      out.set_mark(mark_at(p));
      m_pos = p + 2;
      return end_line();
    }
    if (c == '|' || c == '>') {
      return block_scalar(out, indent);
    }
    if (c == '&') {
      return anchored_scalar(out, indent);
    }
    if (c == '*') {
      return alias(out);
    }
    if (c == '[' || c == '{') {
      // A flow collection on this line (`args: ["--v", "2"]`, `capabilities: { drop: ["ALL"] }`).
      // Collections that continue on the next line are left to libyaml.
      return flow_value(out) && end_line();
    }
    if (!plain_start_ok(p)) {
      return false;
    }
    size_t i = p;
    size_t end = p;  // one past the last non-space character
    const char* d = m_t.data();
    for (;;) {
      const size_t run = i;
      while (i < n && !k_value_stops[static_cast<unsigned char>(d[i])]) {
        ++i;
      }
      if (i > run) {
        end = i;
      }
      if (i >= n || d[i] == '\n') {
        break;
      }
      const char ch = d[i];
      if (ch == '#' && d[i - 1] == ' ') {
        break;  // comment (plain_start_ok refused a '#' at p)
      }
      if (ch == ':' && is_space_or_end(m_t, i + 1)) {
        return false;  // "mapping values are not allowed here"
      }
      if (ch != ' ') {
        end = i + 1;
      }
      ++i;
    }
    out.set_mark(mark_at(p));
    std::string value(m_t.substr(p, end - p));
    if (i < n && d[i] == '\n' && !plain_continuation(value, indent, end)) {
      return false;
    }
    out.set_value(std::move(value));
    out.set_style(Style::plain);
    m_pos = end;
    return end_line();
  }

  // A quoted scalar at m_pos that closes on a later line (libyaml's yaml_parser_scan_flow_scalar):
  // spaces before a line break and at the start of the next line go, one line break is a space and
  // n blank lines are n line breaks. `close` is set to the closing quote and `open` to the opening
  // quote's mark; m_line moves to the closing quote's line. Left to libyaml: backslashes
  // in double quotes (escapes and escaped line breaks), lines not indented more than `indent`, a
  // quote that never closes.
  bool quoted_lines(std::string& value, size_t indent, size_t& close, Mark& open) {
    const size_t n = m_t.size();
    const size_t p = m_pos;
    const char q = m_t[p];
    open = mark_at(p);
    size_t i = p + 1;
    bool first = true;
    size_t blank_lines = 0;
    int32_t line = m_line;
    size_t line_start = m_line_start;
    for (;;) {
      if (!first) {
        size_t s = i;
        while (s < n && m_t[s] == ' ') {
          ++s;
        }
        if (s < n && m_t[s] == '\n') {
          ++blank_lines;
          i = s + 1;
          ++line;
          line_start = i;
          continue;
        }
        if (s >= n || s - line_start <= indent) {
          return false;
        }
        if (blank_lines == 0) {
          value.push_back(' ');
        } else {
          value.append(blank_lines, '\n');
        }
        blank_lines = 0;
        i = s;
      }
      first = false;
      // The rest of this line: content up to the closing quote or the line break.
      size_t kept = value.size();  // the length without spaces before a line break
      for (; i < n && m_t[i] != '\n'; ++i) {
        const char ch = m_t[i];
        if (q == '"' && ch == '\\') {
          return false;
        }
        if (ch == q) {
          if (q == '\'' && i + 1 < n && m_t[i + 1] == '\'') {
            value.push_back('\'');
            ++i;
            kept = value.size();
            continue;
          }
          close = i;
          m_line = line;
          m_line_start = line_start;
          return true;
        }
        value.push_back(ch);
        if (ch != ' ') {
          kept = value.size();
        }
      }
      if (i >= n) {
        return false;
      }
      value.resize(kept);
      ++i;
      ++line;
      line_start = i;
    }
  }

  // The lines that continue a plain scalar (YAML 1.2 7.3.3, libyaml's yaml_parser_scan_plain_scalar
  // in block context): lines indented more than the collection the scalar belongs to, folded (one
  // line break is a space, n blank lines are n line breaks). `end` is the end of the scalar's text
  // so far; it moves to the end of the last continuation line read, and m_line with it. Left to
  // libyaml: a comment line or `: ` / ` #` inside a continuation line.
  bool plain_continuation(std::string& value, size_t indent, size_t& end) {
    const size_t n = m_t.size();
    size_t nl = m_t.find('\n', end);
    size_t breaks = 0;
    int32_t line = m_line;
    while (nl != std::string_view::npos) {
      const size_t ls = nl + 1;
      ++line;
      size_t s = ls;
      while (s < n && m_t[s] == ' ') {
        ++s;
      }
      if (s >= n) {
        break;
      }
      if (m_t[s] == '\n') {
        ++breaks;
        nl = s;
        continue;
      }
      if (s - ls <= indent) {
        break;  // less indented: the scalar has ended
      }
      if (m_t[s] == '#') {
        return false;
      }
      size_t last = s;
      size_t e = s;
      for (; e < n && m_t[e] != '\n'; ++e) {
        const char ch = m_t[e];
        if ((ch == ':' && is_space_or_end(m_t, e + 1)) || (ch == '#' && m_t[e - 1] == ' ')) {
          return false;
        }
        if (ch != ' ') {
          last = e + 1;
        }
      }
      if (breaks == 0) {
        value.push_back(' ');
      } else {
        value.append(breaks, '\n');
      }
      value.append(m_t.substr(s, last - s));
      breaks = 0;
      m_line = line;
      m_line_start = ls;
      end = last;
      nl = e < n ? e : std::string_view::npos;
    }
    return true;
  }

  // --- Flow collections on one line, in block context (YAML 1.2 chapter 7) ---
  // The subset: `[a, "b", 'c', [d], {e: f}]` and `{k: v, "q": [x]}` with single spaces or none
  // around the indicators. Left to libyaml: anything on the next line, comments, empty entries
  // and trailing commas, `[ ]`, single-pair mappings (`[a: b]`), keys without values, `:` right
  // after a key (`"a":1`), plain scalars with `:` or `#` in them or a flow indicator after them.

  bool flow_spaces() {
    while (m_pos < m_t.size() && m_t[m_pos] == ' ') {
      ++m_pos;
    }
    return m_pos < m_t.size() && m_t[m_pos] != '\n' && m_t[m_pos] != '#';
  }

  bool flow_value(Node& out) {
    const char c = m_t[m_pos];
    if (c == '[') {
      return flow_sequence(out);
    }
    if (c == '{') {
      return flow_mapping(out);
    }
    return flow_scalar(out);
  }

  bool flow_scalar(Node& out) {
    const size_t p = m_pos;
    const size_t n = m_t.size();
    const char c = m_t[p];
    if (c == '"' || c == '\'') {
      size_t close = quoted_end(p);
      std::string v;
      if (close == std::string_view::npos || !decode_quoted(p, close, v)) {
        return false;
      }
      out.set_value(std::move(v));
      out.set_style(c == '"' ? Style::double_quoted : Style::single_quoted);
      out.set_mark(mark_at(p));
      m_pos = close + 1;
      return true;
    }
    if (!plain_start_ok(p)) {
      return false;
    }
    size_t i = p;
    size_t end = p;
    for (; i < n; ++i) {
      const char ch = m_t[i];
      if (ch == ',' || ch == ']' || ch == '}') {
        break;
      }
      if (ch == '\n' || ch == '#' || ch == '[' || ch == '{' || ch == '"' || ch == '\'') {
        return false;
      }
      if (ch == ':') {
        if (i + 1 < n && m_t[i + 1] == ' ') {
          break;  // a key's `: `
        }
        return false;
      }
      if (ch != ' ') {
        end = i + 1;
      }
    }
    out.set_value(std::string(m_t.substr(p, end - p)));
    out.set_style(Style::plain);
    out.set_mark(mark_at(p));
    m_pos = end;
    return true;
  }

  bool flow_sequence(Node& out) {
    if (!enter()) {
      return false;
    }
    out = Node::sequence();
    out.set_mark(mark_at(m_pos));
    ++m_pos;
    std::vector<Node>& items = items_at(m_depth);
    if (m_pos < m_t.size() && m_t[m_pos] == ']') {
      ++m_pos;
      --m_depth;
      return true;
    }
    for (;;) {
      if (!flow_spaces() || m_t[m_pos] == ',' || m_t[m_pos] == ']') {
        return false;
      }
      if (!flow_value(items.emplace_back()) || !flow_spaces()) {
        return false;
      }
      if (m_t[m_pos] == ',') {
        ++m_pos;
        continue;
      }
      if (m_t[m_pos] == ']') {
        ++m_pos;
        break;
      }
      return false;
    }
    take(items, out.items());
    --m_depth;
    return true;
  }

  bool flow_mapping(Node& out) {
    if (!enter()) {
      return false;
    }
    out = Node::mapping();
    out.set_mark(mark_at(m_pos));
    ++m_pos;
    std::vector<MapEntry>& all = entries_at(m_depth);
    if (m_pos < m_t.size() && m_t[m_pos] == '}') {
      ++m_pos;
      --m_depth;
      return true;
    }
    for (;;) {
      if (!flow_spaces() || all.size() >= 128) {
        return false;
      }
      const char k = m_t[m_pos];
      if (k == '[' || k == '{' || k == ',' || k == '}' || k == '?') {
        return false;
      }
      MapEntry& e = all.emplace_back();
      const size_t key_start = m_pos;
      if (!flow_scalar(e.key) || m_pos - key_start > 1024 || !flow_spaces()) {
        return false;
      }
      if (e.key.style() == Style::plain && e.key.value() == "<<") {
        return false;  // merge keys
      }
      for (size_t i = 0; i + 1 < all.size(); ++i) {
        if (all[i].key.value() == e.key.value()) {
          return false;
        }
      }
      if (m_t[m_pos] != ':' || m_pos + 1 >= m_t.size() || m_t[m_pos + 1] != ' ') {
        return false;
      }
      ++m_pos;
      if (!flow_spaces() || m_t[m_pos] == ',' || m_t[m_pos] == '}') {
        return false;
      }
      if (!flow_value(e.value) || !flow_spaces()) {
        return false;
      }
      if (m_t[m_pos] == ',') {
        ++m_pos;
        continue;
      }
      if (m_t[m_pos] == '}') {
        ++m_pos;
        break;
      }
      return false;
    }
    take(all, out.entries());
    --m_depth;
    return true;
  }

  // A block collection's mark: where it starts, or its anchor's position when it has one (libyaml
  // marks a node at its anchor; its empty sequence entries carry the same mark).
  Mark collection_mark() {
    if (m_anchor_mark) {
      Mark m = *m_anchor_mark;
      m_anchor_mark.reset();
      return m;
    }
    return mark_at(m_pos);
  }

  // How deep an alias reaches (what it costs: count_nodes, shared with the reference path).
  static size_t height(const Node& node) {
    size_t h = 0;
    for (const auto& i : node.items()) {
      h = std::max(h, 1 + height(i));
    }
    for (const auto& e : node.entries()) {
      h = std::max(h, 1 + height(e.value));
    }
    return h;
  }

  // libyaml's anchor and alias name characters (yaml_parser_scan_anchor: IS_ALPHA).
  static bool anchor_char(char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == '-';
  }

  // `&name scalar` on this line (`name: &app plex`). The scalar is marked at its anchor, as
  // libyaml marks it. Anchors on collections, block scalars, empty values: left to libyaml.
  bool anchored_scalar(Node& out, size_t indent) {
    const size_t n = m_t.size();
    const size_t p = m_pos;
    size_t q = p + 1;
    while (q < n && anchor_char(m_t[q])) {
      ++q;
    }
    if (q == p + 1 || q >= n || m_t[q] != ' ') {
      return false;
    }
    size_t v = q;
    while (v < n && m_t[v] == ' ') {
      ++v;
    }
    if (at_line_end(v) || !(m_t[v] == '"' || m_t[v] == '\'' || plain_start_ok(v))) {
      return false;
    }
    const Mark mark = mark_at(p);
    m_pos = v;
    if (!inline_value(out, indent)) {
      return false;
    }
    out.set_mark(mark);
    m_anchors[std::string(m_t.substr(p + 1, q - p - 1))] = out;
    return true;
  }

  // `*name`: a copy of the scalar anchored earlier in this document, marked at the `*`. Counted
  // against the alias bounds as the reference path counts it (parse_fast charges the run's budget
  // once the whole text is read).
  bool alias(Node& out) {
    const size_t n = m_t.size();
    const size_t p = m_pos;
    size_t q = p + 1;
    while (q < n && anchor_char(m_t[q])) {
      ++q;
    }
    if (q == p + 1 || (q < n && m_t[q] != ' ' && m_t[q] != '\n')) {
      return false;
    }
    auto it = m_anchors.find(std::string(m_t.substr(p + 1, q - p - 1)));
    if (it == m_anchors.end()) {
      return false;  // undefined: an error libyaml's path reports
    }
    m_aliases += count_nodes(it->second);
    if (m_aliases > k_max_alias_nodes_per_file || m_depth + height(it->second) + 2 > m_opts.max_depth) {
      return false;  // the reference path reports these (a conservative margin on the depth)
    }
    out = it->second;
    out.set_mark(mark_at(p));
    m_pos = q;
    return end_line();
  }

 public:
  size_t aliases() const { return m_aliases; }

 private:
  // A literal (`|`) or folded (`>`) block scalar whose indicator is at m_pos, read as libyaml's
  // scanner reads it (yaml_parser_scan_block_scalar, YAML 1.2 chapter 8.1): the header takes a
  // chomping indicator and a comment; the content indentation is that of the first non-empty
  // line; a line less indented than that (or the end) ends it. Left to libyaml: indentation
  // indicators, `|#` without a space, an empty scalar, leading blank lines wider than the first
  // line, a header at the end of the text. `indent` is the parent collection's column: content
  // must be indented more.
  bool block_scalar(Node& out, size_t indent) {
    constexpr size_t none = std::string_view::npos;
    const size_t n = m_t.size();
    const size_t p = m_pos;
    const bool literal = m_t[p] == '|';
    int chomp = 0;  // -1 strip, 0 clip, 1 keep
    size_t q = p + 1;
    if (q < n && (m_t[q] == '-' || m_t[q] == '+')) {
      chomp = m_t[q] == '-' ? -1 : 1;
      ++q;
    }
    size_t h = q;
    while (h < n && m_t[h] == ' ') {
      ++h;
    }
    if (h < n && m_t[h] == '#') {
      if (h == q) {
        return false;
      }
      h = m_t.find('\n', h);
    }
    if (h >= n || m_t[h] != '\n') {
      return false;  // an indentation indicator, other text after the header, or the end
    }
    const Mark mark = mark_at(p);
    size_t pos = h + 1;
    int32_t line = m_line + 1;
    std::string trailing;  // the line breaks of blank lines not yet added
    size_t widest_blank = 0;
    size_t width = 0;  // the content's indentation
    for (;;) {
      size_t s = pos;
      while (s < n && m_t[s] == ' ') {
        ++s;
      }
      if (s >= n) {
        return false;  // an empty scalar at the end
      }
      if (m_t[s] == '\n') {
        widest_blank = std::max(widest_blank, s - pos);
        trailing.push_back('\n');
        pos = s + 1;
        ++line;
        continue;
      }
      width = s - pos;
      if (width < widest_blank || width <= indent) {
        return false;  // libyaml's rules for these (an empty scalar, an error) are its own
      }
      break;
    }
    std::string value;
    bool leading_break = false;  // the previous content line ended with a line break
    bool leading_blank = false;  // the previous content line started with a space
    for (;;) {
      const size_t c0 = pos + width;
      const bool blank = m_t[c0] == ' ';
      if (!literal && leading_break && !leading_blank && !blank) {
        if (trailing.empty()) {
          value.push_back(' ');  // folding: one line break between two lines becomes a space
        }
      } else if (leading_break) {
        value.push_back('\n');
      }
      leading_break = false;
      value += trailing;
      trailing.clear();
      leading_blank = blank;
      size_t eol = m_t.find('\n', c0);
      if (eol == none) {
        value.append(m_t.substr(c0));
        pos = n;
        break;
      }
      value.append(m_t.substr(c0, eol - c0));
      leading_break = true;
      pos = eol + 1;
      ++line;
      bool more = false;
      for (;;) {  // blank lines, up to the next content line
        size_t s = pos;
        while (s < n && m_t[s] == ' ' && s - pos < width) {
          ++s;
        }
        if (s < n && m_t[s] == '\n') {
          trailing.push_back('\n');
          pos = s + 1;
          ++line;
          continue;
        }
        more = s < n && s - pos == width;
        break;
      }
      if (!more) {
        break;
      }
    }
    if (chomp != -1 && leading_break) {
      value.push_back('\n');
    }
    if (chomp == 1) {
      value += trailing;
    }
    out.set_value(std::move(value));
    out.set_style(literal ? Style::literal : Style::folded);
    out.set_mark(mark);
    m_pos = pos;
    m_line_start = pos;
    m_line = line;
    return scan_from_line_start();
  }

  bool node_at(size_t indent, Node& out) {
    if (is_sequence_entry(m_pos)) {
      return sequence_at(indent, out);
    }
    if (size_t colon = key_colon(m_pos); colon != std::string_view::npos) {
      return mapping_at(indent, out, colon);
    }
    return false;  // a scalar or flow collection on its own line
  }

  bool enter() { return ++m_depth <= m_opts.max_depth; }

  // --- JSON (a YAML flow collection spanning the whole text, as `kubectl get -o json` writes) ---

  bool starts_with_json() const {
    size_t p = m_t.find_first_not_of(" \n");
    return p != std::string_view::npos && (m_t[p] == '{' || m_t[p] == '[');
  }

  void json_space() {
    const size_t n = m_t.size();
    while (m_pos < n && (m_t[m_pos] == ' ' || m_t[m_pos] == '\n')) {
      if (m_t[m_pos] == '\n') {
        m_line_start = m_pos + 1;
        ++m_line;
      }
      ++m_pos;
    }
  }

  bool json_document(Document& doc) {
    doc.empty = false;
    json_space();
    if (!json_value(doc.root)) {
      return false;
    }
    json_space();
    if (m_pos != m_t.size()) {
      return false;  // more after the value: a comment, a second document, ...
    }
    return true;
  }

  bool json_string(Node& out) {
    const size_t p = m_pos;
    size_t close = quoted_end(p);
    std::string v;
    if (close == std::string_view::npos || !decode_quoted(p, close, v)) {
      return false;
    }
    out.set_value(std::move(v));
    out.set_style(Style::double_quoted);
    out.set_mark(mark_at(p));
    m_pos = close + 1;
    return true;
  }

  // RFC 8259 numbers; YAML reads them as plain scalars.
  bool json_number(Node& out) {
    const size_t p = m_pos;
    const size_t end = json_number_end(m_t, p);
    if (end == std::string_view::npos) {
      return false;
    }
    out.set_value(std::string(m_t.substr(p, end - p)));
    out.set_style(Style::plain);
    out.set_mark(mark_at(p));
    m_pos = end;
    return true;
  }

  bool json_value(Node& out) {
    if (m_pos >= m_t.size()) {
      return false;
    }
    const char c = m_t[m_pos];
    if (c == '"') {
      return json_string(out);
    }
    if (c == '{' || c == '[') {
      return c == '{' ? json_object(out) : json_array(out);
    }
    if (std::string_view word = json_literal_at(m_t, m_pos); !word.empty()) {
      out.set_value(std::string(word));
      out.set_style(Style::plain);
      out.set_mark(mark_at(m_pos));
      m_pos += word.size();
      return true;
    }
    return json_number(out);
  }

  bool json_object(Node& out) {
    if (!enter()) {
      return false;
    }
    out = Node::mapping();
    out.set_mark(mark_at(m_pos));
    ++m_pos;
    std::vector<MapEntry>& all = entries_at(m_depth);
    json_space();
    if (m_pos < m_t.size() && m_t[m_pos] == '}') {
      ++m_pos;
      --m_depth;
      return true;
    }
    for (;;) {
      json_space();
      if (m_pos >= m_t.size() || m_t[m_pos] != '"') {
        return false;
      }
      if (all.size() >= 128) {
        return false;  // big mappings: the reference path checks duplicates with an index
      }
      MapEntry& e = all.emplace_back();
      const size_t key_start = m_pos;
      if (!json_string(e.key) || m_pos - key_start > 1024) {
        return false;
      }
      for (size_t i = 0; i + 1 < all.size(); ++i) {
        if (all[i].key.value() == e.key.value()) {
          return false;
        }
      }
      // libyaml (and go-yaml) read a key as a simple key, which must reach its ':' on its own
      // line; a key with its ':' on a later line is left to the reference (which refuses it).
      const int32_t key_line = m_line;
      json_space();
      if (m_line != key_line || m_pos >= m_t.size() || m_t[m_pos] != ':') {
        return false;
      }
      ++m_pos;
      json_space();
      if (!json_value(e.value)) {
        return false;
      }
      json_space();
      if (m_pos < m_t.size() && m_t[m_pos] == ',') {
        ++m_pos;
        continue;
      }
      if (m_pos < m_t.size() && m_t[m_pos] == '}') {
        ++m_pos;
        break;
      }
      return false;
    }
    take(all, out.entries());
    --m_depth;
    return true;
  }

  bool json_array(Node& out) {
    if (!enter()) {
      return false;
    }
    out = Node::sequence();
    out.set_mark(mark_at(m_pos));
    ++m_pos;
    std::vector<Node>& items = items_at(m_depth);
    json_space();
    if (m_pos < m_t.size() && m_t[m_pos] == ']') {
      ++m_pos;
      --m_depth;
      return true;
    }
    for (;;) {
      json_space();
      Node& item = items.emplace_back();
      if (!json_value(item)) {
        return false;
      }
      json_space();
      if (m_pos < m_t.size() && m_t[m_pos] == ',') {
        ++m_pos;
        continue;
      }
      if (m_pos < m_t.size() && m_t[m_pos] == ']') {
        ++m_pos;
        break;
      }
      return false;
    }
    take(items, out.items());
    --m_depth;
    return true;
  }

  // `indentless`: the sequence sits at its parent key's indentation ("key:\n- a").
  bool sequence_at(size_t indent, Node& out, bool indentless = false) {
    if (!enter()) {
      return false;
    }
    out = Node::sequence();
    out.set_mark(collection_mark());
    std::vector<Node>& items = items_at(m_depth);
    for (;;) {
      // m_pos is at the '-' of an entry.
      size_t p = m_pos + 1;
      while (p < m_t.size() && m_t[p] == ' ') {
        ++p;
      }
      m_pos = p;
      Node& item = items.emplace_back();
      if (at_line_end(p) || m_t[p] == '#') {
        if (!end_line()) {
          return false;
        }
        if (m_next == Next::content && m_indent > indent) {
          if (!node_at(m_indent, item)) {
            return false;
          }
        } else if (indentless) {
          return false;  // libyaml rejects empty entries of indentless sequences
        } else {
          item.set_mark(out.mark());  // an empty entry: libyaml gives it no position
        }
      } else if (is_sequence_entry(p)) {
        return false;  // "- - x"
      } else if (m_t[p] == '[' || m_t[p] == '{') {
        if (!inline_value(item, indent)) {  // a flow collection: its `:` is not this entry's key
          return false;
        }
      } else if (size_t colon = key_colon(p); colon != std::string_view::npos) {
        if (!mapping_at(p - m_line_start, item, colon)) {
          return false;
        }
      } else if (!inline_value(item, indent)) {
        return false;
      }
      if (m_next != Next::content || m_indent < indent) {
        break;
      }
      if (m_indent > indent) {
        return false;
      }
      if (!is_sequence_entry(m_pos)) {
        break;  // a sequence at its parent key's indentation ends here
      }
    }
    take(items, out.items());
    --m_depth;
    return true;
  }

  // A block mapping whose first key starts at m_pos, with its `:` at `colon`.
  bool mapping_at(size_t indent, Node& out, size_t colon) {
    if (!enter()) {
      return false;
    }
    out = Node::mapping();
    out.set_mark(collection_mark());
    std::vector<MapEntry>& all = entries_at(m_depth);
    for (;;) {
      if (colon == std::string_view::npos) {
        return false;
      }
      if (all.size() >= 128) {
        return false;  // big mappings: the reference path checks duplicates with an index
      }
      MapEntry& e = all.emplace_back();
      if (!read_key(e.key, colon)) {
        return false;
      }
      for (size_t i = 0; i + 1 < all.size(); ++i) {
        if (all[i].key.value() == e.key.value()) {
          return false;  // duplicate key: libyaml's path reports it
        }
      }
      size_t p = m_pos;
      while (p < m_t.size() && m_t[p] == ' ') {
        ++p;
      }
      m_pos = p;
      // `key: &name` with the collection on the lines below: the collection is marked at `&`.
      size_t anchor_at = std::string_view::npos;
      std::string_view anchor;
      if (m_t[p] == '&') {
        size_t q = p + 1;
        while (q < m_t.size() && anchor_char(m_t[q])) {
          ++q;
        }
        size_t r = q;
        while (r < m_t.size() && m_t[r] == ' ') {
          ++r;
        }
        if (q > p + 1 && (at_line_end(r) || (m_t[r] == '#' && r > q))) {
          anchor_at = p;
          anchor = m_t.substr(p + 1, q - p - 1);
          m_pos = p = r;
        }
      }
      if (at_line_end(p) || m_t[p] == '#') {
        const Mark anchor_mark = anchor_at != std::string_view::npos ? mark_at(anchor_at) : Mark{};
        if (!end_line()) {
          return false;
        }
        const bool anchored = anchor_at != std::string_view::npos;
        if (m_next == Next::content && m_indent > indent) {
          m_anchor_mark = anchored ? std::optional<Mark>(anchor_mark) : std::nullopt;
          if (!node_at(m_indent, e.value)) {
            return false;
          }
        } else if (m_next == Next::content && m_indent == indent && is_sequence_entry(m_pos)) {
          m_anchor_mark = anchored ? std::optional<Mark>(anchor_mark) : std::nullopt;
          if (!sequence_at(indent, e.value, /*indentless=*/true)) {
            return false;
          }
        } else if (anchored) {
          return false;  // an anchored empty value
        } else {
          e.value.set_value(std::string());
          e.value.set_mark(e.key.mark());  // an empty value: libyaml gives it no position
        }
        if (anchored) {
          m_anchors[std::string(anchor)] = e.value;  // marked at the anchor (collection_mark)
        }
      } else if (is_sequence_entry(p)) {
        return false;  // "key: - x"
      } else if (!inline_value(e.value, indent)) {
        return false;
      }
      if (m_next != Next::content || m_indent < indent) {
        break;
      }
      if (m_indent > indent) {
        return false;  // a continuation line or bad indentation
      }
      colon = key_colon(m_pos);
    }
    take(all, out.entries());
    --m_depth;
    return true;
  }

  // Per nesting depth, the children of the collection being read at that depth. A collection
  // builds its children in place there (deeper collections use deeper levels, and a deque keeps
  // the levels where they are), then moves them once into its own vector, allocated at its final
  // size. The levels live as long as the thread, so their storage is reused across texts.
  static std::vector<MapEntry>& entries_at(size_t depth) {
    thread_local std::deque<std::vector<MapEntry>> levels;
    return level(levels, depth);
  }
  static std::vector<Node>& items_at(size_t depth) {
    thread_local std::deque<std::vector<Node>> levels;
    return level(levels, depth);
  }
  template <typename T>
  static std::vector<T>& level(std::deque<std::vector<T>>& levels, size_t depth) {
    while (levels.size() <= depth) {
      levels.emplace_back();
    }
    std::vector<T>& v = levels[depth];
    v.clear();  // left over when an earlier text was declined half-way
    return v;
  }
  // Hands the level's vector to the collection (no element moves) and gives the level a fresh one.
  // Small collections, the common case, keep a little spare capacity; a big one is trimmed so a
  // tree never holds much more than it uses.
  template <typename T>
  static void take(std::vector<T>& level, std::vector<T>& out) {
    out.swap(level);
    if (out.capacity() > 8 && out.capacity() > out.size() + out.size() / 2) {
      out.shrink_to_fit();
    }
    level.clear();
    level.reserve(4);
  }

  std::string_view m_t;
  int32_t m_file;
  const ParseOptions& m_opts;
  size_t m_pos = 0;
  size_t m_line_start = 0;
  int32_t m_line = 1;
  Next m_next = Next::end;
  size_t m_indent = 0;
  size_t m_depth = 0;
  size_t m_column_line_start = std::string_view::npos;  // mark_at's resume point
  size_t m_column_pos = 0;
  int32_t m_column = 1;
  std::optional<Mark> m_anchor_mark;  // for the block collection about to be read
  std::unordered_map<std::string, Node> m_anchors;
  size_t m_aliases = 0;
};

}  // namespace

size_t count_nodes(const Node& n) {
  size_t total = 1;
  for (const auto& i : n.items()) {
    total += count_nodes(i);
  }
  for (const auto& e : n.entries()) {
    total += 1 + count_nodes(e.value);
  }
  return total;
}

bool parse_fast_each(std::string_view text, int32_t file, const ParseOptions& opts, const DocumentSink& sink,
                     size_t& handed) {
  handed = 0;
  FastParser p(text, file, opts);
  if (!p.run(sink, handed)) {
    return false;
  }
  if (AliasBudget* run = opts.alias_budget; run != nullptr && p.aliases() > 0) {
    if (run->used + p.aliases() > run->limit) {
      return false;  // the reference path reports it, at the alias that crossed the bound
    }
    run->used += p.aliases();
  }
  return true;
}

std::optional<std::vector<Document>> parse_fast(std::string_view text, int32_t file, const ParseOptions& opts) {
  std::vector<Document> docs;
  size_t handed = 0;
  if (!parse_fast_each(text, file, opts, [&docs](Document&& d) { docs.push_back(std::move(d)); }, handed)) {
    return std::nullopt;
  }
  return docs;
}

}  // namespace talgpu::yaml::detail
