#pragma once
// What a project decides about findings, for CI: per-rule severity overrides and disables from a
// project file (`.talgpu.yaml`, found like kube-linter's `.kube-linter.yaml`: the nearest one in
// the input's folder or a folder above it, up to the repository root), suppression annotations on
// manifests (`talgpu.dev/ignore: rule-id,...`, like kube-linter's `ignore-check.kube-linter.io/*`
// and kube-score's `kube-score/ignore`), and the `--fail-on` threshold.
//
//   # .talgpu.yaml
//   rules:
//     cuda-image-unknown: off     # never report it
//     cuda-forward-compat: error  # report it as an error (also: warning, note)
//   failOn: warning               # default for --fail-on (error when absent)

#include <map>
#include <optional>
#include <string>

#include <core/diagnostic.hpp>
#include <core/error.hpp>
#include <kube/manifest_loader.hpp>

namespace talgpu::check {

enum class FailOn { error, warning };

struct Policy {
  std::string file;                                     // where it was read ("" = none)
  std::map<std::string, std::optional<Severity>> rules;  // nullopt: off
  std::optional<FailOn> fail_on;
};

// The nearest `.talgpu.yaml` (or `.talgpu.yml`) in `start`'s folder (`start` may be a file) or
// above it, stopping at the folder that holds `.git`; nullopt when there is none.
std::optional<std::string> find_project_file(const std::string& start);
// Reads a project file. Problems inside it are located diagnostics (rule `project-file`); an
// unreadable file is an error.
Result<Policy> load_policy(const std::string& path, Diagnostics& diags);

// "error" / "warning"; nullopt otherwise.
std::optional<FailOn> parse_fail_on(std::string_view s);
// The severity each rule ends up with (for SARIF's defaultConfiguration): the override, else `dflt`.
std::optional<Severity> effective_severity(const Policy& p, const std::string& rule, Severity dflt);

// Applies the project's overrides and the manifests' ignore annotations; returns how many findings
// were suppressed. The order of the rest is kept.
size_t apply_policy(Diagnostics& findings, const Policy& p, const kube::Manifests* manifests);
// True when the findings fail the run at that threshold.
bool fails(const Diagnostics& findings, FailOn threshold);

}  // namespace talgpu::check
