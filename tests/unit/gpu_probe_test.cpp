// The probe against fake driver libraries (tests/fakes): a fake libnvidia-ml.so.1 and libcuda.so.1
// built by the test suite, loaded by path, steered by FAKE_* environment variables.

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <gpu/cards.hpp>
#include <gpu/probe.hpp>
#include <gpu/report.hpp>

namespace talgpu::gpu {
namespace {

const std::string k_fakes = TALGPU_FAKES_DIR;

class ProbeTest : public ::testing::Test {
 protected:
  void SetUp() override { clear(); }
  void TearDown() override { clear(); }

  static void clear() {
    for (const char* v : {"FAKE_NVML_INIT_RC", "FAKE_NVML_GPUS", "FAKE_NVML_NAME", "FAKE_NVML_NAME_0", "FAKE_NVML_NAME_1",
                          "FAKE_NVML_SET", "FAKE_NVML_FAIL", "FAKE_NVML_DRIVER", "FAKE_CUDA_INIT_RC", "FAKE_CUDA_DEVICES",
                          "FAKE_CUDA_MAX_PTX", "FAKE_CUDA_WRONG", "FAKE_CUDA_GBPS", "FAKE_CUDA_FAIL"}) {
      unsetenv(v);
    }
  }
  static void set(const char* name, const std::string& value) { setenv(name, value.c_str(), 1); }

  ProbeOptions options(bool quick = false) const {
    ProbeOptions o;
    o.quick = quick;
    o.nvml_library = k_fakes + "/" + nvml_variant + "/libnvidia-ml.so.1";
    o.cuda_library = k_fakes + "/" + cuda_variant + "/libcuda.so.1";
    o.copy_bytes = 1 << 20;
    o.transfer_bytes = 256 << 10;
    o.vecadd_elements = 4096;
    return o;
  }

  ProbeReport probe(bool quick = false) {
    auto r = run_probe(options(quick));
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r ? *r : ProbeReport{};
  }

  std::string nvml_variant = "ok";
  std::string cuda_variant = "ok";
};

const Check* find_check(const GpuReport& g, const std::string& id) {
  for (const auto& c : g.checks) {
    if (c.id == id) {
      return &c;
    }
  }
  return nullptr;
}

Verdict verdict_of(const GpuReport& g, const std::string& id) {
  const Check* c = find_check(g, id);
  EXPECT_NE(c, nullptr) << "no check " << id;
  return c != nullptr ? c->verdict : Verdict::skipped;
}

std::string detail_of(const GpuReport& g, const std::string& id) {
  const Check* c = find_check(g, id);
  return c != nullptr ? c->detail : "<no check " + id + ">";
}

TEST_F(ProbeTest, HealthyCardPassesEveryCheck) {
  ProbeReport r = probe();
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.gpus.size(), 1u);
  const GpuReport& g = r.gpus[0];
  EXPECT_EQ(r.verdict, Verdict::pass);
  EXPECT_EQ(*r.system.driver_version, "580.65.06");
  EXPECT_EQ(*r.system.cuda_version, 13000);
  EXPECT_EQ(*g.nvml.name, "NVIDIA H200");
  EXPECT_EQ(*g.nvml.pci_bus_id, "00000000:10:00.0");
  EXPECT_EQ(*g.nvml.memory_total_bytes, 143771ull << 20);
  std::vector<std::string> ids;
  for (const auto& c : g.checks) {
    ids.push_back(c.id);
    EXPECT_EQ(c.verdict, Verdict::pass) << c.id << ": " << c.detail;
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"nvml", "pcie-link", "ecc", "memory-retirement", "thermal", "vector-add",
                                           "copy-integrity", "d2d-bandwidth", "h2d-bandwidth", "d2h-bandwidth"}));
  ASSERT_TRUE(g.cuda && g.cuda->d2d && g.cuda->h2d && g.cuda->d2h);
  EXPECT_NEAR(g.cuda->d2d->gbps, 4200, 1);
  EXPECT_NEAR(*g.cuda->d2d->fraction, 4200.0 / 4800, 0.001);
  EXPECT_NEAR(g.cuda->h2d->gbps, 55, 0.1);
  EXPECT_NEAR(*g.cuda->h2d->fraction, 55 / 63.015, 0.001);
  EXPECT_NEAR(g.cuda->d2h->gbps, 53, 0.1);
  EXPECT_EQ(*g.cuda->vecadd_mismatches, 0u);
  EXPECT_TRUE(*g.cuda->copies_intact);
  EXPECT_TRUE(g.under_load.has_value());
}

TEST_F(ProbeTest, QuickRunsNoCuda) {
  cuda_variant = "does-not-exist";
  ProbeReport r = probe(true);
  ASSERT_FALSE(r.error);
  EXPECT_FALSE(r.cuda_error);
  ASSERT_EQ(r.gpus.size(), 1u);
  EXPECT_FALSE(r.gpus[0].cuda);
  EXPECT_EQ(r.gpus[0].checks.size(), 5u);
  EXPECT_EQ(r.verdict, Verdict::pass);
  EXPECT_NE(detail_of(r.gpus[0], "pcie-link").find("not judged at idle"), std::string::npos);
}

TEST_F(ProbeTest, NoNvmlLibraryIsAPlainError) {
  nvml_variant = "missing";
  ProbeReport r = probe();
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->rule, "gpu-nvml-missing");
  EXPECT_NE(r.error->message.find("cannot load the NVIDIA management library"), std::string::npos);
  EXPECT_EQ(r.verdict, Verdict::fail);
  EXPECT_TRUE(r.gpus.empty());
}

TEST_F(ProbeTest, NvmlLackingARequiredSymbol) {
  nvml_variant = "nosym";
  ProbeReport r = probe();
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->rule, "gpu-nvml-symbol");
  EXPECT_NE(r.error->message.find("nvmlDeviceGetCount_v2"), std::string::npos);
}

TEST_F(ProbeTest, OlderNvmlLacksOptionalSymbols) {
  nvml_variant = "old";
  set("FAKE_NVML_SET", "throttle=0x4");
  ProbeReport r = probe(true);
  ASSERT_FALSE(r.error);
  const NvmlGpu& g = r.gpus[0].nvml;
  EXPECT_FALSE(g.remapped_rows.ok());
  EXPECT_EQ(g.remapped_rows.status, ReadStatus::unsupported);
  EXPECT_EQ(g.remapped_rows.why, "not in this driver's NVML (nvmlDeviceGetRemappedRows)");
  EXPECT_FALSE(g.link_gen_gpu_max.ok());
  // The old name of the clock-event reasons answers (the fake marks it with bit 0x1000).
  ASSERT_TRUE(g.dynamic.throttle_reasons.ok());
  EXPECT_EQ(*g.dynamic.throttle_reasons, 0x1004u);
  EXPECT_EQ(throttle::names(0x1004), (std::vector<std::string>{"sw_power_cap", "other_0x1000"}));
  // Pre-Ampere cards report retired pages instead of remapped rows.
  EXPECT_EQ(verdict_of(r.gpus[0], "memory-retirement"), Verdict::pass);
  EXPECT_NE(detail_of(r.gpus[0], "memory-retirement").find("pages retired"), std::string::npos);
}

TEST_F(ProbeTest, NvmlInitFailuresByFamily) {
  const std::pair<int, const char*> cases[] = {
      {9, "gpu-driver-not-loaded"}, {18, "gpu-driver-mismatch"}, {4, "gpu-nvml-permission"},
      {999, "gpu-nvml-init"},       {12, "gpu-nvml-init"},
  };
  for (const auto& [rc, rule] : cases) {
    set("FAKE_NVML_INIT_RC", std::to_string(rc));
    ProbeReport r = probe();
    ASSERT_TRUE(r.error) << rc;
    EXPECT_EQ(r.error->rule, rule) << rc;
    EXPECT_NE(r.error->message.find(fmt::format("NVML error {}", rc)), std::string::npos) << r.error->message;
  }
  set("FAKE_NVML_INIT_RC", "18");
  EXPECT_NE(probe().error->message.find("(library 13.580.65.06)"), std::string::npos);
}

TEST_F(ProbeTest, NvmlFieldFailuresByFamily) {
  struct Case {
    int rc;
    ReadStatus status;
    Verdict nvml_check;
  };
  const Case cases[] = {
      {3, ReadStatus::unsupported, Verdict::pass}, {21, ReadStatus::unsupported, Verdict::pass},
      {13, ReadStatus::unsupported, Verdict::pass}, {4, ReadStatus::no_permission, Verdict::pass},
      {999, ReadStatus::error, Verdict::pass},      {10, ReadStatus::error, Verdict::pass},
      {14, ReadStatus::hardware, Verdict::warn},    {8, ReadStatus::hardware, Verdict::fail},
      {15, ReadStatus::lost, Verdict::fail},        {16, ReadStatus::lost, Verdict::fail},
  };
  for (const auto& c : cases) {
    set("FAKE_NVML_FAIL", fmt::format("nvmlDeviceGetTemperatureThreshold={}", c.rc));
    ProbeReport r = probe(true);
    ASSERT_EQ(r.gpus.size(), 1u);
    const GpuReport& g = r.gpus[0];
    EXPECT_FALSE(g.nvml.temperature_slowdown_c.ok()) << c.rc;
    EXPECT_EQ(g.nvml.temperature_slowdown_c.status, c.status) << c.rc;
    EXPECT_EQ(verdict_of(g, "nvml"), c.nvml_check) << c.rc << ": " << detail_of(g, "nvml");
    // Readings before the failing one are kept; after a lost GPU nothing more is asked.
    EXPECT_TRUE(g.nvml.name.ok());
    EXPECT_EQ(g.nvml.dynamic.temperature_c.ok(), c.status != ReadStatus::lost) << c.rc;
  }
}

TEST_F(ProbeTest, GpuFallenOffTheBus) {
  set("FAKE_NVML_GPUS", "2");
  set("FAKE_NVML_FAIL", "nvmlDeviceGetHandleByIndex_v2@1=15");
  ProbeReport r = probe();
  ASSERT_EQ(r.gpus.size(), 2u);
  EXPECT_EQ(r.gpus[0].verdict, Verdict::pass);
  EXPECT_TRUE(r.gpus[1].nvml.lost);
  EXPECT_EQ(r.gpus[1].verdict, Verdict::fail);
  EXPECT_EQ(r.gpus[1].checks.size(), 1u);
  EXPECT_NE(detail_of(r.gpus[1], "nvml").find("GPU is lost"), std::string::npos);
  EXPECT_NE(detail_of(r.gpus[1], "nvml").find("Xid 79"), std::string::npos);
  EXPECT_EQ(r.verdict, Verdict::fail);
  ASSERT_TRUE(r.weakest);
  EXPECT_EQ(*r.weakest, 1u);
}

TEST_F(ProbeTest, EveryDeviceQueryLostMidway) {
  set("FAKE_NVML_FAIL", "*@0=15");
  ProbeReport r = probe();
  ASSERT_EQ(r.gpus.size(), 1u);
  EXPECT_TRUE(r.gpus[0].nvml.lost);
  EXPECT_FALSE(r.gpus[0].cuda);  // no CUDA work on a lost GPU
  EXPECT_EQ(r.verdict, Verdict::fail);
}

TEST_F(ProbeTest, NoCudaLibrary) {
  cuda_variant = "missing";
  ProbeReport r = probe();
  ASSERT_FALSE(r.error);
  ASSERT_TRUE(r.cuda_error);
  EXPECT_EQ(r.cuda_error->rule, "gpu-cuda-missing");
  const GpuReport& g = r.gpus[0];
  EXPECT_EQ(verdict_of(g, "ecc"), Verdict::pass);
  for (const char* id : {"vector-add", "copy-integrity", "d2d-bandwidth", "h2d-bandwidth", "d2h-bandwidth"}) {
    EXPECT_EQ(verdict_of(g, id), Verdict::fail) << id;
  }
  EXPECT_EQ(r.verdict, Verdict::fail);
}

TEST_F(ProbeTest, CudaLackingASymbol) {
  cuda_variant = "nosym";
  ProbeReport r = probe();
  ASSERT_TRUE(r.cuda_error);
  EXPECT_EQ(r.cuda_error->rule, "gpu-cuda-symbol");
  EXPECT_NE(r.cuda_error->message.find("cuLaunchKernel"), std::string::npos);
}

TEST_F(ProbeTest, CudaInitFailures) {
  const std::pair<int, const char*> cases[] = {
      {100, "gpu-cuda-no-device"}, {35, "gpu-driver-mismatch"}, {803, "gpu-driver-mismatch"}, {999, "gpu-cuda-init"}};
  for (const auto& [rc, rule] : cases) {
    set("FAKE_CUDA_INIT_RC", std::to_string(rc));
    ProbeReport r = probe();
    ASSERT_TRUE(r.cuda_error) << rc;
    EXPECT_EQ(r.cuda_error->rule, rule) << rc;
    EXPECT_EQ(verdict_of(r.gpus[0], "vector-add"), Verdict::fail);
  }
}

TEST_F(ProbeTest, DriverOlderThanThePtxIsa) {
  set("FAKE_CUDA_MAX_PTX", "5.2");
  ProbeReport r = probe();
  const GpuReport& g = r.gpus[0];
  ASSERT_TRUE(g.cuda && g.cuda->error);
  EXPECT_EQ(g.cuda->error->rule, "gpu-ptx-unsupported");
  EXPECT_EQ(g.cuda->failed_step, "module");
  EXPECT_NE(g.cuda->jit_log.find("Unsupported .version 6.0"), std::string::npos) << g.cuda->jit_log;
  EXPECT_NE(detail_of(g, "vector-add").find("CUDA_ERROR_UNSUPPORTED_PTX_VERSION"), std::string::npos);
  EXPECT_EQ(verdict_of(g, "d2d-bandwidth"), Verdict::fail);
  EXPECT_EQ(r.verdict, Verdict::fail);
  // A driver whose newest ISA is exactly the module's compiles it.
  set("FAKE_CUDA_MAX_PTX", "6.0");
  EXPECT_EQ(probe().verdict, Verdict::pass);
}

TEST_F(ProbeTest, WrongVectorAddResult) {
  set("FAKE_CUDA_WRONG", "vecadd");
  ProbeReport r = probe();
  const GpuReport& g = r.gpus[0];
  EXPECT_EQ(verdict_of(g, "vector-add"), Verdict::fail);
  EXPECT_NE(detail_of(g, "vector-add").find("1 of 4096 elements wrong, first c[17]"), std::string::npos)
      << detail_of(g, "vector-add");
  EXPECT_EQ(verdict_of(g, "copy-integrity"), Verdict::pass);
  EXPECT_EQ(r.verdict, Verdict::fail);
}

TEST_F(ProbeTest, CorruptingCopyKernel) {
  set("FAKE_CUDA_WRONG", "copy");
  ProbeReport r = probe();
  const GpuReport& g = r.gpus[0];
  EXPECT_EQ(verdict_of(g, "vector-add"), Verdict::pass);
  EXPECT_EQ(verdict_of(g, "copy-integrity"), Verdict::fail);
  EXPECT_NE(detail_of(g, "copy-integrity").find("word 4 is"), std::string::npos) << detail_of(g, "copy-integrity");
}

TEST_F(ProbeTest, CudaCallFailingMidway) {
  set("FAKE_CUDA_FAIL", "cuLaunchKernel=719");
  ProbeReport r = probe();
  const GpuReport& g = r.gpus[0];
  EXPECT_EQ(g.cuda->failed_step, "vector-add");
  EXPECT_NE(detail_of(g, "vector-add").find("cuLaunchKernel: CUDA_ERROR_LAUNCH_FAILED (unspecified launch failure)"),
            std::string::npos)
      << detail_of(g, "vector-add");
  EXPECT_EQ(verdict_of(g, "h2d-bandwidth"), Verdict::fail);
}

TEST_F(ProbeTest, OutOfDeviceMemory) {
  set("FAKE_CUDA_FAIL", "cuMemAlloc_v2=2");
  ProbeReport r = probe();
  // The vector add's buffers are the first allocation: its check names the error, the later
  // checks point back at the failed step.
  EXPECT_NE(detail_of(r.gpus[0], "vector-add").find("cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY"), std::string::npos);
  EXPECT_EQ(detail_of(r.gpus[0], "d2d-bandwidth"), "not run: the vector-add step failed");
}

TEST_F(ProbeTest, MemoryBandwidthThresholds) {
  // 4800 GB/s published: 70% = 3360 passes, 50% = 2400 warns, below fails.
  const std::pair<int, Verdict> cases[] = {
      {3400, Verdict::pass}, {3340, Verdict::warn}, {2410, Verdict::warn}, {2390, Verdict::fail}, {100, Verdict::fail}};
  for (const auto& [gbps, v] : cases) {
    set("FAKE_CUDA_GBPS", fmt::format("d2d={}", gbps));
    ProbeReport r = probe();
    EXPECT_EQ(verdict_of(r.gpus[0], "d2d-bandwidth"), v) << gbps << ": " << detail_of(r.gpus[0], "d2d-bandwidth");
  }
}

TEST_F(ProbeTest, PcieBandwidthThresholds) {
  // Gen 5 x16 = 63.0 GB/s: 60% = 37.8 passes, 35% = 22.1 warns. A gen 3 x8 slot (7.9 GB/s) makes
  // 5 GB/s a pass.
  const std::tuple<const char*, int, Verdict> cases[] = {{"", 38, Verdict::pass},
                                                         {"", 37, Verdict::warn},
                                                         {"", 23, Verdict::warn},
                                                         {"", 22, Verdict::fail},
                                                         {"gen_max=3,width_max=8,gen=3,width=8", 5, Verdict::pass}};
  for (const auto& [link, gbps, v] : cases) {
    set("FAKE_NVML_SET", link);
    set("FAKE_CUDA_GBPS", fmt::format("h2d={},d2h={}", gbps, gbps));
    ProbeReport r = probe();
    EXPECT_EQ(verdict_of(r.gpus[0], "h2d-bandwidth"), v) << link << " " << gbps;
    EXPECT_EQ(verdict_of(r.gpus[0], "d2h-bandwidth"), v) << link << " " << gbps;
  }
}

TEST_F(ProbeTest, UnknownCardIsMeasuredButUnrated) {
  set("FAKE_NVML_NAME", "NVIDIA Future GPU 9000");
  ProbeReport r = probe();
  const GpuReport& g = r.gpus[0];
  EXPECT_FALSE(g.card);
  EXPECT_EQ(verdict_of(g, "d2d-bandwidth"), Verdict::unrated);
  EXPECT_NE(detail_of(g, "d2d-bandwidth").find("4200.0 GB/s (no published figure"), std::string::npos);
  EXPECT_FALSE(g.cuda->d2d->fraction);
  EXPECT_EQ(g.verdict, Verdict::pass);
}

TEST_F(ProbeTest, WeakestOfSeveralGpus) {
  set("FAKE_NVML_GPUS", "3");
  set("FAKE_CUDA_GBPS", "d2d@1=3500,d2d@2=3900");
  ProbeReport r = probe();
  ASSERT_EQ(r.gpus.size(), 3u);
  for (const auto& g : r.gpus) {
    EXPECT_EQ(g.verdict, Verdict::pass);
    EXPECT_EQ(*g.cuda->ordinal, static_cast<int>(g.nvml.index));
  }
  ASSERT_TRUE(r.weakest);
  EXPECT_EQ(*r.weakest, 1u);
  EXPECT_NE(r.weakest_reason.find("d2d-bandwidth: 3500.0 GB/s = 72.9%"), std::string::npos) << r.weakest_reason;
  // A warning outranks a lower bandwidth.
  set("FAKE_NVML_SET", "temp@2=95");
  r = probe();
  EXPECT_EQ(*r.weakest, 2u);
  EXPECT_EQ(r.verdict, Verdict::warn);
  EXPECT_NE(r.weakest_reason.find("thermal: 95 C"), std::string::npos) << r.weakest_reason;
}

TEST_F(ProbeTest, GpuWithoutACudaDevice) {
  set("FAKE_NVML_GPUS", "2");
  set("FAKE_CUDA_DEVICES", "1");
  ProbeReport r = probe();
  EXPECT_EQ(r.gpus[0].verdict, Verdict::pass);
  EXPECT_EQ(verdict_of(r.gpus[1], "vector-add"), Verdict::fail);
  EXPECT_NE(detail_of(r.gpus[1], "vector-add").find("no CUDA device has this GPU's PCI address"), std::string::npos);
}

TEST_F(ProbeTest, MigSkipsTheCudaChecks) {
  set("FAKE_NVML_SET", "mig=1");
  ProbeReport r = probe();
  const GpuReport& g = r.gpus[0];
  EXPECT_FALSE(g.cuda);
  EXPECT_EQ(verdict_of(g, "vector-add"), Verdict::skipped);
  EXPECT_EQ(g.verdict, Verdict::pass);
}

TEST_F(ProbeTest, SelectByIndexAndUuid) {
  set("FAKE_NVML_GPUS", "3");
  ProbeOptions o = options(true);
  o.gpu = "2";
  auto r = run_probe(o);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->gpus.size(), 1u);
  EXPECT_EQ(r->gpus[0].nvml.index, 2u);
  o.gpu = "GPU-00000000-1111-2222-3333-000000000001";
  r = run_probe(o);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->gpus.size(), 1u);
  EXPECT_EQ(r->gpus[0].nvml.index, 1u);
  for (const char* bad : {"3", "GPU-nope", "-1"}) {
    o.gpu = bad;
    r = run_probe(o);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().rule, "gpu-not-found");
  }
}

TEST_F(ProbeTest, NoGpus) {
  set("FAKE_NVML_GPUS", "0");
  ProbeReport r = probe();
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->rule, "gpu-none");
}

TEST_F(ProbeTest, LinkChecks) {
  set("FAKE_NVML_SET", "width=8");
  EXPECT_EQ(verdict_of(probe(true).gpus[0], "pcie-link"), Verdict::warn);
  // At idle a lower generation is power saving; under load it is a problem.
  set("FAKE_NVML_SET", "gen=1");
  EXPECT_EQ(verdict_of(probe(true).gpus[0], "pcie-link"), Verdict::pass);
  ProbeReport r = probe();
  EXPECT_EQ(verdict_of(r.gpus[0], "pcie-link"), Verdict::warn);
  EXPECT_NE(detail_of(r.gpus[0], "pcie-link").find("gen 1 x16 under load, the slot and card allow gen 5"),
            std::string::npos);
}

TEST_F(ProbeTest, EccChecks) {
  const std::pair<const char*, Verdict> cases[] = {{"ecc_vol_unc=2,ecc_agg_unc=2", Verdict::fail},
                                                   {"ecc_agg_unc=1", Verdict::warn},
                                                   {"ecc_vol_corr=40", Verdict::pass},
                                                   {"ecc=0", Verdict::warn},
                                                   {"ecc=0,ecc_pending=1", Verdict::warn}};
  for (const auto& [set_to, v] : cases) {
    set("FAKE_NVML_SET", set_to);
    EXPECT_EQ(verdict_of(probe(true).gpus[0], "ecc"), v) << set_to;
  }
  unsetenv("FAKE_NVML_SET");
  set("FAKE_NVML_FAIL", "nvmlDeviceGetEccMode=3");  // GeForce: no ECC
  ProbeReport r = probe(true);
  EXPECT_EQ(verdict_of(r.gpus[0], "ecc"), Verdict::unrated);
  EXPECT_EQ(r.gpus[0].verdict, Verdict::pass);
}

TEST_F(ProbeTest, RetirementChecks) {
  const std::pair<const char*, Verdict> cases[] = {
      {"remap_failure=1", Verdict::fail}, {"remap_pending=1,remap_unc=1", Verdict::warn}, {"remap_corr=3", Verdict::pass}};
  for (const auto& [set_to, v] : cases) {
    set("FAKE_NVML_SET", set_to);
    EXPECT_EQ(verdict_of(probe(true).gpus[0], "memory-retirement"), v) << set_to;
  }
  nvml_variant = "old";
  set("FAKE_NVML_SET", "retired_pending=1,retired_dbe=2");
  EXPECT_EQ(verdict_of(probe(true).gpus[0], "memory-retirement"), Verdict::warn);
}

TEST_F(ProbeTest, ThermalChecks) {
  const std::pair<const char*, Verdict> cases[] = {{"temp=87", Verdict::warn},     {"temp=86", Verdict::pass},
                                                   {"throttle=0x8", Verdict::warn}, {"throttle=0x40", Verdict::warn},
                                                   {"throttle=0x80", Verdict::warn}, {"throttle=0x20", Verdict::warn},
                                                   {"throttle=0x5", Verdict::pass}};
  for (const auto& [set_to, v] : cases) {
    set("FAKE_NVML_SET", set_to);
    EXPECT_EQ(verdict_of(probe(true).gpus[0], "thermal"), v) << set_to;
  }
}

TEST(CardsTest, PublishedBandwidthByNvmlName) {
  EXPECT_EQ(find_card("NVIDIA H200")->memory_gbps, 4800);
  EXPECT_EQ(find_card("Tesla T4")->memory_gbps, 320);
  EXPECT_EQ(find_card("NVIDIA T4")->memory_gbps, 320);
  EXPECT_EQ(find_card("NVIDIA GeForce RTX 2070 SUPER")->memory_gbps, 448);
  EXPECT_EQ(find_card("GeForce RTX 2070 SUPER")->memory_gbps, 448);
  EXPECT_EQ(find_card("nvidia a100-sxm4-80gb")->memory_gbps, 2039);
  EXPECT_EQ(find_card("NVIDIA H100 80GB HBM3")->memory_gbps, 3350);
  EXPECT_EQ(find_card("NVIDIA H100 PCIe")->memory_gbps, 2000);
  EXPECT_FALSE(find_card("NVIDIA H2000"));
  EXPECT_FALSE(find_card(""));
}

TEST(CardsTest, PcieLinkLimits) {
  EXPECT_NEAR(*pcie_link_gbps(1, 16), 4.0, 1e-9);
  EXPECT_NEAR(*pcie_link_gbps(3, 16), 15.754, 0.001);
  EXPECT_NEAR(*pcie_link_gbps(4, 16), 31.508, 0.001);
  EXPECT_NEAR(*pcie_link_gbps(5, 16), 63.015, 0.001);
  EXPECT_NEAR(*pcie_link_gbps(5, 1), 3.938, 0.001);
  EXPECT_FALSE(pcie_link_gbps(0, 16));
  EXPECT_FALSE(pcie_link_gbps(7, 16));
  EXPECT_FALSE(pcie_link_gbps(4, 0));
}

// A small JSON Schema check (type, required, properties, additionalProperties, items, enum,
// const): enough to hold the probe's output to docs/probe.schema.json.
void validate(const nlohmann::json& v, const nlohmann::json& s, const std::string& path, std::vector<std::string>& errs) {
  auto type_ok = [&](const std::string& t) {
    return (t == "object" && v.is_object()) || (t == "array" && v.is_array()) || (t == "string" && v.is_string()) ||
           (t == "integer" && v.is_number_integer()) || (t == "number" && v.is_number()) ||
           (t == "boolean" && v.is_boolean()) || (t == "null" && v.is_null());
  };
  if (s.contains("type")) {
    bool ok = false;
    for (const auto& t : s["type"].is_array() ? s["type"] : nlohmann::json::array({s["type"]})) {
      ok = ok || type_ok(t.get<std::string>());
    }
    if (!ok) {
      errs.push_back(path + ": type " + std::string(v.type_name()) + " not in " + s["type"].dump());
      return;
    }
  }
  if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end()) {
    errs.push_back(path + ": " + v.dump() + " not in enum");
  }
  if (s.contains("const") && s["const"] != v) {
    errs.push_back(path + ": not " + s["const"].dump());
  }
  if (v.is_object()) {
    for (const auto& k : s.value("required", nlohmann::json::array())) {
      if (!v.contains(k.get<std::string>())) {
        errs.push_back(path + ": missing " + k.get<std::string>());
      }
    }
    for (const auto& [k, x] : v.items()) {
      if (s.contains("properties") && s["properties"].contains(k)) {
        validate(x, s["properties"][k], path + "." + k, errs);
      } else if (s.contains("additionalProperties")) {
        if (s["additionalProperties"].is_boolean()) {
          if (!s["additionalProperties"].get<bool>()) {
            errs.push_back(path + ": unexpected key " + k);
          }
        } else {
          validate(x, s["additionalProperties"], path + "." + k, errs);
        }
      }
    }
  }
  if (v.is_array() && s.contains("items")) {
    for (size_t i = 0; i < v.size(); ++i) {
      validate(v[i], s["items"], path + "[" + std::to_string(i) + "]", errs);
    }
  }
}

std::vector<std::string> schema_errors(const std::string& json_text) {
  std::ifstream f(std::string(TALGPU_SOURCE_DIR) + "/docs/probe.schema.json");
  std::stringstream ss;
  ss << f.rdbuf();
  std::vector<std::string> errs;
  validate(nlohmann::json::parse(json_text), nlohmann::json::parse(ss.str()), "$", errs);
  return errs;
}

TEST_F(ProbeTest, JsonFollowsTheSchema) {
  // Success, quick, unknown card, lost GPU, failed CUDA, no library: every shape of the output.
  std::vector<std::string> outputs;
  outputs.push_back(render_json(probe()));
  outputs.push_back(render_json(probe(true)));
  set("FAKE_NVML_GPUS", "2");
  set("FAKE_NVML_FAIL", "nvmlDeviceGetHandleByIndex_v2@1=15,nvmlDeviceGetTemperature=3");
  set("FAKE_NVML_NAME", "Some GPU");
  set("FAKE_CUDA_MAX_PTX", "5.0");
  outputs.push_back(render_json(probe()));
  nvml_variant = "old";
  outputs.push_back(render_json(probe()));
  nvml_variant = "none";
  outputs.push_back(render_json(probe()));
  for (const auto& out : outputs) {
    auto errs = schema_errors(out);
    EXPECT_TRUE(errs.empty()) << ::testing::PrintToString(errs) << "\n" << out;
  }
  // And the schema check itself catches a wrong document.
  EXPECT_FALSE(schema_errors(R"({"schema":"talgpu.probe/v1"})").empty());
  auto j = nlohmann::json::parse(outputs[0]);
  j["gpus"][0]["verdict"] = "great";
  EXPECT_FALSE(schema_errors(j.dump()).empty());
}

TEST_F(ProbeTest, TextEscapesControlCharacters) {
  set("FAKE_NVML_NAME", "Evil\x1b[31mGPU");
  std::string text = render_text(probe(true), false);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("Evil\\x1b[31mGPU"), std::string::npos);
}

}  // namespace
}  // namespace talgpu::gpu
