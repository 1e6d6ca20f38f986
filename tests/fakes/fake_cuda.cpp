// A fake libcuda.so.1 for the probe's tests: the driver API entry points src/gpu/cuda_driver.cpp
// looks up, with the signatures of cuda.h. "Device" memory is host memory; the two kernels of the
// probe's PTX run on the CPU when launched; time is simulated, so bandwidth figures are exact:
//   FAKE_CUDA_INIT_RC     cuInit's return code (default 0)
//   FAKE_CUDA_DEVICES     number of devices (default $FAKE_NVML_GPUS, else 1); device i sits at
//                         PCI 0000:(0x10+i):00, where the fake NVML puts GPU i
//   FAKE_CUDA_MAX_PTX     newest PTX ISA the "JIT" accepts (default 9.9): an older one answers
//                         CUDA_ERROR_UNSUPPORTED_PTX_VERSION for PTX declaring a newer .version
//   FAKE_CUDA_WRONG       "vecadd" or "copy": that kernel writes one wrong element (index 17)
//   FAKE_CUDA_GBPS        simulated speeds "d2d=4200,h2d=55,d2h=53,d2d@1=2000" (@i: device i)
//   FAKE_CUDA_FAIL        return codes "cuMemAlloc_v2=2,cuLaunchKernel@0=719"
// FAKE_CUDA_NO_LAUNCH (compile definition) removes cuLaunchKernel.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fake_env.hpp"

namespace {

int g_current = -1;  // device of the current context
double g_clock_ms[64];  // simulated timeline per device

struct Func {
  int kind;  // 0 vecadd, 1 copy
};
Func g_vecadd{0}, g_copy{1};

struct Module {
  int device;
  std::string text;  // the PTX, to find entry points in
};

struct Event {
  int device;
  double at_ms;
};

int devices() {
  return static_cast<int>(fake::env_long("FAKE_CUDA_DEVICES", fake::env_long("FAKE_NVML_GPUS", 1)));
}

int fail(const char* fn) {
  return fake::injected("FAKE_CUDA_FAIL", fn, g_current);
}

double gbps(const char* key) {
  std::string list = fake::env("FAKE_CUDA_GBPS");
  long def = std::strcmp(key, "d2d") == 0 ? 4200 : std::strcmp(key, "h2d") == 0 ? 55 : 53;
  long v = fake::list_value(list, std::string(key) + "@" + std::to_string(g_current), -1);
  return static_cast<double>(v > 0 ? v : fake::list_value(list, key, def));
}

void advance(double bytes, const char* key) {
  if (g_current >= 0 && g_current < 64) {
    g_clock_ms[g_current] += bytes / gbps(key) / 1e6;
  }
}

// "6.0" -> 60
int ptx_version(const char* text) {
  const char* v = std::strstr(text, ".version ");
  if (v == nullptr) return -1;
  int major = 0, minor = 0;
  if (std::sscanf(v + 9, "%d.%d", &major, &minor) != 2) return -1;
  return major * 10 + minor;
}

}  // namespace

#define EXPORT extern "C" __attribute__((visibility("default")))
#define CU_FN(name)                 \
  if (int rc_ = fail(name); rc_) \
    return rc_;

EXPORT int cuInit(unsigned) {
  return static_cast<int>(fake::env_long("FAKE_CUDA_INIT_RC", 0));
}
EXPORT int cuDriverGetVersion(int* v) {
  *v = 13000;
  return 0;
}
EXPORT int cuDeviceGetCount(int* n) {
  *n = devices();
  return 0;
}
EXPORT int cuDeviceGet(int* d, int ordinal) {
  if (ordinal < 0 || ordinal >= devices()) return 101;  // CUDA_ERROR_INVALID_DEVICE
  *d = ordinal;
  return 0;
}
EXPORT int cuDeviceGetName(char* name, int len, int d) {
  std::snprintf(name, static_cast<size_t>(len), "Fake GPU %d", d);
  return 0;
}
EXPORT int cuDeviceGetAttribute(int* v, int attr, int d) {
  switch (attr) {
    case 16: *v = 132; return 0;       // multiprocessors
    case 39: *v = 2048; return 0;      // threads per multiprocessor
    case 33: *v = 0x10 + d; return 0;  // PCI bus
    case 34: *v = 0; return 0;         // PCI device
    case 50: *v = 0; return 0;         // PCI domain
    case 75: *v = 9; return 0;
    case 76: *v = 0; return 0;
    default: return 1;
  }
}
EXPORT int cuDevicePrimaryCtxRetain(void** ctx, int d) {
  g_current = d;
  CU_FN("cuDevicePrimaryCtxRetain");
  *ctx = reinterpret_cast<void*>(static_cast<uintptr_t>(d + 1));
  return 0;
}
EXPORT int cuDevicePrimaryCtxRelease_v2(int) {
  return 0;
}
EXPORT int cuCtxSetCurrent(void* ctx) {
  g_current = static_cast<int>(reinterpret_cast<uintptr_t>(ctx)) - 1;
  return 0;
}
EXPORT int cuCtxSynchronize() {
  return 0;
}
EXPORT int cuModuleLoadDataEx(Module** m, const void* image, unsigned n, int* options, void** values) {
  CU_FN("cuModuleLoadDataEx");
  const char* text = static_cast<const char*>(image);
  std::string max = fake::env("FAKE_CUDA_MAX_PTX", "9.9");
  int have = ptx_version(text), limit = ptx_version((".version " + max).c_str());
  if (have < 0 || std::strstr(text, ".entry") == nullptr) {
    return 218;  // CUDA_ERROR_INVALID_PTX
  }
  if (have > limit) {
    for (unsigned i = 0; i < n; ++i) {
      if (options[i] == 5) {  // CU_JIT_ERROR_LOG_BUFFER
        std::snprintf(static_cast<char*>(values[i]), 200,
                      "ptxas application ptx input, line 4; fatal   : Unsupported .version %d.%d; current version is '%s'",
                      have / 10, have % 10, max.c_str());
      }
    }
    return 222;  // CUDA_ERROR_UNSUPPORTED_PTX_VERSION
  }
  *m = new Module{g_current, text};
  return 0;
}
EXPORT int cuModuleUnload(Module* m) {
  delete m;
  return 0;
}
EXPORT int cuModuleGetFunction(Func** f, Module* m, const char* name) {
  if (m->text.find(".entry " + std::string(name) + "(") == std::string::npos) {
    return 500;  // CUDA_ERROR_NOT_FOUND
  }
  if (std::strcmp(name, "talgpu_vecadd") == 0) {
    *f = &g_vecadd;
  } else if (std::strncmp(name, "talgpu_copy", 11) == 0) {
    *f = &g_copy;
  } else {
    return 500;  // CUDA_ERROR_NOT_FOUND
  }
  return 0;
}
EXPORT int cuMemAlloc_v2(unsigned long long* p, size_t n) {
  CU_FN("cuMemAlloc_v2");
  void* mem = std::malloc(n);
  if (mem == nullptr) return 2;
  *p = reinterpret_cast<uintptr_t>(mem);
  return 0;
}
EXPORT int cuMemFree_v2(unsigned long long p) {
  std::free(reinterpret_cast<void*>(static_cast<uintptr_t>(p)));
  return 0;
}
EXPORT int cuMemAllocHost_v2(void** p, size_t n) {
  CU_FN("cuMemAllocHost_v2");
  *p = std::malloc(n);
  return *p == nullptr ? 2 : 0;
}
EXPORT int cuMemFreeHost(void* p) {
  std::free(p);
  return 0;
}
EXPORT int cuMemcpyHtoDAsync_v2(unsigned long long dst, const void* src, size_t n, void*) {
  CU_FN("cuMemcpyHtoDAsync_v2");
  std::memcpy(reinterpret_cast<void*>(static_cast<uintptr_t>(dst)), src, n);
  advance(static_cast<double>(n), "h2d");
  return 0;
}
EXPORT int cuMemcpyDtoHAsync_v2(void* dst, unsigned long long src, size_t n, void*) {
  CU_FN("cuMemcpyDtoHAsync_v2");
  std::memcpy(dst, reinterpret_cast<const void*>(static_cast<uintptr_t>(src)), n);
  advance(static_cast<double>(n), "d2h");
  return 0;
}
EXPORT int cuStreamCreate(void** s, unsigned) {
  *s = nullptr;
  return 0;
}
EXPORT int cuStreamDestroy_v2(void*) {
  return 0;
}
EXPORT int cuStreamSynchronize(void*) {
  CU_FN("cuStreamSynchronize");
  return 0;
}
EXPORT int cuEventCreate(Event** e, unsigned) {
  *e = new Event{g_current, 0};
  return 0;
}
EXPORT int cuEventDestroy_v2(Event* e) {
  delete e;
  return 0;
}
EXPORT int cuEventRecord(Event* e, void*) {
  e->at_ms = g_current >= 0 ? g_clock_ms[g_current] : 0;
  return 0;
}
EXPORT int cuEventSynchronize(Event*) {
  return 0;
}
EXPORT int cuEventElapsedTime(float* ms, Event* a, Event* b) {
  *ms = static_cast<float>(b->at_ms - a->at_ms);
  return 0;
}
#ifndef FAKE_CUDA_NO_LAUNCH
EXPORT int cuLaunchKernel(Func* f, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void*,
                          void** params, void**) {
  CU_FN("cuLaunchKernel");
  std::string wrong = fake::env("FAKE_CUDA_WRONG");
  if (f->kind == 0) {
    auto* a = *static_cast<float**>(params[0]);
    auto* b = *static_cast<float**>(params[1]);
    auto* c = *static_cast<float**>(params[2]);
    uint64_t n = *static_cast<uint64_t*>(params[3]);
    for (uint64_t i = 0; i < n; ++i) {
      c[i] = a[i] + b[i];
    }
    if (wrong == "vecadd" && n > 17) {
      c[17] += 1.0f;
    }
    advance(12.0 * static_cast<double>(n), "d2d");
  } else {
    auto* dst = *static_cast<unsigned char**>(params[0]);
    auto* src = *static_cast<unsigned char**>(params[1]);
    uint64_t n16 = *static_cast<uint64_t*>(params[2]);
    std::memcpy(dst, src, n16 * 16);
    if (wrong == "copy" && n16 > 2) {
      dst[17] ^= 0x5a;
    }
    advance(32.0 * static_cast<double>(n16), "d2d");
  }
  return 0;
}
#endif
EXPORT int cuGetErrorName(int rc, const char** s) {
  switch (rc) {
    case 0: *s = "CUDA_SUCCESS"; return 0;
    case 2: *s = "CUDA_ERROR_OUT_OF_MEMORY"; return 0;
    case 35: *s = "CUDA_ERROR_INSUFFICIENT_DRIVER"; return 0;
    case 100: *s = "CUDA_ERROR_NO_DEVICE"; return 0;
    case 218: *s = "CUDA_ERROR_INVALID_PTX"; return 0;
    case 222: *s = "CUDA_ERROR_UNSUPPORTED_PTX_VERSION"; return 0;
    case 719: *s = "CUDA_ERROR_LAUNCH_FAILED"; return 0;
    case 803: *s = "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH"; return 0;
    default: *s = nullptr; return 1;
  }
}
EXPORT int cuGetErrorString(int rc, const char** s) {
  switch (rc) {
    case 2: *s = "out of memory"; return 0;
    case 35: *s = "CUDA driver version is insufficient for CUDA runtime version"; return 0;
    case 100: *s = "no CUDA-capable device is detected"; return 0;
    case 218: *s = "a PTX JIT compilation failed"; return 0;
    case 222: *s = "the provided PTX was compiled with an unsupported toolchain."; return 0;
    case 719: *s = "unspecified launch failure"; return 0;
    case 803: *s = "system has unsupported display driver / cuda driver combination"; return 0;
    default: *s = nullptr; return 1;
  }
}
