// Version parsing and ordering for Talos, Kubernetes and NVIDIA driver versions.

#include <gtest/gtest.h>

#include <algorithm>

#include <core/version.hpp>

using namespace talgpu;

namespace {

Version v(std::string_view s) {
  auto r = Version::parse(s);
  EXPECT_TRUE(r.has_value()) << s;
  return r.value_or(Version{});
}

}  // namespace

TEST(CoreVersion, ParsesTheShapesWeMeet) {
  EXPECT_EQ(v("v1.11.1").str(), "1.11.1");
  EXPECT_EQ(v("1.28").str(), "1.28.0");
  EXPECT_EQ(v("1.28").minor_str(), "1.28");
  EXPECT_EQ(v("535.247.01").str(), "535.247.1");
  EXPECT_EQ(v("V2").str(), "2.0.0");
  Version pre = v("v1.12.0-alpha.1");
  EXPECT_EQ(pre.major, 1);
  EXPECT_EQ(pre.minor, 12);
  EXPECT_EQ(pre.patch, 0);
  EXPECT_EQ(pre.prerelease, "alpha.1");
  EXPECT_EQ(pre.str(), "1.12.0-alpha.1");
  EXPECT_EQ(v("580.159.04").patch, 4);
}

TEST(CoreVersion, RejectsMalformedText) {
  for (const char* bad : {"", "v", "1.", ".1", "1..2", "1.2.3.4", "1.2-", "a.b", "1.x", "-1.2", "1.-2", "1.2.3-",
                          " 1.2", "1.2 ", "v-1", "1,2", "99999999999.1"}) {
    EXPECT_FALSE(Version::parse(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(CoreVersion, OrdersNumericallyWithPrereleasesFirst) {
  EXPECT_LT(v("1.9.0"), v("1.10.0"));
  EXPECT_LT(v("1.10.9"), v("1.11.0"));
  EXPECT_LT(v("1.11.0"), v("2.0.0"));
  EXPECT_LT(v("1.12.0-alpha.1"), v("1.12.0"));
  EXPECT_LT(v("1.12.0-alpha.1"), v("1.12.0-beta.0"));
  EXPECT_LT(v("1.11.9"), v("1.12.0-alpha.0"));
  EXPECT_EQ(v("v1.11"), v("1.11.0"));
  EXPECT_NE(v("1.11.0"), v("1.11.0-rc.1"));
  EXPECT_GT(v("535.247.01"), v("535.183.06"));
}

TEST(CoreVersion, PrereleaseNumericIdentifiersCompareAsNumbers) {
  // semver 2.0.0 §11: numeric identifiers compare numerically, so alpha.2 < alpha.10.
  EXPECT_LT(v("1.12.0-alpha.2"), v("1.12.0-alpha.10"));
  EXPECT_LT(v("1.12.0-beta.9"), v("1.12.0-beta.11"));
  // Numeric identifiers sort before alphanumeric ones; a longer set wins when the prefix is equal.
  EXPECT_LT(v("1.0.0-1"), v("1.0.0-alpha"));
  EXPECT_LT(v("1.0.0-alpha"), v("1.0.0-alpha.1"));
  EXPECT_LT(v("1.0.0-alpha.beta"), v("1.0.0-beta"));
  EXPECT_LT(v("1.0.0-rc.1"), v("1.0.0"));
}

TEST(CoreVersion, SortsAList) {
  std::vector<Version> list = {v("1.11.1"), v("1.10.6"), v("1.12.0-alpha.10"), v("1.12.0-alpha.2"), v("1.11.0")};
  std::sort(list.begin(), list.end());
  std::vector<std::string> out;
  for (const auto& x : list) {
    out.push_back(x.str());
  }
  EXPECT_EQ(out, (std::vector<std::string>{"1.10.6", "1.11.0", "1.11.1", "1.12.0-alpha.2", "1.12.0-alpha.10"}));
}
