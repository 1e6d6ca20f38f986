#include <core/linear_regex.hpp>

#include <cctype>
#include <memory>

#include <fmt/format.h>

namespace talgpu {

namespace {

constexpr size_t k_max_pattern = 1000;
constexpr size_t k_max_prog = 5000;
constexpr int k_max_depth = 100;
constexpr int k_max_count = 100;

using ByteSet = std::vector<bool>;

struct Node {
  enum Kind { set, empty, bol, eol, cat, alt, star, plus, quest, repeat } kind = empty;
  ByteSet bytes;                               // set
  std::vector<std::unique_ptr<Node>> kids;     // cat, alt; one child for the repetitions
  int min = 0;
  int max = -1;  // repeat: -1 = unbounded
};
using NodePtr = std::unique_ptr<Node>;

NodePtr make(Node::Kind k) {
  auto n = std::make_unique<Node>();
  n->kind = k;
  return n;
}

class Parser {
 public:
  explicit Parser(std::string_view p) : m_p(p) {}

  Result<NodePtr> parse() {
    NodePtr n = alternation();
    if (!m_error.empty()) {
      return fail(m_error, {}, "regex-unsupported");
    }
    if (m_i < m_p.size()) {
      return fail(fmt::format("unexpected ')' at offset {}", m_i), {}, "regex-unsupported");
    }
    return n;
  }

 private:
  std::string_view m_p;
  size_t m_i = 0;
  bool m_icase = false;
  bool m_dotall = false;
  int m_depth = 0;
  std::string m_error;

  bool at_end() const { return m_i >= m_p.size(); }
  char peek() const { return m_p[m_i]; }
  void error(std::string msg) {
    if (m_error.empty()) {
      m_error = std::move(msg);
    }
  }

  NodePtr byte_node(unsigned char c) {
    NodePtr n = make(Node::set);
    n->bytes.assign(256, false);
    n->bytes[c] = true;
    if (m_icase && std::isalpha(c)) {
      n->bytes[static_cast<unsigned char>(std::tolower(c))] = true;
      n->bytes[static_cast<unsigned char>(std::toupper(c))] = true;
    }
    return n;
  }

  NodePtr alternation() {
    NodePtr first = concatenation();
    if (at_end() || peek() != '|') {
      return first;
    }
    NodePtr alt = make(Node::alt);
    alt->kids.push_back(std::move(first));
    while (!at_end() && peek() == '|' && m_error.empty()) {
      ++m_i;
      alt->kids.push_back(concatenation());
    }
    return alt;
  }

  NodePtr concatenation() {
    NodePtr cat = make(Node::cat);
    while (!at_end() && peek() != '|' && peek() != ')' && m_error.empty()) {
      if (NodePtr r = repetition()) {
        cat->kids.push_back(std::move(r));
      }
    }
    return cat;
  }

  // Parses `{n}`, `{n,}`, `{n,m}` at m_i; false (m_i unchanged) when it is not one (RE2 then reads
  // the brace literally).
  bool counted(int& lo, int& hi) {
    size_t j = m_i + 1;
    auto number = [&](int& out) {
      size_t start = j;
      long v = 0;
      while (j < m_p.size() && std::isdigit(static_cast<unsigned char>(m_p[j])) && v <= 100000) {
        v = v * 10 + (m_p[j] - '0');
        ++j;
      }
      out = static_cast<int>(v);
      return j > start;
    };
    if (!number(lo)) {
      return false;
    }
    hi = lo;
    if (j < m_p.size() && m_p[j] == ',') {
      ++j;
      hi = -1;
      if (j < m_p.size() && m_p[j] != '}' && !number(hi)) {
        return false;
      }
    }
    if (j >= m_p.size() || m_p[j] != '}') {
      return false;
    }
    m_i = j + 1;
    return true;
  }

  NodePtr repetition() {
    NodePtr atom_node = atom();
    if (!atom_node) {
      return nullptr;
    }
    bool repeated = false;
    while (!at_end() && m_error.empty()) {
      char c = peek();
      Node::Kind k = Node::empty;
      int lo = 0;
      int hi = -1;
      if (c == '*') {
        k = Node::star;
      } else if (c == '+') {
        k = Node::plus;
      } else if (c == '?') {
        k = Node::quest;
      } else if (c == '{') {
        size_t save = m_i;
        if (!counted(lo, hi)) {
          break;
        }
        if (lo > k_max_count || hi > k_max_count || (hi >= 0 && hi < lo)) {
          error(fmt::format("invalid or too large repeat count at offset {} (at most {})", save, k_max_count));
          return nullptr;
        }
        k = Node::repeat;
        --m_i;  // the common `++m_i` below steps over the closing brace again
      } else {
        break;
      }
      if (repeated) {
        error(fmt::format("bad repetition operator at offset {}", m_i));
        return nullptr;
      }
      ++m_i;
      if (!at_end() && peek() == '?') {
        ++m_i;  // lazy: the same set of matching texts
      }
      NodePtr r = make(k);
      r->min = lo;
      r->max = hi;
      r->kids.push_back(std::move(atom_node));
      atom_node = std::move(r);
      repeated = true;
    }
    return atom_node;
  }

  NodePtr group() {
    ++m_i;  // '('
    if (++m_depth > k_max_depth) {
      error(fmt::format("groups nested deeper than {}", k_max_depth));
      return nullptr;
    }
    bool save_icase = m_icase;
    bool save_dotall = m_dotall;
    if (m_p.substr(m_i, 1) == "?") {
      ++m_i;
      if (m_p.substr(m_i, 2) == "P<" || m_p.substr(m_i, 1) == "<") {
        size_t close = m_p.find('>', m_i);
        if (close == std::string_view::npos) {
          error("unterminated group name");
          return nullptr;
        }
        m_i = close + 1;
      } else {
        bool flags_only = false;
        while (!at_end() && peek() != ':' && peek() != ')') {
          char f = peek();
          if (f == 'i') {
            m_icase = true;
          } else if (f == 's') {
            m_dotall = true;
          } else {
            error(fmt::format("unsupported group or flag '(?{}' at offset {} (supported: (?:...), (?i), (?s))", f,
                              m_i));
            return nullptr;
          }
          ++m_i;
        }
        if (at_end()) {
          error("unterminated group");
          return nullptr;
        }
        flags_only = peek() == ')';
        ++m_i;
        if (flags_only) {
          --m_depth;
          return make(Node::empty);  // flags hold for the rest of the enclosing group
        }
      }
    }
    NodePtr inner = alternation();
    if (at_end() || peek() != ')') {
      error("missing closing )");
      return nullptr;
    }
    ++m_i;
    --m_depth;
    m_icase = save_icase;
    m_dotall = save_dotall;
    return inner;
  }

  // \d \w \s and their negations, into `set`; false when `c` is none of them.
  static bool class_escape(char c, ByteSet& set) {
    char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower != 'd' && lower != 'w' && lower != 's') {
      return false;
    }
    for (int b = 0; b < 256; ++b) {
      bool in = lower == 'd' ? (b >= '0' && b <= '9')
                : lower == 'w' ? (std::isalnum(b) != 0 && b < 128) || b == '_'
                               : b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == '\v';
      if (in != (c != lower)) {
        set[static_cast<size_t>(b)] = true;
      }
    }
    return true;
  }

  // A literal escape (\n, \., \\ ...) as its byte; -1 with an error for anything else.
  int literal_escape(char c) {
    switch (c) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      default:
        break;
    }
    if (std::ispunct(static_cast<unsigned char>(c))) {
      return static_cast<unsigned char>(c);
    }
    error(fmt::format("unsupported escape '\\{}' at offset {}", c, m_i));
    return -1;
  }

  NodePtr escape() {
    ++m_i;  // '\'
    if (at_end()) {
      error("trailing backslash");
      return nullptr;
    }
    char c = peek();
    ++m_i;
    NodePtr n = make(Node::set);
    n->bytes.assign(256, false);
    if (class_escape(c, n->bytes)) {
      return n;
    }
    int b = literal_escape(c);
    return b < 0 ? nullptr : byte_node(static_cast<unsigned char>(b));
  }

  bool posix_class(ByteSet& set) {
    static const std::pair<const char*, int (*)(int)> k_classes[] = {
        {"alnum", std::isalnum}, {"alpha", std::isalpha}, {"digit", std::isdigit}, {"lower", std::islower},
        {"upper", std::isupper}, {"space", std::isspace}, {"punct", std::ispunct}, {"xdigit", std::isxdigit}};
    size_t close = m_p.find(":]", m_i + 2);
    if (close == std::string_view::npos) {
      return false;
    }
    std::string_view name = m_p.substr(m_i + 2, close - m_i - 2);
    for (const auto& [cls, fn] : k_classes) {
      if (name == cls) {
        for (int b = 0; b < 128; ++b) {
          if (fn(b) != 0) {
            set[static_cast<size_t>(b)] = true;
          }
        }
        m_i = close + 2;
        return true;
      }
    }
    error(fmt::format("unsupported character class '[:{}:]'", name));
    return true;
  }

  NodePtr char_class() {
    ++m_i;  // '['
    bool negate = !at_end() && peek() == '^';
    if (negate) {
      ++m_i;
    }
    ByteSet set(256, false);
    bool first = true;
    while (m_error.empty()) {
      if (at_end()) {
        error("missing closing ]");
        return nullptr;
      }
      char c = peek();
      if (c == ']' && !first) {
        ++m_i;
        break;
      }
      first = false;
      if (c == '[' && m_p.substr(m_i, 2) == "[:") {
        if (posix_class(set)) {
          continue;
        }
      }
      int lo = static_cast<unsigned char>(c);
      ++m_i;
      if (c == '\\') {
        if (at_end()) {
          error("trailing backslash");
          return nullptr;
        }
        char e = peek();
        ++m_i;
        if (class_escape(e, set)) {
          continue;
        }
        lo = literal_escape(e);
      }
      int hi = lo;
      if (m_p.substr(m_i, 1) == "-" && m_i + 1 < m_p.size() && m_p[m_i + 1] != ']') {
        ++m_i;
        hi = static_cast<unsigned char>(peek());
        ++m_i;
        if (hi == '\\') {
          hi = at_end() ? -1 : literal_escape(peek());
          ++m_i;
        }
        if (hi < lo) {
          error(fmt::format("invalid character class range at offset {}", m_i));
          return nullptr;
        }
      }
      for (int b = lo; b >= 0 && b <= hi; ++b) {
        set[static_cast<size_t>(b)] = true;
        if (m_icase && std::isalpha(b)) {
          set[static_cast<size_t>(std::tolower(b))] = true;
          set[static_cast<size_t>(std::toupper(b))] = true;
        }
      }
    }
    if (negate) {
      set.flip();
      set['\n'] = false;  // RE2: a negated class does not match a newline unless it names it
    }
    NodePtr n = make(Node::set);
    n->bytes = std::move(set);
    return n;
  }

  NodePtr atom() {
    char c = peek();
    switch (c) {
      case '(':
        return group();
      case '[':
        return char_class();
      case '\\':
        return escape();
      case '^':
        ++m_i;
        return make(Node::bol);
      case '$':
        ++m_i;
        return make(Node::eol);
      case '.': {
        ++m_i;
        NodePtr n = make(Node::set);
        n->bytes.assign(256, true);
        n->bytes['\n'] = m_dotall;
        return n;
      }
      case '*':
      case '+':
      case '?':
        error(fmt::format("missing argument to repetition operator at offset {}", m_i));
        return nullptr;
      default:
        ++m_i;
        return byte_node(static_cast<unsigned char>(c));
    }
  }
};

class Compiler {
 public:
  std::vector<LinearRegex::Inst> prog;
  std::vector<ByteSet> sets;
  bool too_big = false;

  void emit(const Node& n) {
    if (too_big || prog.size() > k_max_prog) {
      too_big = true;
      return;
    }
    using I = LinearRegex::Inst;
    switch (n.kind) {
      case Node::set:
        sets.push_back(n.bytes);
        prog.push_back({I::set, static_cast<uint32_t>(sets.size() - 1), 0});
        break;
      case Node::empty:
        break;
      case Node::bol:
        prog.push_back({I::bol, 0, 0});
        break;
      case Node::eol:
        prog.push_back({I::eol, 0, 0});
        break;
      case Node::cat:
        for (const auto& k : n.kids) {
          emit(*k);
        }
        break;
      case Node::alt:
        emit_alt(n, 0);
        break;
      case Node::star:
        emit_star(*n.kids[0]);
        break;
      case Node::plus: {
        auto top = static_cast<uint32_t>(prog.size());
        emit(*n.kids[0]);
        prog.push_back({I::split, top, static_cast<uint32_t>(prog.size() + 1)});
        break;
      }
      case Node::quest:
        emit_quest(*n.kids[0]);
        break;
      case Node::repeat:
        for (int i = 0; i < n.min; ++i) {
          emit(*n.kids[0]);
        }
        if (n.max < 0) {
          emit_star(*n.kids[0]);
        }
        for (int i = n.min; i < n.max; ++i) {
          emit_quest(*n.kids[0]);
        }
        break;
    }
  }

 private:
  void emit_alt(const Node& n, size_t k) {
    using I = LinearRegex::Inst;
    if (k + 1 == n.kids.size()) {
      emit(*n.kids[k]);
      return;
    }
    size_t split = prog.size();
    prog.push_back({I::split, static_cast<uint32_t>(split + 1), 0});
    emit(*n.kids[k]);
    size_t jmp = prog.size();
    prog.push_back({I::jmp, 0, 0});
    prog[split].y = static_cast<uint32_t>(prog.size());
    emit_alt(n, k + 1);
    prog[jmp].x = static_cast<uint32_t>(prog.size());
  }

  void emit_star(const Node& kid) {
    using I = LinearRegex::Inst;
    size_t split = prog.size();
    prog.push_back({I::split, static_cast<uint32_t>(split + 1), 0});
    emit(kid);
    prog.push_back({I::jmp, static_cast<uint32_t>(split), 0});
    prog[split].y = static_cast<uint32_t>(prog.size());
  }

  void emit_quest(const Node& kid) {
    using I = LinearRegex::Inst;
    size_t split = prog.size();
    prog.push_back({I::split, static_cast<uint32_t>(split + 1), 0});
    emit(kid);
    prog[split].y = static_cast<uint32_t>(prog.size());
  }
};

// A set of program counters with O(1) insert, membership and clear (Briggs & Torczon).
struct SparseSet {
  std::vector<uint32_t> dense, sparse;
  size_t n = 0;
  explicit SparseSet(size_t size) : dense(size), sparse(size) {}
  bool contains(uint32_t pc) const { return sparse[pc] < n && dense[sparse[pc]] == pc; }
  void insert(uint32_t pc) {
    sparse[pc] = static_cast<uint32_t>(n);
    dense[n++] = pc;
  }
};

}  // namespace

Result<LinearRegex> LinearRegex::compile(std::string_view pattern) {
  if (pattern.size() > k_max_pattern) {
    return fail(fmt::format("pattern is {} bytes, over the {} byte limit", pattern.size(), k_max_pattern), {},
                "regex-unsupported");
  }
  TRY_ASSIGN(NodePtr ast, Parser(pattern).parse());
  Compiler c;
  c.emit(*ast);
  if (c.too_big) {
    return fail(fmt::format("pattern expands to more than {} states", k_max_prog), {}, "regex-unsupported");
  }
  c.prog.push_back({Inst::match, 0, 0});
  LinearRegex re;
  re.m_prog = std::move(c.prog);
  re.m_sets = std::move(c.sets);
  return re;
}

bool LinearRegex::search(std::string_view text) const {
  size_t size = m_prog.size();
  SparseSet cur(size);
  SparseSet next(size);
  SparseSet seen(size);  // epsilon-closure guard for one step
  std::vector<uint32_t> stack;
  // `seen` is cleared once per text position, so each state's closure is walked once per byte.
  auto add = [&](SparseSet& list, uint32_t start, size_t pos) {
    stack.assign(1, start);
    while (!stack.empty()) {
      uint32_t pc = stack.back();
      stack.pop_back();
      if (seen.contains(pc)) {
        continue;
      }
      seen.insert(pc);
      const Inst& in = m_prog[pc];
      switch (in.op) {
        case Inst::jmp:
          stack.push_back(in.x);
          break;
        case Inst::split:
          stack.push_back(in.y);
          stack.push_back(in.x);
          break;
        case Inst::bol:
          if (pos == 0) {
            stack.push_back(pc + 1);
          }
          break;
        case Inst::eol:
          if (pos == text.size()) {
            stack.push_back(pc + 1);
          }
          break;
        case Inst::set:
        case Inst::match:
          if (!list.contains(pc)) {
            list.insert(pc);
          }
          break;
      }
    }
  };
  for (size_t pos = 0;; ++pos) {
    add(cur, 0, pos);  // unanchored: a thread may start at every position
    for (size_t k = 0; k < cur.n; ++k) {
      if (m_prog[cur.dense[k]].op == Inst::match) {
        return true;
      }
    }
    if (pos == text.size()) {
      return false;
    }
    auto byte = static_cast<unsigned char>(text[pos]);
    next.n = 0;
    seen.n = 0;
    for (size_t k = 0; k < cur.n; ++k) {
      const Inst& in = m_prog[cur.dense[k]];
      if (in.op == Inst::set && m_sets[in.x][byte]) {
        add(next, cur.dense[k] + 1, pos + 1);
      }
    }
    std::swap(cur, next);
  }
}

}  // namespace talgpu
