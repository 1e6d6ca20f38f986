// Building our Node tree from libfyaml's event stream.
//
// We use the event API rather than libfyaml's document tree because events carry the token of
// every scalar, collection start and alias, which gives us a line and column for every node
// (libfyaml 0.7 has no public "start mark of a node" call). Building the tree ourselves also lets
// us report duplicate keys and non-scalar keys at the key's own position, expand aliases with a
// size limit (no "billion laughs"), and keep the scalar style so a quoted "true" stays a string.
// libfyaml's own messages are collected (FYPCF_COLLECT_DIAG) and become located Errors.

#include <yaml/document.hpp>

#include <map>
#include <set>

#include <fmt/format.h>
#include <libfyaml.h>

#include <core/fs.hpp>

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

class Builder {
 public:
  Builder(int32_t file, std::string name, const ParseOptions& opts)
      : m_file(file), m_name(std::move(name)), m_opts(opts) {}

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
        // An empty plain scalar has no token position; use the anchor or tag, else the parent.
        Mark m = mark_of(vt);
        if (m.line == 0) {
          m = mark_of(ev->scalar.tag != nullptr ? ev->scalar.tag : ev->scalar.anchor);
        }
        if (m.line == 0 && !m_stack.empty()) {
          m = m_stack.back().node.mark();
        }
        n.set_mark(m);
        return add(std::move(n), ev->scalar.anchor);
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
        if (!f.anchor.empty()) {
          m_anchors[f.anchor] = f.node;
        }
        return add_built(std::move(f.node));
      }
      case FYET_ALIAS: {
        std::string name = text_of(ev->alias.anchor);
        auto it = m_anchors.find(name);
        if (it == m_anchors.end()) {
          return fail(fmt::format("undefined alias '*{}'", name), loc(mark_of(ev->alias.anchor)), "yaml-syntax");
        }
        m_alias_nodes += count_nodes(it->second);
        if (m_alias_nodes > k_max_alias_nodes) {
          return fail("aliases expand to more than a million nodes", loc(mark_of(ev->alias.anchor)), "yaml-syntax");
        }
        Node copy = it->second;
        copy.set_mark(mark_of(ev->alias.anchor));
        return add_built(std::move(copy));
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
  };

  Result<void> add(Node n, fy_token* anchor) {
    if (anchor != nullptr) {
      m_anchors[text_of(anchor)] = n;
    }
    return add_built(std::move(n));
  }

  Result<void> add_built(Node n) {
    if (m_stack.empty()) {
      if (m_docs.empty()) {
        m_docs.emplace_back();
      }
      m_docs.back().root = std::move(n);
      m_docs.back().empty = false;
      return {};
    }
    Frame& top = m_stack.back();
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
      } else if (!m_opts.allow_duplicate_keys && top.node.find(n.value()) != nullptr) {
        const MapEntry* first = top.node.find_entry(n.value());
        return fail(fmt::format("duplicate key '{}' (first defined at line {})", n.value(), first->key.mark().line),
                    loc(n.mark()), "yaml-duplicate-key");
      }
      top.pending_key = std::move(n);
      top.have_key = true;
      return {};
    }
    top.have_key = false;
    if (top.pending_key.value() == "<<" && top.pending_key.style() == Style::plain) {
      // YAML 1.1 merge keys, as go-yaml and Kubernetes accept them: earlier keys win.
      auto merge_one = [&](const Node& src) -> Result<void> {
        if (!src.is_mapping()) {
          return fail("merge key '<<' needs a mapping or a list of mappings", loc(src.mark()), "yaml-syntax");
        }
        for (const auto& e : src.entries()) {
          if (top.node.find(e.key.value()) == nullptr) {
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
    top.node.entries().push_back(MapEntry{std::move(top.pending_key), std::move(n)});
    return {};
  }

  int32_t m_file;
  std::string m_name;
  const ParseOptions& m_opts;
  std::vector<Document> m_docs;
  std::vector<Frame> m_stack;
  std::map<std::string, Node> m_anchors;
  size_t m_alias_nodes = 0;
};

// YAML forbids tabs in indentation; libfyaml sometimes accepts them in flow context or reports a
// vague error, so we check the indentation ourselves and point at the tab.
Result<void> check_tabs(std::string_view text, const std::string& name) {
  int line = 1;
  size_t pos = 0;
  bool in_block_scalar = false;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    std::string_view l = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    size_t i = 0;
    while (i < l.size() && l[i] == ' ') {
      ++i;
    }
    (void)in_block_scalar;
    if (i < l.size() && l[i] == '\t') {
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
    if (end == std::string_view::npos) {
      break;
    }
    pos = end + 1;
    ++line;
  }
  return {};
}

// libfyaml reports "file:line:col: error: msg" style data; take the first error.
Error first_error(fy_diag* diag, const std::string& name) {
  void* iter = nullptr;
  fy_diag_error* err = nullptr;
  while ((err = fy_diag_errors_iterate(diag, &iter)) != nullptr) {
    if (err->type >= FYET_ERROR) {
      std::string msg = err->msg == nullptr ? "invalid YAML" : err->msg;
      return Error(msg, SourceLocation{name, err->line + 1, err->column + 1}, "yaml-syntax");
    }
  }
  return Error("invalid YAML", SourceLocation{name, 0, 0}, "yaml-syntax");
}

bool looks_binary(std::string_view text) {
  size_t probe = std::min<size_t>(text.size(), 8192);
  for (size_t i = 0; i < probe; ++i) {
    if (text[i] == '\0') {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<std::vector<Document>> parse(std::string_view text, std::string name, const ParseOptions& opts) {
  int32_t file = SourceRegistry::instance().add(name, std::string(text));
  std::string_view stored = SourceRegistry::instance().text(file);
  if (looks_binary(stored)) {
    return fail("file is binary, not YAML (contains NUL bytes)", SourceLocation{name, 0, 0}, "yaml-syntax");
  }
  TRY(check_tabs(stored, name));

  ParserHandle h;
  fy_diag_cfg dcfg{};
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = nullptr;
  dcfg.output_fn = discard_output;
  dcfg.colorize = false;
  h.diag = fy_diag_create(&dcfg);
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
  Builder b(file, name, opts);
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
    return tl::unexpected(first_error(h.diag, name));
  }
  return b.take();
}

Result<std::vector<Document>> parse_file(const std::string& path, const ParseOptions& opts) {
  TRY_ASSIGN(std::string text, read_file(path));
  return parse(text, path, opts);
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
