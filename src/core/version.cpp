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

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

// semver 2.0.0 section 11: dot-separated identifiers, numeric ones compared as numbers and before
// alphanumeric ones; with equal prefixes the longer list is greater ("alpha.2" < "alpha.10").
std::strong_ordering compare_prerelease(std::string_view a, std::string_view b) {
  for (;;) {
    size_t da = a.find('.');
    size_t db = b.find('.');
    std::string_view ia = a.substr(0, da);
    std::string_view ib = b.substr(0, db);
    bool na = all_digits(ia);
    bool nb = all_digits(ib);
    if (na && nb) {
      // semver forbids leading zeros, so the longer digit string is the larger number.
      if (auto c = ia.size() <=> ib.size(); c != 0) {
        return c;
      }
    } else if (na != nb) {
      return na ? std::strong_ordering::less : std::strong_ordering::greater;
    }
    if (auto c = ia.compare(ib) <=> 0; c != 0) {
      return c;
    }
    if (da == std::string_view::npos || db == std::string_view::npos) {
      if (da == db) {
        return std::strong_ordering::equal;
      }
      return da == std::string_view::npos ? std::strong_ordering::less : std::strong_ordering::greater;
    }
    a.remove_prefix(da + 1);
    b.remove_prefix(db + 1);
  }
}

}  // namespace

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
  return compare_prerelease(prerelease, o.prerelease);
}

}  // namespace talgpu
