#pragma once
// `talgpu probe`: is each GPU on this host healthy, and does it perform near its physical limits?
//
// Two sources, both loaded at run time so talgpu needs no CUDA toolkit:
//   - NVML (libnvidia-ml.so.1): identity, link, memory, ECC, retirement, thermals, clocks, modes;
//   - the CUDA driver API (libcuda.so.1): kernels JIT-compiled from embedded PTX, a vector add
//     verified element by element, a device-to-device copy kernel, pinned host<->device copies.
// The result is a report of readings, measurements and one verdict per check; renderers turn it
// into text or JSON (docs/probe.schema.json).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <core/error.hpp>
#include <gpu/cards.hpp>
#include <gpu/cuda_driver.hpp>
#include <gpu/nvml.hpp>

namespace talgpu::gpu {

// Ordered worst-last so std::max gives the worse of two.
enum class Verdict { skipped, unrated, pass, warn, fail };
const char* verdict_name(Verdict v);
Verdict worse(Verdict a, Verdict b);

struct Check {
  std::string id;  // stable: nvml, pcie-link, ecc, memory-retirement, thermal, vector-add, ...
  Verdict verdict = Verdict::skipped;
  std::string detail;
};

// One bandwidth measurement: the best of several timed repetitions.
struct Bandwidth {
  uint64_t bytes = 0;      // bytes moved per operation (a copy counts its read and its write)
  double gbps = 0;         // 10^9 bytes per second
  std::optional<double> reference_gbps;  // the published / link limit it is compared with
  std::optional<double> fraction;        // gbps / reference
};

// What the CUDA part found on one GPU.
struct CudaMeasure {
  std::optional<int> ordinal;  // the CUDA device ordinal matched to this NVML GPU (by PCI address)
  // Set when the CUDA part stopped early: which step, and why (the remaining checks are skipped).
  std::optional<Error> error;
  std::string failed_step;  // "context", "module", "vector-add", "transfer", "copy"
  std::string jit_log;
  std::optional<uint64_t> vecadd_elements;
  std::optional<uint64_t> vecadd_mismatches;
  std::string vecadd_first_mismatch;  // "c[17] = 3 (expected 4)"
  std::optional<Bandwidth> d2d, h2d, d2h;
  std::string d2d_launch;  // the fastest copy: "talgpu_copy8 264x256" (kernel, blocks x threads)
  std::optional<bool> copies_intact;  // host -> device -> device -> host round trip verified
  std::string copies_first_mismatch;
};

struct GpuReport {
  NvmlGpu nvml;
  std::optional<NvmlDynamic> under_load;  // re-read right after the transfers
  std::optional<CardSpec> card;
  std::optional<double> pcie_limit_gbps;  // max gen x max width
  std::optional<CudaMeasure> cuda;        // absent with --quick
  std::vector<Check> checks;
  Verdict verdict = Verdict::skipped;
};

struct ProbeReport {
  bool quick = false;
  std::string nvml_library;
  std::string cuda_library;
  std::optional<Error> error;       // no probe at all (no driver, mismatch, ...): exit 1
  std::optional<Error> cuda_error;  // libcuda unusable: every CUDA check fails
  NvmlSystem system;
  std::optional<int> cuda_driver_version;  // cuDriverGetVersion
  std::vector<GpuReport> gpus;
  Verdict verdict = Verdict::skipped;
  std::optional<size_t> weakest;  // position in `gpus`
  std::string weakest_reason;
};

struct ProbeOptions {
  bool quick = false;
  std::optional<std::string> gpu;  // NVML index or UUID
  std::string nvml_library;
  std::string cuda_library;
  uint64_t copy_bytes = 1ull << 30;      // each of the two device buffers of the D2D copy (at most)
  uint64_t transfer_bytes = 256ull << 20;  // each host<->device copy (at most)
  uint64_t vecadd_elements = 1ull << 22;  // floats per vector of the vector add
  unsigned copy_threads = 256;           // with copy_blocks_per_sm: the only copy launch shape tried
  unsigned copy_blocks_per_sm = 0;       // 0: try the built-in shapes (measure.cpp)
};

// Loads the libraries named in `opts`, probes every selected GPU and judges the readings.
// Fails (exit 2) only when --gpu names no GPU; everything else is in the report.
Result<ProbeReport> run_probe(const ProbeOptions& opts);

// The same with the libraries already open (tests pass in-process fakes). `cuda` may be null.
Result<ProbeReport> run_probe_with(Nvml& nvml, CudaDriver* cuda, const ProbeOptions& opts);

// The CUDA part on one GPU: kernels and copies (measure.cpp).
CudaMeasure measure_gpu(CudaDriver& cuda, int ordinal, const ProbeOptions& opts, uint64_t memory_total_bytes);

// The checks and the verdict of one GPU, and the summary of all (verdicts.cpp). Thresholds:
// docs/probe.md.
void judge_gpu(GpuReport& g, bool quick, const std::optional<Error>& cuda_error);
void summarise(ProbeReport& r);

// Verdict thresholds, as fractions of the published / link figure.
inline constexpr double k_memory_pass = 0.70;
inline constexpr double k_memory_warn = 0.50;
inline constexpr double k_pcie_pass = 0.60;
inline constexpr double k_pcie_warn = 0.35;

}  // namespace talgpu::gpu
