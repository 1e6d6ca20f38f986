#include <core/version.hpp>

#include <charconv>

#include <fmt/format.h>

namespace talgpu {

std::optional<Version> Version::parse(std::string_view text) {
  if (!text.empty() && (text.front() == 'v' || text.front() == 'V')) {
    text.remove_prefix(1);
  }
  Version v;
  if (auto dash = text.find('-'); dash != std::string_view::npos) {
    v.prerelease = std::string(text.substr(dash + 1));
    text = text.substr(0, dash);
    if (v.prerelease.empty()) {
      return std::nullopt;
    }
  }
  int* parts[3] = {&v.major, &v.minor, &v.patch};
  size_t n = 0;
  while (!text.empty()) {
    if (n == 3) {
      return std::nullopt;
    }
    size_t dot = text.find('.');
    std::string_view part = text.substr(0, dot);
    if (part.empty()) {
      return std::nullopt;
    }
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), *parts[n]);
    if (ec != std::errc() || ptr != part.data() + part.size() || *parts[n] < 0) {
      return std::nullopt;
    }
    ++n;
    if (dot == std::string_view::npos) {
      break;
    }
    text.remove_prefix(dot + 1);
    if (text.empty()) {
      return std::nullopt;
    }
  }
  if (n == 0) {
    return std::nullopt;
  }
  return v;
}

std::string Version::str() const {
  std::string s = fmt::format("{}.{}.{}", major, minor, patch);
  if (!prerelease.empty()) {
    s += "-" + prerelease;
  }
  return s;
}

std::string Version::minor_str() const {
  return fmt::format("{}.{}", major, minor);
}

std::strong_ordering Version::operator<=>(const Version& o) const {
  if (auto c = major <=> o.major; c != 0) {
    return c;
  }
  if (auto c = minor <=> o.minor; c != 0) {
    return c;
  }
  if (auto c = patch <=> o.patch; c != 0) {
    return c;
  }
  if (prerelease.empty() != o.prerelease.empty()) {
    return prerelease.empty() ? std::strong_ordering::greater : std::strong_ordering::less;
  }
  return prerelease <=> o.prerelease;
}

}  // namespace talgpu
