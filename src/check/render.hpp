#pragma once
// Renderers for a CheckReport. All are byte-stable: findings are sorted by file, line and column
// (then insertion order), placements follow the manifests, node lists are sorted.
//  - text: compiler-style findings with the source line and a caret (core render_text), a summary
//    line, then the placement table;
//  - json: the findings document shared by `check` and `plan` (docs/schemas/findings.schema.json):
//      {"schemaVersion":1, "tool":{name,version}, "command", "success", "summary":{errors,warnings,
//       notes}, <command-specific keys>, "findings":[{rule,severity,message,file,line,column,hint}],
//       "placements":[{workload,fits:[first names],fitCount,fitShapes,rejectedByReason:[{reason,count,
//       nodes:[first names],shapes}],rejected:{node:reason} (small fleets only)}],
//       "nodeShapes":[[node names]...]}: O(workloads x shapes + nodes), not workloads x nodes.
//    `success` is false when the run could not complete (exit 2); the document is still whole.
//  - sarif: SARIF 2.1.0 for code scanning (tool.driver.rules from the rule catalogue, URIs relative
//    to %SRCROOT%, hints in the result text, invocations[].executionSuccessful).

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <check/check.hpp>
#include <check/policy.hpp>
#include <core/diagnostic.hpp>

namespace talgpu::check {

// Version of the JSON findings document; bumped only on incompatible changes.
constexpr int k_findings_schema_version = 2;

struct RunOutcome {
  std::string command = "check";
  bool success = true;   // false: stopped early (unreadable input, exit 2)
  std::string failure;   // why, when !success
  const Policy* policy = nullptr;  // severity overrides (SARIF defaultConfiguration)
  std::string base_dir;  // %SRCROOT% for SARIF URIs (default: the working directory)
};

// Which nodes the text placement table gives a line each. By default a fleet of at most
// k_placement_detail_nodes nodes lists every rejected node with its reason (a homelab reads it
// whole); a larger one gets kube-scheduler's histogram per workload ("0/N nodes are available: 3
// Insufficient nvidia.com/gpu, ...") and the first k_placement_sample_text fitting nodes, so the
// table is O(workloads + nodes). `all` (-v) or `nodes` (--node NAME) ask for the lines.
constexpr size_t k_placement_detail_nodes = 10;
constexpr size_t k_placement_sample_text = 5;
constexpr size_t k_placement_sample_json = 10;
struct PlacementDetail {
  bool all = false;
  std::vector<std::string> nodes;  // node names to give a line each (fitting or not)
};

std::string render_report_text(const CheckReport& report, const RenderOptions& opts = {},
                               const PlacementDetail& detail = {});
std::string render_placements_text(const CheckReport& report, const PlacementDetail& detail = {});
// Names in `detail.nodes` that are not among the report's nodes.
std::vector<std::string> unknown_detail_nodes(const CheckReport& report, const PlacementDetail& detail);
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
