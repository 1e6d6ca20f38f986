#pragma once
// The check's rule families, as a table (the model: ninja's tool table, clang-tidy's one class
// per check). Each family is one function over the shared, read-only CheckContext, in its own
// file under src/check/rules/; the engine builds the context once and runs the families in table
// order. Adding a rule: write the family (or add to one), add its ids with severity, summary, why
// and fix to rules.cpp (the user-facing catalogue `talgpu explain` prints), add a row here.
//
// Order matters only for findings at the same source position: Diagnostics::sort is stable, so
// two findings on the same line keep the order of the families that raised them.

#include <string_view>
#include <vector>

#include <check/context.hpp>

namespace talgpu::check {

using RuleFamilyFn = void (*)(const CheckContext&, Diagnostics&);

struct RuleFamily {
  std::string_view name;     // e.g. "pod-security"
  std::string_view summary;  // one line: what the family proves
  std::vector<std::string_view> rule_ids;  // the ids it may raise (all in rules.cpp)
  RuleFamilyFn run;
};

const std::vector<RuleFamily>& rule_families();

// The families (one file each under rules/).
void rules_scheduling(const CheckContext& ctx, Diagnostics& diags);
void rules_pod_security(const CheckContext& ctx, Diagnostics& diags);
void rules_cuda(const CheckContext& ctx, Diagnostics& diags);
void rules_gpu_visibility(const CheckContext& ctx, Diagnostics& diags);
void rules_gpu_capacity(const CheckContext& ctx, Diagnostics& diags);
void rules_device_plugin(const CheckContext& ctx, Diagnostics& diags);
void rules_noderestriction(const CheckContext& ctx, Diagnostics& diags);
void rules_nvidia_node(const CheckContext& ctx, Diagnostics& diags);

}  // namespace talgpu::check
