#include <kube/labels.hpp>

#include <cctype>
#include <charconv>

namespace talgpu::kube {

namespace {

bool alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

bool lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_name_part(std::string_view s) {
  if (s.empty() || s.size() > 63 || !alnum(s.front()) || !alnum(s.back())) {
    return false;
  }
  for (char c : s) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

bool is_dns1123_label(std::string_view s) {
  if (s.empty() || s.size() > 63 || !lower_alnum(s.front()) || !lower_alnum(s.back())) {
    return false;
  }
  for (char c : s) {
    if (!lower_alnum(c) && c != '-') {
      return false;
    }
  }
  return true;
}

bool is_dns1123_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) {
    return false;
  }
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!is_dns1123_label(part)) {
      return false;
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    start = dot + 1;
  }
}

bool is_qualified_name(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) {
    return is_name_part(s);
  }
  std::string_view prefix = s.substr(0, slash);
  std::string_view name = s.substr(slash + 1);
  return is_dns1123_subdomain(prefix) && is_name_part(name);
}

bool is_label_value(std::string_view s) {
  return s.empty() || is_name_part(s);
}

std::optional<int64_t> go_parse_int(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) {
    return std::nullopt;
  }
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  constexpr uint64_t k_max = static_cast<uint64_t>(INT64_MAX);
  if (neg) {
    if (v > k_max + 1) {
      return std::nullopt;
    }
    return v == k_max + 1 ? INT64_MIN : -static_cast<int64_t>(v);
  }
  if (v > k_max) {
    return std::nullopt;
  }
  return static_cast<int64_t>(v);
}

}  // namespace talgpu::kube
