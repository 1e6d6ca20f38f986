#pragma once
// Pod Security Standards, evaluated exactly as kubernetes/pod-security-admission does
// (policy/check_*.go): every check at every version, the same check ids, forbidden reasons and
// details, and the same ordering (baseline check ids sorted, then restricted ones; a restricted
// check that overrides a baseline one replaces it).
//
// Levels: privileged (nothing checked), baseline, restricted. Versions: v1.0 up to the newest one
// the checks know (k_psa_latest_minor); "latest" and any newer version evaluate the newest.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <kube/objects.hpp>

namespace talgpu::kube {

enum class PsaLevel { privileged, baseline, restricted };

// The newest minor version with a check change known to us.
inline constexpr int k_psa_latest_minor = 37;

struct PsaVersion {
  int minor = k_psa_latest_minor;
  bool latest = true;

  static PsaVersion make_latest() { return {}; }
  static PsaVersion v1(int minor) { return PsaVersion{minor, false}; }
  int effective_minor() const { return latest ? k_psa_latest_minor : std::min(minor, k_psa_latest_minor); }
  std::string str() const;  // "latest" or "v1.28"
};

struct PsaPolicy {
  PsaLevel level = PsaLevel::privileged;
  PsaVersion version;
  std::string str() const;  // "restricted:latest"
};

const char* psa_level_name(PsaLevel l);
std::optional<PsaLevel> parse_psa_level(std::string_view s);
// "latest" or "v1.<minor>" (regex ^v1\.([0-9]|[1-9][0-9]*)$, as api/helpers.go ParseVersion).
std::optional<PsaVersion> parse_psa_version(std::string_view s);

struct PsaViolation {
  std::string check;   // check id, e.g. "hostPathVolumes"
  std::string reason;  // ForbiddenReason, e.g. "hostPath volumes"
  std::string detail;  // ForbiddenDetail, e.g. "volume \"device-plugin\""
};

struct PsaResult {
  bool allowed = true;
  std::vector<PsaViolation> violations;
  // `violates PodSecurity "baseline:latest": hostPath volumes (volume "x"), ...` (empty when allowed).
  std::string message(const PsaPolicy& policy) const;
};

// Evaluates a pod (spec + template metadata annotations) against a level and version.
PsaResult evaluate_pod_security(const PodTemplate& pod, const PsaPolicy& policy);

// The ids of the checks that apply at a level and version, in evaluation order.
std::vector<std::string> psa_check_ids(const PsaPolicy& policy);

// Namespace labels pod-security.kubernetes.io/{enforce,audit,warn}[-version], as
// api/helpers.go PolicyToEvaluate reads them: invalid enforce level = restricted, invalid audit/warn
// level = privileged, invalid version = latest; warn follows enforce when unset and enforce is
// stricter than the default warn level.
struct NamespacePolicy {
  PsaPolicy enforce;
  PsaPolicy audit;
  PsaPolicy warn;
  std::vector<std::string> errors;  // label parse errors
  SourceLocation enforce_location;  // of the enforce label, when set
};

struct PsaDefaults {
  PsaPolicy enforce;  // privileged:latest unless the cluster configures otherwise
  PsaPolicy audit;
  PsaPolicy warn;
};

NamespacePolicy namespace_policy(const Namespace* ns, const PsaDefaults& defaults = {});
// Evaluates a pod against its namespace's enforce policy.
PsaResult evaluate_in_namespace(const PodTemplate& pod, const Namespace* ns, const PsaDefaults& defaults = {});

}  // namespace talgpu::kube
