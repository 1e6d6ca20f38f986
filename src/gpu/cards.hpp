#pragma once
// Published limits the probe measures against: each card's memory bandwidth (from NVIDIA's
// datasheets and product pages) and the usable bandwidth of a PCIe link.

#include <optional>
#include <string>
#include <string_view>

namespace talgpu::gpu {

struct CardSpec {
  const char* name;         // NVML's name for it, as nvidia-smi prints it
  double memory_gbps;       // published memory bandwidth, GB/s (10^9 bytes per second)
  const char* source;       // where the figure is published
};

// The card whose NVML name is `nvml_name` (case and "NVIDIA "/"Tesla "/"GeForce " prefixes ignored),
// or nothing for a card not in the table.
std::optional<CardSpec> find_card(std::string_view nvml_name);

// Bandwidth of one direction of a PCIe link of `gen` x `width`, GB/s, after line encoding
// (8b/10b for gen 1-2, 128b/130b for 3-5, FLIT 242/256 for 6): e.g. gen 4 x16 = 31.5 GB/s. Packet
// headers cost a further 5-15% that no copy gets back, which the thresholds allow for.
std::optional<double> pcie_link_gbps(unsigned gen, unsigned width);

}  // namespace talgpu::gpu
