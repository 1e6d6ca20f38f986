#pragma once
// What NVML tells us about the driver and each GPU, behind a small interface so tests can swap the
// library (tests/fakes builds a fake libnvidia-ml.so.1) or the whole object.
//
// Every reading is a `Reading<T>`: a value, or the reason there is none. NVML's return codes fall
// into families (nvml.h, nvmlReturn_t), and the family decides what the probe says:
//   - not supported / no data / function absent in this driver: the card or driver does not have
//     it; a plain "n/a", never a problem;
//   - no permission: "unknown (no permission)";
//   - GPU lost / reset required: the GPU has fallen off the bus; the GPU is marked lost and
//     nothing more is asked of it;
//   - corrupted infoROM / insufficient power: a hardware problem, recorded as such;
//   - anything else (unknown, timeout, IRQ issue, ...): an error on that field.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <core/error.hpp>

namespace talgpu::gpu {

// How a reading went. `unsupported` covers NOT_SUPPORTED, NO_DATA, FUNCTION_NOT_FOUND and a
// symbol the loaded library lacks.
enum class ReadStatus { ok, unsupported, no_permission, lost, hardware, error };

template <typename T>
struct Reading {
  std::optional<T> value;
  ReadStatus status = ReadStatus::unsupported;
  std::string why;  // when !value: "not supported", "no permission", "NVML error 999 (Unknown Error)"

  bool ok() const { return value.has_value(); }
  const T& operator*() const { return *value; }
  static Reading of(T v) { return Reading{std::move(v), ReadStatus::ok, {}}; }
};

struct NvmlSystem {
  Reading<std::string> driver_version;  // "580.65.06"
  Reading<std::string> nvml_version;    // "13.580.65.06"
  Reading<int> cuda_version;            // 13000 = CUDA 13.0 (the newest the driver supports)
};

struct RemappedRows {
  unsigned correctable = 0;
  unsigned uncorrectable = 0;
  bool pending = false;
  bool failure = false;
};

// The clock-event ("throttle") reason bits, nvml.h nvmlClocksEventReason*.
namespace throttle {
inline constexpr uint64_t gpu_idle = 0x1;
inline constexpr uint64_t applications_clocks = 0x2;
inline constexpr uint64_t sw_power_cap = 0x4;
inline constexpr uint64_t hw_slowdown = 0x8;
inline constexpr uint64_t sync_boost = 0x10;
inline constexpr uint64_t sw_thermal = 0x20;
inline constexpr uint64_t hw_thermal = 0x40;
inline constexpr uint64_t hw_power_brake = 0x80;
inline constexpr uint64_t display_clock = 0x100;
// Names of the set bits, in bit order ("gpu_idle", "sw_power_cap", ...).
std::vector<std::string> names(uint64_t reasons);
// The bits that mean the card is being held back by hardware or heat, not by policy or idleness.
inline constexpr uint64_t harmful = hw_slowdown | sw_thermal | hw_thermal | hw_power_brake;
}  // namespace throttle

// The readings that change with load; read once at the start and again after the bandwidth runs.
struct NvmlDynamic {
  Reading<unsigned> link_gen_current;
  Reading<unsigned> link_width_current;
  Reading<unsigned> temperature_c;
  Reading<unsigned> power_mw;
  Reading<unsigned> clock_sm_mhz;
  Reading<unsigned> clock_mem_mhz;
  Reading<uint64_t> throttle_reasons;
};

struct NvmlGpu {
  unsigned index = 0;
  // Set when NVML says the GPU has fallen off the bus (GPU_IS_LOST, RESET_REQUIRED).
  bool lost = false;
  std::string lost_reason;
  // Hardware problems NVML reports as return codes (corrupted infoROM, insufficient power).
  struct HardwareError {
    int code;          // nvmlReturn_t
    std::string text;  // "nvmlDeviceGetEccMode: NVML error 14 (Corrupted infoROM)"
    bool operator==(const HardwareError&) const = default;
  };
  std::vector<HardwareError> hardware_errors;

  Reading<std::string> name;
  Reading<std::string> uuid;
  Reading<std::string> pci_bus_id;  // "00000000:3B:00.0"
  Reading<unsigned> pci_domain, pci_bus, pci_device;
  Reading<unsigned> link_gen_max;        // the most this GPU and this slot can do together
  Reading<unsigned> link_gen_gpu_max;    // the most the GPU can do
  Reading<unsigned> link_width_max;
  Reading<uint64_t> memory_total_bytes;
  Reading<uint64_t> memory_used_bytes;
  Reading<int> cc_major, cc_minor;
  Reading<bool> ecc_enabled;
  Reading<bool> ecc_pending;  // the mode after the next reboot
  Reading<uint64_t> ecc_volatile_corrected, ecc_volatile_uncorrected;
  Reading<uint64_t> ecc_aggregate_corrected, ecc_aggregate_uncorrected;
  Reading<unsigned> retired_pages_sbe, retired_pages_dbe;  // pre-Ampere page retirement
  Reading<bool> retired_pages_pending;
  Reading<RemappedRows> remapped_rows;  // Ampere and newer
  Reading<unsigned> temperature_slowdown_c;
  Reading<unsigned> power_limit_mw;
  Reading<unsigned> clock_sm_max_mhz;
  Reading<unsigned> clock_mem_max_mhz;
  Reading<bool> mig_enabled;
  Reading<bool> persistence_mode;
  NvmlDynamic dynamic;
};

class Nvml {
 public:
  virtual ~Nvml() = default;
  virtual NvmlSystem system() = 0;
  virtual unsigned device_count() = 0;
  virtual NvmlGpu gpu(unsigned index) = 0;
  // Re-reads the load-dependent values of a GPU (no-op on a lost GPU).
  virtual NvmlDynamic dynamic(unsigned index) = 0;
};

// The library the probe loads: $TALGPU_NVML_LIBRARY when set, else "libnvidia-ml.so.1" (found by
// the dynamic loader, as nvidia-smi and the NVIDIA container toolkit do).
std::string nvml_library_path();

// dlopen()s `library`, checks the symbols the probe cannot do without, and initialises NVML.
// Errors carry a stable rule id: gpu-nvml-missing, gpu-nvml-symbol, gpu-driver-not-loaded,
// gpu-driver-mismatch, gpu-nvml-permission, gpu-nvml-init, gpu-nvml-count.
Result<std::unique_ptr<Nvml>> open_nvml(const std::string& library);

// The family of an nvmlReturn_t code (see the top of this file).
inline constexpr int k_nvml_insufficient_power = 8;  // NVML_ERROR_INSUFFICIENT_POWER
ReadStatus nvml_status_family(int code);

}  // namespace talgpu::gpu
