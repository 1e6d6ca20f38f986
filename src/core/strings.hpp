#pragma once
// Small string helpers shared by every layer.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace talgpu {

std::vector<std::string> split(std::string_view s, char sep);
std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);

// Edit distance: insertions, deletions, substitutions and adjacent transpositions cost 1.
size_t edit_distance(std::string_view a, std::string_view b);
// The candidate nearest to `word` if it is close enough to be a plausible typo (ninja's rule:
// distance <= max(1, len/3)); case-insensitive matches always qualify.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);
// " (did you mean 'x'?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// Quote for messages: 'value'.
std::string quoted(std::string_view s);

}  // namespace talgpu
