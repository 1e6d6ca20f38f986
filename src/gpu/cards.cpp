#include <gpu/cards.hpp>

#include <core/strings.hpp>

namespace talgpu::gpu {

namespace {

// Memory bandwidth as NVIDIA publishes it. Names are NVML's (nvmlDeviceGetName), which nvidia-smi
// prints; several cards share a figure across variants. A card missing here still gets its GB/s,
// just no fraction of a published figure.
constexpr CardSpec k_cards[] = {
    {"GeForce RTX 2070 SUPER", 448, "nvidia.com GeForce RTX 2070 Super specifications: 448 GB/s"},
    {"GeForce RTX 3090", 936, "nvidia.com GeForce RTX 3090 specifications: 936 GB/s"},
    {"GeForce RTX 4090", 1008, "nvidia.com GeForce RTX 4090 specifications: 1008 GB/s"},
    {"T4", 320, "NVIDIA T4 Tensor Core GPU datasheet: 320+ GB/s"},
    {"V100-SXM2-16GB", 900, "NVIDIA V100 Tensor Core GPU datasheet: 900 GB/s"},
    {"V100-SXM2-32GB", 900, "NVIDIA V100 Tensor Core GPU datasheet: 900 GB/s"},
    {"V100-PCIE-16GB", 900, "NVIDIA V100 Tensor Core GPU datasheet: 900 GB/s"},
    {"V100-PCIE-32GB", 900, "NVIDIA V100 Tensor Core GPU datasheet: 900 GB/s"},
    {"V100S-PCIE-32GB", 1134, "NVIDIA V100S datasheet: 1134 GB/s"},
    {"L4", 300, "NVIDIA L4 Tensor Core GPU datasheet: 300 GB/s"},
    {"A10", 600, "NVIDIA A10 Tensor Core GPU datasheet: 600 GB/s"},
    {"A10G", 600, "AWS EC2 G5 instances (NVIDIA A10G): 600 GB/s"},
    {"A30", 933, "NVIDIA A30 Tensor Core GPU datasheet: 933 GB/s"},
    {"A40", 696, "NVIDIA A40 datasheet: 696 GB/s"},
    {"L40", 864, "NVIDIA L40 datasheet: 864 GB/s"},
    {"L40S", 864, "NVIDIA L40S datasheet: 864 GB/s"},
    {"RTX A6000", 768, "NVIDIA RTX A6000 datasheet: 768 GB/s"},
    {"A100-PCIE-40GB", 1555, "NVIDIA A100 Tensor Core GPU datasheet: A100 40GB PCIe 1,555 GB/s"},
    {"A100-SXM4-40GB", 1555, "NVIDIA A100 Tensor Core GPU datasheet: A100 40GB SXM 1,555 GB/s"},
    {"A100 80GB PCIe", 1935, "NVIDIA A100 Tensor Core GPU datasheet: A100 80GB PCIe 1,935 GB/s"},
    {"A100-SXM4-80GB", 2039, "NVIDIA A100 Tensor Core GPU datasheet: A100 80GB SXM 2,039 GB/s"},
    {"H100 PCIe", 2000, "NVIDIA H100 Tensor Core GPU datasheet: H100 PCIe 2 TB/s"},
    {"H100 80GB HBM3", 3350, "NVIDIA H100 Tensor Core GPU datasheet: H100 SXM 3.35 TB/s"},
    {"H100 NVL", 3900, "NVIDIA H100 Tensor Core GPU datasheet: H100 NVL 3.9 TB/s"},
    {"H200", 4800, "NVIDIA H200 Tensor Core GPU datasheet: H200 SXM 4.8 TB/s"},
    {"H200 NVL", 4800, "NVIDIA H200 Tensor Core GPU datasheet: H200 NVL 4.8 TB/s"},
};

// Lower case, without a leading "nvidia ", "tesla " or "geforce " (older drivers drop "NVIDIA",
// newer ones add it), so "Tesla T4" and "NVIDIA T4" both read "t4".
std::string normalize(std::string_view name) {
  std::string s = to_lower(trim(name));
  for (bool again = true; again;) {
    again = false;
    for (std::string_view prefix : {"nvidia ", "tesla ", "geforce "}) {
      if (s.rfind(prefix, 0) == 0) {
        s.erase(0, prefix.size());
        again = true;
      }
    }
  }
  return s;
}

}  // namespace

std::optional<CardSpec> find_card(std::string_view nvml_name) {
  std::string key = normalize(nvml_name);
  for (const auto& c : k_cards) {
    if (normalize(c.name) == key) {
      return c;
    }
  }
  return std::nullopt;
}

std::optional<double> pcie_link_gbps(unsigned gen, unsigned width) {
  // Per lane, one direction, GB/s: transfer rate x encoding efficiency / 8 bits (PCI-SIG base
  // specifications 1.0-6.0: 2.5, 5, 8, 16, 32, 64 GT/s).
  static constexpr double k_lane[] = {0, 2.5 * 8 / 10 / 8, 5.0 * 8 / 10 / 8, 8.0 * 128 / 130 / 8,
                                      16.0 * 128 / 130 / 8, 32.0 * 128 / 130 / 8, 64.0 * 242 / 256 / 8};
  if (gen == 0 || gen >= std::size(k_lane) || width == 0 || width > 32) {
    return std::nullopt;
  }
  return k_lane[gen] * width;
}

}  // namespace talgpu::gpu
