// String helpers, edit distance and "did you mean".

#include <gtest/gtest.h>

#include <core/strings.hpp>

using namespace talgpu;

TEST(CoreStrings, Split) {
  EXPECT_EQ(split("a,b,,c", ','), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(split("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(split("abc", ','), (std::vector<std::string>{"abc"}));
  EXPECT_EQ(split(",", ','), (std::vector<std::string>{"", ""}));
}

TEST(CoreStrings, TrimAndLower) {
  EXPECT_EQ(trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t "), "");
  EXPECT_EQ(to_lower("HostName-X1"), "hostname-x1");
  EXPECT_EQ(to_lower("\xc3\x89t\xc3\xa9"), "\xc3\x89t\xc3\xa9");  // bytes >= 0x80 untouched
}

TEST(CoreStrings, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("plan", "plan"), 0u);
  EXPECT_EQ(edit_distance("plna", "plan"), 1u);  // adjacent transposition
  EXPECT_EQ(edit_distance("hostnme", "hostname"), 1u);
  EXPECT_EQ(edit_distance("ca", "abc"), 3u);  // optimal string alignment, not full Damerau
  EXPECT_EQ(edit_distance("Plan", "plan"), 1u);  // case-sensitive
}

TEST(CoreStrings, ClosestMatch) {
  std::vector<std::string> cmds = {"plan", "validate", "schematic", "genurl", "gensecret", "gen", "check"};
  EXPECT_EQ(closest_match("paln", cmds), "plan");
  EXPECT_EQ(closest_match("validte", cmds), "validate");
  EXPECT_EQ(closest_match("PLAN", cmds), "plan");  // case-insensitive equality always qualifies
  EXPECT_EQ(closest_match("schematics", cmds), "schematic");
  EXPECT_EQ(closest_match("xyz", cmds), std::nullopt);
  EXPECT_EQ(closest_match("", cmds), std::nullopt);
  EXPECT_EQ(closest_match("plan", {}), std::nullopt);
  // Limit is max(1, len/3): "ab" may differ by 1, "abcdef" by 2.
  EXPECT_EQ(closest_match("ab", {"ax"}), "ax");
  EXPECT_EQ(closest_match("ab", {"xy"}), std::nullopt);
  EXPECT_EQ(closest_match("abcdef", {"abxyef"}), "abxyef");
  EXPECT_EQ(closest_match("abcdef", {"axyzef"}), std::nullopt);
  // Ties go to the first candidate, so the answer is stable.
  EXPECT_EQ(closest_match("gena", {"gens", "genb"}), "gens");
}

TEST(CoreStrings, DidYouMean) {
  EXPECT_EQ(did_you_mean("hostnme", {"hostname", "ipAddress"}), " (did you mean 'hostname'?)");
  EXPECT_EQ(did_you_mean("zzzzzz", {"hostname", "ipAddress"}), "");
  EXPECT_EQ(quoted("x y"), "'x y'");
}
