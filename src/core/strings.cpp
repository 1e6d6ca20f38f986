#include <core/strings.hpp>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace talgpu {

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) {
      break;
    }
    start = pos + 1;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment: Levenshtein plus adjacent transpositions ("plna" -> "plan" is 1).
  // Three rolling rows: O(|a|*|b|) time, O(|b|) memory.
  std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    prev[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  // A word much longer than any name is no typo of one: bounded before the quadratic step, so a
  // multi-megabyte unknown key costs a length comparison, not an edit-distance table.
  constexpr size_t k_max_word = 256;
  if (word.size() > k_max_word) {
    return std::nullopt;
  }
  std::string lower = to_lower(word);
  size_t limit = std::max<size_t>(1, word.size() / 3);
  size_t best = std::string::npos;
  const std::string* best_name = nullptr;
  for (const auto& c : candidates) {
    if (c.size() == word.size() && to_lower(c) == lower) {
      return c;
    }
    size_t gap = c.size() > word.size() ? c.size() - word.size() : word.size() - c.size();
    if (gap > limit || c.size() > k_max_word) {
      continue;  // the distance is at least the length difference
    }
    size_t d = edit_distance(word, c);
    if (d < best) {
      best = d;
      best_name = &c;
    }
  }
  if (best_name != nullptr && best <= limit) {
    return *best_name;
  }
  return std::nullopt;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  if (auto m = closest_match(word, candidates)) {
    return fmt::format(" (did you mean '{}'?)", *m);
  }
  return {};
}

std::string quoted(std::string_view s) {
  return fmt::format("'{}'", s);
}

}  // namespace talgpu
