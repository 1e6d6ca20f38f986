// The NVIDIA catalog against its sources: siderolabs/extensions nvidia-gpu/vars.yaml per Talos tag
// (research notes talos.md §5.3) and talhelper's talos-extensions.json (every release it lists).
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include <nvidia/catalog.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::nvidia;

namespace {

Version ver(const char* s) {
  return *Version::parse(s);
}

}  // namespace

TEST(NvidiaCatalog, DriverPerTalosAndTier) {
  // The reference scenario: Talos 1.11.1 LTS -> 535.247.01 (nvidia-smi on the RTX 2070 Super).
  EXPECT_EQ(driver_for(ver("v1.11.1"), Tier::lts), "535.247.01");
  EXPECT_EQ(driver_for(ver("v1.11.1"), Tier::production), "570.172.08");
  EXPECT_EQ(driver_for(ver("v1.8.0"), Tier::production), "550.90.07");
  EXPECT_EQ(driver_for(ver("v1.9.2"), Tier::lts), "535.216.03");
  EXPECT_EQ(driver_for(ver("v1.9.3"), Tier::lts), "535.230.02");
  EXPECT_EQ(driver_for(ver("v1.10.1"), Tier::production), "570.124.06");
  EXPECT_EQ(driver_for(ver("v1.10.2"), Tier::production), "570.133.20");
  EXPECT_EQ(driver_for(ver("v1.12.0"), Tier::lts), "580.105.08");  // LTS newer than production in 1.12
  EXPECT_EQ(driver_for(ver("v1.12.11"), Tier::lts), "580.126.20");
  EXPECT_EQ(driver_for(ver("v1.12.0-alpha.1"), Tier::lts), "580.105.08");
  EXPECT_FALSE(driver_for(ver("v1.7.6"), Tier::lts));
  EXPECT_FALSE(driver_for(ver("v1.11.7"), Tier::lts));  // past the verified range
  EXPECT_EQ(toolkit_for(ver("v1.12.2")), "v1.18.1");
  EXPECT_EQ(toolkit_for(ver("v1.12.3")), "v1.18.2");
  EXPECT_EQ(toolkit_for(ver("v1.11.1")), "v1.17.8");
  // 1.13 (siderolabs/extensions nvidia-gpu/vars.yaml at v1.13.0 .. v1.13.9): production is 595.
  EXPECT_EQ(driver_for(ver("v1.13.0"), Tier::lts), "580.126.20");
  EXPECT_EQ(driver_for(ver("v1.13.0"), Tier::production), "595.58.03");
  EXPECT_EQ(driver_for(ver("v1.13.2"), Tier::lts), "580.159.03");
  EXPECT_EQ(driver_for(ver("v1.13.3"), Tier::lts), "580.159.04");
  EXPECT_EQ(driver_for(ver("v1.13.9"), Tier::lts), "580.178.04");
  EXPECT_EQ(driver_for(ver("v1.13.9"), Tier::production), "595.91.07");
  EXPECT_EQ(toolkit_for(ver("v1.13.3")), "v1.19.0");
  EXPECT_EQ(toolkit_for(ver("v1.13.4")), "v1.19.1");
  EXPECT_FALSE(driver_for(ver("v1.13.10"), Tier::lts));  // past the verified range
  EXPECT_FALSE(driver_for(ver("v1.14.0"), Tier::lts));
}

TEST(NvidiaCatalog, TableRowsAreContiguousAndOrdered) {
  std::optional<DriverRelease> prev;
  for (const char* t : {"v1.8.0", "v1.8.4", "v1.9.0", "v1.9.6", "v1.10.0", "v1.10.9", "v1.11.0", "v1.11.6", "v1.12.0",
                        "v1.12.11", "v1.13.0", "v1.13.1", "v1.13.3", "v1.13.4", "v1.13.5", "v1.13.7", "v1.13.9"}) {
    auto row = driver_release(ver(t));
    ASSERT_TRUE(row) << t;
    EXPECT_LE(row->talos_first, row->talos_last);
    if (prev) {
      EXPECT_GE(row->talos_first, prev->talos_first);
    }
    prev = row;
  }
}

TEST(NvidiaCatalog, CudaCeilingPerDriver) {
  EXPECT_EQ(cuda_ceiling_for_driver("535.247.01"), "12.2");
  EXPECT_EQ(cuda_ceiling_for_driver("550.90.07"), "12.4");
  EXPECT_EQ(cuda_ceiling_for_driver("570.172.08"), "12.8");
  EXPECT_EQ(cuda_ceiling_for_driver("580.159.04"), "13.0");  // the H200 fixture's nvidia-smi
  EXPECT_FALSE(cuda_ceiling_for_driver("garbage"));
  // Every driver in the table has a ceiling.
  for (const char* t : {"v1.8.0", "v1.9.0", "v1.9.3", "v1.10.0", "v1.10.2", "v1.10.4", "v1.11.0", "v1.12.0", "v1.12.6",
                        "v1.13.0", "v1.13.1", "v1.13.9"}) {
    for (Tier tier : {Tier::lts, Tier::production}) {
      auto d = driver_for(ver(t), tier);
      ASSERT_TRUE(d);
      EXPECT_TRUE(cuda_ceiling_for_driver(*d)) << *d;
    }
  }
}

TEST(NvidiaCatalog, ClassifiesExtensions) {
  auto k = classify_extension("siderolabs/nonfree-kmod-nvidia-lts");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->role, ExtensionRole::kernel_modules);
  EXPECT_EQ(k->flavor, Flavor::proprietary);
  EXPECT_EQ(k->tier, Tier::lts);
  EXPECT_FALSE(k->legacy);
  auto o = classify_extension("nvidia-open-gpu-kernel-modules-production");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->flavor, Flavor::open);
  EXPECT_EQ(o->tier, Tier::production);
  auto legacy = classify_extension("siderolabs/nvidia-container-toolkit");
  ASSERT_TRUE(legacy);
  EXPECT_TRUE(legacy->legacy);
  EXPECT_EQ(legacy->role, ExtensionRole::toolkit);
  EXPECT_EQ(classify_extension("siderolabs/nvidia-fabricmanager-lts")->role, ExtensionRole::fabric_manager);
  EXPECT_EQ(classify_extension("siderolabs/nvidia-gdrdrv-device")->role, ExtensionRole::gdrdrv);
  EXPECT_FALSE(classify_extension("siderolabs/intel-ucode"));
  EXPECT_FALSE(classify_extension("siderolabs/nvidia-lts"));
  EXPECT_EQ(kmod_extension(Flavor::open, Tier::lts), "nvidia-open-gpu-kernel-modules-lts");
  EXPECT_EQ(toolkit_extension(std::nullopt), "nvidia-container-toolkit");
}

// Our availability table must agree with talhelper's extension list (data/talos-extensions.json,
// imported from talhelper's talos-extensions.json) for every release it lists (pre-releases and
// dev builds skipped).
TEST(NvidiaCatalog, AvailabilityMatchesTalhelperList) {
  auto j = nlohmann::json::parse(test::read_text(test::source_path("data/talos-extensions.json")));
  std::regex release(R"(^v\d+\.\d+\.\d+$)");
  int checked = 0;
  for (const auto& row : j["versions"]) {
    std::string v = row[0];
    if (!std::regex_match(v, release)) {
      continue;
    }
    std::set<std::string> upstream;
    for (const auto& e : j["extensionSets"][row[1].get<size_t>()]) {
      std::string name = e.get<std::string>().substr(11);
      if (classify_extension(name)) {
        upstream.insert(name);
      }
    }
    auto ours_v = nvidia_extensions_for(ver(v.c_str()));
    std::set<std::string> ours(ours_v.begin(), ours_v.end());
    EXPECT_EQ(ours, upstream) << v;
    ++checked;
  }
  EXPECT_GT(checked, 100);
  EXPECT_TRUE(extension_available(ver("v1.11.1"), "siderolabs/nonfree-kmod-nvidia-lts"));
  EXPECT_FALSE(extension_available(ver("v1.11.1"), "siderolabs/nvidia-gdrdrv-device"));
  EXPECT_FALSE(extension_available(ver("v1.7.0"), "nonfree-kmod-nvidia-lts"));
}
