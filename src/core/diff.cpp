#include <core/diff.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

#include <fmt/format.h>

namespace talgpu {

namespace {

std::vector<std::string> split_lines(const std::string& t) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < t.size()) {
    size_t nl = t.find('\n', start);
    out.push_back(t.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    start = nl == std::string::npos ? t.size() : nl + 1;
  }
  return out;
}

struct Line {
  char op;  // ' ', '-', '+'
  size_t ai;
  size_t bi;
};

// The edit script: common lines kept, and in each changed run the deletions before the insertions.
std::vector<Line> edit_script(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const size_t n = a.size();
  const size_t m = b.size();
  std::vector<Line> script;
  constexpr size_t k_max_cells = size_t{4} << 20;
  if ((n + 1) * (m + 1) > k_max_cells) {
    for (size_t i = 0; i < n; ++i) {
      script.push_back({'-', i, 0});
    }
    for (size_t j = 0; j < m; ++j) {
      script.push_back({'+', n, j});
    }
    return script;
  }
  std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    }
  }
  size_t i = 0;
  size_t j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      script.push_back({' ', i++, j++});
    } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
      script.push_back({'-', i++, j});
    } else {
      script.push_back({'+', i, j++});
    }
  }
  return script;
}

}  // namespace

std::string unified_diff(const std::string& old_text, const std::string& new_text, const std::string& old_name,
                         const std::string& new_name) {
  if (old_text == new_text) {
    return {};
  }
  const auto a = split_lines(old_text);
  const auto b = split_lines(new_text);
  const auto script = edit_script(a, b);
  std::string out = "--- " + old_name + "\n+++ " + new_name + "\n";
  const size_t ctx = 3;
  size_t k = 0;
  while (k < script.size()) {
    if (script[k].op == ' ') {
      ++k;
      continue;
    }
    size_t start = k >= ctx ? k - ctx : 0;
    size_t end = k;
    size_t last_change = k;
    while (end < script.size()) {
      if (script[end].op != ' ') {
        last_change = end;
      } else if (end - last_change > 2 * ctx) {
        break;
      }
      ++end;
    }
    end = std::min(script.size(), last_change + ctx + 1);
    size_t a_start = script[start].ai;
    size_t b_start = script[start].bi;
    size_t a_len = 0;
    size_t b_len = 0;
    std::string body;
    for (size_t x = start; x < end; ++x) {
      const auto& l = script[x];
      a_len += l.op != '+' ? 1 : 0;
      b_len += l.op != '-' ? 1 : 0;
      body += l.op;
      body += l.op == '+' ? b[l.bi] : a[l.ai];
      body += '\n';
    }
    out += fmt::format("@@ -{},{} +{},{} @@\n", a_len ? a_start + 1 : a_start, a_len, b_len ? b_start + 1 : b_start,
                       b_len);
    out += body;
    k = end;
  }
  return out;
}

}  // namespace talgpu
