#pragma once
// The catalogue of `talgpu check` rules: stable ids, default severity, a one-line summary and the
// explanation `talgpu explain RULE` prints (why it matters, how to fix it, a snippet).
//
// Rule functions live in engine.cpp; this file is the user-facing contract. Ids never change
// meaning once released: users grep them, suppress them and look them up.

#include <string>
#include <string_view>
#include <vector>

#include <core/diagnostic.hpp>

namespace talgpu::check {

struct RuleInfo {
  const char* id;
  Severity severity;  // the usual severity (some rules lower it in context, as the text says)
  const char* summary;
  const char* why;
  const char* fix;
  const char* snippet;  // YAML, may be empty
};

const std::vector<RuleInfo>& rule_catalog();
const RuleInfo* find_rule(std::string_view id);
std::vector<std::string> rule_ids();

// `talgpu explain` text: "<id> (<severity>): <summary>\n\nWhy: ...\n\nFix: ...\n\n<snippet>".
std::string explain_text(const RuleInfo& r);

}  // namespace talgpu::check
