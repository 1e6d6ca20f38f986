// NVML through dlopen(). The prototypes below restate the few entry points the probe calls, as
// NVIDIA's nvml.h declares them (NVML API version 13, as shipped in NVIDIA/go-nvml pkg/nvml/nvml.h);
// nvml.h maps the plain names onto versioned symbols (nvmlInit -> nvmlInit_v2,
// nvmlDeviceGetCount -> nvmlDeviceGetCount_v2, nvmlDeviceGetHandleByIndex -> ..._v2,
// nvmlDeviceGetPciInfo -> nvmlDeviceGetPciInfo_v3), and we look those up by their real names.
// Nothing here includes an NVIDIA header.

#include <gpu/nvml.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include <gpu/dynlib.hpp>

namespace talgpu::gpu {

namespace {

// nvml.h: typedef struct nvmlDevice_st* nvmlDevice_t; nvmlReturn_t is an int-sized enum.
using Device = struct nvmlDevice_st*;

// nvml.h nvmlReturn_t values the probe treats specially.
enum : int {
  k_success = 0,
  k_uninitialized = 1,
  k_not_supported = 3,
  k_no_permission = 4,
  k_insufficient_size = 7,
  k_insufficient_power = 8,
  k_driver_not_loaded = 9,
  k_function_not_found = 13,
  k_corrupted_inforom = 14,
  k_gpu_is_lost = 15,
  k_reset_required = 16,
  k_lib_rm_version_mismatch = 18,
  k_no_data = 21,
};

// nvml.h nvmlPciInfo_t (the layout nvmlDeviceGetPciInfo_v3 fills).
struct PciInfo {
  char bus_id_legacy[16];
  unsigned domain;
  unsigned bus;
  unsigned device;
  unsigned pci_device_id;
  unsigned pci_subsystem_id;
  char bus_id[32];
};

// nvml.h nvmlMemory_t.
struct MemoryInfo {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

// Enumerator values from nvml.h.
constexpr int k_temperature_gpu = 0;              // NVML_TEMPERATURE_GPU
constexpr int k_threshold_slowdown = 1;           // NVML_TEMPERATURE_THRESHOLD_SLOWDOWN
constexpr int k_clock_sm = 1, k_clock_mem = 2;    // NVML_CLOCK_SM, NVML_CLOCK_MEM
constexpr int k_corrected = 0, k_uncorrected = 1; // nvmlMemoryErrorType_t
constexpr int k_volatile = 0, k_aggregate = 1;    // nvmlEccCounterType_t
constexpr int k_retire_sbe = 0, k_retire_dbe = 1; // nvmlPageRetirementCause_t

struct Api {
  int (*init)() = nullptr;  // nvmlInit_v2
  int (*shutdown)() = nullptr;
  const char* (*error_string)(int) = nullptr;
  int (*driver_version)(char*, unsigned) = nullptr;
  int (*nvml_version)(char*, unsigned) = nullptr;
  int (*cuda_version)(int*) = nullptr;  // nvmlSystemGetCudaDriverVersion (the kernel driver's)
  int (*count)(unsigned*) = nullptr;
  int (*handle)(unsigned, Device*) = nullptr;
  int (*name)(Device, char*, unsigned) = nullptr;
  int (*uuid)(Device, char*, unsigned) = nullptr;
  int (*pci)(Device, PciInfo*) = nullptr;
  int (*link_gen_max)(Device, unsigned*) = nullptr;
  int (*link_gen_gpu_max)(Device, unsigned*) = nullptr;
  int (*link_width_max)(Device, unsigned*) = nullptr;
  int (*link_gen_cur)(Device, unsigned*) = nullptr;
  int (*link_width_cur)(Device, unsigned*) = nullptr;
  int (*memory)(Device, MemoryInfo*) = nullptr;
  int (*cc)(Device, int*, int*) = nullptr;
  int (*ecc_mode)(Device, int*, int*) = nullptr;
  int (*ecc_errors)(Device, int, int, unsigned long long*) = nullptr;
  int (*retired_pages)(Device, int, unsigned*, unsigned long long*) = nullptr;
  int (*retired_pending)(Device, int*) = nullptr;
  int (*remapped_rows)(Device, unsigned*, unsigned*, unsigned*, unsigned*) = nullptr;
  int (*temperature)(Device, int, unsigned*) = nullptr;
  int (*temperature_threshold)(Device, int, unsigned*) = nullptr;
  int (*power)(Device, unsigned*) = nullptr;
  int (*power_limit)(Device, unsigned*) = nullptr;
  int (*clock)(Device, int, unsigned*) = nullptr;
  int (*clock_max)(Device, int, unsigned*) = nullptr;
  int (*throttle)(Device, unsigned long long*) = nullptr;
  int (*mig_mode)(Device, unsigned*, unsigned*) = nullptr;
  int (*persistence)(Device, int*) = nullptr;
};

// The symbols without which there is no probe at all.
constexpr const char* k_required[] = {"nvmlInit_v2", "nvmlShutdown", "nvmlErrorString", "nvmlSystemGetDriverVersion",
                                      "nvmlDeviceGetCount_v2", "nvmlDeviceGetHandleByIndex_v2"};

template <typename Fn>
void bind(const DynamicLibrary& lib, Fn& slot, const char* name) {
  slot = lib.get<Fn>(name);
}

void bind_all(const DynamicLibrary& lib, Api& a) {
  bind(lib, a.init, "nvmlInit_v2");
  bind(lib, a.shutdown, "nvmlShutdown");
  bind(lib, a.error_string, "nvmlErrorString");
  bind(lib, a.driver_version, "nvmlSystemGetDriverVersion");
  bind(lib, a.nvml_version, "nvmlSystemGetNVMLVersion");
  bind(lib, a.cuda_version, "nvmlSystemGetCudaDriverVersion");
  bind(lib, a.count, "nvmlDeviceGetCount_v2");
  bind(lib, a.handle, "nvmlDeviceGetHandleByIndex_v2");
  bind(lib, a.name, "nvmlDeviceGetName");
  bind(lib, a.uuid, "nvmlDeviceGetUUID");
  bind(lib, a.pci, "nvmlDeviceGetPciInfo_v3");
  bind(lib, a.link_gen_max, "nvmlDeviceGetMaxPcieLinkGeneration");
  bind(lib, a.link_gen_gpu_max, "nvmlDeviceGetGpuMaxPcieLinkGeneration");
  bind(lib, a.link_width_max, "nvmlDeviceGetMaxPcieLinkWidth");
  bind(lib, a.link_gen_cur, "nvmlDeviceGetCurrPcieLinkGeneration");
  bind(lib, a.link_width_cur, "nvmlDeviceGetCurrPcieLinkWidth");
  bind(lib, a.memory, "nvmlDeviceGetMemoryInfo");
  bind(lib, a.cc, "nvmlDeviceGetCudaComputeCapability");
  bind(lib, a.ecc_mode, "nvmlDeviceGetEccMode");
  bind(lib, a.ecc_errors, "nvmlDeviceGetTotalEccErrors");
  bind(lib, a.retired_pages, "nvmlDeviceGetRetiredPages");
  bind(lib, a.retired_pending, "nvmlDeviceGetRetiredPagesPendingStatus");
  bind(lib, a.remapped_rows, "nvmlDeviceGetRemappedRows");
  bind(lib, a.temperature, "nvmlDeviceGetTemperature");
  bind(lib, a.temperature_threshold, "nvmlDeviceGetTemperatureThreshold");
  bind(lib, a.power, "nvmlDeviceGetPowerUsage");
  bind(lib, a.power_limit, "nvmlDeviceGetEnforcedPowerLimit");
  bind(lib, a.clock, "nvmlDeviceGetClockInfo");
  bind(lib, a.clock_max, "nvmlDeviceGetMaxClockInfo");
  // Renamed in NVML 12.x ("clocks event reasons"); the old name is still exported by older drivers.
  bind(lib, a.throttle, "nvmlDeviceGetCurrentClocksEventReasons");
  if (a.throttle == nullptr) {
    bind(lib, a.throttle, "nvmlDeviceGetCurrentClocksThrottleReasons");
  }
  bind(lib, a.mig_mode, "nvmlDeviceGetMigMode");
  bind(lib, a.persistence, "nvmlDeviceGetPersistenceMode");
}

class DlNvml final : public Nvml {
 public:
  DlNvml(std::unique_ptr<DynamicLibrary> lib, Api api) : m_lib(std::move(lib)), m_api(api) {}
  ~DlNvml() override { m_api.shutdown(); }

  NvmlSystem system() override;
  unsigned device_count() override { return m_count; }
  NvmlGpu gpu(unsigned index) override;
  NvmlDynamic dynamic(unsigned index) override;

  Result<void> count_devices();

 private:
  std::string describe(int rc) const {
    const char* s = m_api.error_string(rc);
    return fmt::format("NVML error {} ({})", rc, s != nullptr ? s : "unknown");
  }

  // Runs one NVML call and turns its return code into a Reading (see nvml.hpp for the families).
  template <typename T, typename Fn, typename Call>
  Reading<T> read(NvmlGpu* g, Fn fn, const char* symbol, Call&& call) {
    Reading<T> r;
    if (g != nullptr && g->lost) {
      r.status = ReadStatus::lost;
      r.why = "GPU lost";
      return r;
    }
    if (fn == nullptr) {
      r.status = ReadStatus::unsupported;
      r.why = fmt::format("not in this driver's NVML ({})", symbol);
      return r;
    }
    T value{};
    int rc = call(value);
    if (rc == k_success) {
      return Reading<T>::of(std::move(value));
    }
    r.status = nvml_status_family(rc);
    switch (r.status) {
      case ReadStatus::unsupported:
        r.why = rc == k_no_data ? "no data" : "not supported";
        break;
      case ReadStatus::no_permission:
        r.why = "no permission";
        break;
      case ReadStatus::lost:
        r.why = describe(rc);
        if (g != nullptr) {
          g->lost = true;
          g->lost_reason = r.why;
        }
        break;
      case ReadStatus::hardware:
        r.why = describe(rc);
        if (g != nullptr) {
          NvmlGpu::HardwareError e{rc, fmt::format("{}: {}", symbol, r.why)};
          if (std::find(g->hardware_errors.begin(), g->hardware_errors.end(), e) == g->hardware_errors.end()) {
            g->hardware_errors.push_back(std::move(e));
          }
        }
        break;
      default:
        r.why = describe(rc);
        break;
    }
    return r;
  }

  void read_identity(NvmlGpu& g, Device d);
  void read_memory_health(NvmlGpu& g, Device d);
  void read_limits(NvmlGpu& g, Device d);
  NvmlDynamic read_dynamic(NvmlGpu* g, Device d);

  std::unique_ptr<DynamicLibrary> m_lib;
  Api m_api;
  unsigned m_count = 0;
  std::vector<Device> m_handles;  // nullptr where the handle could not be had
};

Result<void> DlNvml::count_devices() {
  unsigned n = 0;
  int rc = m_api.count(&n);
  if (rc != k_success) {
    return fail(fmt::format("nvmlDeviceGetCount failed: {}", describe(rc)), {}, "gpu-nvml-count");
  }
  m_count = n;
  m_handles.assign(n, nullptr);
  return {};
}

NvmlSystem DlNvml::system() {
  NvmlSystem s;
  s.driver_version = read<std::string>(nullptr, m_api.driver_version, "nvmlSystemGetDriverVersion", [&](std::string& v) {
    char buf[96] = {};  // NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE is 80
    int rc = m_api.driver_version(buf, sizeof buf);
    v = buf;
    return rc;
  });
  s.nvml_version = read<std::string>(nullptr, m_api.nvml_version, "nvmlSystemGetNVMLVersion", [&](std::string& v) {
    char buf[96] = {};
    int rc = m_api.nvml_version(buf, sizeof buf);
    v = buf;
    return rc;
  });
  s.cuda_version = read<int>(nullptr, m_api.cuda_version, "nvmlSystemGetCudaDriverVersion",
                             [&](int& v) { return m_api.cuda_version(&v); });
  return s;
}

void DlNvml::read_identity(NvmlGpu& g, Device d) {
  g.name = read<std::string>(&g, m_api.name, "nvmlDeviceGetName", [&](std::string& v) {
    char buf[128] = {};  // NVML_DEVICE_NAME_V2_BUFFER_SIZE is 96
    int rc = m_api.name(d, buf, sizeof buf);
    v = buf;
    return rc;
  });
  g.uuid = read<std::string>(&g, m_api.uuid, "nvmlDeviceGetUUID", [&](std::string& v) {
    char buf[128] = {};  // NVML_DEVICE_UUID_V2_BUFFER_SIZE is 96
    int rc = m_api.uuid(d, buf, sizeof buf);
    v = buf;
    return rc;
  });
  auto pci = read<PciInfo>(&g, m_api.pci, "nvmlDeviceGetPciInfo_v3", [&](PciInfo& v) { return m_api.pci(d, &v); });
  if (pci.ok()) {
    pci.value->bus_id[sizeof pci.value->bus_id - 1] = '\0';
    g.pci_bus_id = Reading<std::string>::of(pci.value->bus_id);
    g.pci_domain = Reading<unsigned>::of(pci.value->domain);
    g.pci_bus = Reading<unsigned>::of(pci.value->bus);
    g.pci_device = Reading<unsigned>::of(pci.value->device);
  } else {
    g.pci_bus_id = {std::nullopt, pci.status, pci.why};
    g.pci_domain = g.pci_bus = g.pci_device = {std::nullopt, pci.status, pci.why};
  }
  g.cc_major = read<int>(&g, m_api.cc, "nvmlDeviceGetCudaComputeCapability", [&](int& v) {
    int minor = 0;
    int rc = m_api.cc(d, &v, &minor);
    if (rc == k_success) {
      g.cc_minor = Reading<int>::of(minor);
    }
    return rc;
  });
  if (!g.cc_major.ok()) {
    g.cc_minor = {std::nullopt, g.cc_major.status, g.cc_major.why};
  }
  auto mem = read<MemoryInfo>(&g, m_api.memory, "nvmlDeviceGetMemoryInfo", [&](MemoryInfo& v) { return m_api.memory(d, &v); });
  if (mem.ok()) {
    g.memory_total_bytes = Reading<uint64_t>::of(mem.value->total);
    g.memory_used_bytes = Reading<uint64_t>::of(mem.value->used);
  } else {
    g.memory_total_bytes = g.memory_used_bytes = {std::nullopt, mem.status, mem.why};
  }
  g.mig_enabled = read<bool>(&g, m_api.mig_mode, "nvmlDeviceGetMigMode", [&](bool& v) {
    unsigned cur = 0, pending = 0;
    int rc = m_api.mig_mode(d, &cur, &pending);
    v = cur != 0;
    return rc;
  });
  g.persistence_mode = read<bool>(&g, m_api.persistence, "nvmlDeviceGetPersistenceMode", [&](bool& v) {
    int mode = 0;
    int rc = m_api.persistence(d, &mode);
    v = mode != 0;
    return rc;
  });
}

void DlNvml::read_memory_health(NvmlGpu& g, Device d) {
  g.ecc_enabled = read<bool>(&g, m_api.ecc_mode, "nvmlDeviceGetEccMode", [&](bool& v) {
    int cur = 0, pending = 0;
    int rc = m_api.ecc_mode(d, &cur, &pending);
    v = cur != 0;
    if (rc == k_success) {
      g.ecc_pending = Reading<bool>::of(pending != 0);
    }
    return rc;
  });
  if (!g.ecc_enabled.ok()) {
    g.ecc_pending = {std::nullopt, g.ecc_enabled.status, g.ecc_enabled.why};
  }
  auto ecc = [&](int type, int counter) {
    return read<uint64_t>(&g, m_api.ecc_errors, "nvmlDeviceGetTotalEccErrors", [&](uint64_t& v) {
      unsigned long long n = 0;
      int rc = m_api.ecc_errors(d, type, counter, &n);
      v = n;
      return rc;
    });
  };
  if (g.ecc_enabled.value.value_or(false)) {
    g.ecc_volatile_corrected = ecc(k_corrected, k_volatile);
    g.ecc_volatile_uncorrected = ecc(k_uncorrected, k_volatile);
    g.ecc_aggregate_corrected = ecc(k_corrected, k_aggregate);
    g.ecc_aggregate_uncorrected = ecc(k_uncorrected, k_aggregate);
  } else {
    const char* why = g.ecc_enabled.ok() ? "ECC disabled" : "ECC mode unknown";
    for (auto* r : {&g.ecc_volatile_corrected, &g.ecc_volatile_uncorrected, &g.ecc_aggregate_corrected,
                    &g.ecc_aggregate_uncorrected}) {
      *r = {std::nullopt, ReadStatus::unsupported, why};
    }
  }
  auto pages = [&](int cause) {
    return read<unsigned>(&g, m_api.retired_pages, "nvmlDeviceGetRetiredPages", [&](unsigned& v) {
      // pageCount 0 asks for the count only (nvml.h); some drivers still answer INSUFFICIENT_SIZE
      // with the count set, which is the count we want.
      unsigned count = 0;
      int rc = m_api.retired_pages(d, cause, &count, nullptr);
      v = count;
      return rc == k_insufficient_size ? k_success : rc;
    });
  };
  g.retired_pages_sbe = pages(k_retire_sbe);
  g.retired_pages_dbe = pages(k_retire_dbe);
  g.retired_pages_pending = read<bool>(&g, m_api.retired_pending, "nvmlDeviceGetRetiredPagesPendingStatus", [&](bool& v) {
    int p = 0;
    int rc = m_api.retired_pending(d, &p);
    v = p != 0;
    return rc;
  });
  g.remapped_rows = read<RemappedRows>(&g, m_api.remapped_rows, "nvmlDeviceGetRemappedRows", [&](RemappedRows& v) {
    unsigned corr = 0, unc = 0, pending = 0, failure = 0;
    int rc = m_api.remapped_rows(d, &corr, &unc, &pending, &failure);
    v = RemappedRows{corr, unc, pending != 0, failure != 0};
    return rc;
  });
}

void DlNvml::read_limits(NvmlGpu& g, Device d) {
  auto u = [&](auto fn, const char* sym, auto&& call) { return read<unsigned>(&g, fn, sym, call); };
  g.link_gen_max = u(m_api.link_gen_max, "nvmlDeviceGetMaxPcieLinkGeneration",
                     [&](unsigned& v) { return m_api.link_gen_max(d, &v); });
  g.link_gen_gpu_max = u(m_api.link_gen_gpu_max, "nvmlDeviceGetGpuMaxPcieLinkGeneration",
                         [&](unsigned& v) { return m_api.link_gen_gpu_max(d, &v); });
  g.link_width_max = u(m_api.link_width_max, "nvmlDeviceGetMaxPcieLinkWidth",
                       [&](unsigned& v) { return m_api.link_width_max(d, &v); });
  g.temperature_slowdown_c = u(m_api.temperature_threshold, "nvmlDeviceGetTemperatureThreshold",
                               [&](unsigned& v) { return m_api.temperature_threshold(d, k_threshold_slowdown, &v); });
  g.power_limit_mw = u(m_api.power_limit, "nvmlDeviceGetEnforcedPowerLimit",
                       [&](unsigned& v) { return m_api.power_limit(d, &v); });
  g.clock_sm_max_mhz = u(m_api.clock_max, "nvmlDeviceGetMaxClockInfo",
                         [&](unsigned& v) { return m_api.clock_max(d, k_clock_sm, &v); });
  g.clock_mem_max_mhz = u(m_api.clock_max, "nvmlDeviceGetMaxClockInfo",
                          [&](unsigned& v) { return m_api.clock_max(d, k_clock_mem, &v); });
}

NvmlDynamic DlNvml::read_dynamic(NvmlGpu* g, Device d) {
  NvmlDynamic x;
  auto u = [&](auto fn, const char* sym, auto&& call) { return read<unsigned>(g, fn, sym, call); };
  x.link_gen_current = u(m_api.link_gen_cur, "nvmlDeviceGetCurrPcieLinkGeneration",
                         [&](unsigned& v) { return m_api.link_gen_cur(d, &v); });
  x.link_width_current = u(m_api.link_width_cur, "nvmlDeviceGetCurrPcieLinkWidth",
                           [&](unsigned& v) { return m_api.link_width_cur(d, &v); });
  x.temperature_c = u(m_api.temperature, "nvmlDeviceGetTemperature",
                      [&](unsigned& v) { return m_api.temperature(d, k_temperature_gpu, &v); });
  x.power_mw = u(m_api.power, "nvmlDeviceGetPowerUsage", [&](unsigned& v) { return m_api.power(d, &v); });
  x.clock_sm_mhz = u(m_api.clock, "nvmlDeviceGetClockInfo", [&](unsigned& v) { return m_api.clock(d, k_clock_sm, &v); });
  x.clock_mem_mhz = u(m_api.clock, "nvmlDeviceGetClockInfo", [&](unsigned& v) { return m_api.clock(d, k_clock_mem, &v); });
  x.throttle_reasons = read<uint64_t>(g, m_api.throttle, "nvmlDeviceGetCurrentClocksEventReasons", [&](uint64_t& v) {
    unsigned long long r = 0;
    int rc = m_api.throttle(d, &r);
    v = r;
    return rc;
  });
  return x;
}

NvmlGpu DlNvml::gpu(unsigned index) {
  NvmlGpu g;
  g.index = index;
  Device d = nullptr;
  int rc = m_api.handle(index, &d);
  if (rc != k_success) {
    ReadStatus fam = nvml_status_family(rc);
    g.lost = true;
    g.lost_reason = fam == ReadStatus::lost ? describe(rc) : fmt::format("no handle: {}", describe(rc));
    g.name = g.uuid = g.pci_bus_id = {std::nullopt, ReadStatus::lost, g.lost_reason};
    return g;
  }
  m_handles[index] = d;
  read_identity(g, d);
  read_memory_health(g, d);
  read_limits(g, d);
  g.dynamic = read_dynamic(&g, d);
  return g;
}

NvmlDynamic DlNvml::dynamic(unsigned index) {
  if (index >= m_handles.size() || m_handles[index] == nullptr) {
    return {};
  }
  NvmlGpu scratch;  // collects a "lost" verdict without touching the caller's report
  return read_dynamic(&scratch, m_handles[index]);
}

}  // namespace

std::vector<std::string> throttle::names(uint64_t reasons) {
  static constexpr std::pair<uint64_t, const char*> k_names[] = {
      {gpu_idle, "gpu_idle"},       {applications_clocks, "applications_clocks"},
      {sw_power_cap, "sw_power_cap"}, {hw_slowdown, "hw_slowdown"},
      {sync_boost, "sync_boost"},   {sw_thermal, "sw_thermal_slowdown"},
      {hw_thermal, "hw_thermal_slowdown"}, {hw_power_brake, "hw_power_brake_slowdown"},
      {display_clock, "display_clock"},
  };
  std::vector<std::string> out;
  uint64_t known = 0;
  for (const auto& [bit, name] : k_names) {
    known |= bit;
    if ((reasons & bit) != 0) {
      out.emplace_back(name);
    }
  }
  if ((reasons & ~known) != 0) {
    out.push_back(fmt::format("other_0x{:x}", reasons & ~known));
  }
  return out;
}

ReadStatus nvml_status_family(int code) {
  switch (code) {
    case k_success:
      return ReadStatus::ok;
    case k_not_supported:
    case k_no_data:
    case k_function_not_found:
      return ReadStatus::unsupported;
    case k_no_permission:
      return ReadStatus::no_permission;
    case k_gpu_is_lost:
    case k_reset_required:
      return ReadStatus::lost;
    case k_corrupted_inforom:
    case k_insufficient_power:
      return ReadStatus::hardware;
    default:
      return ReadStatus::error;
  }
}

std::string nvml_library_path() {
  const char* env = std::getenv("TALGPU_NVML_LIBRARY");
  return env != nullptr && *env != '\0' ? env : "libnvidia-ml.so.1";
}

Result<std::unique_ptr<Nvml>> open_nvml(const std::string& library) {
  auto lib = std::make_unique<DynamicLibrary>();
  if (!lib->open(library)) {
    return fail(fmt::format("cannot load the NVIDIA management library {}: {}", library, lib->error()), {},
                "gpu-nvml-missing");
  }
  for (const char* sym : k_required) {
    if (lib->symbol(sym) == nullptr) {
      return fail(fmt::format("{} does not export {}: not NVML, or a driver older than NVML's v2 API", library, sym),
                  {}, "gpu-nvml-symbol");
    }
  }
  Api api;
  bind_all(*lib, api);
  int rc = api.init();
  if (rc != k_success) {
    const char* s = api.error_string(rc);
    std::string what = fmt::format("nvmlInit failed: NVML error {} ({})", rc, s != nullptr ? s : "unknown");
    switch (rc) {
      case k_driver_not_loaded:
        return fail(what + ": the NVIDIA kernel module is not loaded", {}, "gpu-driver-not-loaded");
      case k_lib_rm_version_mismatch: {
        char ver[96] = {};
        std::string lib_ver = api.nvml_version != nullptr && api.nvml_version(ver, sizeof ver) == k_success
                                  ? fmt::format(" (library {})", ver)
                                  : "";
        return fail(fmt::format("{}: the user-space driver library{} and the loaded kernel module are different "
                                "versions",
                                what, lib_ver),
                    {}, "gpu-driver-mismatch");
      }
      case k_no_permission:
        return fail(what + ": no access to /dev/nvidia*", {}, "gpu-nvml-permission");
      default:
        return fail(what, {}, "gpu-nvml-init");
    }
  }
  auto nvml = std::make_unique<DlNvml>(std::move(lib), api);
  TRY(nvml->count_devices());
  return std::unique_ptr<Nvml>(std::move(nvml));
}

}  // namespace talgpu::gpu
