// The linear-time matcher used on untrusted patterns (SOPS metadata): Go regexp.MatchString
// semantics on the supported subset, clear refusals outside it, and no blow-up on the classic
// catastrophic patterns.

#include <gtest/gtest.h>

#include <string>

#include <core/linear_regex.hpp>

using talgpu::LinearRegex;

namespace {

bool matches(const std::string& pattern, const std::string& text) {
  auto re = LinearRegex::compile(pattern);
  EXPECT_TRUE(re.has_value()) << pattern << ": " << (re ? "" : re.error().message);
  return re && re->search(text);
}

std::string refusal(const std::string& pattern) {
  auto re = LinearRegex::compile(pattern);
  return re ? std::string("(accepted)") : re.error().message;
}

}  // namespace

TEST(LinearRegex, PatternsSopsUsersWrite) {
  EXPECT_TRUE(matches("^(data|stringData)$", "data"));
  EXPECT_TRUE(matches("^(data|stringData)$", "stringData"));
  EXPECT_FALSE(matches("^(data|stringData)$", "metadata"));
  EXPECT_FALSE(matches("^(data|stringData)$", "data2"));
  EXPECT_TRUE(matches("^(token|secret|key)", "secretbox"));
  EXPECT_TRUE(matches("(?i)password", "adminPassWORD"));
  EXPECT_FALSE(matches("password", "adminPassWORD"));
  EXPECT_TRUE(matches("^.*key.*$", "privatekeyfile"));
  EXPECT_TRUE(matches("_secret$", "api_secret"));
  EXPECT_FALSE(matches("_secret$", "api_secret_x"));
  EXPECT_TRUE(matches("^(?:ca|crt|key)$", "crt"));
  EXPECT_TRUE(matches("^[a-z_]+$", "bootstrap_token"));
  EXPECT_FALSE(matches("^[a-z_]+$", "Bootstrap"));
  EXPECT_TRUE(matches("^[^.]+$", "abc"));
  EXPECT_FALSE(matches("^[^.]+$", "a.c"));
  EXPECT_TRUE(matches(R"(^\d{3}-\w+\.yaml$)", "123-node_1.yaml"));
  EXPECT_FALSE(matches(R"(^\d{3}-\w+\.yaml$)", "12-node.yaml"));
  EXPECT_TRUE(matches("^a{2,3}$", "aaa"));
  EXPECT_FALSE(matches("^a{2,3}$", "aaaa"));
  EXPECT_TRUE(matches("^a{2,}$", "aaaaaa"));
  EXPECT_TRUE(matches("x{", "x{"));  // not a repeat: RE2 reads the brace literally
  EXPECT_TRUE(matches("^[[:alpha:]]+[[:digit:]]$", "node1"));
  EXPECT_TRUE(matches("", "anything"));
  EXPECT_TRUE(matches("^$", ""));
  EXPECT_TRUE(matches("a*?b", "aab"));
  EXPECT_TRUE(matches("^(?P<k>ab)+$", "abab"));
}

TEST(LinearRegex, DotAndNewlines) {
  EXPECT_FALSE(matches("^a.b$", "a\nb"));
  EXPECT_TRUE(matches("(?s)^a.b$", "a\nb"));
  EXPECT_FALSE(matches("^a[^x]b$", "a\nb"));
}

TEST(LinearRegex, RefusesWhatItDoesNotImplement) {
  EXPECT_NE(refusal(R"((a)\1)").find("escape"), std::string::npos);
  EXPECT_NE(refusal("(?=a)").find("unsupported group"), std::string::npos);
  EXPECT_NE(refusal(R"(\bword)").find("escape"), std::string::npos);
  EXPECT_NE(refusal("(abc").find("missing closing )"), std::string::npos);
  EXPECT_NE(refusal("abc)").find("unexpected ')'"), std::string::npos);
  EXPECT_NE(refusal("[abc").find("missing closing ]"), std::string::npos);
  EXPECT_NE(refusal("*a").find("missing argument"), std::string::npos);
  EXPECT_NE(refusal("a**").find("bad repetition"), std::string::npos);
  EXPECT_NE(refusal("a{1000}").find("repeat count"), std::string::npos);
  EXPECT_NE(refusal("[z-a]").find("range"), std::string::npos);
  EXPECT_NE(refusal(std::string(1001, 'a')).find("limit"), std::string::npos);
  EXPECT_NE(refusal("((a{100}){100}){100}").find("states"), std::string::npos);
  EXPECT_NE(refusal(std::string(150, '(') + std::string(150, ')')).find("nested"), std::string::npos);
}

TEST(LinearRegex, CatastrophicPatternsStayLinear) {
  // Each would backtrack exponentially in std::regex / PCRE on this subject; here each byte costs
  // at most one pass over the program. The subject length also would overflow std::regex's stack.
  std::string subject(200000, 'a');
  EXPECT_FALSE(matches("^(a*)*b$", subject));
  EXPECT_FALSE(matches("^(a|aa)+$", subject + "!"));
  EXPECT_FALSE(matches("(a+)+c", subject));
  EXPECT_TRUE(matches("(a+)+$", subject));
  EXPECT_FALSE(matches("^(.*a){20}x$", std::string(5000, 'a')));
}
