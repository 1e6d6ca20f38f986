// The CUDA driver API through dlopen(). The prototypes restate NVIDIA's cuda.h (CUDA 12.6 header,
// CUDA_VERSION 12060); cuda.h maps several names onto versioned symbols that take 64-bit sizes
// (cuMemAlloc -> cuMemAlloc_v2, cuMemFree -> cuMemFree_v2, cuMemAllocHost -> cuMemAllocHost_v2,
// cuMemcpyHtoDAsync -> cuMemcpyHtoDAsync_v2, cuMemcpyDtoHAsync -> cuMemcpyDtoHAsync_v2,
// cuStreamDestroy -> cuStreamDestroy_v2, cuEventDestroy -> cuEventDestroy_v2,
// cuDevicePrimaryCtxRelease -> cuDevicePrimaryCtxRelease_v2). The unversioned symbols still exist
// for old binaries with 32-bit sizes, so looking up the right name matters. No NVIDIA header is
// included.

#include <gpu/cuda_driver.hpp>

#include <cstdint>
#include <cstdlib>

#include <fmt/format.h>

#include <gpu/dynlib.hpp>

namespace talgpu::gpu {

namespace {

// cuda.h CUjit_option values.
constexpr int k_jit_error_log_buffer = 5;
constexpr int k_jit_error_log_buffer_size_bytes = 6;

struct Api {
  int (*init)(unsigned) = nullptr;
  int (*driver_version)(int*) = nullptr;
  int (*device_count)(int*) = nullptr;
  int (*device_get)(int*, int) = nullptr;
  int (*device_name)(char*, int, int) = nullptr;
  int (*device_attribute)(int*, int, int) = nullptr;
  int (*primary_retain)(CuContext*, int) = nullptr;
  int (*primary_release)(int) = nullptr;
  int (*ctx_set_current)(CuContext) = nullptr;
  int (*ctx_synchronize)() = nullptr;
  int (*module_load)(CuModule*, const void*, unsigned, int*, void**) = nullptr;
  int (*module_unload)(CuModule) = nullptr;
  int (*module_function)(CuFunction*, CuModule, const char*) = nullptr;
  int (*mem_alloc)(CuDevicePtr*, size_t) = nullptr;
  int (*mem_free)(CuDevicePtr) = nullptr;
  int (*mem_alloc_host)(void**, size_t) = nullptr;
  int (*mem_free_host)(void*) = nullptr;
  int (*htod_async)(CuDevicePtr, const void*, size_t, CuStream) = nullptr;
  int (*dtoh_async)(void*, CuDevicePtr, size_t, CuStream) = nullptr;
  int (*stream_create)(CuStream*, unsigned) = nullptr;
  int (*stream_destroy)(CuStream) = nullptr;
  int (*stream_synchronize)(CuStream) = nullptr;
  int (*event_create)(CuEvent*, unsigned) = nullptr;
  int (*event_destroy)(CuEvent) = nullptr;
  int (*event_record)(CuEvent, CuStream) = nullptr;
  int (*event_synchronize)(CuEvent) = nullptr;
  int (*event_elapsed)(float*, CuEvent, CuEvent) = nullptr;
  int (*launch)(CuFunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CuStream, void**,
                void**) = nullptr;
  int (*error_name)(int, const char**) = nullptr;
  int (*error_string)(int, const char**) = nullptr;
};

class DlCuda final : public CudaDriver {
 public:
  DlCuda(std::unique_ptr<DynamicLibrary> lib, Api api) : m_lib(std::move(lib)), m_api(api) {}

  int init() override { return m_api.init(0); }
  int driver_version(int* v) override { return m_api.driver_version(v); }
  int device_count(int* n) override { return m_api.device_count(n); }
  int device_get(int* d, int ordinal) override { return m_api.device_get(d, ordinal); }
  int device_name(std::string* name, int d) override {
    char buf[256] = {};
    int rc = m_api.device_name(buf, sizeof buf - 1, d);
    *name = buf;
    return rc;
  }
  int device_attribute(int* v, int attr, int d) override { return m_api.device_attribute(v, attr, d); }
  int primary_ctx_retain(CuContext* c, int d) override { return m_api.primary_retain(c, d); }
  int primary_ctx_release(int d) override { return m_api.primary_release(d); }
  int ctx_set_current(CuContext c) override { return m_api.ctx_set_current(c); }
  int ctx_synchronize() override { return m_api.ctx_synchronize(); }
  int module_load_ptx(CuModule* m, const std::string& ptx, std::string* log) override {
    char buf[8192] = {};
    int options[] = {k_jit_error_log_buffer, k_jit_error_log_buffer_size_bytes};
    void* values[] = {buf, reinterpret_cast<void*>(static_cast<uintptr_t>(sizeof buf - 1))};
    int rc = m_api.module_load(m, ptx.c_str(), 2, options, values);
    if (log != nullptr) {
      *log = buf;
    }
    return rc;
  }
  int module_unload(CuModule m) override { return m_api.module_unload(m); }
  int module_function(CuFunction* f, CuModule m, const char* name) override { return m_api.module_function(f, m, name); }
  int mem_alloc(CuDevicePtr* p, size_t n) override { return m_api.mem_alloc(p, n); }
  int mem_free(CuDevicePtr p) override { return m_api.mem_free(p); }
  int mem_alloc_host(void** p, size_t n) override { return m_api.mem_alloc_host(p, n); }
  int mem_free_host(void* p) override { return m_api.mem_free_host(p); }
  int memcpy_htod_async(CuDevicePtr dst, const void* src, size_t n, CuStream s) override {
    return m_api.htod_async(dst, src, n, s);
  }
  int memcpy_dtoh_async(void* dst, CuDevicePtr src, size_t n, CuStream s) override {
    return m_api.dtoh_async(dst, src, n, s);
  }
  int stream_create(CuStream* s) override { return m_api.stream_create(s, 0); }
  int stream_destroy(CuStream s) override { return m_api.stream_destroy(s); }
  int stream_synchronize(CuStream s) override { return m_api.stream_synchronize(s); }
  int event_create(CuEvent* e) override { return m_api.event_create(e, 0); }  // CU_EVENT_DEFAULT: timed
  int event_destroy(CuEvent e) override { return m_api.event_destroy(e); }
  int event_record(CuEvent e, CuStream s) override { return m_api.event_record(e, s); }
  int event_synchronize(CuEvent e) override { return m_api.event_synchronize(e); }
  int event_elapsed_ms(float* ms, CuEvent a, CuEvent b) override { return m_api.event_elapsed(ms, a, b); }
  int launch(CuFunction f, unsigned grid, unsigned block, CuStream s, void** params) override {
    return m_api.launch(f, grid, 1, 1, block, 1, 1, 0, s, params, nullptr);
  }
  std::string error_name(int code) override {
    const char* s = nullptr;
    if (m_api.error_name(code, &s) != cu::success || s == nullptr) {
      return fmt::format("CUDA error {}", code);
    }
    return s;
  }
  std::string error_string(int code) override {
    const char* s = nullptr;
    if (m_api.error_string(code, &s) != cu::success || s == nullptr) {
      return "unrecognized error code";
    }
    return s;
  }

 private:
  std::unique_ptr<DynamicLibrary> m_lib;
  Api m_api;
};

}  // namespace

std::string cuda_library_path() {
  const char* env = std::getenv("TALGPU_CUDA_LIBRARY");
  return env != nullptr && *env != '\0' ? env : "libcuda.so.1";
}

Result<std::unique_ptr<CudaDriver>> open_cuda(const std::string& library) {
  auto lib = std::make_unique<DynamicLibrary>();
  if (!lib->open(library)) {
    return fail(fmt::format("cannot load the CUDA driver library {}: {}", library, lib->error()), {}, "gpu-cuda-missing");
  }
  Api a;
  std::string missing;
  auto bind = [&](auto& slot, const char* name) {
    slot = lib->get<std::remove_reference_t<decltype(slot)>>(name);
    if (slot == nullptr && missing.empty()) {
      missing = name;
    }
  };
  bind(a.init, "cuInit");
  bind(a.driver_version, "cuDriverGetVersion");
  bind(a.device_count, "cuDeviceGetCount");
  bind(a.device_get, "cuDeviceGet");
  bind(a.device_name, "cuDeviceGetName");
  bind(a.device_attribute, "cuDeviceGetAttribute");
  bind(a.primary_retain, "cuDevicePrimaryCtxRetain");
  bind(a.primary_release, "cuDevicePrimaryCtxRelease_v2");
  bind(a.ctx_set_current, "cuCtxSetCurrent");
  bind(a.ctx_synchronize, "cuCtxSynchronize");
  bind(a.module_load, "cuModuleLoadDataEx");
  bind(a.module_unload, "cuModuleUnload");
  bind(a.module_function, "cuModuleGetFunction");
  bind(a.mem_alloc, "cuMemAlloc_v2");
  bind(a.mem_free, "cuMemFree_v2");
  bind(a.mem_alloc_host, "cuMemAllocHost_v2");
  bind(a.mem_free_host, "cuMemFreeHost");
  bind(a.htod_async, "cuMemcpyHtoDAsync_v2");
  bind(a.dtoh_async, "cuMemcpyDtoHAsync_v2");
  bind(a.stream_create, "cuStreamCreate");
  bind(a.stream_destroy, "cuStreamDestroy_v2");
  bind(a.stream_synchronize, "cuStreamSynchronize");
  bind(a.event_create, "cuEventCreate");
  bind(a.event_destroy, "cuEventDestroy_v2");
  bind(a.event_record, "cuEventRecord");
  bind(a.event_synchronize, "cuEventSynchronize");
  bind(a.event_elapsed, "cuEventElapsedTime");
  bind(a.launch, "cuLaunchKernel");
  bind(a.error_name, "cuGetErrorName");
  bind(a.error_string, "cuGetErrorString");
  if (!missing.empty()) {
    return fail(fmt::format("{} does not export {}: not a CUDA driver library, or one too old for the probe", library,
                            missing),
                {}, "gpu-cuda-symbol");
  }
  return std::unique_ptr<CudaDriver>(std::make_unique<DlCuda>(std::move(lib), a));
}

}  // namespace talgpu::gpu
