#pragma once
// CUDA ↔ driver compatibility, and the NVIDIA_REQUIRE_* language the container stack enforces.
//
// Three different questions hide behind "does this CUDA image run on that node":
//  1. Will the container *start*? libnvidia-container evaluates every NVIDIA_REQUIRE_* variable of
//     the image (NVIDIA/libnvidia-container src/cli/dsl.c, rules in src/cli/configure.c) against the
//     driver: `cuda` is the newest CUDA the driver supports (NVML nvmlSystemGetCudaDriverVersion),
//     `driver` the driver version, `brand`/`arch` the GPU. Space separates OR groups, comma ANDs
//     terms, separate variables are ANDed (nvidia-container-toolkit cmd/nvidia-container-runtime-hook
//     passes one --require per variable). NVIDIA_DISABLE_REQUIRE skips all of it
//     (internal/config/image/cuda_image.go).
//  2. Will CUDA *work* once started? Natively when the driver's CUDA ceiling is >= the image's CUDA;
//     through minor-version compatibility (CUDA 11+: same major, driver >= that family's minimum,
//     with a reduced feature set and no PTX JIT) — worth a warning; through forward compatibility
//     (the image's cuda-compat libraries) only on data-center GPUs — consumer cards fail with CUDA
//     error 804.
//  3. What is the ceiling of a driver? It is fixed by the driver branch; the table below follows
//     NVIDIA's "CUDA Toolkit and Corresponding Driver Versions" (CUDA release notes, Table 3).
//
// The official CUDA images' NVIDIA_REQUIRE_CUDA strings (gitlab nvidia/container-images/cuda
// dist/<ver>/<os>/base/Dockerfile) are reproduced by `official_require_cuda` so a tag alone is
// enough to predict question 1 for nvcr.io/nvidia/cuda and docker.io/nvidia/cuda.

#include <compare>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <core/version.hpp>

namespace talgpu::nvidia {

struct CudaVersion {
  int major = 0;
  int minor = 0;
  int patch = -1;  // -1 when not stated ("12.2" vs "12.2.0")

  // "12", "12.2", "12.2.0"; nullopt for anything else.
  static std::optional<CudaVersion> parse(std::string_view text);
  std::string str() const;        // "12.2" or "12.2.0" as parsed
  std::string minor_str() const;  // "12.2"
  // Ordering on major.minor only: the driver ceiling and requirements are major.minor.
  std::strong_ordering operator<=>(const CudaVersion& o) const {
    if (auto c = major <=> o.major; c != 0) {
      return c;
    }
    return minor <=> o.minor;
  }
  bool operator==(const CudaVersion& o) const { return major == o.major && minor == o.minor; }
};

// The newest CUDA a driver supports ("CUDA Version" in nvidia-smi): decided by the driver branch.
// 535.247.01 -> 12.2, 570.172.08 -> 12.8, 580.159.04 -> 13.0. nullopt below R450 (CUDA 10.x).
std::optional<CudaVersion> cuda_ceiling(const Version& driver);
// The driver that shipped with a toolkit (Table 3, GA row of that minor): full support from there.
std::optional<Version> toolkit_driver(const CudaVersion& cuda);
// Minor-version compatibility floor of a CUDA major family: 11 -> 450.80.02, 12 -> 525.60.13,
// 13 -> 580 (the docs give only the branch). nullopt for families without minor compatibility.
std::optional<Version> minor_compat_floor(int cuda_major);

// Facts the requirement language compares against. Empty optional = unknown.
struct DriverFacts {
  std::string driver;  // "535.247.01"
  std::string cuda;    // driver ceiling, "12.2"
  std::string brand;   // libnvidia-container brand name: "GeForce", "Tesla", "Unknown", ...
  std::string arch;    // compute capability "7.5"
};

enum class Comparator { equal, not_equal, less, less_equal, greater, greater_equal };

// dsl_compare_version: numeric dot-segment comparison, trailing ".0"s ignored ("12.10" > "12.4").
// Returns -1 when either side has characters other than digits and dots.
int compare_dsl_version(std::string_view a, Comparator cmp, std::string_view b);

enum class RequireStatus { satisfied, unsatisfied, invalid };

struct RequireResult {
  RequireStatus status = RequireStatus::satisfied;
  // The message libnvidia-container prints ("unsatisfied condition: cuda>=12.5, please update your
  // driver to a newer version, or use an earlier cuda container", or "invalid expression").
  std::string message;
  int satisfied_group = -1;  // index of the OR group that held (0 = the first, usually cuda>=X.Y)
};

// Evaluates one NVIDIA_REQUIRE_* value like dsl_evaluate: groups split on spaces (OR), terms on
// commas (AND), keys cuda/driver/brand/arch (case-insensitive), evaluation stops at the first false
// term of a group and at the first group that holds. An unknown value (empty field in `facts`)
// makes its terms true, as the library does when NVML cannot tell or no GPU is visible.
RequireResult evaluate_require(std::string_view predicate, const DriverFacts& facts);

// The NVIDIA_REQUIRE_CUDA string of an official CUDA image of `version` (x86_64), or nullopt when
// that release is not covered by the table.
std::optional<std::string> official_require_cuda(const CudaVersion& version);

// The newest official CUDA base image (nvcr.io/nvidia/cuda:<X.Y.Z>-base-ubuntu22.04) whose CUDA
// is at most `ceiling`, or nullopt below 11.8. Tags: the last patch release of each minor in
// gitlab.com/nvidia/container-images/cuda dist/ (11.8.0, 12.0.1, ..., 12.9.1, 13.0.1).
std::optional<std::string> cuda_base_image(const CudaVersion& ceiling);

// What a container needs, from its image and environment.
struct ImageNeeds {
  std::optional<CudaVersion> cuda;      // the CUDA the image was built with
  std::vector<std::string> requires_;   // NVIDIA_REQUIRE_* values, in name order
  bool disable_require = false;         // NVIDIA_DISABLE_REQUIRE parsed as a Go bool
  bool official_image = false;          // requirements synthesised from an official CUDA tag
};

// Go strconv.ParseBool: 1 t T TRUE true True (false forms parse too, as false); nullopt otherwise.
std::optional<bool> parse_go_bool(std::string_view s);

// Combines the image's CUDA (from its tag) with the container env: NVIDIA_REQUIRE_* variables
// override anything derived from the tag; CUDA_VERSION alone yields "cuda>=major.minor" (legacy
// images, cuda_image.go).
ImageNeeds image_needs(std::optional<CudaVersion> tag_cuda, bool official_cuda_image,
                       const std::map<std::string, std::string>& env);

enum class GpuClass { unknown, datacenter, consumer };

// Brand names libnvidia-container reports for common product lines, for DriverFacts.brand.
GpuClass gpu_class_of_brand(std::string_view brand);

enum class CudaVerdict {
  ok,                  // native support
  minor_compat,        // same major, runs with a reduced feature set (warning)
  forward_compat,      // relies on cuda-compat; fine on data-center GPUs (warning)
  wont_start,          // requirement unsatisfied: the runtime refuses to start the container
  cuda_fails,          // starts, but CUDA initialisation fails (driver too old / error 804)
  unknown,             // not enough information
};

struct CudaCheck {
  CudaVerdict verdict = CudaVerdict::unknown;
  std::string message;  // one line, for a finding
};

// The whole decision for one container on one driver (§1.4 of our NVIDIA notes).
CudaCheck check_cuda(const ImageNeeds& needs, const DriverFacts& facts, GpuClass gpu);

const char* verdict_name(CudaVerdict v);

}  // namespace talgpu::nvidia
