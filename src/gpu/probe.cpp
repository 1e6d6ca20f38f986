// The probe's driver: NVML first (it names the GPUs and says whether the driver is there at all),
// then, unless --quick, the CUDA driver API on each GPU in turn. GPUs are measured one after the
// other so that one card's host transfers do not share the host's memory bus with another's.
// CUDA devices are matched to NVML's by PCI address: CUDA's ordinals follow CUDA_VISIBLE_DEVICES
// and CUDA_DEVICE_ORDER, NVML's do not.

#include <gpu/probe.hpp>

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

namespace talgpu::gpu {

namespace {

using PciKey = std::tuple<unsigned, unsigned, unsigned>;

// cuInit's failures, said plainly.
Error cuda_init_error(CudaDriver& cu, int rc) {
  std::string what = fmt::format("cuInit: {} ({})", cu.error_name(rc), cu.error_string(rc));
  switch (rc) {
    case cu::no_device:
      return Error(what + ": CUDA sees no GPU (CUDA_VISIBLE_DEVICES, or a container without GPU devices)", {},
                   "gpu-cuda-no-device");
    case cu::insufficient_driver:
      return Error(what + ": libcuda.so.1 is newer than the kernel driver", {}, "gpu-driver-mismatch");
    case cu::system_driver_mismatch:
    case cu::compat_not_supported_on_device:
      return Error(what + ": libcuda.so.1 and the loaded kernel module are different versions", {},
                   "gpu-driver-mismatch");
    case cu::stub_library:
      return Error(what + ": this libcuda.so.1 is the CUDA toolkit's link stub, not the driver's library", {},
                   "gpu-cuda-stub");
    default:
      return Error(what, {}, "gpu-cuda-init");
  }
}

std::map<PciKey, int> cuda_devices_by_pci(CudaDriver& cu) {
  std::map<PciKey, int> out;
  int count = 0;
  if (cu.device_count(&count) != cu::success) {
    return out;
  }
  for (int i = 0; i < count; ++i) {
    int dev = 0, domain = 0, bus = 0, slot = 0;
    if (cu.device_get(&dev, i) == cu::success && cu.device_attribute(&domain, cu::attr_pci_domain_id, dev) == cu::success &&
        cu.device_attribute(&bus, cu::attr_pci_bus_id, dev) == cu::success &&
        cu.device_attribute(&slot, cu::attr_pci_device_id, dev) == cu::success) {
      out.emplace(PciKey(domain, bus, slot), i);
    }
  }
  return out;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() < 10 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The NVML indices --gpu selects: all of them, one index, or the GPU with that UUID.
Result<std::vector<NvmlGpu>> select_gpus(Nvml& nvml, const std::optional<std::string>& want) {
  unsigned count = nvml.device_count();
  std::vector<NvmlGpu> out;
  if (want && all_digits(*want)) {
    unsigned idx = static_cast<unsigned>(std::stoul(*want));
    if (idx >= count) {
      return fail(fmt::format("--gpu {}: no such GPU (NVML sees {} GPU{}, indices 0-{})", *want, count,
                              count == 1 ? "" : "s", count == 0 ? 0 : count - 1),
                  {}, "gpu-not-found");
    }
    out.push_back(nvml.gpu(idx));
    return out;
  }
  std::vector<std::string> uuids;
  for (unsigned i = 0; i < count; ++i) {
    NvmlGpu g = nvml.gpu(i);
    if (!want || (g.uuid.ok() && *g.uuid.value == *want)) {
      out.push_back(std::move(g));
    } else if (g.uuid.ok()) {
      uuids.push_back(*g.uuid.value);
    }
  }
  if (want && out.empty()) {
    return fail(fmt::format("--gpu {}: no GPU has this index or UUID{}", *want,
                            uuids.empty() ? "" : fmt::format(" (UUIDs: {})", fmt::join(uuids, ", "))),
                {}, "gpu-not-found");
  }
  return out;
}

}  // namespace

Result<ProbeReport> run_probe_with(Nvml& nvml, CudaDriver* cuda, const ProbeOptions& opts) {
  ProbeReport r;
  r.quick = opts.quick;
  r.nvml_library = opts.nvml_library;
  r.cuda_library = opts.quick ? "" : opts.cuda_library;
  r.system = nvml.system();
  if (nvml.device_count() == 0) {
    r.error = Error("NVML found no NVIDIA GPU on this host", {}, "gpu-none");
    summarise(r);
    return r;
  }
  TRY_ASSIGN(auto selected, select_gpus(nvml, opts.gpu));

  std::map<PciKey, int> by_pci;
  if (!opts.quick) {
    if (cuda == nullptr) {
      r.cuda_error = Error("the CUDA driver library is not loaded", {}, "gpu-cuda-missing");
    } else if (int rc = cuda->init(); rc != cu::success) {
      r.cuda_error = cuda_init_error(*cuda, rc);
    } else {
      int v = 0;
      if (cuda->driver_version(&v) == cu::success) {
        r.cuda_driver_version = v;
      }
      by_pci = cuda_devices_by_pci(*cuda);
    }
  }

  for (NvmlGpu& n : selected) {
    GpuReport g;
    g.nvml = std::move(n);
    const NvmlGpu& x = g.nvml;
    if (x.name.ok()) {
      g.card = find_card(*x.name);
    }
    if (x.link_gen_max.ok() && x.link_width_max.ok()) {
      g.pcie_limit_gbps = pcie_link_gbps(*x.link_gen_max, *x.link_width_max);
    }
    bool measurable = !opts.quick && !r.cuda_error && !x.lost && !x.mig_enabled.value.value_or(false);
    if (measurable) {
      g.cuda = CudaMeasure{};
      if (x.pci_domain.ok()) {
        auto it = by_pci.find(PciKey(*x.pci_domain, *x.pci_bus, *x.pci_device));
        if (it != by_pci.end()) {
          g.cuda = measure_gpu(*cuda, it->second, opts, x.memory_total_bytes.value.value_or(0));
          g.under_load = nvml.dynamic(x.index);
        }
      }
    }
    judge_gpu(g, opts.quick, r.cuda_error);
    r.gpus.push_back(std::move(g));
  }
  summarise(r);
  return r;
}

Result<ProbeReport> run_probe(const ProbeOptions& opts) {
  auto nvml = open_nvml(opts.nvml_library);
  if (!nvml) {
    ProbeReport r;
    r.quick = opts.quick;
    r.nvml_library = opts.nvml_library;
    r.cuda_library = opts.quick ? "" : opts.cuda_library;
    r.error = nvml.error();
    summarise(r);
    return r;
  }
  std::unique_ptr<CudaDriver> cuda;
  std::optional<Error> cuda_open_error;
  if (!opts.quick) {
    auto c = open_cuda(opts.cuda_library);
    if (c) {
      cuda = std::move(*c);
    } else {
      cuda_open_error = c.error();
    }
  }
  TRY_ASSIGN(ProbeReport r, run_probe_with(**nvml, cuda.get(), opts));
  if (cuda_open_error) {
    // Re-judge with the real reason the CUDA library could not be used.
    r.cuda_error = cuda_open_error;
    for (auto& g : r.gpus) {
      judge_gpu(g, opts.quick, r.cuda_error);
    }
    summarise(r);
  }
  return r;
}

}  // namespace talgpu::gpu
