// A fake libnvidia-ml.so.1 for the probe's tests: the entry points src/gpu/nvml.cpp looks up, with
// the signatures of nvml.h, answering from the environment:
//   FAKE_NVML_INIT_RC   nvmlInit_v2's return code (default 0)
//   FAKE_NVML_GPUS      number of GPUs (default 1)
//   FAKE_NVML_NAME      every GPU's name (default "NVIDIA H200"); FAKE_NVML_NAME_<i> for GPU i
//   FAKE_NVML_SET       readings "key=value,key@i=value" (keys below, defaults of a healthy H200)
//   FAKE_NVML_FAIL      return codes "Function=rc,Function@i=rc,*@i=rc" (i: GPU index)
// Compile definitions remove symbols: FAKE_NVML_NO_COUNT (a required one), FAKE_NVML_OLD (the
// newer optional ones, as an older driver lacks them).

#include <cstdio>
#include <cstring>
#include <string>

#include "fake_env.hpp"

namespace {

struct Device {
  unsigned index;
};
Device g_devices[64];
int g_init = 0;

long setting(const char* key, unsigned index, long fallback) {
  std::string list = fake::env("FAKE_NVML_SET");
  long v = fake::list_value(list, std::string(key) + "@" + std::to_string(index), -12345);
  return v != -12345 ? v : fake::list_value(list, key, fallback);
}

int guard(const char* fn, Device* d) {
  if (g_init <= 0) {
    return 1;  // NVML_ERROR_UNINITIALIZED
  }
  if (d == nullptr) {
    return 2;  // NVML_ERROR_INVALID_ARGUMENT
  }
  return fake::injected("FAKE_NVML_FAIL", fn, d->index);
}

void copy_out(char* dst, unsigned len, const std::string& s) {
  std::snprintf(dst, len, "%s", s.c_str());
}

}  // namespace

#define NVML_FN(name, dev)              \
  if (int rc_ = guard(name, dev); rc_) \
    return rc_;

extern "C" {

struct PciInfo {
  char bus_id_legacy[16];
  unsigned domain, bus, device, pci_device_id, pci_subsystem_id;
  char bus_id[32];
};
struct MemoryInfo {
  unsigned long long total, free, used;
};

__attribute__((visibility("default"))) int nvmlInit_v2() {
  int rc = static_cast<int>(fake::env_long("FAKE_NVML_INIT_RC", 0));
  if (rc == 0) {
    ++g_init;
  }
  return rc;
}
__attribute__((visibility("default"))) int nvmlShutdown() {
  --g_init;
  return 0;
}
__attribute__((visibility("default"))) const char* nvmlErrorString(int rc) {
  switch (rc) {
    case 0: return "Success";
    case 3: return "Not Supported";
    case 4: return "Insufficient Permissions";
    case 8: return "Insufficient External Power";
    case 9: return "Driver Not Loaded";
    case 14: return "Corrupted infoROM";
    case 15: return "GPU is lost";
    case 18: return "RM has detected an NVML/RM version mismatch.";
    case 21: return "No data";
    default: return "Unknown Error";
  }
}
__attribute__((visibility("default"))) int nvmlSystemGetDriverVersion(char* v, unsigned len) {
  if (int rc = fake::injected("FAKE_NVML_FAIL", "nvmlSystemGetDriverVersion")) return rc;
  copy_out(v, len, fake::env("FAKE_NVML_DRIVER", "580.65.06"));
  return 0;
}
__attribute__((visibility("default"))) int nvmlSystemGetNVMLVersion(char* v, unsigned len) {
  copy_out(v, len, "13." + fake::env("FAKE_NVML_DRIVER", "580.65.06"));
  return 0;
}
__attribute__((visibility("default"))) int nvmlSystemGetCudaDriverVersion(int* v) {
  *v = static_cast<int>(fake::env_long("FAKE_NVML_CUDA", 13000));
  return 0;
}
#ifndef FAKE_NVML_NO_COUNT
__attribute__((visibility("default"))) int nvmlDeviceGetCount_v2(unsigned* n) {
  if (g_init <= 0) return 1;
  if (int rc = fake::injected("FAKE_NVML_FAIL", "nvmlDeviceGetCount_v2")) return rc;
  *n = static_cast<unsigned>(fake::env_long("FAKE_NVML_GPUS", 1));
  return 0;
}
#endif
__attribute__((visibility("default"))) int nvmlDeviceGetHandleByIndex_v2(unsigned i, Device** d) {
  if (g_init <= 0) return 1;
  if (i >= static_cast<unsigned>(fake::env_long("FAKE_NVML_GPUS", 1)) || i >= 64) return 2;
  if (int rc = fake::injected("FAKE_NVML_FAIL", "nvmlDeviceGetHandleByIndex_v2", i)) return rc;
  g_devices[i].index = i;
  *d = &g_devices[i];
  return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetName(Device* d, char* v, unsigned len) {
  NVML_FN("nvmlDeviceGetName", d);
  std::string per = "FAKE_NVML_NAME_" + std::to_string(d->index);
  std::string name = fake::env(per.c_str(), fake::env("FAKE_NVML_NAME", "NVIDIA H200").c_str());
  copy_out(v, len, name);
  return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetUUID(Device* d, char* v, unsigned len) {
  NVML_FN("nvmlDeviceGetUUID", d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "GPU-00000000-1111-2222-3333-%012u", d->index);
  copy_out(v, len, buf);
  return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetPciInfo_v3(Device* d, PciInfo* p) {
  NVML_FN("nvmlDeviceGetPciInfo_v3", d);
  std::memset(p, 0, sizeof *p);
  p->domain = 0;
  p->bus = 0x10 + d->index;
  p->device = 0;
  std::snprintf(p->bus_id, sizeof p->bus_id, "00000000:%02X:00.0", p->bus);
  std::snprintf(p->bus_id_legacy, sizeof p->bus_id_legacy, "0000:%02X:00.0", p->bus);
  return 0;
}

#define NVML_UINT(fn, key, fallback)                                    \
  __attribute__((visibility("default"))) int fn(Device* d, unsigned* v) { \
    NVML_FN(#fn, d);                                                    \
    *v = static_cast<unsigned>(setting(key, d->index, fallback));       \
    return 0;                                                           \
  }
NVML_UINT(nvmlDeviceGetMaxPcieLinkGeneration, "gen_max", 5)
NVML_UINT(nvmlDeviceGetMaxPcieLinkWidth, "width_max", 16)
NVML_UINT(nvmlDeviceGetCurrPcieLinkGeneration, "gen", 5)
NVML_UINT(nvmlDeviceGetCurrPcieLinkWidth, "width", 16)
NVML_UINT(nvmlDeviceGetPowerUsage, "power_mw", 120500)
NVML_UINT(nvmlDeviceGetEnforcedPowerLimit, "power_limit_mw", 700000)
#ifndef FAKE_NVML_OLD
NVML_UINT(nvmlDeviceGetGpuMaxPcieLinkGeneration, "gen_gpu_max", 5)
#endif

__attribute__((visibility("default"))) int nvmlDeviceGetMemoryInfo(Device* d, MemoryInfo* m) {
  NVML_FN("nvmlDeviceGetMemoryInfo", d);
  m->total = static_cast<unsigned long long>(setting("memory_mib", d->index, 143771)) << 20;
  m->used = 1ull << 20;
  m->free = m->total - m->used;
  return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetCudaComputeCapability(Device* d, int* major, int* minor) {
  NVML_FN("nvmlDeviceGetCudaComputeCapability", d);
  *major = 9;
  *minor = 0;
  return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetEccMode(Device* d, int* cur, int* pending) {
  NVML_FN("nvmlDeviceGetEccMode", d);
  *cur = static_cast<int>(setting("ecc", d->index, 1));
  *pending = static_cast<int>(setting("ecc_pending", d->index, *cur));
  return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetTotalEccErrors(Device* d, int type, int counter,
                                                                      unsigned long long* n) {
  NVML_FN("nvmlDeviceGetTotalEccErrors", d);
  static const char* keys[2][2] = {{"ecc_vol_corr", "ecc_agg_corr"}, {"ecc_vol_unc", "ecc_agg_unc"}};
  if (type < 0 || type > 1 || counter < 0 || counter > 1) return 2;
  *n = static_cast<unsigned long long>(setting(keys[type][counter], d->index, 0));
  return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetRetiredPages(Device* d, int cause, unsigned* count,
                                                                    unsigned long long* addresses) {
  NVML_FN("nvmlDeviceGetRetiredPages", d);
  unsigned n = static_cast<unsigned>(setting(cause == 0 ? "retired_sbe" : "retired_dbe", d->index, 0));
  if (*count < n && addresses == nullptr && *count != 0) return 2;
  unsigned given = *count;
  *count = n;
  return given < n && given != 0 ? 7 : 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetRetiredPagesPendingStatus(Device* d, int* pending) {
  NVML_FN("nvmlDeviceGetRetiredPagesPendingStatus", d);
  *pending = static_cast<int>(setting("retired_pending", d->index, 0));
  return 0;
}
#ifndef FAKE_NVML_OLD
__attribute__((visibility("default"))) int nvmlDeviceGetRemappedRows(Device* d, unsigned* corr, unsigned* unc,
                                                                    unsigned* pending, unsigned* failure) {
  NVML_FN("nvmlDeviceGetRemappedRows", d);
  *corr = static_cast<unsigned>(setting("remap_corr", d->index, 0));
  *unc = static_cast<unsigned>(setting("remap_unc", d->index, 0));
  *pending = static_cast<unsigned>(setting("remap_pending", d->index, 0));
  *failure = static_cast<unsigned>(setting("remap_failure", d->index, 0));
  return 0;
}
#endif
__attribute__((visibility("default"))) int nvmlDeviceGetTemperature(Device* d, int sensor, unsigned* t) {
  NVML_FN("nvmlDeviceGetTemperature", d);
  if (sensor != 0) return 2;
  *t = static_cast<unsigned>(setting("temp", d->index, 31));
  return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetTemperatureThreshold(Device* d, int type, unsigned* t) {
  NVML_FN("nvmlDeviceGetTemperatureThreshold", d);
  if (type != 1) return 2;
  *t = static_cast<unsigned>(setting("temp_slowdown", d->index, 87));
  return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetClockInfo(Device* d, int type, unsigned* mhz) {
  NVML_FN("nvmlDeviceGetClockInfo", d);
  *mhz = static_cast<unsigned>(setting(type == 2 ? "mem_clock" : "sm_clock", d->index, type == 2 ? 3201 : 1980));
  return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetMaxClockInfo(Device* d, int type, unsigned* mhz) {
  NVML_FN("nvmlDeviceGetMaxClockInfo", d);
  *mhz = type == 2 ? 3201 : 1980;
  return 0;
}
#ifndef FAKE_NVML_OLD
__attribute__((visibility("default"))) int nvmlDeviceGetCurrentClocksEventReasons(Device* d, unsigned long long* r) {
  NVML_FN("nvmlDeviceGetCurrentClocksEventReasons", d);
  *r = static_cast<unsigned long long>(setting("throttle", d->index, 0));
  return 0;
}
#endif
__attribute__((visibility("default"))) int nvmlDeviceGetCurrentClocksThrottleReasons(Device* d, unsigned long long* r) {
  NVML_FN("nvmlDeviceGetCurrentClocksThrottleReasons", d);
  *r = static_cast<unsigned long long>(setting("throttle", d->index, 0)) | 0x1000;  // marks the old entry point
  return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetMigMode(Device* d, unsigned* cur, unsigned* pending) {
  NVML_FN("nvmlDeviceGetMigMode", d);
  *cur = *pending = static_cast<unsigned>(setting("mig", d->index, 0));
  return 0;
}
__attribute__((visibility("default"))) int nvmlDeviceGetPersistenceMode(Device* d, int* mode) {
  NVML_FN("nvmlDeviceGetPersistenceMode", d);
  *mode = static_cast<int>(setting("persistence", d->index, 1));
  return 0;
}

}  // extern "C"
