#include <yaml/limits.hpp>

#include <fmt/format.h>

#include <array>
#include <string_view>

namespace talgpu::yaml {

namespace {

struct Position {
  int line = 1;
  int column = 1;
};

// Bytes that neither end a line, nor start or end a comment, quote or flow collection, nor make
// the next character a value start.
constexpr std::array<bool, 256> plain_bytes() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[static_cast<size_t>(c)] = true;
  }
  for (unsigned char c : std::string_view("\n\r\t #\"'[]{},:-?")) {
    t[c] = false;
  }
  return t;
}
constexpr std::array<bool, 256> k_plain = plain_bytes();

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
      while (i + 1 < text.size() && text[i + 1] == ' ') {  // a run of spaces: indentation, mostly
        ++i;
        ++pos.column;
      }
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
    if (!value_start) {
      // The rest of a word: bytes that change nothing above. Skipping them in one loop makes the
      // scan a few instructions a byte (it runs on every file before either parser).
      size_t j = i + 1;
      while (j < text.size() && k_plain[static_cast<unsigned char>(text[j])]) {
        ++j;
      }
      pos.column += static_cast<int>(j - i - 1);
      i = j - 1;
    }
  }
  return {};
}

}  // namespace talgpu::yaml
