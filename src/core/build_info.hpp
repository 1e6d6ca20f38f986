#pragma once
// The identity of this binary: version, git commit and build date. The definition is generated
// on every build by cmake/build_info.cmake (the date is $SOURCE_DATE_EPOCH or the commit's date,
// never the wall clock, so two builds of one commit are identical).

namespace talgpu {

struct BuildInfo {
  const char* version;      // "0.1.0" (CMake project version)
  const char* commit;       // full git commit hash, or "unknown" (no git checkout)
  bool dirty;               // tracked files differed from the commit when it was built
  const char* date;         // "2026-12-03T21:40:05Z", or "unknown"
  const char* date_source;  // "SOURCE_DATE_EPOCH", "git commit" or "unknown"
};

const BuildInfo& build_info();

}  // namespace talgpu
