#include <yaml/node.hpp>

#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace talgpu::yaml {

Node::Node(const Node& other)
    : m_kind(other.m_kind),
      m_style(other.m_style),
      m_mark(other.m_mark),
      m_value(other.m_value),
      m_tag(other.m_tag ? std::make_unique<std::string>(*other.m_tag) : nullptr),
      m_items(other.m_items),
      m_entries(other.m_entries) {}

Node& Node::operator=(const Node& other) {
  if (this != &other) {
    Node copy(other);
    *this = std::move(copy);
  }
  return *this;
}

const std::string& Node::empty_tag() {
  static const std::string empty;
  return empty;
}

SourceLocation Mark::location() const {
  if (file < 0) {
    return {};
  }
  return SourceLocation{SourceRegistry::instance().name(file), line, column};
}

Node Node::string(std::string value) {
  Node n;
  n.m_value = std::move(value);
  n.m_style = Style::any;
  return n;
}

Node Node::plain(std::string value) {
  Node n;
  n.m_value = std::move(value);
  n.m_style = Style::plain;
  return n;
}

Node Node::boolean(bool value) {
  return plain(value ? "true" : "false");
}

Node Node::integer(int64_t value) {
  return plain(std::to_string(value));
}

Node Node::null() {
  return plain("null");
}

Node Node::sequence() {
  Node n;
  n.m_kind = Kind::sequence;
  n.m_style = Style::any;
  return n;
}

Node Node::mapping() {
  Node n;
  n.m_kind = Kind::mapping;
  n.m_style = Style::any;
  return n;
}

bool Node::is_null() const {
  return m_kind == Kind::scalar && scalar_type() == ScalarType::null;
}

ScalarType Node::scalar_type() const {
  if (m_type == k_type_unknown) {
    m_type = static_cast<uint8_t>(resolve_type());
  }
  return static_cast<ScalarType>(m_type);
}

ScalarType Node::resolve_type() const {
  if (m_tag) {
    const std::string& tag = *m_tag;
    if (tag == "!!str" || tag == "tag:yaml.org,2002:str") {
      return ScalarType::string;
    }
    if (tag == "!!null" || tag == "tag:yaml.org,2002:null") {
      return ScalarType::null;
    }
    if (tag == "!!bool" || tag == "tag:yaml.org,2002:bool") {
      return ScalarType::boolean;
    }
    if (tag == "!!int" || tag == "tag:yaml.org,2002:int") {
      return ScalarType::integer;
    }
    if (tag == "!!float" || tag == "tag:yaml.org,2002:float") {
      return ScalarType::floating;
    }
  }
  if (m_style != Style::plain) {
    return ScalarType::string;
  }
  return resolve_plain(m_value);
}

Node& Node::push_back(Node n) {
  m_items.push_back(std::move(n));
  return m_items.back();
}

size_t Node::size() const {
  switch (m_kind) {
    case Kind::sequence:
      return m_items.size();
    case Kind::mapping:
      return m_entries.size();
    case Kind::scalar:
      break;
  }
  return 0;
}

const MapEntry* Node::find_entry(std::string_view key) const {
  if (m_kind != Kind::mapping) {
    return nullptr;
  }
  for (const auto& e : m_entries) {
    if (e.key.m_value == key) {
      return &e;
    }
  }
  return nullptr;
}

const Node* Node::find(std::string_view key) const {
  const MapEntry* e = find_entry(key);
  return e == nullptr ? nullptr : &e->value;
}

Node* Node::find(std::string_view key) {
  return const_cast<Node*>(static_cast<const Node*>(this)->find(key));
}

Node& Node::set(std::string_view key, Node value) {
  if (m_kind != Kind::mapping) {
    *this = mapping();
  }
  if (Node* existing = find(key)) {
    *existing = std::move(value);
    return *existing;
  }
  m_entries.push_back(MapEntry{Node::string(std::string(key)), std::move(value)});
  return m_entries.back().value;
}

Node& Node::operator[](std::string_view key) {
  if (Node* existing = find(key)) {
    return *existing;
  }
  return set(key, Node::null());
}

bool Node::erase(std::string_view key) {
  for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
    if (it->key.m_value == key) {
      m_entries.erase(it);
      return true;
    }
  }
  return false;
}

bool Node::equals(const Node& other) const {
  if (m_kind != other.m_kind) {
    return false;
  }
  switch (m_kind) {
    case Kind::scalar:
      return m_value == other.m_value && scalar_type() == other.scalar_type();
    case Kind::sequence:
      if (m_items.size() != other.m_items.size()) {
        return false;
      }
      for (size_t i = 0; i < m_items.size(); ++i) {
        if (!m_items[i].equals(other.m_items[i])) {
          return false;
        }
      }
      return true;
    case Kind::mapping:
      if (m_entries.size() != other.m_entries.size()) {
        return false;
      }
      for (size_t i = 0; i < m_entries.size(); ++i) {
        if (m_entries[i].key.m_value != other.m_entries[i].key.m_value ||
            !m_entries[i].value.equals(other.m_entries[i].value)) {
          return false;
        }
      }
      return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Plain scalar resolution, after go-yaml v3 resolve.go (resolve(), parseTimestamp(), the
// resolveTable hints and yamlStyleFloat). The first character picks a hint; only then do the
// number, float and timestamp parsers run, exactly as Go's strconv would accept the text.

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!pred(c)) {
      return false;
    }
  }
  return true;
}

bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_oct(char c) {
  return c >= '0' && c <= '7';
}
bool is_bin(char c) {
  return c == '0' || c == '1';
}

bool yaml_style_float(std::string_view s);

// True when `digits` (valid in `base`) is at most `max`.
bool fits(std::string_view digits, unsigned base, uint64_t max) {
  uint64_t v = 0;
  for (char c : digits) {
    unsigned d = is_digit(c) ? static_cast<unsigned>(c - '0')
                             : static_cast<unsigned>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
    if (v > (max - d) / base) {
      return false;
    }
    v = v * base + d;
  }
  return true;
}

// Whether strconv.ParseInt(s, 0, 64) or, unsigned, ParseUint(s, 0, 64) accepts `s`, range
// included: "-9223372036854775809" and "0x1FFFFFFFFFFFFFFFF" are not integers (the first one
// then resolves as a float, the second as a string).
bool go_int_syntax(std::string_view s, bool allow_sign) {
  char sign = 0;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    if (!allow_sign) {
      return false;
    }
    sign = s[0];
    s.remove_prefix(1);
  }
  if (s.empty()) {
    return false;
  }
  // ParseInt: [-+] up to 2^63 (magnitude) / 2^63-1; ParseUint: no sign, up to 2^64-1.
  uint64_t max = sign == '-' ? uint64_t{1} << 63 : sign == '+' ? (uint64_t{1} << 63) - 1 : ~uint64_t{0};
  if (s.size() >= 2 && s[0] == '0') {
    char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s[1])));
    if (p == 'x') {
      return all_of(s.substr(2), is_hex) && fits(s.substr(2), 16, max);
    }
    if (p == 'o') {
      return all_of(s.substr(2), is_oct) && fits(s.substr(2), 8, max);
    }
    if (p == 'b') {
      return all_of(s.substr(2), is_bin) && fits(s.substr(2), 2, max);
    }
    return all_of(s.substr(1), is_oct) && fits(s.substr(1), 8, max);  // leading 0: octal
  }
  return all_of(s, is_digit) && fits(s, 10, max);
}

// yamlStyleFloat followed by strconv.ParseFloat, which refuses values that overflow a float64.
bool go_float(const std::string& s) {
  if (!yaml_style_float(s)) {
    return false;
  }
  return !std::isinf(std::strtod(s.c_str(), nullptr));
}

// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool yaml_style_float(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    while (i < s.size() && is_digit(s[i])) {
      ++i;
    }
    if (i == start) {
      return false;
    }
  } else {
    size_t start = i;
    while (i < s.size() && is_digit(s[i])) {
      ++i;
    }
    if (i == start) {
      return false;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && is_digit(s[i])) {
        ++i;
      }
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      ++i;
    }
    size_t start = i;
    while (i < s.size() && is_digit(s[i])) {
      ++i;
    }
    if (i == start) {
      return false;
    }
  }
  return i == s.size();
}

// Reads 1-2 digits (Go's getnum with fixed=false) into `out`.
bool read_num12(std::string_view& s, int& out) {
  if (s.empty() || !is_digit(s[0])) {
    return false;
  }
  out = s[0] - '0';
  size_t n = 1;
  if (s.size() > 1 && is_digit(s[1])) {
    out = out * 10 + (s[1] - '0');
    n = 2;
  }
  s.remove_prefix(n);
  return true;
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

// go-yaml v3 parseTimestamp(): "2006-1-2", "2006-1-2 15:4:5.999999999",
// "2006-1-2T15:4:5.999999999Z07:00" (also lower-case t), parsed with Go's time.Parse rules.
bool go_timestamp(std::string_view s) {
  if (s.size() < 5 || !all_of(s.substr(0, 4), is_digit) || s[4] != '-') {
    return false;
  }
  int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  s.remove_prefix(5);
  int month = 0;
  int day = 0;
  if (!read_num12(s, month) || month < 1 || month > 12 || s.empty() || s[0] != '-') {
    return false;
  }
  s.remove_prefix(1);
  if (!read_num12(s, day) || day < 1) {
    return false;
  }
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max_day = days[month - 1] + (month == 2 && leap(year) ? 1 : 0);
  if (day > max_day) {
    return false;
  }
  if (s.empty()) {
    return true;
  }
  char sep = s[0];
  if (sep != 'T' && sep != 't' && sep != ' ') {
    return false;
  }
  s.remove_prefix(1);
  int h = 0;
  int m = 0;
  int sec = 0;
  if (!read_num12(s, h) || h > 23 || s.empty() || s[0] != ':') {
    return false;
  }
  s.remove_prefix(1);
  if (!read_num12(s, m) || m > 59 || s.empty() || s[0] != ':') {
    return false;
  }
  s.remove_prefix(1);
  if (!read_num12(s, sec) || sec > 59) {
    return false;
  }
  if (!s.empty() && (s[0] == '.' || s[0] == ',')) {
    s.remove_prefix(1);
    size_t n = 0;
    while (n < s.size() && is_digit(s[n])) {
      ++n;
    }
    if (n == 0) {
      return false;
    }
    s.remove_prefix(n);
  }
  if (sep == ' ') {
    return s.empty();
  }
  if (s == "Z") {
    return true;
  }
  // ±hh:mm
  if (s.size() == 6 && (s[0] == '+' || s[0] == '-') && is_digit(s[1]) && is_digit(s[2]) && s[3] == ':' &&
      is_digit(s[4]) && is_digit(s[5])) {
    return true;
  }
  return false;
}

}  // namespace

ScalarType resolve_plain(std::string_view in) {
  if (in.empty()) {
    return ScalarType::null;
  }
  // Exact-match table (resolveMap).
  static constexpr std::string_view k_true[] = {"true", "True", "TRUE", "false", "False", "FALSE"};
  static constexpr std::string_view k_null[] = {"~", "null", "Null", "NULL"};
  static constexpr std::string_view k_float[] = {".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
                                                 "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"};
  char c = in[0];
  bool hinted = is_digit(c) || c == '+' || c == '-' || c == '.' ||
                std::string_view("yYnNtTfFoO~").find(c) != std::string_view::npos;
  if (!hinted) {
    return ScalarType::string;
  }
  for (auto t : k_true) {
    if (in == t) {
      return ScalarType::boolean;
    }
  }
  for (auto t : k_null) {
    if (in == t) {
      return ScalarType::null;
    }
  }
  for (auto t : k_float) {
    if (in == t) {
      return ScalarType::floating;
    }
  }
  if (c == '.') {
    // strconv.ParseFloat on a leading-dot text: ".5", ".5e3".
    return go_float(std::string(in)) ? ScalarType::floating : ScalarType::string;
  }
  if (is_digit(c) || c == '+' || c == '-') {
    if (is_digit(c) && go_timestamp(in)) {
      return ScalarType::timestamp;
    }
    std::string plain;
    plain.reserve(in.size());
    for (char ch : in) {
      if (ch != '_') {
        plain.push_back(ch);
      }
    }
    if (go_int_syntax(plain, true)) {
      return ScalarType::integer;
    }
    if (go_float(plain)) {
      return ScalarType::floating;
    }
    // "0b…", "-0b…", "0o…", "-0o…" are covered by go_int_syntax's prefixes.
  }
  return ScalarType::string;
}

std::string path_join(std::string_view base, std::string_view key) {
  if (base.empty()) {
    return std::string(key);
  }
  std::string out;
  out.reserve(base.size() + 1 + key.size());
  out.append(base).append(1, '.').append(key);
  return out;
}

std::string path_index(std::string_view base, size_t index) {
  std::string out(base);
  out.append(1, '[').append(std::to_string(index)).append(1, ']');
  return out;
}

}  // namespace talgpu::yaml
