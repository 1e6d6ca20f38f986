#pragma once
// Renderers for a CheckReport. All are byte-stable: findings are sorted by file, line and column
// (then insertion order), placements follow the manifests, node lists are sorted.
//  - text: compiler-style findings with the source line and a caret (core render_text), a summary
//    line, then the placement table;
//  - json: the findings document shared by `check` and `plan` (docs/schemas/findings.schema.json):
//      {"schemaVersion":1, "tool":{name,version}, "command", "success", "summary":{errors,warnings,
//       notes}, <command-specific keys>, "findings":[{rule,severity,message,file,line,column,hint}],
//       "placements":[{workload,fits:[...],rejected:{node:reason}}]}
//    `success` is false when the run could not complete (exit 2); the document is still whole.
//  - sarif: SARIF 2.1.0 for code scanning (tool.driver.rules from the rule catalogue, URIs relative
//    to %SRCROOT%, hints in the result text, invocations[].executionSuccessful).

#include <string>

#include <nlohmann/json_fwd.hpp>

#include <check/check.hpp>
#include <check/policy.hpp>
#include <core/diagnostic.hpp>

namespace talgpu::check {

// Version of the JSON findings document; bumped only on incompatible changes.
constexpr int k_findings_schema_version = 1;

struct RunOutcome {
  std::string command = "check";
  bool success = true;   // false: stopped early (unreadable input, exit 2)
  std::string failure;   // why, when !success
  const Policy* policy = nullptr;  // severity overrides (SARIF defaultConfiguration)
  std::string base_dir;  // %SRCROOT% for SARIF URIs (default: the working directory)
};

std::string render_report_text(const CheckReport& report, const RenderOptions& opts = {});
std::string render_placements_text(const CheckReport& report);
// The JSON findings document. `body` holds command-specific keys placed between "summary" and
// "findings"; `report` (may be null) gives the placements.
std::string render_findings_json(const Diagnostics& findings, const CheckReport* report, const RunOutcome& outcome,
                                 const nlohmann::ordered_json* body = nullptr);
std::string render_report_json(const CheckReport& report);
std::string render_sarif(const Diagnostics& findings, const RunOutcome& outcome);
std::string render_report_sarif(const CheckReport& report);
// A SARIF URI reference for a path: relative to `base` when under it (else a file:// URI),
// '/'-separated, RFC 3986 percent-encoded. Sets `relative` when it is relative to `base`.
std::string sarif_uri(const std::string& path, const std::string& base, bool& relative);

}  // namespace talgpu::check
