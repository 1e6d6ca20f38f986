#pragma once
// Limits checked on the raw text before a parser sees it, so hostile input is refused in one
// linear pass with no allocation: flow-collection nesting (`[[[[...` or `{{{{...`) deeper than
// ParseOptions::max_depth, and more than k_max_documents documents in one stream. The parsers
// enforce their own limits too (depth, alias expansion); this pass makes the refusal cheap: 8 MB of
// brackets used to be parsed for 20 s and 1.5 GB before the depth check fired.

#include <core/error.hpp>
#include <yaml/document.hpp>

#include <string>
#include <string_view>

namespace talgpu::yaml {

inline constexpr size_t k_max_documents = 100'000;

// A located `yaml-limit` error for the first limit `text` exceeds. The scan is conservative: it
// counts only brackets that open a flow collection (at the start of a value), skips quoted
// scalars and comments, so valid YAML within the limits always passes.
Result<void> check_limits_before_parse(std::string_view text, const std::string& name, const ParseOptions& opts);

}  // namespace talgpu::yaml
