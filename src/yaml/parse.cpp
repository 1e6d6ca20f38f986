// Building our Node tree from libfyaml's event stream.
//
// We use the event API rather than libfyaml's document tree because events carry the token of
// every scalar, collection start and alias, which gives us a line and column for every node
// (libfyaml 0.7 has no public "start mark of a node" call). Building the tree ourselves also lets
// us report duplicate keys and non-scalar keys at the key's own position, expand aliases with a
// size limit (no "billion laughs"), and keep the scalar style so a quoted "true" stays a string.
// libfyaml's own messages are collected (FYPCF_COLLECT_DIAG) and become located Errors.

#include <yaml/document.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <libfyaml.h>

#include <core/fs.hpp>
#include <yaml/fast_parse.hpp>
#include <yaml/limits.hpp>

namespace talgpu::yaml {

namespace {

constexpr size_t k_max_alias_nodes = 1'000'000;

struct ParserHandle {
  fy_parser* parser = nullptr;
  fy_diag* diag = nullptr;
  ~ParserHandle() {
    if (parser != nullptr) {
      fy_parser_destroy(parser);
    }
    if (diag != nullptr) {
      fy_diag_destroy(diag);
    }
  }
};

struct EventHandle {
  fy_parser* parser;
  fy_event* event;
  ~EventHandle() {
    if (event != nullptr) {
      fy_parser_event_free(parser, event);
    }
  }
};

void discard_output(fy_diag*, void*, const char*, size_t) {}

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

// A built node and how many collection levels it spans (0 for a scalar). Aliases copy whole
// subtrees, so the depth limit has to be checked against the height of what an alias expands to,
// not only against the parser's own nesting.
struct Anchored {
  Node node;
  size_t height = 0;
};

class Builder {
 public:
  Builder(int32_t file, std::string name, std::string_view text, const ParseOptions& opts)
      : m_file(file), m_name(std::move(name)), m_text(text), m_opts(opts) {}

  Mark mark_of(fy_token* t) const {
    Mark m;
    m.file = m_file;
    if (t != nullptr) {
      const fy_mark* fm = fy_token_start_mark(t);
      if (fm != nullptr) {
        m.line = fm->line + 1;
        m.column = fm->column + 1;
      }
    }
    return m;
  }

  SourceLocation loc(const Mark& m) const { return SourceLocation{m_name, m.line, m.column}; }

  // libfyaml marks an alias after its '*'; point at the '*'.
  Mark alias_mark(fy_token* t) const {
    Mark m = mark_of(t);
    if (m.column > 1) {
      m.column -= 1;
    }
    return m;
  }

  // The `|` or `>` of a block scalar whose content starts at token `t`: the last one on the
  // nearest line above that is not blank (a comment after the header is skipped). Only the lines
  // between header and content are scanned, so this stays cheap on huge files.
  Mark block_indicator_mark(fy_token* t, Mark content) const {
    const fy_mark* fm = fy_token_start_mark(t);
    if (fm == nullptr || fm->input_pos > m_text.size()) {
      return content;
    }
    size_t p = fm->input_pos;
    while (p > 0 && m_text[p - 1] != '\n') {
      --p;
    }
    int line = content.line;
    while (p > 0) {
      size_t end = p - 1;  // the newline ending the line above
      size_t start = end;
      while (start > 0 && m_text[start - 1] != '\n') {
        --start;
      }
      --line;
      std::string_view l = m_text.substr(start, end - start);
      if (l.find_first_not_of(" \t\r") == std::string_view::npos) {
        p = start;
        continue;
      }
      std::string_view code = l.substr(0, l.find(" #"));
      size_t at = code.find_last_of("|>");
      if (at == std::string_view::npos || line < 1) {
        return content;
      }
      Mark m = content;
      m.line = line;
      m.column = 1;
      for (size_t i = 0; i < at; ++i) {
        if ((static_cast<unsigned char>(code[i]) & 0xC0) != 0x80) {
          ++m.column;
        }
      }
      return m;
    }
    return content;
  }

  static std::string text_of(fy_token* t) {
    size_t len = 0;
    const char* s = fy_token_get_text(t, &len);
    return s == nullptr ? std::string() : std::string(s, len);
  }

  static std::string tag_of(fy_token* t) {
    if (t == nullptr) {
      return {};
    }
    const char* h = fy_tag_token_handle0(t);
    const char* s = fy_tag_token_suffix0(t);
    std::string tag = std::string(h == nullptr ? "" : h) + std::string(s == nullptr ? "" : s);
    if (tag == "!") {  // the non-specific tag: a plain string
      return "!!str";
    }
    return tag;
  }

  // Returns an error message when the event stream is not what we accept.
  Result<void> on_event(fy_event* ev) {
    switch (ev->type) {
      case FYET_NONE:
      case FYET_STREAM_START:
      case FYET_STREAM_END:
        return {};
      case FYET_DOCUMENT_START:
        m_docs.emplace_back();
        m_anchors.clear();
        return {};
      case FYET_DOCUMENT_END:
        return {};
      case FYET_SCALAR: {
        Node n;
        fy_token* vt = ev->scalar.value;
        n.set_value(text_of(vt));
        switch (fy_token_scalar_style(vt)) {
          case FYSS_SINGLE_QUOTED:
            n.set_style(Style::single_quoted);
            break;
          case FYSS_DOUBLE_QUOTED:
            n.set_style(Style::double_quoted);
            break;
          case FYSS_LITERAL:
            n.set_style(Style::literal);
            break;
          case FYSS_FOLDED:
            n.set_style(Style::folded);
            break;
          default:
            n.set_style(Style::plain);
            break;
        }
        n.set_tag(tag_of(ev->scalar.tag));
        // Point where the user sees the scalar start. libfyaml marks quoted scalars after the
        // opening quote and block scalars at their first content line; we want the quote and
        // the `|` / `>` indicator.
        Mark m = mark_of(vt);
        if (m.line > 0 && (n.style() == Style::single_quoted || n.style() == Style::double_quoted) &&
            m.column > 1) {
          m.column -= 1;
        } else if (m.line > 1 && (n.style() == Style::literal || n.style() == Style::folded)) {
          m = block_indicator_mark(vt, m);
        }
        // An empty plain scalar has no token position; use the anchor or tag, else its key, else
        // the parent collection.
        if (m.line == 0) {
          m = mark_of(ev->scalar.tag != nullptr ? ev->scalar.tag : ev->scalar.anchor);
        }
        if (m.line == 0 && !m_stack.empty()) {
          const Frame& top = m_stack.back();
          m = top.have_key ? top.pending_key.mark() : top.node.mark();
        }
        n.set_mark(m);
        if (ev->scalar.anchor != nullptr) {
          m_anchors[text_of(ev->scalar.anchor)] = Anchored{n, 0};
        }
        return add_built(std::move(n), 0);
      }
      case FYET_SEQUENCE_START:
      case FYET_MAPPING_START: {
        bool seq = ev->type == FYET_SEQUENCE_START;
        if (m_stack.size() >= m_opts.max_depth) {
          return fail(fmt::format("nesting deeper than {} levels", m_opts.max_depth),
                      loc(mark_of(seq ? ev->sequence_start.sequence_start : ev->mapping_start.mapping_start)),
                      "yaml-syntax");
        }
        Frame f;
        f.node = seq ? Node::sequence() : Node::mapping();
        fy_token* start = seq ? ev->sequence_start.sequence_start : ev->mapping_start.mapping_start;
        fy_token* tag = seq ? ev->sequence_start.tag : ev->mapping_start.tag;
        fy_token* anchor = seq ? ev->sequence_start.anchor : ev->mapping_start.anchor;
        f.node.set_style(Style::any);
        f.node.set_tag(tag_of(tag));
        f.anchor = anchor == nullptr ? std::string() : text_of(anchor);
        Mark m = mark_of(start);
        if (m.line == 0) {
          m = mark_of(tag != nullptr ? tag : anchor);
        }
        f.node.set_mark(m);
        f.needs_mark = m.line == 0;
        m_stack.push_back(std::move(f));
        return {};
      }
      case FYET_SEQUENCE_END:
      case FYET_MAPPING_END: {
        Frame f = std::move(m_stack.back());
        m_stack.pop_back();
        size_t height = f.child_height + 1;
        if (!f.anchor.empty()) {
          m_anchors[f.anchor] = Anchored{f.node, height};
        }
        return add_built(std::move(f.node), height);
      }
      case FYET_ALIAS: {
        std::string name = text_of(ev->alias.anchor);
        auto it = m_anchors.find(name);
        if (it == m_anchors.end()) {
          return fail(fmt::format("undefined alias '*{}'", name), loc(alias_mark(ev->alias.anchor)), "yaml-syntax");
        }
        if (m_stack.size() + it->second.height > m_opts.max_depth) {
          return fail(fmt::format("alias '*{}' nests deeper than {} levels", name, m_opts.max_depth),
                      loc(alias_mark(ev->alias.anchor)), "yaml-syntax");
        }
        m_alias_nodes += count_nodes(it->second.node);
        if (m_alias_nodes > k_max_alias_nodes) {
          return fail("aliases expand to more than a million nodes", loc(alias_mark(ev->alias.anchor)), "yaml-syntax");
        }
        Node copy = it->second.node;
        copy.set_mark(alias_mark(ev->alias.anchor));
        return add_built(std::move(copy), it->second.height);
      }
    }
    return {};
  }

  std::vector<Document> take() { return std::move(m_docs); }

 private:
  struct Frame {
    Node node;
    std::string anchor;
    bool needs_mark = false;
    bool have_key = false;
    Node pending_key;
    size_t child_height = 0;  // the tallest child so far
    // Mappings: key text -> entry index, so duplicate checks stay linear on huge mappings, and
    // the keys that came in through a merge key (explicit keys may override those).
    std::unordered_map<std::string, size_t> index;
    std::unordered_set<std::string> merged;
  };

  Result<void> add_built(Node n, size_t height) {
    if (m_stack.empty()) {
      if (m_docs.empty()) {
        m_docs.emplace_back();
      }
      // libfyaml reports an explicit document without content ("---" then nothing) as an
      // untagged empty plain scalar.
      bool nothing = n.is_scalar() && n.style() == Style::plain && n.value().empty() && n.tag().empty();
      m_docs.back().root = std::move(n);
      m_docs.back().empty = nothing;
      return {};
    }
    Frame& top = m_stack.back();
    top.child_height = std::max(top.child_height, height);
    if (top.needs_mark) {
      top.node.set_mark(n.mark());
      top.needs_mark = false;
    }
    if (top.node.is_sequence()) {
      top.node.push_back(std::move(n));
      return {};
    }
    if (!top.have_key) {
      if (!n.is_scalar()) {
        return fail("only scalar mapping keys are supported", loc(n.mark()), "yaml-syntax");
      }
      if (n.value() == "<<" && n.style() == Style::plain) {
        // Merge key: handled when the value arrives.
      } else if (auto it = top.index.find(n.value());
                 it != top.index.end() && !m_opts.allow_duplicate_keys && top.merged.count(n.value()) == 0) {
        const MapEntry& first = top.node.entries()[it->second];
        return fail(fmt::format("duplicate key '{}' (first defined at line {})", n.value(), first.key.mark().line),
                    loc(n.mark()), "yaml-duplicate-key");
      }
      top.pending_key = std::move(n);
      top.have_key = true;
      return {};
    }
    top.have_key = false;
    if (top.pending_key.value() == "<<" && top.pending_key.style() == Style::plain) {
      // YAML 1.1 merge keys, as go-yaml and Kubernetes accept them: a merged key never replaces a
      // key already present, and an explicit key given later replaces a merged one (go-yaml v3
      // decode.go, merge()); with a list of mappings the first one that has a key wins.
      auto merge_one = [&](const Node& src) -> Result<void> {
        if (!src.is_mapping()) {
          return fail("merge key '<<' needs a mapping or a list of mappings", loc(src.mark()), "yaml-syntax");
        }
        for (const auto& e : src.entries()) {
          if (top.index.emplace(e.key.value(), top.node.entries().size()).second) {
            top.merged.insert(e.key.value());
            top.node.entries().push_back(e);
          }
        }
        return {};
      };
      if (n.is_sequence()) {
        for (const auto& item : n.items()) {
          TRY(merge_one(item));
        }
        return {};
      }
      return merge_one(n);
    }
    const std::string& key = top.pending_key.value();
    if (auto it = top.index.find(key); it != top.index.end() && top.merged.erase(key) > 0) {
      top.node.entries()[it->second] = MapEntry{std::move(top.pending_key), std::move(n)};
      return {};
    }
    top.index.emplace(key, top.node.entries().size());
    top.node.entries().push_back(MapEntry{std::move(top.pending_key), std::move(n)});
    return {};
  }

  int32_t m_file;
  std::string m_name;
  std::string_view m_text;  // the registered source text
  const ParseOptions& m_opts;
  std::vector<Document> m_docs;
  std::vector<Frame> m_stack;
  std::map<std::string, Anchored> m_anchors;
  size_t m_alias_nodes = 0;
};

// True when `line` (without its comment) ends in a block scalar header: `|`, `>`, with optional
// indentation and chomping indicators ("key: |", "- >-", "|2+"). Lines after it that are indented
// deeper are the scalar's content, where a tab after the indentation is ordinary text.
bool opens_block_scalar(std::string_view line) {
  if (size_t hash = line.find(" #"); hash != std::string_view::npos) {
    line = line.substr(0, hash);
  }
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  size_t i = line.size();
  size_t indicators = 0;
  while (i > 0 && indicators < 2 &&
         (line[i - 1] == '+' || line[i - 1] == '-' || (line[i - 1] >= '1' && line[i - 1] <= '9'))) {
    --i;
    ++indicators;
  }
  if (i == 0 || (line[i - 1] != '|' && line[i - 1] != '>')) {
    return false;
  }
  --i;
  return i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t';
}

// YAML forbids tabs in indentation. libfyaml catches most cases with varying messages, and
// accepts a few (a tab-indented "- b" after "- a" becomes part of a plain scalar), so we check
// the indentation ourselves and point at the tab. Block scalar content is skipped.
Result<void> check_tabs(std::string_view text, const std::string& name) {
  int line = 1;
  size_t pos = 0;
  // Inside a block scalar: content lines are those indented deeper than the header's line.
  bool in_block_scalar = false;
  size_t block_parent_indent = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    std::string_view l = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    size_t i = 0;
    while (i < l.size() && l[i] == ' ') {
      ++i;
    }
    bool blank = l.find_first_not_of(" \t\r") == std::string_view::npos;
    if (in_block_scalar && !blank && i <= block_parent_indent) {
      in_block_scalar = false;
    }
    if (!in_block_scalar && i < l.size() && l[i] == '\t') {
      // A tab after only spaces at the start of a line that has content: indentation.
      size_t j = i;
      while (j < l.size() && (l[j] == '\t' || l[j] == ' ')) {
        ++j;
      }
      if (j < l.size() && l[j] != '#' && l[j] != '\r') {
        return fail("tab character used for indentation (YAML allows only spaces)",
                    SourceLocation{name, line, static_cast<int>(i) + 1}, "yaml-syntax");
      }
    }
    if (!in_block_scalar && opens_block_scalar(l)) {
      in_block_scalar = true;
      block_parent_indent = i;
    }
    if (end == std::string_view::npos) {
      break;
    }
    pos = end + 1;
    ++line;
  }
  return {};
}

// libfyaml's collected errors carry 1-based line and column; take the first error.
Error first_error(fy_diag* diag, std::string_view text, const std::string& name) {
  void* iter = nullptr;
  fy_diag_error* err = nullptr;
  while ((err = fy_diag_errors_iterate(diag, &iter)) != nullptr) {
    if (err->type >= FYET_ERROR) {
      std::string msg = err->msg == nullptr ? "invalid YAML" : err->msg;
      int line = std::max(err->line, 0);
      int column = std::max(err->column, 0);
      // At the end of a text without a final newline libfyaml points one line past the end; point
      // just after the last character instead, which the renderer can quote.
      int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
      if (line > lines && !text.empty() && text.back() != '\n') {
        std::string_view last = text.substr(text.rfind('\n') == std::string_view::npos ? 0 : text.rfind('\n') + 1);
        line = lines;
        column = 1 + static_cast<int>(std::count_if(last.begin(), last.end(), [](char c) {
                   return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
                 }));
      }
      return Error(msg, SourceLocation{name, line, column}, "yaml-syntax");
    }
  }
  return Error("invalid YAML", SourceLocation{name, 0, 0}, "yaml-syntax");
}

// The line and column (1-based, counting UTF-8 characters) of byte `offset`.
SourceLocation location_of(std::string_view text, size_t offset, const std::string& name) {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  int column = 1;
  for (size_t i = line_start; i < offset; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return SourceLocation{name, line, column};
}

// The offset of the first byte that is not well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or npos. go-yaml refuses such input, and so do we: a
// stray Latin-1 byte would otherwise end up in generated configs and JSON output.
size_t invalid_utf8_offset(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // Runs of ASCII, 32 then eight bytes at a time.
    while (i + 32 <= s.size()) {
      uint64_t w[4];
      std::memcpy(w, s.data() + i, 32);
      if (((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ULL) != 0) {
        break;
      }
      i += 32;
    }
    while (i + 8 <= s.size()) {
      uint64_t word = 0;
      std::memcpy(&word, s.data() + i, 8);
      if ((word & 0x8080808080808080ULL) != 0) {
        break;
      }
      i += 8;
    }
    if (i >= s.size()) {
      break;
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      lo = c == 0xE0 ? 0xA0 : 0x80;
      hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      lo = c == 0xF0 ? 0x90 : 0x80;
      hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
      return i;
    }
    if (i + len > s.size()) {
      return i;
    }
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (cc < lo || cc > hi) : (cc < 0x80 || cc > 0xBF)) {
        return i;
      }
    }
    i += len;
  }
  return std::string_view::npos;
}

// Binary files, UTF-16/32 text and invalid UTF-8 are refused up front with a located error.
Result<void> check_encoding(std::string_view text, const std::string& name) {
  if (text.substr(0, 2) == "\xFF\xFE" || text.substr(0, 2) == "\xFE\xFF" ||
      text.substr(0, 4) == std::string_view("\0\0\xFE\xFF", 4)) {
    return fail("file is UTF-16 or UTF-32 encoded; YAML inputs must be UTF-8", SourceLocation{name, 1, 1},
                "yaml-encoding");
  }
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return fail("file is binary, not YAML (contains NUL bytes)", location_of(text, nul, name), "yaml-encoding");
  }
  if (size_t bad = invalid_utf8_offset(text); bad != std::string_view::npos) {
    return fail(fmt::format("invalid UTF-8 (byte 0x{:02X}); YAML inputs must be UTF-8",
                            static_cast<unsigned char>(text[bad])),
                location_of(text, bad, name), "yaml-encoding");
  }
  return {};
}

// The reference path: libfyaml's event stream through the Builder.
Result<std::vector<Document>> parse_libfyaml(int32_t file, std::string_view stored, const std::string& name,
                                             const ParseOptions& opts) {
  TRY(check_tabs(stored, name));

  ParserHandle h;
  fy_diag_cfg dcfg{};
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = nullptr;
  dcfg.output_fn = discard_output;
  dcfg.colorize = false;
  h.diag = fy_diag_create(&dcfg);
  if (h.diag == nullptr) {
    return fail("cannot create YAML parser", {}, "yaml-syntax");
  }
  fy_diag_set_collect_errors(h.diag, true);
  fy_parse_cfg cfg{};
  cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_DISABLE_RECYCLING);
  cfg.diag = h.diag;
  h.parser = fy_parser_create(&cfg);
  if (h.parser == nullptr) {
    return fail("cannot create YAML parser", {}, "yaml-syntax");
  }
  if (fy_parser_set_string(h.parser, stored.data(), stored.size()) != 0) {
    return fail("cannot read YAML input", SourceLocation{name, 0, 0}, "yaml-syntax");
  }
  Builder b(file, name, stored, opts);
  for (;;) {
    EventHandle ev{h.parser, fy_parser_parse(h.parser)};
    if (ev.event == nullptr) {
      break;
    }
    auto r = b.on_event(ev.event);
    if (!r) {
      return tl::unexpected(r.error());
    }
  }
  if (fy_parser_get_stream_error(h.parser)) {
    return tl::unexpected(first_error(h.diag, stored, name));
  }
  return b.take();
}

}  // namespace

namespace {

// TALGPU_YAML=libfyaml switches the fast path off (bench/run.sh compares the two; it is also the
// way around a fast-path bug, should one ever show up).
bool fast_path_enabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("TALGPU_YAML");
    return v == nullptr || std::string_view(v) != "libfyaml";
  }();
  return enabled;
}

Result<std::vector<Document>> parse_registered(int32_t file, const std::string& name, const ParseOptions& opts) {
  std::string_view stored = SourceRegistry::instance().text(file);
  TRY(check_encoding(stored, name));
  TRY(check_limits_before_parse(stored, name, opts));  // yaml/limits.hpp: cheap refusals first
  if (fast_path_enabled()) {
    if (auto docs = detail::parse_fast(stored, file, opts)) {
      return std::move(*docs);
    }
  }
  return parse_libfyaml(file, stored, name, opts);
}

}  // namespace

Result<std::vector<Document>> parse(std::string_view text, std::string name, const ParseOptions& opts) {
  int32_t file = SourceRegistry::instance().add(name, std::string(text));
  return parse_registered(file, name, opts);
}

Result<void> check_text_encoding(std::string_view text, const std::string& name) {
  return check_encoding(text, name);
}

Result<std::vector<Document>> detail::parse_reference(std::string_view text, std::string name,
                                                      const ParseOptions& opts) {
  int32_t file = SourceRegistry::instance().add(name, std::string(text));
  std::string_view stored = SourceRegistry::instance().text(file);
  TRY(check_encoding(stored, name));
  TRY(check_limits_before_parse(stored, name, opts));
  return parse_libfyaml(file, stored, name, opts);
}

Result<std::vector<Document>> parse_file(const std::string& path, const ParseOptions& opts) {
  TRY_ASSIGN(std::string text, read_file(path, opts.max_bytes));
  int32_t file = SourceRegistry::instance().add(path, std::move(text));
  return parse_registered(file, path, opts);
}

Result<Node> parse_one(std::string_view text, std::string name, const ParseOptions& opts) {
  TRY_ASSIGN(auto docs, parse(text, std::move(name), opts));
  if (docs.empty()) {
    return Node::null();
  }
  if (docs.size() > 1) {
    return fail("expected a single YAML document, found " + std::to_string(docs.size()),
                docs[1].root.location(), "yaml-syntax");
  }
  return std::move(docs[0].root);
}

}  // namespace talgpu::yaml
