// The limits pre-scan (yaml/limits.cpp) against the byte-by-byte loop it was before a word skip
// was added (issue 18): on random texts over the characters it reacts to, the same refusal at the
// same position, or none.

#include <yaml/limits.hpp>

#include <random>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace talgpu::yaml {
namespace {

struct Position {
  int line = 1;
  int column = 1;
};

// The pre-scan as it was before its word skip (commit 5a69e8d): one byte per iteration.
Result<void> byte_by_byte(std::string_view text, const std::string& name, const ParseOptions& opts) {
  size_t depth = 0;
  size_t documents = 0;
  bool value_start = true;  // the next non-space character may open a flow collection
  bool line_start = true;
  Position pos;
  auto located = [&](std::string msg) {
    // pos.column was advanced past the current character: report the character itself, the
    // column the parsers report for the same limit.
    return fail(std::move(msg), SourceLocation{name, pos.line, pos.column - 1}, "yaml-limit");
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++pos.line;
      pos.column = 1;
      line_start = true;
      value_start = true;
      continue;
    }
    ++pos.column;
    if (line_start && c == '-' && text.substr(i, 3) == "---" &&
        (i + 3 == text.size() || text[i + 3] == ' ' || text[i + 3] == '\n' || text[i + 3] == '\r')) {
      if (++documents > k_max_documents) {
        return located(fmt::format("more than {} YAML documents in one file", k_max_documents));
      }
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      continue;  // indentation keeps line_start
    }
    bool was_line_start = line_start;
    line_start = false;
    if (c == '#' && (was_line_start || (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')))) {
      while (i + 1 < text.size() && text[i + 1] != '\n') {
        ++i;
      }
      continue;
    }
    if (value_start && (c == '"' || c == '\'')) {
      // Skip the quoted scalar (it may span lines).
      for (++i; i < text.size(); ++i) {
        if (text[i] == '\n') {
          ++pos.line;
          pos.column = 1;
        }
        if (c == '"' && text[i] == '\\') {
          ++i;
          continue;
        }
        if (text[i] == c) {
          if (c == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
            ++i;
            continue;
          }
          break;
        }
      }
      value_start = false;
      continue;
    }
    if ((c == '[' || c == '{') && value_start) {
      if (++depth > opts.max_depth) {
        return located(fmt::format("nesting deeper than {} levels", opts.max_depth));
      }
      continue;  // value_start stays true: `[[` nests
    }
    if ((c == ']' || c == '}') && depth > 0) {
      --depth;
      value_start = false;
      continue;
    }
    value_start = c == ',' || c == ':' || c == '-' || c == '?';
  }
  return {};
}


TEST(YamlLimitsPreScan, WordSkipMatchesTheByteLoop) {
  static const std::string alphabet = "ab \n\t\r#\"'[]{},:-?\\.x";
  std::mt19937 rng(GTEST_FLAG_GET(random_seed) == 0 ? 23u : static_cast<unsigned>(GTEST_FLAG_GET(random_seed)));
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  ParseOptions opts;
  opts.max_depth = 3;
  size_t refused = 0;
  for (int t = 0; t < 20000; ++t) {
    std::string text;
    const size_t n = 1 + pick(60);
    for (size_t i = 0; i < n; ++i) {
      text += pick(3) == 0 ? std::string("---") : std::string(1, alphabet[pick(alphabet.size())]);
    }
    auto now = check_limits_before_parse(text, "t.yaml", opts);
    auto before = byte_by_byte(text, "t.yaml", opts);
    ASSERT_EQ(now.has_value(), before.has_value()) << text;
    if (!now) {
      ++refused;
      EXPECT_EQ(now.error().describe(), before.error().describe()) << text;
    }
  }
  EXPECT_GT(refused, 100u);
}

}  // namespace
}  // namespace talgpu::yaml
