#pragma once
// Unified diffs (GNU diff -u layout: "--- old", "+++ new", "@@ -a,n +b,m @@" hunks with 3 lines of
// context; inside a change the removed lines come before the added ones, as diff prints them).

#include <string>

namespace talgpu {

// "" when the texts are equal. Texts whose line counts multiply past a bound (a few million
// cells of the LCS table) are shown as one hunk replacing the whole file, so memory stays bounded.
std::string unified_diff(const std::string& old_text, const std::string& new_text, const std::string& old_name,
                         const std::string& new_name);

}  // namespace talgpu
