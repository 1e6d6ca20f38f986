// CUDA/driver tables and the NVIDIA_REQUIRE_* language. The grammar cases mirror
// NVIDIA/libnvidia-container src/cli/dsl.c (dsl_compare_version, dsl_evaluate).
#include <gtest/gtest.h>

#include <nvidia/cuda.hpp>

using namespace talgpu;
using namespace talgpu::nvidia;

namespace {

DriverFacts facts(std::string driver, std::string cuda, std::string brand = {}, std::string arch = {}) {
  return DriverFacts{std::move(driver), std::move(cuda), std::move(brand), std::move(arch)};
}

std::string ceiling_of(const char* driver) {
  auto c = cuda_ceiling(*Version::parse(driver));
  return c ? c->minor_str() : "none";
}

}  // namespace

TEST(CudaVersion, Parses) {
  EXPECT_EQ(CudaVersion::parse("12.2")->minor_str(), "12.2");
  EXPECT_EQ(CudaVersion::parse("12.4.1")->str(), "12.4.1");
  EXPECT_EQ(CudaVersion::parse("12")->minor_str(), "12.0");
  EXPECT_FALSE(CudaVersion::parse("12.x"));
  EXPECT_FALSE(CudaVersion::parse(""));
  EXPECT_TRUE(*CudaVersion::parse("12.10") > *CudaVersion::parse("12.4"));
}

TEST(CudaCeiling, FollowsTheDriverBranch) {
  // nvidia-smi on the reference hardware: 535.247.01 -> 12.2 (RTX 2070 Super), 580.159.04 -> 13.0 (H200).
  EXPECT_EQ(ceiling_of("535.247.01"), "12.2");
  EXPECT_EQ(ceiling_of("580.159.04"), "13.0");
  EXPECT_EQ(ceiling_of("570.172.08"), "12.8");
  EXPECT_EQ(ceiling_of("550.127.08"), "12.4");
  EXPECT_EQ(ceiling_of("525.60.13"), "12.0");
  EXPECT_EQ(ceiling_of("470.82.01"), "11.4");
  EXPECT_EQ(ceiling_of("590.44.01"), "13.1");
  EXPECT_EQ(ceiling_of("440.33.01"), "none");
}

TEST(CudaCeiling, ToolkitDriverAndMinorFloors) {
  EXPECT_EQ(toolkit_driver(*CudaVersion::parse("12.2"))->str(), "535.54.3");
  EXPECT_FALSE(toolkit_driver(*CudaVersion::parse("12.7")));
  EXPECT_EQ(minor_compat_floor(12)->str(), "525.60.13");
  EXPECT_EQ(minor_compat_floor(11)->str(), "450.80.2");
  EXPECT_FALSE(minor_compat_floor(10));
}

TEST(DslCompareVersion, NumericSegments) {
  EXPECT_EQ(compare_dsl_version("12.10", Comparator::greater, "12.4"), 1);
  EXPECT_EQ(compare_dsl_version("12.2", Comparator::greater_equal, "12.2"), 1);
  EXPECT_EQ(compare_dsl_version("12.2", Comparator::greater_equal, "12.2.0"), 1);  // trailing .0 ignored
  EXPECT_EQ(compare_dsl_version("12.2.0", Comparator::equal, "12.2"), 1);
  EXPECT_EQ(compare_dsl_version("12.2", Comparator::less, "12.2.1"), 1);
  EXPECT_EQ(compare_dsl_version("12.2", Comparator::greater_equal, "12.5"), 0);
  EXPECT_EQ(compare_dsl_version("535.247.01", Comparator::less, "536"), 1);
  EXPECT_EQ(compare_dsl_version("535.247.01", Comparator::greater_equal, "535"), 1);
  EXPECT_EQ(compare_dsl_version("12.2", Comparator::not_equal, "12.2.0"), 0);
  EXPECT_EQ(compare_dsl_version("12.2a", Comparator::equal, "12.2"), -1);
  EXPECT_EQ(compare_dsl_version("12.2", Comparator::equal, "v12.2"), -1);
}

TEST(RequireGrammar, OrBySpaceAndByComma) {
  const char* req = "cuda>=12.2 brand=tesla,driver>=470,driver<471";
  EXPECT_EQ(evaluate_require(req, facts("535.247.01", "12.2", "GeForce")).status, RequireStatus::satisfied);
  EXPECT_EQ(evaluate_require(req, facts("535.247.01", "12.2", "GeForce")).satisfied_group, 0);
  auto tesla470 = evaluate_require(req, facts("470.82.01", "11.4", "Tesla"));
  EXPECT_EQ(tesla470.status, RequireStatus::satisfied);
  EXPECT_EQ(tesla470.satisfied_group, 1);
  auto geforce470 = evaluate_require(req, facts("470.82.01", "11.4", "GeForce"));
  EXPECT_EQ(geforce470.status, RequireStatus::unsatisfied);
  EXPECT_EQ(geforce470.message,
            "unsatisfied condition: cuda>=12.2, please update your driver to a newer version, or use an earlier "
            "cuda container");
}

TEST(RequireGrammar, BrandIsCaseInsensitiveAndKeysToo) {
  EXPECT_EQ(evaluate_require("BRAND=tesla", facts("535.1", "12.2", "Tesla")).status, RequireStatus::satisfied);
  EXPECT_EQ(evaluate_require("brand!=geforce", facts("535.1", "12.2", "GeForce")).status,
            RequireStatus::unsatisfied);
}

TEST(RequireGrammar, MessageForOtherFirstTerms) {
  auto r = evaluate_require("driver>=550 arch=9.0", facts("535.247.01", "12.2", "GeForce", "7.5"));
  EXPECT_EQ(r.status, RequireStatus::unsatisfied);
  EXPECT_EQ(r.message, "unsatisfied condition: driver>=550");
}

TEST(RequireGrammar, InvalidExpressions) {
  EXPECT_EQ(evaluate_require("cuda=>12.2", facts("535.1", "12.2")).status, RequireStatus::invalid);
  EXPECT_EQ(evaluate_require("foo>=1", facts("535.1", "12.2")).status, RequireStatus::invalid);
  EXPECT_EQ(evaluate_require("cuda>=", facts("535.1", "12.2")).status, RequireStatus::invalid);
  EXPECT_EQ(evaluate_require(">=12", facts("535.1", "12.2")).status, RequireStatus::invalid);
  EXPECT_EQ(evaluate_require("cuda>=12.x", facts("535.1", "12.2")).message, "invalid expression");
  EXPECT_EQ(evaluate_require("brand<tesla", facts("535.1", "12.2", "Tesla")).status, RequireStatus::invalid);
}

TEST(RequireGrammar, EvaluationStopsEarlyLikeDslC) {
  // A false term ends its group before a later bad term is read; a true group ends the predicate.
  EXPECT_EQ(evaluate_require("cuda>=13.0,foo>=1", facts("535.1", "12.2")).status, RequireStatus::unsatisfied);
  EXPECT_EQ(evaluate_require("cuda>=12.0 foo>=1", facts("535.1", "12.2")).status, RequireStatus::satisfied);
}

TEST(RequireGrammar, EmptyAndExtraSeparators) {
  EXPECT_EQ(evaluate_require("", facts("535.1", "12.2")).status, RequireStatus::satisfied);
  EXPECT_EQ(evaluate_require("  cuda>=12.0,,driver>=500  ", facts("535.1", "12.2")).status, RequireStatus::satisfied);
}

TEST(RequireGrammar, UnknownFactsAreTrue) {
  EXPECT_EQ(evaluate_require("brand=tesla,arch>=9.0", facts("535.1", "12.2")).status, RequireStatus::satisfied);
}

TEST(OfficialRequire, MatchesTheCudaImageDockerfiles) {
  auto r122 = official_require_cuda(*CudaVersion::parse("12.2.2"));
  ASSERT_TRUE(r122);
  EXPECT_EQ(r122->rfind("cuda>=12.2 brand=tesla,driver>=470,driver<471 brand=unknown,driver>=470,driver<471", 0), 0u);
  EXPECT_NE(r122->find("brand=titanrtx,driver>=525,driver<526"), std::string::npos);
  EXPECT_EQ(*official_require_cuda(*CudaVersion::parse("11.4.3")), "cuda>=11.4");
  auto r125 = *official_require_cuda(*CudaVersion::parse("12.5.0"));
  EXPECT_EQ(r125.find("geforce"), std::string::npos);  // GeForce dropped from 12.5 on
  EXPECT_NE(r125.find("brand=cloudgaming,driver>=550,driver<551"), std::string::npos);
  EXPECT_FALSE(official_require_cuda(*CudaVersion::parse("10.2")));
}

TEST(GoBool, ParsesLikeStrconv) {
  EXPECT_EQ(parse_go_bool("true"), true);
  EXPECT_EQ(parse_go_bool("T"), true);
  EXPECT_EQ(parse_go_bool("0"), false);
  EXPECT_EQ(parse_go_bool("yes"), std::nullopt);
}

TEST(ImageNeeds, EnvOverridesTheTag) {
  auto n = image_needs(CudaVersion::parse("12.5.0"), true, {{"NVIDIA_REQUIRE_CUDA", "cuda>=12.0"}});
  ASSERT_EQ(n.requires_.size(), 1u);
  EXPECT_EQ(n.requires_[0], "cuda>=12.0");
  EXPECT_EQ(n.cuda->minor_str(), "12.0");
  EXPECT_FALSE(n.official_image);
}

TEST(ImageNeeds, LegacyCudaVersionAndJetpack) {
  auto n = image_needs(std::nullopt, false, {{"CUDA_VERSION", "11.8.0"}, {"NVIDIA_REQUIRE_JETPACK", "csv-mounts=all"}});
  ASSERT_EQ(n.requires_.size(), 1u);
  EXPECT_EQ(n.requires_[0], "cuda>=11.8");
}

TEST(ImageNeeds, DisableRequire) {
  auto n = image_needs(CudaVersion::parse("12.5.0"), true, {{"NVIDIA_DISABLE_REQUIRE", "true"}});
  EXPECT_TRUE(n.disable_require);
  auto m = image_needs(CudaVersion::parse("12.5.0"), true, {{"NVIDIA_DISABLE_REQUIRES", "true"}});
  EXPECT_FALSE(m.disable_require);  // the toolkit reads only the exact name
}

TEST(CheckCuda, NativeSupportIsOk) {
  auto n = image_needs(CudaVersion::parse("12.2.0"), true, {});
  auto c = check_cuda(n, facts("535.247.01", "12.2", "GeForce"), GpuClass::consumer);
  EXPECT_EQ(c.verdict, CudaVerdict::ok);
}

TEST(CheckCuda, OfficialImageTooNewOnGeForceWontStart) {
  // Talos docs' cuda:12.5.0 test image on the LTS 535 driver with a GeForce card.
  auto n = image_needs(CudaVersion::parse("12.5.0"), true, {});
  auto c = check_cuda(n, facts("535.247.01", "12.2", "GeForce"), GpuClass::consumer);
  EXPECT_EQ(c.verdict, CudaVerdict::wont_start);
  EXPECT_EQ(c.message,
            "requirement error: unsatisfied condition: cuda>=12.5, please update your driver to a newer version, or "
            "use an earlier cuda container");
}

TEST(CheckCuda, OfficialImageThroughForwardCompat) {
  auto n = image_needs(CudaVersion::parse("12.4.1"), true, {});
  auto tesla = check_cuda(n, facts("535.247.01", "12.2", "Tesla"), GpuClass::datacenter);
  EXPECT_EQ(tesla.verdict, CudaVerdict::forward_compat);
  auto geforce = check_cuda(n, facts("535.247.01", "12.2", "GeForce"), GpuClass::consumer);
  EXPECT_EQ(geforce.verdict, CudaVerdict::cuda_fails);  // starts, then error 804
}

TEST(CheckCuda, ThirdPartyMinorVersionCompat) {
  auto n = image_needs(CudaVersion::parse("12.4"), false, {});
  auto c = check_cuda(n, facts("535.247.01", "12.2"), GpuClass::unknown);
  EXPECT_EQ(c.verdict, CudaVerdict::minor_compat);
  EXPECT_EQ(c.message,
            "image needs CUDA 12.4 but driver 535.247.01 supports CUDA 12.2: runs only through minor-version "
            "compatibility (no PTX JIT, newer APIs fail)");
}

TEST(CheckCuda, ThirdPartyNewMajorFails) {
  auto n = image_needs(CudaVersion::parse("13.0"), false, {});
  auto c = check_cuda(n, facts("535.247.01", "12.2"), GpuClass::unknown);
  EXPECT_EQ(c.verdict, CudaVerdict::cuda_fails);
  EXPECT_EQ(c.message, "image needs CUDA 13.0 but driver 535.247.01 supports CUDA 12.2: CUDA 13.x needs driver >= 580");
}

TEST(CheckCuda, UnknownWithoutVersions) {
  auto n = image_needs(std::nullopt, false, {});
  EXPECT_EQ(check_cuda(n, facts("535.247.01", "12.2"), GpuClass::unknown).verdict, CudaVerdict::unknown);
}
