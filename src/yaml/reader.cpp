#include <yaml/reader.hpp>

#include <charconv>
#include <cstdint>

#include <fmt/format.h>

#include <core/strings.hpp>

namespace talgpu::yaml {

std::string describe_kind(const Node& n) {
  switch (n.kind()) {
    case Kind::mapping:
      return "a mapping";
    case Kind::sequence:
      return "a list";
    case Kind::scalar:
      switch (n.scalar_type()) {
        case ScalarType::null:
          return "null";
        case ScalarType::boolean:
          return "a boolean";
        case ScalarType::integer:
        case ScalarType::floating:
          return "a number";
        case ScalarType::timestamp:
        case ScalarType::string:
          return "a string";
      }
  }
  return "a value";
}

std::optional<std::string> as_string(const Node& n, std::string_view path, Diagnostics& diags, std::string_view rule) {
  if (!n.is_scalar() || n.is_null()) {
    diags.error(std::string(rule), fmt::format("'{}' must be a string, not {}", path, describe_kind(n)), n.location());
    return std::nullopt;
  }
  // Numbers and booleans written plain are accepted as their text: Go's decoder would refuse some,
  // but users write `version: 1.11` and mean the string.
  return n.value();
}

std::optional<bool> as_bool(const Node& n, std::string_view path, Diagnostics& diags, std::string_view rule) {
  if (n.is_scalar() && n.scalar_type() == ScalarType::boolean) {
    const std::string& v = n.value();
    return v == "true" || v == "True" || v == "TRUE";
  }
  diags.error(std::string(rule), fmt::format("'{}' must be true or false, not {}", path, describe_kind(n)),
              n.location());
  return std::nullopt;
}

namespace {

// An int64 as go-yaml v3 decodes one: underscores dropped, then strconv.ParseInt(s, 0, 64), so
// "0x5DC", "0o17", "0b101", "0777" and "1_000" are integers too.
std::optional<int64_t> parse_go_int(std::string_view text) {
  std::string s;
  for (char c : text) {
    if (c != '_') {
      s.push_back(c);
    }
  }
  std::string_view v = s;
  bool neg = false;
  if (!v.empty() && (v[0] == '+' || v[0] == '-')) {
    neg = v[0] == '-';
    v.remove_prefix(1);
  }
  int base = 10;
  if (v.size() >= 2 && v[0] == '0') {
    char p = static_cast<char>(v[1] | 0x20);
    base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 8;
    v.remove_prefix(p == 'x' || p == 'o' || p == 'b' ? 2 : 1);
  }
  if (v.empty()) {
    return std::nullopt;
  }
  uint64_t mag = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), mag, base);
  if (ec != std::errc() || ptr != v.data() + v.size()) {
    return std::nullopt;
  }
  if (neg) {
    if (mag > (uint64_t{1} << 63)) {
      return std::nullopt;
    }
    return static_cast<int64_t>(0 - mag);
  }
  if (mag > static_cast<uint64_t>(INT64_MAX)) {
    return std::nullopt;
  }
  return static_cast<int64_t>(mag);
}

}  // namespace

std::optional<int64_t> as_int(const Node& n, std::string_view path, Diagnostics& diags, std::string_view rule) {
  if (n.is_scalar() && (n.scalar_type() == ScalarType::integer || n.style() != Style::plain)) {
    if (auto v = parse_go_int(n.value())) {
      return v;
    }
  }
  diags.error(std::string(rule), fmt::format("'{}' must be an integer, not {}", path, describe_kind(n)),
              n.location());
  return std::nullopt;
}

MapReader::MapReader(const Node& node, std::string path, Diagnostics& diags, std::string rule_prefix)
    : m_node(node), m_path(std::move(path)), m_diags(diags), m_prefix(std::move(rule_prefix)) {
  if (!node.is_mapping()) {
    m_ok = false;
    if (!node.is_null()) {
      m_diags.error(m_prefix + "-type",
                    fmt::format("'{}' must be a mapping, not {}", m_path.empty() ? "document" : m_path,
                                describe_kind(node)),
                    node.location());
    }
  }
}

void MapReader::type_error(const Node& n, std::string_view key, std::string_view expected) {
  m_diags.error(m_prefix + "-type",
                fmt::format("'{}' must be {}, not {}", child_path(key), expected, describe_kind(n)), n.location());
}

const Node* MapReader::get(std::string_view key, Need need) {
  m_known.emplace(key);
  if (!m_ok) {
    return nullptr;
  }
  const Node* v = m_node.find(key);
  if (v == nullptr || v->is_null()) {
    if (need == Need::required) {
      m_diags.error(m_prefix + "-missing-key", fmt::format("'{}' is required", child_path(key)),
                    v != nullptr ? v->location() : m_node.location());
    }
    return nullptr;
  }
  return v;
}

void MapReader::allow(std::initializer_list<std::string_view> keys) {
  for (auto k : keys) {
    m_known.emplace(k);
  }
}

std::optional<std::string> MapReader::string(std::string_view key, Need need) {
  const Node* v = get(key, need);
  if (v == nullptr) {
    return std::nullopt;
  }
  return as_string(*v, child_path(key), m_diags, m_prefix + "-type");
}

std::optional<bool> MapReader::boolean(std::string_view key, Need need) {
  const Node* v = get(key, need);
  if (v == nullptr) {
    return std::nullopt;
  }
  return as_bool(*v, child_path(key), m_diags, m_prefix + "-type");
}

std::optional<int64_t> MapReader::integer(std::string_view key, Need need) {
  const Node* v = get(key, need);
  if (v == nullptr) {
    return std::nullopt;
  }
  return as_int(*v, child_path(key), m_diags, m_prefix + "-type");
}

std::optional<std::vector<std::string>> MapReader::strings(std::string_view key, Need need) {
  const Node* v = sequence(key, need);
  if (v == nullptr) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < v->items().size(); ++i) {
    auto s = as_string(v->items()[i], path_index(child_path(key), i), m_diags, m_prefix + "-type");
    if (s) {
      out.push_back(*s);
    } else {
      ok = false;
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::map<std::string, std::string>> MapReader::string_map(std::string_view key, Need need) {
  const Node* v = mapping(key, need);
  if (v == nullptr) {
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  bool ok = true;
  for (const auto& e : v->entries()) {
    std::string p = path_join(child_path(key), e.key.value());
    if (e.value.is_null()) {
      out[e.key.value()] = "";
      continue;
    }
    auto s = as_string(e.value, p, m_diags, m_prefix + "-type");
    if (s) {
      out[e.key.value()] = *s;
    } else {
      ok = false;
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  return out;
}

const Node* MapReader::mapping(std::string_view key, Need need) {
  const Node* v = get(key, need);
  if (v != nullptr && !v->is_mapping()) {
    type_error(*v, key, "a mapping");
    return nullptr;
  }
  return v;
}

const Node* MapReader::sequence(std::string_view key, Need need) {
  const Node* v = get(key, need);
  if (v != nullptr && !v->is_sequence()) {
    type_error(*v, key, "a list");
    return nullptr;
  }
  return v;
}

void MapReader::finish(Severity unknown_severity) {
  if (!m_ok) {
    return;
  }
  std::vector<std::string> known(m_known.begin(), m_known.end());
  for (const auto& e : m_node.entries()) {
    if (m_known.count(e.key.value()) == 0) {
      m_diags.add({unknown_severity, m_prefix + "-unknown-key",
                   fmt::format("unknown key '{}'{}", child_path(e.key.value()), did_you_mean(e.key.value(), known)),
                   e.key.location(), {}});
    }
  }
}

}  // namespace talgpu::yaml
