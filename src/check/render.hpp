#pragma once
// Renderers for a CheckReport. All three are byte-stable: findings are sorted by file, line and
// column (then insertion order), placements follow the manifests, node lists are sorted.
//  - text: compiler-style findings with the source line and a caret (core render_text), a summary
//    line, then the placement table;
//  - json: {"findings":[{rule,severity,message,file,line,column}],
//           "placements":[{workload,fits:[...],rejected:{node:reason}}]};
//  - sarif: SARIF 2.1.0 for code scanning (tool.driver.rules from the rule catalogue).

#include <string>

#include <check/check.hpp>
#include <core/diagnostic.hpp>

namespace talgpu::check {

std::string render_report_text(const CheckReport& report, const RenderOptions& opts = {});
std::string render_placements_text(const CheckReport& report);
std::string render_report_json(const CheckReport& report);
std::string render_report_sarif(const CheckReport& report);

}  // namespace talgpu::check
