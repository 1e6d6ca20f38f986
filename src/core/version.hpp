#pragma once
// Semantic versions as Talos, Kubernetes and NVIDIA write them: "v1.11.1", "1.28", "535.247.01".

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace talgpu {

struct Version {
  int major = 0;
  int minor = 0;
  int patch = 0;
  std::string prerelease;  // "alpha.1" for v1.12.0-alpha.1; empty for releases

  // Accepts an optional leading 'v', 1 to 3 numeric parts and an optional "-prerelease".
  static std::optional<Version> parse(std::string_view text);
  std::string str() const;        // "1.11.1" (with "-pre" when set)
  std::string minor_str() const;  // "1.11"

  // Pre-releases sort before their release, as in semver.
  std::strong_ordering operator<=>(const Version& o) const;
  bool operator==(const Version& o) const = default;
};

}  // namespace talgpu
