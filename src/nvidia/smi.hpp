#pragma once
// `nvidia-smi`'s default table, as drivers 535 to 580 print it (tests/fixtures/upstream/nvidia-smi/):
//
//   | NVIDIA-SMI 535.247.01             Driver Version: 535.247.01   CUDA Version: 12.2     |
//   |=========================================+======================+======================|
//   |   0  NVIDIA GeForce RTX 2070 ...    On  | 00000000:2D:00.0 Off |                  N/A |
//   |  0%   45C    P8              19W / 215W |      1MiB /  8192MiB |      0%      Default |
//   |                                         |                      |             Disabled |   (570+: MIG M.)
//   +-----------------------------------------+----------------------+----------------------+
//
// One GPU per block: index, name (cut with "..." when longer than the column), persistence mode,
// bus id, memory used/total in MiB. The "Processes:" table that follows is not read.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <core/error.hpp>

namespace talgpu::nvidia {

struct SmiGpu {
  int index = 0;
  std::string name;             // as printed, without the trailing "..."
  bool name_truncated = false;  // nvidia-smi cut it to fit the column
  std::string bus_id;           // "00000000:2D:00.0"
  std::optional<int64_t> memory_used_mib;
  std::optional<int64_t> memory_total_mib;
};

struct SmiReport {
  std::string driver_version;  // "535.247.01"
  std::string cuda_version;    // "12.2": the newest CUDA the driver supports
  std::vector<SmiGpu> gpus;
};

// Parses the table. An output without the NVIDIA-SMI header is an error that quotes nvidia-smi's
// own first line ("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver...").
Result<SmiReport> parse_nvidia_smi(std::string_view text);

}  // namespace talgpu::nvidia
