// Building our Node tree from libyaml's event stream (the reference parser; fast_parse.cpp is the
// fast path for the block-style subset and falls back here).
//
// Events carry a start mark for every scalar, collection and alias (a quoted scalar's at its
// quote, a block scalar's at its `|` / `>`, an alias's at its `*`, a node with an anchor or tag at
// that), which gives every node a line and column. Building the tree ourselves also lets us
// report duplicate keys and non-scalar keys at the key's own position, expand aliases with a size
// limit (no "billion laughs"), and keep the scalar style so a quoted "true" stays a string.
// libyaml's error (problem, context and their marks) becomes a located Error.

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
#include <yaml.h>

#include <core/fs.hpp>
#include <yaml/fast_parse.hpp>
#include <yaml/limits.hpp>

namespace talgpu::yaml {

namespace {

// Owns a libyaml parser and the event last taken from it.
struct ParserHandle {
  yaml_parser_t parser{};
  bool ready = false;
  ~ParserHandle() {
    if (ready) {
      yaml_parser_delete(&parser);
    }
  }
};

struct EventHandle {
  yaml_event_t event{};
  bool live = false;
  ~EventHandle() {
    if (live) {
      yaml_event_delete(&event);
    }
  }
};

// A built node and how many collection levels it spans (0 for a scalar). Aliases copy whole
// subtrees, so the depth limit has to be checked against the height of what an alias expands to,
// not only against the parser's own nesting.
struct Anchored {
  Node node;
  size_t height = 0;
};

class Builder {
 public:
  Builder(int32_t file, std::string name, const ParseOptions& opts)
      : m_file(file), m_name(std::move(name)), m_opts(opts) {}

  // libyaml's marks are 0-based and count characters, not bytes.
  Mark mark_of(const yaml_mark_t& ym) const {
    Mark m;
    m.file = m_file;
    m.line = static_cast<int32_t>(ym.line) + 1;
    m.column = static_cast<int32_t>(ym.column) + 1;
    return m;
  }

  SourceLocation loc(const Mark& m) const { return SourceLocation{m_name, m.line, m.column}; }

  static std::string text_of(const yaml_char_t* s) {
    return s == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(s));
  }

  // libyaml resolves tag handles; write the secondary handle back the way it is written in YAML
  // ("!!str"), as our Nodes and the emitter expect.
  static std::string tag_of(const yaml_char_t* t) {
    if (t == nullptr) {
      return {};
    }
    std::string tag = text_of(t);
    constexpr std::string_view k_core = "tag:yaml.org,2002:";
    if (tag.starts_with(k_core)) {
      return "!!" + tag.substr(k_core.size());
    }
    if (tag == "!") {  // the non-specific tag: a plain string
      return "!!str";
    }
    return tag;
  }

  // Returns an error message when the event stream is not what we accept.
  Result<void> on_event(const yaml_event_t& ev) {
    switch (ev.type) {
      case YAML_NO_EVENT:
      case YAML_STREAM_START_EVENT:
      case YAML_STREAM_END_EVENT:
      case YAML_DOCUMENT_END_EVENT:
        return {};
      case YAML_DOCUMENT_START_EVENT:
        m_docs.emplace_back();
        m_anchors.clear();
        return {};
      case YAML_SCALAR_EVENT:
        return on_scalar(ev);
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT:
        return on_collection_start(ev);
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        Frame f = std::move(m_stack.back());
        m_stack.pop_back();
        size_t height = f.child_height + 1;
        if (!f.anchor.empty()) {
          m_anchors[f.anchor] = Anchored{f.node, height};
        }
        return add_built(std::move(f.node), height);
      }
      case YAML_ALIAS_EVENT:
        return on_alias(ev);
    }
    return {};
  }

  // Gives the documents completed so far to `sink`, except the first `skip` of the stream (those
  // the fast path already handed over), and forgets them.
  void hand_over(const DocumentSink& sink, size_t skip) {
    for (auto& d : m_docs) {
      if (m_handed++ >= skip) {
        sink(std::move(d));
      }
    }
    m_docs.clear();
  }

 private:
  Result<void> on_scalar(const yaml_event_t& ev) {
    Node n;
    const auto& sc = ev.data.scalar;
    n.set_value(std::string(reinterpret_cast<const char*>(sc.value), sc.length));
    switch (sc.style) {
      case YAML_SINGLE_QUOTED_SCALAR_STYLE:
        n.set_style(Style::single_quoted);
        break;
      case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
        n.set_style(Style::double_quoted);
        break;
      case YAML_LITERAL_SCALAR_STYLE:
        n.set_style(Style::literal);
        break;
      case YAML_FOLDED_SCALAR_STYLE:
        n.set_style(Style::folded);
        break;
      default:
        n.set_style(Style::plain);
        break;
    }
    n.set_tag(tag_of(sc.tag));
    // libyaml marks a scalar where the user sees it start: its anchor or tag when it has one, else
    // the opening quote or the `|` / `>` indicator. An empty plain scalar without anchor or tag
    // has no text of its own; libyaml marks the token after it, we mark its key, else the parent
    // collection. An empty document's root has no position at all.
    Mark m = mark_of(ev.start_mark);
    if (sc.length == 0 && n.style() == Style::plain && sc.anchor == nullptr && sc.tag == nullptr) {
      if (m_stack.empty()) {
        m = Mark{m_file, 0, 0};
      } else {
        const Frame& top = m_stack.back();
        m = top.have_key ? top.pending_key.mark() : top.node.mark();
      }
    }
    n.set_mark(m);
    if (sc.anchor != nullptr) {
      m_anchors[text_of(sc.anchor)] = Anchored{n, 0};
    }
    return add_built(std::move(n), 0);
  }

  Result<void> on_collection_start(const yaml_event_t& ev) {
    bool seq = ev.type == YAML_SEQUENCE_START_EVENT;
    Mark m = mark_of(ev.start_mark);
    if (m_stack.size() >= m_opts.max_depth) {
      return fail(fmt::format("nesting deeper than {} levels", m_opts.max_depth), loc(m), "yaml-syntax");
    }
    Frame f;
    f.node = seq ? Node::sequence() : Node::mapping();
    const yaml_char_t* tag = seq ? ev.data.sequence_start.tag : ev.data.mapping_start.tag;
    const yaml_char_t* anchor = seq ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor;
    f.node.set_style(Style::any);
    f.node.set_tag(tag_of(tag));
    f.anchor = text_of(anchor);
    f.node.set_mark(m);
    m_stack.push_back(std::move(f));
    return {};
  }

  Result<void> on_alias(const yaml_event_t& ev) {
    std::string name = text_of(ev.data.alias.anchor);
    Mark at = mark_of(ev.start_mark);
    auto it = m_anchors.find(name);
    if (it == m_anchors.end()) {
      return fail(fmt::format("undefined alias '*{}'", name), loc(at), "yaml-syntax");
    }
    if (m_stack.size() + it->second.height > m_opts.max_depth) {
      return fail(fmt::format("alias '*{}' nests deeper than {} levels", name, m_opts.max_depth), loc(at),
                  "yaml-syntax");
    }
    const size_t expanded = detail::count_nodes(it->second.node);
    m_alias_nodes += expanded;
    if (m_alias_nodes > k_max_alias_nodes_per_file) {
      return fail("aliases expand to more than a million nodes", loc(at), "yaml-syntax");
    }
    if (AliasBudget* run = m_opts.alias_budget; run != nullptr) {
      run->used += expanded;
      if (run->used > run->limit) {
        return fail(fmt::format("aliases expand to more than {} nodes across the files read so far", run->limit),
                    loc(at), "yaml-limit");
      }
    }
    Node copy = it->second.node;
    copy.set_mark(at);
    return add_built(std::move(copy), it->second.height);
  }

  struct Frame {
    Node node;
    std::string anchor;
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
      // libyaml reports an explicit document without content ("---" then nothing) as an untagged
      // empty plain scalar.
      bool nothing = n.is_scalar() && n.style() == Style::plain && n.value().empty() && n.tag().empty();
      m_docs.back().root = std::move(n);
      m_docs.back().empty = nothing;
      return {};
    }
    Frame& top = m_stack.back();
    top.child_height = std::max(top.child_height, height);
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
  const ParseOptions& m_opts;
  std::vector<Document> m_docs;  // the document being built (hand_over empties it at each end)
  size_t m_handed = 0;           // documents of the stream completed so far
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

// YAML forbids tabs in indentation. The parsers catch most cases with varying messages, and
// accept a few (a tab-indented "- b" after "- a" becomes part of a plain scalar), so we check
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
      // A comment after it too: go-yaml skips tabs at the start of a block-context line only
      // where no key may start (scannerc.go, yaml_parser_scan_to_next_token), never there.
      if (j < l.size() && l[j] != '\r') {
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

// libyaml's error as a located Error: its problem at the problem's mark, with the context it
// was in ("while scanning a simple key") and where that started. go-yaml v3 reports the same
// libyaml messages ("yaml: line N: <problem>").
Error parser_error(const yaml_parser_t& p, std::string_view text, const std::string& name) {
  if (p.error == YAML_MEMORY_ERROR) {
    return Error("out of memory while parsing YAML", SourceLocation{name, 0, 0}, "yaml-syntax");
  }
  std::string msg = p.problem == nullptr ? "invalid YAML" : p.problem;
  int line = static_cast<int>(p.problem_mark.line) + 1;
  int column = static_cast<int>(p.problem_mark.column) + 1;
  if (p.context != nullptr) {
    msg += fmt::format(" ({} at line {} column {})", p.context, p.context_mark.line + 1, p.context_mark.column + 1);
  }
  // At the end of a text libyaml may point one line past the last one; point just after the last
  // character instead, which the renderer can quote.
  int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + (text.empty() || text.back() == '\n' ? 0 : 1);
  if (line > lines && lines > 0) {
    size_t nl = text.substr(0, text.size() - (text.back() == '\n' ? 1 : 0)).rfind('\n');
    std::string_view last = text.substr(nl == std::string_view::npos ? 0 : nl + 1);
    if (!last.empty() && last.back() == '\n') {
      last.remove_suffix(1);
    }
    line = lines;
    column = 1 + static_cast<int>(std::count_if(last.begin(), last.end(), [](char c) {
               return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
             }));
  }
  return Error(msg, SourceLocation{name, line, column}, "yaml-syntax");
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

// The reference path: libyaml's event stream through the Builder. libyaml is the C library
// go-yaml v3 was ported from (go-yaml's parserc.go and scannerc.go are its parser.c and
// scanner.c in Go), and go-yaml is what Talos, talhelper, kubectl, kustomize and Flux read YAML
// with; reading YAML as libyaml does is reading it as they do (e.g. `*app:` is the alias `app`
// used as a key, not the undefined alias `app:`).
Result<void> parse_libyaml(int32_t file, std::string_view stored, const std::string& name, const ParseOptions& opts,
                           const DocumentSink& sink, size_t skip) {
  TRY(check_tabs(stored, name));

  ParserHandle h;
  if (yaml_parser_initialize(&h.parser) == 0) {
    return fail("cannot create YAML parser", {}, "yaml-syntax");
  }
  h.ready = true;
  yaml_parser_set_input_string(&h.parser, reinterpret_cast<const unsigned char*>(stored.data()), stored.size());
  yaml_parser_set_encoding(&h.parser, YAML_UTF8_ENCODING);
  Builder b(file, name, opts);
  for (;;) {
    EventHandle ev;
    if (yaml_parser_parse(&h.parser, &ev.event) == 0) {
      return tl::unexpected(parser_error(h.parser, stored, name));
    }
    ev.live = true;
    if (ev.event.type == YAML_STREAM_END_EVENT) {
      break;
    }
    TRY(b.on_event(ev.event));
    if (ev.event.type == YAML_DOCUMENT_END_EVENT) {
      b.hand_over(sink, skip);
    }
  }
  b.hand_over(sink, skip);
  return {};
}

}  // namespace

namespace {

// TALGPU_YAML=libyaml switches the fast path off (bench/run.sh compares the two; it is also the
// way around a fast-path bug, should one ever show up). "libfyaml", the old name, still works.
bool fast_path_enabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("TALGPU_YAML");
    return v == nullptr || (std::string_view(v) != "libyaml" && std::string_view(v) != "libfyaml");
  }();
  return enabled;
}

Result<void> parse_registered(int32_t file, const std::string& name, const ParseOptions& opts,
                              const DocumentSink& sink) {
  std::string_view stored = SourceRegistry::instance().text(file);
  TRY(check_encoding(stored, name));
  TRY(check_limits_before_parse(stored, name, opts));  // yaml/limits.hpp: cheap refusals first
  size_t handed = 0;
  if (fast_path_enabled() && detail::parse_fast_each(stored, file, opts, sink, handed)) {
    return {};
  }
  // The reference path from the start; the documents the fast path handed over before it stepped
  // aside are libyaml's first ones, so they are not handed over twice.
  return parse_libyaml(file, stored, name, opts, sink, handed);
}

Result<std::vector<Document>> collect(const std::function<Result<void>(const DocumentSink&)>& parse) {
  std::vector<Document> docs;
  TRY(parse([&docs](Document&& d) { docs.push_back(std::move(d)); }));
  return docs;
}

}  // namespace

Result<void> parse_each(std::string_view text, std::string name, const ParseOptions& opts, const DocumentSink& sink) {
  int32_t file = SourceRegistry::instance().add(name, std::string(text));
  return parse_registered(file, name, opts, sink);
}

Result<std::vector<Document>> parse(std::string_view text, std::string name, const ParseOptions& opts) {
  return collect([&](const DocumentSink& sink) { return parse_each(text, name, opts, sink); });
}

Result<void> check_text_encoding(std::string_view text, const std::string& name) {
  return check_encoding(text, name);
}

Result<void> detail::parse_reference_each(std::string_view text, std::string name, const ParseOptions& opts,
                                          const DocumentSink& sink) {
  int32_t file = SourceRegistry::instance().add(name, std::string(text));
  std::string_view stored = SourceRegistry::instance().text(file);
  TRY(check_encoding(stored, name));
  TRY(check_limits_before_parse(stored, name, opts));
  return parse_libyaml(file, stored, name, opts, sink, 0);
}

Result<std::vector<Document>> detail::parse_reference(std::string_view text, std::string name,
                                                      const ParseOptions& opts) {
  return collect([&](const DocumentSink& sink) { return parse_reference_each(text, name, opts, sink); });
}

Result<void> parse_file_each(const std::string& path, std::string text, const ParseOptions& opts,
                             const DocumentSink& sink) {
  if (text.size() > opts.max_bytes) {
    return fail(fmt::format("cannot read '{}': over the {} byte limit", path, opts.max_bytes), {}, "io-too-large");
  }
  int32_t file = SourceRegistry::instance().add(path, std::move(text));
  auto done = parse_registered(file, path, opts, sink);
  // Nodes hold copies of what they need; the text stays only for quoting (within a budget, else
  // it is read again when a diagnostic quotes it).
  SourceRegistry::instance().release_over_budget(file);
  return done;
}

Result<void> parse_file_each(const std::string& path, const ParseOptions& opts, const DocumentSink& sink) {
  TRY_ASSIGN(std::string text, read_file(path, opts.max_bytes));
  return parse_file_each(path, std::move(text), opts, sink);
}

Result<std::vector<Document>> parse_file(const std::string& path, const ParseOptions& opts) {
  return collect([&](const DocumentSink& sink) { return parse_file_each(path, opts, sink); });
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
