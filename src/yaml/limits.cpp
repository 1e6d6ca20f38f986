#include <yaml/limits.hpp>

#include <fmt/format.h>

namespace talgpu::yaml {

namespace {

struct Position {
  int line = 1;
  int column = 1;
};

}  // namespace

Result<void> check_limits_before_parse(std::string_view text, const std::string& name, const ParseOptions& opts) {
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

}  // namespace talgpu::yaml
